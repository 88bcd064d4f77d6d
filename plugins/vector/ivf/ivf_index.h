/* vector-ivf — the inverted-file index: its internal API, shared by the plugin, its reference,
 * the tests and the benchmarks (none of this is public).
 *
 * What it is. `nlist` centroids trained by k-means on the data (seeded, deterministic); every
 * vector lives in the list of its nearest centroid; a search ranks the centroids, scans the
 * `nprobe` nearest lists and returns the best k of what it saw. With the SQ8 quantiser the lists
 * hold one byte per component (per-dimension min/max trained on the same sample) and the best
 * `rerank` candidates of the coded scan are re-scored exactly from the float vectors, which the
 * index keeps in document order.
 *
 * Training. An index is created untrained: vectors are kept in document order and searched
 * exactly (a flat index). At the end of the first add that brings the count to at least
 * nlist × IVF_MIN_PER_LIST vectors, the index trains on a seeded sample of everything added so
 * far (`sample` vectors, 0 = min(count, 256·nlist), chosen by a partial Fisher–Yates shuffle and
 * taken in ascending document order), then assigns every vector. Later adds assign new vectors
 * to their nearest centroid (ties: lowest list). So the index depends only on the vectors, the
 * batch boundaries and the parameters — never on thread counts.
 *
 * Distances: smaller is better; L2 → squared L2, IP/cosine → −dot (as vajra/vector.h). The
 * coarse distance (query or vector to a centroid) is the same metric distance. Under IP and
 * cosine the centroids are unit length (spherical k-means: each mean is normalised).
 *
 * Thread-safety as vajra/vector.h: many concurrent searches, each with its own IvfSearch; adds
 * need exclusive access (`threads` workers inside); save needs no writer.
 */
#ifndef VAJRA_IVF_INDEX_H
#define VAJRA_IVF_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vajra/filter.h"
#include "vajra/kernel.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/types.h"
#include "vajra/vector.h"

#define IVF_MIN_PER_LIST 39u      /* train once count >= nlist × this (FAISS warns below 39) */
#define IVF_SAMPLE_PER_LIST 256u  /* default training sample: 256 vectors per list */
#define IVF_EXACT UINT32_MAX      /* nprobe value meaning "exact scan" (= VAJRA_EF_EXACT) */
#define IVF_MAX_NLIST 65536u
#define IVF_MAX_ITERATIONS 1000u
#define IVF_MAX_RERANK 65536u
#define IVF_MAX_THREADS 64u       /* worker threads used at most by add/training */

typedef enum IvfQuantizer {
    IVF_QUANT_NONE = 0, /* lists hold float vectors (IVF-Flat) */
    IVF_QUANT_SQ8 = 1   /* lists hold 8-bit codes; exact re-rank from the float vectors */
} IvfQuantizer;

typedef struct IvfParams {
    uint32_t dim;        /* 1 .. 65536 */
    uint32_t metric;     /* VajraMetric */
    uint32_t nlist;      /* centroids, 1 .. 65536 */
    uint32_t nprobe;     /* default lists scanned per search, 1 .. nlist */
    uint32_t iterations; /* k-means iterations (fixed count), 1 .. 1000 */
    uint32_t sample;     /* training sample size: 0 = min(count, 256·nlist); else >= nlist */
    uint32_t quantizer;  /* IvfQuantizer */
    uint32_t rerank;     /* SQ8: candidates of the coded scan re-scored exactly (depth
                          * max(rerank, k)), 0 .. 65536; 0 = no re-rank: the float rows are
                          * not kept after training and scores are the coded distances;
                          * ignored without a quantiser */
    uint64_t seed;       /* seeds the sample and the k-means++ initialisation */
} IvfParams;

/* The defaults (nlist 256, nprobe 8, iterations 10, sample 0, none, rerank 64, seed 42). */
void ivf_params_default(IvfParams *p, uint32_t dim, VajraMetric metric);
/* Errors: VAJRA_ERR_INVALID_ARGUMENT naming the parameter and its range. */
vajra_status ivf_check_params(const IvfParams *p, VajraError *err);

/* One inverted list: n entries, document ids strictly ascending (vectors are appended in
 * document order). */
typedef struct IvfList {
    uint32_t n, cap;
    uint32_t *ids;   /* n document numbers */
    float *vecs;     /* n × dim floats (no quantiser) */
    uint8_t *codes;  /* n × dim codes (SQ8) */
} IvfList;

typedef struct IvfIndex {
    IvfParams p;
    const VajraKernelOps *kernel;
    uint32_t dim;
    uint32_t count;
    bool trained;
    float *centroids;   /* nlist × dim (trained) */
    float *sq_min;      /* dim: decoded value of code 0 (SQ8, trained) */
    float *sq_step;     /* dim: value of one code step, >= 0 (SQ8, trained) */
    IvfList *lists;     /* nlist */
    float *rows;        /* count × dim in document order: untrained, or SQ8 with re-rank */
    uint32_t rows_cap;
    /* The list of each document (trained): get_vector finds a document by binary search of its
     * list's ids, which ascend. Always owned (rebuilt from the lists at load; not saved). */
    uint16_t *list_of;
    uint32_t list_of_cap;
    /* True when the arrays point into a section reader's bytes (read-only); the first add copies
     * them. */
    bool borrowed;
} IvfIndex;

/* Per-thread search scratch, grown and never shrunk; no allocation per query once warm. */
typedef struct IvfSearch {
    float *query;       /* dim */
    float *cdist;       /* nlist coarse distances */
    uint64_t *probe;    /* nprobe keys (distance, list) */
    uint64_t *heap;     /* max-heap of (distance, id) keys, heap_cap */
    uint32_t *cids;     /* SQ8 re-rank: the candidates' ids, heap_cap */
    float *cd;          /* SQ8 re-rank: their exact distances, heap_cap */
    float *buf;         /* block distances */
    float *dec;         /* decoded block (SQ8), IVF_BLOCK × dim */
    uint32_t *pos;      /* positions of passing entries of a block */
    size_t query_cap, cdist_cap, probe_cap, heap_cap, dec_cap;
} IvfSearch;

#define IVF_BLOCK 64u /* rows scored per kernel call */

/* The total order of every decision: distance, then id, as one 64-bit integer (the float's bits
 * mapped to an order-preserving unsigned value in the high half, id in the low half). −0 and +0
 * compare equal; distances are never NaN (inputs are validated). */
static inline uint64_t ivf_key(float d, uint32_t id)
{
    d += 0.0f;
    uint32_t u;
    memcpy(&u, &d, sizeof u);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return ((uint64_t)u << 32) | id;
}

static inline float ivf_key_dist(uint64_t k)
{
    uint32_t u = (uint32_t)(k >> 32);
    u = (u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u;
    float d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* The SQ8 decoding, the one definition the scan and the reference share:
 * value = sq_min[i] + sq_step[i] · code. */
static inline float ivf_sq_decode(const IvfIndex *x, uint32_t i, uint8_t code)
{
    return x->sq_min[i] + x->sq_step[i] * (float)code;
}

/* ---- ivf_index.c ---- */
/* Finite components, squared norm (double) <= FLT_MAX/4, non-zero under cosine.
 * Errors: VAJRA_ERR_BAD_VALUE naming `what` and `index`. */
vajra_status ivf_check_vector(const float *v, uint32_t dim, uint32_t metric, const char *what,
                              size_t index, VajraError *err);
vajra_status ivf_index_new(const IvfParams *p, const VajraKernelOps *kernel, IvfIndex **out,
                           VajraError *err);
void ivf_index_free(IvfIndex *x);
/* Insert count vectors (rows of dim floats); documents count() .. count()+count-1. Validates the
 * whole batch first (nothing inserted on error). Trains when the count first reaches the
 * threshold. Errors: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE, VAJRA_ERR_NO_MEMORY (the index is
 * then unchanged when training failed, or may hold part of the batch). */
vajra_status ivf_add(IvfIndex *x, const float *vectors, uint32_t dim, size_t count,
                     uint32_t threads, uint32_t *first, VajraError *err);
/* The stored vector of document doc (< count) as the index compares it: its float row, its
 * entry in a float list (both borrowed), or its SQ8 entry decoded into `scratch` (dim floats,
 * then returned). NULL when doc is out of range. */
const float *ivf_vector(const IvfIndex *x, uint32_t doc, float *scratch);
/* Does the index keep float rows in document order (untrained, or SQ8 with re-rank)? */
static inline bool ivf_keeps_rows(const IvfIndex *x)
{
    return !x->trained || (x->p.quantizer == IVF_QUANT_SQ8 && x->p.rerank > 0);
}
/* Bytes of index data held (what save writes): centroids, SQ tables, lists, kept rows. */
size_t ivf_memory_bytes(const IvfIndex *x);
/* The coarse distance of v to every centroid (out: nlist floats). */
void ivf_coarse(const IvfIndex *x, const float *v, float *out);
/* The list of v: argmin of the coarse distance, ties to the lowest list. `scratch` nlist floats. */
uint32_t ivf_assign_one(const IvfIndex *x, const float *v, float *scratch);

/* Run fn over [0, n) split into `threads` contiguous ranges numbered part = 0 .. threads-1 (0 or
 * 1 thread = inline, part 0). The split never changes a result: every caller computes each item
 * independently (part only picks a scratch row). */
typedef void (*IvfRangeFn)(void *ctx, uint32_t part, size_t begin, size_t end);
void ivf_parallel(uint32_t threads, size_t n, IvfRangeFn fn, void *ctx);

/* ---- ivf_kmeans.c ---- */
/* k-means over n rows of `data` (n >= k) into centroids (k × dim): k-means++ initialisation from
 * a PRNG seeded with `seed`, then exactly `iterations` Lloyd steps (assignment by the coarse
 * distance, ties lowest; means summed in double in row order; an empty cluster takes half of the
 * largest, split by ±1/1024 as FAISS does; unit length under IP/cosine).
 * Errors: VAJRA_ERR_NO_MEMORY. */
vajra_status ivf_kmeans(const IvfIndex *x, const float *data, uint32_t n, uint32_t k,
                        uint32_t threads, float *centroids, VajraError *err);
/* SplitMix64: the PRNG of the sample and the initialisation. */
static inline uint64_t ivf_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- ivf_search.c ---- */
vajra_status ivf_search_new(IvfSearch **out, VajraError *err);
void ivf_search_free(IvfSearch *s);
/* Top-k scanning the `nprobe` nearest lists (0 = the index's nprobe; above nlist = nlist;
 * IVF_EXACT = exact scan of every vector in float) among documents passing `filter` (NULL =
 * all); when those lists hold fewer than k passing documents, the next lists in coarse order
 * are scanned one at a time until they do or none is left. Untrained indexes always scan
 * exactly. Replaces out's contents: min(k, passing documents) hits, canonical order. Errors: VAJRA_ERR_DIMENSION, VAJRA_ERR_BAD_VALUE
 * (NaN/Inf; zero query under cosine), VAJRA_ERR_NO_MEMORY, VAJRA_ERR_INVALID_ARGUMENT. */
vajra_status ivf_search(const IvfIndex *x, IvfSearch *s, const VajraVectorQuery *q,
                        uint32_t nprobe, const VajraDocFilter *filter, VajraHits *out,
                        VajraError *err);

/* ---- ivf_reference.c ---- */
/* The reference IVF search: the plain definition, no tuning, allocating freely. Coarse distances
 * to every centroid by the core's scalar vajra_ref_l2sq / vajra_ref_dot; lists sorted by
 * (distance, list); the first min(nprobe, nlist) taken, then further lists in that order one at
 * a time while fewer than k passing candidates were found; every passing member scored by the same
 * scalar functions (on its float vector, or on its decoded SQ8 vector — ivf_sq_decode); all
 * candidates sorted by (distance, id); without a quantiser (or SQ8 with rerank 0) the first k are
 * the answer; with SQ8 the first max(rerank, k) are re-scored on their float rows and the best k
 * by (distance, id) are the answer. Untrained indexes and nprobe == IVF_EXACT: every passing
 * document scored on ivf_vector (the float vector, or the decoded one when SQ8 keeps no rows). The query is
 * normalised first under cosine. Same contract and errors as ivf_search. Thread-safe. */
vajra_status ivf_reference_search(const IvfIndex *x, const VajraVectorQuery *q, uint32_t nprobe,
                                  const VajraDocFilter *filter, VajraHits *out, VajraError *err);

/* ---- ivf_io.c ---- */
/* Sections "ivf.meta", "ivf.centroids", "ivf.sq", "ivf.offsets", "ivf.ids", "ivf.vectors",
 * "ivf.codes", "ivf.rows" (empty when unused). The bytes depend only on the vectors, their
 * batches and the parameters. Errors: the writer's. */
vajra_status ivf_save(const IvfIndex *x, const VajraSectionWriter *w, VajraError *err);
/* Validates every size, offset, id (each document exactly once), vector and table before use;
 * the index then points into the reader's bytes (zero copy), which must outlive it.
 * Errors: VAJRA_ERR_NOT_FOUND, VAJRA_ERR_CORRUPT, VAJRA_ERR_VERSION, VAJRA_ERR_NO_MEMORY. */
vajra_status ivf_load(const VajraKernelOps *kernel, const VajraSectionReader *r, IvfIndex **out,
                      VajraError *err);

#endif /* VAJRA_IVF_INDEX_H */
