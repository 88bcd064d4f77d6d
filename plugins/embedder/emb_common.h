/* Embedder plugins: what the shipped embedders share — text to known term ids through the
 * lexical analyzer (the same code as lexical-bm25, linked from its static library), unit rows,
 * vocabularies as sorted string blobs, and section loading. Internal to the plugins. */
#ifndef VAJRA_EMB_COMMON_H
#define VAJRA_EMB_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "analyzer.h"
#include "vajra/embedder.h"

/* The analyzer options an embedder's "language" parameter asks for (absent = the lexical
 * defaults: English, stopwords dropped), resolved. Errors: VAJRA_ERR_INVALID_ARGUMENT. */
vajra_status emb_analyzer_options(const VajraKeyValue *params, size_t n, VajraAnalyzerOptions *out,
                                  const char *who, VajraError *err);

/* Analyse `text` (NULL = "") with `a` and append to `ids` (guint32) the id of every term found
 * in `vocab` (term → id + 1), in order, duplicates kept. `index` names the text in errors.
 * Errors: VAJRA_ERR_ENCODING (invalid UTF-8), VAJRA_ERR_NO_MEMORY. */
vajra_status emb_term_ids(LexAnalyzer *a, GHashTable *vocab, const char *text, size_t index,
                          GArray *ids, const char *who, VajraError *err);

/* Scale a row to unit length (BLAS); an all-zero row stays zero. */
void emb_unit(float *row, uint32_t dim);

/* n NUL-terminated strings at blob + off[i], off[n] == blob_len, each non-empty and (sorted)
 * strictly increasing by strcmp. */
int emb_strings_ok(const uint64_t *off, const char *blob, uint64_t n, uint64_t blob_len, int sorted);

/* term → id + 1 over the blob's strings (keys borrowed from the blob). */
GHashTable *emb_vocab_new(const uint64_t *off, const char *blob, uint32_t n);

/* A section of exactly `len` bytes aligned for `align`. Errors: the reader's (prefixed),
 * VAJRA_ERR_CORRUPT. */
vajra_status emb_need(const VajraSectionReader *r, const char *name, uint64_t len, size_t align,
                      const void **out, const char *who, VajraError *err);

/* The header every shipped embedder saves first (its "emb.<name>.meta" section begins with it):
 * what identifies the model and how its text is analysed. */
typedef struct EmbHeader {
    char magic[8];
    uint32_t format, dim, n_terms, stemmer, keep_stopwords, reserved;
    uint64_t term_blob_len;
    char language[32]; /* canonical language name, or "" (by stemmer) */
} EmbHeader;

void emb_header_fill(EmbHeader *h, const char *magic, uint32_t format, uint32_t dim,
                     uint32_t n_terms, uint64_t term_blob_len, const VajraAnalyzerOptions *an);
/* Check magic, format and plausibility (dim ≤ 4096, n_terms, blob length, language known) and
 * resolve the analyzer options. Errors: VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION. */
vajra_status emb_header_check(const EmbHeader *h, const char *magic, uint32_t format,
                              VajraAnalyzerOptions *an, const char *who, VajraError *err);

/* One section to write (data, len) or to find (len, align → *dst). */
typedef struct EmbSection {
    const char *name;
    const void *data;
    uint64_t len;
    size_t align;
    const void **dst;
} EmbSection;

/* Write all sections in order. Errors: the writer's, prefixed with the section name. */
vajra_status emb_write_all(const VajraSectionWriter *w, const EmbSection *s, size_t n,
                           const char *who, VajraError *err);
/* Find all sections with their exact lengths (emb_need each). */
vajra_status emb_need_all(const VajraSectionReader *r, const EmbSection *s, size_t n,
                          const char *who, VajraError *err);

/* 1 if all n floats are finite. */
int emb_all_finite(const float *x, size_t n);

#endif /* VAJRA_EMB_COMMON_H */
