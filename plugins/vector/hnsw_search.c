/* vector-hnsw — search: greedy descent, the level beam, top-k and the exact scan.
 *
 * The decisions mirror the core's reference (core/reference_hnsw.c) step for step, every
 * comparison by (distance, id); only the machinery differs: binary heaps instead of linear
 * scans, an epoch-stamped visited array reused across queries, distances of a whole neighbour
 * list in one kernel gather call with the rows prefetched.
 *
 * Filtered search (search_filtered) mirrors vajra_reference_hnsw_search_filtered: the same beam,
 * where a node failing the filter still enters the candidate heap (the walk goes through it) but
 * never the result heap, which is full at `width` passing nodes. The planner (hnsw_plan in
 * hnsw_index.h) widens the beam as the filter gets more selective and switches to an exact scan
 * of the passing documents below a measured threshold (docs/vector.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"

#define EXACT_BLOCK 256

vajra_status hnsw_search_new(VajraVectorSearch **out, VajraError *err)
{
    VajraVectorSearch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (search context)");
    *out = s;
    return VAJRA_OK;
}

void hnsw_search_free(VajraVectorSearch *s)
{
    if (s == NULL)
        return;
    free(s->visited);
    free(s->cand);
    free(s->res);
    free(s->sorted);
    free(s->ids);
    free(s->dists);
    free(s->query);
    free(s->qaux);
    free(s->qs8);
    free(s->idots);
    free(s);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (q == NULL)
        return false;
    *p = q;
    *cap = c;
    return true;
}

vajra_status hnsw_search_prepare(VajraVectorSearch *s, const VajraVectorIndex *x, size_t count,
                                 size_t ef, VajraError *err)
{
    if (count > s->visited_cap) {
        size_t c = count < 1024 ? 1024 : count + count / 4;
        uint32_t *v = calloc(c, sizeof(uint32_t));
        if (v == NULL)
            goto oom;
        free(s->visited);
        s->visited = v;
        s->visited_cap = (uint32_t)c;
        s->epoch = 0;
    }
    size_t buf = x->M0 > EXACT_BLOCK ? x->M0 : EXACT_BLOCK;
    if (buf < HNSW_ROUND)
        buf = HNSW_ROUND;
    size_t idcap = s->buf_cap, dcap = s->buf_cap, icap = s->buf_cap;
    if (!grow((void **)&s->ids, &idcap, buf, sizeof(uint32_t)) ||
        !grow((void **)&s->dists, &dcap, buf, sizeof(float)) ||
        !grow((void **)&s->idots, &icap, buf, sizeof(int32_t)))
        goto oom;
    s->buf_cap = idcap < dcap ? idcap : dcap;
    s->buf_cap = icap < s->buf_cap ? icap : s->buf_cap;
    if (ef + 2 > s->res_cap) {
        size_t rc = s->res_cap, sc = s->res_cap;
        if (!grow((void **)&s->res, &rc, ef + 2, sizeof(uint64_t)) ||
            !grow((void **)&s->sorted, &sc, ef + 2, sizeof(HnswPair)))
            goto oom;
        s->res_cap = rc < sc ? rc : sc;
    }
    if (!grow((void **)&s->cand, &s->cand_cap, ef + x->M0 + 2, sizeof(uint64_t)))
        goto oom;
    if (x->stride > s->query_cap) {
        float *q = hnsw_aligned_alloc(sizeof(float) * x->stride);
        float *a = hnsw_aligned_alloc(sizeof(float) * x->stride);
        int8_t *b = hnsw_aligned_alloc(x->stride);
        if (q == NULL || a == NULL || b == NULL) {
            free(q), free(a), free(b);
            goto oom;
        }
        free(s->query), free(s->qaux), free(s->qs8);
        s->query = q, s->qaux = a, s->qs8 = b;
        s->query_cap = x->stride;
    }
    return VAJRA_OK;
oom:
    return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (search scratch)");
}

/* ---- heaps over hnsw_key values (one integer compare per step): cand is a min-heap, res a
 * max-heap ---- */
static void min_push(uint64_t *h, size_t *n, uint64_t p)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (p >= h[parent])
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = p;
}

static void min_pop(uint64_t *h, size_t *n)
{
    uint64_t last = h[--(*n)];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m)
            break;
        c += (c + 1 < m && h[c + 1] < h[c]);
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
}

static void max_push(uint64_t *h, size_t *n, uint64_t p)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h[parent] >= p)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = p;
}

/* Put `last` at the root of the max-heap h[0..m) and sift it down (replace-top). */
static void max_sift_down(uint64_t *h, size_t m, uint64_t last)
{
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m)
            break;
        c += (c + 1 < m && h[c] < h[c + 1]);
        if (last >= h[c])
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
}

const HnswPair *hnsw_res_sort(VajraVectorSearch *s, size_t n)
{
    uint64_t *h = s->res;
    for (size_t end = n; end > 1; end--) {
        uint64_t top = h[0];
        max_sift_down(h, end - 1, h[end - 1]);
        h[end - 1] = top;
    }
    for (size_t i = 0; i < n; i++)
        s->sorted[i] = hnsw_unkey(h[i]);
    return s->sorted;
}

HnswPair hnsw_greedy(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                     HnswPair cur, uint32_t level)
{
    for (;;) {
        const uint32_t *l = hnsw_links(x, cur.id, level);
        uint32_t n = l[0];
        if (n == 0)
            return cur;
        for (uint32_t i = 0; i < n; i++)
            __builtin_prefetch(hnsw_row(x, s->mode, l[1 + i]));
        hnsw_score_gather(x, s, q, l + 1, n, s->dists);
        HnswPair best = cur;
        for (uint32_t i = 0; i < n; i++) {
            HnswPair p = {s->dists[i], l[1 + i]};
            if (hnsw_less(p, best))
                best = p;
        }
        if (best.id == cur.id)
            return cur;
        cur = best;
    }
}

static uint32_t next_epoch(VajraVectorSearch *s)
{
    if (++s->epoch == 0) { /* wrapped: stale stamps could collide, so clear once */
        memset(s->visited, 0, sizeof(uint32_t) * s->visited_cap);
        s->epoch = 1;
    }
    return s->epoch;
}

/* The beam, with a filter on what enters the result heap (NULL: everything). Inlined into its two
 * callers so the unfiltered one (also the build's) pays nothing for the filter. */
static inline __attribute__((always_inline)) size_t
search_layer(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q, HnswPair entry,
             size_t ef, uint32_t level, const VajraDocFilter *filter)
{
    uint32_t ep = next_epoch(s);
    uint32_t *vis = s->visited;
    uint64_t *cand = s->cand, *res = s->res;
    size_t nc = 0, nr = 0;
    vis[entry.id] = ep;
    min_push(cand, &nc, hnsw_key(entry));
    if (vajra_filter_pass(filter, entry.id))
        max_push(res, &nr, hnsw_key(entry));
    while (nc > 0) {
        uint64_t ck = cand[0];
        if (nr >= ef && res[0] < ck)
            break;
        uint32_t cid = (uint32_t)ck;
        min_pop(cand, &nc);
        const uint32_t *l = hnsw_links(x, cid, level);
        uint32_t n = l[0];
        size_t m = 0;
        for (uint32_t i = 0; i < n; i++) /* the visited stamps miss the cache: ask early */
            __builtin_prefetch(vis + l[1 + i]);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = l[1 + i];
            if (vis[id] != ep) {
                vis[id] = ep;
                s->ids[m++] = id;
                __builtin_prefetch(hnsw_row(x, s->mode, id));
            }
        }
        if (m == 0)
            continue;
        if (nc > 0) { /* the next expansion's list, while the distances are computed */
            const char *next = (const char *)hnsw_links(x, (uint32_t)cand[0], level);
            size_t bytes = sizeof(uint32_t) * (level ? x->up_slots : x->l0_slots);
            for (size_t off = 0; off < bytes; off += 64)
                __builtin_prefetch(next + off);
        }
        hnsw_score_gather(x, s, q, s->ids, m, s->dists);
        for (size_t j = 0; j < m; j++) {
            uint64_t p = hnsw_key((HnswPair){s->dists[j], s->ids[j]});
            if (nr < ef || p < res[0]) {
                if (nc + 1 > s->cand_cap) {
                    /* Rare: the candidate heap is bounded by the nodes visited; grow it once
                     * (the context keeps the size for later queries). */
                    size_t cap = s->cand_cap;
                    if (!grow((void **)&s->cand, &cap, nc + 1, sizeof(uint64_t))) {
                        s->oom = true; /* drop the candidate; hnsw_search reports it */
                        continue;
                    }
                    s->cand_cap = cap;
                    cand = s->cand;
                }
                min_push(cand, &nc, p);
                if (!vajra_filter_pass(filter, s->ids[j]))
                    continue; /* walked through, never a result */
                if (nr < ef)
                    max_push(res, &nr, p);
                else /* full: p replaces the worst, one sift instead of push + pop */
                    max_sift_down(res, nr, p);
            }
        }
    }
    return nr;
}

size_t hnsw_search_layer(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                         HnswPair entry, size_t ef, uint32_t level)
{
    return search_layer(x, s, q, entry, ef, level, NULL);
}

static size_t search_layer0_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                     const float *q, HnswPair entry, size_t ef,
                                     const VajraDocFilter *filter)
{
    return search_layer(x, s, q, entry, ef, 0, filter);
}

/* Validate the query and copy it into the context (normalised under cosine). */
static vajra_status load_query(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, VajraError *err)
{
    if (q->values == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw: query has no values");
    if (q->dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "hnsw: query has %u dimensions, the index %u", q->dim, x->dim);
    vajra_status st = hnsw_check_vector(q->values, q->dim, VAJRA_METRIC_L2, "hnsw: query", 0, err);
    if (st != VAJRA_OK)
        return st;
    memset(s->query, 0, sizeof(float) * x->stride);
    if (x->metric == VAJRA_METRIC_COSINE) {
        st = vajra_vector_normalize(q->values, s->query, q->dim, err);
        if (st != VAJRA_OK)
            return vajra_error_prefix(err, "hnsw: query");
    } else {
        memcpy(s->query, q->values, sizeof(float) * q->dim);
    }
    return VAJRA_OK;
}

static vajra_status emit(VajraVectorSearch *s, size_t n, uint32_t k, VajraHits *out,
                         VajraError *err)
{
    const HnswPair *r = hnsw_res_sort(s, n);
    size_t m = n < k ? n : k;
    if (out->capacity < m) {
        vajra_status st = vajra_hits_reserve(out, m, err);
        if (st != VAJRA_OK)
            return st;
    }
    for (size_t i = 0; i < m; i++) {
        out->items[i].doc = r[i].id;
        out->items[i].score = -r[i].d;
    }
    out->count = m;
    return VAJRA_OK;
}

/* Offer n distances (of ids[i], or of start + i when ids is NULL) to the bounded result heap of
 * at most k; returns the new size. */
static size_t offer_block(uint64_t *res, size_t nr, size_t k, const float *dists,
                          const uint32_t *ids, uint32_t start, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t p = hnsw_key((HnswPair){dists[i], ids ? ids[i] : start + (uint32_t)i});
        if (nr < k)
            max_push(res, &nr, p);
        else if (p < res[0])
            max_sift_down(res, nr, p);
    }
    return nr;
}

/* Exact top-k of every node (filter NULL) or of the passing nodes: contiguous blocks with the
 * `_many` kernels, or the set bits of the filter gathered EXACT_BLOCK at a time. */
static size_t exact_scan(const VajraVectorIndex *x, VajraVectorSearch *s, size_t k,
                         const VajraDocFilter *filter)
{
    size_t nr = 0;
    if (filter == NULL) {
        for (uint32_t start = 0; start < x->count; start += EXACT_BLOCK) {
            uint32_t len = x->count - start < EXACT_BLOCK ? x->count - start : EXACT_BLOCK;
            if (s->mode != HNSW_STORE_F32) { /* quantised rows: gather the block's ids */
                for (uint32_t i = 0; i < len; i++)
                    s->ids[i] = start + i;
                hnsw_score_gather(x, s, s->query, s->ids, len, s->dists);
                nr = offer_block(s->res, nr, k, s->dists, NULL, start, len);
                continue;
            }
            const float *rows = hnsw_vec(x, start);
            if (x->metric == VAJRA_METRIC_L2) {
                x->kernel->l2sq_many(s->query, rows, x->stride, len, x->dim, s->dists);
            } else {
                x->kernel->dot_many(s->query, rows, x->stride, len, x->dim, s->dists);
                for (uint32_t i = 0; i < len; i++)
                    s->dists[i] = -s->dists[i];
            }
            nr = offer_block(s->res, nr, k, s->dists, NULL, start, len);
        }
        return nr;
    }
    uint32_t limit = filter->nbits < x->count ? filter->nbits : x->count;
    size_t m = 0;
    for (uint32_t w = 0; w < (limit + 63) / 64; w++) {
        uint64_t word = filter->words[w];
        if (limit - w * 64 < 64)
            word &= (UINT64_C(1) << (limit - w * 64)) - 1;
        for (; word != 0; word &= word - 1) {
            uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(word);
            __builtin_prefetch(hnsw_row(x, s->mode, id));
            s->ids[m++] = id;
            if (m == EXACT_BLOCK) {
                hnsw_score_gather(x, s, s->query, s->ids, m, s->dists);
                nr = offer_block(s->res, nr, k, s->dists, s->ids, 0, m);
                m = 0;
            }
        }
    }
    if (m > 0) {
        hnsw_score_gather(x, s, s->query, s->ids, m, s->dists);
        nr = offer_block(s->res, nr, k, s->dists, s->ids, 0, m);
    }
    return nr;
}

void hnsw_fold_query(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q)
{
    s->qint = false;
    memset(s->qaux, 0, sizeof(float) * x->stride);
    if (x->metric == VAJRA_METRIC_L2) {
        for (uint32_t i = 0; i < x->dim; i++)
            s->qaux[i] = q[i] - x->sq8_lo[i];
        return;
    }
    float bias = 0.0f;
    for (uint32_t i = 0; i < x->dim; i++) {
        s->qaux[i] = q[i] * x->sq8_scale[i];
        bias += q[i] * x->sq8_lo[i];
    }
    s->qbias = bias;
}

void hnsw_fold_query_s8(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q)
{
    hnsw_fold_query(x, s, q);
    if (x->metric == VAJRA_METRIC_L2 || x->sq8_gain != NULL || x->kernel->version < 3)
        return; /* a version-2 kernel's dot_u8s8 would be the scalar fill: keep the float path */
    /* One scale for the query: the largest |w_i| maps to ±127 (symmetric, so no offset term).
     * The rounding error of w_i is at most max|w|/254; a per-query constant part of it shifts
     * every candidate's score alike and the beam's result is re-scored exactly anyway. */
    float amax = 0.0f;
    for (uint32_t i = 0; i < x->dim; i++)
        amax = fmaxf(amax, fabsf(s->qaux[i]));
    float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    memset(s->qs8, 0, x->stride);
    for (uint32_t i = 0; i < x->dim; i++) {
        float v = nearbyintf(s->qaux[i] * inv);
        s->qs8[i] = (int8_t)(v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v);
    }
    s->qs8_scale = amax / 127.0f;
    s->qint = true;
}

/* How this query's distances are computed: the f32 rows (f32 storage; an exact scan when they
 * are kept), else the codes, with the query folded into the sq8 ranges (hnsw_fold_query). */
static void choose_mode(const VajraVectorIndex *x, VajraVectorSearch *s, bool exact)
{
    s->mode = x->storage;
    if (exact && x->vectors != NULL)
        s->mode = HNSW_STORE_F32;
    if (s->mode == HNSW_STORE_SQ8)
        hnsw_fold_query(x, s, s->query);
}

/* Re-score the n results in s->res exactly from the f32 rows (rerank) and rebuild the heap. */
void hnsw_exact_pairs(const VajraVectorIndex *x, VajraVectorSearch *s, const float *q,
                      HnswPair *p, size_t n)
{
    for (size_t off = 0; off < n; off += s->buf_cap) {
        size_t m = n - off < s->buf_cap ? n - off : s->buf_cap;
        for (size_t i = 0; i < m; i++)
            s->ids[i] = p[off + i].id;
        hnsw_dist_gather(x, q, s->ids, m, s->dists);
        for (size_t i = 0; i < m; i++)
            p[off + i].d = s->dists[i];
    }
}

static void rerank_results(const VajraVectorIndex *x, VajraVectorSearch *s, size_t n)
{
    HnswPair *p = s->sorted; /* scratch of res_cap entries */
    for (size_t i = 0; i < n; i++)
        p[i].id = (uint32_t)s->res[i];
    hnsw_exact_pairs(x, s, s->query, p, n);
    size_t nr = 0;
    for (size_t i = 0; i < n; i++)
        max_push(s->res, &nr, hnsw_key(p[i]));
}

/* The search every entry point shares: a beam of `width` (descent first), or the exact scan. */
static vajra_status run_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, size_t width, bool exact,
                               const VajraDocFilter *filter, VajraHits *out, VajraError *err)
{
    if (width > x->count) /* a beam wider than the index returns the same: every node */
        width = x->count ? x->count : 1;
    size_t heap = exact ? (q->k < x->count ? q->k : x->count) : width;
    vajra_status st = hnsw_search_prepare(s, x, exact ? 0 : x->count, heap, err);
    if (st != VAJRA_OK || (st = load_query(x, s, q, err)) != VAJRA_OK)
        return st;
    out->count = 0;
    if (x->count == 0 || q->k == 0 || (filter != NULL && filter->passing == 0))
        return VAJRA_OK;
    choose_mode(x, s, exact);
    if (exact)
        return emit(s, exact_scan(x, s, heap, filter), q->k, out, err);
    const float *qv = s->query;
    HnswPair cur = {0.0f, x->entry};
    if (s->mode == HNSW_STORE_F32)
        cur.d = hnsw_dist(x, qv, hnsw_vec(x, x->entry));
    else
        hnsw_score_gather(x, s, qv, &cur.id, 1, &cur.d);
    for (int32_t l = x->max_level; l >= 1; l--)
        cur = hnsw_greedy(x, s, qv, cur, (uint32_t)l);
    s->oom = false;
    size_t n = filter ? search_layer0_filtered(x, s, qv, cur, width, filter)
                      : hnsw_search_layer(x, s, qv, cur, width, 0);
    if (s->oom)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw: out of memory (candidate heap)");
    if (x->rerank && s->mode != HNSW_STORE_F32)
        rerank_results(x, s, n);
    return emit(s, n, q->k, out, err);
}

vajra_status hnsw_search(const VajraVectorIndex *x, VajraVectorSearch *s,
                         const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                         VajraError *err)
{
    if (x == NULL || s == NULL || q == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw search: NULL argument");
    size_t width = ef ? ef : x->params.ef_search;
    if (width < q->k)
        width = q->k;
    return run_search(x, s, q, width, false, NULL, out, err);
}

vajra_status hnsw_search_exact(const VajraVectorIndex *x, VajraVectorSearch *s,
                               const VajraVectorQuery *q, VajraHits *out, VajraError *err)
{
    if (x == NULL || s == NULL || q == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw exact: NULL argument");
    return run_search(x, s, q, 0, true, NULL, out, err);
}

vajra_status hnsw_search_planned(const VajraVectorIndex *x, VajraVectorSearch *s,
                                 const VajraVectorQuery *q, HnswPlan plan,
                                 const VajraDocFilter *filter, VajraHits *out, VajraError *err)
{
    if (x == NULL || s == NULL || q == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw search: NULL argument");
    if (filter != NULL && (filter->struct_size < sizeof(VajraDocFilter) ||
                           (filter->words == NULL && filter->nbits > 0)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "hnsw search: bad filter (struct_size %u, words %s)",
                               filter->struct_size, filter->words ? "set" : "NULL");
    return run_search(x, s, q, plan.width, plan.exact, filter, out, err);
}

vajra_status hnsw_search_filtered(const VajraVectorIndex *x, VajraVectorSearch *s,
                                  const VajraVectorQuery *q, uint32_t ef,
                                  const VajraDocFilter *filter, VajraHits *out, VajraError *err)
{
    if (x == NULL || q == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw search: NULL argument");
    return hnsw_search_planned(x, s, q, hnsw_plan(x, ef, q->k, filter), filter, out, err);
}
