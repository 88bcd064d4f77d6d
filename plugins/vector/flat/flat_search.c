/* vector-flat — the exact scan: blocks of rows through the host kernel, the best k kept in a
 * max-heap by (distance, id), so the answer does not depend on the block size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flat_index.h"

static inline bool pair_less(FlatPair a, FlatPair b)
{
    return a.d < b.d || (a.d == b.d && a.id < b.id);
}

vajra_status flat_search_new(const VajraVectorIndex *x, VajraVectorSearch **out,
                             VajraError *err)
{
    (void)x;
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat: NULL out");
    *out = calloc(1, sizeof **out);
    return *out ? VAJRA_OK : vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat: out of memory");
}

void flat_search_free(VajraVectorSearch *s)
{
    if (s == NULL)
        return;
    free(s->query);
    free(s->heap);
    free(s);
}

/* Check the query, size the scratch for it and k, and copy (normalise) it into s->query. */
static vajra_status prepare(const VajraVectorIndex *x, VajraVectorSearch *s,
                            const VajraVectorQuery *q, size_t k, VajraError *err)
{
    if (x == NULL || s == NULL || q == NULL || (q->values == NULL && q->dim > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat search: NULL argument");
    if (q->dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "vector-flat search: query of dim %u, the index holds %u", q->dim,
                               x->dim);
    for (uint32_t j = 0; j < q->dim; j++)
        if (!isfinite(q->values[j]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "vector-flat search: query component %u is not finite", j);
    if (s->dim_cap < x->dim) {
        float *qb = malloc(x->dim * sizeof *qb);
        if (qb == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat search: out of memory");
        free(s->query);
        s->query = qb;
        s->dim_cap = x->dim;
    }
    if (k > s->heap_cap) {
        FlatPair *h = realloc(s->heap, k * sizeof *h);
        if (h == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "vector-flat search: out of memory");
        s->heap = h;
        s->heap_cap = k;
    }
    if (x->metric == VAJRA_METRIC_COSINE)
        return vajra_vector_normalize(q->values, s->query, x->dim, err);
    memcpy(s->query, q->values, x->dim * sizeof *s->query);
    return VAJRA_OK;
}

/* Distances (smaller is better) from the query to n rows: rows ids[0..n) or, with ids NULL, the
 * consecutive rows from `first`; into s->dists. */
static void score(const VajraVectorIndex *x, VajraVectorSearch *s, const uint32_t *ids,
                  uint32_t first, size_t n)
{
    const VajraKernelOps *k = x->kernel;
    size_t dim = x->dim;
    bool l2 = x->metric == VAJRA_METRIC_L2;
    if (x->storage == FLAT_STORAGE_F32) {
        const float *base = x->rows;
        if (ids != NULL)
            (l2 ? k->l2sq_gather : k->dot_gather)(s->query, base, dim, ids, n, dim, s->dists);
        else
            (l2 ? k->l2sq_many : k->dot_many)(s->query, base + (size_t)first * dim, dim, n, dim,
                                             s->dists);
    } else { /* f16 rows: the kernel's f16 slots, by id (a consecutive block numbered here) */
        if (ids == NULL) {
            for (size_t i = 0; i < n; i++)
                s->ids[i] = first + (uint32_t)i;
            ids = s->ids;
        }
        (l2 ? k->l2sq_f16_gather : k->dot_f16_gather)(s->query, x->rows, dim, ids, n, dim,
                                                       s->dists);
    }
    if (!l2)
        for (size_t i = 0; i < n; i++)
            s->dists[i] = -s->dists[i];
}

/* Keep p among the best k (a max-heap of *len entries, the worst on top). */
static void offer(FlatPair *heap, size_t k, size_t *len, FlatPair p)
{
    size_t i;
    if (*len < k) {
        i = (*len)++;
        while (i > 0 && pair_less(heap[(i - 1) / 2], p)) {
            heap[i] = heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        heap[i] = p;
        return;
    }
    if (!pair_less(p, heap[0]))
        return;
    i = 0; /* sift p down from the root */
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= k)
            break;
        if (c + 1 < k && pair_less(heap[c], heap[c + 1]))
            c++;
        if (!pair_less(p, heap[c]))
            break;
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = p;
}

static int pair_cmp(const void *a, const void *b)
{
    FlatPair x = *(const FlatPair *)a, y = *(const FlatPair *)b;
    return pair_less(x, y) ? -1 : pair_less(y, x) ? 1 : 0;
}

static vajra_status scan(const VajraVectorIndex *x, VajraVectorSearch *s,
                         const VajraVectorQuery *q, const VajraDocFilter *filter, VajraHits *out,
                         VajraError *err)
{
    size_t k = x != NULL && q != NULL && q->k < x->count ? q->k : x ? x->count : 0;
    vajra_status st = prepare(x, s, q, k, err);
    if (st != VAJRA_OK)
        return st;
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector-flat search: NULL out");
    out->count = 0;
    size_t len = 0;
    for (uint32_t first = 0; k > 0 && first < x->count; first += FLAT_BLOCK) {
        size_t n = x->count - first < FLAT_BLOCK ? x->count - first : FLAT_BLOCK;
        const uint32_t *ids = NULL;
        if (filter != NULL) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (vajra_filter_pass(filter, first + (uint32_t)i))
                    s->ids[m++] = first + (uint32_t)i;
            if (m == 0)
                continue;
            ids = s->ids;
            n = m;
        }
        score(x, s, ids, first, n);
        for (size_t i = 0; i < n; i++)
            offer(s->heap, k, &len, (FlatPair){s->dists[i], ids ? ids[i] : first + (uint32_t)i});
    }
    qsort(s->heap, len, sizeof *s->heap, pair_cmp);
    st = vajra_hits_reserve(out, len, err);
    if (st != VAJRA_OK)
        return st;
    for (size_t i = 0; i < len; i++)
        out->items[i] = (VajraHit){s->heap[i].id, -s->heap[i].d};
    out->count = len;
    return VAJRA_OK;
}

vajra_status flat_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                         const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                         VajraError *err)
{
    (void)ef; /* exact: no effort knob */
    return scan(x, s, q, NULL, out, err);
}

vajra_status flat_search_exact(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, VajraHits *out, VajraError *err)
{
    return scan(x, s, q, NULL, out, err);
}

vajra_status flat_search_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                  const VajraVectorQuery *q, uint32_t ef,
                                  const VajraDocFilter *filter, VajraHits *out,
                                  VajraError *err)
{
    (void)ef;
    return scan(x, s, q, filter, out, err);
}
