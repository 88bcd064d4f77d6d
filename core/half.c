/* IEEE binary16 <-> binary32 in portable C: the reference the F16C/NEON conversions inside the
 * kernels must agree with (f16 -> f32 is exact; f32 -> f16 rounds to nearest, ties to even).
 * No dependencies, so the NEON cross build of the kernel parity test can compile it as is. */
#include <string.h>

#include "vajra/quant.h"

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
    for (size_t i = 0; i < n; i++)
        dst[i] = vajra_f32_to_f16(src[i]);
}
