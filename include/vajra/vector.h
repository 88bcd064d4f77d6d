/* Vajra — the vector-index plugin interface and the core's reference HNSW traversal.
 *
 * A vector plugin (kind VAJRA_PLUGIN_VECTOR: "vector-hnsw", "vector-flat", …) exports a
 * VajraVectorVtable describing *a vector index*: any structure that stores rows of `dim` floats
 * and answers top-k queries. Its build and search parameters are key/value strings
 * (vajra/params.h) that the plugin documents and validates (create_kv, params_kv); a structure
 * worth inspecting (an HNSW graph) is offered through an optional named interface (interface).
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
#include "vajra/filter.h"
#include "vajra/params.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Growth. The vtable only grows at its end; `version` says how far the plugin's vtable reaches.
 * Version 2 added search_filtered; version 3 added create_kv, params_kv, interface and
 * get_vector. A caller checks VAJRA_VECTOR_HAS(vt, since, slot) — the plugin's version reaches
 * `since` and the slot is non-NULL — before every call of a slot added after version 1 and of
 * every slot marked optional (then a missing slot is VAJRA_ERR_UNSUPPORTED, never a crash).
 * Plugins built against an older version keep working without the newer slots.
 *
 * Required of every plugin: destroy, add, count, params, search_new, search_free, search,
 * search_exact, save, load, and a way to create — create (version 1) or create_kv (version 3).
 * Optional: profile, graph, search_filtered, create_kv, params_kv, interface, get_vector.
 * (vajra_vector_vtable_check tests this once after loading.) */
#define VAJRA_VECTOR_VTABLE_VERSION 3

#define VAJRA_VECTOR_HAS(vt, since, slot)                                                      \
    ((vt) != NULL && (vt)->version >= (since) && (vt)->slot != NULL)

/* The named interface of an HNSW graph (interface(index, VAJRA_VECTOR_IFACE_HNSW_GRAPH, &g)
 * fills a VajraHnswGraph). */
#define VAJRA_VECTOR_IFACE_HNSW_GRAPH "hnsw-graph"

typedef enum VajraMetric {
    VAJRA_METRIC_L2 = 1,     /* squared Euclidean distance; score = −distance */
    VAJRA_METRIC_IP = 2,     /* inner product; score = q·x */
    VAJRA_METRIC_COSINE = 3  /* cosine: unit-normalised on insert and per query; score = cos */
} VajraMetric;

/* HNSW index parameters (the version-1 create). Fill them from a profile (vtable->profile) and
 * adjust, or set every field. Other indexes take key/value parameters (create_kv); their params
 * slot reports dim and metric, ef_search as the default search effort (0 when the index has no
 * search knob), and M = ef_construction = seed = 0. */
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

/* The profile slot's signature. */
typedef vajra_status (*VajraVectorProfileFn)(const char *name, uint32_t dim, VajraMetric metric,
                                             VajraVectorParams *params, VajraError *err);

typedef struct VajraVectorVtable {
    uint32_t version; /* VAJRA_VECTOR_VTABLE_VERSION */

    /* Optional (NULL: the plugin has no profiles; create_kv's defaults apply).
     * Fill *params with a named profile ("quality", "fast", "instant") for `dim` and `metric`.
     * docs/vector.md lists each profile's settings and the recall it reaches.
     * Errors: VAJRA_ERR_NOT_FOUND (unknown name), VAJRA_ERR_INVALID_ARGUMENT. Thread-safe. */
    vajra_status (*profile)(const char *name, uint32_t dim, VajraMetric metric,
                            VajraVectorParams *params, VajraError *err);

    /* Create an empty index from HNSW-style parameters. `plugin_state` is
     * vajra_plugin_state(plugin). Caller owns *out (free with destroy). NULL for a plugin that
     * only offers create_kv. Errors: VAJRA_ERR_INVALID_ARGUMENT (bad params), VAJRA_ERR_NO_MEMORY. */
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

    /* Approximate top-k. `ef` is the plugin's one search-effort knob, documented per plugin
     * (HNSW: beam width, ef < k is raised to k; IVF: lists probed; flat: ignored, always exact);
     * 0 = the index's default (params().ef_search). HNSW: beam search of width ef. Replaces out's contents with min(k, count) hits, canonical order (an empty
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

    /* Save as sections named "<plugin>.*" (HNSW: "hnsw.*"). The bytes depend only on the inserted vectors, their
     * batches and the parameters — never on thread counts. Errors: the writer's. */
    vajra_status (*save)(const VajraVectorIndex *index, const VajraSectionWriter *writer,
                         VajraError *err);
    /* Load an index from sections. Every offset and id is validated first. The index keeps
     * pointers into the reader's bytes (zero copy), so those must outlive it; adding to a loaded
     * index first copies its arrays. Errors: VAJRA_ERR_NOT_FOUND (section missing),
     * VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*load)(void *plugin_state, const VajraSectionReader *reader,
                         VajraVectorIndex **out, VajraError *err);

    /* Optional (NULL for indexes that are not graphs; version-3 callers prefer
     * interface(VAJRA_VECTOR_IFACE_HNSW_GRAPH)). The graph accessor for the reference traversal.
     * Errors: VAJRA_ERR_INVALID_ARGUMENT. */
    vajra_status (*graph)(const VajraVectorIndex *index, VajraHnswGraph *out, VajraError *err);

    /* ---- version 2 (optional) ---- */

    /* Top-k among the documents passing `filter` (NULL = all). The traversal still walks through
     * nodes that fail the filter (keeping the graph connected) but only passing nodes enter the
     * result set; when few documents pass (the plugin's planner decides from filter->passing;
     * docs/vector.md gives the measured threshold) it scans the passing documents exactly
     * instead. ef == VAJRA_EF_EXACT (UINT32_MAX) always scans exactly. Fewer than k hits only
     * when fewer than k documents pass (or part of a crafted graph is unreachable).
     * Errors: as search. Thread-safety: as search. */
    vajra_status (*search_filtered)(const VajraVectorIndex *index, VajraVectorSearch *ctx,
                                    const VajraVectorQuery *query, uint32_t ef,
                                    const VajraDocFilter *filter, VajraHits *out,
                                    VajraError *err);

    /* ---- version 3 (optional) ---- */

    /* Create an empty index of `dim` (1 .. 65536) and `metric` from key/value parameters
     * (n may be 0: every key has a default). The plugin documents its keys (docs/vector.md),
     * refuses unknown keys and bad values, and copies what it keeps (strings are borrowed for
     * the call). HNSW: profile (quality|fast|instant, default fast, applied first), M,
     * ef_construction, ef_search, seed. Caller owns *out (destroy).
     * Errors: VAJRA_ERR_INVALID_ARGUMENT (naming the key), VAJRA_ERR_NOT_FOUND (unknown
     * profile), VAJRA_ERR_NO_MEMORY. Thread-safe (creates a new object). */
    vajra_status (*create_kv)(void *plugin_state, uint32_t dim, VajraMetric metric,
                              const VajraKeyValue *params, size_t n, VajraVectorIndex **out,
                              VajraError *err);
    /* The index's effective parameters as key/value strings: every key create_kv knows, with
     * the value in force (defaults resolved), such that create_kv with exactly these gives an
     * index that builds the same bytes. Writes the first min(cap, total) into out (out may be
     * NULL when cap == 0) and returns the total. Strings are borrowed from the index: valid
     * until it is modified or destroyed. Never fails. Thread-safe (reads only). */
    size_t (*params_kv)(const VajraVectorIndex *index, VajraKeyValue *out, size_t cap);
    /* An optional named interface of the index: fills *out, a struct of the type the name
     * stands for whose first field is uint32_t struct_size, set by the caller (a smaller size
     * gets the fields that fit). Known names: VAJRA_VECTOR_IFACE_HNSW_GRAPH (VajraHnswGraph).
     * What it fills is borrowed from the index (valid until it is modified or freed).
     * Errors: VAJRA_ERR_UNSUPPORTED (this index offers no such interface),
     * VAJRA_ERR_INVALID_ARGUMENT. Thread-safe (reads only). */
    vajra_status (*interface)(const VajraVectorIndex *index, const char *name, void *out,
                              VajraError *err);
    /* Copy the stored vector of document `doc` into out (dim floats): what the index compares
     * against — unit length under cosine, rounded as stored (e.g. f16 storage). Compaction
     * reads vectors back with it (or with the graph accessor when absent).
     * Errors: VAJRA_ERR_INVALID_ARGUMENT (doc >= count, NULL). Thread-safe (reads only). */
    vajra_status (*get_vector)(const VajraVectorIndex *index, uint32_t doc, float *out,
                               VajraError *err);
} VajraVectorVtable;

/* ---- Core functions (libvajra-core) ---- */

/* Check a vector vtable once after loading its plugin: version >= 1, the required slots
 * non-NULL, and a way to create (create, or create_kv from version 3).
 * Errors: VAJRA_ERR_ABI_MISMATCH naming what is missing. Pure; thread-safe. */
VAJRA_API vajra_status vajra_vector_vtable_check(const VajraVectorVtable *vt, VajraError *err);

/* The HNSW-style keys as VajraVectorParams: *p from `profile` (key "profile", default "fast"),
 * then the keys M, ef_construction, ef_search, seed override it (ranges are left to the
 * plugin's create). `who` names the caller in messages. For plugins that keep HNSW-style
 * parameters (vector-hnsw's create_kv uses it).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (unknown key, not a number), VAJRA_ERR_UNSUPPORTED
 * (profile NULL), the profile's (VAJRA_ERR_NOT_FOUND). Thread-safe. */
VAJRA_API vajra_status vajra_vector_params_from_kv(VajraVectorProfileFn profile, uint32_t dim,
                                                   VajraMetric metric, const VajraKeyValue *kv,
                                                   size_t n, const char *who,
                                                   VajraVectorParams *p, VajraError *err);

/* Create an empty index through whichever create the plugin offers: create_kv when it has one;
 * otherwise the version-1 create with VajraVectorParams built from the keys profile (default
 * "fast"; needs the profile slot), M, ef_construction, ef_search and seed (unknown keys are
 * refused). Caller owns *out (vt->destroy). Errors: as create / create_kv, and
 * VAJRA_ERR_UNSUPPORTED (no usable create). Thread-safe. */
VAJRA_API vajra_status vajra_vector_create(const VajraVectorVtable *vt, void *plugin_state,
                                           uint32_t dim, VajraMetric metric,
                                           const VajraKeyValue *params, size_t n,
                                           VajraVectorIndex **out, VajraError *err);

/* The graph accessor of an index, if it has one: interface(VAJRA_VECTOR_IFACE_HNSW_GRAPH) from
 * version 3, else the graph slot. Set out->struct_size first. Errors: VAJRA_ERR_UNSUPPORTED
 * (the plugin offers no graph), the plugin's. Thread-safe (reads only). */
VAJRA_API vajra_status vajra_vector_graph(const VajraVectorVtable *vt,
                                          const VajraVectorIndex *index, VajraHnswGraph *out,
                                          VajraError *err);

/* Write src scaled to unit L2 norm into dst (may alias src): the one definition of cosine
 * normalisation that both the plugin and the reference use (norm accumulated in double, in
 * index order; each component divided by the float norm). Returns VAJRA_ERR_BAD_VALUE (dst
 * untouched) when the norm is zero or not finite. Thread-safe. */
VAJRA_API vajra_status vajra_vector_normalize(const float *src, float *dst, uint32_t dim,
                                              VajraError *err);

/* The exact reference for any vector index: every stored vector (read back with get_vector, so
 * as the index stores it) scored against the query with the core's scalar distances
 * (vajra_ref_l2sq: score = −distance; vajra_ref_dot: score = q·x, the query normalised first
 * under cosine), documents failing `filter` (NULL = all) skipped, the best query->k in canonical
 * order. Allocates per call; meant for tests and `vajra parity`, not for speed. Replaces out's
 * contents. Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_UNSUPPORTED (no get_vector),
 * VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE (zero query under cosine), VAJRA_ERR_NO_MEMORY, the
 * plugin's. Thread-safe (reads the index only). */
VAJRA_API vajra_status vajra_reference_exact_search(const VajraVectorVtable *vt,
                                                    const VajraVectorIndex *index,
                                                    const VajraVectorQuery *query,
                                                    const VajraDocFilter *filter,
                                                    VajraHits *out, VajraError *err);

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

/* The reference HNSW search restricted to a filter (NULL = all): the same descent and beam search
 * as vajra_reference_hnsw_search, except that only nodes passing the filter enter the result set
 * (every node may still enter the candidate queue), the set counts as full when it holds
 * max(ef, k) passing nodes, and the answer is its best k. With ef == UINT32_MAX it is the exact
 * scan of the passing nodes. Same errors and thread-safety as the unfiltered reference. */
VAJRA_API vajra_status vajra_reference_hnsw_search_filtered(const VajraHnswGraph *graph,
                                                            const VajraVectorQuery *query,
                                                            uint32_t ef,
                                                            const VajraDocFilter *filter,
                                                            VajraHits *out, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_VECTOR_H */
