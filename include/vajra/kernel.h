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

/* Version 2 added the quantised-row slots (f16 and 8-bit codes), version 3 the integer dot of
 * 8-bit codes with 8-bit weights. */
#define VAJRA_KERNEL_VTABLE_VERSION 3

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

    /* ---- version 2: quantised rows against an f32 query ----
     * A version-1 plugin has none of these; the registry fills them (as any NULL slot) from the
     * scalar definitions, so a published VajraKernelOps always has them.
     *
     * f16 rows: IEEE binary16 as vajra_f32_to_f16 (include/vajra/quant.h) writes them. Each
     * element is widened to f32 exactly and then used as in dot / l2sq, so the f32 bounds of the
     * parity tests hold unchanged. */
    float (*dot_f16)(const float *q, const uint16_t *x, size_t dim);
    float (*l2sq_f16)(const float *q, const uint16_t *x, size_t dim);
    /* out[i] = op(q, base + ids[i]*stride) (stride in elements), prefetching ahead. */
    void (*dot_f16_gather)(const float *q, const uint16_t *base, size_t stride,
                           const uint32_t *ids, size_t count, size_t dim, float *out);
    void (*l2sq_f16_gather)(const float *q, const uint16_t *base, size_t stride,
                            const uint32_t *ids, size_t count, size_t dim, float *out);

    /* 8-bit codes of scalar quantisation with per-dimension ranges (x_i ≈ lo_i + scale_i·c_i,
     * vajra_sq8_* in quant.h). The caller folds the query into the ranges once per query:
     *   q·x   ≈ Σ q_i·lo_i + dot_u8(w, c)    with w_i = q_i·scale_i
     *   |q−x|² ≈ l2sq_u8(r, scale, c)         with r_i = q_i − lo_i
     * dot_u8 = Σ w_i·c_i; l2sq_u8 = Σ (r_i − t_i)² where t_i = scale_i·c_i is rounded to float
     * on its own (never fused into the subtraction), exactly as the reference does. */
    float (*dot_u8)(const float *w, const uint8_t *codes, size_t dim);
    float (*l2sq_u8)(const float *r, const float *scale, const uint8_t *codes, size_t dim);
    /* out[i] = op(…, base + ids[i]*stride) (stride in bytes = codes per row), prefetching ahead. */
    void (*dot_u8_gather)(const float *w, const uint8_t *base, size_t stride, const uint32_t *ids,
                          size_t count, size_t dim, float *out);
    void (*l2sq_u8_gather)(const float *r, const float *scale, const uint8_t *base, size_t stride,
                           const uint32_t *ids, size_t count, size_t dim, float *out);

    /* ---- version 3: 8-bit codes against 8-bit signed weights, in integers ----
     * A version-2 plugin has none of these; the registry fills them from the scalar definitions
     * (callers that want speed check `version >= 3`: the filled slot is the scalar loop).
     *
     * dot_u8s8 = Σ w_i·c_i over u8 codes and s8 weights (the caller quantises its folded query,
     * w ≈ (q∘scale)/s, and scales the sum back). The sum is kept in 32-bit two's complement and
     * wraps modulo 2^32 like the hardware's accumulators, so every variant returns the same
     * integer for any dim and any order; it never wraps for dim ≤ 65,793 (|w_i·c_i| ≤ 32,640). */
    int32_t (*dot_u8s8)(const int8_t *w, const uint8_t *codes, size_t dim);
    /* out[i] = dot_u8s8(w, base + ids[i]*stride) (stride in bytes), prefetching ahead. */
    void (*dot_u8s8_gather)(const int8_t *w, const uint8_t *base, size_t stride,
                            const uint32_t *ids, size_t count, size_t dim, int32_t *out);
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
/* Version-2 slots, same rules: one float accumulator, index order, each element widened exactly
 * (f16) or its term formed as the slot's comment says (u8). */
VAJRA_API float vajra_ref_dot_f16(const float *q, const uint16_t *x, size_t dim);
VAJRA_API float vajra_ref_l2sq_f16(const float *q, const uint16_t *x, size_t dim);
VAJRA_API void vajra_ref_dot_f16_gather(const float *q, const uint16_t *base, size_t stride,
                                        const uint32_t *ids, size_t count, size_t dim,
                                        float *out);
VAJRA_API void vajra_ref_l2sq_f16_gather(const float *q, const uint16_t *base, size_t stride,
                                         const uint32_t *ids, size_t count, size_t dim,
                                         float *out);
VAJRA_API float vajra_ref_dot_u8(const float *w, const uint8_t *codes, size_t dim);
VAJRA_API float vajra_ref_l2sq_u8(const float *r, const float *scale, const uint8_t *codes,
                                  size_t dim);
VAJRA_API void vajra_ref_dot_u8_gather(const float *w, const uint8_t *base, size_t stride,
                                       const uint32_t *ids, size_t count, size_t dim, float *out);
VAJRA_API void vajra_ref_l2sq_u8_gather(const float *r, const float *scale, const uint8_t *base,
                                        size_t stride, const uint32_t *ids, size_t count,
                                        size_t dim, float *out);
/* Version-3 slots: a 32-bit unsigned accumulator in index order (wrapping), returned as int32. */
VAJRA_API int32_t vajra_ref_dot_u8s8(const int8_t *w, const uint8_t *codes, size_t dim);
VAJRA_API void vajra_ref_dot_u8s8_gather(const int8_t *w, const uint8_t *base, size_t stride,
                                         const uint32_t *ids, size_t count, size_t dim,
                                         int32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_KERNEL_H */
