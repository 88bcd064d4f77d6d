/* The scalar definitions of the kernel's version-2 slots (quantised rows) and version-3 slots
 * (the integer dot of 8-bit codes): the reference every SIMD variant is tested against. Same rules
 * as distance_reference.c: one float accumulator, index order; f16 elements are widened exactly,
 * an 8-bit term is formed as kernel.h states; the integer dot wraps modulo 2^32. */
#include "vajra/kernel.h"
#include "vajra/quant.h"

float vajra_ref_dot_f16(const float *q, const uint16_t *x, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++)
        sum += q[i] * vajra_f16_to_f32(x[i]);
    return sum;
}

float vajra_ref_l2sq_f16(const float *q, const uint16_t *x, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++) {
        float d = q[i] - vajra_f16_to_f32(x[i]);
        sum += d * d;
    }
    return sum;
}

void vajra_ref_dot_f16_gather(const float *q, const uint16_t *base, size_t stride,
                              const uint32_t *ids, size_t count, size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_dot_f16(q, base + (size_t)ids[i] * stride, dim);
}

void vajra_ref_l2sq_f16_gather(const float *q, const uint16_t *base, size_t stride,
                               const uint32_t *ids, size_t count, size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_l2sq_f16(q, base + (size_t)ids[i] * stride, dim);
}

float vajra_ref_dot_u8(const float *w, const uint8_t *codes, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++)
        sum += w[i] * (float)codes[i];
    return sum;
}

float vajra_ref_l2sq_u8(const float *r, const float *scale, const uint8_t *codes, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++) {
        float t = scale[i] * (float)codes[i];
        float d = r[i] - t;
        sum += d * d;
    }
    return sum;
}

void vajra_ref_dot_u8_gather(const float *w, const uint8_t *base, size_t stride,
                             const uint32_t *ids, size_t count, size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_dot_u8(w, base + (size_t)ids[i] * stride, dim);
}

void vajra_ref_l2sq_u8_gather(const float *r, const float *scale, const uint8_t *base,
                              size_t stride, const uint32_t *ids, size_t count, size_t dim,
                              float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_l2sq_u8(r, scale, base + (size_t)ids[i] * stride, dim);
}

int32_t vajra_ref_dot_u8s8(const int8_t *w, const uint8_t *codes, size_t dim)
{
    /* Unsigned arithmetic wraps modulo 2^32 by definition (a signed overflow would be undefined),
     * which is what the SIMD accumulators (VPDPBUSD, VPMADDWD + VPADDD, SMLAL) do. */
    uint32_t sum = 0;
    for (size_t i = 0; i < dim; i++)
        sum += (uint32_t)((int32_t)w[i] * (int32_t)codes[i]);
    /* Two's complement reading without the implementation-defined conversion. */
    return sum <= (uint32_t)INT32_MAX ? (int32_t)sum : -(int32_t)(~sum) - 1;
}

void vajra_ref_dot_u8s8_gather(const int8_t *w, const uint8_t *base, size_t stride,
                               const uint32_t *ids, size_t count, size_t dim, int32_t *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_dot_u8s8(w, base + (size_t)ids[i] * stride, dim);
}
