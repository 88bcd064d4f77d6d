/* embedder-lsa: the plugin — parameters, training, embedding, save and load (see lsa.h).
 *
 * Parameters (all optional): dim (128; 1..4096), seed (42), min_df (2; terms in fewer training
 * texts are left out), power_iters (4; 0..20), oversample (extra columns of the random sketch;
 * default = dim, i.e. a sketch of 2·dim columns, which made the result stable across seeds on
 * Cranfield where 16 did not; 0..4096), language (the lexical
 * analyzer's language, default English with its stopwords; see vajra/lexical.h).
 *
 * Thread-safety: embed makes its own analyzer per call (the Snowball stemmer is not thread-safe)
 * and only reads the model, so any number of threads may embed at once. A loaded embedder keeps
 * pointers into the reader's bytes (its vocabulary, idf and projection): zero copy.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_common.h"
#include "lsa.h"
#include "vajra/plugin.h"

#define WHO "embedder-lsa"
#define LSA_MAGIC "VJRLSA1"
#define LSA_FORMAT 1u

struct VajraEmbedder {
    uint32_t dim, min_df, power_iters, oversample;
    uint64_t seed;
    VajraAnalyzerOptions an; /* resolved; language is a static canonical string or NULL */
    int ready;
    /* The model: owned after train, borrowed from the reader after load. */
    uint32_t n_terms, n_docs;
    const uint64_t *term_off;
    const char *term_blob;
    const float *idf;
    const float *proj; /* n_terms × dim, row-major */
    void *owned[4];
    GHashTable *vocab; /* term → id + 1 */
    char describe[160];
};

/* The saved header ("emb.lsa.meta"). */
typedef struct LsaMeta {
    EmbHeader h;
    uint32_t n_docs, min_df, power_iters, oversample;
    uint64_t seed;
} LsaMeta;

static const char *const known_keys[] = {"dim", "seed", "min_df", "power_iters", "oversample",
                                         "language", NULL};

static void model_clear(VajraEmbedder *e)
{
    for (size_t i = 0; i < sizeof e->owned / sizeof e->owned[0]; i++) {
        free(e->owned[i]);
        e->owned[i] = NULL;
    }
    if (e->vocab != NULL)
        g_hash_table_destroy(e->vocab);
    e->vocab = NULL;
    e->ready = 0;
    e->n_terms = e->n_docs = 0;
}

static void set_describe(VajraEmbedder *e)
{
    snprintf(e->describe, sizeof e->describe,
             "lsa dim=%u vocab=%u docs=%u seed=%llu min_df=%u power_iters=%u oversample=%u "
             "language=%s",
             e->dim, e->n_terms, e->n_docs, (unsigned long long)e->seed, e->min_df, e->power_iters,
             e->oversample,
             e->an.language ? e->an.language
             : e->an.stemmer == VAJRA_STEMMER_PORTER ? "porter"
             : e->an.stemmer == VAJRA_STEMMER_NONE   ? "none"
                                                     : "english");
}

static vajra_status parse_params(VajraEmbedder *e, const VajraKeyValue *params, size_t n,
                                 VajraError *err)
{
    vajra_status st = vajra_kv_check_keys(params, n, known_keys, WHO, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(params, n, "dim", 128, 1, 4096, &e->dim, WHO, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u64(params, n, "seed", 42, &e->seed, WHO, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(params, n, "min_df", 2, 1, UINT32_MAX, &e->min_df, WHO, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(params, n, "power_iters", 4, 0, 20, &e->power_iters, WHO, err);
    if (st == VAJRA_OK)
        st = vajra_kv_u32(params, n, "oversample", e->dim, 0, 4096, &e->oversample, WHO, err);
    if (st == VAJRA_OK)
        st = emb_analyzer_options(params, n, &e->an, WHO, err);
    return st;
}

static vajra_status lsa_create(void *plugin_state, const VajraKeyValue *params, size_t n,
                               VajraEmbedder **out, VajraError *err)
{
    (void)plugin_state;
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL output");
    VajraEmbedder *e = calloc(1, sizeof *e);
    if (e == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    vajra_status st = parse_params(e, params, n, err);
    if (st != VAJRA_OK) {
        free(e);
        return st;
    }
    set_describe(e);
    *out = e;
    return VAJRA_OK;
}

static void lsa_free(VajraEmbedder *e)
{
    if (e == NULL)
        return;
    model_clear(e);
    free(e);
}

static uint32_t lsa_dim(const VajraEmbedder *e) { return e->dim; }

static const char *lsa_describe(const VajraEmbedder *e) { return e->describe; }

/* ---- training ---- */

typedef struct TrainTerms {
    GHashTable *ids;   /* term (owned) → provisional id + 1 */
    GPtrArray *names;  /* provisional id → term (borrowed from ids' keys) */
    GArray *doc_terms; /* guint32 provisional ids of the current text */
} TrainTerms;

static vajra_status train_collect(void *user, const char *term, size_t len, VajraError *err)
{
    (void)err;
    TrainTerms *t = user;
    char *key = g_strndup(term, len);
    guint id = GPOINTER_TO_UINT(g_hash_table_lookup(t->ids, key));
    if (id == 0) {
        g_ptr_array_add(t->names, key);
        id = t->names->len;
        g_hash_table_insert(t->ids, key, GUINT_TO_POINTER(id));
    } else {
        g_free(key);
    }
    guint32 v = id - 1;
    g_array_append_val(t->doc_terms, v);
    return VAJRA_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_name_ptr(const void *a, const void *b)
{
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

/* Sorted-run counting of a text's term ids: (id, tf) pairs appended to the two arrays. */
static void count_runs(GArray *ids, GArray *out_ids, GArray *out_tf)
{
    qsort(ids->data, ids->len, sizeof(guint32), cmp_u32);
    for (guint i = 0; i < ids->len;) {
        guint j = i;
        guint32 id = g_array_index(ids, guint32, i);
        while (j < ids->len && g_array_index(ids, guint32, j) == id)
            j++;
        guint32 tf = j - i;
        g_array_append_val(out_ids, id);
        g_array_append_val(out_tf, tf);
        i = j;
    }
}

static vajra_status lsa_train(VajraEmbedder *e, const char *const *texts, size_t n, VajraError *err)
{
    if (e == NULL || (texts == NULL && n > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL argument");
    if (n == 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": cannot train on no texts");
    LexAnalyzer a;
    vajra_status st = lex_analyzer_init(&a, &e->an, err);
    if (st != VAJRA_OK)
        return st;
    TrainTerms t = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), g_ptr_array_new(),
                    g_array_new(FALSE, FALSE, sizeof(guint32))};
    GArray *ptr = g_array_new(FALSE, FALSE, sizeof(size_t));
    GArray *col = g_array_new(FALSE, FALSE, sizeof(guint32));
    GArray *tf = g_array_new(FALSE, FALSE, sizeof(guint32));
    size_t zero = 0;
    g_array_append_val(ptr, zero);
    for (size_t d = 0; d < n && st == VAJRA_OK; d++) {
        const char *text = texts[d] ? texts[d] : "";
        const char *bad = NULL;
        if (!g_utf8_validate(text, -1, &bad)) {
            st = vajra_error_set(err, VAJRA_ERR_ENCODING, WHO ": text %zu is not valid UTF-8 (byte %zu)",
                                 d, (size_t)(bad - text));
            break;
        }
        g_array_set_size(t.doc_terms, 0);
        st = lex_analyze_text(&a, text, strlen(text), train_collect, &t, err);
        count_runs(t.doc_terms, col, tf);
        size_t end = col->len;
        g_array_append_val(ptr, end);
    }
    lex_analyzer_clear(&a);

    /* Vocabulary: df ≥ min_df, sorted by bytes, so ids never depend on hash order. */
    uint32_t n_prov = t.names->len;
    uint32_t *df = calloc(n_prov ? n_prov : 1, sizeof *df);
    uint32_t *remap = malloc((n_prov ? n_prov : 1) * sizeof *remap);
    const char ***order = malloc((n_prov ? n_prov : 1) * sizeof *order);
    LsaCsr m = {0};
    double *w = NULL, *sv = NULL;
    char *blob = NULL;
    uint64_t *off = NULL;
    float *idf = NULL, *proj = NULL;
    if (st == VAJRA_OK && (!df || !remap || !order))
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    uint32_t v = 0;
    uint64_t blob_len = 0;
    if (st == VAJRA_OK) {
        for (guint p = 0; p < col->len; p++)
            df[g_array_index(col, guint32, p)]++;
        for (uint32_t i = 0; i < n_prov; i++)
            if (df[i] >= e->min_df)
                order[v++] = (const char **)&t.names->pdata[i];
        qsort(order, v, sizeof *order, cmp_name_ptr);
        for (uint32_t i = 0; i < n_prov; i++)
            remap[i] = UINT32_MAX;
        for (uint32_t i = 0; i < v; i++) {
            remap[(uint32_t)((gpointer *)order[i] - t.names->pdata)] = i;
            blob_len += strlen(*order[i]) + 1;
        }
        blob = malloc(blob_len ? blob_len : 1);
        off = malloc((v + 1) * sizeof *off);
        idf = malloc((v ? v : 1) * sizeof *idf);
        if (!blob || !off || !idf)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    }
    if (st == VAJRA_OK) {
        off[0] = 0;
        for (uint32_t i = 0; i < v; i++) {
            size_t l = strlen(*order[i]) + 1;
            memcpy(blob + off[i], *order[i], l);
            off[i + 1] = off[i] + l;
            uint32_t prov = (uint32_t)((gpointer *)order[i] - t.names->pdata);
            idf[i] = (float)(log((1.0 + (double)n) / (1.0 + (double)df[prov])) + 1.0);
        }
        /* A: rows (1 + ln tf) · idf over the vocabulary, L2-normalised. */
        m.rows = n;
        m.cols = v;
        m.ptr = malloc((n + 1) * sizeof *m.ptr);
        m.col = malloc((col->len ? col->len : 1) * sizeof *m.col);
        m.val = malloc((col->len ? col->len : 1) * sizeof *m.val);
        if (!m.ptr || !m.col || !m.val)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    }
    if (st == VAJRA_OK) {
        size_t nz = 0;
        m.ptr[0] = 0;
        for (size_t d = 0; d < n; d++) {
            size_t lo = g_array_index(ptr, size_t, d), hi = g_array_index(ptr, size_t, d + 1);
            size_t start = nz;
            double norm = 0;
            for (size_t p = lo; p < hi; p++) {
                uint32_t id = remap[g_array_index(col, guint32, p)];
                if (id == UINT32_MAX)
                    continue;
                double x = (1.0 + log((double)g_array_index(tf, guint32, p))) * idf[id];
                m.col[nz] = id;
                m.val[nz++] = x;
                norm += x * x;
            }
            norm = sqrt(norm);
            for (size_t p = start; p < nz && norm > 0; p++)
                m.val[p] /= norm;
            m.ptr[d + 1] = nz;
        }
        sv = malloc(e->dim * sizeof *sv);
        if (sv == NULL)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    }
    if (st == VAJRA_OK)
        st = lsa_randomized_svd(&m, e->dim, e->oversample, e->power_iters, e->seed, &w, sv, err);
    if (st == VAJRA_OK) {
        proj = malloc((size_t)v * e->dim * sizeof *proj);
        if (proj == NULL)
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    }
    if (st == VAJRA_OK) {
        for (uint32_t i = 0; i < v; i++)
            for (uint32_t k = 0; k < e->dim; k++)
                proj[(size_t)i * e->dim + k] = (float)w[i + (size_t)k * v];
        model_clear(e);
        e->owned[0] = blob, e->owned[1] = off, e->owned[2] = idf, e->owned[3] = proj;
        e->term_blob = blob, e->term_off = off, e->idf = idf, e->proj = proj;
        blob = NULL, off = NULL, idf = NULL, proj = NULL;
        e->n_terms = v;
        e->n_docs = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
        e->vocab = emb_vocab_new(e->term_off, e->term_blob, v);
        e->ready = 1;
        set_describe(e);
    }
    free(w);
    free(sv);
    free(m.ptr);
    free(m.col);
    free(m.val);
    free(blob);
    free(off);
    free(idf);
    free(proj);
    free(df);
    free(remap);
    free(order);
    g_array_free(ptr, TRUE);
    g_array_free(col, TRUE);
    g_array_free(tf, TRUE);
    g_array_free(t.doc_terms, TRUE);
    g_ptr_array_free(t.names, TRUE);
    g_hash_table_destroy(t.ids);
    return st;
}

/* ---- embedding ---- */

static vajra_status lsa_embed(const VajraEmbedder *e, const char *const *texts, size_t n,
                              float *out, VajraError *err)
{
    if (e == NULL || (n > 0 && (texts == NULL || out == NULL)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL argument");
    if (!e->ready)
        return vajra_error_set(err, VAJRA_ERR_STATE, WHO ": embed before train or load");
    LexAnalyzer a;
    vajra_status st = lex_analyzer_init(&a, &e->an, err);
    if (st != VAJRA_OK)
        return st;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    GArray *uniq = g_array_new(FALSE, FALSE, sizeof(guint32));
    GArray *tf = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (size_t i = 0; i < n && st == VAJRA_OK; i++) {
        float *row = out + i * e->dim;
        memset(row, 0, e->dim * sizeof *row);
        g_array_set_size(ids, 0);
        g_array_set_size(uniq, 0);
        g_array_set_size(tf, 0);
        st = emb_term_ids(&a, e->vocab, texts[i], i, ids, WHO, err);
        if (st != VAJRA_OK)
            break;
        count_runs(ids, uniq, tf);
        /* x is normalised only through the final unit(): a common scale does not matter. */
        for (guint j = 0; j < uniq->len; j++) {
            uint32_t t = g_array_index(uniq, guint32, j);
            float x = (float)((1.0 + log((double)g_array_index(tf, guint32, j))) * e->idf[t]);
            cblas_saxpy((int)e->dim, x, e->proj + (size_t)t * e->dim, 1, row, 1);
        }
        emb_unit(row, e->dim);
    }
    g_array_free(ids, TRUE);
    g_array_free(uniq, TRUE);
    g_array_free(tf, TRUE);
    lex_analyzer_clear(&a);
    return st;
}

/* ---- persistence ---- */

static vajra_status lsa_save(const VajraEmbedder *e, const VajraSectionWriter *w, VajraError *err)
{
    if (e == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": NULL argument");
    if (!e->ready)
        return vajra_error_set(err, VAJRA_ERR_STATE, WHO ": save before train or load");
    LsaMeta m;
    memset(&m, 0, sizeof m);
    emb_header_fill(&m.h, LSA_MAGIC, LSA_FORMAT, e->dim, e->n_terms, e->term_off[e->n_terms], &e->an);
    m.n_docs = e->n_docs, m.min_df = e->min_df;
    m.power_iters = e->power_iters, m.oversample = e->oversample, m.seed = e->seed;
    const EmbSection sec[] = {
        {"emb.lsa.meta", &m, sizeof m, 0, NULL},
        {"emb.lsa.terms.off", e->term_off, ((uint64_t)e->n_terms + 1) * 8, 0, NULL},
        {"emb.lsa.terms", e->term_blob, m.h.term_blob_len, 0, NULL},
        {"emb.lsa.idf", e->idf, (uint64_t)e->n_terms * 4, 0, NULL},
        {"emb.lsa.proj", e->proj, (uint64_t)e->n_terms * e->dim * 4, 0, NULL},
    };
    return emb_write_all(w, sec, sizeof sec / sizeof sec[0], WHO, err);
}

static vajra_status corrupt(VajraError *err, const char *what)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, WHO ": corrupt model: %s", what);
}

static vajra_status lsa_load(void *plugin_state, const VajraKeyValue *params, size_t n,
                             const VajraSectionReader *r, VajraEmbedder **out, VajraError *err)
{
    (void)plugin_state;
    if (r == NULL || r->find == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, WHO ": load needs a reader");
    vajra_status st = vajra_kv_check_keys(params, n, (const char *const[]){NULL}, WHO, err);
    if (st != VAJRA_OK)
        return st;
    const LsaMeta *m;
    if ((st = emb_need(r, "emb.lsa.meta", sizeof(LsaMeta), 8, (const void **)&m, WHO, err)) != VAJRA_OK)
        return st;
    VajraAnalyzerOptions an;
    if ((st = emb_header_check(&m->h, LSA_MAGIC, LSA_FORMAT, &an, WHO, err)) != VAJRA_OK)
        return st;
    if (m->power_iters > 20 || m->oversample > 4096 || m->min_df == 0)
        return corrupt(err, "implausible parameters");
    VajraEmbedder *e = calloc(1, sizeof *e);
    if (e == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, WHO ": out of memory");
    e->an = an;
    e->dim = m->h.dim, e->min_df = m->min_df, e->power_iters = m->power_iters;
    e->oversample = m->oversample, e->seed = m->seed;
    e->n_terms = m->h.n_terms, e->n_docs = m->n_docs;
    uint64_t v = e->n_terms;
    const EmbSection sec[] = {
        {"emb.lsa.terms.off", NULL, (v + 1) * 8, 8, (const void **)&e->term_off},
        {"emb.lsa.terms", NULL, m->h.term_blob_len, 1, (const void **)&e->term_blob},
        {"emb.lsa.idf", NULL, v * 4, 4, (const void **)&e->idf},
        {"emb.lsa.proj", NULL, v * e->dim * 4, 4, (const void **)&e->proj},
    };
    st = emb_need_all(r, sec, sizeof sec / sizeof sec[0], WHO, err);
    if (st == VAJRA_OK && !emb_strings_ok(e->term_off, e->term_blob, v, m->h.term_blob_len, 1))
        st = corrupt(err, "vocabulary offsets, terminators or order");
    if (st == VAJRA_OK && (!emb_all_finite(e->idf, v) || !emb_all_finite(e->proj, v * e->dim)))
        st = corrupt(err, "non-finite idf or projection");
    for (uint64_t i = 0; st == VAJRA_OK && i < v; i++)
        if (!(e->idf[i] > 0))
            st = corrupt(err, "idf not positive");
    if (st != VAJRA_OK) {
        free(e);
        return st;
    }
    e->vocab = emb_vocab_new(e->term_off, e->term_blob, e->n_terms);
    e->ready = 1;
    set_describe(e);
    *out = e;
    return VAJRA_OK;
}

static const VajraEmbedderVtable vtable = {
    .version = VAJRA_EMBEDDER_VTABLE_VERSION,
    .struct_size = sizeof(VajraEmbedderVtable),
    .create = lsa_create,
    .free = lsa_free,
    .dim = lsa_dim,
    .embed = lsa_embed,
    .train = lsa_train,
    .save = lsa_save,
    .load = lsa_load,
    .describe = lsa_describe,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_EMBEDDER,
    .name = "embedder-lsa",
    .version = "1.0.0",
    .description = "LSA: TF-IDF over the lexical analyzer's terms, randomised truncated SVD (LAPACK)",
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
