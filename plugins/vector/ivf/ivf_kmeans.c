/* vector-ivf — seeded, deterministic k-means (see ivf_kmeans in ivf_index.h).
 *
 * Only the per-row work (a row's distances to the centroids, its nearest one) runs on several
 * threads; every row's result is computed by the same kernel call whatever the split, and the
 * sums that decide anything (k-means++ weights, the means) run on one thread in row order. So the
 * centroids are the same bytes for any thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ivf_index.h"

typedef struct KmCtx {
    const IvfIndex *x;
    const float *data;
    uint32_t n, k, dim;
    const float *cent;  /* k × dim */
    const float *pivot; /* k-means++: the newest centre */
    float *mind;        /* k-means++: squared L2 to the nearest centre so far */
    uint32_t *assign;   /* Lloyd: the centre of each row */
    float *scratch;     /* Lloyd: threads × k */
} KmCtx;

static void pp_range(void *arg, uint32_t part, size_t b, size_t e)
{
    (void)part;
    KmCtx *c = arg;
    for (size_t i = b; i < e; i++) {
        float d = c->x->kernel->l2sq(c->pivot, c->data + i * c->dim, c->dim);
        if (d < c->mind[i])
            c->mind[i] = d;
    }
}

static void assign_range(void *arg, uint32_t part, size_t b, size_t e)
{
    KmCtx *c = arg;
    float *s = c->scratch + (size_t)part * c->k;
    uint32_t k = c->k, d = c->dim;
    for (size_t i = b; i < e; i++) {
        const float *v = c->data + i * d;
        if (c->x->p.metric == VAJRA_METRIC_L2) {
            c->x->kernel->l2sq_many(v, c->cent, d, k, d, s);
        } else {
            c->x->kernel->dot_many(v, c->cent, d, k, d, s);
            for (uint32_t j = 0; j < k; j++)
                s[j] = -s[j];
        }
        uint32_t best = 0;
        for (uint32_t j = 1; j < k; j++)
            if (s[j] < s[best])
                best = j;
        c->assign[i] = best;
    }
}

/* Unit length under IP/cosine (spherical k-means); a zero mean is left as it is. */
static void normalise_if_angular(const IvfIndex *x, float *c, uint32_t d)
{
    if (x->p.metric == VAJRA_METRIC_L2)
        return;
    double s = 0.0;
    for (uint32_t i = 0; i < d; i++)
        s += (double)c[i] * c[i];
    if (s > 0.0 && isfinite(s)) {
        float inv = (float)sqrt(s);
        for (uint32_t i = 0; i < d; i++)
            c[i] /= inv;
    }
}

#define SPLIT_EPS (1.0f / 1024.0f)

vajra_status ivf_kmeans(const IvfIndex *x, const float *data, uint32_t n, uint32_t k,
                        uint32_t threads, float *centroids, VajraError *err)
{
    uint32_t d = x->dim;
    if (threads == 0)
        threads = 1;
    if (threads > IVF_MAX_THREADS)
        threads = IVF_MAX_THREADS;
    float *mind = malloc((size_t)n * sizeof *mind);
    uint32_t *assign = malloc((size_t)n * sizeof *assign);
    float *scratch = malloc((size_t)threads * k * sizeof *scratch);
    double *sum = malloc((size_t)k * d * sizeof *sum);
    uint32_t *cnt = malloc((size_t)k * sizeof *cnt);
    vajra_status st = VAJRA_OK;
    if (mind == NULL || assign == NULL || scratch == NULL || sum == NULL || cnt == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory in k-means");
        goto out;
    }
    KmCtx c = {x, data, n, k, d, centroids, NULL, mind, assign, scratch};

    /* k-means++: each next centre is row i with probability mind[i] / Σ mind. */
    uint64_t rng = x->p.seed ^ 0xC3A5C85C97CB3127ULL;
    uint32_t pick = (uint32_t)(ivf_rng_next(&rng) % n);
    for (uint32_t i = 0; i < n; i++)
        mind[i] = INFINITY;
    for (uint32_t j = 0; j < k; j++) {
        memcpy(centroids + (size_t)j * d, data + (size_t)pick * d, d * sizeof(float));
        if (j + 1 == k)
            break;
        c.pivot = centroids + (size_t)j * d;
        ivf_parallel(threads, n, pp_range, &c);
        double total = 0.0;
        for (uint32_t i = 0; i < n; i++)
            total += mind[i];
        double u = (double)(ivf_rng_next(&rng) >> 11) * (1.0 / 9007199254740992.0);
        if (total > 0.0 && isfinite(total)) {
            double r = u * total, acc = 0.0;
            pick = n - 1;
            for (uint32_t i = 0; i < n; i++) {
                acc += mind[i];
                if (acc > r && mind[i] > 0.0f) {
                    pick = i;
                    break;
                }
            }
        } else { /* every row coincides with a centre: any row */
            pick = (uint32_t)(u * n);
            if (pick >= n)
                pick = n - 1;
        }
    }
    for (uint32_t j = 0; j < k; j++)
        normalise_if_angular(x, centroids + (size_t)j * d, d);

    /* Lloyd steps. */
    for (uint32_t it = 0; it < x->p.iterations; it++) {
        ivf_parallel(threads, n, assign_range, &c);
        memset(sum, 0, (size_t)k * d * sizeof *sum);
        memset(cnt, 0, (size_t)k * sizeof *cnt);
        for (uint32_t i = 0; i < n; i++) {
            double *s = sum + (size_t)assign[i] * d;
            const float *v = data + (size_t)i * d;
            for (uint32_t t = 0; t < d; t++)
                s[t] += v[t];
            cnt[assign[i]]++;
        }
        for (uint32_t j = 0; j < k; j++) {
            if (cnt[j] == 0)
                continue;
            float *cj = centroids + (size_t)j * d;
            for (uint32_t t = 0; t < d; t++)
                cj[t] = (float)(sum[(size_t)j * d + t] / cnt[j]);
        }
        /* Empty clusters: split the largest (ties: lowest index) in two, as FAISS does. */
        for (uint32_t j = 0; j < k; j++) {
            if (cnt[j] != 0)
                continue;
            uint32_t m = 0;
            for (uint32_t t = 1; t < k; t++)
                if (cnt[t] > cnt[m])
                    m = t;
            float *cj = centroids + (size_t)j * d, *cm = centroids + (size_t)m * d;
            memcpy(cj, cm, d * sizeof(float));
            for (uint32_t t = 0; t < d; t++) {
                float up = 1.0f + SPLIT_EPS, down = 1.0f - SPLIT_EPS;
                cj[t] *= (t % 2) ? up : down;
                cm[t] *= (t % 2) ? down : up;
            }
            cnt[j] = cnt[m] / 2;
            cnt[m] -= cnt[j];
        }
        for (uint32_t j = 0; j < k; j++)
            normalise_if_angular(x, centroids + (size_t)j * d, d);
    }
out:
    free(mind);
    free(assign);
    free(scratch);
    free(sum);
    free(cnt);
    return st;
}
