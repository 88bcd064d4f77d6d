/* Vajra — attribute schemas and the column store (include/vajra/attrs.h).
 *
 * Columns are GArrays: keyword codes per row, tags as row offsets into one code array, ints and
 * floats as one value per row plus a presence bitmap. Appends validate a whole batch (Jansson)
 * before touching the store. Persistence is in core/attrs_io.c. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attrs_internal.h"

const char *vajra_attr_type_name(VajraAttrType type)
{
    switch (type) {
    case VAJRA_ATTR_KEYWORD: return "keyword";
    case VAJRA_ATTR_TAGS: return "tags";
    case VAJRA_ATTR_INT: return "int";
    case VAJRA_ATTR_FLOAT: return "float";
    }
    return "?";
}

static int type_known(VajraAttrType t)
{
    return t >= VAJRA_ATTR_KEYWORD && t <= VAJRA_ATTR_FLOAT;
}

/* ------------------------------------------------------------------------------------------ */
/* Small shared helpers                                                                       */
/* ------------------------------------------------------------------------------------------ */

void vajra_json_quote_(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\r': g_string_append(out, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
}

void vajra_format_double_(GString *out, double x)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    g_string_append(out, buf);
    if (!strpbrk(buf, ".eEn")) /* "n": inf/nan never reach here, but never append to them */
        g_string_append(out, ".0");
}

size_t vajra_copy_out_(const GString *s, char *buf, size_t cap)
{
    if (buf && cap > 0) {
        size_t n = s->len < cap - 1 ? s->len : cap - 1;
        memcpy(buf, s->str, n);
        buf[n] = '\0';
    }
    return s->len;
}

const char *vajra_attr_name_problem_(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return "is empty";
    size_t n = strlen(name);
    if (n > VAJRA_ATTR_NAME_MAX)
        return "is longer than 255 bytes";
    if (!g_utf8_validate(name, (gssize)n, NULL))
        return "is not valid UTF-8";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return "contains a control character";
    if (strcmp(name, "_id") == 0 || strcmp(name, "title") == 0 || strcmp(name, "text") == 0)
        return "is reserved for the document (_id, title, text)";
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Schemas                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static VajraAttrSchema *schema_alloc(void)
{
    VajraAttrSchema *s = g_new0(VajraAttrSchema, 1);
    s->names = g_ptr_array_new_with_free_func(g_free);
    s->types = g_array_new(FALSE, FALSE, sizeof(guint32));
    s->index = g_hash_table_new(g_str_hash, g_str_equal);
    return s;
}

vajra_status vajra_attr_schema_new(VajraAttrSchema **out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: output is NULL");
    *out = schema_alloc();
    return VAJRA_OK;
}

void vajra_attr_schema_free(VajraAttrSchema *s)
{
    if (s == NULL)
        return;
    g_hash_table_destroy(s->index);
    g_ptr_array_free(s->names, TRUE);
    g_array_free(s->types, TRUE);
    g_free(s);
}

vajra_status vajra_attr_schema_add(VajraAttrSchema *s, const char *name, VajraAttrType type,
                                   VajraError *err)
{
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: schema is NULL");
    const char *problem = vajra_attr_name_problem_(name);
    if (problem)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: field name \"%.64s\" %s",
                               name ? name : "", problem);
    if (!type_known(type))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "attrs: field \"%.64s\": unknown type %d", name, (int)type);
    if (g_hash_table_contains(s->index, name))
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "attrs: field \"%.64s\" declared twice",
                               name);
    char *copy = g_strdup(name);
    g_ptr_array_add(s->names, copy);
    guint32 t = (guint32)type;
    g_array_append_val(s->types, t);
    g_hash_table_insert(s->index, copy, GSIZE_TO_POINTER((gsize)s->names->len));
    return VAJRA_OK;
}

VajraAttrSchema *vajra_attr_schema_copy(const VajraAttrSchema *s)
{
    if (s == NULL)
        return NULL;
    VajraAttrSchema *c = schema_alloc();
    for (guint i = 0; i < s->names->len; i++)
        vajra_attr_schema_add(c, g_ptr_array_index(s->names, i),
                              (VajraAttrType)g_array_index(s->types, guint32, i), NULL);
    return c;
}

size_t vajra_attr_schema_count(const VajraAttrSchema *s)
{
    return s ? s->names->len : 0;
}

const char *vajra_attr_schema_name(const VajraAttrSchema *s, size_t i)
{
    return s && i < s->names->len ? g_ptr_array_index(s->names, i) : NULL;
}

VajraAttrType vajra_attr_schema_type(const VajraAttrSchema *s, size_t i)
{
    return s && i < s->types->len ? (VajraAttrType)g_array_index(s->types, guint32, i)
                                  : (VajraAttrType)0;
}

long vajra_attr_schema_find(const VajraAttrSchema *s, const char *name)
{
    if (s == NULL || name == NULL)
        return -1;
    return (long)GPOINTER_TO_SIZE(g_hash_table_lookup(s->index, name)) - 1;
}

int vajra_attr_schema_equal(const VajraAttrSchema *a, const VajraAttrSchema *b)
{
    if (a == NULL || b == NULL || a->names->len != b->names->len)
        return 0;
    for (guint i = 0; i < a->names->len; i++)
        if (strcmp(g_ptr_array_index(a->names, i), g_ptr_array_index(b->names, i)) != 0 ||
            g_array_index(a->types, guint32, i) != g_array_index(b->types, guint32, i))
            return 0;
    return 1;
}

size_t vajra_attr_schema_format(const VajraAttrSchema *s, char *buf, size_t cap)
{
    GString *g = g_string_new(NULL);
    for (size_t i = 0; i < vajra_attr_schema_count(s); i++)
        g_string_append_printf(g, "%s%s:%s", i ? "," : "", vajra_attr_schema_name(s, i),
                               vajra_attr_type_name(vajra_attr_schema_type(s, i)));
    size_t n = vajra_copy_out_(g, buf, cap);
    g_string_free(g, TRUE);
    return n;
}

static int type_from_name(const char *t, VajraAttrType *out)
{
    static const VajraAttrType all[] = {VAJRA_ATTR_KEYWORD, VAJRA_ATTR_TAGS, VAJRA_ATTR_INT,
                                        VAJRA_ATTR_FLOAT};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(t, vajra_attr_type_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    return 0;
}

vajra_status vajra_attr_schema_parse(const char *text, VajraAttrSchema **out, VajraError *err)
{
    if (out == NULL || text == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: schema text is NULL");
    *out = NULL;
    VajraAttrSchema *s = schema_alloc();
    vajra_status st = VAJRA_OK;
    char *all = g_strdup(text);
    if (*g_strstrip(all) != '\0') {
        char **items = g_strsplit(all, ",", -1);
        for (size_t i = 0; items[i] && st == VAJRA_OK; i++) {
            char *item = g_strstrip(items[i]);
            char *colon = strchr(item, ':');
            if (colon == NULL) {
                st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                     "attrs: schema item %zu \"%.64s\" is not name:type", i + 1,
                                     item);
                break;
            }
            *colon = '\0';
            char *name = g_strstrip(item), *tname = g_strstrip(colon + 1);
            VajraAttrType t;
            if (!type_from_name(tname, &t))
                st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                     "attrs: schema item %zu: unknown type \"%.32s\" (keyword, "
                                     "tags, int or float)", i + 1, tname);
            else
                st = vajra_attr_schema_add(s, name, t, err);
        }
        g_strfreev(items);
    }
    g_free(all);
    if (st != VAJRA_OK) {
        vajra_attr_schema_free(s);
        return st;
    }
    *out = s;
    return VAJRA_OK;
}

/* Parse an attribute object text: NULL or "" -> *obj = NULL. */
static vajra_status load_object(const char *text, const char *doc, json_t **obj, VajraError *err)
{
    *obj = NULL;
    if (text == NULL || text[0] == '\0')
        return VAJRA_OK;
    json_error_t jerr;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL)
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "attrs: %s: bad JSON at column %d: %s",
                               doc, jerr.column, jerr.text);
    if (!json_is_object(o)) {
        json_decref(o);
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "attrs: %s: attributes are not a JSON "
                               "object", doc);
    }
    *obj = o;
    return VAJRA_OK;
}

/* "document \"id\"" or "document #i" into buf. */
static const char *doc_name(char *buf, size_t cap, const char *const *ids, size_t i)
{
    if (ids && ids[i])
        snprintf(buf, cap, "document \"%.80s\"", ids[i]);
    else
        snprintf(buf, cap, "document #%zu", i);
    return buf;
}

enum { KIND_NONE, KIND_KEYWORD, KIND_TAGS, KIND_INT, KIND_FLOAT, KIND_OTHER };

static int json_kind(json_t *v)
{
    if (json_is_string(v))
        return KIND_KEYWORD;
    if (json_is_integer(v))
        return KIND_INT;
    if (json_is_real(v))
        return KIND_FLOAT;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i)))
                return KIND_OTHER;
        return KIND_TAGS;
    }
    return json_is_null(v) ? KIND_NONE : KIND_OTHER;
}

static const char *kind_name(int k)
{
    static const char *names[] = {"null", "a string", "a list of strings", "an integer",
                                  "a number", "not an attribute (object, boolean or mixed list)"};
    return names[k];
}

/* Merge kind b into a; -1 on conflict. */
static int merge_kind(int a, int b)
{
    if (a == KIND_NONE || a == b)
        return b;
    if ((a == KIND_INT && b == KIND_FLOAT) || (a == KIND_FLOAT && b == KIND_INT))
        return KIND_FLOAT;
    if ((a == KIND_KEYWORD && b == KIND_TAGS) || (a == KIND_TAGS && b == KIND_KEYWORD))
        return KIND_TAGS;
    return -1;
}

vajra_status vajra_attr_schema_infer(const char *const *json, const char *const *ids,
                                     size_t count, VajraAttrSchema **out, VajraError *err)
{
    if (out == NULL || (json == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: NULL argument");
    *out = NULL;
    GPtrArray *order = g_ptr_array_new_with_free_func(g_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* name -> slot + 1 */
    GArray *kinds = g_array_new(FALSE, FALSE, sizeof(int));
    GArray *first = g_array_new(FALSE, FALSE, sizeof(size_t)); /* document that fixed the kind */
    vajra_status st = VAJRA_OK;
    char dn[128], dn2[128];
    for (size_t i = 0; i < count && st == VAJRA_OK; i++) {
        json_t *obj;
        st = load_object(json[i], doc_name(dn, sizeof dn, ids, i), &obj, err);
        if (st != VAJRA_OK || obj == NULL)
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
            if (vajra_attr_name_problem_(key))
                continue; /* _id, title, text and unusable names are not attributes */
            int k = json_kind(v);
            gsize slot = GPOINTER_TO_SIZE(g_hash_table_lookup(seen, key));
            if (slot == 0) {
                char *name = g_strdup(key);
                g_ptr_array_add(order, name);
                g_array_append_val(kinds, k);
                g_array_append_val(first, i);
                g_hash_table_insert(seen, name, GSIZE_TO_POINTER((gsize)order->len));
                continue;
            }
            int *have = &g_array_index(kinds, int, slot - 1);
            int merged = merge_kind(*have, k);
            if (k == KIND_NONE)
                continue;
            if (merged < 0) {
                size_t f = g_array_index(first, size_t, slot - 1);
                st = vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                                     "attrs: field \"%.64s\" is %s in %s but %s in %s", key,
                                     kind_name(*have), doc_name(dn2, sizeof dn2, ids, f),
                                     kind_name(k), dn);
                break;
            }
            if (*have == KIND_NONE)
                g_array_index(first, size_t, slot - 1) = i;
            *have = merged;
        }
        json_decref(obj);
    }
    VajraAttrSchema *s = schema_alloc();
    static const VajraAttrType type_of[] = {0, VAJRA_ATTR_KEYWORD, VAJRA_ATTR_TAGS,
                                            VAJRA_ATTR_INT, VAJRA_ATTR_FLOAT};
    for (guint i = 0; st == VAJRA_OK && i < order->len; i++) {
        int k = g_array_index(kinds, int, i);
        if (k != KIND_NONE && k != KIND_OTHER)
            vajra_attr_schema_add(s, g_ptr_array_index(order, i), type_of[k], NULL);
    }
    g_hash_table_destroy(seen);
    g_ptr_array_free(order, TRUE);
    g_array_free(kinds, TRUE);
    g_array_free(first, TRUE);
    if (st != VAJRA_OK) {
        vajra_attr_schema_free(s);
        return st;
    }
    *out = s;
    return VAJRA_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Stores                                                                                     */
/* ------------------------------------------------------------------------------------------ */

void vajra_attr_column_init_(AttrColumn *c, VajraAttrType type)
{
    memset(c, 0, sizeof *c);
    c->type = type;
    c->present = g_array_new(FALSE, TRUE, sizeof(guint64));
    if (type == VAJRA_ATTR_KEYWORD || type == VAJRA_ATTR_TAGS) {
        c->codes = g_array_new(FALSE, FALSE, sizeof(guint32));
        c->dict.strs = g_ptr_array_new_with_free_func(g_free);
        c->dict.codes = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (type == VAJRA_ATTR_TAGS) {
        c->off = g_array_new(FALSE, FALSE, sizeof(guint64));
        guint64 zero = 0;
        g_array_append_val(c->off, zero);
    }
    if (type == VAJRA_ATTR_INT || type == VAJRA_ATTR_FLOAT)
        c->values = g_array_new(FALSE, FALSE, 8);
}

void vajra_attr_column_clear_(AttrColumn *c)
{
    if (c->codes)
        g_array_free(c->codes, TRUE);
    if (c->off)
        g_array_free(c->off, TRUE);
    if (c->present)
        g_array_free(c->present, TRUE);
    if (c->values)
        g_array_free(c->values, TRUE);
    if (c->dict.codes)
        g_hash_table_destroy(c->dict.codes);
    if (c->dict.strs)
        g_ptr_array_free(c->dict.strs, TRUE);
}

vajra_status vajra_attrs_new(const VajraAttrSchema *schema, VajraAttrStore **out, VajraError *err)
{
    if (out == NULL || schema == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: NULL schema or output");
    VajraAttrStore *st = g_new0(VajraAttrStore, 1);
    st->schema = vajra_attr_schema_copy(schema);
    size_t n = vajra_attr_schema_count(schema);
    st->cols = g_new0(AttrColumn, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        vajra_attr_column_init_(&st->cols[i], vajra_attr_schema_type(schema, i));
    *out = st;
    return VAJRA_OK;
}

void vajra_attrs_free(VajraAttrStore *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < vajra_attr_schema_count(st->schema); i++)
        vajra_attr_column_clear_(&st->cols[i]);
    g_free(st->cols);
    vajra_attr_schema_free(st->schema);
    g_free(st);
}

const VajraAttrSchema *vajra_attrs_schema(const VajraAttrStore *st)
{
    return st ? st->schema : NULL;
}

uint32_t vajra_attrs_count(const VajraAttrStore *st)
{
    return st ? st->count : 0;
}

static uint32_t dict_intern(AttrDict *d, const char *s)
{
    uint32_t code = attr_dict_code(d, s);
    if (code == 0) {
        char *copy = g_strdup(s);
        g_ptr_array_add(d->strs, copy);
        code = d->strs->len;
        g_hash_table_insert(d->codes, copy, GUINT_TO_POINTER(code));
    }
    return code;
}

/* Start row `row` (== the store's count before the append) in column c: missing everywhere. */
static void column_push_missing(AttrColumn *c, uint32_t row)
{
    if ((row & 63) == 0 && c->type != VAJRA_ATTR_KEYWORD) {
        guint64 zero = 0;
        g_array_append_val(c->present, zero);
    }
    switch (c->type) {
    case VAJRA_ATTR_KEYWORD: {
        guint32 zero = 0;
        g_array_append_val(c->codes, zero);
        break;
    }
    case VAJRA_ATTR_TAGS: {
        guint64 end = (guint64)c->codes->len;
        g_array_append_val(c->off, end);
        break;
    }
    default: {
        guint64 zero = 0;
        g_array_append_val(c->values, zero);
    }
    }
}

static void set_present(AttrColumn *c, uint32_t row)
{
    g_array_index(c->present, guint64, row >> 6) |= (guint64)1 << (row & 63);
}

/* Add tag code to the last row of a tags column (row = that row). */
static void push_tag(AttrColumn *c, uint32_t row, uint32_t code)
{
    g_array_append_val(c->codes, code);
    g_array_index(c->off, guint64, row + 1) = (guint64)c->codes->len;
}

#define INTEGRAL_LIMIT 9007199254740992.0 /* 2^53 */

/* Check a non-null JSON value against a field type. */
static vajra_status check_value(VajraAttrType t, json_t *v, const char *doc, const char *field,
                                VajraError *err)
{
    int k = json_kind(v);
    int ok = 0;
    switch (t) {
    case VAJRA_ATTR_KEYWORD: ok = k == KIND_KEYWORD; break;
    case VAJRA_ATTR_TAGS: ok = k == KIND_TAGS || k == KIND_KEYWORD; break;
    case VAJRA_ATTR_FLOAT: ok = k == KIND_INT || k == KIND_FLOAT; break;
    case VAJRA_ATTR_INT:
        ok = k == KIND_INT;
        if (k == KIND_FLOAT) {
            double x = json_real_value(v);
            if (x != floor(x) || fabs(x) >= INTEGRAL_LIMIT)
                return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                       "attrs: %s: field \"%.64s\" is int, got %.17g", doc,
                                       field, x);
            ok = 1;
        }
        break;
    }
    if (!ok)
        return vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                               "attrs: %s: field \"%.64s\" is %s, got %s", doc, field,
                               vajra_attr_type_name(t), kind_name(k));
    if (k == KIND_FLOAT && !isfinite(json_real_value(v)))
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "attrs: %s: field \"%.64s\" is not "
                               "finite", doc, field);
    return VAJRA_OK;
}

/* Store an already checked value in the last row of c. */
static void column_set(AttrColumn *c, uint32_t row, json_t *v)
{
    switch (c->type) {
    case VAJRA_ATTR_KEYWORD:
        g_array_index(c->codes, guint32, row) = dict_intern(&c->dict, json_string_value(v));
        return;
    case VAJRA_ATTR_TAGS:
        set_present(c, row);
        if (json_is_string(v))
            push_tag(c, row, dict_intern(&c->dict, json_string_value(v)));
        else
            for (size_t i = 0; i < json_array_size(v); i++)
                push_tag(c, row, dict_intern(&c->dict, json_string_value(json_array_get(v, i))));
        return;
    case VAJRA_ATTR_INT: {
        set_present(c, row);
        gint64 x = json_is_integer(v) ? (gint64)json_integer_value(v)
                                      : (gint64)json_real_value(v);
        g_array_index(c->values, gint64, row) = x;
        return;
    }
    case VAJRA_ATTR_FLOAT:
        set_present(c, row);
        g_array_index(c->values, double, row) = json_number_value(v);
        return;
    }
}

static vajra_status check_room(const VajraAttrStore *st, size_t count, VajraError *err)
{
    if (count > (size_t)(UINT32_MAX - 1) - st->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "attrs: %zu more rows would exceed %u", count, UINT32_MAX - 1);
    return VAJRA_OK;
}

static void push_missing_row(VajraAttrStore *st)
{
    for (size_t f = 0; f < vajra_attr_schema_count(st->schema); f++)
        column_push_missing(&st->cols[f], st->count);
    st->count++;
}

/* Parse and check a batch against a schema: objs[i] gets document i's object (or NULL). */
static vajra_status check_batch(const VajraAttrSchema *schema, const char *const *json,
                                const char *const *ids, size_t count, unsigned flags,
                                json_t **objs, VajraError *err)
{
    size_t nf = vajra_attr_schema_count(schema);
    char dn[128];
    vajra_status s = VAJRA_OK;
    for (size_t i = 0; i < count && s == VAJRA_OK; i++) {
        doc_name(dn, sizeof dn, ids, i);
        s = load_object(json[i], dn, &objs[i], err);
        if (s != VAJRA_OK || objs[i] == NULL)
            continue;
        for (size_t f = 0; f < nf && s == VAJRA_OK; f++) {
            const char *name = vajra_attr_schema_name(schema, f);
            json_t *v = json_object_get(objs[i], name);
            if (v && !json_is_null(v))
                s = check_value(vajra_attr_schema_type(schema, f), v, dn, name, err);
        }
        if (s == VAJRA_OK && (flags & VAJRA_ATTRS_STRICT)) {
            const char *key;
            json_t *v;
            json_object_foreach(objs[i], key, v) {
                if (vajra_attr_schema_find(schema, key) < 0 && !vajra_attr_name_problem_(key)) {
                    s = vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                                        "attrs: %s: field \"%.64s\" is not in the schema", dn, key);
                    break;
                }
            }
        }
    }
    return s;
}

vajra_status vajra_attrs_check_json(const VajraAttrSchema *schema, const char *const *json,
                                    const char *const *ids, size_t count, unsigned flags,
                                    VajraError *err)
{
    if (schema == NULL || (json == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: NULL schema or values");
    json_t **objs = g_new0(json_t *, count ? count : 1);
    vajra_status s = check_batch(schema, json, ids, count, flags, objs, err);
    for (size_t i = 0; i < count; i++)
        json_decref(objs[i]);
    g_free(objs);
    return s;
}

vajra_status vajra_attrs_append_json(VajraAttrStore *st, const char *const *json,
                                     const char *const *ids, size_t count, unsigned flags,
                                     VajraError *err)
{
    if (st == NULL || (json == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: NULL store or values");
    vajra_status s = check_room(st, count, err);
    if (s != VAJRA_OK)
        return s;
    json_t **objs = g_new0(json_t *, count ? count : 1);
    size_t nf = vajra_attr_schema_count(st->schema);
    s = check_batch(st->schema, json, ids, count, flags, objs, err);
    for (size_t i = 0; i < count && s == VAJRA_OK; i++) {
        uint32_t row = st->count;
        push_missing_row(st);
        for (size_t f = 0; objs[i] && f < nf; f++) {
            json_t *v = json_object_get(objs[i], vajra_attr_schema_name(st->schema, f));
            if (v && !json_is_null(v))
                column_set(&st->cols[f], row, v);
        }
    }
    for (size_t i = 0; i < count; i++)
        json_decref(objs[i]);
    g_free(objs);
    return s;
}

vajra_status vajra_attrs_append_missing(VajraAttrStore *st, size_t count, VajraError *err)
{
    if (st == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "attrs: store is NULL");
    vajra_status s = check_room(st, count, err);
    for (size_t i = 0; s == VAJRA_OK && i < count; i++)
        push_missing_row(st);
    return s;
}

/* src code -> dst code through a lazily filled map (index = src code). */
static uint32_t recode(AttrDict *dst, const AttrDict *src, uint32_t *map, uint32_t code)
{
    if (code == 0)
        return 0;
    if (map[code] == 0)
        map[code] = dict_intern(dst, g_ptr_array_index(src->strs, code - 1));
    return map[code];
}

vajra_status vajra_attrs_append_rows(VajraAttrStore *dst, const VajraAttrStore *src,
                                     const uint32_t *rows, size_t n, VajraError *err)
{
    if (dst == NULL || src == NULL || dst == src || (rows == NULL && n > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "attrs: append_rows needs two different stores and rows");
    if (!vajra_attr_schema_equal(dst->schema, src->schema))
        return vajra_error_set(err, VAJRA_ERR_TYPE_MISMATCH,
                               "attrs: append_rows between stores of different schemas");
    vajra_status s = check_room(dst, n, err);
    if (s != VAJRA_OK)
        return s;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= src->count)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "attrs: row %u of %u (rows[%zu])", rows[i], src->count, i);
    size_t nf = vajra_attr_schema_count(src->schema);
    uint32_t **maps = g_new0(uint32_t *, nf ? nf : 1);
    for (size_t f = 0; f < nf; f++)
        if (src->cols[f].dict.strs)
            maps[f] = g_new0(uint32_t, src->cols[f].dict.strs->len + 1);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rows[i], row = dst->count;
        push_missing_row(dst);
        for (size_t f = 0; f < nf; f++) {
            const AttrColumn *a = &src->cols[f];
            AttrColumn *b = &dst->cols[f];
            switch (a->type) {
            case VAJRA_ATTR_KEYWORD:
                g_array_index(b->codes, guint32, row) =
                    recode(&b->dict, &a->dict, maps[f], g_array_index(a->codes, guint32, r));
                break;
            case VAJRA_ATTR_TAGS:
                if (!attr_present(a, r))
                    break;
                set_present(b, row);
                for (guint64 j = g_array_index(a->off, guint64, r);
                     j < g_array_index(a->off, guint64, r + 1); j++)
                    push_tag(b, row, recode(&b->dict, &a->dict, maps[f],
                                            g_array_index(a->codes, guint32, j)));
                break;
            default:
                if (!attr_present(a, r))
                    break;
                set_present(b, row);
                memcpy(b->values->data + (size_t)row * 8, a->values->data + (size_t)r * 8, 8);
            }
        }
    }
    for (size_t f = 0; f < nf; f++)
        g_free(maps[f]);
    g_free(maps);
    return VAJRA_OK;
}

/* ---- getters ---- */

static const AttrColumn *col_at(const VajraAttrStore *st, uint32_t row, size_t field,
                                VajraAttrType type)
{
    if (st == NULL || row >= st->count || field >= vajra_attr_schema_count(st->schema) ||
        st->cols[field].type != type)
        return NULL;
    return &st->cols[field];
}

/* The 8 bytes of an int or float value, when present. */
static int get_number(const VajraAttrStore *st, uint32_t row, size_t field, VajraAttrType type,
                      void *out)
{
    const AttrColumn *c = col_at(st, row, field, type);
    if (c == NULL || !attr_present(c, row))
        return 0;
    if (out)
        memcpy(out, c->values->data + (size_t)row * 8, 8);
    return 1;
}

int vajra_attrs_get_int(const VajraAttrStore *st, uint32_t row, size_t field, int64_t *out)
{
    return get_number(st, row, field, VAJRA_ATTR_INT, out);
}

int vajra_attrs_get_float(const VajraAttrStore *st, uint32_t row, size_t field, double *out)
{
    return get_number(st, row, field, VAJRA_ATTR_FLOAT, out);
}

const char *vajra_attrs_get_keyword(const VajraAttrStore *st, uint32_t row, size_t field)
{
    const AttrColumn *c = col_at(st, row, field, VAJRA_ATTR_KEYWORD);
    if (c == NULL)
        return NULL;
    uint32_t code = g_array_index(c->codes, guint32, row);
    return code ? g_ptr_array_index(c->dict.strs, code - 1) : NULL;
}

int vajra_attrs_get_tag_count(const VajraAttrStore *st, uint32_t row, size_t field,
                              size_t *count)
{
    const AttrColumn *c = col_at(st, row, field, VAJRA_ATTR_TAGS);
    if (c == NULL || !attr_present(c, row))
        return 0;
    if (count)
        *count = (size_t)(g_array_index(c->off, guint64, row + 1) -
                          g_array_index(c->off, guint64, row));
    return 1;
}

const char *vajra_attrs_get_tag(const VajraAttrStore *st, uint32_t row, size_t field, size_t i)
{
    size_t n;
    if (!vajra_attrs_get_tag_count(st, row, field, &n) || i >= n)
        return NULL;
    const AttrColumn *c = &st->cols[field];
    uint32_t code = g_array_index(c->codes, guint32, g_array_index(c->off, guint64, row) + i);
    return g_ptr_array_index(c->dict.strs, code - 1);
}

size_t vajra_attrs_row_json(const VajraAttrStore *st, uint32_t row, char *buf, size_t cap)
{
    GString *g = g_string_new("{");
    size_t nf = st && row < st->count ? vajra_attr_schema_count(st->schema) : 0;
    int first = 1;
    for (size_t f = 0; f < nf; f++) {
        const char *name = vajra_attr_schema_name(st->schema, f);
        size_t before = g->len;
        if (!first)
            g_string_append_c(g, ',');
        vajra_json_quote_(g, name);
        g_string_append_c(g, ':');
        int64_t iv;
        double dv;
        size_t nt;
        const char *kw;
        if ((kw = vajra_attrs_get_keyword(st, row, f)) != NULL) {
            vajra_json_quote_(g, kw);
        } else if (vajra_attrs_get_int(st, row, f, &iv)) {
            g_string_append_printf(g, "%" G_GINT64_FORMAT, (gint64)iv);
        } else if (vajra_attrs_get_float(st, row, f, &dv)) {
            vajra_format_double_(g, dv);
        } else if (vajra_attrs_get_tag_count(st, row, f, &nt)) {
            g_string_append_c(g, '[');
            for (size_t i = 0; i < nt; i++) {
                if (i)
                    g_string_append_c(g, ',');
                vajra_json_quote_(g, vajra_attrs_get_tag(st, row, f, i));
            }
            g_string_append_c(g, ']');
        } else {
            g_string_truncate(g, before); /* missing: leave the field out */
            continue;
        }
        first = 0;
    }
    g_string_append_c(g, '}');
    size_t n = vajra_copy_out_(g, buf, cap);
    g_string_free(g, TRUE);
    return n;
}
