/* vector-ivf — the reference search: what an IVF search returns, written as plainly as possible
 * (see ivf_reference_search in ivf_index.h). Scalar distances from the core (vajra_ref_dot,
 * vajra_ref_l2sq), full sorts, fresh allocations: no heap, no blocks, no kernel. */
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"

typedef struct Cand {
    float d;
    uint32_t id;
} Cand;

static int cmp_cand(const void *a, const void *b)
{
    const Cand *x = a, *y = b;
    float dx = x->d + 0.0f, dy = y->d + 0.0f; /* −0 == +0 */
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static float ref_dist(uint32_t metric, const float *a, const float *b, uint32_t dim)
{
    return metric == VAJRA_METRIC_L2 ? vajra_ref_l2sq(a, b, dim) : -vajra_ref_dot(a, b, dim);
}

static vajra_status emit(Cand *c, size_t n, size_t k, VajraHits *out, VajraError *err)
{
    qsort(c, n, sizeof *c, cmp_cand);
    if (n > k)
        n = k;
    out->count = 0;
    for (size_t i = 0; i < n; i++) {
        vajra_status st = vajra_hits_push(out, c[i].id, -(c[i].d + 0.0f), err);
        if (st != VAJRA_OK)
            return st;
    }
    return VAJRA_OK;
}

vajra_status ivf_reference_search(const IvfIndex *x, const VajraVectorQuery *q, uint32_t nprobe,
                                  const VajraDocFilter *filter, VajraHits *out, VajraError *err)
{
    if (x == NULL || q == NULL || out == NULL || (q->values == NULL && q->dim))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf reference: NULL argument");
    if (q->dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "ivf reference: query dimension %u, index %u", q->dim, x->dim);
    vajra_status st = ivf_check_vector(q->values, q->dim, x->p.metric, "ivf reference: query", 0,
                                       err);
    if (st != VAJRA_OK)
        return st;
    uint32_t d = x->dim, metric = x->p.metric;
    float *qv = malloc(d * sizeof *qv);
    Cand *c = malloc(((size_t)x->count + x->p.nlist + 1) * sizeof *c);
    float *dec = malloc(d * sizeof *dec);
    if (qv == NULL || c == NULL || dec == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf reference: out of memory");
        goto out;
    }
    memcpy(qv, q->values, d * sizeof *qv);
    if (metric == VAJRA_METRIC_COSINE)
        vajra_vector_normalize(q->values, qv, d, NULL);
    size_t n = 0;
    if (!x->trained || nprobe == IVF_EXACT) {
        for (uint32_t id = 0; id < x->count; id++)
            if (vajra_filter_pass(filter, id))
                c[n++] = (Cand){ref_dist(metric, qv, ivf_vector(x, id, dec), d), id};
        st = emit(c, n, q->k, out, err);
        goto out;
    }
    /* The lists by (coarse distance, list); the first nprobe of them. */
    uint32_t nl = x->p.nlist;
    uint32_t np = nprobe == 0 ? x->p.nprobe : nprobe > nl ? nl : nprobe;
    Cand *lists = malloc(nl * sizeof *lists);
    if (lists == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf reference: out of memory");
        goto out;
    }
    for (uint32_t l = 0; l < nl; l++)
        lists[l] = (Cand){ref_dist(metric, qv, x->centroids + (size_t)l * d, d), l};
    qsort(lists, nl, sizeof *lists, cmp_cand);
    bool sq8 = x->p.quantizer == IVF_QUANT_SQ8;
    for (uint32_t j = 0; j < nl && (j < np || n < q->k); j++) {
        const IvfList *l = &x->lists[lists[j].id];
        for (uint32_t i = 0; i < l->n; i++) {
            if (!vajra_filter_pass(filter, l->ids[i]))
                continue;
            const float *v = l->vecs ? l->vecs + (size_t)i * d : NULL;
            if (sq8) {
                for (uint32_t t = 0; t < d; t++)
                    dec[t] = ivf_sq_decode(x, t, l->codes[(size_t)i * d + t]);
                v = dec;
            }
            c[n++] = (Cand){ref_dist(metric, qv, v, d), l->ids[i]};
        }
    }
    free(lists);
    if (sq8 && x->p.rerank > 0) { /* the best max(rerank, k) by the coded distance, re-scored on the float rows */
        qsort(c, n, sizeof *c, cmp_cand);
        size_t depth = x->p.rerank > q->k ? x->p.rerank : q->k;
        if (n > depth)
            n = depth;
        for (size_t i = 0; i < n; i++)
            c[i].d = ref_dist(metric, qv, x->rows + (size_t)c[i].id * d, d);
    }
    st = emit(c, n, q->k, out, err);
out:
    free(qv);
    free(c);
    free(dec);
    return st;
}
