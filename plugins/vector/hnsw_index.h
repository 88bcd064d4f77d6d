/* vector-hnsw — the in-memory index and the functions the plugin's files share.
 *
 * Layout (each array is one saved section, so a loaded index can point straight into the
 * reader's bytes):
 *   vectors      count × stride floats, 64-byte aligned, rows padded with zeros to a multiple of
 *                16 floats (one cache line); cosine rows are unit length
 *   level0       count × (1 + 2M) uint32: [n, id₀ … id₂ₘ₋₁], unused slots zero
 *   levels       count × uint8: the top level of each node
 *   upper_index  count × uint32: first upper block of a node with level ≥ 1 (else UINT32_MAX);
 *                its level l list is block upper_index[n] + l − 1
 *   upper        blocks × (1 + M) uint32: [n, id₀ … idₘ₋₁], the sparse upper levels
 * Distances: smaller is better; L2 → squared L2, IP/cosine → −dot (see vajra/vector.h).
 *
 * Quantised storage (docs/vector.md, "Quantised vectors"), chosen when the index is created:
 *   f32   the rows above, nothing else (the default; files as before, format version 1)
 *   f16   codes = count × stride IEEE binary16 (vajra/quant.h), same padding (zeros)
 *   sq8   codes = count × stride bytes, per-dimension ranges sq8_lo/sq8_scale (dim floats each);
 *         under IP/cosine also sq8_gain, one float per row: ‖x‖ / ‖decoded x‖ (vajra_sq8_gain),
 *         by which the row's quantised scores and its decoded form are multiplied
 * The graph is always built with exact f32 distances on the input rows, so its bytes are those
 * of the f32 index for the same input; the rows are quantised after each add. Without rerank the
 * f32 rows are then freed (vectors == NULL between adds: that is the memory saving); a later add
 * decodes the stored rows back into f32 to build against (deterministic). With rerank the f32
 * rows are kept and the final beam (or the passing results of a filtered beam) is re-scored
 * exactly from them. Searches walk the graph with the kernel's quantised slots.
 */
#ifndef VAJRA_HNSW_INDEX_H
#define VAJRA_HNSW_INDEX_H

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vajra/kernel.h"
#include "vajra/types.h"
#include "vajra/vector.h"

#define HNSW_MAX_LEVEL 15      /* levels 0..15; with mult 1/ln M the cap is never the limit */
#define HNSW_ROW_ALIGN 16      /* floats per padding unit: 64 bytes */
#define HNSW_ROUND 64          /* batch nodes planned together on one snapshot */
#define HNSW_NO_BLOCK UINT32_MAX

typedef struct HnswPair {
    float d;
    uint32_t id;
} HnswPair;

/* The total order every decision uses: distance, then id. Computed as one 64-bit integer
 * comparison (branch-free in the heaps): the float's bits mapped to an order-preserving unsigned
 * value, id in the low half. `+ 0.0f` turns −0 into +0 so the two compare equal, as floats do;
 * distances are never NaN (inputs are validated finite). */
static inline uint64_t hnsw_key(HnswPair p)
{
    float d = p.d + 0.0f;
    uint32_t u;
    memcpy(&u, &d, sizeof u);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return ((uint64_t)u << 32) | p.id;
}

/* The inverse of hnsw_key (−0 comes back as +0). */
static inline HnswPair hnsw_unkey(uint64_t k)
{
    uint32_t u = (uint32_t)(k >> 32);
    u = (u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u;
    HnswPair p;
    memcpy(&p.d, &u, sizeof u);
    p.id = (uint32_t)k;
    return p;
}

static inline bool hnsw_less(HnswPair a, HnswPair b)
{
    return hnsw_key(a) < hnsw_key(b);
}

typedef struct HnswBuildCache HnswBuildCache;

/* How the rows are stored (the "storage" parameter). The values are saved: never renumber. */
typedef enum HnswStorage {
    HNSW_STORE_F32 = 0,
    HNSW_STORE_F16 = 1,
    HNSW_STORE_SQ8 = 2,
    /* "auto" (the default of create_kv): f16 while every stored row is exactly binary16, so
     * nothing is rounded; the first row that is not turns the index into f32 for good. Parsed
     * and set only: the index records it in storage_auto, never in storage. */
    HNSW_STORE_AUTO = 3
} HnswStorage;

struct VajraVectorIndex {
    VajraVectorParams params;
    /* params as key/value strings (params_kv): M, ef_construction, ef_search, seed */
    /* … and storage (f32|f16|sq8|auto), rerank (0|1), kept by hnsw_kv_refresh */
    char kv_text[6][24];
    VajraKeyValue kv[6];
    const VajraKernelOps *kernel;
    uint32_t dim, stride, metric, M, M0;
    uint32_t l0_slots;   /* 1 + M0 */
    uint32_t up_slots;   /* 1 + M */
    double level_mult;   /* 1 / ln M */

    uint32_t count;
    uint32_t capacity;   /* rows allocated in vectors/level0/levels/upper_index */
    uint32_t entry;
    int32_t max_level;   /* −1 when empty */

    float *vectors;      /* NULL between adds when quantised without rerank */
    uint32_t *level0;
    uint8_t *levels;
    uint32_t *upper_index;
    uint32_t *upper;
    uint32_t upper_blocks, upper_capacity;

    /* Quantised storage (HNSW_STORE_F32: none of these are used). codes is count × stride
     * elements of uint16_t (f16) or uint8_t (sq8), 64-byte aligned; sq8_lo/sq8_scale hold dim
     * floats each (stride floats: padding lo = scale = 0), set by the first non-empty add (later
     * rows are clamped into them). */
    uint32_t storage;    /* HnswStorage (never HNSW_STORE_AUTO) */
    bool storage_auto;   /* "auto": storage is f32 or f16 by the rows seen (hnsw_auto_storage) */
    bool rerank;         /* keep the f32 rows and re-score the final candidates from them */
    bool ranges_set;
    void *codes;
    float *sq8_lo, *sq8_scale;
    /* sq8 under IP/cosine: per row ‖x‖ / ‖decoded x‖ (capacity floats), the factor that gives the
     * decoded row its input's norm; scores and decoded rows are multiplied by it. NULL under L2,
     * and for a loaded format-2 file until the next add (then 1 for its rows). */
    float *sq8_gain;
    uint32_t gain_capacity;

    /* Decoded rows for the graph accessor (reference traversal and inspection only), built on
     * the first hnsw_graph call after a change, under decoded_lock; freed by the next add. */
    float *decoded;
    pthread_mutex_t decoded_lock;

    /* True when the arrays point into a section reader's bytes (read-only); the first add copies
     * them into owned memory. */
    bool borrowed;

    /* Build scratch reused by later adds (hnsw_build.c); NULL until the first add. */
    HnswBuildCache *build_cache;
};

/* Per-thread search scratch: the visited set stamped by epoch, the heaps, a gather buffer and
 * the (normalised) query. Grown, never shrunk; never allocated per query once warm. */
struct VajraVectorSearch {
    uint32_t *visited;
    uint32_t visited_cap;
    uint32_t epoch;
    uint64_t *cand;      /* min-heap of unexpanded candidates (hnsw_key values) */
    size_t cand_cap;
    uint64_t *res;       /* max-heap of the best results (hnsw_key values) */
    HnswPair *sorted;    /* the results in ascending order (hnsw_res_sort), res_cap entries */
    size_t res_cap;
    uint32_t *ids;       /* neighbour ids to score */
    float *dists;        /* their distances; also the exact-scan block */
    size_t buf_cap;
    float *query;        /* stride floats, 64-byte aligned */
    bool oom;            /* a candidate was dropped for want of memory (search reports it) */
    uint32_t query_cap;
    /* How distances are computed for the current query (HnswStorage; the build's contexts stay
     * HNSW_STORE_F32) and the query folded into the sq8 ranges: qaux = q∘scale (IP/cosine, with
     * qbias = Σ q_i·lo_i) or q − lo (L2), stride floats. */
    uint32_t mode;
    float qbias;
    float *qaux;
    /* The build's integer form of an IP/cosine sq8 fold (qint, set by hnsw_fold_query_s8):
     * qs8 ≈ qaux / qs8_scale in signed bytes (stride of them, 64-byte aligned), scored with the
     * kernel's dot_u8s8_gather into idots (buf_cap entries). Searches leave qint false. */
    bool qint;
    float qs8_scale;
    int8_t *qs8;
    int32_t *idots;
};

static inline const float *hnsw_vec(const VajraVectorIndex *x, uint32_t n)
{
    return x->vectors + (size_t)n * x->stride;
}

/* The list of node n at level l: [count, ids…]. */
static inline uint32_t *hnsw_links(const VajraVectorIndex *x, uint32_t n, uint32_t l)
{
    if (l == 0)
        return x->level0 + (size_t)n * x->l0_slots;
    return x->upper + ((size_t)x->upper_index[n] + l - 1) * x->up_slots;
}

static inline float hnsw_dist(const VajraVectorIndex *x, const float *a, const float *b)
{
    return x->metric == VAJRA_METRIC_L2 ? x->kernel->l2sq(a, b, x->dim)
                                        : -x->kernel->dot(a, b, x->dim);
}

/* Distances from q to the rows named by ids (out[i]). */
static inline void hnsw_dist_gather(const VajraVectorIndex *x, const float *q,
                                    const uint32_t *ids, size_t n, float *out)
{
    if (x->metric == VAJRA_METRIC_L2) {
        x->kernel->l2sq_gather(q, x->vectors, x->stride, ids, n, x->dim, out);
    } else {
        x->kernel->dot_gather(q, x->vectors, x->stride, ids, n, x->dim, out);
        for (size_t i = 0; i < n; i++)
            out[i] = -out[i];
    }
}

/* Bytes of one element of a stored row (f32, f16, sq8). */
static inline size_t hnsw_elem_size(uint32_t storage)
{
    return storage == HNSW_STORE_F16 ? 2 : storage == HNSW_STORE_SQ8 ? 1 : 4;
}

/* Where the row of node n lives under `mode` (for prefetching). */
static inline const void *hnsw_row(const VajraVectorIndex *x, uint32_t mode, uint32_t n)
{
    if (mode == HNSW_STORE_F32)
        return hnsw_vec(x, n);
    return (const char *)x->codes + (size_t)n * x->stride * hnsw_elem_size(mode);
}

/* Distances from the query to the rows named by ids under the context's mode: the f32 rows, or
 * the quantised codes through the kernel's version-2 slots (the query folded as s->qaux). */
static inline void hnsw_score_gather(const VajraVectorIndex *x, const VajraVectorSearch *s,
                                     const float *q, const uint32_t *ids, size_t n, float *out)
{
    const VajraKernelOps *k = x->kernel;
    bool l2 = x->metric == VAJRA_METRIC_L2;
    switch (s->mode) {
    case HNSW_STORE_F16:
        if (l2) {
            k->l2sq_f16_gather(q, x->codes, x->stride, ids, n, x->dim, out);
        } else {
            k->dot_f16_gather(q, x->codes, x->stride, ids, n, x->dim, out);
            for (size_t i = 0; i < n; i++)
                out[i] = -out[i];
        }
        return;
    case HNSW_STORE_SQ8:
        if (l2) {
            k->l2sq_u8_gather(s->qaux, x->sq8_scale, x->codes, x->stride, ids, n, x->dim, out);
        } else if (s->qint) {
            k->dot_u8s8_gather(s->qs8, x->codes, x->stride, ids, n, x->dim, s->idots);
            for (size_t i = 0; i < n; i++)
                out[i] = -(s->qbias + s->qs8_scale * (float)s->idots[i]);
        } else {
            k->dot_u8_gather(s->qaux, x->codes, x->stride, ids, n, x->dim, out);
            for (size_t i = 0; i < n; i++)
                out[i] = -(s->qbias + out[i]) * (x->sq8_gain ? x->sq8_gain[ids[i]] : 1.0f);
        }
        return;
    default:
        hnsw_dist_gather(x, q, ids, n, out);
    }
}

/* ---- hnsw_index.c ---- */
vajra_status hnsw_check_params(const VajraVectorParams *p, VajraError *err);
/* Every vector the index holds or is asked about passes this: finite components, a squared norm
 * (summed in double) of at most FLT_MAX/4 so that no distance between two accepted vectors can
 * overflow float, and non-zero under cosine. `what`/`index` name it in the message.
 * Errors: VAJRA_ERR_BAD_VALUE. */
vajra_status hnsw_check_vector(const float *v, uint32_t dim, VajraMetric metric, const char *what,
                               size_t index, VajraError *err);
vajra_status hnsw_index_new(const VajraVectorParams *p, const VajraKernelOps *kernel,
                            VajraVectorIndex **out, VajraError *err);
void hnsw_index_free(VajraVectorIndex *x);
/* Make room for `rows` nodes and `blocks` upper blocks (copies borrowed arrays first). */
vajra_status hnsw_index_reserve(VajraVectorIndex *x, uint32_t rows, uint32_t blocks,
                                VajraError *err);
uint32_t hnsw_random_level(const VajraVectorIndex *x, uint32_t node);
/* The graph accessor. For a quantised index its vector() gives the decoded rows (what the
 * quantised search compares against, up to its summation order), decoded into an index-owned
 * cache on this call: reference traversal and inspection only. Thread-safe with other readers;
 * the accessor is invalidated by the next add. Errors: VAJRA_ERR_INVALID_ARGUMENT,
 * VAJRA_ERR_NO_MEMORY. */
vajra_status hnsw_graph(const VajraVectorIndex *x, VajraHnswGraph *g, VajraError *err);
/* Choose the storage of an index: on an empty index, how the rows added later are kept; on a
 * non-empty f32 index (built, or loaded and so borrowed), convert it now (benchmarks compare the
 * modes on one graph this way). rerank only matters for f16/sq8. Errors:
 * VAJRA_ERR_INVALID_ARGUMENT (unknown storage; a non-empty index that is not f32),
 * VAJRA_ERR_NO_MEMORY. Exclusive access. */
vajra_status hnsw_set_storage(VajraVectorIndex *x, uint32_t storage, bool rerank,
                              VajraError *err);
/* "auto" storage after rows [base, base + total) were stored in x->vectors (f32, normalised
 * under cosine): an empty index becomes f16 when they are all exactly binary16, else f32; an
 * f16 index whose new rows are not becomes f32 (its older rows, already decoded into x->vectors
 * by the add, are exact). Nothing else changes (the graph is built on the f32 rows either way).
 * Errors: VAJRA_ERR_NO_MEMORY (then the storage is unchanged). Exclusive access. */
vajra_status hnsw_auto_storage(VajraVectorIndex *x, uint32_t base, uint32_t total,
                               VajraError *err);
/* Whether each of the n floats is exactly a binary16 value (a round trip would not change it;
 * vajra_f32_to_f16_exact). */
bool hnsw_floats_are_f16(const float *v, size_t n);
/* Parse a storage name ("f32", "f16", "sq8", "auto") into *out. Errors: VAJRA_ERR_INVALID_ARGUMENT
 * naming the value. */
vajra_status hnsw_storage_parse(const char *name, uint32_t *out, VajraError *err);
const char *hnsw_storage_name(uint32_t storage);
/* Rewrite the storage and rerank entries of x->kv (after the storage changes). */
void hnsw_kv_refresh(VajraVectorIndex *x);
/* Quantise rows [from, to) of x->vectors into the codes (setting the sq8 ranges from those rows
 * when none are set yet). */
void hnsw_quantise_rows(VajraVectorIndex *x, uint32_t from, uint32_t to);
/* Decode row n of the codes into out (stride floats, padding zero). */
void hnsw_decode_row(const VajraVectorIndex *x, uint32_t n, float *out);
/* Drop the f32 rows of a quantised index without rerank (after an add). */
void hnsw_drop_f32(VajraVectorIndex *x);
void *hnsw_aligned_alloc(size_t bytes);

/* ---- hnsw_search.c ---- */
vajra_status hnsw_search_new(VajraVectorSearch **out, VajraError *err);
void hnsw_search_free(VajraVectorSearch *s);
/* Grow the scratch for an index of `count` nodes, beam width `ef`, dimension stride. */
vajra_status hnsw_search_prepare(VajraVectorSearch *s, const VajraVectorIndex *x, size_t count,
                                 size_t ef, VajraError *err);
/* Greedy walk at `level` from cur: the best node by (distance, id) reachable by improving moves. */
HnswPair hnsw_greedy(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                     HnswPair cur, uint32_t level);
/* Beam search at `level` from `entry` with width ef; leaves the results in s->res as a max-heap
 * and returns how many. Needs hnsw_search_prepare(…, ef) first. */
size_t hnsw_search_layer(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                         HnswPair entry, size_t ef, uint32_t level);
/* Sort the max-heap s->res (n entries) into ascending (distance, id) order; returns s->sorted. */
const HnswPair *hnsw_res_sort(VajraVectorSearch *s, size_t n);
/* Fold the query q into x's sq8 ranges for the u8 kernels (vajra/kernel.h): IP/cosine
 * s->qaux = q∘scale and s->qbias = Σ q_i·lo_i (one float accumulator, index order); L2
 * s->qaux = q − lo. x must have sq8 ranges; s prepared for x's stride. */
void hnsw_fold_query(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q);
/* hnsw_fold_query, then (IP/cosine without gains, a version-3 kernel) the integer form: qaux
 * quantised to signed bytes with one scale per query (qs8, qs8_scale, qint = true). Else
 * qint = false and the float fold is used. Deterministic: a function of q and x's ranges. */
void hnsw_fold_query_s8(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q);
/* Set p[i].d to the exact distance from q to row p[i].id (f32 rows), for i < n, in blocks
 * through s's gather buffers (s->ids, s->dists: their contents are lost). */
void hnsw_exact_pairs(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                      HnswPair *p, size_t n);
vajra_status hnsw_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                         const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                         VajraError *err);
vajra_status hnsw_search_exact(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, VajraHits *out, VajraError *err);

/* ---- filtered search ---- */

#define HNSW_EF_EXACT UINT32_MAX /* = VAJRA_EF_EXACT: scan the passing documents exactly */

/* How a filtered search runs: a level-0 beam of `width` passing results, or an exact scan. */
typedef struct HnswPlan {
    size_t width; /* beam width (unused when exact) */
    bool exact;
} HnswPlan;

/* The planner's cost model, measured by bench/vector/bench_filter.c (docs/vector.md, "Filtered
 * search"). A filtered beam of width w at pass ratio r = passing / count visits about w / r nodes
 * and costs about HNSW_PLAN_COST · w / r row distances' worth of time: C = 7–10 on WordNet 50k
 * (384-d) and 11–18 on GloVe 100k (100-d), random filters, fast profile, from the p50 of beam and
 * scan at 50 %, 20 % and 10 %. The exact scan of the passing documents costs `passing` of them
 * (one gather kernel call per EXACT_BLOCK). The planner scans when that is cheaper — passing · r ≤
 * C · w' — and always when passing ≤ w (the beam could never fill and would walk the whole
 * graph). Otherwise the beam is widened to w' = w / sqrt(r), at most HNSW_PLAN_MAX_WIDEN · w: a
 * filter correlated with the query leaves the beam as hard as an unfiltered one, and at r = 50 %
 * GloVe 100k needs ≈ 180 where 128 gave recall 0.946; wider beams only cost (1.5 measured to keep
 * recall ≥ 0.96 at every measured selectivity). Scan below r* = sqrt(C · w' / count): 21 % for
 * WordNet 50k and 15 % for GloVe 100k at ef 128. */
#define HNSW_PLAN_COST 12.0
#define HNSW_PLAN_MAX_WIDEN 1.5

/* The plan for a search with beam `ef` (0 = the index's ef_search; HNSW_EF_EXACT = exact), k
 * results and `filter` (NULL = all). A pure function of (count, ef_search, ef, k, passing):
 * the parity tests call it to know which reference to compare with. */
static inline HnswPlan hnsw_plan(const VajraVectorIndex *x, uint32_t ef, uint32_t k,
                                 const VajraDocFilter *filter)
{
    HnswPlan p = {0, false};
    if (ef == HNSW_EF_EXACT) {
        p.exact = true;
        return p;
    }
    p.width = ef ? ef : x->params.ef_search;
    if (p.width < k)
        p.width = k;
    if (filter == NULL || x->count == 0)
        return p;
    double passing = filter->passing < x->count ? filter->passing : x->count;
    double ratio = passing / (double)x->count;
    if (passing <= (double)p.width) {
        p.exact = true;
        return p;
    }
    double widen = 1.0 / sqrt(ratio);
    if (widen > HNSW_PLAN_MAX_WIDEN)
        widen = HNSW_PLAN_MAX_WIDEN;
    double width = ceil((double)p.width * widen);
    if (passing * ratio <= HNSW_PLAN_COST * width)
        p.exact = true;
    else
        p.width = (size_t)width;
    return p;
}

/* Search with a given plan (the vtable's search_filtered is this with hnsw_plan's). Same
 * contract as search_filtered; benchmarks and tests force plans through it. */
vajra_status hnsw_search_planned(const VajraVectorIndex *x, VajraVectorSearch *s,
                                 const VajraVectorQuery *q, HnswPlan plan,
                                 const VajraDocFilter *filter, VajraHits *out, VajraError *err);
vajra_status hnsw_search_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                  const VajraVectorQuery *q, uint32_t ef,
                                  const VajraDocFilter *filter, VajraHits *out, VajraError *err);

/* ---- hnsw_build.c ---- */
void hnsw_build_cache_free(HnswBuildCache *c);
vajra_status hnsw_add(VajraVectorIndex *x, const float *vectors, uint32_t dim, size_t count,
                      uint32_t threads, uint32_t *first, VajraError *err);

/* ---- hnsw_io.c ---- */
vajra_status hnsw_save(const VajraVectorIndex *x, const VajraSectionWriter *w, VajraError *err);
vajra_status hnsw_load(const VajraKernelOps *kernel, const VajraSectionReader *r,
                       VajraVectorIndex **out, VajraError *err);

#endif /* VAJRA_HNSW_INDEX_H */
