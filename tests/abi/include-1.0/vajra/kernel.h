/* Vajra — the distance-kernel vtable that kernel plugins export and the core hands to others.
 *
 * Every op works for any dimension (including 0 and odd tails) and any alignment of its inputs.
 * All ops are pure functions: thread-safe, no allocation, no errors. Floating-point results of
 * SIMD variants differ from the scalar variant only by summation order; the parity tests state
 * the tolerance.
 *
 * Vtables only grow at the end; `version` says how many slots this one has. A NULL slot means
 * "not provided": the registry fills any NULL slot from the scalar definitions before
 * publishing the ops, so users of a published VajraKernelOps may call every slot.
 */
#ifndef VAJRA_KERNEL_H
#define VAJRA_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_KERNEL_VTABLE_VERSION 1

typedef struct VajraKernelOps {
    uint32_t version;  /* VAJRA_KERNEL_VTABLE_VERSION the plugin was built against */
    uint32_t priority; /* higher is preferred when its CPU features are present */
    const char *isa;   /* "scalar", "avx2", "avx512", "neon": the VAJRA_KERNEL override value */

    /* Σ aᵢbᵢ */
    float (*dot)(const float *a, const float *b, size_t dim);
    /* Σ (aᵢ − bᵢ)² */
    float (*l2sq)(const float *a, const float *b, size_t dim);
    /* 1 − a·b / (|a||b|); 1 when either vector is zero. */
    float (*cosine_distance)(const float *a, const float *b, size_t dim);

    /* One query against `count` rows stored `stride` floats apart from `rows`:
     * out[i] = op(q, rows + i*stride). */
    void (*dot_many)(const float *q, const float *rows, size_t stride, size_t count, size_t dim,
                     float *out);
    void (*l2sq_many)(const float *q, const float *rows, size_t stride, size_t count, size_t dim,
                      float *out);

    /* One query against the rows named by ids: out[i] = op(q, base + ids[i]*stride).
     * This is the form the HNSW uses for a neighbour list; it prefetches ahead. */
    void (*dot_gather)(const float *q, const float *base, size_t stride, const uint32_t *ids,
                       size_t count, size_t dim, float *out);
    void (*l2sq_gather)(const float *q, const float *base, size_t stride, const uint32_t *ids,
                        size_t count, size_t dim, float *out);
} VajraKernelOps;

/* The core's scalar definitions: the reference every variant is tested against, the fill for
 * NULL slots, and what the kernel-scalar plugin publishes. Plain loops, one float accumulator,
 * in index order. Thread-safe, never fail. */
VAJRA_API const VajraKernelOps *vajra_kernel_reference(void);
VAJRA_API float vajra_ref_dot(const float *a, const float *b, size_t dim);
VAJRA_API float vajra_ref_l2sq(const float *a, const float *b, size_t dim);
VAJRA_API float vajra_ref_cosine_distance(const float *a, const float *b, size_t dim);
VAJRA_API void vajra_ref_dot_many(const float *q, const float *rows, size_t stride, size_t count,
                                  size_t dim, float *out);
VAJRA_API void vajra_ref_l2sq_many(const float *q, const float *rows, size_t stride, size_t count,
                                   size_t dim, float *out);
VAJRA_API void vajra_ref_dot_gather(const float *q, const float *base, size_t stride,
                                    const uint32_t *ids, size_t count, size_t dim, float *out);
VAJRA_API void vajra_ref_l2sq_gather(const float *q, const float *base, size_t stride,
                                     const uint32_t *ids, size_t count, size_t dim, float *out);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_KERNEL_H */
