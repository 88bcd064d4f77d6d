/* The scalar definitions of the kernel's version-2 slots (quantised rows): the reference every
 * SIMD variant is tested against. Same rules as distance_reference.c: one float accumulator,
 * index order; f16 elements are widened exactly, an 8-bit term is formed as kernel.h states. */
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
