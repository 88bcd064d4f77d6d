/* kernel-avx2: distances with AVX2 + FMA (8 lanes), compiled with -mavx2 -mfma -mf16c; f16 rows
 * are widened with F16C (present on every AVX2 CPU shipped, and checked by the registry).
 *
 * Four independent accumulators (32 floats per iteration) hide the FMA latency; the last
 * 1..7 elements are read with a masked load, which never touches memory past the end, so any
 * dimension and any alignment (all loads are unaligned loads) are handled without a scalar tail.
 * The registry only loads this plugin when the CPU and OS support AVX2 and FMA.
 */
#include <immintrin.h>

#include "kernel_common.h"
#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"
#include "kernel_x86_u8s8.h"

#define AVX2_LANES 8u

/* mask_table + (8 − r) is a mask whose first r lanes are set. */
static const int32_t mask_table[2 * AVX2_LANES] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                   0,  0,  0,  0,  0,  0,  0,  0};

static inline __m256i tail_mask(size_t r)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)(mask_table + AVX2_LANES - r));
}

static inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static float avx2_dot(const float *a, const float *b, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 4 * AVX2_LANES <= dim; i += 4 * AVX2_LANES) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    if (i < dim) {
        __m256i m = tail_mask(dim - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

static float avx2_l2sq(const float *a, const float *b, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 4 * AVX2_LANES <= dim; i += 4 * AVX2_LANES) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        __m256i m = tail_mask(dim - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

/* One pass for a·b, a·a and b·b; two accumulators each (six registers) keep both FMA ports busy. */
static float avx2_cosine_distance(const float *a, const float *b, size_t dim)
{
    __m256 ab0 = _mm256_setzero_ps(), ab1 = _mm256_setzero_ps();
    __m256 aa0 = _mm256_setzero_ps(), aa1 = _mm256_setzero_ps();
    __m256 bb0 = _mm256_setzero_ps(), bb1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX2_LANES <= dim; i += 2 * AVX2_LANES) {
        __m256 x0 = _mm256_loadu_ps(a + i), y0 = _mm256_loadu_ps(b + i);
        __m256 x1 = _mm256_loadu_ps(a + i + 8), y1 = _mm256_loadu_ps(b + i + 8);
        ab0 = _mm256_fmadd_ps(x0, y0, ab0);
        aa0 = _mm256_fmadd_ps(x0, x0, aa0);
        bb0 = _mm256_fmadd_ps(y0, y0, bb0);
        ab1 = _mm256_fmadd_ps(x1, y1, ab1);
        aa1 = _mm256_fmadd_ps(x1, x1, aa1);
        bb1 = _mm256_fmadd_ps(y1, y1, bb1);
    }
    if (i + AVX2_LANES <= dim) {
        __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
        ab0 = _mm256_fmadd_ps(x, y, ab0);
        aa0 = _mm256_fmadd_ps(x, x, aa0);
        bb0 = _mm256_fmadd_ps(y, y, bb0);
        i += AVX2_LANES;
    }
    if (i < dim) {
        __m256i m = tail_mask(dim - i);
        __m256 x = _mm256_maskload_ps(a + i, m), y = _mm256_maskload_ps(b + i, m);
        ab1 = _mm256_fmadd_ps(x, y, ab1);
        aa1 = _mm256_fmadd_ps(x, x, aa1);
        bb1 = _mm256_fmadd_ps(y, y, bb1);
    }
    return kernel_cosine_from_sums(hsum(_mm256_add_ps(ab0, ab1)), hsum(_mm256_add_ps(aa0, aa1)),
                                   hsum(_mm256_add_ps(bb0, bb1)));
}

/* ---- quantised rows (kernel.h version 2) ----
 * f16: eight halves widened with F16C's VCVTPH2PS (exact); u8: eight codes widened to int32 then
 * converted (exact). Tails (1..7 elements) go through a zeroed block; the query side uses the
 * masked load, so zero lanes add nothing. Two accumulators suffice: the widening, not the FMA,
 * limits these loops. */
static inline __m256 f16x8(const uint16_t *x)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)x));
}

static inline __m256 u8x8(const uint8_t *c)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)c)));
}

static float avx2_dot_f16(const float *q, const uint16_t *x, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX2_LANES <= dim; i += 2 * AVX2_LANES) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), f16x8(x + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), f16x8(x + i + 8), s1);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), f16x8(x + i), s0);
    if (i < dim) {
        uint16_t block[AVX2_LANES];
        KERNEL_TAIL_COPY(uint16_t, block, x + i, dim - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(q + i, tail_mask(dim - i)), f16x8(block), s1);
    }
    return hsum(_mm256_add_ps(s0, s1));
}

static float avx2_l2sq_f16(const float *q, const uint16_t *x, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX2_LANES <= dim; i += 2 * AVX2_LANES) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), f16x8(x + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), f16x8(x + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(q + i), f16x8(x + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        uint16_t block[AVX2_LANES];
        KERNEL_TAIL_COPY(uint16_t, block, x + i, dim - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(q + i, tail_mask(dim - i)), f16x8(block));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum(_mm256_add_ps(s0, s1));
}

static float avx2_dot_u8(const float *w, const uint8_t *c, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX2_LANES <= dim; i += 2 * AVX2_LANES) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), u8x8(c + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), u8x8(c + i + 8), s1);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), u8x8(c + i), s0);
    if (i < dim) {
        uint8_t block[AVX2_LANES];
        KERNEL_TAIL_COPY(uint8_t, block, c + i, dim - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(w + i, tail_mask(dim - i)), u8x8(block), s1);
    }
    return hsum(_mm256_add_ps(s0, s1));
}

/* t = scale·c rounded on its own, d = r − t, as the reference (kernel.h): the project builds
 * with -std=c11, where GCC does not contract the multiply into the subtraction. */
static inline __m256 u8_diff(__m256 r, __m256 scale, __m256 c)
{
    return _mm256_sub_ps(r, _mm256_mul_ps(scale, c));
}

static float avx2_l2sq_u8(const float *r, const float *scale, const uint8_t *c, size_t dim)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX2_LANES <= dim; i += 2 * AVX2_LANES) {
        __m256 d0 = u8_diff(_mm256_loadu_ps(r + i), _mm256_loadu_ps(scale + i), u8x8(c + i));
        __m256 d1 =
            u8_diff(_mm256_loadu_ps(r + i + 8), _mm256_loadu_ps(scale + i + 8), u8x8(c + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + AVX2_LANES <= dim; i += AVX2_LANES) {
        __m256 d = u8_diff(_mm256_loadu_ps(r + i), _mm256_loadu_ps(scale + i), u8x8(c + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        uint8_t block[AVX2_LANES];
        KERNEL_TAIL_COPY(uint8_t, block, c + i, dim - i);
        __m256i m = tail_mask(dim - i);
        __m256 d = u8_diff(_mm256_maskload_ps(r + i, m), _mm256_maskload_ps(scale + i, m),
                           u8x8(block));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum(_mm256_add_ps(s0, s1));
}

#define KERNEL_CALL_DOT_F16(x) avx2_dot_f16(q, (x), dim)
#define KERNEL_CALL_L2SQ_F16(x) avx2_l2sq_f16(q, (x), dim)
#define KERNEL_CALL_DOT_U8(x) avx2_dot_u8(w, (x), dim)
#define KERNEL_CALL_L2SQ_U8(x) avx2_l2sq_u8(r, scale, (x), dim)
KERNEL_DEFINE_QUANT_GATHER(avx2)

KERNEL_DEFINE_BATCH(avx2)

KERNEL_DEFINE_U8S8_GATHER(avx2_dot_u8s8_gather, x86_dot_u8s8_2, x86_dot_u8s8)

static const VajraKernelOps avx2_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = 20,
    .isa = "avx2",
    .dot = avx2_dot,
    .l2sq = avx2_l2sq,
    .cosine_distance = avx2_cosine_distance,
    .dot_many = avx2_dot_many,
    .l2sq_many = avx2_l2sq_many,
    .dot_gather = avx2_dot_gather,
    .l2sq_gather = avx2_l2sq_gather,
    .dot_f16 = avx2_dot_f16,
    .l2sq_f16 = avx2_l2sq_f16,
    .dot_f16_gather = avx2_dot_f16_gather,
    .l2sq_f16_gather = avx2_l2sq_f16_gather,
    .dot_u8 = avx2_dot_u8,
    .l2sq_u8 = avx2_l2sq_u8,
    .dot_u8_gather = avx2_dot_u8_gather,
    .l2sq_u8_gather = avx2_l2sq_u8_gather,
    .dot_u8s8 = x86_dot_u8s8,
    .dot_u8s8_gather = avx2_dot_u8s8_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-avx2",
    .version = "1.0.0",
    .description = "f32/f16/u8 distances with AVX2 + FMA + F16C (x86-64)",
    .required_cpu = VAJRA_CPU_AVX2 | VAJRA_CPU_FMA | VAJRA_CPU_F16C,
    .init = NULL,
    .fini = NULL,
    .vtable = &avx2_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
