/* Vajra — collections: documents indexed by both index functors, kept as immutable segments
 * behind snapshots, saved as one container, and searched in one call or through retriever
 * morphisms (lexical, vector, and hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩).
 *
 * A collection loads one lexical plugin ("lexical-bm25" by default, bound to a scorer plugin the
 * collection loads: plugins never load each other) and, when it has vectors, one vector plugin
 * ("vector-hnsw" by default; any vector index, e.g. "vector-flat": docs/vector.md). Each committed batch becomes a segment holding one index of each; a document
 * of a segment is the same document in both. External ids map to documents and back; titles and
 * texts are kept (for display and for compaction).
 *
 *     vajra_collection_create(reg, &opts, &c, &err);
 *     vajra_collection_add(c, &batch, &err);   ... any number of batches (staged)
 *     vajra_collection_commit(c, &err);         (visible, atomically)
 *     vajra_collection_save(c, "idx.vjr", NULL, &err);
 *     vajra_collection_open(reg, "idx.vjr", "storage-mmap", &c2, &err);
 *     vajra_collection_search(c2, &request, &results, &err);
 *
 * The saved container (format 2, docs/live.md) holds "coll.meta" (a small key/value text: format
 * version, generation, segment count, live document count, plugin names, scorer parameters,
 * analyzer, profile and vector parameters) and, per segment i, "s<i>.titles", "s<i>.texts",
 * "s<i>.live" (when documents were deleted) and the indexes' "s<i>.lex.*" and "s<i>.hnsw.*".
 * Opening validates everything before anything is searched. Format-1 files open read-only.
 *
 * With an embedder (VajraCollectionOptions.embedder; docs/embedders.md) the vector side is made
 * from the text: documents are added without vectors (one that carries a vector is refused,
 * VAJRA_ERR_INVALID_ARGUMENT), the model is trained (when the plugin trains) on the "title text"
 * of the documents of the first commit that adds any, then stays fixed: later commits and upserts
 * embed with it, compaction and promotion keep the stored vectors. A vector or hybrid search
 * with a text and no vector embeds the text with the same model. The model is saved as
 * "coll.emb.*" sections and loaded on open (it points into the opened file, which the collection
 * keeps open). Queries are embedded by any number of searchers at once: the embedder ABI makes
 * `embed` thread-safe on a trained model, and training happens before any search may embed.
 *
 * Thread-safety: see "Live collections" below: writers serialise on a lock, compaction runs
 * beside them, searches never wait. A searcher (or a retriever morphism, which owns one) is used
 * by one thread at a time: make one per thread — they are cheap. The collection must outlive
 * every searcher, retriever and VajraResults made from it, and the registry must outlive the
 * collection.
 */
#ifndef VAJRA_COLLECTION_H
#define VAJRA_COLLECTION_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/filter.h"
#include "vajra/lexical.h"
#include "vajra/morphism.h"
#include "vajra/params.h"
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
    const char *vector_plugin;     /* "vector-hnsw" (any vector index: "vector-flat", …) */
    const char *profile;           /* HNSW: "quality" | "fast" | "instant"; NULL = "fast" (passed
                                    * as the parameter "profile" when set) */
    uint32_t M, ef_construction, ef_search; /* HNSW shorthands: 0 = the profile's value, else
                                    * passed as the parameters "M", "ef_construction",
                                    * "ef_search" */
    uint32_t threads;              /* vector build threads; 0 = available cores (same graph for any) */
    /* Added after 0.1 (callers passing the older, smaller struct_size get the defaults): */
    const char *attr_schema;       /* filterable attributes, e.g. "lang:keyword, tags:tags,
                                    * year:int, rating:float" (docs/filters.md); NULL = inferred
                                    * from the first batch whose documents carry attributes, then
                                    * fixed */
    /* The vector index's own parameters (docs/vector.md lists each plugin's keys), after the
     * shorthands above (a key given in both: this one wins); the plugin validates them.
     * Borrowed for the call. */
    const VajraKeyValue *vector_params;
    size_t n_vector_params;
    /* Added with embedders (docs/embedders.md): make the vector side from the text. */
    const char *embedder;          /* embedder plugin, e.g. "embedder-lsa" ("lsa" is short for
                                    * it); NULL = none: vectors come with the documents. With
                                    * one, `dim` is 0 (the embedder's) or must equal the
                                    * embedder's (VAJRA_ERR_DIMENSION); metric ip or l2 (cosine
                                    * is refused: a text the model cannot place embeds as zero);
                                    * a plugin that trains must be able to save and load
                                    * (VAJRA_ERR_UNSUPPORTED otherwise) */
    const VajraKeyValue *embedder_params; /* the plugin's parameters (e.g. {"dim", "256"});
                                    * copied; saved in coll.meta (one line each: no line breaks,
                                    * no space in a key). Unknown keys and bad values are the
                                    * plugin's VAJRA_ERR_INVALID_ARGUMENT */
    size_t n_embedder_params;
} VajraCollectionOptions;

typedef struct VajraCollection VajraCollection;

/* A summary for tools (`vajra info`). Strings are borrowed from the collection. */
typedef struct VajraCollectionInfo {
    uint32_t struct_size;     /* set by the caller: sizeof(VajraCollectionInfo) */
    uint32_t doc_count;       /* committed documents */
    uint32_t dim;             /* 0 when there is no vector side */
    uint32_t metric;          /* VajraMetric (0 without vectors) */
    const char *lexical_plugin, *scorer_plugin, *vector_plugin; /* vector_plugin NULL w/o vectors */
    const char *profile;      /* NULL without vectors or for an index without profiles */
    VajraVectorParams vector_params; /* zeroed without vectors; see VajraVectorParams for
                                      * indexes other than HNSW */
    const VajraParam *scorer_params;
    size_t n_scorer_params;
    const char *path;         /* the file it was opened from or last saved to; NULL otherwise */
    const char *storage_plugin; /* the plugin that opened it; NULL for a built collection */
    /* The vector index's effective parameters (params_kv; what new segments are built with);
     * none without vectors. Borrowed: valid until the collection is promoted or freed. */
    const VajraKeyValue *vector_kv;
    size_t n_vector_kv;
} VajraCollectionInfo;

/* Make an empty collection: loads the lexical, scorer, (dim > 0) vector and embedder plugins from
 * `reg`, makes the scorer instance, the embedder (untrained) and both indexes. Caller owns *out
 * (vajra_collection_free).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (bad options, the message names the field),
 * VAJRA_ERR_NOT_FOUND (a plugin or profile is missing), VAJRA_ERR_DIMENSION (dim is not the
 * embedder's), the plugins' errors, VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_collection_create(VajraRegistry *reg,
                                               const VajraCollectionOptions *opts,
                                               VajraCollection **out, VajraError *err);

/* ABI note: VajraDocument grew `attrs` in ABI 1.1 and an array of documents carries no element
 * size, so entry points taking document arrays are versioned by name: this header maps
 * vajra_collection_add to vajra_collection_add_v1_1 (1.1 documents). The symbol
 * vajra_collection_add itself stays, for binaries built against 1.0 headers: it reads 1.0
 * documents (no attrs). Source code just calls vajra_collection_add. */
#define vajra_collection_add vajra_collection_add_v1_1

/* Stage a batch (visible to search after commit; every field is copied). All or nothing: every
 * document is checked first (id present and valid UTF-8, title/text valid UTF-8 unless the
 * analyzer repairs it, vector present with the right dimension, finite, squared norm at most
 * FLT_MAX/4, non-zero under cosine; no id twice in the batch, none live or staged already).
 * Errors name the document: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE, VAJRA_ERR_DUPLICATE (use
 * upsert to replace), VAJRA_ERR_ENCODING, VAJRA_ERR_INVALID_ARGUMENT (missing vector, NULL id),
 * VAJRA_ERR_STATE (a collection opened read-only). Thread-safe (serialised with other writes). */
VAJRA_API vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch,
                                            VajraError *err);

/* Make everything staged searchable at once: builds the staged documents into a new segment,
 * applies staged deletes, and publishes the new state with one pointer swap (searches running
 * meanwhile keep the state they started with). On a writable file the new state is saved
 * durably (fsync, atomic rename) before it is published and before this returns. With an
 * embedder, the staged documents are embedded here (the first commit trains the model first:
 * a training error, e.g. VAJRA_ERR_INVALID_ARGUMENT for a corpus too small for the dimension,
 * leaves everything staged and the model untrained). Nothing staged:
 * does nothing (idempotent); a read-only collection: nothing to do. On error nothing changes and
 * the staged writes stay staged. Errors: the plugins' build errors, the storage's save errors,
 * VAJRA_ERR_NO_MEMORY. Thread-safe (serialised with other writes). */
VAJRA_API vajra_status vajra_collection_commit(VajraCollection *c, VajraError *err);

/* Save the committed state as one container at `path` through the storage plugin
 * `storage_plugin` (NULL = "storage-file"; both write identical bytes). Atomic: on any error
 * `path` is untouched. Same operations and parameters → same bytes, whatever the thread count.
 * Errors: VAJRA_ERR_STATE (staged writes: commit first), the storage and index plugins' errors.
 * Thread-safe (serialised with writes). */
VAJRA_API vajra_status vajra_collection_save(VajraCollection *c, const char *path,
                                             const char *storage_plugin, VajraError *err);

/* Open a saved collection read-only through `storage_plugin` (NULL = "storage-mmap": zero copy;
 * vajra_collection_open_ex opens it writable). The plugins named in the file are loaded from
 * `reg`.
 * Caller owns *out. Errors: the storage plugin's (VAJRA_ERR_NOT_FOUND, VAJRA_ERR_IO,
 * VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION), VAJRA_ERR_CORRUPT (bad meta or titles, or the indexes
 * disagree on the document count), VAJRA_ERR_NOT_FOUND (a plugin the file needs is missing),
 * the index plugins' load errors, VAJRA_ERR_NO_MEMORY. Every message starts with the path. */
VAJRA_API vajra_status vajra_collection_open(VajraRegistry *reg, const char *path,
                                             const char *storage_plugin, VajraCollection **out,
                                             VajraError *err);

/* The committed state as sections written into any section writer (to embed a collection in a
 * container of your own); what vajra_collection_save writes, without the container.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, the writer's and the index plugins' errors. Thread-safe. */
VAJRA_API vajra_status vajra_collection_write_sections(VajraCollection *c,
                                                       const VajraSectionWriter *w,
                                                       VajraError *err);

/* Open a collection (read-only) from sections held elsewhere. The indexes may point into the
 * reader's bytes (zero copy), so they must outlive the collection. Every section is validated as
 * by vajra_collection_open. Caller owns *out. Errors: as vajra_collection_open. */
VAJRA_API vajra_status vajra_collection_open_sections(VajraRegistry *reg,
                                                      const VajraSectionReader *r,
                                                      VajraCollection **out, VajraError *err);

/* Free the indexes, the scorer instance, the container and the plugin references. NULL is fine.
 * Free every retriever made from the collection first. */
VAJRA_API void vajra_collection_free(VajraCollection *c);

/* ---- documents ---- */

/* The collection's embedder plugin name ("embedder-lsa"), or NULL when its vectors come with the
 * documents (or it has none). When `model` is not NULL it gets the embedder's one-line
 * description ("lsa dim=256 vocab=2870 docs=1400 ...") once the model is trained (first commit)
 * or loaded, else NULL. Borrowed: valid as long as the collection. Thread-safe. */
VAJRA_API const char *vajra_collection_embedder(const VajraCollection *c, const char **model);


/* Fill *out. Set out->struct_size first: a smaller size (a caller built against an older header)
 * gets the fields that fit and nothing beyond them is written; 0 writes nothing. Thread-safe
 * with readers (the strings live as long as the collection, vector_kv until a promote).
 * ABI note: ABI 1.0's VajraCollectionInfo had no struct_size (its first field was doc_count), so
 * this header maps the name to vajra_collection_info_v1_1; the symbol vajra_collection_info
 * stays for binaries built against 1.0 and fills the 1.0 layout. */
#define vajra_collection_info vajra_collection_info_v1_1
VAJRA_API void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo *out);
/* The attribute schema (declared at create, or inferred from the first batch with attributes);
 * NULL while there is none. Borrowed: lives as long as the collection. Thread-safe. */
VAJRA_API const struct VajraAttrSchema *vajra_collection_schema(const VajraCollection *c);
/* Live committed documents. Thread-safe. */
VAJRA_API uint32_t vajra_collection_count(const VajraCollection *c);
/* External id / title ("" when it had none) of document number `doc` of the current snapshot
 * (deleted documents keep their numbers until a compaction); NULL when doc is out of range.
 * Borrowed: valid until a compaction or a commit drops its segment, or free — with concurrent
 * writers use the one-call search, whose results pin their snapshot. */
VAJRA_API const char *vajra_collection_doc_id(const VajraCollection *c, uint32_t doc);
VAJRA_API const char *vajra_collection_doc_title(const VajraCollection *c, uint32_t doc);
/* Number of the live document with external id `id` in the current snapshot.
 * Errors: VAJRA_ERR_NOT_FOUND. Thread-safe. */
VAJRA_API vajra_status vajra_collection_doc_number(const VajraCollection *c, const char *id,
                                                   uint32_t *out, VajraError *err);

/* The indexes and their vtables, for tools that measure or check them (bench, parity).
 * Borrowed; *index is the single segment's index, NULL when the collection has no vector side,
 * no segment, or several (compact it first). Valid until the next commit or compaction. */
VAJRA_API const VajraLexicalVtable *vajra_collection_lexical(const VajraCollection *c,
                                                             const VajraLexicalIndex **index);
VAJRA_API const VajraVectorVtable *vajra_collection_vector(const VajraCollection *c,
                                                           const VajraVectorIndex **index);

/* ---- retrievers (morphisms; each owns a search scratch: one thread at a time) ---- */

/* Each apply searches the snapshot current at that moment, fanning out over its segments and
 * merging exactly (as the one-call search does); hits carry that snapshot's document numbers.
 * A hybrid pipeline's two sides each pin their own snapshot, so with concurrent commits they may
 * see different states: use the one-call search there (one snapshot per search).
 *
 * lexical : text_query → hits, the top query.k documents under the collection's scorer.
 * Caller owns the reference. Errors: VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_collection_lexical_retriever(VajraCollection *c,
                                                          VajraMorphism **out, VajraError *err);

/* vector : vector_query → hits, the top query.k by the vector index's search with effort ef (HNSW:
 * beam width; 0 = the index's default), or by exact scan when ef == VAJRA_EF_EXACT.
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

/* ==== Live collections: writes at any time, snapshots for readers ====
 *
 * A collection is a list of immutable *segments* (each a lexical index, a vector index, the
 * documents' ids, titles, texts and a tombstone bitmap) behind a reference-counted *snapshot*.
 * Writers stage adds, upserts and deletes; `commit` turns what was staged into a new segment plus
 * new tombstones and publishes a new snapshot with one pointer swap, so a batch is never half
 * visible. Searches pin the snapshot current when they start and see it to the end (readers never
 * wait for writers: the only lock a reader takes guards the pointer swap). `compact` merges the
 * segments into one without the deleted documents (and `promote` does the same with a new vector
 * profile); both build in the calling thread without blocking readers or the writer, then swap.
 *
 * Document numbers (VajraHit.doc) are relative to a snapshot: segment i's documents follow those
 * of segments 0 .. i-1 (deleted ones keep their numbers until a compaction). Use the one-call
 * search below, whose results carry ids and titles, when writes may run concurrently.
 *
 * Lexical statistics (document count, average length, document frequencies) are collection-wide:
 * summed over the segments for every query, so several segments score as one index; they count
 * deleted documents until the next compaction, as Lucene's do. After `compact` the collection
 * answers exactly as a fresh build over its live documents (docs/live.md).
 *
 * Thread-safety: add, upsert, delete and commit may be called from any thread; they serialise
 * on the collection's writer lock. compact and promote may run in another thread at the same
 * time (one at a time; they take the writer lock only to swap). Searches (one-call, searchers,
 * retrievers) run concurrently with all of them. */

/* How to open a collection file. Zero-initialise and set struct_size. */
typedef struct VajraOpenOptions {
    uint32_t struct_size;       /* sizeof(VajraOpenOptions) */
    uint32_t writable;          /* 1 = take the file's writer lock and allow writes; commit then
                                 * saves the file durably (fsync) before it returns */
    const char *storage_plugin; /* NULL = "storage-mmap" */
    uint32_t threads;           /* vector build threads for new segments; 0 = available cores */
} VajraOpenOptions;

/* Open a saved collection (read-only or writable). A writable open takes an exclusive lock on
 * "<path>.lock" (flock: released by the kernel when the process dies, so a crash-left lock file
 * does not block) and removes stale "<path>.tmp.*" files left by a killed writer.
 * Errors: as vajra_collection_open, plus VAJRA_ERR_BUSY (another writer holds the collection; the
 * message names it), VAJRA_ERR_IO (the lock file cannot be created). Caller owns *out. */
VAJRA_API vajra_status vajra_collection_open_ex(VajraRegistry *reg, const char *path,
                                                const VajraOpenOptions *opts,
                                                VajraCollection **out, VajraError *err);

/* Stage documents to add (invisible until commit). All or nothing; every field is copied.
 * An id already live in the collection or already staged is VAJRA_ERR_DUPLICATE (use upsert to
 * replace). Errors: as vajra_collection_add before, VAJRA_ERR_STATE (read-only). */
/* (vajra_collection_add, declared above, has these semantics on every collection.) */

/* Stage documents that replace the live documents with the same ids (or are added when there is
 * none). The replaced documents disappear and the new ones appear at the same commit. Errors: as
 * add (a duplicate id *within* the batch is VAJRA_ERR_DUPLICATE). */
VAJRA_API vajra_status vajra_collection_upsert(VajraCollection *c, const VajraDocBatch *batch,
                                               VajraError *err);

/* Stage the deletion of documents by external id (committed or staged ones). All or nothing:
 * an id that is neither live nor staged is VAJRA_ERR_NOT_FOUND naming it and the collection, and
 * nothing is staged. Errors: VAJRA_ERR_STATE (read-only), VAJRA_ERR_INVALID_ARGUMENT. */
VAJRA_API vajra_status vajra_collection_delete(VajraCollection *c, const char *const *ids,
                                               size_t count, VajraError *err);

/* What compact / promote build. Zero-initialise and set struct_size. */
typedef struct VajraCompactOptions {
    uint32_t struct_size;    /* sizeof(VajraCompactOptions) */
    const char *profile;     /* promote only: the new vector profile; NULL = keep */
    uint32_t M, ef_construction, ef_search; /* promote only: 0 = the profile's (or current) value */
    uint32_t threads;        /* build threads; 0 = the collection's */
    uint32_t max_segments;   /* compact only: 0 = merge everything into one segment; N = merge
                              * only the consecutive run of segments with the fewest live
                              * documents that brings the count down to N (nothing when it is
                              * already at most N) — a merge policy for a maintenance thread */
    /* Added after 1.0 (a smaller struct_size leaves them NULL/0). Promote only: more build keys
     * of the vector plugin, as `vajra index --vector-param` takes them (vector-hnsw: storage
     * auto|f32|f16|sq8, rerank 0|1, seed), applied last: they override the collection's current
     * keys and the profile's values, and later segments are built with them too. With a plugin
     * that has profiles, "profile", "M", "ef_construction" and "ef_search" are refused here
     * (VAJRA_ERR_INVALID_ARGUMENT): they have the fields above. A plugin without profiles
     * (vector-flat; vector-ivf: nlist, nprobe, ...) promotes through these keys alone. Borrowed
     * for the call (the collection keeps copies). */
    const VajraKeyValue *vector_params;
    size_t n_vector_params;
} VajraCompactOptions;

/* Merge every committed segment into one, dropping deleted documents (their postings, vectors,
 * texts). Works on the committed state: staged writes stay staged. With a writable file, the
 * compacted state is saved durably before the call returns. Builds without blocking readers or the writer; writes committed meanwhile
 * are kept (they stay as newer segments; their deletes reach the merged one).
 * Errors: VAJRA_ERR_STATE (read-only), VAJRA_ERR_UNSUPPORTED (a segment from a format-1 file has
 * no stored texts), VAJRA_ERR_INVALID_ARGUMENT (opts->vector_params given: they need promote),
 * the plugins' and storage's errors. opts may be NULL. */
VAJRA_API vajra_status vajra_collection_compact(VajraCollection *c,
                                                const VajraCompactOptions *opts,
                                                VajraError *err);

/* Compact with new vector parameters (profile and/or M, ef_construction, ef_search, and/or other
 * build keys in vector_params, e.g. {"storage", "sq8"}), which also apply to every later segment:
 * "instant now, quality when the rebuild is done", "f32 rows now, sq8 when memory matters". Every
 * current key not given is kept. Errors: as compact, VAJRA_ERR_NOT_FOUND (unknown profile),
 * VAJRA_ERR_STATE (no vector side), VAJRA_ERR_INVALID_ARGUMENT (an unknown key or a bad value in
 * vector_params, the message naming the key — the plugin's create_kv decides), VAJRA_ERR_UNSUPPORTED
 * (vector_params given to a plugin without create_kv, vtable version < 3). On any error the
 * collection is unchanged (parameters, segments, file). vajra_collection_compact refuses a
 * non-empty vector_params (VAJRA_ERR_INVALID_ARGUMENT) rather than ignore it. */
VAJRA_API vajra_status vajra_collection_promote(VajraCollection *c,
                                                const VajraCompactOptions *opts,
                                                VajraError *err);

/* Segment-level facts for `vajra info`. */
typedef struct VajraCollectionCounts {
    uint32_t struct_size;  /* sizeof(VajraCollectionCounts) */
    uint32_t segments;     /* committed segments */
    uint64_t generation;   /* commits since creation (saved in the file) */
    uint32_t live;         /* live committed documents */
    uint32_t deleted;      /* deleted documents still held by segments (until compaction) */
    uint32_t staged_adds;  /* staged, not yet committed */
    uint32_t staged_deletes;
    uint32_t writable;     /* 1 when writes are allowed */
} VajraCollectionCounts;

/* Fill *out (set out->struct_size first; a smaller size gets the fields that fit).
 * Thread-safe. */
VAJRA_API void vajra_collection_counts(const VajraCollection *c, VajraCollectionCounts *out);

/* ==== One call to search ==== */

typedef enum VajraSearchMode {
    VAJRA_MODE_AUTO = 0,    /* hybrid when both text and vector are given, else the one given */
    VAJRA_MODE_LEXICAL = 1,
    VAJRA_MODE_VECTOR = 2,
    VAJRA_MODE_HYBRID = 3
} VajraSearchMode;

typedef enum VajraFusionKind {
    VAJRA_FUSE_RRF = 0,     /* reciprocal rank fusion, rrf_k (0 = 60) */
    VAJRA_FUSE_MINMAX = 1,  /* convex combination after min-max normalisation */
    VAJRA_FUSE_ZSCORE = 2   /* convex combination after z-score normalisation */
} VajraFusionKind;

/* Hybrid search's default candidates per side when the request leaves depth at 0: max(k, this).
 * 50, not 100 (Vajra 1.0): on Cranfield's 225 judged queries RRF nDCG@10 is 0.3998 at depths
 * 50, 100 and 200 alike (0.3974 at 30, 0.3954 at 10), and halving the lexical side's top-k and
 * the fusion work takes ~20 % off a hybrid query (docs/benchmarks.md, "Hybrid depth"). Results at depth 50 differ
 * from depth 100 ones (RRF ranks documents deep in both lists); pass depth = 100 for the old. */
#define VAJRA_HYBRID_DEPTH_DEFAULT 50u

/* A search. Zero-initialise, set struct_size, then what you need. */
typedef struct VajraSearchRequest {
    uint32_t struct_size;   /* sizeof(VajraSearchRequest) */
    uint32_t mode;          /* VajraSearchMode */
    const char *text;       /* lexical query (UTF-8); NULL when none */
    const float *vector;    /* query vector (dim floats); NULL when none. NULL in mode VECTOR or
                             * HYBRID with a text, on a collection with an embedder: the text
                             * is embedded (AUTO with only a text stays lexical) */
    uint32_t dim;
    uint32_t k;             /* hits wanted; 0 = 10 */
    uint32_t ef;            /* vector search effort (HNSW beam width); 0 = the index's;
                             * VAJRA_EF_EXACT = exact scan */
    uint32_t depth;         /* hybrid: candidates per side; 0 = max(k,
                             * VAJRA_HYBRID_DEPTH_DEFAULT) */
    uint32_t fusion;        /* VajraFusionKind */
    double rrf_k;           /* RRF constant; 0 = 60 */
    double weight;          /* convex: weight of the lexical side in [0, 1]; the vector side
                             * gets 1 - weight. Used only by MINMAX/ZSCORE; 0 with them = 0.5 */
    const struct VajraFilterExpr *filter; /* only documents passing it (vajra/filter_expr.h:
                             * vajra_filter_parse("lang = \"en\" AND year >= 2020")); NULL =
                             * all. Applied inside both searches, before fusion. Borrowed. */
    uint32_t with_attrs;    /* 1 = fill VajraResult.attrs */
    const struct VajraQueryStats *stats; /* lexical statistics to score with instead of this
                             * collection's own (e.g. summed over the shards of a distributed
                             * collection: see vajra_collection_query_stats); NULL = the
                             * collection-wide statistics of this collection. Borrowed. */
} VajraSearchRequest;

/* One result. Strings borrowed from the snapshot the results pin (valid until
 * vajra_results_clear). `doc` is the snapshot-relative document number. */
typedef struct VajraResult {
    const char *id;
    const char *title; /* "" when the document had none */
    float score;
    uint32_t doc;
    const char *attrs; /* with_attrs: the document's attributes as a JSON object ("{}" when
                        * none); NULL otherwise. Owned by the results. */
} VajraResult;

/* Results of one search. Zero-initialise before first use; reuse across searches (the array is
 * kept, so a warm VajraResults does not allocate). Release with vajra_results_clear. */
typedef struct VajraResults {
    VajraResult *items;
    size_t count;
    size_t capacity;
    void *pin;       /* the snapshot the strings live in (internal) */
    char *text;      /* attribute texts (internal) */
    size_t text_cap; /* (internal) */
} VajraResults;

/* Release the array and the snapshot pin; leaves an empty, reusable value. NULL is fine. */
VAJRA_API void vajra_results_clear(VajraResults *results);

/* The lexical statistics one query needs, as plain arrays so that the statistics of several
 * collections (the shards of one distributed collection) can be summed element by element:
 * two collections with the same analyzer give the same `terms` in the same order for the same
 * text, so summing doc_count, total_length, doc_freq[i] and coll_freq[i] gives the statistics of
 * their union. Deleted documents count until a compaction (as within one collection). */
typedef struct VajraQueryStats {
    uint32_t struct_size;  /* sizeof(VajraQueryStats) */
    uint32_t reserved;
    uint64_t doc_count;    /* N */
    uint64_t total_length; /* Σ document lengths */
    size_t n_terms;
    char **terms;          /* the query's distinct analysed terms, in first-occurrence order */
    uint64_t *doc_freq;    /* per term */
    uint64_t *coll_freq;   /* per term */
} VajraQueryStats;

/* Fill *out with this collection's statistics for `text` (summed over its segments, as of the
 * committed state current at the call). Caller owns the arrays (vajra_query_stats_clear).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_ENCODING, VAJRA_ERR_NO_MEMORY. Thread-safe. */
VAJRA_API vajra_status vajra_collection_query_stats(VajraCollection *c, const char *text,
                                                    VajraQueryStats *out, VajraError *err);
/* Free the arrays; leaves an empty value. NULL is fine. */
VAJRA_API void vajra_query_stats_clear(VajraQueryStats *stats);

/* A reusable per-thread search handle (scratch for every index, fusion buffers): the fast way to
 * run many searches. One thread at a time per searcher; any number of searchers per collection.
 * Free it before the collection. Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY. */
typedef struct VajraSearcher VajraSearcher;
VAJRA_API vajra_status vajra_searcher_new(VajraCollection *c, VajraSearcher **out,
                                          VajraError *err);
VAJRA_API void vajra_searcher_free(VajraSearcher *s);

/* Search the committed state current at the call. Replaces *results (its old pin is released).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (no text and no vector, a mode whose query is missing,
 * bad fusion or weight), VAJRA_ERR_STATE (an embedder not trained yet: nothing committed), the
 * embedder's errors, VAJRA_ERR_NOT_FOUND / VAJRA_ERR_TYPE_MISMATCH (the filter names a field
 * the collection's schema lacks, or compares it with a value of another type), VAJRA_ERR_STATE ("this collection has no vectors"),
 * VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE, VAJRA_ERR_ENCODING, VAJRA_ERR_NO_MEMORY. On error
 * *results is left empty. */
VAJRA_API vajra_status vajra_searcher_search(VajraSearcher *s, const VajraSearchRequest *req,
                                             VajraResults *results, VajraError *err);

/* The same with a searcher made and freed inside the call (simplest; allocates per call).
 * Thread-safe. */
VAJRA_API vajra_status vajra_collection_search(VajraCollection *c, const VajraSearchRequest *req,
                                               VajraResults *results, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_COLLECTION_H */
