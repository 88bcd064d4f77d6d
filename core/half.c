/* IEEE binary16 <-> binary32 in portable C: the reference the F16C/NEON conversions inside the
 * kernels must agree with (f16 -> f32 is exact; f32 -> f16 rounds to nearest, ties to even).
 * No dependencies, so the NEON cross build of the kernel parity test can compile it as is.
 * The array conversions take F16C on x86-64 when the CPU has it: VCVTPS2PH with rounding mode 0
 * is this file's rounding bit for bit (NaN payloads included; MXCSR's FTZ does not apply to it and
 * DAZ only zeroes f32 subnormals, which round to ±0 here too) and converts an index's rows ~10×
 * faster (tested against the scalar function on a sweep of bit patterns, test_quant.c). */
#include <stdbool.h>
#include <string.h>

#include "vajra/quant.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "vajra/cpu.h"
#define HALF_F16C 1

__attribute__((target("avx,f16c"))) static size_t f16c_convert(const float *src, uint16_t *dst,
                                                                size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    return i;
}

/* Whether src[0, n8) (n8 a multiple of 8) round-trips through binary16; converted into dst. */
__attribute__((target("avx,f16c"))) static bool f16c_exact(const float *src, uint16_t *dst,
                                                           size_t n8)
{
    for (size_t i = 0; i < n8; i += 8) {
        __m256 v = _mm256_loadu_ps(src + i);
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
        if (dst != NULL)
            _mm_storeu_si128((__m128i *)(void *)(dst + i), h);
        /* bitwise: the round trip keeps the sign of zero, and NaN never compares equal */
        __m256 back = _mm256_cvtph_ps(h);
        if (_mm256_movemask_ps(_mm256_cmp_ps(v, back, _CMP_EQ_OQ)) != 0xff)
            return false;
    }
    return true;
}

/* The core's CPUID probe (cpu.c; clang's __builtin_cpu_supports knows no "f16c"). */
static bool have_f16c(void)
{
    const uint64_t need = VAJRA_CPU_AVX | VAJRA_CPU_F16C;
    return (vajra_cpu_features() & need) == need;
}
#endif

float vajra_f16_to_f32(uint16_t half)
{
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1fu;
    uint32_t mantissa = half & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        /* Infinity or NaN: keep the payload in the top mantissa bits. */
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        /* Normal: rebias the exponent from 15 to 127. */
        bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; /* ±0 */
    } else {
        /* Subnormal half (mantissa · 2^-24) is a normal float: shift the leading 1 up to the
         * implicit position, lowering the exponent once per shift. */
        uint32_t e = 127 - 15 + 1;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Round m >> shift to nearest, ties to even (shift >= 1). */
static uint32_t shift_round_even(uint32_t m, uint32_t shift)
{
    uint32_t kept = m >> shift;
    uint32_t rest = m & ((1u << shift) - 1u);
    uint32_t halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (kept & 1u)))
        kept++;
    return kept;
}

uint16_t vajra_f32_to_f16(float value)
{
    uint32_t x;
    memcpy(&x, &value, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mag = x & 0x7fffffffu;
    if (mag >= 0x7f800000u) { /* inf, or NaN kept quiet with the top of its payload */
        uint32_t nan = mag > 0x7f800000u ? (0x200u | ((mag >> 13) & 0x3ffu)) : 0u;
        return (uint16_t)(sign | 0x7c00u | nan);
    }
    if (mag >= 0x477ff000u) /* >= 65520: rounds past the largest half, 65504 */
        return (uint16_t)(sign | 0x7c00u);
    if (mag <= 0x33000000u) /* <= 2^-25: the tie at 2^-25 goes to the even zero */
        return (uint16_t)sign;
    if (mag < 0x38800000u) { /* below 2^-14: a subnormal half, counted in units of 2^-24 */
        uint32_t e = mag >> 23;
        uint32_t m = (mag & 0x7fffffu) | 0x800000u;
        return (uint16_t)(sign | shift_round_even(m, 126u - e));
    }
    /* Normal: rebias 127 -> 15 and drop 13 mantissa bits; a carry out of the mantissa moves
     * into the exponent, which is the correctly rounded result. */
    return (uint16_t)(sign | shift_round_even(mag - 0x38000000u, 13u));
}

void vajra_f32_to_f16_array(const float *src, uint16_t *dst, size_t n)
{
    size_t i = 0;
#ifdef HALF_F16C
    if (have_f16c())
        i = f16c_convert(src, dst, n);
#endif
    for (; i < n; i++)
        dst[i] = vajra_f32_to_f16(src[i]);
}

bool vajra_f32_to_f16_exact(const float *src, uint16_t *dst, size_t n)
{
    size_t i = 0;
#ifdef HALF_F16C
    if (have_f16c()) {
        i = n & ~(size_t)7;
        if (!f16c_exact(src, dst, i))
            return false;
    }
#endif
    for (; i < n; i++) {
        if (src[i] != src[i])
            return false; /* a NaN whose payload fits would round-trip */
        uint16_t h = vajra_f32_to_f16(src[i]);
        float back = vajra_f16_to_f32(h);
        if (memcmp(&back, &src[i], sizeof back) != 0)
            return false;
        if (dst != NULL)
            dst[i] = h;
    }
    return true;
}
