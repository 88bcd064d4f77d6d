/* embedder-table: the worked example of docs/embedders.md — a "model" that is a token → vector
 * table read from a text file, standing in for any model you would wrap (an ONNX or GGUF file,
 * a word-vector file): create loads it from the path its parameter names, embed runs it, save
 * and load carry it inside the index so the file is no longer needed.
 *
 * File format (UTF-8 text): a line "dim N", then one line per token: the token and N numbers,
 * separated by spaces; empty lines and lines starting with '#' are skipped. Each token is
 * analysed by the lexical analyzer (parameter "language", default English): a token that gives
 * exactly one term is stored under that term (tokens giving the same term are averaged), others
 * are skipped.
 *
 * embed(text) = unit(mean of the vectors of the text's terms found in the table, each
 * occurrence counted); a text with none gives the all-zero row. Needs no training (train NULL).
 *
 * Parameters: table (required for create: the file), language (optional). load takes none.
 * Thread-safety: embed makes its own analyzer per call and only reads the table. A loaded
 * embedder keeps pointers into the reader's bytes (zero copy).
 */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_common.h"
#include "vajra/plugin.h"

#define WHO "embedder-table"
#define TABLE_MAGIC "VJRTAB1"
#define TABLE_FORMAT 1u

struct VajraEmbedder {
    uint32_t dim, n_terms;
    VajraAnalyzerOptions an;
    const uint64_t *term_off;
    const char *term_blob;
    const float *vecs; /* n_terms × dim */
    void *owned[3];
    GHashTable *vocab;
    char describe[96];
};

static void table_free(VajraEmbedder *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < 3; i++)
        free(e->owned[i]);
    if (e->vocab != NULL)
        g_hash_table_destroy(e->vocab);
    free(e);
}

static uint32_t table_dim(const VajraEmbedder *e) { return e->dim; }
static const char *table_describe(const VajraEmbedder *e) { return e->describe; }

/* One analysed term of a table token: remember it (the callback sees one token's terms). */
typedef struct OneTerm {
    char term[256];
    int count;
} OneTerm;

static vajra_status one_term(void *user, const char *term, size_t len, VajraError *err)
{
    (void)err;
    OneTerm *o = user;
    if (o->count++ == 0 && len < sizeof o->term) {
        memcpy(o->term, term, len);
        o->term[len] = '\0';
    }
    return VAJRA_OK;
}

/* Accumulated rows while reading the file: term → index into sums (+1). */
typedef struct Reading {
    GHashTable *ids;  /* owned term → id + 1 */
    GPtrArray *terms; /* id → term (borrowed) */
    GArray *sums;     /* double, dim per id */
    GArray *counts;   /* guint32 per id */
} Reading;

static vajra_status read_table(VajraEmbedder *e, const char *path, Reading *rd, VajraError *err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        vajra_status st = vajra_error_set(err, gerr->code == G_FILE_ERROR_NOENT ? VAJRA_ERR_NOT_FOUND : VAJRA_ERR_IO,
                                          WHO ": cannot read table %s: %s", path, gerr->message);
        g_error_free(gerr);
        return st;
    }
    vajra_status st = VAJRA_OK;
    LexAnalyzer a;
    int have_analyzer = 0;
    if (!g_utf8_validate(text, (gssize)len, NULL))
        st = vajra_error_set(err, VAJRA_ERR_ENCODING, WHO ": table %s is not UTF-8", path);
    else if ((st = lex_analyzer_init(&a, &e->an, err)) == VAJRA_OK)
        have_analyzer = 1;
    gchar **lines = st == VAJRA_OK ? g_strsplit(text, "\n", -1) : NULL;
    double *row = NULL;
    for (size_t ln = 0; st == VAJRA_OK && lines[ln] != NULL; ln++) {
        char *line = g_strstrip(lines[ln]);
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (e->dim == 0) {
            unsigned long d = 0;
            char *end = NULL;
            if (strncmp(line, "dim ", 4) == 0)
                d = strtoul(line + 4, &end, 10);
            if (end == NULL || *end != '\0' || d == 0 || d > 4096) {
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": %s:%zu: expected \"dim N\" (1..4096)",
                                     path, ln + 1);
                break;
            }
            e->dim = (uint32_t)d;
            row = calloc(e->dim, sizeof *row);
            if (row == NULL)
                st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
            continue;
        }
        char *sp = strchr(line, ' ');
        if (sp == NULL) {
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": %s:%zu: a token without numbers", path, ln + 1);
            break;
        }
        *sp = '\0';
        char *p = sp + 1;
        for (uint32_t k = 0; k < e->dim && st == VAJRA_OK; k++) {
            char *end = NULL;
            errno = 0;
            row[k] = strtod(p, &end);
            if (end == p || errno != 0 || !isfinite(row[k]))
                st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": %s:%zu: number %u is missing or bad",
                                     path, ln + 1, k + 1);
            p = end;
        }
        while (st == VAJRA_OK && *p == ' ')
            p++;
        if (st == VAJRA_OK && *p != '\0')
            st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": %s:%zu: more than %u numbers", path,
                                 ln + 1, e->dim);
        OneTerm o = {.count = 0};
        if (st == VAJRA_OK)
            st = lex_analyze_text(&a, line, strlen(line), one_term, &o, err);
        if (st != VAJRA_OK || o.count != 1)
            continue; /* a stopword, or several words: not a term */
        guint id = GPOINTER_TO_UINT(g_hash_table_lookup(rd->ids, o.term));
        if (id == 0) {
            char *key = g_strdup(o.term);
            g_ptr_array_add(rd->terms, key);
            id = rd->terms->len;
            g_hash_table_insert(rd->ids, key, GUINT_TO_POINTER(id));
            g_array_set_size(rd->sums, id * e->dim);
            g_array_set_size(rd->counts, id);
        }
        double *sum = &g_array_index(rd->sums, double, (id - 1) * e->dim);
        for (uint32_t k = 0; k < e->dim; k++)
            sum[k] += row[k];
        g_array_index(rd->counts, guint32, id - 1)++;
    }
    if (st == VAJRA_OK && (e->dim == 0 || rd->terms->len == 0))
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": table %s has no dimension or no terms", path);
    free(row);
    g_strfreev(lines);
    if (have_analyzer)
        lex_analyzer_clear(&a);
    g_free(text);
    return st;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static vajra_status table_create(void *plugin_state, const VajraKeyValue *params, size_t n,
                                 VajraEmbedder **out, VajraError *err)
{
    (void)plugin_state;
    static const char *const keys[] = {"table", "language", NULL};
    vajra_status st = vajra_kv_check_keys(params, n, keys, WHO, err);
    if (st != VAJRA_OK)
        return st;
    const char *path = vajra_kv_get(params, n, "table");
    if (path == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": parameter table (a file) is required");
    VajraEmbedder *e = calloc(1, sizeof *e);
    if (e == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    Reading rd = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), g_ptr_array_new(),
                  g_array_new(FALSE, TRUE, sizeof(double)), g_array_new(FALSE, TRUE, sizeof(guint32))};
    st = emb_analyzer_options(params, n, &e->an, WHO, err);
    if (st == VAJRA_OK)
        st = read_table(e, path, &rd, err);
    if (st == VAJRA_OK) {
        /* Sorted terms, each row the mean of its tokens' vectors, stored as float. */
        uint32_t v = rd.terms->len;
        const char **sorted = malloc(v * sizeof *sorted);
        uint64_t *off = malloc(((size_t)v + 1) * sizeof *off);
        float *vecs = malloc((size_t)v * e->dim * sizeof *vecs);
        uint64_t blob_len = 0;
        for (uint32_t i = 0; i < v; i++)
            blob_len += strlen(g_ptr_array_index(rd.terms, i)) + 1;
        char *blob = malloc(blob_len);
        if (!sorted || !off || !vecs || !blob) {
            free(sorted), free(off), free(vecs), free(blob);
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
        } else {
            memcpy(sorted, rd.terms->pdata, v * sizeof *sorted);
            qsort(sorted, v, sizeof *sorted, cmp_str_ptr);
            off[0] = 0;
            for (uint32_t i = 0; i < v; i++) {
                size_t l = strlen(sorted[i]) + 1;
                memcpy(blob + off[i], sorted[i], l);
                off[i + 1] = off[i] + l;
                guint id = GPOINTER_TO_UINT(g_hash_table_lookup(rd.ids, sorted[i])) - 1;
                const double *sum = &g_array_index(rd.sums, double, (size_t)id * e->dim);
                double c = g_array_index(rd.counts, guint32, id);
                for (uint32_t k = 0; k < e->dim; k++)
                    vecs[(size_t)i * e->dim + k] = (float)(sum[k] / c);
            }
            free(sorted);
            e->owned[0] = off, e->owned[1] = blob, e->owned[2] = vecs;
            e->term_off = off, e->term_blob = blob, e->vecs = vecs, e->n_terms = v;
            e->vocab = emb_vocab_new(off, blob, v);
        }
    }
    g_hash_table_destroy(rd.ids);
    g_ptr_array_free(rd.terms, TRUE);
    g_array_free(rd.sums, TRUE);
    g_array_free(rd.counts, TRUE);
    if (st != VAJRA_OK) {
        table_free(e);
        return st;
    }
    snprintf(e->describe, sizeof e->describe, "table dim=%u terms=%u", e->dim, e->n_terms);
    *out = e;
    return VAJRA_OK;
}

static vajra_status table_embed(const VajraEmbedder *e, const char *const *texts, size_t n,
                                float *out, VajraError *err)
{
    if (e == NULL || (n > 0 && (texts == NULL || out == NULL)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL argument");
    LexAnalyzer a;
    vajra_status st = lex_analyzer_init(&a, &e->an, err);
    if (st != VAJRA_OK)
        return st;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (size_t i = 0; i < n && st == VAJRA_OK; i++) {
        float *row = out + i * e->dim;
        memset(row, 0, e->dim * sizeof *row);
        g_array_set_size(ids, 0);
        st = emb_term_ids(&a, e->vocab, texts[i], i, ids, WHO, err);
        for (guint j = 0; st == VAJRA_OK && j < ids->len; j++)
            cblas_saxpy((int)e->dim, 1.0f, e->vecs + (size_t)g_array_index(ids, guint32, j) * e->dim, 1,
                        row, 1);
        emb_unit(row, e->dim); /* the mean's direction: the count does not matter */
    }
    g_array_free(ids, TRUE);
    lex_analyzer_clear(&a);
    return st;
}

static vajra_status table_save(const VajraEmbedder *e, const VajraSectionWriter *w, VajraError *err)
{
    if (e == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL argument");
    EmbHeader h;
    emb_header_fill(&h, TABLE_MAGIC, TABLE_FORMAT, e->dim, e->n_terms, e->term_off[e->n_terms], &e->an);
    const EmbSection sec[] = {
        {"emb.table.meta", &h, sizeof h, 0, NULL},
        {"emb.table.terms.off", e->term_off, ((uint64_t)e->n_terms + 1) * 8, 0, NULL},
        {"emb.table.terms", e->term_blob, h.term_blob_len, 0, NULL},
        {"emb.table.vecs", e->vecs, (uint64_t)e->n_terms * e->dim * 4, 0, NULL},
    };
    return emb_write_all(w, sec, sizeof sec / sizeof sec[0], WHO, err);
}

static vajra_status table_load(void *plugin_state, const VajraKeyValue *params, size_t n,
                               const VajraSectionReader *r, VajraEmbedder **out, VajraError *err)
{
    (void)plugin_state;
    if (r == NULL || r->find == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": load needs a reader");
    vajra_status st = vajra_kv_check_keys(params, n, (const char *const[]){NULL}, WHO, err);
    const EmbHeader *h = NULL;
    if (st == VAJRA_OK)
        st = emb_need(r, "emb.table.meta", sizeof(EmbHeader), 8, (const void **)&h, WHO, err);
    VajraAnalyzerOptions an;
    if (st == VAJRA_OK)
        st = emb_header_check(h, TABLE_MAGIC, TABLE_FORMAT, &an, WHO, err);
    if (st != VAJRA_OK)
        return st;
    VajraEmbedder *e = calloc(1, sizeof *e);
    if (e == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    e->an = an, e->dim = h->dim, e->n_terms = h->n_terms;
    uint64_t v = e->n_terms;
    const EmbSection sec[] = {
        {"emb.table.terms.off", NULL, (v + 1) * 8, 8, (const void **)&e->term_off},
        {"emb.table.terms", NULL, h->term_blob_len, 1, (const void **)&e->term_blob},
        {"emb.table.vecs", NULL, v * e->dim * 4, 4, (const void **)&e->vecs},
    };
    st = emb_need_all(r, sec, sizeof sec / sizeof sec[0], WHO, err);
    if (st == VAJRA_OK && (!emb_strings_ok(e->term_off, e->term_blob, v, h->term_blob_len, 1) ||
                           !emb_all_finite(e->vecs, v * e->dim)))
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": corrupt model: terms or vectors");
    if (st != VAJRA_OK) {
        table_free(e);
        return st;
    }
    e->vocab = emb_vocab_new(e->term_off, e->term_blob, e->n_terms);
    snprintf(e->describe, sizeof e->describe, "table dim=%u terms=%u", e->dim, e->n_terms);
    *out = e;
    return VAJRA_OK;
}

static const VajraEmbedderVtable vtable = {
    .version = VAJRA_EMBEDDER_VTABLE_VERSION,
    .struct_size = sizeof(VajraEmbedderVtable),
    .create = table_create,
    .free = table_free,
    .dim = table_dim,
    .embed = table_embed,
    .train = NULL, /* nothing to learn: the table is the model */
    .save = table_save,
    .load = table_load,
    .describe = table_describe,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_EMBEDDER,
    .name = "embedder-table",
    .version = "1.0.0",
    .description = "example embedder: mean of token vectors from a table file",
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
