/* Vajra — BEIR-style JSONL reader for documents and queries (one JSON object per line).
 *
 * Each line is checked for UTF-8 first (GLib), so the error can name the line and byte, then
 * parsed with Jansson. Strings go into one GStringChunk; vectors into one 64-byte aligned arena
 * filled after the last line (so the pointers handed out never move). */
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abi_compat.h"
#include "io_internal.h"

struct VajraDocSet {
    VajraDocument *docs;
    VajraDocument10 *docs10; /* the same documents in the ABI 1.0 layout (vajra_docset_batch) */
    const char **ids;
    const char **attrs;    /* per document: its other fields as a JSON object text, or NULL */
    size_t count;
    uint32_t dim;          /* of the vectors the documents point at (0: none) */
    GStringChunk *strings; /* every id, title and text */
    float *own_vectors;    /* read from the vector field (aligned), or NULL */
    GHashTable *by_id;     /* id (borrowed) -> index + 1; the first occurrence wins */
};

void vajra_docset_free(VajraDocSet *set)
{
    if (!set)
        return;
    if (set->by_id)
        g_hash_table_destroy(set->by_id);
    if (set->strings)
        g_string_chunk_free(set->strings);
    free(set->own_vectors);
    g_free(set->docs);
    g_free(set->docs10);
    g_free(set->ids);
    g_free(set->attrs);
    g_free(set);
}

static int only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\f' && p[i] != '\v')
            return 0;
    return 1;
}

/* An optional string field: absent or null -> *out = NULL; a string -> copied; else an error. */
static vajra_status string_field(json_t *obj, const char *key, GStringChunk *chunk,
                                 const char **out, const char *name, size_t line, VajraError *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return VAJRA_OK;
    if (!json_is_string(v))
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: \"%s\" is not a string", name,
                               line, key);
    *out = g_string_chunk_insert_len(chunk, json_string_value(v), (gssize)json_string_length(v));
    return VAJRA_OK;
}

/* The fields of `obj` other than _id, title, text and the vector field, as a compact JSON
 * object text in the set's strings (NULL when there are none). */
static const char *attribute_text(json_t *obj, const VajraJsonlOptions *opts, GStringChunk *chunk)
{
    json_t *rest = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (strcmp(key, "_id") == 0 || strcmp(key, "title") == 0 || strcmp(key, "text") == 0 ||
            (opts->vector_field && strcmp(key, opts->vector_field) == 0))
            continue;
        if (rest == NULL)
            rest = json_object();
        json_object_set(rest, key, v);
    }
    if (rest == NULL)
        return NULL;
    char *text = json_dumps(rest, JSON_COMPACT);
    json_decref(rest);
    if (text == NULL)
        return NULL;
    const char *kept = g_string_chunk_insert(chunk, text);
    free(text);
    return kept;
}

/* Parse one non-blank line into `doc` (vector values appended to `vectors`; the attribute text,
 * see attribute_text, to *attrs). */
static vajra_status parse_line(const char *line, size_t len, const char *name, size_t line_no,
                               const VajraJsonlOptions *opts, VajraDocSet *set, GArray *vectors,
                               uint32_t *dim, VajraDocument *doc, const char **attrs,
                               VajraError *err)
{
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
    if (!obj)
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: bad JSON at column %d: %s", name,
                               line_no, jerr.column, jerr.text);
    vajra_status st = VAJRA_OK;
    memset(doc, 0, sizeof *doc);
    *attrs = NULL;
    if (!json_is_object(obj)) {
        st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: line is not a JSON object", name,
                             line_no);
        goto out;
    }
    json_t *id = json_object_get(obj, "_id");
    if (!id) {
        st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: missing \"_id\"", name, line_no);
        goto out;
    }
    if (json_is_string(id)) {
        if (json_string_length(id) == 0) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: empty \"_id\"", name, line_no);
            goto out;
        }
        doc->id = g_string_chunk_insert_len(set->strings, json_string_value(id),
                                            (gssize)json_string_length(id));
    } else if (json_is_integer(id)) {
        char buf[32];
        g_snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        doc->id = g_string_chunk_insert(set->strings, buf);
    } else {
        st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: \"_id\" is not a string", name,
                             line_no);
        goto out;
    }
    if ((st = string_field(obj, "title", set->strings, &doc->title, name, line_no, err)) != VAJRA_OK)
        goto out;
    if ((st = string_field(obj, "text", set->strings, &doc->text, name, line_no, err)) != VAJRA_OK)
        goto out;
    if (!doc->text)
        doc->text = "";
    *attrs = attribute_text(obj, opts, set->strings);

    if (opts->vector_field) {
        json_t *vec = json_object_get(obj, opts->vector_field);
        if (!vec || !json_is_array(vec)) {
            st = vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "%s:%zu: %s \"%s\" is not an array of numbers",
                                 name, line_no, vec ? "field" : "missing field", opts->vector_field);
            goto out;
        }
        size_t n = json_array_size(vec);
        if (*dim == 0) {
            if (n == 0 || n > UINT32_MAX) {
                st = vajra_error_set(err, VAJRA_ERR_DIMENSION, "%s:%zu: vector \"%s\" has length %zu",
                                     name, line_no, opts->vector_field, n);
                goto out;
            }
            *dim = (uint32_t)n;
        }
        if (n != *dim) {
            st = vajra_error_set(err, VAJRA_ERR_DIMENSION,
                                 "%s:%zu: vector \"%s\" has length %zu, expected %u", name, line_no,
                                 opts->vector_field, n, (unsigned)*dim);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(vec, i);
            float f = json_is_number(x) ? (float)json_number_value(x) : NAN;
            if (!isfinite(f)) {
                st = vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                     "%s:%zu: vector \"%s\" element %zu is not a finite float number",
                                     name, line_no, opts->vector_field, i);
                goto out;
            }
            g_array_append_val(vectors, f);
        }
        doc->dim = *dim;
    }
out:
    json_decref(obj);
    return st;
}

vajra_status vajra_docset_parse_jsonl(const char *buf, size_t len, const char *name,
                                      const VajraJsonlOptions *opts, VajraDocSet **out,
                                      VajraError *err)
{
    static const VajraJsonlOptions defaults = {0};
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output is NULL");
    *out = NULL;
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!opts)
        opts = &defaults;
    if (!name)
        name = "<buffer>";

    VajraDocSet *set = g_new0(VajraDocSet, 1);
    set->strings = g_string_chunk_new(64 * 1024);
    set->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    GArray *docs = g_array_new(FALSE, FALSE, sizeof(VajraDocument));
    GPtrArray *attrs = g_ptr_array_new();
    GArray *vectors = g_array_new(FALSE, FALSE, sizeof(float));
    uint32_t dim = opts->vector_field ? opts->dim : 0;
    vajra_status st = VAJRA_OK;

    size_t line_no = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        size_t n = (size_t)(line_end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        line_no++;
        if (only_space(line, n))
            continue;
        char *repaired = NULL;
        const char *bad;
        if (!g_utf8_validate(line, (gssize)n, &bad)) {
            if (!opts->repair_utf8) {
                st = vajra_error_set(err, VAJRA_ERR_ENCODING, "%s:%zu: invalid UTF-8 at byte %zu",
                                     name, line_no, (size_t)(bad - line) + 1);
                break;
            }
            repaired = g_utf8_make_valid(line, (gssize)n);
            line = repaired;
            n = strlen(repaired);
        }
        VajraDocument doc;
        const char *doc_attrs = NULL;
        st = parse_line(line, n, name, line_no, opts, set, vectors, &dim, &doc, &doc_attrs, err);
        g_free(repaired);
        if (st != VAJRA_OK)
            break;
        doc.attrs = doc_attrs; /* the batch carries them to a collection's attribute store */
        g_array_append_val(docs, doc);
        g_ptr_array_add(attrs, (gpointer)doc_attrs);
    }

    if (st == VAJRA_OK && opts->vector_field && docs->len > 0) {
        set->own_vectors = vajra_io_aligned_alloc(vectors->len, sizeof(float));
        if (!set->own_vectors)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %u floats", name,
                                 vectors->len);
        else
            memcpy(set->own_vectors, vectors->data, (size_t)vectors->len * sizeof(float));
    }
    g_array_free(vectors, TRUE);
    if (st != VAJRA_OK) {
        g_array_free(docs, TRUE);
        g_ptr_array_free(attrs, TRUE);
        vajra_docset_free(set);
        return st;
    }
    g_ptr_array_add(attrs, NULL);
    set->attrs = (const char **)g_ptr_array_free(attrs, FALSE);

    set->count = docs->len;
    set->docs = (VajraDocument *)(void *)g_array_free(docs, FALSE);
    set->ids = g_new(const char *, set->count + 1);
    set->dim = set->own_vectors ? dim : 0;
    for (size_t i = 0; i < set->count; i++) {
        VajraDocument *d = &set->docs[i];
        if (set->own_vectors)
            d->vector = set->own_vectors + i * (size_t)dim;
        set->ids[i] = d->id;
        if (!g_hash_table_contains(set->by_id, d->id))
            g_hash_table_insert(set->by_id, (gpointer)d->id, GSIZE_TO_POINTER(i + 1));
    }
    set->ids[set->count] = NULL;
    set->docs10 = g_new0(VajraDocument10, set->count ? set->count : 1);
    abi10_documents_out(set->docs, set->count, set->docs10);
    *out = set;
    return VAJRA_OK;
}

vajra_status vajra_docset_read_jsonl(const char *path, const VajraJsonlOptions *opts,
                                     VajraDocSet **out, VajraError *err)
{
    if (out)
        *out = NULL;
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_docset_parse_jsonl(v.data, v.len, path, opts, out, err);
    vajra_file_view_close(&v);
    return st;
}

size_t vajra_docset_count(const VajraDocSet *set)
{
    return set ? set->count : 0;
}

const VajraDocument *vajra_docset_doc(const VajraDocSet *set, size_t i)
{
    return set && i < set->count ? &set->docs[i] : NULL;
}

VajraDocBatch vajra_docset_batch(const VajraDocSet *set)
{
    VajraDocBatch b = {NULL, 0};
    if (set) {
        b.docs = set->docs;
        b.count = set->count;
    }
    return b;
}

/* The ABI 1.0 entry point (io.h maps the name to the one above for 1.1 callers). */
#undef vajra_docset_batch
VAJRA_API VajraDocBatch vajra_docset_batch(const VajraDocSet *set);
VajraDocBatch vajra_docset_batch(const VajraDocSet *set)
{
    VajraDocBatch b = {NULL, 0};
    if (set) {
        b.docs = (const VajraDocument *)(const void *)set->docs10;
        b.count = set->count;
    }
    return b;
}

const char *const *vajra_docset_ids(const VajraDocSet *set)
{
    return set ? set->ids : NULL;
}

const char *vajra_docset_attrs(const VajraDocSet *set, size_t i)
{
    return set && i < set->count ? set->attrs[i] : NULL;
}

const char *const *vajra_docset_attrs_all(const VajraDocSet *set)
{
    return set ? set->attrs : NULL;
}

long vajra_docset_find(const VajraDocSet *set, const char *id)
{
    if (!set || !id)
        return -1;
    gpointer v = g_hash_table_lookup(set->by_id, id);
    return v ? (long)GPOINTER_TO_SIZE(v) - 1 : -1;
}

uint32_t vajra_docset_dim(const VajraDocSet *set)
{
    return set ? set->dim : 0;
}

vajra_status vajra_docset_attach_vectors(VajraDocSet *set, const VajraMatrixF32 *matrix,
                                         VajraError *err)
{
    if (!set || !matrix)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "document set or matrix is NULL");
    if (matrix->rows != set->count)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "%zu vectors for %zu documents",
                               matrix->rows, set->count);
    if (set->count > 0 && (matrix->dim == 0 || matrix->dim > UINT32_MAX || !matrix->data))
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "vectors of dimension %zu", matrix->dim);
    for (size_t i = 0; i < set->count; i++) {
        set->docs[i].vector = matrix->data + i * matrix->dim;
        set->docs[i].dim = (uint32_t)matrix->dim;
    }
    abi10_documents_out(set->docs, set->count, set->docs10);
    set->dim = (uint32_t)matrix->dim;
    return VAJRA_OK;
}
