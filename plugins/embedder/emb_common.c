/* Embedder plugins: shared helpers (see emb_common.h). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "emb_common.h"

vajra_status emb_analyzer_options(const VajraKeyValue *params, size_t n, VajraAnalyzerOptions *out,
                                  const char *who, VajraError *err)
{
    VajraAnalyzerOptions in = {.language = vajra_kv_get(params, n, "language")};
    vajra_status st = lex_analyzer_options_resolve(&in, out, err);
    return st == VAJRA_OK ? VAJRA_OK : vajra_error_prefix(err, "%s: parameter language", who);
}

typedef struct Collect {
    GHashTable *vocab;
    GArray *ids;
    char buf[1024];
} Collect;

static vajra_status collect(void *user, const char *term, size_t len, VajraError *err)
{
    (void)err;
    Collect *c = user;
    if (len >= sizeof c->buf)
        return VAJRA_OK; /* longer than any vocabulary term can be */
    memcpy(c->buf, term, len);
    c->buf[len] = '\0';
    guint id = GPOINTER_TO_UINT(g_hash_table_lookup(c->vocab, c->buf));
    if (id != 0) {
        guint32 v = id - 1;
        g_array_append_val(c->ids, v);
    }
    return VAJRA_OK;
}

vajra_status emb_term_ids(LexAnalyzer *a, GHashTable *vocab, const char *text, size_t index,
                          GArray *ids, const char *who, VajraError *err)
{
    if (text == NULL)
        return VAJRA_OK;
    const char *bad = NULL;
    if (!g_utf8_validate(text, -1, &bad))
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "%s: text %zu is not valid UTF-8 (byte %zu)",
                               who, index, (size_t)(bad - text));
    Collect c = {.vocab = vocab, .ids = ids};
    return lex_analyze_text(a, text, strlen(text), collect, &c, err);
}

void emb_unit(float *row, uint32_t dim)
{
    float norm = cblas_snrm2((int)dim, row, 1);
    if (norm > 0 && isfinite(norm))
        cblas_sscal((int)dim, 1.0f / norm, row, 1);
}

int emb_strings_ok(const uint64_t *off, const char *blob, uint64_t n, uint64_t blob_len, int sorted)
{
    if (off[0] != 0 || off[n] != blob_len)
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        if (off[i + 1] <= off[i] + 1 || off[i + 1] > blob_len ||
            memchr(blob + off[i], '\0', (size_t)(off[i + 1] - off[i])) != blob + off[i + 1] - 1)
            return 0; /* non-empty, exactly one NUL, at the end */
        if (sorted && i > 0 && strcmp(blob + off[i - 1], blob + off[i]) >= 0)
            return 0;
    }
    return 1;
}

GHashTable *emb_vocab_new(const uint64_t *off, const char *blob, uint32_t n)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    for (uint32_t i = 0; i < n; i++)
        g_hash_table_insert(h, (gpointer)(blob + off[i]), GUINT_TO_POINTER(i + 1));
    return h;
}

vajra_status emb_need(const VajraSectionReader *r, const char *name, uint64_t len, size_t align,
                      const void **out, const char *who, VajraError *err)
{
    size_t got = 0;
    const void *data = NULL;
    vajra_status st = r->find(r->self, name, &data, &got, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "%s: loading %s", who, name);
    if ((uint64_t)got != len)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: section %s has %zu bytes, expected %llu",
                               who, name, got, (unsigned long long)len);
    if (len > 0 && (data == NULL || (uintptr_t)data % align != 0))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: section %s is misaligned", who, name);
    *out = data;
    return VAJRA_OK;
}

int emb_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

void emb_header_fill(EmbHeader *h, const char *magic, uint32_t format, uint32_t dim,
                     uint32_t n_terms, uint64_t term_blob_len, const VajraAnalyzerOptions *an)
{
    memset(h, 0, sizeof *h);
    g_strlcpy(h->magic, magic, sizeof h->magic);
    h->format = format, h->dim = dim, h->n_terms = n_terms, h->term_blob_len = term_blob_len;
    h->stemmer = an->stemmer, h->keep_stopwords = an->keep_stopwords;
    if (an->language != NULL)
        g_strlcpy(h->language, an->language, sizeof h->language);
}

vajra_status emb_header_check(const EmbHeader *h, const char *magic, uint32_t format,
                              VajraAnalyzerOptions *an, const char *who, VajraError *err)
{
    if (strncmp(h->magic, magic, sizeof h->magic) != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: corrupt model: bad magic", who);
    if (h->format != format)
        return vajra_error_set(err, VAJRA_ERR_VERSION, "%s: model format %u, this plugin reads %u",
                               who, h->format, format);
    if (h->dim == 0 || h->dim > 4096 || h->n_terms == 0 || h->n_terms >= UINT32_MAX / 2 ||
        h->term_blob_len > (UINT64_C(1) << 36) || h->stemmer > VAJRA_STEMMER_NONE ||
        h->keep_stopwords > 1 || memchr(h->language, '\0', sizeof h->language) == NULL)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: corrupt model: implausible header", who);
    VajraAnalyzerOptions in = {.stemmer = h->stemmer, .keep_stopwords = h->keep_stopwords,
                               .language = h->language[0] ? h->language : NULL};
    if (lex_analyzer_options_resolve(&in, an, NULL) != VAJRA_OK)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: corrupt model: unknown language", who);
    return VAJRA_OK;
}

vajra_status emb_write_all(const VajraSectionWriter *w, const EmbSection *s, size_t n,
                           const char *who, VajraError *err)
{
    for (size_t i = 0; i < n; i++) {
        vajra_status st = w->write(w->self, s[i].name, s[i].data, (size_t)s[i].len, err);
        if (st != VAJRA_OK)
            return vajra_error_prefix(err, "%s: saving %s", who, s[i].name);
    }
    return VAJRA_OK;
}

vajra_status emb_need_all(const VajraSectionReader *r, const EmbSection *s, size_t n,
                          const char *who, VajraError *err)
{
    for (size_t i = 0; i < n; i++) {
        vajra_status st = emb_need(r, s[i].name, s[i].len, s[i].align, s[i].dst, who, err);
        if (st != VAJRA_OK)
            return st;
    }
    return VAJRA_OK;
}
