/* Vajra — the vector-index plugin interface (HNSW) and the core's reference HNSW traversal.
 *
 * A vector plugin (kind VAJRA_PLUGIN_VECTOR, e.g. "vector-hnsw") exports a VajraVectorVtable.
 * It receives the chosen distance kernel at init (VajraHost.kernel) and uses it for every
 * distance it computes; it never loads another plugin.
 *
 * Distances and scores. Internally a smaller distance is better:
 *   VAJRA_METRIC_L2      distance = Σ (qᵢ − xᵢ)²          score = −distance  (= −squared L2)
 *   VAJRA_METRIC_IP      distance = −Σ qᵢxᵢ                score = q·x
 *   VAJRA_METRIC_COSINE  vectors and queries are normalised to unit length first (on insert and
 *                        per query), then as IP:           score = cos(q, x)
 * So a hit's score is always "higher is better" and hits are ordered by score descending, ties
 * by ascending document number (the insertion order, 0-based) — the canonical VajraHits order.
 *
 * Thread-safety (per object):
 *   - an index may be searched from many threads at once, each thread with its own
 *     VajraVectorSearch context; the read path takes no lock and does not allocate (a context
 *     grows its scratch only when the index has grown or a query needs a larger beam than any
 *     before it in that context);
 *   - adding vectors needs exclusive access (one writer, no concurrent readers); a batch add may
 *     use several threads internally and still builds the same graph for any thread count;
 *   - save needs no writer running; load creates a new index.
 */
#ifndef VAJRA_VECTOR_H
#define VAJRA_VECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_VECTOR_VTABLE_VERSION 1

typedef enum VajraMetric {
    VAJRA_METRIC_L2 = 1,     /* squared Euclidean distance; score = −distance */
    VAJRA_METRIC_IP = 2,     /* inner product; score = q·x */
    VAJRA_METRIC_COSINE = 3  /* cosine: unit-normalised on insert and per query; score = cos */
} VajraMetric;

/* Index parameters. Fill them from a profile (vtable->profile) and adjust, or set every field. */
typedef struct VajraVectorParams {
    uint32_t struct_size;     /* sizeof(VajraVectorParams) */
    uint32_t dim;             /* vector dimension, 1 .. 65536 */
    uint32_t metric;          /* VajraMetric */
    uint32_t M;               /* links per node on upper levels (2 .. 128); level 0 holds 2M */
    uint32_t ef_construction; /* beam width while inserting (>= 1) */
    uint32_t ef_search;       /* default beam width for searches that pass ef = 0 (>= 1) */
    uint64_t seed;            /* seeds the level generator (level of node n = f(seed, n)) */
} VajraVectorParams;

typedef struct VajraVectorIndex VajraVectorIndex;   /* plugin-defined, opaque */
typedef struct VajraVectorSearch VajraVectorSearch; /* per-thread search scratch, opaque */

/* The graph accessor: what the core's reference traversal (and any inspector) may see of an
 * HNSW index. Borrowed from the index: valid until the index is modified or freed. */
typedef struct VajraHnswGraph {
    uint32_t struct_size; /* sizeof(VajraHnswGraph) */
    uint32_t metric;      /* VajraMetric */
    uint32_t dim;
    uint32_t count;       /* nodes 0 .. count-1 */
    uint32_t entry;       /* entry point (meaningless when count == 0) */
    uint32_t max_level;   /* level of the entry point */
    const void *self;
    /* The level of node n (its lists exist for levels 0 .. level). */
    uint32_t (*level)(const void *self, uint32_t node);
    /* Neighbours of node n at level l (l <= level(n)): returns how many and points *ids at them
     * (borrowed). The order is the stored order; searches visit them in that order. */
    uint32_t (*neighbours)(const void *self, uint32_t node, uint32_t level, const uint32_t **ids);
    /* The stored vector of node n (dim floats; unit length under cosine). Borrowed. */
    const float *(*vector)(const void *self, uint32_t node);
} VajraHnswGraph;

typedef struct VajraVectorVtable {
    uint32_t version; /* VAJRA_VECTOR_VTABLE_VERSION */

    /* Fill *params with a named profile ("quality", "fast", "instant") for `dim` and `metric`.
     * docs/vector.md lists each profile's settings and the recall it reaches.
     * Errors: VAJRA_ERR_NOT_FOUND (unknown name), VAJRA_ERR_INVALID_ARGUMENT. Thread-safe. */
    vajra_status (*profile)(const char *name, uint32_t dim, VajraMetric metric,
                            VajraVectorParams *params, VajraError *err);

    /* Create an empty index. `plugin_state` is vajra_plugin_state(plugin). Caller owns *out
     * (free with destroy). Errors: VAJRA_ERR_INVALID_ARGUMENT (bad params), VAJRA_ERR_NO_MEMORY. */
    vajra_status (*create)(void *plugin_state, const VajraVectorParams *params,
                           VajraVectorIndex **out, VajraError *err);
    void (*destroy)(VajraVectorIndex *index); /* NULL is a no-op */

    /* Insert `count` vectors of `dim` floats stored contiguously (row i at vectors + i*dim).
     * They get document numbers count() .. count()+count-1, reported in *first (optional).
     * `threads` (0 = 1) worker threads build the batch; the graph is the same for any value.
     * The whole batch is validated first: on error nothing is inserted.
     * Errors: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE (NaN/Inf; zero vector under cosine),
     * VAJRA_ERR_NO_MEMORY (the index may then hold part of the batch). Exclusive access. */
    vajra_status (*add)(VajraVectorIndex *index, const float *vectors, uint32_t dim, size_t count,
                        uint32_t threads, uint32_t *first, VajraError *err);

    size_t (*count)(const VajraVectorIndex *index);
    /* The parameters the index was built with. */
    void (*params)(const VajraVectorIndex *index, VajraVectorParams *out);

    /* A search context for one thread. Caller owns it (search_free). Usable with any index of
     * this plugin. Errors: VAJRA_ERR_NO_MEMORY. */
    vajra_status (*search_new)(const VajraVectorIndex *index, VajraVectorSearch **out,
                               VajraError *err);
    void (*search_free)(VajraVectorSearch *ctx); /* NULL is a no-op */

    /* Approximate top-k by beam search with beam width ef (0 = the index's ef_search; ef < k is
     * raised to k). Replaces out's contents with min(k, count) hits, canonical order (an empty
     * index gives none) — fewer only when part of the graph is unreachable from the entry point,
     * which built graphs avoid but a crafted file that passes validation may contain. `out` is the caller's; it is grown only when its capacity < k.
     * Errors: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE (NaN/Inf; zero query under cosine),
     * VAJRA_ERR_NO_MEMORY. Thread-safe with distinct contexts. */
    vajra_status (*search)(const VajraVectorIndex *index, VajraVectorSearch *ctx,
                           const VajraVectorQuery *query, uint32_t ef, VajraHits *out,
                           VajraError *err);
    /* Exact top-k by scanning every vector (ground truth, tiny collections). Same contract. */
    vajra_status (*search_exact)(const VajraVectorIndex *index, VajraVectorSearch *ctx,
                                 const VajraVectorQuery *query, VajraHits *out, VajraError *err);

    /* Save as sections named "hnsw.*". The bytes depend only on the inserted vectors, their
     * batches and the parameters — never on thread counts. Errors: the writer's. */
    vajra_status (*save)(const VajraVectorIndex *index, const VajraSectionWriter *writer,
                         VajraError *err);
    /* Load an index from sections. Every offset and id is validated first. The index keeps
     * pointers into the reader's bytes (zero copy), so those must outlive it; adding to a loaded
     * index first copies its arrays. Errors: VAJRA_ERR_NOT_FOUND (section missing),
     * VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*load)(void *plugin_state, const VajraSectionReader *reader,
                         VajraVectorIndex **out, VajraError *err);

    /* The graph accessor for the reference traversal. Errors: VAJRA_ERR_INVALID_ARGUMENT. */
    vajra_status (*graph)(const VajraVectorIndex *index, VajraHnswGraph *out, VajraError *err);
} VajraVectorVtable;

/* ---- Core functions (libvajra-core) ---- */

/* Write src scaled to unit L2 norm into dst (may alias src): the one definition of cosine
 * normalisation that both the plugin and the reference use (norm accumulated in double, in
 * index order; each component divided by the float norm). Returns VAJRA_ERR_BAD_VALUE (dst
 * untouched) when the norm is zero or not finite. Thread-safe. */
VAJRA_API vajra_status vajra_vector_normalize(const float *src, float *dst, uint32_t dim,
                                              VajraError *err);

/* The reference HNSW search: a plain vajra_unfold over the graph accessor using the core's scalar
 * distances (vajra_ref_dot / vajra_ref_l2sq), no tuning, no reused scratch. It defines what the
 * fast search returns:
 *   - greedy descent from the entry point through levels max_level .. 1 (move to the best of
 *     the current node and its neighbours by (distance, id) until none is better);
 *   - a beam search on level 0 with width max(ef, k): repeatedly expand the closest unexpanded
 *     candidate (by (distance, id)), stopping when it is worse than the worst of a full result
 *     set; a neighbour enters when the result set is not full or it beats the worst;
 *   - the best k of the result set by (distance, id).
 * The query is normalised first under cosine. Replaces out's contents (canonical order).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE,
 * VAJRA_ERR_NO_MEMORY, VAJRA_ERR_CORRUPT (an accessor returned an id out of range).
 * Thread-safe (reads the graph only). */
VAJRA_API vajra_status vajra_reference_hnsw_search(const VajraHnswGraph *graph,
                                                   const VajraVectorQuery *query, uint32_t ef,
                                                   VajraHits *out, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_VECTOR_H */
