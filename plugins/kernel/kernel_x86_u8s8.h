/* The integer dot of u8 codes with s8 weights (kernel.h version 3) in AVX2 instructions, shared
 * by kernel-avx2 and kernel-avx512 (an AVX-512F CPU without VNNI; both plugins require AVX2).
 *
 * Sixteen codes are zero-extended and sixteen weights sign-extended to 16 bits (VPMOVZXBW,
 * VPMOVSXBW), and VPMADDWD adds adjacent products into eight 32-bit lanes: a pair sum is at most
 * 2·255·128, so nothing saturates, and the 32-bit adds wrap modulo 2^32 exactly as the reference
 * does. The last 1..15 elements are summed by the scalar tail, so no load reads past the row.
 * Included only by plugins/kernel/kernel_avx2.c and kernel_avx512.c (compiled with their flags).
 */
#ifndef VAJRA_KERNEL_X86_U8S8_H
#define VAJRA_KERNEL_X86_U8S8_H

#include <immintrin.h>

#include "kernel_common.h"

static inline __attribute__((always_inline)) __m256i x86_madd16(const uint8_t *c, const int8_t *w)
{
    __m256i cc = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)c));
    __m256i ww = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)w));
    return _mm256_madd_epi16(cc, ww);
}

static inline __attribute__((always_inline)) uint32_t x86_hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(s);
}

static int32_t x86_dot_u8s8(const int8_t *w, const uint8_t *c, size_t dim)
{
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        s0 = _mm256_add_epi32(s0, x86_madd16(c + i, w + i));
        s1 = _mm256_add_epi32(s1, x86_madd16(c + i + 16, w + i + 16));
    }
    if (i + 16 <= dim) {
        s0 = _mm256_add_epi32(s0, x86_madd16(c + i, w + i));
        i += 16;
    }
    return kernel_i32(kernel_u8s8_tail(w, c, i, dim, x86_hsum_epi32(_mm256_add_epi32(s0, s1))));
}

/* Two rows with one pass over the weights (their 16-bit widening done once for both). */
static void x86_dot_u8s8_2(const int8_t *w, const uint8_t *x, const uint8_t *y, size_t dim,
                           int32_t *out)
{
    __m256i s = _mm256_setzero_si256(), t = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m256i ww = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(w + i)));
        __m256i xx = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x + i)));
        __m256i yy = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(y + i)));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(xx, ww));
        t = _mm256_add_epi32(t, _mm256_madd_epi16(yy, ww));
    }
    out[0] = kernel_i32(kernel_u8s8_tail(w, x, i, dim, x86_hsum_epi32(s)));
    out[1] = kernel_i32(kernel_u8s8_tail(w, y, i, dim, x86_hsum_epi32(t)));
}

#endif /* VAJRA_KERNEL_X86_U8S8_H */
