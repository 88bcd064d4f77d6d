/* kernel-avx512: f32 distances with AVX-512F (16 lanes), compiled with -mavx512f; and, from the
 * same source with -DKERNEL_AVX512_VNNI -mavx512bw -mavx512vnni, kernel-avx512vnni, which differs
 * only in the integer dot of 8-bit codes (kernel.h version 3: VPDPBUSD, 64 products per
 * instruction, instead of kernel_x86_u8s8.h's AVX2 VPMADDWD).
 *
 * Four independent accumulators (64 floats per iteration) hide the FMA latency; the remaining
 * elements go through 16-wide steps and one masked (zeroing) load for the last 1..15, which never
 * touches memory past the end. All loads are unaligned loads, so any dimension and alignment work.
 * Only AVX-512F instructions are used, but for the integer dot (AVX2 in kernel-avx512, VNNI in
 * kernel-avx512vnni); the registry loads a plugin only when the CPU and OS support what its
 * descriptor requires (ZMM state enabled, checked with XGETBV by the core).
 */
#include <immintrin.h>

#include "kernel_common.h"
#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"

#ifdef KERNEL_AVX512_VNNI
#define AVX512_ISA "avx512vnni"
#define AVX512_PRIORITY 35u
#define AVX512_CPU (VAJRA_CPU_AVX512F | VAJRA_CPU_AVX512BW | VAJRA_CPU_AVX512VNNI)
#else
#include "kernel_x86_u8s8.h"
#define AVX512_ISA "avx512"
#define AVX512_PRIORITY 30u
/* AVX2 for the integer dot (kernel_x86_u8s8.h); every AVX-512F CPU has it. */
#define AVX512_CPU (VAJRA_CPU_AVX512F | VAJRA_CPU_AVX2)
#endif

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

/* a·b and a·c in one pass: each row's accumulators, steps and reduction are avx512_dot's, so each
 * result equals avx512_dot's bit for bit; two rows' loads in flight at once hide more of the
 * memory latency of scattered rows (the HNSW walk's gathers). */
static void avx512_dot2(const float *a, const float *b, const float *c, size_t dim, float *out)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    __m512 t0 = _mm512_setzero_ps(), t1 = _mm512_setzero_ps();
    __m512 t2 = _mm512_setzero_ps(), t3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 4 * AVX512_LANES <= dim; i += 4 * AVX512_LANES) {
        __m512 a0 = _mm512_loadu_ps(a + i), a1 = _mm512_loadu_ps(a + i + 16);
        __m512 a2 = _mm512_loadu_ps(a + i + 32), a3 = _mm512_loadu_ps(a + i + 48);
        s0 = _mm512_fmadd_ps(a0, _mm512_loadu_ps(b + i), s0);
        t0 = _mm512_fmadd_ps(a0, _mm512_loadu_ps(c + i), t0);
        s1 = _mm512_fmadd_ps(a1, _mm512_loadu_ps(b + i + 16), s1);
        t1 = _mm512_fmadd_ps(a1, _mm512_loadu_ps(c + i + 16), t1);
        s2 = _mm512_fmadd_ps(a2, _mm512_loadu_ps(b + i + 32), s2);
        t2 = _mm512_fmadd_ps(a2, _mm512_loadu_ps(c + i + 32), t2);
        s3 = _mm512_fmadd_ps(a3, _mm512_loadu_ps(b + i + 48), s3);
        t3 = _mm512_fmadd_ps(a3, _mm512_loadu_ps(c + i + 48), t3);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES) {
        __m512 x = _mm512_loadu_ps(a + i);
        s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + i), s0);
        t0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(c + i), t0);
    }
    if (i < dim) {
        __mmask16 m = tail_mask(dim - i);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i);
        s1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, b + i), s1);
        t1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, c + i), t1);
    }
    out[0] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    out[1] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(t0, t1), _mm512_add_ps(t2, t3)));
}

/* ---- quantised rows (kernel.h version 2) ----
 * f16: sixteen halves widened with VCVTPH2PS (AVX-512F, exact); u8: sixteen codes widened with
 * VPMOVZXBD then converted (exact). Masked 8/16-bit loads need AVX-512BW, which this plugin does
 * not require, so the 1..15-element tail is loaded by whole 32-bit words (f16x16_tail,
 * u8x16_tail); the float side uses the zeroing masked load. */
static inline __m512 f16x16(const uint16_t *x)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)x));
}

static inline __m512 u8x16(const uint8_t *c)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)c)));
}

/* The last n (1..15) elements of a row widened, the other lanes zero, reading nothing past the
 * row: its whole 32-bit words by a zero-masked load (AVX-512F; masked-off words never fault),
 * the 1..3 bytes (u8) or the one half (f16) after them by a masked broadcast. The very vector
 * that widening a zeroed block holding the n elements gives, without the copy (which was a
 * memcpy call per row: 3 % of a GloVe search). */
static inline __m512 f16x16_tail(const uint16_t *x, size_t n)
{
    __m512i v = _mm512_maskz_loadu_epi32((__mmask16)((1u << (n / 2)) - 1u), x);
    if (n & 1u)
        v = _mm512_mask_set1_epi32(v, (__mmask16)(1u << (n / 2)), (int)x[n - 1]);
    return _mm512_cvtph_ps(_mm512_castsi512_si256(v));
}

static inline __m512 u8x16_tail(const uint8_t *c, size_t n)
{
    size_t words = n / 4;
    __m512i v = _mm512_maskz_loadu_epi32((__mmask16)((1u << words) - 1u), c);
    if (n & 3u) {
        uint32_t last = 0;
        for (size_t r = words * 4; r < n; r++)
            last |= (uint32_t)c[r] << (8 * (r - words * 4));
        v = _mm512_mask_set1_epi32(v, (__mmask16)(1u << words), (int)last);
    }
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(v)));
}

static float avx512_dot_f16(const float *q, const uint16_t *x, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), f16x16(x + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), f16x16(x + i + 16), s1);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), f16x16(x + i), s0);
    if (i < dim)
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail_mask(dim - i), q + i),
                             f16x16_tail(x + i, dim - i), s1);
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

/* q·x and q·y for two quantised rows (elements widened by `widen`), each with the single call's
 * accumulators, steps and reduction (avx512_dot_f16, avx512_dot_u8: so each result is its single
 * call's bit for bit), as avx512_dot2 for f32 rows. The single calls' two accumulator chains leave
 * the FMA units half idle; two rows fill them and keep two rows' loads in flight. */
#define AVX512_DOT_QUANT_2(name, elem, widen, widen_tail)                                        \
    static void name(const float *q, const elem *x, const elem *y, size_t dim, float *out)       \
    {                                                                                            \
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();                               \
        __m512 t0 = _mm512_setzero_ps(), t1 = _mm512_setzero_ps();                               \
        size_t i = 0;                                                                            \
        for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {                             \
            __m512 q0 = _mm512_loadu_ps(q + i), q1 = _mm512_loadu_ps(q + i + 16);                \
            s0 = _mm512_fmadd_ps(q0, widen(x + i), s0);                                          \
            t0 = _mm512_fmadd_ps(q0, widen(y + i), t0);                                          \
            s1 = _mm512_fmadd_ps(q1, widen(x + i + 16), s1);                                     \
            t1 = _mm512_fmadd_ps(q1, widen(y + i + 16), t1);                                     \
        }                                                                                        \
        for (; i + AVX512_LANES <= dim; i += AVX512_LANES) {                                     \
            __m512 q0 = _mm512_loadu_ps(q + i);                                                  \
            s0 = _mm512_fmadd_ps(q0, widen(x + i), s0);                                          \
            t0 = _mm512_fmadd_ps(q0, widen(y + i), t0);                                          \
        }                                                                                        \
        if (i < dim) {                                                                           \
            __m512 q0 = _mm512_maskz_loadu_ps(tail_mask(dim - i), q + i);                        \
            s1 = _mm512_fmadd_ps(q0, widen_tail(x + i, dim - i), s1);                            \
            t1 = _mm512_fmadd_ps(q0, widen_tail(y + i, dim - i), t1);                            \
        }                                                                                        \
        out[0] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));                                    \
        out[1] = _mm512_reduce_add_ps(_mm512_add_ps(t0, t1));                                    \
    }
AVX512_DOT_QUANT_2(avx512_dot_f16_2, uint16_t, f16x16, f16x16_tail)
AVX512_DOT_QUANT_2(avx512_dot_u8_2, uint8_t, u8x16, u8x16_tail)

static float avx512_l2sq_f16(const float *q, const uint16_t *x, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), f16x16(x + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(q + i + 16), f16x16(x + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(q + i), f16x16(x + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(tail_mask(dim - i), q + i),
                                 f16x16_tail(x + i, dim - i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

static float avx512_dot_u8(const float *w, const uint8_t *c, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), u8x16(c + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), u8x16(c + i + 16), s1);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), u8x16(c + i), s0);
    if (i < dim)
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail_mask(dim - i), w + i),
                             u8x16_tail(c + i, dim - i), s1);
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

/* t = scale·c rounded on its own, d = r − t, as the reference (kernel.h; -std=c11 keeps GCC from
 * contracting the two). */
static inline __m512 u8_diff(__m512 r, __m512 scale, __m512 c)
{
    return _mm512_sub_ps(r, _mm512_mul_ps(scale, c));
}

static float avx512_l2sq_u8(const float *r, const float *scale, const uint8_t *c, size_t dim)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * AVX512_LANES <= dim; i += 2 * AVX512_LANES) {
        __m512 d0 = u8_diff(_mm512_loadu_ps(r + i), _mm512_loadu_ps(scale + i), u8x16(c + i));
        __m512 d1 = u8_diff(_mm512_loadu_ps(r + i + 16), _mm512_loadu_ps(scale + i + 16),
                            u8x16(c + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
    }
    for (; i + AVX512_LANES <= dim; i += AVX512_LANES) {
        __m512 d = u8_diff(_mm512_loadu_ps(r + i), _mm512_loadu_ps(scale + i), u8x16(c + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < dim) {
        __mmask16 m = tail_mask(dim - i);
        __m512 d = u8_diff(_mm512_maskz_loadu_ps(m, r + i), _mm512_maskz_loadu_ps(m, scale + i),
                           u8x16_tail(c + i, dim - i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

#define KERNEL_CALL_DOT_F16(x) avx512_dot_f16(q, (x), dim)
#define KERNEL_CALL_L2SQ_F16(x) avx512_l2sq_f16(q, (x), dim)
#define KERNEL_CALL_DOT_U8(x) avx512_dot_u8(w, (x), dim)
#define KERNEL_CALL_L2SQ_U8(x) avx512_l2sq_u8(r, scale, (x), dim)
KERNEL_DEFINE_QUANT_GATHER(avx512)

KERNEL_DEFINE_BATCH(avx512)

/* The gathered dot products two rows at a time (avx512_dot2, _dot_f16_2, _dot_u8_2), the next
 * two rows prefetched while these are computed, an odd last row through the one-row gather; each
 * result is the single call's. */
#define AVX512_GATHER_PAIRS(name, elem, pair, one)                                              \
    static void name(const float *q, const elem *base, size_t stride, const uint32_t *ids,       \
                     size_t count, size_t dim, float *out)                                       \
    {                                                                                            \
        for (size_t j = 0; j < count && j < 2; j++)                                              \
            kernel_prefetch_bytes(base + (size_t)ids[j] * stride, dim * sizeof(elem));           \
        size_t i = 0;                                                                            \
        for (; i + 2 <= count; i += 2) {                                                         \
            for (size_t j = i + 2; j < i + 4 && j < count; j++)                                  \
                kernel_prefetch_bytes(base + (size_t)ids[j] * stride, dim * sizeof(elem));       \
            pair(q, base + (size_t)ids[i] * stride, base + (size_t)ids[i + 1] * stride, dim,     \
                 out + i);                                                                       \
        }                                                                                        \
        if (i < count)                                                                           \
            one(q, base, stride, ids + i, 1, dim, out + i);                                      \
    }
AVX512_GATHER_PAIRS(avx512_dot_gather_pairs, float, avx512_dot2, avx512_dot_gather)
AVX512_GATHER_PAIRS(avx512_dot_f16_gather_pairs, uint16_t, avx512_dot_f16_2, avx512_dot_f16_gather)
AVX512_GATHER_PAIRS(avx512_dot_u8_gather_pairs, uint8_t, avx512_dot_u8_2, avx512_dot_u8_gather)

/* ---- u8 codes · s8 weights in integers (kernel.h version 3) ---- */
#ifdef KERNEL_AVX512_VNNI
/* VPDPBUSD: 64 unsigned codes times 64 signed weights, each four adjacent products summed (at
 * most 4·255·128, no overflow) into sixteen 32-bit lanes, which wrap like the reference's sum.
 * The tail is one zero-masked byte load (AVX-512BW), which never touches memory past the row. */
static inline __mmask64 byte_mask(size_t r)
{
    return r >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << r) - 1);
}

static inline __m512i bytes(const void *p)
{
    return _mm512_loadu_si512(p);
}

/* The lane sum modulo 2^32 by vector adds: GCC's _mm512_reduce_add_epi32 adds the halves as
 * C ints, which is undefined behaviour (and a UBSan error) when the documented wrap happens. */
static inline uint32_t avx512_hsum_epi32(__m512i v)
{
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(s);
}

static int32_t avx512_dot_u8s8(const int8_t *w, const uint8_t *c, size_t dim)
{
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= dim; i += 128) {
        s0 = _mm512_dpbusd_epi32(s0, bytes(c + i), bytes(w + i));
        s1 = _mm512_dpbusd_epi32(s1, bytes(c + i + 64), bytes(w + i + 64));
    }
    for (; i < dim; i += 64) {
        __mmask64 m = byte_mask(dim - i);
        s0 = _mm512_dpbusd_epi32(s0, _mm512_maskz_loadu_epi8(m, c + i),
                                 _mm512_maskz_loadu_epi8(m, w + i));
    }
    return kernel_i32(avx512_hsum_epi32(_mm512_add_epi32(s0, s1)));
}

/* Two rows against one load of the weights: the single call's dependency chain is one
 * VPDPBUSD per 64 bytes, so a second row keeps the unit and the loads busy. */
static void avx512_dot_u8s8_2(const int8_t *w, const uint8_t *x, const uint8_t *y, size_t dim,
                              int32_t *out)
{
    __m512i s = _mm512_setzero_si512(), t = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        __m512i wv = bytes(w + i);
        s = _mm512_dpbusd_epi32(s, bytes(x + i), wv);
        t = _mm512_dpbusd_epi32(t, bytes(y + i), wv);
    }
    if (i < dim) {
        __mmask64 m = byte_mask(dim - i);
        __m512i wv = _mm512_maskz_loadu_epi8(m, w + i);
        s = _mm512_dpbusd_epi32(s, _mm512_maskz_loadu_epi8(m, x + i), wv);
        t = _mm512_dpbusd_epi32(t, _mm512_maskz_loadu_epi8(m, y + i), wv);
    }
    out[0] = kernel_i32(avx512_hsum_epi32(s));
    out[1] = kernel_i32(avx512_hsum_epi32(t));
}
#else
#define avx512_dot_u8s8 x86_dot_u8s8
#define avx512_dot_u8s8_2 x86_dot_u8s8_2
#endif
KERNEL_DEFINE_U8S8_GATHER(avx512_dot_u8s8_gather, avx512_dot_u8s8_2, avx512_dot_u8s8)

static const VajraKernelOps avx512_ops = {
    .version = VAJRA_KERNEL_VTABLE_VERSION,
    .priority = AVX512_PRIORITY,
    .isa = AVX512_ISA,
    .dot = avx512_dot,
    .l2sq = avx512_l2sq,
    .cosine_distance = avx512_cosine_distance,
    .dot_many = avx512_dot_many,
    .l2sq_many = avx512_l2sq_many,
    .dot_gather = avx512_dot_gather_pairs,
    .l2sq_gather = avx512_l2sq_gather,
    .dot_f16 = avx512_dot_f16,
    .l2sq_f16 = avx512_l2sq_f16,
    .dot_f16_gather = avx512_dot_f16_gather_pairs,
    .l2sq_f16_gather = avx512_l2sq_f16_gather,
    .dot_u8 = avx512_dot_u8,
    .l2sq_u8 = avx512_l2sq_u8,
    .dot_u8_gather = avx512_dot_u8_gather_pairs,
    .l2sq_u8_gather = avx512_l2sq_u8_gather,
    .dot_u8s8 = avx512_dot_u8s8,
    .dot_u8s8_gather = avx512_dot_u8s8_gather,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_KERNEL,
    .name = "kernel-" AVX512_ISA,
    .version = "1.0.0",
#ifdef KERNEL_AVX512_VNNI
    .description = "f32/f16/u8 distances with AVX-512F, integer u8 codes with AVX-512 VNNI (x86-64)",
#else
    .description = "f32/f16/u8 distances with AVX-512F (x86-64)",
#endif
    .required_cpu = AVX512_CPU,
    .init = NULL,
    .fini = NULL,
    .vtable = &avx512_ops,
};

VAJRA_DEFINE_PLUGIN(desc)
