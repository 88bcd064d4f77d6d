/* vector-hnsw — index lifetime, storage growth, the level generator and the graph accessor. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hnsw_index.h"
#include "vajra/quant.h"

/* Arrays of at least HNSW_HUGE_MIN bytes (the rows, the level-0 lists of a large index) start on
 * a 2 MiB boundary and ask for transparent huge pages: the beam touches rows at random, and with
 * 4 KiB pages nearly every row costs a TLB miss (the build measured 5-6 % faster on wordnet 50k).
 * The advice may be refused (THP off, or "never"): then these are ordinary pages. */
#define HNSW_HUGE_PAGE ((size_t)2 << 20)
#define HNSW_HUGE_MIN ((size_t)4 << 20)

void *hnsw_aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (bytes >= HNSW_HUGE_MIN) {
        size_t rounded = (bytes + HNSW_HUGE_PAGE - 1) & ~(HNSW_HUGE_PAGE - 1);
        if (posix_memalign(&p, HNSW_HUGE_PAGE, rounded) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
        return p;
    }
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
        return NULL;
    return p;
}

vajra_status hnsw_check_params(const VajraVectorParams *p, VajraError *err)
{
    if (p == NULL || p->struct_size < sizeof(VajraVectorParams))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw: params missing or struct_size too small");
    if (p->dim < 1 || p->dim > 65536)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw: dim %u outside 1..65536", p->dim);
    if (p->metric != VAJRA_METRIC_L2 && p->metric != VAJRA_METRIC_IP &&
        p->metric != VAJRA_METRIC_COSINE)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: unknown metric %u",
                               p->metric);
    if (p->M < 2 || p->M > 128)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: M %u outside 2..128",
                               p->M);
    if (p->ef_construction < 1 || p->ef_search < 1)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw: ef_construction and ef_search must be >= 1");
    return VAJRA_OK;
}

vajra_status hnsw_index_new(const VajraVectorParams *p, const VajraKernelOps *kernel,
                            VajraVectorIndex **out, VajraError *err)
{
    vajra_status st = hnsw_check_params(p, err);
    if (st != VAJRA_OK)
        return st;
    if (kernel == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: no kernel or out");
    VajraVectorIndex *x = calloc(1, sizeof *x);
    if (x == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory");
    x->params = *p;
    x->params.struct_size = sizeof(VajraVectorParams);
    x->kernel = kernel;
    x->dim = p->dim;
    x->stride = (p->dim + HNSW_ROW_ALIGN - 1) / HNSW_ROW_ALIGN * HNSW_ROW_ALIGN;
    x->metric = p->metric;
    x->M = p->M;
    x->M0 = 2 * p->M;
    x->l0_slots = 1 + x->M0;
    x->up_slots = 1 + x->M;
    x->level_mult = 1.0 / log((double)p->M);
    x->max_level = -1;
    pthread_mutex_init(&x->decoded_lock, NULL);
    static const char *const keys[4] = {"M", "ef_construction", "ef_search", "seed"};
    snprintf(x->kv_text[0], sizeof x->kv_text[0], "%u", p->M);
    snprintf(x->kv_text[1], sizeof x->kv_text[1], "%u", p->ef_construction);
    snprintf(x->kv_text[2], sizeof x->kv_text[2], "%u", p->ef_search);
    snprintf(x->kv_text[3], sizeof x->kv_text[3], "%llu", (unsigned long long)p->seed);
    for (int i = 0; i < 4; i++)
        x->kv[i] = (VajraKeyValue){keys[i], x->kv_text[i]};
    hnsw_kv_refresh(x);
    *out = x;
    return VAJRA_OK;
}

void hnsw_index_free(VajraVectorIndex *x)
{
    if (x == NULL)
        return;
    hnsw_build_cache_free(x->build_cache);
    free(x->decoded);
    pthread_mutex_destroy(&x->decoded_lock);
    if (!x->borrowed) {
        free(x->codes);
        free(x->sq8_lo); /* sq8_scale lives in the same allocation */
        free(x->sq8_gain);
        free(x->vectors);
        free(x->level0);
        free(x->levels);
        free(x->upper_index);
        free(x->upper);
    }
    free(x);
}

/* Copy `used` bytes of old into a new zeroed allocation of `bytes`. */
static void *grow_copy(const void *old, size_t used, size_t bytes, bool aligned)
{
    void *p = aligned || bytes >= HNSW_HUGE_MIN ? hnsw_aligned_alloc(bytes)
                                                : malloc(bytes ? bytes : 1);
    if (p == NULL)
        return NULL;
    if (used)
        memcpy(p, old, used);
    memset((char *)p + used, 0, bytes - used);
    return p;
}

/* The sq8 gains owned and sized to the capacity (sq8 under IP/cosine only). */
static vajra_status hnsw_reserve_gains(VajraVectorIndex *x, VajraError *err)
{
    if (x->storage != HNSW_STORE_SQ8 || x->metric == VAJRA_METRIC_L2 ||
        (x->sq8_gain != NULL && !x->borrowed && x->gain_capacity >= x->capacity))
        return VAJRA_OK;
    float *g = malloc(sizeof(float) * (x->capacity ? x->capacity : 1));
    if (g == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (sq8 gains)");
    /* Rows of a format-2 file have no gain: 1 keeps their scores as they were. */
    for (uint32_t i = 0; i < x->count; i++)
        g[i] = x->sq8_gain ? x->sq8_gain[i] : 1.0f;
    if (!x->borrowed)
        free(x->sq8_gain);
    x->sq8_gain = g;
    x->gain_capacity = x->capacity;
    return VAJRA_OK;
}

vajra_status hnsw_index_reserve(VajraVectorIndex *x, uint32_t rows, uint32_t blocks,
                                VajraError *err)
{
    if (rows > x->capacity || x->borrowed) {
        /* Double (amortised growth for many small adds), but a batch larger than that gets
         * exactly its size: a one-shot build of 50k rows would otherwise round up to 65,536 and
         * zero (first-touch) 31 % more rows, links and codes than it uses. */
        uint32_t cap = x->capacity < 64 ? 64 : x->capacity;
        if (cap < rows) /* (a borrowed index copied out at its size does not grow) */
            cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
        if (cap < rows)
            cap = rows;
        size_t n = x->count;
        float *v = grow_copy(x->vectors, x->vectors ? n * x->stride * sizeof(float) : 0,
                             (size_t)cap * x->stride * sizeof(float), true);
        size_t es = hnsw_elem_size(x->storage);
        void *c = x->storage == HNSW_STORE_F32
                      ? NULL
                      : grow_copy(x->codes, x->codes ? n * x->stride * es : 0,
                                  (size_t)cap * x->stride * es, true);
        uint32_t *l0 = grow_copy(x->level0, n * x->l0_slots * sizeof(uint32_t),
                                 (size_t)cap * x->l0_slots * sizeof(uint32_t), false);
        uint8_t *lv = grow_copy(x->levels, n, cap, false);
        uint32_t *ui = grow_copy(x->upper_index, n * sizeof(uint32_t),
                                 (size_t)cap * sizeof(uint32_t), false);
        if (v == NULL || l0 == NULL || lv == NULL || ui == NULL ||
            (c == NULL && x->storage != HNSW_STORE_F32)) {
            free(v), free(l0), free(lv), free(ui), free(c);
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY,
                                   "hnsw: out of memory growing to %u vectors", cap);
        }
        if (!x->borrowed) {
            free(x->vectors), free(x->level0), free(x->levels), free(x->upper_index);
            free(x->codes);
        }
        x->vectors = v, x->level0 = l0, x->levels = lv, x->upper_index = ui, x->codes = c;
        x->capacity = cap;
    } else if (x->vectors == NULL) { /* f32 rows dropped after the last add: a zeroed array */
        x->vectors = grow_copy(NULL, 0, (size_t)x->capacity * x->stride * sizeof(float), true);
        if (x->vectors == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (f32 rows)");
    }
    if (x->storage == HNSW_STORE_SQ8 && x->borrowed && x->sq8_lo != NULL) {
        float *r = malloc(sizeof(float) * 2 * x->stride);
        if (r == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (sq8 ranges)");
        memcpy(r, x->sq8_lo, sizeof(float) * x->stride);
        memcpy(r + x->stride, x->sq8_scale, sizeof(float) * x->stride);
        x->sq8_lo = r, x->sq8_scale = r + x->stride;
    }
    vajra_status st = hnsw_reserve_gains(x, err);
    if (st != VAJRA_OK)
        return st;
    if (blocks > x->upper_capacity || x->borrowed) {
        uint32_t cap = x->upper_capacity < 16 ? 16 : x->upper_capacity;
        while (cap < blocks)
            cap *= 2;
        uint32_t *up = grow_copy(x->upper, (size_t)x->upper_blocks * x->up_slots * sizeof(uint32_t),
                                 (size_t)cap * x->up_slots * sizeof(uint32_t), false);
        if (up == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (upper levels)");
        if (!x->borrowed)
            free(x->upper);
        x->upper = up;
        x->upper_capacity = cap;
    }
    x->borrowed = false;
    return VAJRA_OK;
}

/* splitmix64: a counter-based generator, so node n's level depends only on (seed, n) — not on
 * batch boundaries or threads. */
static uint64_t splitmix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint32_t hnsw_random_level(const VajraVectorIndex *x, uint32_t node)
{
    uint64_t h = splitmix64(x->params.seed ^ splitmix64((uint64_t)node));
    double u = (double)(h >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
    double r = -log(1.0 - u) * x->level_mult;
    return r >= HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (uint32_t)r;
}

/* ---- graph accessor ---- */
static uint32_t acc_level(const void *self, uint32_t node)
{
    const VajraVectorIndex *x = self;
    return node < x->count ? x->levels[node] : 0;
}

static uint32_t acc_neighbours(const void *self, uint32_t node, uint32_t level,
                               const uint32_t **ids)
{
    const VajraVectorIndex *x = self;
    if (node >= x->count || level > x->levels[node]) {
        *ids = NULL;
        return 0;
    }
    const uint32_t *l = hnsw_links(x, node, level);
    *ids = l + 1;
    return l[0];
}

static const float *acc_vector(const void *self, uint32_t node)
{
    const VajraVectorIndex *x = self;
    if (x->storage == HNSW_STORE_F32)
        return hnsw_vec(x, node);
    return x->decoded + (size_t)node * x->stride;
}

/* The decoded rows of a quantised index, built once per change (see hnsw_graph). */
static vajra_status decode_all(const VajraVectorIndex *cx, VajraError *err)
{
    VajraVectorIndex *x = (VajraVectorIndex *)cx; /* the cache only; the index is unchanged */
    vajra_status st = VAJRA_OK;
    pthread_mutex_lock(&x->decoded_lock);
    if (x->decoded == NULL && x->count > 0) {
        float *d = hnsw_aligned_alloc(sizeof(float) * x->count * x->stride);
        if (d == NULL) {
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY,
                                 "hnsw graph: out of memory (decoded rows)");
        } else {
            for (uint32_t n = 0; n < x->count; n++)
                hnsw_decode_row(x, n, d + (size_t)n * x->stride);
            x->decoded = d;
        }
    }
    pthread_mutex_unlock(&x->decoded_lock);
    return st;
}

vajra_status hnsw_graph(const VajraVectorIndex *x, VajraHnswGraph *g, VajraError *err)
{
    if (x == NULL || g == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw graph: NULL argument");
    if (x->storage != HNSW_STORE_F32) {
        vajra_status st = decode_all(x, err);
        if (st != VAJRA_OK)
            return st;
    }
    memset(g, 0, sizeof *g);
    g->struct_size = sizeof *g;
    g->metric = x->metric;
    g->dim = x->dim;
    g->count = x->count;
    g->entry = x->entry;
    g->max_level = x->max_level < 0 ? 0 : (uint32_t)x->max_level;
    g->self = x;
    g->level = acc_level;
    g->neighbours = acc_neighbours;
    g->vector = acc_vector;
    return VAJRA_OK;
}

vajra_status hnsw_check_vector(const float *v, uint32_t dim, VajraMetric metric, const char *what,
                               size_t index, VajraError *err)
{
    double sum = 0.0;
    for (uint32_t j = 0; j < dim; j++) {
        if (!isfinite(v[j]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "%s %zu: component %u is not finite", what, index, j);
        sum += (double)v[j] * v[j];
    }
    if (sum > (double)FLT_MAX / 4)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "%s %zu: squared norm %.3g is too large (distances would overflow "
                               "float; the limit is %.3g)",
                               what, index, sum, (double)FLT_MAX / 4);
    if (metric == VAJRA_METRIC_COSINE && !(sum > 0.0))
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "%s %zu is zero, which has no cosine", what, index);
    return VAJRA_OK;
}

/* ---- quantised storage ---- */

static const char *const storage_names[] = {"f32", "f16", "sq8", "auto"};

const char *hnsw_storage_name(uint32_t storage)
{
    return storage <= HNSW_STORE_AUTO ? storage_names[storage] : "?";
}

void hnsw_kv_refresh(VajraVectorIndex *x)
{
    /* "auto" stays "auto" (not the storage it resolved to): an index created again from these
     * parameters, as compaction does, then resolves by its own rows and never rounds them. */
    snprintf(x->kv_text[4], sizeof x->kv_text[4], "%s",
             hnsw_storage_name(x->storage_auto ? HNSW_STORE_AUTO : x->storage));
    snprintf(x->kv_text[5], sizeof x->kv_text[5], "%d", x->rerank ? 1 : 0);
    x->kv[4] = (VajraKeyValue){"storage", x->kv_text[4]};
    x->kv[5] = (VajraKeyValue){"rerank", x->kv_text[5]};
}

vajra_status hnsw_storage_parse(const char *name, uint32_t *out, VajraError *err)
{
    for (uint32_t i = 0; name != NULL && i <= HNSW_STORE_AUTO; i++)
        if (strcmp(name, storage_names[i]) == 0) {
            *out = i;
            return VAJRA_OK;
        }
    return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                           "hnsw: storage \"%s\" is not f32, f16, sq8 or auto",
                           name ? name : "(null)");
}

void hnsw_quantise_rows(VajraVectorIndex *x, uint32_t from, uint32_t to)
{
    size_t st = x->stride;
    if (x->storage == HNSW_STORE_F16) {
        for (uint32_t n = from; n < to; n++)
            vajra_f32_to_f16_array(hnsw_vec(x, n), (uint16_t *)x->codes + n * st, st);
        return;
    }
    if (x->storage != HNSW_STORE_SQ8 || from >= to)
        return;
    if (!x->ranges_set) {
        /* Rows are finite (validated) and padded with zeros, so the ranges over all stride
         * columns cannot fail; the padding gets lo = scale = 0. */
        (void)vajra_sq8_ranges(hnsw_vec(x, from), to - from, x->stride, x->sq8_lo, x->sq8_scale,
                               NULL);
        x->ranges_set = true;
    }
    for (uint32_t n = from; n < to; n++) {
        const float *v = hnsw_vec(x, n);
        uint8_t *c = (uint8_t *)x->codes + n * st;
        vajra_sq8_encode(v, x->stride, x->sq8_lo, x->sq8_scale, c);
        if (x->sq8_gain != NULL)
            x->sq8_gain[n] = vajra_sq8_gain(v, c, x->dim, x->sq8_lo, x->sq8_scale);
    }
}

void hnsw_decode_row(const VajraVectorIndex *x, uint32_t n, float *out)
{
    size_t st = x->stride;
    if (x->storage == HNSW_STORE_F16) {
        const uint16_t *c = (const uint16_t *)x->codes + n * st;
        for (size_t i = 0; i < st; i++)
            out[i] = vajra_f16_to_f32(c[i]);
    } else if (x->storage == HNSW_STORE_SQ8) {
        vajra_sq8_decode((const uint8_t *)x->codes + n * st, x->dim, x->sq8_lo, x->sq8_scale, out);
        memset(out + x->dim, 0, sizeof(float) * (st - x->dim));
        if (x->sq8_gain != NULL)
            for (uint32_t i = 0; i < x->dim; i++)
                out[i] *= x->sq8_gain[n];
    } else {
        memcpy(out, hnsw_vec(x, n), sizeof(float) * st);
    }
}

void hnsw_drop_f32(VajraVectorIndex *x)
{
    if (x->storage != HNSW_STORE_F32 && !x->rerank && !x->borrowed) {
        free(x->vectors);
        x->vectors = NULL;
    }
}

bool hnsw_floats_are_f16(const float *v, size_t n)
{
    return vajra_f32_to_f16_exact(v, NULL, n);
}

vajra_status hnsw_auto_storage(VajraVectorIndex *x, uint32_t base, uint32_t total,
                               VajraError *err)
{
    bool exact = hnsw_floats_are_f16(x->vectors + (size_t)base * x->stride,
                                     (size_t)total * x->stride);
    if (exact && base == 0 && x->storage == HNSW_STORE_F32) {
        size_t bytes = (size_t)x->capacity * x->stride * hnsw_elem_size(HNSW_STORE_F16);
        void *c = hnsw_aligned_alloc(bytes);
        if (c == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (f16 rows)");
        memset(c, 0, bytes);
        x->codes = c;
        x->storage = HNSW_STORE_F16;
    } else if (!exact && x->storage == HNSW_STORE_F16) {
        free(x->codes); /* the add owns the arrays (hnsw_index_reserve) */
        x->codes = NULL;
        x->storage = HNSW_STORE_F32;
    }
    return VAJRA_OK;
}

vajra_status hnsw_set_storage(VajraVectorIndex *x, uint32_t storage, bool rerank, VajraError *err)
{
    if (x == NULL || storage > HNSW_STORE_AUTO)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: bad storage %u", storage);
    if (x->count > 0 && x->storage != HNSW_STORE_F32)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw: only an f32 index can be converted to another storage");
    if (storage == HNSW_STORE_AUTO) {
        if (rerank)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "hnsw: rerank needs storage f16 or sq8 (auto never rounds)");
        x->storage_auto = true;
        /* A built f32 index becomes f16 now if every row is exactly binary16. */
        bool f16 = x->count > 0 &&
                   hnsw_floats_are_f16(x->vectors, (size_t)x->count * x->stride);
        vajra_status st = f16 ? hnsw_set_storage(x, HNSW_STORE_F16, false, err) : VAJRA_OK;
        x->storage_auto = true; /* the explicit f16 conversion above clears it */
        hnsw_kv_refresh(x);
        return st;
    }
    x->storage_auto = false;
    if (storage == HNSW_STORE_SQ8 && x->sq8_lo == NULL) {
        float *r = calloc(2 * (size_t)x->stride, sizeof(float));
        if (r == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (sq8 ranges)");
        x->sq8_lo = r, x->sq8_scale = r + x->stride;
    }
    if (x->count == 0 || storage == HNSW_STORE_F32) {
        x->storage = storage;
        x->rerank = rerank && storage != HNSW_STORE_F32;
        hnsw_kv_refresh(x);
        return VAJRA_OK;
    }
    /* Convert a built f32 index: own its arrays, then quantise every row. */
    vajra_status st = hnsw_index_reserve(x, x->count, x->upper_blocks, err);
    if (st != VAJRA_OK)
        return st;
    void *c = hnsw_aligned_alloc((size_t)x->capacity * x->stride * hnsw_elem_size(storage));
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (codes)");
    memset(c, 0, (size_t)x->capacity * x->stride * hnsw_elem_size(storage));
    x->codes = c;
    x->storage = storage;
    x->rerank = rerank;
    x->ranges_set = false;
    if ((st = hnsw_reserve_gains(x, err)) != VAJRA_OK)
        return st;
    hnsw_quantise_rows(x, 0, x->count);
    hnsw_drop_f32(x);
    hnsw_kv_refresh(x);
    free(x->decoded);
    x->decoded = NULL;
    return VAJRA_OK;
}
