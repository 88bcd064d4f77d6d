/* kernel-avx512: f32 distances with AVX-512F (16 lanes), compiled with -mavx512f.
 *
 * Four independent accumulators (64 floats per iteration) hide the FMA latency; the remaining
 * elements go through 16-wide steps and one masked (zeroing) load for the last 1..15, which never
 * touches memory past the end. All loads are unaligned loads, so any dimension and alignment work.
 * Only AVX-512F instructions are used; the registry loads this plugin only when the CPU and OS
 * support them (ZMM state enabled, checked with XGETBV by the core).
 */
#include <immintrin.h>

#include "kernel_common.h"
#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"

#define AVX512_LANES 16u

static inline __mmask16 tail_mask(size_t r)
{
    return (__mmask16)((1u << r) - 1u);
}

static float avx512_dot(const float *a, const float *b, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 4 * AVX512_LANES <= dim; i += 4 * AVX512_LANES) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < dim) {
        __mmask16 m = tail_mask(dim - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

static float avx512_l2sq(const float *a, const float *b, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 4 * AVX512_LANES <= dim; i += 4 * AVX512_LANES) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        __mmask16 m = tail_mask(dim - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* One pass for a·b, a·a and b·b; two accumulators each. */
static float avx512_cosine_distance(const float *a, const float *b, size_t dim)
{
    __m512 ab0 = _mm512_setzero_ps(), ab1 = _mm512_setzero_ps();
    __m512 aa0 = _mm512_setzero_ps(), aa1 = _mm512_setzero_ps();
    __m512 bb0 = _mm512_setzero_ps(), bb1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {
        __m512 x0 = _mm512_loadu_ps(a + i), y0 = _mm512_loadu_ps(b + i);
        __m512 x1 = _mm512_loadu_ps(a + i + 16), y1 = _mm512_loadu_ps(b + i + 16);
        ab0 = _mm512_fmadd_ps(x0, y0, ab0);
        aa0 = _mm512_fmadd_ps(x0, x0, aa0);
        bb0 = _mm512_fmadd_ps(y0, y0, bb0);
        ab1 = _mm512_fmadd_ps(x1, y1, ab1);
        aa1 = _mm512_fmadd_ps(x1, x1, aa1);
        bb1 = _mm512_fmadd_ps(y1, y1, bb1);
    }
    if (i + AVX512_LANES <= dim) {
        __m512 x = _mm512_loadu_ps(a + i), y = _mm512_loadu_ps(b + i);
        ab0 = _mm512_fmadd_ps(x, y, ab0);
        aa0 = _mm512_fmadd_ps(x, x, aa0);
        bb0 = _mm512_fmadd_ps(y, y, bb0);
        i += AVX512_LANES;
    }
    if (i < dim) {
        __mmask16 m = tail_mask(dim - i);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        ab1 = _mm512_fmadd_ps(x, y, ab1);
        aa1 = _mm512_fmadd_ps(x, x, aa1);
        bb1 = _mm512_fmadd_ps(y, y, bb1);
    }
    return kernel_cosine_from_sums(_mm512_reduce_add_ps(_mm512_add_ps(ab0, ab1)),
                                   _mm512_reduce_add_ps(_mm512_add_ps(aa0, aa1)),
                                   _mm512_reduce_add_ps(_mm512_add_ps(bb0, bb1)));
}

KERNEL_DEFINE_BATCH(avx512)

static const VajraKernelOps avx512_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = 30,
    .isa = "avx512",
    .dot = avx512_dot,
    .l2sq = avx512_l2sq,
    .cosine_distance = avx512_cosine_distance,
    .dot_many = avx512_dot_many,
    .l2sq_many = avx512_l2sq_many,
    .dot_gather = avx512_dot_gather,
    .l2sq_gather = avx512_l2sq_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-avx512",
    .version = "1.0.0",
    .description = "f32 distances with AVX-512F (x86-64)",
    .required_cpu = VAJRA_CPU_AVX512F,
    .init = NULL,
    .fini = NULL,
    .vtable = &avx512_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
