/* 8-bit scalar quantisation with per-dimension ranges (vajra/quant.h). */
#include <math.h>

#include "vajra/quant.h"

vajra_status vajra_sq8_ranges(const float *rows, size_t n, uint32_t dim, float *lo, float *scale,
                              VajraError *err)
{
    if (rows == NULL || lo == NULL || scale == NULL || n == 0 || dim == 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "sq8 ranges: need rows, n > 0, dim > 0 and output arrays");
    for (uint32_t i = 0; i < dim; i++)
        lo[i] = scale[i] = rows[i]; /* scale holds the maximum until the end */
    for (size_t r = 0; r < n; r++) {
        const float *x = rows + r * dim;
        for (uint32_t i = 0; i < dim; i++) {
            if (!isfinite(x[i]))
                return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                       "sq8 ranges: row %zu, dimension %u is not finite", r, i);
            if (x[i] < lo[i])
                lo[i] = x[i];
            if (x[i] > scale[i])
                scale[i] = x[i];
        }
    }
    for (uint32_t i = 0; i < dim; i++)
        scale[i] = (scale[i] - lo[i]) / 255.0f;
    return VAJRA_OK;
}

void vajra_sq8_encode(const float *x, uint32_t dim, const float *lo, const float *scale,
                      uint8_t *codes)
{
    for (uint32_t i = 0; i < dim; i++) {
        float c = scale[i] > 0.0f ? nearbyintf((x[i] - lo[i]) / scale[i]) : 0.0f;
        codes[i] = !(c > 0.0f) ? 0 : c >= 255.0f ? 255 : (uint8_t)c; /* NaN -> 0 */
    }
}

float vajra_sq8_gain(const float *x, const uint8_t *codes, uint32_t dim, const float *lo,
                     const float *scale)
{
    double in = 0.0, dec = 0.0;
    for (uint32_t i = 0; i < dim; i++) {
        double d = (double)(lo[i] + scale[i] * (float)codes[i]); /* as vajra_sq8_decode */
        in += (double)x[i] * x[i];
        dec += d * d;
    }
    return dec > 0.0 ? (float)sqrt(in / dec) : 1.0f;
}

void vajra_sq8_decode(const uint8_t *codes, uint32_t dim, const float *lo, const float *scale,
                      float *out)
{
    for (uint32_t i = 0; i < dim; i++)
        out[i] = lo[i] + scale[i] * (float)codes[i];
}
