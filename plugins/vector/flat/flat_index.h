/* vector-flat — an exact vector index: every row stored, every query scans them all.
 *
 * Rows are stored contiguously (row n at rows + n·dim), as f32 or f16 (IEEE binary16 as
 * vajra_f32_to_f16 writes it, vajra/quant.h). A scan works in blocks of FLAT_BLOCK rows: f32 rows
 * go to the host kernel's dot_many / l2sq_many (the gather forms for a filtered scan), f16 rows to
 * its dot_f16_gather / l2sq_f16_gather (kernel version 2; each element widened exactly). Distances: smaller is better, L2 → squared L2, IP/cosine →
 * −dot (vajra/vector.h); cosine rows are unit length before rounding.
 */
#ifndef VAJRA_FLAT_INDEX_H
#define VAJRA_FLAT_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vajra/kernel.h"
#include "vajra/vector.h"

#define FLAT_BLOCK 256       /* rows scored per kernel call */
#define FLAT_STORAGE_F32 0
#define FLAT_STORAGE_F16 1

struct VajraVectorIndex {
    const VajraKernelOps *kernel;
    uint32_t dim, metric, storage;
    uint32_t count, capacity; /* rows held, rows allocated */
    void *rows;               /* float or uint16_t, count·dim */
    bool borrowed;            /* rows point into a section reader's bytes (read-only) */
    VajraKeyValue kv[1];      /* params_kv: storage */
};

typedef struct FlatPair {
    float d;
    uint32_t id;
} FlatPair;

struct VajraVectorSearch {
    float *query;      /* dim floats (normalised under cosine) */
    uint32_t dim_cap;  /* dim the query is sized for */
    float dists[FLAT_BLOCK];
    uint32_t ids[FLAT_BLOCK];
    FlatPair *heap;    /* max-heap of the best k by (d, id) */
    size_t heap_cap;
};

static inline size_t flat_elem_size(const VajraVectorIndex *x)
{
    return x->storage == FLAT_STORAGE_F16 ? sizeof(uint16_t) : sizeof(float);
}

/* ---- flat_index.c ---- */
vajra_status flat_create(const VajraKernelOps *kernel, uint32_t dim, VajraMetric metric,
                         const VajraKeyValue *kv, size_t n, VajraVectorIndex **out,
                         VajraError *err);
void flat_free(VajraVectorIndex *x);
vajra_status flat_add(VajraVectorIndex *x, const float *vectors, uint32_t dim, size_t count,
                      uint32_t threads, uint32_t *first, VajraError *err);
vajra_status flat_get_vector(const VajraVectorIndex *x, uint32_t doc, float *out,
                             VajraError *err);
vajra_status flat_save(const VajraVectorIndex *x, const VajraSectionWriter *w, VajraError *err);
vajra_status flat_load(const VajraKernelOps *kernel, const VajraSectionReader *r,
                       VajraVectorIndex **out, VajraError *err);

/* ---- flat_search.c ---- */
vajra_status flat_search_new(const VajraVectorIndex *x, VajraVectorSearch **out,
                             VajraError *err);
void flat_search_free(VajraVectorSearch *s);
vajra_status flat_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                         const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                         VajraError *err);
vajra_status flat_search_exact(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, VajraHits *out, VajraError *err);
vajra_status flat_search_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                  const VajraVectorQuery *q, uint32_t ef,
                                  const VajraDocFilter *filter, VajraHits *out,
                                  VajraError *err);

#endif
