/* Vajra — NumPy .npy reader (format versions 1.0, 2.0, 3.0; little-endian <f4, <f2, <i4; C order).
 *
 * The header is a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1400, 128), }
 * padded with spaces and ended by '\n'. We parse exactly that grammar (quoted keys; values that are
 * a quoted string, True/False, or a tuple of non-negative integers) rather than searching for
 * substrings, so a hostile header cannot make us read a key out of a string value. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

enum npy_dtype { NPY_F4, NPY_F2, NPY_I4 };

typedef struct NpyHeader {
    enum npy_dtype dtype;
    size_t rows;
    size_t dim;
    size_t data_offset;
} NpyHeader;

typedef struct Cursor {
    const char *p;
    const char *end;
} Cursor;

static void skip_space(Cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int eat(Cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string (no escapes: numpy never writes them in these fields) copied into buf. */
static int parse_string(Cursor *c, char *buf, size_t bufsize)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || n + 1 >= bufsize)
            return 0;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    buf[n] = '\0';
    return 1;
}

static int parse_word(Cursor *c, const char *word)
{
    skip_space(c);
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

static int parse_size(Cursor *c, size_t *out)
{
    skip_space(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p))
        return 0;
    size_t v = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p)) {
        size_t d = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
        c->p++;
    }
    /* Python 2 era writers appended 'L' to longs. */
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *out = v;
    return 1;
}

static vajra_status parse_header(const unsigned char *buf, size_t len, const char *name,
                                 NpyHeader *h, VajraError *err)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (len < 10 || memcmp(buf, magic, sizeof magic) != 0)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: not a .npy file (bad magic)", name);
    unsigned major = buf[6];
    size_t header_len, prefix;
    if (major == 1) {
        header_len = vajra_io_le16(buf + 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: truncated .npy header", name);
        header_len = vajra_io_le32(buf + 8);
        prefix = 12;
    } else {
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "%s: .npy format version %u.%u",
                               name, major, (unsigned)buf[7]);
    }
    if (header_len > len - prefix)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: .npy header length %zu exceeds the file (%zu bytes)", name,
                               header_len, len);

    Cursor c = {(const char *)buf + prefix, (const char *)buf + prefix + header_len};
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    char descr[16] = {0};
    size_t shape[4];
    size_t ndim = 0;
    if (!eat(&c, '{'))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: .npy header is not a dict", name);
    while (!eat(&c, '}')) {
        char key[32];
        if (!parse_string(&c, key, sizeof key) || !eat(&c, ':'))
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: malformed .npy header", name);
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (!parse_string(&c, descr, sizeof descr))
                return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                                       "%s: .npy 'descr' is not a simple dtype string", name);
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            if (parse_word(&c, "True"))
                fortran = 1;
            else if (!parse_word(&c, "False"))
                return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                       "%s: .npy 'fortran_order' is not True/False", name);
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (!eat(&c, '('))
                return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: .npy 'shape' is not a tuple",
                                       name);
            while (!eat(&c, ')')) {
                size_t v;
                if (ndim == 4 || !parse_size(&c, &v))
                    return vajra_error_set(err, ndim == 4 ? VAJRA_ERR_UNSUPPORTED : VAJRA_ERR_CORRUPT,
                                           "%s: .npy 'shape' %s", name,
                                           ndim == 4 ? "has more than 2 dimensions" : "is malformed");
                shape[ndim++] = v;
                if (!eat(&c, ',')) {
                    if (!eat(&c, ')'))
                        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                               "%s: .npy 'shape' is malformed", name);
                    break;
                }
            }
            have_shape = 1;
        } else {
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: unexpected or repeated .npy key '%s'",
                                   name, key);
        }
        if (!eat(&c, ',')) {
            if (!eat(&c, '}'))
                return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: malformed .npy header", name);
            break;
        }
    }
    skip_space(&c);
    if (c.p != c.end)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: trailing bytes in .npy header", name);
    if (!have_descr || !have_fortran || !have_shape)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: .npy header lacks %s", name,
                               !have_descr ? "'descr'" : !have_fortran ? "'fortran_order'" : "'shape'");

    if (strcmp(descr, "<f4") == 0)
        h->dtype = NPY_F4;
    else if (strcmp(descr, "<f2") == 0)
        h->dtype = NPY_F2;
    else if (strcmp(descr, "<i4") == 0)
        h->dtype = NPY_I4;
    else
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: .npy dtype '%s' is not supported (want '<f4', '<f2' or '<i4')",
                               name, descr);
    if (ndim > 2)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "%s: .npy has %zu dimensions (want 1 or 2)",
                               name, ndim);
    if (ndim == 0)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "%s: .npy holds a scalar (0-d array)",
                               name);
    h->rows = shape[0];
    h->dim = ndim == 2 ? shape[1] : 1;
    /* Fortran order only matters when both dimensions exceed 1; numpy still writes it for those,
     * and we do not transpose. */
    if (fortran && ndim == 2 && h->rows > 1 && h->dim > 1)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: .npy is in Fortran order; save it in C order", name);
    size_t item = h->dtype == NPY_F2 ? 2 : 4;
    size_t avail = len - prefix - header_len;
    if (h->dim != 0 && h->rows > SIZE_MAX / h->dim / item)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: .npy shape (%zu, %zu) overflows", name,
                               h->rows, h->dim);
    size_t need = h->rows * h->dim * item;
    if (need != avail)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "%s: .npy shape (%zu, %zu) needs %zu data bytes but the file holds %zu",
                               name, h->rows, h->dim, need, avail);
    h->data_offset = prefix + header_len;
    return VAJRA_OK;
}

vajra_status vajra_npy_parse_f32(const void *buf, size_t len, const char *name,
                                 VajraMatrixF32 *out, VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output matrix is NULL");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!name)
        name = "<buffer>";
    NpyHeader h;
    vajra_status st = parse_header(buf, len, name, &h, err);
    if (st != VAJRA_OK)
        return st;
    if (h.dtype == NPY_I4)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: .npy holds int32 ('<i4'); float vectors expected", name);
    size_t n = h.rows * h.dim;
    float *data = NULL;
    if (n) {
        data = vajra_io_aligned_alloc(n, sizeof(float));
        if (!data)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %zu floats", name, n);
        const unsigned char *src = (const unsigned char *)buf + h.data_offset;
        if (h.dtype == NPY_F2) {
            for (size_t i = 0; i < n; i++)
                data[i] = vajra_f16_to_f32((uint16_t)vajra_io_le16(src + 2 * i));
        } else {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            memcpy(data, src, n * sizeof(float));
#else
            for (size_t i = 0; i < n; i++) {
                uint32_t bits = (uint32_t)vajra_io_le32(src + 4 * i);
                memcpy(&data[i], &bits, sizeof bits);
            }
#endif
        }
    }
    out->data = data;
    out->rows = h.rows;
    out->dim = h.dim;
    return VAJRA_OK;
}

vajra_status vajra_npy_parse_i32(const void *buf, size_t len, const char *name,
                                 VajraMatrixI32 *out, VajraError *err)
{
    if (!out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "output matrix is NULL");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "buffer is NULL");
    if (!name)
        name = "<buffer>";
    NpyHeader h;
    vajra_status st = parse_header(buf, len, name, &h, err);
    if (st != VAJRA_OK)
        return st;
    if (h.dtype != NPY_I4)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: .npy holds floats; int32 ('<i4') expected", name);
    size_t n = h.rows * h.dim;
    int32_t *data = NULL;
    if (n) {
        data = vajra_io_aligned_alloc(n, sizeof(int32_t));
        if (!data)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "%s: cannot allocate %zu ints", name, n);
        const unsigned char *src = (const unsigned char *)buf + h.data_offset;
        for (size_t i = 0; i < n; i++)
            data[i] = (int32_t)(uint32_t)vajra_io_le32(src + 4 * i);
    }
    out->data = data;
    out->rows = h.rows;
    out->dim = h.dim;
    return VAJRA_OK;
}

vajra_status vajra_npy_read_f32(const char *path, VajraMatrixF32 *out, VajraError *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_npy_parse_f32(v.data, v.len, path, out, err);
    vajra_file_view_close(&v);
    return st;
}

vajra_status vajra_npy_read_i32(const char *path, VajraMatrixI32 *out, VajraError *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    VajraFileView v;
    vajra_status st = vajra_file_view_open(path, &v, err);
    if (st != VAJRA_OK)
        return st;
    st = vajra_npy_parse_i32(v.data, v.len, path, out, err);
    vajra_file_view_close(&v);
    return st;
}
