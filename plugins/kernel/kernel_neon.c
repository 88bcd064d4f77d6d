/* kernel-neon: f32 distances with AArch64 Advanced SIMD (4 lanes). NEON is part of the AArch64
 * baseline, so no extra compiler flags are needed; the registry still checks VAJRA_CPU_NEON
 * (getauxval(AT_HWCAP) & HWCAP_ASIMD) before loading it.
 *
 * Four independent accumulators (16 floats per iteration) hide the FMA latency; whole 4-lane
 * steps follow, and the last 1..3 elements are summed in a scalar accumulator (NEON has no masked
 * load, and reading past the end could cross into an unmapped page). vld1q_f32 has no alignment
 * requirement, so any alignment works.
 */
#include <arm_neon.h>

#include "kernel_common.h"
#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"

#define NEON_LANES 4u

static float neon_dot(const float *a, const float *b, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    float32x4_t s2 = vdupq_n_f32(0.0f), s3 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 * NEON_LANES <= dim; i += 4 * NEON_LANES) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + NEON_LANES <= dim; i += NEON_LANES)
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float tail = 0.0f;
    for (; i < dim; i++)
        tail += a[i] * b[i];
    return vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3))) + tail;
}

static float neon_l2sq(const float *a, const float *b, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    float32x4_t s2 = vdupq_n_f32(0.0f), s3 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 * NEON_LANES <= dim; i += 4 * NEON_LANES) {
        float32x4_t d0 = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        float32x4_t d1 = vsubq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        float32x4_t d2 = vsubq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        float32x4_t d3 = vsubq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
        s2 = vfmaq_f32(s2, d2, d2);
        s3 = vfmaq_f32(s3, d3, d3);
    }
    for (; i + NEON_LANES <= dim; i += NEON_LANES) {
        float32x4_t d = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        s0 = vfmaq_f32(s0, d, d);
    }
    float tail = 0.0f;
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        tail += d * d;
    }
    return vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3))) + tail;
}

/* One pass for a·b, a·a and b·b; two accumulators each. */
static float neon_cosine_distance(const float *a, const float *b, size_t dim)
{
    float32x4_t ab0 = vdupq_n_f32(0.0f), ab1 = vdupq_n_f32(0.0f);
    float32x4_t aa0 = vdupq_n_f32(0.0f), aa1 = vdupq_n_f32(0.0f);
    float32x4_t bb0 = vdupq_n_f32(0.0f), bb1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 2 * NEON_LANES <= dim; i += 2 * NEON_LANES) {
        float32x4_t x0 = vld1q_f32(a + i), y0 = vld1q_f32(b + i);
        float32x4_t x1 = vld1q_f32(a + i + 4), y1 = vld1q_f32(b + i + 4);
        ab0 = vfmaq_f32(ab0, x0, y0);
        aa0 = vfmaq_f32(aa0, x0, x0);
        bb0 = vfmaq_f32(bb0, y0, y0);
        ab1 = vfmaq_f32(ab1, x1, y1);
        aa1 = vfmaq_f32(aa1, x1, x1);
        bb1 = vfmaq_f32(bb1, y1, y1);
    }
    if (i + NEON_LANES <= dim) {
        float32x4_t x = vld1q_f32(a + i), y = vld1q_f32(b + i);
        ab0 = vfmaq_f32(ab0, x, y);
        aa0 = vfmaq_f32(aa0, x, x);
        bb0 = vfmaq_f32(bb0, y, y);
        i += NEON_LANES;
    }
    float ab = 0.0f, aa = 0.0f, bb = 0.0f;
    for (; i < dim; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    ab += vaddvq_f32(vaddq_f32(ab0, ab1));
    aa += vaddvq_f32(vaddq_f32(aa0, aa1));
    bb += vaddvq_f32(vaddq_f32(bb0, bb1));
    return kernel_cosine_from_sums(ab, aa, bb);
}

KERNEL_DEFINE_BATCH(neon)

static const VajraKernelOps neon_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = 10,
    .isa = "neon",
    .dot = neon_dot,
    .l2sq = neon_l2sq,
    .cosine_distance = neon_cosine_distance,
    .dot_many = neon_dot_many,
    .l2sq_many = neon_l2sq_many,
    .dot_gather = neon_dot_gather,
    .l2sq_gather = neon_l2sq_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-neon",
    .version = "1.0.0",
    .description = "f32 distances with AArch64 Advanced SIMD (NEON)",
    .required_cpu = VAJRA_CPU_NEON,
    .init = NULL,
    .fini = NULL,
    .vtable = &neon_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
