/* Vajra — .fvecs / .ivecs readers (the TEXMEX format: per row an int32 dimension, then the values),
 * and the extension-dispatching vajra_vectors_read. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "io_internal.h"

/* Validate the whole buffer and return rows and dim; every row must repeat the same dimension. */
static vajra_status vecs_shape(const unsigned char *buf, size_t len, const char *name,
                               const char *what, size_t *rows, size_t *dim, VajraError *err)
{
    if (len < 4)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: empty or truncated %s file", name, what);
    unsigned long d = vajra_io_le32(buf);
    if (d == 0 || d > 0x7fffffffUL)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: bad %s dimension %ld in row 0", name,
                               what, (long)(int32_t)(uint32_t)d);
    if ((size_t)d > (SIZE_MAX - 4) / 4)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: %s dimension %lu overflows", name, what, d);
    size_t row_bytes = 4 + 4 * (size_t)d;
    if (len % row_bytes != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: %s length %zu is not a whole number of rows of dimension %lu",
                               name, what, len, d);
    size_t n = len / row_bytes;
    for (size_t i = 1; i < n; i++) {
        unsigned long di = vajra_io_le32(buf + i * row_bytes);
        if (di != d)
            return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                                   "%s: row %zu has dimension %ld, row 0 has %lu", name, i,
                                   (long)(int32_t)(uint32_t)di, d);
    }
    *rows = n;
    *dim = d;
    return VAJRA_OK;
}

/* Copy the 32-bit payloads of every row into dst (values are 4-byte little-endian words). */
static void vecs_copy(const unsigned char *buf, size_t rows, size_t dim, void *dst_)
{
    unsigned char *dst = dst_;
    size_t row_bytes = 4 + 4 * dim;
    for (size_t i = 0; i < rows; i++) {
        const unsigned char *src = buf + i * row_bytes + 4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(dst + 4 * i * dim, src, dim * 4);
#else
        for (size_t j = 0; j < dim; j++) {
            uint32_t w = (uint32_t)vajra_io_le32(src + 4 * j);
            memcpy(dst + 4 * (i * dim + j), &w, 4);
        }
#endif
    }
}

vajra_status vajra_fvecs_parse(const void *buf, size_t len, const char *name, VajraMatrixF32 *out,
                               VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output matrix is NULL");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!name)
        name = "<buffer>";
    size_t rows, dim;
    vajra_status st = vecs_shape(buf, len, name, ".fvecs", &rows, &dim, err);
    if (st != VAJRA_OK)
        return st;
    float *data = vajra_io_aligned_alloc(rows * dim, sizeof(float));
    if (!data)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %zu floats", name,
                               rows * dim);
    vecs_copy(buf, rows, dim, data);
    out->data = data;
    out->rows = rows;
    out->dim = dim;
    return VAJRA_OK;
}

vajra_status vajra_ivecs_parse(const void *buf, size_t len, const char *name, VajraMatrixI32 *out,
                               VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output matrix is NULL");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!name)
        name = "<buffer>";
    size_t rows, dim;
    vajra_status st = vecs_shape(buf, len, name, ".ivecs", &rows, &dim, err);
    if (st != VAJRA_OK)
        return st;
    int32_t *data = vajra_io_aligned_alloc(rows * dim, sizeof(int32_t));
    if (!data)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %zu ints", name,
                               rows * dim);
    vecs_copy(buf, rows, dim, data);
    out->data = data;
    out->rows = rows;
    out->dim = dim;
    return VAJRA_OK;
}

vajra_status vajra_fvecs_read(const char *path, VajraMatrixF32 *out, VajraError *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_fvecs_parse(v.data, v.len, path, out, err);
    vajra_file_view_close(&v);
    return st;
}

vajra_status vajra_ivecs_read(const char *path, VajraMatrixI32 *out, VajraError *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_ivecs_parse(v.data, v.len, path, out, err);
    vajra_file_view_close(&v);
    return st;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

vajra_status vajra_vectors_read(const char *path, VajraMatrixF32 *out, VajraError *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!path || !out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "path or output is NULL");
    if (has_suffix(path, ".npy"))
        return vajra_npy_read_f32(path, out, err);
    if (has_suffix(path, ".fvecs"))
        return vajra_fvecs_read(path, out, err);
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                           "%s: unknown vector file type (want .npy or .fvecs)", path);
}
