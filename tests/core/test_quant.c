/* Quantised encodings (vajra/quant.h): binary16 conversion against its definition (exhaustive
 * over every half and every rounding midpoint), and 8-bit scalar quantisation's ranges, error
 * bound, clamping and errors. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/quant.h"

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int is_nan_half(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0; }

/* Every half widens and narrows back to itself (NaNs stay NaN with the sign kept). */
START_TEST(test_f16_round_trip_all)
{
    for (uint32_t h = 0; h <= 0xffffu; h++) {
        float f = vajra_f16_to_f32((uint16_t)h);
        uint16_t back = vajra_f32_to_f16(f);
        if (is_nan_half((uint16_t)h)) {
            ck_assert_msg(is_nan_half(back) && (back & 0x8000u) == (h & 0x8000u),
                          "NaN half %04x came back as %04x", h, back);
            continue;
        }
        ck_assert_msg(back == h, "half %04x -> %.9g -> %04x", h, (double)f, back);
    }
}
END_TEST

/* Between two neighbouring finite halves of the same sign: the exact midpoint goes to the one
 * with an even mantissa, one float ulp either side of it goes to the nearer one. This sweeps
 * subnormals, the subnormal/normal boundary, and the largest finite half (whose upper
 * "neighbour" is infinity). */
START_TEST(test_f16_rounding_midpoints)
{
    for (uint32_t sign = 0; sign <= 0x8000u; sign += 0x8000u)
        for (uint32_t m = 0; m < 0x7c00u; m++) {
            uint16_t lo = (uint16_t)(sign | m), hi = (uint16_t)(sign | (m + 1));
            double a = vajra_f16_to_f32(lo);
            /* m + 1 == 0x7c00 is infinity: the rounding boundary is at 65520 (as if 65536). */
            double b = (m + 1 == 0x7c00u) ? (sign ? -65536.0 : 65536.0) : vajra_f16_to_f32(hi);
            float mid = (float)((a + b) / 2); /* exact: halves have 11 significant bits */
            ck_assert_msg((double)mid == (a + b) / 2, "midpoint not exact at %04x", lo);
            uint16_t even = (m & 1u) ? hi : lo;
            ck_assert_msg(vajra_f32_to_f16(mid) == even, "midpoint of %04x/%04x -> %04x", lo, hi,
                          vajra_f32_to_f16(mid));
            if (mid == 0.0f)
                continue;
            float below = float_of(bits_of(mid) - 1), above = float_of(bits_of(mid) + 1);
            /* bits - 1 moves toward zero: toward lo. */
            ck_assert_msg(vajra_f32_to_f16(below) == lo, "below midpoint of %04x -> %04x", lo,
                          vajra_f32_to_f16(below));
            ck_assert_msg(vajra_f32_to_f16(above) == hi, "above midpoint of %04x -> %04x", lo,
                          vajra_f32_to_f16(above));
        }
}
END_TEST

/* The array conversions (F16C on x86-64 when present) equal the scalar definition on a sweep of
 * bit patterns (every 16411th of 2^32, then each one's neighbours: subnormals, NaN payloads,
 * ±inf, rounding midpoints all come by), at every offset of an 8-wide block; and
 * vajra_f32_to_f16_exact says "exact" iff the scalar round trip keeps the bits (never a NaN). */
START_TEST(test_f16_array_matches_scalar)
{
    enum { N = 4096 };
    static float src[N];
    static uint16_t got[N];
    /* under valgrind (VAJRA_TEST_LIGHT) a sparser sweep: every 262147th pattern */
    const uint64_t step = getenv("VAJRA_TEST_LIGHT") ? 262147 : 16411;
    uint64_t u = 0;
    while (u < ((uint64_t)1 << 32)) {
        size_t n = 0;
        for (; n < N && u < ((uint64_t)1 << 32); n++, u += (n % 3 == 0 ? step : 1))
            src[n] = float_of((uint32_t)u);
        for (size_t off = 0; off < 8 && off < n; off += 3) {
            vajra_f32_to_f16_array(src + off, got, n - off);
            for (size_t i = 0; i + off < n; i++)
                ck_assert_msg(got[i] == vajra_f32_to_f16(src[off + i]), "%08x -> %04x, not %04x",
                              bits_of(src[off + i]), got[i], vajra_f32_to_f16(src[off + i]));
        }
        for (size_t i = 0; i < n; i++) {
            uint16_t h = vajra_f32_to_f16(src[i]);
            bool want = src[i] == src[i] && bits_of(vajra_f16_to_f32(h)) == bits_of(src[i]);
            /* alone, and as the one odd value among binary16 ones (every block position) */
            ck_assert_msg(vajra_f32_to_f16_exact(&src[i], NULL, 1) == want, "%08x",
                          bits_of(src[i]));
            float row[13];
            for (int j = 0; j < 13; j++)
                row[j] = 0.5f * (float)j;
            row[i % 13] = src[i];
            uint16_t hs[13];
            ck_assert_msg(vajra_f32_to_f16_exact(row, hs, 13) == want, "%08x in a row",
                          bits_of(src[i]));
            for (int j = 0; want && j < 13; j++)
                ck_assert_uint_eq(hs[j], vajra_f32_to_f16(row[j]));
        }
    }
}
END_TEST

START_TEST(test_f16_specials)
{
    ck_assert_uint_eq(vajra_f32_to_f16(INFINITY), 0x7c00u);
    ck_assert_uint_eq(vajra_f32_to_f16(-INFINITY), 0xfc00u);
    ck_assert_uint_eq(vajra_f32_to_f16(1e10f), 0x7c00u);
    ck_assert_uint_eq(vajra_f32_to_f16(65504.0f), 0x7bffu);
    ck_assert_uint_eq(vajra_f32_to_f16(-0.0f), 0x8000u);
    ck_assert_uint_eq(vajra_f32_to_f16(1e-30f), 0x0000u);
    ck_assert_uint_eq(vajra_f32_to_f16(0x1p-24f), 0x0001u); /* the smallest subnormal half */
    ck_assert(is_nan_half(vajra_f32_to_f16(NAN)));
    float src[3] = {1.0f, -2.0f, 0.5f};
    uint16_t dst[3];
    vajra_f32_to_f16_array(src, dst, 3);
    ck_assert_uint_eq(dst[0], 0x3c00u);
    ck_assert_uint_eq(dst[1], 0xc000u);
    ck_assert_uint_eq(dst[2], 0x3800u);
}
END_TEST

START_TEST(test_sq8_bounds)
{
    enum { N = 200, DIM = 37 };
    float *rows = malloc(sizeof(float) * N * DIM);
    ck_assert_ptr_nonnull(rows);
    uint64_t s = 12345;
    for (size_t i = 0; i < (size_t)N * DIM; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        rows[i] = (float)((double)(s >> 11) * 0x1p-53 * 4.0 - 1.5) * (float)(1 + i % DIM);
    }
    for (size_t r = 0; r < N; r++) /* dimension 5 is constant */
        rows[r * DIM + 5] = 0.25f;
    float lo[DIM], scale[DIM], back[DIM];
    uint8_t codes[DIM];
    VajraError err = {0};
    ck_assert_int_eq(vajra_sq8_ranges(rows, N, DIM, lo, scale, &err), VAJRA_OK);
    ck_assert(scale[5] == 0.0f && lo[5] == 0.25f);
    int saw0 = 0, saw255 = 0;
    for (size_t r = 0; r < N; r++) {
        vajra_sq8_encode(rows + r * DIM, DIM, lo, scale, codes);
        vajra_sq8_decode(codes, DIM, lo, scale, back);
        for (uint32_t i = 0; i < DIM; i++) {
            double e = fabs((double)back[i] - (double)rows[r * DIM + i]);
            /* half a step, plus float rounding of the division and of lo + scale·c */
            ck_assert_msg(e <= scale[i] * 0.5 + 4e-7 * (fabs(lo[i]) + 255.0 * scale[i]),
                          "row %zu dim %u: error %g, step %g", r, i, e, (double)scale[i]);
            saw0 |= codes[i] == 0;
            saw255 |= codes[i] == 255;
        }
        ck_assert(back[5] == 0.25f);
    }
    ck_assert(saw0 && saw255); /* the extremes of each range use the extreme codes */
    float outside[DIM];
    for (uint32_t i = 0; i < DIM; i++)
        outside[i] = (i % 2) ? lo[i] - 100.0f : lo[i] + 300.0f * scale[i] + 100.0f;
    outside[0] = NAN;
    vajra_sq8_encode(outside, DIM, lo, scale, codes);
    ck_assert_uint_eq(codes[0], 0);
    for (uint32_t i = 1; i < DIM; i++)
        if (i != 5)
            ck_assert_uint_eq(codes[i], (i % 2) ? 0 : 255);

    rows[3 * DIM + 7] = NAN;
    ck_assert_int_eq(vajra_sq8_ranges(rows, N, DIM, lo, scale, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(err.message, "row 3, dimension 7"));
    ck_assert_int_eq(vajra_sq8_ranges(rows, 0, DIM, lo, scale, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_sq8_ranges(NULL, N, DIM, lo, scale, &err), VAJRA_ERR_INVALID_ARGUMENT);
    free(rows);
}
END_TEST

/* The norm gain: gain·decode(codes) has the input's norm (to float rounding), whatever the
 * ranges; a row that decodes to zero gets 1. */
START_TEST(test_sq8_gain)
{
    enum { N = 100, DIM = 33 };
    float rows[N * DIM], lo[DIM], scale[DIM], back[DIM];
    uint8_t codes[DIM];
    uint64_t s = 777;
    for (size_t i = 0; i < (size_t)N * DIM; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        rows[i] = (float)((double)(s >> 11) * 0x1p-53 * 2.0 - 1.0) * (float)(1 + i % 3);
    }
    VajraError err = {0};
    ck_assert_int_eq(vajra_sq8_ranges(rows, N, DIM, lo, scale, &err), VAJRA_OK);
    int not_one = 0;
    for (size_t r = 0; r < N; r++) {
        const float *x = rows + r * DIM;
        vajra_sq8_encode(x, DIM, lo, scale, codes);
        float g = vajra_sq8_gain(x, codes, DIM, lo, scale);
        vajra_sq8_decode(codes, DIM, lo, scale, back);
        double nx = 0, nb = 0;
        for (uint32_t i = 0; i < DIM; i++)
            nx += (double)x[i] * x[i], nb += (double)(g * back[i]) * (g * back[i]);
        ck_assert_msg(fabs(sqrt(nb) - sqrt(nx)) <= 1e-6 * sqrt(nx), "row %zu: %g vs %g", r,
                      sqrt(nb), sqrt(nx));
        not_one += g != 1.0f;
    }
    ck_assert_int_gt(not_one, N / 2); /* the codes do change the norm */
    float zlo[DIM] = {0}, zscale[DIM] = {0};
    vajra_sq8_encode(rows, DIM, zlo, zscale, codes);
    ck_assert(vajra_sq8_gain(rows, codes, DIM, zlo, zscale) == 1.0f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quant");
    TCase *tc = tcase_create("encodings");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_f16_round_trip_all);
    tcase_add_test(tc, test_f16_rounding_midpoints);
    tcase_add_test(tc, test_f16_specials);
    tcase_add_test(tc, test_f16_array_matches_scalar);
    tcase_add_test(tc, test_sq8_bounds);
    tcase_add_test(tc, test_sq8_gain);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
