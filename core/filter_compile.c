/* Vajra — type-checking filter expressions and compiling them to bitmaps
 * (include/vajra/filter_expr.h).
 *
 * Each node is evaluated for all documents at once into a bitmap: leaves scan one column (for
 * keyword and tags columns through a table over the dictionary codes, so a row costs one load);
 * AND / OR combine word by word; NOT complements. Scratch: one bitmap per tree level. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attrs_internal.h"
#include "filter_internal.h"

/* ---- checking ---- */

static const char *value_kind(const FilterValue *v)
{
    return v->type == FV_STRING ? "a string" : "a number";
}

static vajra_status check_error(VajraError *err, vajra_status code, const VajraFilterExpr *e,
                                const char *what)
{
    if (e->column)
        return vajra_error_set(err, code, "filter: column %u: %s", e->column, what);
    return vajra_error_set(err, code, "filter: %s", what);
}

static vajra_status check_node(const VajraFilterExpr *e, const VajraAttrSchema *schema,
                               VajraError *err)
{
    for (size_t i = 0; i < e->nkids; i++) {
        vajra_status st = check_node(e->kids[i], schema, err);
        if (st != VAJRA_OK)
            return st;
    }
    if (e->field == NULL || filter_is_id(e->field))
        return VAJRA_OK; /* _id's rules are enforced when the node is made */
    char msg[200];
    long f = vajra_attr_schema_find(schema, e->field);
    if (f < 0) {
        char names[80] = "";
        vajra_attr_schema_format(schema, names, sizeof names);
        snprintf(msg, sizeof msg, "unknown field \"%.40s\" (the attributes are: %s)", e->field,
                 names[0] ? names : "none");
        return check_error(err, VAJRA_ERR_NOT_FOUND, e, msg);
    }
    VajraAttrType t = vajra_attr_schema_type(schema, (size_t)f);
    int text = t == VAJRA_ATTR_KEYWORD || t == VAJRA_ATTR_TAGS;
    if (e->kind == FN_CMP && text && e->op >= VAJRA_FILTER_LT) {
        snprintf(msg, sizeof msg, "ranges (< <= > >=) need an int or float field; \"%.40s\" is %s",
                 e->field, vajra_attr_type_name(t));
        return check_error(err, VAJRA_ERR_TYPE_MISMATCH, e, msg);
    }
    for (size_t i = 0; i < e->n; i++) {
        if ((e->values[i].type == FV_STRING) != text) {
            snprintf(msg, sizeof msg, "field \"%.40s\" is %s, compared with %s", e->field,
                     vajra_attr_type_name(t), value_kind(&e->values[i]));
            return check_error(err, VAJRA_ERR_TYPE_MISMATCH, e, msg);
        }
    }
    return VAJRA_OK;
}

vajra_status vajra_filter_check(const VajraFilterExpr *expr, const VajraAttrSchema *schema,
                                VajraError *err)
{
    if (expr == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "filter: expression is NULL");
    return check_node(expr, schema, err);
}

/* ---- compiling ---- */

typedef struct Compiler {
    const VajraFilterContext *ctx;
    const VajraAttrStore *attrs; /* may be NULL */
    const VajraAttrSchema *schema;
    uint32_t nbits;
    uint32_t rows; /* documents with attribute rows: min(nbits, store count) */
    size_t nwords;
    uint64_t *scratch; /* depth bitmaps */
    VajraError *err;
} Compiler;

static void set_bit(uint64_t *w, uint32_t d)
{
    w[d >> 6] |= (uint64_t)1 << (d & 63);
}

/* Clear the bits at or beyond nbits in the last word. */
static void mask_tail(const Compiler *c, uint64_t *w)
{
    if (c->nbits % 64)
        w[c->nwords - 1] &= ((uint64_t)1 << (c->nbits % 64)) - 1;
}

/* Exact three-way comparison of an int64 with a double (finite). */
static int cmp_int_double(int64_t a, double x)
{
    if (x >= 9223372036854775808.0)
        return -1;
    if (x < -9223372036854775808.0)
        return 1;
    double t = floor(x);
    int64_t ti = (int64_t)t;
    if (a != ti)
        return a < ti ? -1 : 1;
    return x > t ? -1 : 0;
}

/* Compare a stored value (int or float column) with a literal: <0, 0, >0. */
static int cmp_value(VajraAttrType t, const void *stored, const FilterValue *v)
{
    if (t == VAJRA_ATTR_INT) {
        int64_t a;
        memcpy(&a, stored, 8);
        if (v->type == FV_INT)
            return (a > v->i) - (a < v->i);
        return cmp_int_double(a, v->f);
    }
    double a;
    memcpy(&a, stored, 8);
    if (v->type == FV_INT)
        return -cmp_int_double(v->i, a);
    return (a > v->f) - (a < v->f);
}

static int op_holds(VajraFilterOp op, int c)
{
    switch (op) {
    case VAJRA_FILTER_EQ: return c == 0;
    case VAJRA_FILTER_NE: return c != 0;
    case VAJRA_FILTER_LT: return c < 0;
    case VAJRA_FILTER_LE: return c <= 0;
    case VAJRA_FILTER_GT: return c > 0;
    case VAJRA_FILTER_GE: return c >= 0;
    }
    return 0;
}

/* The _id leaves: EQ/IN set the listed documents, NE everything else, EXISTS everything. */
static vajra_status eval_ids(Compiler *c, const VajraFilterExpr *e, uint64_t *out)
{
    const VajraFilterContext *x = c->ctx;
    int negate = e->kind == FN_CMP && e->op == VAJRA_FILTER_NE;
    if (e->kind == FN_EXISTS) {
        memset(out, 0xff, c->nwords * 8);
        mask_tail(c, out);
        return VAJRA_OK;
    }
    if (x->find_id == NULL && x->id_of == NULL)
        return check_error(c->err, VAJRA_ERR_STATE, e,
                           "_id needs an id lookup (find_id or id_of) in the filter context");
    if (x->find_id) {
        for (size_t i = 0; i < e->n; i++) {
            uint32_t d;
            if (x->find_id(x->id_ctx, e->values[i].s, &d) && d < c->nbits)
                set_bit(out, d);
        }
    } else {
        GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < e->n; i++)
            g_hash_table_add(set, e->values[i].s);
        for (uint32_t d = 0; d < c->nbits; d++) {
            const char *id = x->id_of(x->id_ctx, d);
            if (id && g_hash_table_contains(set, id))
                set_bit(out, d);
        }
        g_hash_table_destroy(set);
    }
    if (negate) {
        for (size_t i = 0; i < c->nwords; i++)
            out[i] = ~out[i];
        mask_tail(c, out);
    }
    return VAJRA_OK;
}

/* A keyword / tags leaf through marks over dictionary codes (marks[0] is "missing"). */
static void eval_text(Compiler *c, const VajraFilterExpr *e, const AttrColumn *col,
                      uint64_t *out)
{
    guint ndict = col->dict.strs->len;
    uint8_t *marks = g_new0(uint8_t, (size_t)ndict + 1);
    for (size_t i = 0; i < e->n; i++) {
        uint32_t code = attr_dict_code(&col->dict, e->values[i].s);
        if (code)
            marks[code] = 1;
    }
    int ne = e->kind == FN_CMP && e->op == VAJRA_FILTER_NE;
    const guint32 *codes = (const guint32 *)(void *)col->codes->data;
    if (col->type == VAJRA_ATTR_KEYWORD) {
        for (uint32_t r = 0; r < c->rows; r++) {
            guint32 code = codes[r];
            if (code && marks[code] != ne)
                set_bit(out, r);
        }
    } else {
        const guint64 *off = (const guint64 *)(void *)col->off->data;
        for (uint32_t r = 0; r < c->rows; r++) {
            if (!attr_present(col, r))
                continue;
            int any = 0;
            for (guint64 j = off[r]; j < off[r + 1] && !any; j++)
                any = marks[codes[j]];
            if (any != ne)
                set_bit(out, r);
        }
    }
    g_free(marks);
}

static void eval_number(Compiler *c, const VajraFilterExpr *e, const AttrColumn *col,
                        uint64_t *out)
{
    const char *vals = col->values->data;
    for (uint32_t r = 0; r < c->rows; r++) {
        if (!attr_present(col, r))
            continue;
        int pass = 0;
        if (e->kind == FN_CMP)
            pass = op_holds(e->op, cmp_value(col->type, vals + (size_t)r * 8, &e->values[0]));
        for (size_t i = 0; e->kind == FN_IN && i < e->n && !pass; i++)
            pass = cmp_value(col->type, vals + (size_t)r * 8, &e->values[i]) == 0;
        if (pass)
            set_bit(out, r);
    }
}

static vajra_status eval_leaf(Compiler *c, const VajraFilterExpr *e, uint64_t *out)
{
    memset(out, 0, c->nwords * 8);
    if (filter_is_id(e->field))
        return eval_ids(c, e, out);
    if (c->attrs == NULL)
        return VAJRA_OK; /* every value missing: every comparison false */
    const AttrColumn *col = &c->attrs->cols[vajra_attr_schema_find(c->schema, e->field)];
    if (e->kind == FN_EXISTS) {
        for (uint32_t r = 0; r < c->rows; r++)
            if (col->type == VAJRA_ATTR_KEYWORD ? g_array_index(col->codes, guint32, r) != 0
                                                : attr_present(col, r))
                set_bit(out, r);
        return VAJRA_OK;
    }
    if (col->type == VAJRA_ATTR_KEYWORD || col->type == VAJRA_ATTR_TAGS)
        eval_text(c, e, col, out);
    else
        eval_number(c, e, col, out);
    return VAJRA_OK;
}

static vajra_status eval(Compiler *c, const VajraFilterExpr *e, uint64_t *out, unsigned level)
{
    switch (e->kind) {
    case FN_CONST:
        memset(out, e->value ? 0xff : 0, c->nwords * 8);
        mask_tail(c, out);
        return VAJRA_OK;
    case FN_CMP:
    case FN_IN:
    case FN_EXISTS:
        return eval_leaf(c, e, out);
    case FN_NOT: {
        vajra_status st = eval(c, e->kids[0], out, level + 1);
        for (size_t i = 0; st == VAJRA_OK && i < c->nwords; i++)
            out[i] = ~out[i];
        mask_tail(c, out);
        return st;
    }
    case FN_AND:
    case FN_OR:
        break;
    }
    vajra_status st = eval(c, e->kids[0], out, level + 1);
    uint64_t *tmp = c->scratch + (size_t)level * c->nwords;
    for (size_t k = 1; k < e->nkids && st == VAJRA_OK; k++) {
        st = eval(c, e->kids[k], tmp, level + 1);
        if (e->kind == FN_AND)
            for (size_t i = 0; i < c->nwords; i++)
                out[i] &= tmp[i];
        else
            for (size_t i = 0; i < c->nwords; i++)
                out[i] |= tmp[i];
    }
    return st;
}

vajra_status vajra_filter_compile(const VajraFilterExpr *expr, const VajraFilterContext *ctx,
                                  uint32_t nbits, uint64_t *words, uint32_t *passing,
                                  VajraError *err)
{
    if (expr == NULL || ctx == NULL || (words == NULL && nbits > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "filter: compile needs an expression, a context and words");
    if (ctx->struct_size < sizeof(VajraFilterContext))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "filter: context struct_size %u is smaller than %zu",
                               ctx->struct_size, sizeof(VajraFilterContext));
    Compiler c = {.ctx = ctx, .attrs = ctx->attrs, .nbits = nbits, .err = err};
    c.schema = ctx->attrs ? vajra_attrs_schema(ctx->attrs) : ctx->schema;
    vajra_status st = vajra_filter_check(expr, c.schema, err);
    if (st != VAJRA_OK)
        return st;
    if (passing)
        *passing = 0;
    if (nbits == 0)
        return VAJRA_OK;
    uint32_t rows = vajra_attrs_count(ctx->attrs);
    c.rows = rows < nbits ? rows : nbits;
    c.nwords = ((size_t)nbits + 63) / 64;
    c.scratch = g_try_malloc((size_t)expr->depth * c.nwords * 8);
    if (c.scratch == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "filter: no memory for %u levels of "
                               "%zu words", expr->depth, c.nwords);
    st = eval(&c, expr, words, 0);
    g_free(c.scratch);
    if (st == VAJRA_OK && passing)
        *passing = vajra_filter_count(words, nbits);
    return st;
}
