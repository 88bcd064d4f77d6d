/* The scalar distance definitions: the reference every SIMD variant is tested against.
 * Deliberately plain: one float accumulator, index order. */
#include "vajra/kernel.h"

float vajra_ref_dot(const float *a, const float *b, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++)
        sum += a[i] * b[i];
    return sum;
}

float vajra_ref_l2sq(const float *a, const float *b, size_t dim)
{
    float sum = 0.0f;
    for (size_t i = 0; i < dim; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

float vajra_ref_cosine_distance(const float *a, const float *b, size_t dim)
{
    float ab = 0.0f, aa = 0.0f, bb = 0.0f;
    for (size_t i = 0; i < dim; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (aa == 0.0f || bb == 0.0f)
        return 1.0f;
    /* sqrtf(aa) * sqrtf(bb) rather than sqrtf(aa * bb): the product can overflow. */
    return 1.0f - ab / (__builtin_sqrtf(aa) * __builtin_sqrtf(bb));
}

void vajra_ref_dot_many(const float *q, const float *rows, size_t stride, size_t count, size_t dim,
                        float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_dot(q, rows + i * stride, dim);
}

void vajra_ref_l2sq_many(const float *q, const float *rows, size_t stride, size_t count,
                         size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_l2sq(q, rows + i * stride, dim);
}

void vajra_ref_dot_gather(const float *q, const float *base, size_t stride, const uint32_t *ids,
                          size_t count, size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_dot(q, base + (size_t)ids[i] * stride, dim);
}

void vajra_ref_l2sq_gather(const float *q, const float *base, size_t stride, const uint32_t *ids,
                           size_t count, size_t dim, float *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = vajra_ref_l2sq(q, base + (size_t)ids[i] * stride, dim);
}

static const VajraKernelOps reference_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = 0,
    .isa = "scalar",
    .dot = vajra_ref_dot,
    .l2sq = vajra_ref_l2sq,
    .cosine_distance = vajra_ref_cosine_distance,
    .dot_many = vajra_ref_dot_many,
    .l2sq_many = vajra_ref_l2sq_many,
    .dot_gather = vajra_ref_dot_gather,
    .l2sq_gather = vajra_ref_l2sq_gather,
    .dot_f16 = vajra_ref_dot_f16,
    .l2sq_f16 = vajra_ref_l2sq_f16,
    .dot_f16_gather = vajra_ref_dot_f16_gather,
    .l2sq_f16_gather = vajra_ref_l2sq_f16_gather,
    .dot_u8 = vajra_ref_dot_u8,
    .l2sq_u8 = vajra_ref_l2sq_u8,
    .dot_u8_gather = vajra_ref_dot_u8_gather,
    .l2sq_u8_gather = vajra_ref_l2sq_u8_gather,
    .dot_u8s8 = vajra_ref_dot_u8s8,
    .dot_u8s8_gather = vajra_ref_dot_u8s8_gather,
};

const VajraKernelOps *vajra_kernel_reference(void) { return &reference_ops; }
