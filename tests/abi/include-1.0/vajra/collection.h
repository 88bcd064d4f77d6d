/* Vajra — collections: documents indexed by both index functors, saved as one container, and
 * searched through retriever morphisms (lexical, vector, and hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩).
 *
 * A collection owns one lexical index (plugin "lexical-bm25" by default, bound to a scorer plugin
 * the collection loads: plugins never load each other) and, when it has vectors, one vector index
 * ("vector-hnsw"). Document i of the collection is document i of both indexes: every batch goes
 * to both, in order, all or nothing. External ids map to internal numbers and back; titles are
 * kept for display.
 *
 *     vajra_collection_create(reg, &opts, &c, &err);
 *     vajra_collection_add(c, &batch, &err);   ... any number of batches
 *     vajra_collection_commit(c, &err);
 *     vajra_collection_save(c, "idx.vjr", NULL, &err);
 *     vajra_collection_open(reg, "idx.vjr", "storage-mmap", &c2, &err);
 *     vajra_collection_hybrid_retriever(c2, fuse, 0, &hybrid, &err);
 *
 * The saved container holds the sections "coll.meta" (a small key/value text: format version,
 * counts, plugin names, scorer parameters, profile), "coll.titles", then the lexical index's
 * "lex.*" and the vector index's "hnsw.*" sections. Opening validates the meta and that both
 * indexes hold the same number of documents before anything is searched.
 *
 * Thread-safety: building (add, commit) needs exclusive access. A committed collection may be
 * searched from many threads at once, but each retriever morphism owns one search scratch, so
 * apply any one retriever from one thread at a time: make one retriever (or hybrid pipeline) per
 * thread — they are cheap. The collection must outlive every retriever made from it, and the
 * registry must outlive the collection.
 */
#ifndef VAJRA_COLLECTION_H
#define VAJRA_COLLECTION_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/lexical.h"
#include "vajra/morphism.h"
#include "vajra/registry.h"
#include "vajra/scorer.h"
#include "vajra/status.h"
#include "vajra/types.h"
#include "vajra/vector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Passed as `ef` to a vector retriever: scan every vector (exact search, ground truth). */
#define VAJRA_EF_EXACT UINT32_MAX

/* How to build a collection. Zero-initialise, set struct_size, and set what you need; every NULL
 * or 0 means the default given beside it. Strings are copied by create. */
typedef struct VajraCollectionOptions {
    uint32_t struct_size;          /* sizeof(VajraCollectionOptions) */
    const char *lexical_plugin;    /* "lexical-bm25" */
    const char *scorer_plugin;     /* "scorer-bm25" */
    const VajraParam *scorer_params; /* e.g. {{"k1", 0.9}, {"b", 0.4}}; NULL = scorer defaults */
    size_t n_scorer_params;
    VajraAnalyzerOptions analyzer; /* all-zero = the analyzer's defaults */
    uint32_t ignore_title;         /* 0 = title and text are indexed together */
    uint32_t dim;                  /* vector dimension; 0 = no vector side (lexical only) */
    uint32_t metric;               /* VajraMetric; 0 = VAJRA_METRIC_IP */
    const char *vector_plugin;     /* "vector-hnsw" */
    const char *profile;           /* "quality" | "fast" | "instant"; NULL = "fast" */
    uint32_t M, ef_construction, ef_search; /* 0 = the profile's value */
    uint32_t threads;              /* vector build threads; 0 = 1 (the graph is the same for any) */
} VajraCollectionOptions;

typedef struct VajraCollection VajraCollection;

/* A summary for tools (`vajra info`). Strings are borrowed from the collection. */
typedef struct VajraCollectionInfo {
    uint32_t doc_count;       /* committed documents */
    uint32_t dim;             /* 0 when there is no vector side */
    uint32_t metric;          /* VajraMetric (0 without vectors) */
    const char *lexical_plugin, *scorer_plugin, *vector_plugin; /* vector_plugin NULL w/o vectors */
    const char *profile;      /* NULL without vectors */
    VajraVectorParams vector_params; /* zeroed without vectors */
    const VajraParam *scorer_params;
    size_t n_scorer_params;
    const char *path;         /* the file it was opened from or last saved to; NULL otherwise */
    const char *storage_plugin; /* the plugin that opened it; NULL for a built collection */
} VajraCollectionInfo;

/* Make an empty collection: loads the lexical, scorer and (dim > 0) vector plugins from `reg`,
 * makes the scorer instance and both indexes. Caller owns *out (vajra_collection_free).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (bad options, the message names the field),
 * VAJRA_ERR_NOT_FOUND (a plugin or profile is missing), the plugins' errors, VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_collection_create(VajraRegistry *reg,
                                               const VajraCollectionOptions *opts,
                                               VajraCollection **out, VajraError *err);

/* Add a batch to both indexes (visible to search after commit). All or nothing: vectors are
 * checked first (present, right dimension, finite, non-zero under cosine), then the lexical
 * index takes the batch (it rejects duplicate ids and bad UTF-8), then the vector index.
 * Errors name the document: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE, VAJRA_ERR_DUPLICATE,
 * VAJRA_ERR_ENCODING, VAJRA_ERR_INVALID_ARGUMENT (missing vector, NULL id), VAJRA_ERR_STATE (an
 * opened collection is read-only), VAJRA_ERR_NO_MEMORY (then the collection is unusable: a
 * vector insert may have stopped halfway; free it). */
VAJRA_API vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch,
                                            VajraError *err);

/* Make everything added searchable. Idempotent. Errors: the lexical index's commit errors. */
VAJRA_API vajra_status vajra_collection_commit(VajraCollection *c, VajraError *err);

/* Save as one container at `path` through the storage plugin `storage_plugin` (NULL =
 * "storage-file"; both write identical bytes). Atomic: on any error `path` is untouched.
 * Errors: VAJRA_ERR_STATE (uncommitted documents), the storage and index plugins' errors. */
VAJRA_API vajra_status vajra_collection_save(VajraCollection *c, const char *path,
                                             const char *storage_plugin, VajraError *err);

/* Open a saved collection through `storage_plugin` (NULL = "storage-mmap": zero copy). The
 * plugins named in the file are loaded from `reg`. An opened collection is read-only.
 * Caller owns *out. Errors: the storage plugin's (VAJRA_ERR_NOT_FOUND, VAJRA_ERR_IO,
 * VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION), VAJRA_ERR_CORRUPT (bad meta or titles, or the indexes
 * disagree on the document count), VAJRA_ERR_NOT_FOUND (a plugin the file needs is missing),
 * the index plugins' load errors, VAJRA_ERR_NO_MEMORY. Every message starts with the path. */
VAJRA_API vajra_status vajra_collection_open(VajraRegistry *reg, const char *path,
                                             const char *storage_plugin, VajraCollection **out,
                                             VajraError *err);

/* Free the indexes, the scorer instance, the container and the plugin references. NULL is fine.
 * Free every retriever made from the collection first. */
VAJRA_API void vajra_collection_free(VajraCollection *c);

/* ---- documents ---- */

VAJRA_API void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo *out);
/* Committed documents. */
VAJRA_API uint32_t vajra_collection_count(const VajraCollection *c);
/* External id / title ("" when it had none) of a committed document; NULL when doc is out of
 * range. Borrowed: valid until the next add or free. */
VAJRA_API const char *vajra_collection_doc_id(const VajraCollection *c, uint32_t doc);
VAJRA_API const char *vajra_collection_doc_title(const VajraCollection *c, uint32_t doc);
/* Internal number of an external id. Errors: VAJRA_ERR_NOT_FOUND. */
VAJRA_API vajra_status vajra_collection_doc_number(const VajraCollection *c, const char *id,
                                                   uint32_t *out, VajraError *err);

/* The indexes and their vtables, for tools that measure or check them (bench, parity).
 * Borrowed; *index may be NULL-ed (the vector side of a lexical-only collection is NULL). */
VAJRA_API const VajraLexicalVtable *vajra_collection_lexical(const VajraCollection *c,
                                                             const VajraLexicalIndex **index);
VAJRA_API const VajraVectorVtable *vajra_collection_vector(const VajraCollection *c,
                                                           const VajraVectorIndex **index);

/* ---- retrievers (morphisms; each owns a search scratch: one thread at a time) ---- */

/* lexical : text_query → hits, the top query.k documents under the collection's scorer.
 * Caller owns the reference. Errors: VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_collection_lexical_retriever(VajraCollection *c,
                                                          VajraMorphism **out, VajraError *err);

/* vector : vector_query → hits, the top query.k by HNSW beam search of width ef (0 = the index's
 * ef_search), or by exact scan when ef == VAJRA_EF_EXACT.
 * Errors: VAJRA_ERR_STATE (the collection has no vectors), VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_collection_vector_retriever(VajraCollection *c, uint32_t ef,
                                                         VajraMorphism **out, VajraError *err);

/* hybrid : text_query × vector_query → hits, built literally as
 *     fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩
 * with vajra_projection, vajra_compose and vajra_pair. Each side retrieves its query's k
 * documents (the candidate depth); `fuse` (hits × hits → hits, e.g. vajra_fusion_rrf) decides how
 * many the result keeps. The caller keeps its reference to `fuse`.
 * Errors: VAJRA_ERR_TYPE_MISMATCH (fuse is not hits × hits → hits), as the two retrievers. */
VAJRA_API vajra_status vajra_collection_hybrid_retriever(VajraCollection *c, VajraMorphism *fuse,
                                                         uint32_t ef, VajraMorphism **out,
                                                         VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_COLLECTION_H */
