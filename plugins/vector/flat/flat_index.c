/* vector-flat — create, add, read back, save and load. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flat_index.h"
#include "vajra/quant.h"

#define FLAT_MAGIC 0x54414C46u /* "FLAT" */
#define FLAT_FORMAT 1
#define FLAT_MAX_DIM 65536u
#define F16_MAX 65504.0f
#define F16_OVERFLOW 65520.0f /* the smallest magnitude that rounds to infinity */

/* "flat.meta": what the rows section needs to be read. */
typedef struct FlatMeta {
    uint32_t magic, format, dim, metric, storage, reserved;
    uint64_t count;
} FlatMeta;

static const char *storage_name(uint32_t s)
{
    return s == FLAT_STORAGE_F16 ? "f16" : "f32";
}

static VajraVectorIndex *index_alloc(const VajraKernelOps *kernel, uint32_t dim, uint32_t metric,
                                     uint32_t storage)
{
    VajraVectorIndex *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->kernel = kernel;
    x->dim = dim;
    x->metric = metric;
    x->storage = storage;
    x->kv[0] = (VajraKeyValue){"storage", storage_name(storage)};
    return x;
}

vajra_status flat_create(const VajraKernelOps *kernel, uint32_t dim, VajraMetric metric,
                         const VajraKeyValue *kv, size_t n, VajraVectorIndex **out,
                         VajraError *err)
{
    static const char *const known[] = {"storage", NULL};
    if (out == NULL || kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat: NULL argument");
    *out = NULL;
    vajra_status st = vajra_kv_check_keys(kv, n, known, "vector-flat", err);
    if (st != VAJRA_OK)
        return st;
    if (dim == 0 || dim > FLAT_MAX_DIM)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-flat: dim %u outside [1, %u]", dim, FLAT_MAX_DIM);
    if (metric != VAJRA_METRIC_L2 && metric != VAJRA_METRIC_IP && metric != VAJRA_METRIC_COSINE)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat: unknown metric %u",
                               (unsigned)metric);
    const char *s = vajra_kv_get(kv, n, "storage");
    uint32_t storage = FLAT_STORAGE_F32;
    if (s != NULL && strcmp(s, "f16") == 0)
        storage = FLAT_STORAGE_F16;
    else if (s != NULL && strcmp(s, "f32") != 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-flat: parameter storage=\"%s\" (f32 or f16)", s);
    *out = index_alloc(kernel, dim, (uint32_t)metric, storage);
    return *out ? VAJRA_OK : vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: out of memory");
}

void flat_free(VajraVectorIndex *x)
{
    if (x == NULL)
        return;
    if (!x->borrowed)
        free(x->rows);
    free(x);
}

/* A row the index may hold: finite, a squared norm (in double) of at most FLT_MAX/4 so no
 * distance between two rows overflows, non-zero under cosine, and within f16's range when
 * stored as f16 (after normalisation). */
static vajra_status check_row(const VajraVectorIndex *x, const float *v, size_t row,
                              VajraError *err)
{
    double sum = 0.0;
    float amax = 0.0f;
    for (uint32_t j = 0; j < x->dim; j++) {
        if (!isfinite(v[j]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "vector-flat: vector %zu, component %u is not finite", row, j);
        sum += (double)v[j] * v[j];
        amax = fabsf(v[j]) > amax ? fabsf(v[j]) : amax;
    }
    if (sum > (double)FLT_MAX / 4)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "vector-flat: vector %zu: squared norm %.3g is too large", row, sum);
    if (x->metric == VAJRA_METRIC_COSINE && sum == 0.0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "vector-flat: vector %zu is zero (cosine needs a direction)", row);
    if (x->storage == FLAT_STORAGE_F16 && x->metric != VAJRA_METRIC_COSINE &&
        amax >= F16_OVERFLOW)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "vector-flat: vector %zu: |component| %g exceeds f16's %g", row,
                               (double)amax, (double)F16_MAX);
    return VAJRA_OK;
}

/* Own the rows (a loaded index points into the reader) with room for `rows`. */
static vajra_status reserve(VajraVectorIndex *x, size_t rows, VajraError *err)
{
    if (rows <= x->capacity && !x->borrowed)
        return VAJRA_OK;
    size_t cap = x->capacity < 64 ? 64 : x->capacity;
    while (cap < rows)
        cap *= 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    size_t es = flat_elem_size(x);
    if (cap > SIZE_MAX / es / x->dim)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: %zu rows", rows);
    void *p = malloc(cap * x->dim * es);
    if (p == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: out of memory for %zu rows",
                               cap);
    if (x->count)
        memcpy(p, x->rows, (size_t)x->count * x->dim * es);
    if (!x->borrowed)
        free(x->rows);
    x->rows = p;
    x->capacity = (uint32_t)cap;
    x->borrowed = false;
    return VAJRA_OK;
}

vajra_status flat_add(VajraVectorIndex *x, const float *vectors, uint32_t dim, size_t count,
                      uint32_t threads, uint32_t *first, VajraError *err)
{
    (void)threads; /* a copy: one thread is plenty */
    if (x == NULL || (vectors == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat add: NULL argument");
    if (dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "vector-flat add: vectors of dim %u, the index holds %u", dim,
                               x->dim);
    if (count > (size_t)UINT32_MAX - 1 - x->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat add: too many rows");
    for (size_t i = 0; i < count; i++) {
        vajra_status st = check_row(x, vectors + i * dim, i, err);
        if (st != VAJRA_OK)
            return st;
    }
    vajra_status st = reserve(x, (size_t)x->count + count, err);
    if (st != VAJRA_OK)
        return st;
    float *unit = NULL; /* cosine rows are normalised before rounding to f16 */
    if (x->storage == FLAT_STORAGE_F16 && x->metric == VAJRA_METRIC_COSINE &&
        (unit = malloc(dim * sizeof *unit)) == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat add: out of memory");
    if (first != NULL)
        *first = x->count;
    for (size_t i = 0; i < count; i++) {
        const float *src = vectors + i * dim;
        size_t at = (size_t)(x->count + i) * dim;
        if (x->storage == FLAT_STORAGE_F32) {
            float *dst = (float *)x->rows + at;
            if (x->metric == VAJRA_METRIC_COSINE)
                vajra_vector_normalize(src, dst, dim, NULL); /* checked non-zero above */
            else
                memcpy(dst, src, dim * sizeof *dst);
        } else {
            uint16_t *dst = (uint16_t *)x->rows + at;
            if (unit != NULL) {
                vajra_vector_normalize(src, unit, dim, NULL);
                src = unit;
            }
            for (uint32_t j = 0; j < dim; j++)
                dst[j] = vajra_f32_to_f16(src[j]);
        }
    }
    free(unit);
    x->count += (uint32_t)count;
    return VAJRA_OK;
}

vajra_status flat_get_vector(const VajraVectorIndex *x, uint32_t doc, float *out,
                             VajraError *err)
{
    if (x == NULL || out == NULL || doc >= x->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "vector-flat get_vector: no document %u", doc);
    size_t at = (size_t)doc * x->dim;
    if (x->storage == FLAT_STORAGE_F32) {
        memcpy(out, (const float *)x->rows + at, x->dim * sizeof *out);
    } else {
        const uint16_t *h = (const uint16_t *)x->rows + at;
        for (uint32_t j = 0; j < x->dim; j++)
            out[j] = vajra_f16_to_f32(h[j]);
    }
    return VAJRA_OK;
}

vajra_status flat_save(const VajraVectorIndex *x, const VajraSectionWriter *w, VajraError *err)
{
    if (x == NULL || w == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat save: NULL argument");
    FlatMeta m = {FLAT_MAGIC, FLAT_FORMAT, x->dim, x->metric, x->storage, 0, x->count};
    vajra_status st = w->write(w->self, "flat.meta", &m, sizeof m, err);
    if (st == VAJRA_OK)
        st = w->write(w->self, "flat.rows", x->rows, (size_t)x->count * x->dim * flat_elem_size(x),
                      err);
    return st;
}

/* Every stored row must be one add could have stored. */
static vajra_status check_loaded(const VajraVectorIndex *x, VajraError *err)
{
    float *row = malloc(x->dim * sizeof *row);
    if (row == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat load: out of memory");
    vajra_status st = VAJRA_OK;
    VajraError why = {0};
    for (uint32_t n = 0; st == VAJRA_OK && n < x->count; n++) {
        flat_get_vector(x, n, row, NULL);
        st = check_row(x, row, n, &why);
    }
    free(row);
    if (st != VAJRA_OK)
        st = vajra_error_set(err, VAJRA_ERR_CORRUPT, "vector-flat load: %s", why.message);
    return st;
}

vajra_status flat_load(const VajraKernelOps *kernel, const VajraSectionReader *r,
                       VajraVectorIndex **out, VajraError *err)
{
    if (r == NULL || out == NULL || kernel == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat load: NULL argument");
    *out = NULL;
    const void *data = NULL, *rows = NULL;
    size_t len = 0, rows_len = 0;
    vajra_status st = r->find(r->self, "flat.meta", &data, &len, err);
    if (st == VAJRA_OK)
        st = r->find(r->self, "flat.rows", &rows, &rows_len, err);
    if (st != VAJRA_OK)
        return st;
    FlatMeta m;
    if (len != sizeof m)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "vector-flat: flat.meta of %zu bytes", len);
    memcpy(&m, data, sizeof m);
    if (m.magic != FLAT_MAGIC)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "vector-flat: flat.meta has a bad magic");
    if (m.format != FLAT_FORMAT)
        return vajra_error_set(err, VAJRA_ERR_VERSION,
                               "vector-flat: format %u, this build reads %d", m.format,
                               FLAT_FORMAT);
    if (m.dim == 0 || m.dim > FLAT_MAX_DIM || m.metric < VAJRA_METRIC_L2 ||
        m.metric > VAJRA_METRIC_COSINE || m.storage > FLAT_STORAGE_F16 || m.reserved != 0 ||
        m.count >= UINT32_MAX)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "vector-flat: flat.meta: dim %u, metric %u, storage %u, %llu rows",
                               m.dim, m.metric, m.storage, (unsigned long long)m.count);
    VajraVectorIndex *x = index_alloc(kernel, m.dim, m.metric, m.storage);
    if (x == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: out of memory");
    if (rows_len / flat_elem_size(x) / m.dim != m.count ||
        rows_len != m.count * m.dim * flat_elem_size(x)) {
        flat_free(x);
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "vector-flat: flat.rows of %zu bytes for %llu rows of %u", rows_len,
                               (unsigned long long)m.count, m.dim);
    }
    if ((uintptr_t)rows % flat_elem_size(x) == 0) { /* zero copy */
        x->rows = (void *)(uintptr_t)rows;
        x->count = (uint32_t)m.count;
        x->capacity = x->count;
        x->borrowed = true;
    } else if ((st = reserve(x, m.count, err)) == VAJRA_OK) {
        memcpy(x->rows, rows, rows_len);
        x->count = (uint32_t)m.count;
    }
    if (st == VAJRA_OK)
        st = check_loaded(x, err);
    if (st != VAJRA_OK) {
        flat_free(x);
        return st;
    }
    *out = x;
    return VAJRA_OK;
}
