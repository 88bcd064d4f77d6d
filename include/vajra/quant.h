/* Vajra — quantised vector storage: IEEE binary16 conversion and 8-bit scalar quantisation with
 * per-dimension ranges. Vector plugins store rows in these forms and score them with the kernel's
 * version-2 slots (vajra/kernel.h: dot_f16, l2sq_u8, …); these functions are the one definition
 * of the encodings that every plugin and the parity tests share.
 *
 * All functions are pure (no allocation, no global state): thread-safe.
 */
#ifndef VAJRA_QUANT_H
#define VAJRA_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IEEE 754 binary16 -> binary32, exact for every input (normals, subnormals, ±0, ±inf, NaN with
 * its payload kept in the top mantissa bits). */
VAJRA_API float vajra_f16_to_f32(uint16_t half);

/* binary32 -> binary16, rounded to nearest with ties to even (as F16C's VCVTPS2PH with rounding
 * mode 0 and ARM's FCVT do): magnitudes from 65520 up become ±inf, below 2⁻²⁵ ±0, subnormal halves
 * are produced; a NaN stays a (quiet) NaN. vajra_f16_to_f32(vajra_f32_to_f16(x)) == x whenever x
 * is a binary16 value. */
VAJRA_API uint16_t vajra_f32_to_f16(float value);

/* Convert n floats (dst and src must not overlap); each dst[i] is vajra_f32_to_f16(src[i]).
 * Thread-safe; no errors. */
VAJRA_API void vajra_f32_to_f16_array(const float *src, uint16_t *dst, size_t n);

/* Whether every one of the n floats is exactly a binary16 value (converting it back gives the
 * same bits: ±0, ±2⁻²⁴ … ±65504 with the mantissa bits binary16 lacks all zero, ±inf; never a
 * NaN). When dst is not NULL the halves are written there; if the answer is false, dst holds
 * some of them, unspecified which. Stops at the first value that is not. Thread-safe; no errors. */
VAJRA_API bool vajra_f32_to_f16_exact(const float *src, uint16_t *dst, size_t n);

/* 8-bit scalar quantisation. Dimension i keeps a range [lo_i, lo_i + 255·scale_i]; a value x is
 * stored as the code c = round((x − lo_i) / scale_i) clamped to 0..255, and read back as
 * lo_i + scale_i·c (so the error per component is at most scale_i/2 inside the range).
 *
 * Ranges from `n` rows of `dim` floats (row r at rows + r*dim): lo = the minimum, scale =
 * (max − min)/255 (0 when every row has the same value there; such a dimension decodes exactly).
 * lo and scale are the caller's arrays of dim floats.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL, n == 0, dim == 0), VAJRA_ERR_BAD_VALUE (a NaN or
 * infinite component, named by row and dimension; lo/scale are then unspecified). */
VAJRA_API vajra_status vajra_sq8_ranges(const float *rows, size_t n, uint32_t dim, float *lo,
                                        float *scale, VajraError *err);

/* Encode one row of dim floats into dim codes. Values outside the range clamp to 0 or 255;
 * a NaN component encodes as 0. */
VAJRA_API void vajra_sq8_encode(const float *x, uint32_t dim, const float *lo, const float *scale,
                                uint8_t *codes);

/* The norm gain of an encoded row: ‖x‖ / ‖decode(codes)‖ (sums in double; 0 for a zero x, 1 when
 * the decoded row is zero). Multiplying the decoded row by it restores the input's norm: under inner product and
 * cosine this removes the part of the code error along the row, which halves the recall lost by
 * sq8 scores on the wordnet and glove sets (docs/vector.md, "Quantised vectors"). */
VAJRA_API float vajra_sq8_gain(const float *x, const uint8_t *codes, uint32_t dim,
                               const float *lo, const float *scale);

/* Decode dim codes into floats: out_i = lo_i + scale_i·c_i. */
VAJRA_API void vajra_sq8_decode(const uint8_t *codes, uint32_t dim, const float *lo,
                                const float *scale, float *out);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_QUANT_H */
