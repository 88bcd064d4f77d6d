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
#include "vajra/quant.h"

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

/* ---- quantised rows (kernel.h version 2) ----
 * f16: four halves reinterpreted as float16x4_t and widened with FCVTL (exact); u8: eight codes
 * widened u8 -> u16 -> u32 and converted (exact). The 1..3 (f16) or 1..7 (u8) tail elements are
 * summed in a scalar accumulator, as the f32 ops do. */
static inline float32x4_t f16x4(const uint16_t *x)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(x)));
}

static float neon_dot_f16(const float *q, const uint16_t *x, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 2 * NEON_LANES <= dim; i += 2 * NEON_LANES) {
        s0 = vfmaq_f32(s0, vld1q_f32(q + i), f16x4(x + i));
        s1 = vfmaq_f32(s1, vld1q_f32(q + i + 4), f16x4(x + i + 4));
    }
    for (; i + NEON_LANES <= dim; i += NEON_LANES)
        s0 = vfmaq_f32(s0, vld1q_f32(q + i), f16x4(x + i));
    float tail = 0.0f;
    for (; i < dim; i++)
        tail += q[i] * vajra_f16_to_f32(x[i]);
    return vaddvq_f32(vaddq_f32(s0, s1)) + tail;
}

static float neon_l2sq_f16(const float *q, const uint16_t *x, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 2 * NEON_LANES <= dim; i += 2 * NEON_LANES) {
        float32x4_t d0 = vsubq_f32(vld1q_f32(q + i), f16x4(x + i));
        float32x4_t d1 = vsubq_f32(vld1q_f32(q + i + 4), f16x4(x + i + 4));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
    }
    for (; i + NEON_LANES <= dim; i += NEON_LANES) {
        float32x4_t d = vsubq_f32(vld1q_f32(q + i), f16x4(x + i));
        s0 = vfmaq_f32(s0, d, d);
    }
    float tail = 0.0f;
    for (; i < dim; i++) {
        float d = q[i] - vajra_f16_to_f32(x[i]);
        tail += d * d;
    }
    return vaddvq_f32(vaddq_f32(s0, s1)) + tail;
}

/* Eight codes as two float32x4_t. */
static inline void u8x8(const uint8_t *c, float32x4_t *lo, float32x4_t *hi)
{
    uint16x8_t w = vmovl_u8(vld1_u8(c));
    *lo = vcvtq_f32_u32(vmovl_u16(vget_low_u16(w)));
    *hi = vcvtq_f32_u32(vmovl_u16(vget_high_u16(w)));
}

static float neon_dot_u8(const float *w, const uint8_t *c, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 2 * NEON_LANES <= dim; i += 2 * NEON_LANES) {
        float32x4_t c0, c1;
        u8x8(c + i, &c0, &c1);
        s0 = vfmaq_f32(s0, vld1q_f32(w + i), c0);
        s1 = vfmaq_f32(s1, vld1q_f32(w + i + 4), c1);
    }
    float tail = 0.0f;
    for (; i < dim; i++)
        tail += w[i] * (float)c[i];
    return vaddvq_f32(vaddq_f32(s0, s1)) + tail;
}

/* t = scale·c rounded on its own (vmulq), d = r − t (vsubq): never fused, as the reference. */
static float neon_l2sq_u8(const float *r, const float *scale, const uint8_t *c, size_t dim)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 2 * NEON_LANES <= dim; i += 2 * NEON_LANES) {
        float32x4_t c0, c1;
        u8x8(c + i, &c0, &c1);
        float32x4_t d0 = vsubq_f32(vld1q_f32(r + i), vmulq_f32(vld1q_f32(scale + i), c0));
        float32x4_t d1 = vsubq_f32(vld1q_f32(r + i + 4), vmulq_f32(vld1q_f32(scale + i + 4), c1));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
    }
    float tail = 0.0f;
    for (; i < dim; i++) {
        float t = scale[i] * (float)c[i];
        float d = r[i] - t;
        tail += d * d;
    }
    return vaddvq_f32(vaddq_f32(s0, s1)) + tail;
}

#define KERNEL_CALL_DOT_F16(x) neon_dot_f16(q, (x), dim)
#define KERNEL_CALL_L2SQ_F16(x) neon_l2sq_f16(q, (x), dim)
#define KERNEL_CALL_DOT_U8(x) neon_dot_u8(w, (x), dim)
#define KERNEL_CALL_L2SQ_U8(x) neon_l2sq_u8(r, scale, (x), dim)
KERNEL_DEFINE_QUANT_GATHER(neon)

KERNEL_DEFINE_BATCH(neon)

/* u8 codes · s8 weights in integers (kernel.h version 3): eight codes zero-extended and eight
 * weights sign-extended to 16 bits, multiplied and accumulated into 32-bit lanes (SMLAL), which
 * wrap modulo 2^32 like the reference's sum; the last 1..7 elements by the scalar tail. */
static inline int32x4_t neon_mlal8(int32x4_t s, const int8_t *w, const uint8_t *c)
{
    int16x8_t cc = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(c)));
    int16x8_t ww = vmovl_s8(vld1_s8(w));
    s = vmlal_s16(s, vget_low_s16(cc), vget_low_s16(ww));
    return vmlal_high_s16(s, cc, ww);
}

static int32_t neon_dot_u8s8(const int8_t *w, const uint8_t *c, size_t dim)
{
    int32x4_t s0 = vdupq_n_s32(0), s1 = vdupq_n_s32(0);
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        s0 = neon_mlal8(s0, w + i, c + i);
        s1 = neon_mlal8(s1, w + i + 8, c + i + 8);
    }
    if (i + 8 <= dim) {
        s0 = neon_mlal8(s0, w + i, c + i);
        i += 8;
    }
    uint32_t sum = vaddvq_u32(vreinterpretq_u32_s32(vaddq_s32(s0, s1)));
    return kernel_i32(kernel_u8s8_tail(w, c, i, dim, sum));
}

static void neon_dot_u8s8_2(const int8_t *w, const uint8_t *x, const uint8_t *y, size_t dim,
                            int32_t *out)
{
    out[0] = neon_dot_u8s8(w, x, dim);
    out[1] = neon_dot_u8s8(w, y, dim);
}
KERNEL_DEFINE_U8S8_GATHER(neon_dot_u8s8_gather, neon_dot_u8s8_2, neon_dot_u8s8)

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
    .dot_f16 = neon_dot_f16,
    .l2sq_f16 = neon_l2sq_f16,
    .dot_f16_gather = neon_dot_f16_gather,
    .l2sq_f16_gather = neon_l2sq_f16_gather,
    .dot_u8 = neon_dot_u8,
    .l2sq_u8 = neon_l2sq_u8,
    .dot_u8_gather = neon_dot_u8_gather,
    .l2sq_u8_gather = neon_l2sq_u8_gather,
    .dot_u8s8 = neon_dot_u8s8,
    .dot_u8s8_gather = neon_dot_u8s8_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-neon",
    .version = "1.0.0",
    .description = "f32/f16/u8 distances with AArch64 Advanced SIMD (NEON)",
    .required_cpu = VAJRA_CPU_NEON,
    .init = NULL,
    .fini = NULL,
    .vtable = &neon_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
