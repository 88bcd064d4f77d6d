/* What every ISA translation unit shares: the cosine formula applied to the three sums, and the
 * batched forms (one query against many rows, contiguous or gathered by id) written once in terms
 * of a single-pair op.
 *
 * Each row's result is computed by exactly the same single-pair op, so a batched result is
 * bit-identical to the single call (the HNSW relies on this: a distance does not depend on
 * which entry point computed it). Included only by plugins/kernel/kernel_*.c; every function is
 * static inline and is compiled with the including TU's ISA flags.
 */
#ifndef VAJRA_KERNEL_COMMON_H
#define VAJRA_KERNEL_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* 1 − ab/(|a||b|), 1 when either vector is zero: the same formula as vajra_ref_cosine_distance,
 * with sqrt taken per norm because aa·bb can overflow where the norms do not. */
static inline __attribute__((always_inline)) float kernel_cosine_from_sums(float ab, float aa,
                                                                           float bb)
{
    if (aa == 0.0f || bb == 0.0f)
        return 1.0f;
    return 1.0f - ab / (__builtin_sqrtf(aa) * __builtin_sqrtf(bb));
}

typedef float (*kernel_pair_fn)(const float *a, const float *b, size_t dim);

/* Bytes of the next row to prefetch: enough to cover the start of the row while the current one
 * is being computed; the hardware prefetcher follows the sequential rest. */
#ifndef KERNEL_PREFETCH_BYTES /* overridable for experiments: -DKERNEL_PREFETCH_BYTES=... */
#define KERNEL_PREFETCH_BYTES 1024u
#endif
#define KERNEL_CACHE_LINE 64u

static inline __attribute__((always_inline)) void kernel_prefetch_bytes(const void *row,
                                                                         size_t bytes)
{
    if (bytes > KERNEL_PREFETCH_BYTES)
        bytes = KERNEL_PREFETCH_BYTES;
    const char *p = (const char *)row;
    for (size_t off = 0; off < bytes; off += KERNEL_CACHE_LINE)
        __builtin_prefetch(p + off, 0 /* read */, 3 /* keep in all cache levels */);
}

static inline __attribute__((always_inline)) void kernel_prefetch_row(const float *row, size_t dim)
{
    kernel_prefetch_bytes(row, dim * sizeof(float));
}

static inline __attribute__((always_inline)) void
kernel_many(kernel_pair_fn op, const float *q, const float *rows, size_t stride, size_t count,
            size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = op(q, rows + i * stride, dim);
}

static inline __attribute__((always_inline)) void
kernel_gather(kernel_pair_fn op, const float *q, const float *base, size_t stride,
              const uint32_t *ids, size_t count, size_t dim, float *out)
{
    if (count > 0)
        kernel_prefetch_row(base + (size_t)ids[0] * stride, dim);
    for (size_t i = 0; i < count; i++) {
        /* Neighbour ids are scattered: fetch the next row while this one is computed. */
        if (i + 1 < count)
            kernel_prefetch_row(base + (size_t)ids[i + 1] * stride, dim);
        out[i] = op(q, base + (size_t)ids[i] * stride, dim);
    }
}

/* Define <prefix>_dot_many, _l2sq_many, _dot_gather, _l2sq_gather from <prefix>_dot and _l2sq. */
#define KERNEL_DEFINE_BATCH(prefix)                                                              \
    static void prefix##_dot_many(const float *q, const float *rows, size_t stride, size_t count, \
                                  size_t dim, float *out)                                        \
    {                                                                                            \
        kernel_many(prefix##_dot, q, rows, stride, count, dim, out);                             \
    }                                                                                            \
    static void prefix##_l2sq_many(const float *q, const float *rows, size_t stride,             \
                                   size_t count, size_t dim, float *out)                         \
    {                                                                                            \
        kernel_many(prefix##_l2sq, q, rows, stride, count, dim, out);                            \
    }                                                                                            \
    static void prefix##_dot_gather(const float *q, const float *base, size_t stride,            \
                                    const uint32_t *ids, size_t count, size_t dim, float *out)   \
    {                                                                                            \
        kernel_gather(prefix##_dot, q, base, stride, ids, count, dim, out);                      \
    }                                                                                            \
    static void prefix##_l2sq_gather(const float *q, const float *base, size_t stride,           \
                                     const uint32_t *ids, size_t count, size_t dim, float *out)  \
    {                                                                                            \
        kernel_gather(prefix##_l2sq, q, base, stride, ids, count, dim, out);                     \
    }

/* The quantised gathers (kernel.h version 2), written once in terms of the variant's single-row
 * ops <prefix>_dot_f16, _l2sq_f16, _dot_u8 and _l2sq_u8: each row's result is the single op's,
 * bit for bit, with the next row prefetched while this one is computed. */
#define KERNEL_GATHER_LOOP(row_bytes, call)                                                      \
    do {                                                                                         \
        if (count > 0)                                                                           \
            kernel_prefetch_bytes(base + (size_t)ids[0] * stride, (row_bytes));                  \
        for (size_t i = 0; i < count; i++) {                                                     \
            if (i + 1 < count)                                                                   \
                kernel_prefetch_bytes(base + (size_t)ids[i + 1] * stride, (row_bytes));          \
            out[i] = call(base + (size_t)ids[i] * stride);                                       \
        }                                                                                        \
    } while (0)

#define KERNEL_DEFINE_QUANT_GATHER(prefix)                                                       \
    static void prefix##_dot_f16_gather(const float *q, const uint16_t *base, size_t stride,     \
                                        const uint32_t *ids, size_t count, size_t dim,           \
                                        float *out)                                              \
    {                                                                                            \
        KERNEL_GATHER_LOOP(dim * 2u, KERNEL_CALL_DOT_F16);                                       \
    }                                                                                            \
    static void prefix##_l2sq_f16_gather(const float *q, const uint16_t *base, size_t stride,    \
                                         const uint32_t *ids, size_t count, size_t dim,          \
                                         float *out)                                             \
    {                                                                                            \
        KERNEL_GATHER_LOOP(dim * 2u, KERNEL_CALL_L2SQ_F16);                                      \
    }                                                                                            \
    static void prefix##_dot_u8_gather(const float *w, const uint8_t *base, size_t stride,       \
                                       const uint32_t *ids, size_t count, size_t dim,            \
                                       float *out)                                               \
    {                                                                                            \
        KERNEL_GATHER_LOOP(dim, KERNEL_CALL_DOT_U8);                                             \
    }                                                                                            \
    static void prefix##_l2sq_u8_gather(const float *r, const float *scale,                      \
                                        const uint8_t *base, size_t stride,                      \
                                        const uint32_t *ids, size_t count, size_t dim,           \
                                        float *out)                                              \
    {                                                                                            \
        KERNEL_GATHER_LOOP(dim, KERNEL_CALL_L2SQ_U8);                                            \
    }

/* Before KERNEL_DEFINE_QUANT_GATHER(prefix), a TU defines the four calls on one row `x`, e.g.
 *   #define KERNEL_CALL_DOT_F16(x) avx2_dot_f16(q, (x), dim)                                  */

/* Copy the last n (< lanes) elements of a quantised row into a zeroed block, so a full-width load
 * never reads past the row's end (x86 has no masked 8/16-bit load without AVX-512BW). */
#define KERNEL_TAIL_COPY(type, block, src, n)                                                    \
    do {                                                                                         \
        for (size_t t_ = 0; t_ < sizeof(block) / sizeof(block[0]); t_++)                         \
            block[t_] = 0;                                                                       \
        for (size_t t_ = 0; t_ < (n); t_++)                                                      \
            block[t_] = (type)(src)[t_];                                                         \
    } while (0)

/* The integer gather (kernel.h version 3) two rows at a time: `pair(w, x, y, dim, out)` scores
 * two rows with one pass over the weights, `one(w, c, dim)` an odd last row; the next two rows
 * are prefetched while these are computed. Integer sums are exact (modulo 2^32), so pairing
 * cannot change a result. */
#define KERNEL_DEFINE_U8S8_GATHER(name, pair, one)                                               \
    static void name(const int8_t *w, const uint8_t *base, size_t stride, const uint32_t *ids,   \
                     size_t count, size_t dim, int32_t *out)                                     \
    {                                                                                            \
        for (size_t j = 0; j < count && j < 2; j++)                                              \
            kernel_prefetch_bytes(base + (size_t)ids[j] * stride, dim);                          \
        size_t i = 0;                                                                            \
        for (; i + 2 <= count; i += 2) {                                                         \
            for (size_t j = i + 2; j < i + 4 && j < count; j++)                                  \
                kernel_prefetch_bytes(base + (size_t)ids[j] * stride, dim);                      \
            pair(w, base + (size_t)ids[i] * stride, base + (size_t)ids[i + 1] * stride, dim,     \
                 out + i);                                                                       \
        }                                                                                        \
        if (i < count)                                                                           \
            out[i] = one(w, base + (size_t)ids[i] * stride, dim);                                \
    }

/* Σ w_i·c_i for i in [from, dim) added to a wrapping 32-bit sum (the scalar tails of the integer
 * dot), and the sum's two's complement reading, as vajra_ref_dot_u8s8 does it. */
static inline __attribute__((always_inline)) uint32_t
kernel_u8s8_tail(const int8_t *w, const uint8_t *c, size_t from, size_t dim, uint32_t sum)
{
    for (size_t i = from; i < dim; i++)
        sum += (uint32_t)((int32_t)w[i] * (int32_t)c[i]);
    return sum;
}

static inline __attribute__((always_inline)) int32_t kernel_i32(uint32_t sum)
{
    return sum <= (uint32_t)INT32_MAX ? (int32_t)sum : -(int32_t)(~sum) - 1;
}

#endif /* VAJRA_KERNEL_COMMON_H */
