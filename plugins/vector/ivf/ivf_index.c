/* vector-ivf — parameters, index lifetime, adding vectors and training (see ivf_index.h). */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"

void ivf_params_default(IvfParams *p, uint32_t dim, VajraMetric metric)
{
    memset(p, 0, sizeof *p);
    p->dim = dim;
    p->metric = (uint32_t)metric;
    p->nlist = 256;
    p->nprobe = 8;
    p->iterations = 10;
    p->sample = 0;
    p->quantizer = IVF_QUANT_NONE;
    p->rerank = 64;
    p->seed = 42;
}

vajra_status ivf_check_params(const IvfParams *p, VajraError *err)
{
    if (p == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: no parameters");
    if (p->dim < 1 || p->dim > 65536)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: dim %u outside 1..65536",
                               p->dim);
    if (p->metric != VAJRA_METRIC_L2 && p->metric != VAJRA_METRIC_IP &&
        p->metric != VAJRA_METRIC_COSINE)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: unknown metric %u",
                               p->metric);
    if (p->nlist < 1 || p->nlist > IVF_MAX_NLIST)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: nlist %u outside 1..%u",
                               p->nlist, IVF_MAX_NLIST);
    if (p->nprobe < 1 || p->nprobe > p->nlist)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "ivf: nprobe %u outside 1..nlist (%u)", p->nprobe, p->nlist);
    if (p->iterations < 1 || p->iterations > IVF_MAX_ITERATIONS)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "ivf: iterations %u outside 1..%u", p->iterations,
                               IVF_MAX_ITERATIONS);
    if (p->sample != 0 && p->sample < p->nlist)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "ivf: sample %u below nlist (%u); 0 means 256 per list",
                               p->sample, p->nlist);
    if (p->quantizer != IVF_QUANT_NONE && p->quantizer != IVF_QUANT_SQ8)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "ivf: unknown quantizer %u (none, sq8)", p->quantizer);
    if (p->rerank > IVF_MAX_RERANK)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: rerank %u outside 0..%u",
                               p->rerank, IVF_MAX_RERANK);
    return VAJRA_OK;
}

vajra_status ivf_check_vector(const float *v, uint32_t dim, uint32_t metric, const char *what,
                              size_t index, VajraError *err)
{
    double norm = 0.0;
    for (uint32_t i = 0; i < dim; i++) {
        if (!isfinite(v[i]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "%s %zu: component %u is not finite",
                                   what, index, i);
        norm += (double)v[i] * v[i];
    }
    if (norm > FLT_MAX / 4)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "%s %zu: norm too large", what, index);
    if (metric == VAJRA_METRIC_COSINE && norm == 0.0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "%s %zu: zero vector under cosine",
                               what, index);
    return VAJRA_OK;
}

vajra_status ivf_index_new(const IvfParams *p, const VajraKernelOps *kernel, IvfIndex **out,
                           VajraError *err)
{
    vajra_status st = ivf_check_params(p, err);
    if (st != VAJRA_OK)
        return st;
    if (kernel == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: no kernel or out");
    IvfIndex *x = calloc(1, sizeof *x);
    if (x == NULL || (x->lists = calloc(p->nlist, sizeof *x->lists)) == NULL) {
        free(x);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
    }
    x->p = *p;
    x->kernel = kernel;
    x->dim = p->dim;
    *out = x;
    return VAJRA_OK;
}

static void free_owned(IvfIndex *x)
{
    free(x->centroids);
    free(x->sq_min);
    free(x->sq_step);
    for (uint32_t l = 0; l < x->p.nlist; l++) {
        free(x->lists[l].ids);
        free(x->lists[l].vecs);
        free(x->lists[l].codes);
    }
    free(x->rows);
}

void ivf_index_free(IvfIndex *x)
{
    if (x == NULL)
        return;
    if (!x->borrowed)
        free_owned(x);
    free(x->lists);
    free(x->list_of);
    free(x);
}

const float *ivf_vector(const IvfIndex *x, uint32_t doc, float *scratch)
{
    if (doc >= x->count)
        return NULL;
    if (x->rows)
        return x->rows + (size_t)doc * x->dim;
    const IvfList *l = &x->lists[x->list_of[doc]];
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= l->n || l->ids[lo] != doc)
        return NULL;
    if (l->vecs)
        return l->vecs + (size_t)lo * x->dim;
    for (uint32_t t = 0; t < x->dim; t++)
        scratch[t] = ivf_sq_decode(x, t, l->codes[(size_t)lo * x->dim + t]);
    return scratch;
}

size_t ivf_memory_bytes(const IvfIndex *x)
{
    size_t d = x->dim, b = 0;
    if (x->trained) {
        b += (size_t)x->p.nlist * d * sizeof(float) + (size_t)(x->p.nlist + 1) * sizeof(uint32_t);
        if (x->p.quantizer == IVF_QUANT_SQ8)
            b += 2 * d * sizeof(float) + (size_t)x->count * d;
        else
            b += (size_t)x->count * d * sizeof(float);
        b += (size_t)x->count * sizeof(uint32_t);
    }
    if (x->rows)
        b += (size_t)x->count * d * sizeof(float);
    return b;
}

void ivf_coarse(const IvfIndex *x, const float *v, float *out)
{
    uint32_t k = x->p.nlist, d = x->dim;
    if (x->p.metric == VAJRA_METRIC_L2) {
        x->kernel->l2sq_many(v, x->centroids, d, k, d, out);
    } else {
        x->kernel->dot_many(v, x->centroids, d, k, d, out);
        for (uint32_t j = 0; j < k; j++)
            out[j] = -out[j];
    }
}

uint32_t ivf_assign_one(const IvfIndex *x, const float *v, float *scratch)
{
    ivf_coarse(x, v, scratch);
    uint32_t best = 0;
    for (uint32_t j = 1; j < x->p.nlist; j++)
        if (scratch[j] < scratch[best])
            best = j;
    return best;
}

/* ---- a fixed split over threads ---- */

typedef struct Chunk {
    IvfRangeFn fn;
    void *ctx;
    uint32_t part;
    size_t begin, end;
} Chunk;

static void *chunk_run(void *arg)
{
    Chunk *c = arg;
    c->fn(c->ctx, c->part, c->begin, c->end);
    return NULL;
}


void ivf_parallel(uint32_t threads, size_t n, IvfRangeFn fn, void *ctx)
{
    if (threads > IVF_MAX_THREADS)
        threads = IVF_MAX_THREADS;
    if (threads <= 1 || n < 2 * (size_t)threads) {
        fn(ctx, 0, 0, n);
        return;
    }
    Chunk chunks[IVF_MAX_THREADS];
    pthread_t tids[IVF_MAX_THREADS];
    bool started[IVF_MAX_THREADS];
    for (uint32_t t = 0; t < threads; t++) {
        chunks[t] = (Chunk){fn, ctx, t, n * t / threads, n * (t + 1) / threads};
        started[t] = t > 0 && pthread_create(&tids[t], NULL, chunk_run, &chunks[t]) == 0;
    }
    for (uint32_t t = 0; t < threads; t++)
        if (!started[t])
            chunk_run(&chunks[t]); /* thread 0, or a thread that could not start: same result */
    for (uint32_t t = 1; t < threads; t++)
        if (started[t])
            pthread_join(tids[t], NULL);
}

/* ---- storage ---- */

/* A malloc'd copy of bytes at src (NULL src → NULL); clears *ok when out of memory. */
static void *dup_bytes(const void *src, size_t bytes, bool *ok)
{
    if (!*ok || src == NULL)
        return NULL;
    void *d = malloc(bytes ? bytes : 1);
    if (d == NULL)
        *ok = false;
    else
        memcpy(d, src, bytes);
    return d;
}

/* Copy borrowed arrays into owned memory before the first modification of a loaded index. */
static vajra_status own(IvfIndex *x, VajraError *err)
{
    if (!x->borrowed)
        return VAJRA_OK;
    size_t d = x->dim;
    IvfIndex c = *x;
    c.centroids = NULL;
    c.sq_min = c.sq_step = NULL;
    c.rows = NULL;
    c.rows_cap = 0;
    c.lists = calloc(x->p.nlist, sizeof *c.lists);
    bool ok = c.lists != NULL;
    c.centroids = dup_bytes(x->centroids, (size_t)x->p.nlist * d * sizeof(float), &ok);
    c.sq_min = dup_bytes(x->sq_min, d * sizeof(float), &ok);
    c.sq_step = dup_bytes(x->sq_step, d * sizeof(float), &ok);
    c.rows = dup_bytes(x->rows, (size_t)x->count * d * sizeof(float), &ok);
    if (ok && c.rows)
        c.rows_cap = x->count;
    for (uint32_t l = 0; ok && l < x->p.nlist; l++) {
        const IvfList *s = &x->lists[l];
        IvfList *t = &c.lists[l];
        t->n = t->cap = s->n;
        if (s->n == 0)
            continue;
        t->ids = dup_bytes(s->ids, (size_t)s->n * sizeof(uint32_t), &ok);
        t->vecs = dup_bytes(s->vecs, (size_t)s->n * d * sizeof(float), &ok);
        t->codes = dup_bytes(s->codes, (size_t)s->n * d, &ok);
    }
    if (!ok) {
        c.borrowed = false;
        if (c.lists)
            free_owned(&c);
        free(c.lists);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory copying a loaded index");
    }
    free(x->lists);
    c.borrowed = false;
    *x = c;
    return VAJRA_OK;
}

static vajra_status grow_rows(IvfIndex *x, size_t need, VajraError *err)
{
    if (need <= x->rows_cap)
        return VAJRA_OK;
    size_t cap = x->rows_cap ? x->rows_cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    float *r = realloc(x->rows, cap * x->dim * sizeof(float));
    if (r == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
    x->rows = r;
    x->rows_cap = (uint32_t)cap;
    return VAJRA_OK;
}

static vajra_status list_grow(IvfIndex *x, IvfList *l, uint32_t need, VajraError *err)
{
    if (need <= l->cap)
        return VAJRA_OK;
    uint32_t cap = l->cap ? l->cap : 16;
    while (cap < need)
        cap = cap > UINT32_MAX / 2 ? need : cap * 2;
    size_t d = x->dim;
    uint32_t *ids = realloc(l->ids, (size_t)cap * sizeof *ids);
    if (ids == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
    l->ids = ids;
    if (x->p.quantizer == IVF_QUANT_SQ8) {
        uint8_t *c = realloc(l->codes, (size_t)cap * d);
        if (c == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
        l->codes = c;
    } else {
        float *v = realloc(l->vecs, (size_t)cap * d * sizeof(float));
        if (v == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
        l->vecs = v;
    }
    l->cap = cap;
    return VAJRA_OK;
}

static void sq_encode(const IvfIndex *x, const float *v, uint8_t *code)
{
    for (uint32_t i = 0; i < x->dim; i++) {
        float step = x->sq_step[i];
        float t = step > 0.0f ? (v[i] - x->sq_min[i]) / step : 0.0f;
        t = roundf(t);
        code[i] = (uint8_t)(t < 0.0f ? 0.0f : t > 255.0f ? 255.0f : t);
    }
}

/* ---- assignment ---- */

typedef struct AssignCtx {
    const IvfIndex *x;
    const float *vectors; /* row i at vectors + i × dim */
    uint32_t *list;       /* out: list of row i */
    float *scratch;       /* threads × nlist */
} AssignCtx;

static void assign_range(void *arg, uint32_t part, size_t b, size_t e)
{
    AssignCtx *c = arg;
    float *scratch = c->scratch + (size_t)part * c->x->p.nlist;
    for (size_t i = b; i < e; i++)
        c->list[i] = ivf_assign_one(c->x, c->vectors + i * c->x->dim, scratch);
}

/* Append rows [0, n) of `vectors` (documents first .. first+n-1) to their lists. */
static vajra_status assign_append(IvfIndex *x, const float *vectors, size_t n, uint32_t first,
                                  uint32_t threads, VajraError *err)
{
    if (threads == 0)
        threads = 1;
    if (threads > IVF_MAX_THREADS)
        threads = IVF_MAX_THREADS;
    uint32_t *list = malloc((n ? n : 1) * sizeof *list);
    float *scratch = malloc((size_t)threads * x->p.nlist * sizeof(float));
    if (list == NULL || scratch == NULL) {
        free(list);
        free(scratch);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
    }
    vajra_status st = VAJRA_OK;
    if ((size_t)first + n > x->list_of_cap) {
        size_t cap = x->list_of_cap ? x->list_of_cap : 256;
        while (cap < (size_t)first + n)
            cap *= 2;
        uint16_t *lo = realloc(x->list_of, cap * sizeof *lo);
        if (lo == NULL) {
            free(list);
            free(scratch);
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
        }
        x->list_of = lo;
        x->list_of_cap = (uint32_t)(cap < UINT32_MAX ? cap : UINT32_MAX);
    }
    AssignCtx c = {x, vectors, list, scratch};
    ivf_parallel(threads, n, assign_range, &c);
    size_t d = x->dim;
    for (size_t i = 0; i < n && st == VAJRA_OK; i++) {
        IvfList *l = &x->lists[list[i]];
        if ((st = list_grow(x, l, l->n + 1, err)) != VAJRA_OK)
            break;
        l->ids[l->n] = first + (uint32_t)i;
        x->list_of[first + i] = (uint16_t)list[i];
        if (x->p.quantizer == IVF_QUANT_SQ8)
            sq_encode(x, vectors + i * d, l->codes + (size_t)l->n * d);
        else
            memcpy(l->vecs + (size_t)l->n * d, vectors + i * d, d * sizeof(float));
        l->n++;
    }
    if (st != VAJRA_OK) /* take this batch out again: its entries are the lists' tails */
        for (uint32_t j = 0; j < x->p.nlist; j++)
            while (x->lists[j].n > 0 && x->lists[j].ids[x->lists[j].n - 1] >= first)
                x->lists[j].n--;
    free(list);
    free(scratch);
    return st;
}

/* ---- training ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Train on a seeded sample of the rows, then move every row into its list. On error the index
 * stays untrained and unchanged. */
static vajra_status train(IvfIndex *x, uint32_t threads, VajraError *err)
{
    uint32_t n = x->count, k = x->p.nlist, d = x->dim;
    uint64_t want = x->p.sample ? x->p.sample : (uint64_t)IVF_SAMPLE_PER_LIST * k;
    uint32_t s = want < n ? (uint32_t)want : n;
    uint32_t *pick = malloc((size_t)n * sizeof *pick);
    float *data = malloc((size_t)s * d * sizeof(float));
    float *cent = malloc((size_t)k * d * sizeof(float));
    float *mn = NULL, *step = NULL;
    vajra_status st = VAJRA_OK;
    if (pick == NULL || data == NULL || cent == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory training");
        goto out;
    }
    /* The sample: the first s slots of a partial Fisher–Yates shuffle, in ascending order. */
    for (uint32_t i = 0; i < n; i++)
        pick[i] = i;
    if (s < n) {
        uint64_t rng = x->p.seed ^ 0x5EED5A3B1E5ULL;
        for (uint32_t i = 0; i < s; i++) {
            uint32_t j = i + (uint32_t)(ivf_rng_next(&rng) % (n - i));
            uint32_t t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        qsort(pick, s, sizeof *pick, cmp_u32);
    }
    for (uint32_t i = 0; i < s; i++)
        memcpy(data + (size_t)i * d, x->rows + (size_t)pick[i] * d, d * sizeof(float));
    if ((st = ivf_kmeans(x, data, s, k, threads, cent, err)) != VAJRA_OK)
        goto out;
    if (x->p.quantizer == IVF_QUANT_SQ8) {
        mn = malloc(d * sizeof *mn);
        step = malloc(d * sizeof *step);
        if (mn == NULL || step == NULL) {
            st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory training");
            goto out;
        }
        for (uint32_t i = 0; i < d; i++) {
            float lo = data[i], hi = data[i];
            for (uint32_t r = 1; r < s; r++) {
                float v = data[(size_t)r * d + i];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            mn[i] = lo;
            step[i] = (hi - lo) / 255.0f;
        }
    }
    x->centroids = cent;
    x->sq_min = mn;
    x->sq_step = step;
    x->trained = true;
    cent = NULL;
    mn = step = NULL;
    if ((st = assign_append(x, x->rows, n, 0, threads, err)) != VAJRA_OK) {
        /* Back to untrained: empty the lists again. */
        for (uint32_t l = 0; l < k; l++)
            x->lists[l].n = 0;
        free(x->centroids);
        free(x->sq_min);
        free(x->sq_step);
        x->centroids = x->sq_min = x->sq_step = NULL;
        x->trained = false;
        goto out;
    }
    if (!ivf_keeps_rows(x)) { /* the lists hold the vectors now */
        free(x->rows);
        x->rows = NULL;
        x->rows_cap = 0;
    }
out:
    free(pick);
    free(data);
    free(cent);
    free(mn);
    free(step);
    return st;
}

vajra_status ivf_add(IvfIndex *x, const float *vectors, uint32_t dim, size_t count,
                     uint32_t threads, uint32_t *first, VajraError *err)
{
    if (x == NULL || (vectors == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf add: NULL argument");
    if (dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "ivf add: dimension %u, index has %u",
                               dim, x->dim);
    if (count > (size_t)UINT32_MAX - 1 - x->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf add: too many vectors");
    for (size_t i = 0; i < count; i++) {
        vajra_status st = ivf_check_vector(vectors + i * dim, dim, x->p.metric, "ivf add: vector",
                                           i, err);
        if (st != VAJRA_OK)
            return st;
    }
    if (first)
        *first = x->count;
    if (count == 0)
        return VAJRA_OK;
    vajra_status st = own(x, err);
    if (st != VAJRA_OK)
        return st;
    size_t d = dim;
    const float *src = vectors;
    float *norm = NULL;
    if (x->p.metric == VAJRA_METRIC_COSINE) {
        norm = malloc(count * d * sizeof(float));
        if (norm == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf add: out of memory");
        for (size_t i = 0; i < count; i++)
            vajra_vector_normalize(vectors + i * d, norm + i * d, dim, NULL);
        src = norm;
    }
    uint32_t base = x->count;
    bool keep_rows = ivf_keeps_rows(x);
    if (keep_rows) {
        if ((st = grow_rows(x, (size_t)base + count, err)) != VAJRA_OK)
            goto out;
        memcpy(x->rows + (size_t)base * d, src, count * d * sizeof(float));
    }
    if (x->trained) {
        if ((st = assign_append(x, src, count, base, threads, err)) != VAJRA_OK)
            goto out;
        x->count = base + (uint32_t)count;
    } else {
        x->count = base + (uint32_t)count;
        if ((uint64_t)x->count >= (uint64_t)x->p.nlist * IVF_MIN_PER_LIST)
            st = train(x, threads, err); /* on failure: still a valid untrained index */
    }
out:
    free(norm);
    return st;
}
