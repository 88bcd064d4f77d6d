/* vector-ivf — the fast search: coarse distances by the host kernel, the nprobe nearest lists
 * kept in a bounded heap, each list scored IVF_BLOCK rows per kernel call into a bounded max-heap
 * of (distance, id) keys; SQ8 lists are decoded a block at a time into scratch and scored the
 * same way, then the best max(rerank, k) are re-scored exactly from the float rows. Scratch lives
 * in the IvfSearch and only grows. */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ivf_index.h"

vajra_status ivf_search_new(IvfSearch **out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf: NULL out");
    IvfSearch *s = calloc(1, sizeof *s);
    if (s == NULL || (s->buf = malloc(IVF_BLOCK * sizeof(float))) == NULL ||
        (s->pos = malloc(IVF_BLOCK * sizeof(uint32_t))) == NULL) {
        ivf_search_free(s);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf: out of memory");
    }
    *out = s;
    return VAJRA_OK;
}

void ivf_search_free(IvfSearch *s)
{
    if (s == NULL)
        return;
    free(s->query);
    free(s->cdist);
    free(s->probe);
    free(s->heap);
    free(s->cids);
    free(s->cd);
    free(s->buf);
    free(s->dec);
    free(s->pos);
    free(s);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    void *q = realloc(*p, (need ? need : 1) * elem);
    if (q == NULL)
        return false;
    *p = q;
    *cap = need;
    return true;
}

static vajra_status prepare(const IvfIndex *x, IvfSearch *s, size_t heap, VajraError *err)
{
    size_t hc = s->heap_cap, hc3 = s->heap_cap, hc4 = s->heap_cap;
    bool ok = grow((void **)&s->query, &s->query_cap, x->dim, sizeof(float)) &&
              grow((void **)&s->cdist, &s->cdist_cap, x->p.nlist, sizeof(float)) &&
              grow((void **)&s->probe, &s->probe_cap, x->p.nlist, sizeof(uint64_t)) &&
              grow((void **)&s->dec, &s->dec_cap, (size_t)IVF_BLOCK * x->dim, sizeof(float)) &&
              grow((void **)&s->heap, &hc, heap, sizeof(uint64_t)) &&
              grow((void **)&s->cids, &hc3, heap, sizeof(uint32_t)) &&
              grow((void **)&s->cd, &hc4, heap, sizeof(float));
    if (!ok)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "ivf search: out of memory");
    if (heap > s->heap_cap)
        s->heap_cap = heap;
    return VAJRA_OK;
}

/* ---- the bounded max-heap of keys ---- */

/* Restore the max-heap h[0 .. n) below i, where v is the value to place at i. */
static void sift_down(uint64_t *h, size_t n, size_t i, uint64_t v)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1] > h[c])
            c++;
        if (h[c] <= v)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

typedef struct Heap {
    uint64_t *h;
    size_t n, cap;
} Heap;

static inline void heap_offer(Heap *hp, uint64_t key)
{
    uint64_t *h = hp->h;
    if (hp->n < hp->cap) {
        size_t i = hp->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (h[p] >= key)
                break;
            h[i] = h[p];
            i = p;
        }
        h[i] = key;
        return;
    }
    if (hp->cap == 0 || key >= h[0])
        return;
    sift_down(h, hp->n, 0, key);
}

/* Sort keys ascending in place (heapsort: no allocation, unlike glibc's qsort past 1 KiB). */
static void sort_keys(uint64_t *h, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(h, n, i, h[i]);
    for (size_t end = n; end-- > 1;) {
        uint64_t v = h[end];
        h[end] = h[0];
        sift_down(h, end, 0, v);
    }
}

/* ---- scoring ---- */

static inline void dists_many(const IvfIndex *x, const float *q, const float *rows, uint32_t n,
                              float *out)
{
    if (x->p.metric == VAJRA_METRIC_L2) {
        x->kernel->l2sq_many(q, rows, x->dim, n, x->dim, out);
    } else {
        x->kernel->dot_many(q, rows, x->dim, n, x->dim, out);
        for (uint32_t i = 0; i < n; i++)
            out[i] = -out[i];
    }
}

static inline void dists_gather(const IvfIndex *x, const float *q, const float *base,
                                const uint32_t *ids, uint32_t n, float *out)
{
    if (x->p.metric == VAJRA_METRIC_L2) {
        x->kernel->l2sq_gather(q, base, x->dim, ids, n, x->dim, out);
    } else {
        x->kernel->dot_gather(q, base, x->dim, ids, n, x->dim, out);
        for (uint32_t i = 0; i < n; i++)
            out[i] = -out[i];
    }
}

/* Float rows 0 .. n-1 at base (document ids[r], or r when ids is NULL), passing documents only. */
static void scan_f32(const IvfIndex *x, IvfSearch *s, const float *q, const float *base,
                     const uint32_t *ids, uint32_t n, const VajraDocFilter *f, Heap *hp)
{
    for (uint32_t b = 0; b < n; b += IVF_BLOCK) {
        uint32_t m = n - b < IVF_BLOCK ? n - b : IVF_BLOCK;
        if (f == NULL) {
            dists_many(x, q, base + (size_t)b * x->dim, m, s->buf);
            for (uint32_t i = 0; i < m; i++)
                heap_offer(hp, ivf_key(s->buf[i], ids ? ids[b + i] : b + i));
            continue;
        }
        uint32_t c = 0;
        for (uint32_t i = b; i < b + m; i++)
            if (vajra_filter_pass(f, ids ? ids[i] : i))
                s->pos[c++] = i;
        dists_gather(x, q, base, s->pos, c, s->buf);
        for (uint32_t i = 0; i < c; i++)
            heap_offer(hp, ivf_key(s->buf[i], ids ? ids[s->pos[i]] : s->pos[i]));
    }
}

/* out[t] = mn[t] + st[t] · code[t]: ivf_sq_decode for a whole row. The SSE2 form (baseline
 * x86-64) multiplies, then adds, in float, exactly as the scalar form, so the decoded values are
 * the same bits either way (and the reference's). */
static void sq_decode_row(const uint8_t *code, const float *mn, const float *st, uint32_t d,
                          float *out)
{
    uint32_t t = 0;
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    for (; t + 16 <= d; t += 16) {
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(code + t));
        __m128i lo = _mm_unpacklo_epi8(b, zero), hi = _mm_unpackhi_epi8(b, zero);
        __m128i w[4] = {_mm_unpacklo_epi16(lo, zero), _mm_unpackhi_epi16(lo, zero),
                        _mm_unpacklo_epi16(hi, zero), _mm_unpackhi_epi16(hi, zero)};
        for (int j = 0; j < 4; j++) {
            __m128 c = _mm_cvtepi32_ps(w[j]);
            __m128 v = _mm_add_ps(_mm_loadu_ps(mn + t + 4 * j),
                                  _mm_mul_ps(_mm_loadu_ps(st + t + 4 * j), c));
            _mm_storeu_ps(out + t + 4 * j, v);
        }
    }
#endif
    for (; t < d; t++)
        out[t] = mn[t] + st[t] * (float)code[t];
}

/* An SQ8 list: passing entries decoded a block at a time, then scored as floats. */
static void scan_sq8(const IvfIndex *x, IvfSearch *s, const float *q, const IvfList *l,
                     const VajraDocFilter *f, Heap *hp)
{
    uint32_t d = x->dim;
    const float *mn = x->sq_min, *st = x->sq_step;
    for (uint32_t b = 0; b < l->n; b += IVF_BLOCK) {
        uint32_t m = l->n - b < IVF_BLOCK ? l->n - b : IVF_BLOCK, c = 0;
        for (uint32_t i = b; i < b + m; i++) {
            if (f && !vajra_filter_pass(f, l->ids[i]))
                continue;
            sq_decode_row(l->codes + (size_t)i * d, mn, st, d, s->dec + (size_t)c * d);
            s->pos[c++] = i;
        }
        dists_many(x, q, s->dec, c, s->buf);
        for (uint32_t i = 0; i < c; i++)
            heap_offer(hp, ivf_key(s->buf[i], l->ids[s->pos[i]]));
    }
}

static void scan_list(const IvfIndex *x, IvfSearch *s, const float *q, uint32_t list, bool sq8,
                      const VajraDocFilter *f, Heap *hp)
{
    const IvfList *l = &x->lists[list];
    if (sq8)
        scan_sq8(x, s, q, l, f, hp);
    else
        scan_f32(x, s, q, l->vecs, l->ids, l->n, f, hp);
}

vajra_status ivf_search(const IvfIndex *x, IvfSearch *s, const VajraVectorQuery *q,
                        uint32_t nprobe, const VajraDocFilter *filter, VajraHits *out,
                        VajraError *err)
{
    if (x == NULL || s == NULL || q == NULL || out == NULL || (q->values == NULL && q->dim))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "ivf search: NULL argument");
    if (q->dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "ivf search: query dimension %u, index %u",
                               q->dim, x->dim);
    vajra_status st = ivf_check_vector(q->values, q->dim, x->p.metric, "ivf search: query", 0, err);
    if (st != VAJRA_OK)
        return st;
    size_t k = q->k < x->count ? q->k : x->count;
    bool exact = !x->trained || nprobe == IVF_EXACT;
    bool sq8 = x->p.quantizer == IVF_QUANT_SQ8 && !exact;
    size_t cap = k;
    bool rerank = sq8 && x->p.rerank > 0;
    if (rerank && k > 0 && x->p.rerank > cap)
        cap = x->p.rerank < x->count ? x->p.rerank : x->count;
    if ((st = prepare(x, s, cap, err)) != VAJRA_OK)
        return st;
    if ((st = vajra_hits_reserve(out, k, err)) != VAJRA_OK)
        return st;
    out->count = 0;
    if (k == 0)
        return VAJRA_OK;
    const float *qv = q->values;
    if (x->p.metric == VAJRA_METRIC_COSINE) {
        vajra_vector_normalize(q->values, s->query, x->dim, NULL);
        qv = s->query;
    }
    Heap hp = {s->heap, 0, cap};
    if (exact) {
        if (x->rows) {
            scan_f32(x, s, qv, x->rows, NULL, x->count, filter, &hp);
        } else { /* every list, float or decoded */
            for (uint32_t l = 0; l < x->p.nlist; l++)
                scan_list(x, s, qv, l, x->p.quantizer == IVF_QUANT_SQ8, filter, &hp);
        }
    } else {
        uint32_t np = nprobe == 0 ? x->p.nprobe : nprobe > x->p.nlist ? x->p.nlist : nprobe;
        ivf_coarse(x, qv, s->cdist);
        Heap ph = {s->probe, 0, np};
        for (uint32_t l = 0; l < x->p.nlist; l++)
            heap_offer(&ph, ivf_key(s->cdist[l], l));
        for (size_t i = 0; i < ph.n; i++)
            scan_list(x, s, qv, (uint32_t)s->probe[i], sq8, filter, &hp);
        if (hp.n < k && np < x->p.nlist) {
            /* Fewer than k candidates (small lists, or a filter): the next lists in coarse
             * order, one at a time, until k or none left. The np nearest are the first np of
             * the sorted keys (a total order), so they are skipped. */
            for (uint32_t l = 0; l < x->p.nlist; l++)
                s->probe[l] = ivf_key(s->cdist[l], l);
            sort_keys(s->probe, x->p.nlist);
            for (uint32_t i = np; i < x->p.nlist && hp.n < k; i++)
                scan_list(x, s, qv, (uint32_t)s->probe[i], sq8, filter, &hp);
        }
        if (rerank) { /* exact re-rank of the candidates from the float rows */
            uint32_t m = (uint32_t)hp.n;
            for (uint32_t i = 0; i < m; i++)
                s->cids[i] = (uint32_t)s->heap[i];
            dists_gather(x, qv, x->rows, s->cids, m, s->cd);
            hp.n = 0;
            hp.cap = k;
            for (uint32_t i = 0; i < m; i++)
                heap_offer(&hp, ivf_key(s->cd[i], s->cids[i]));
        }
    }
    sort_keys(s->heap, hp.n);
    for (size_t i = 0; i < hp.n; i++) {
        out->items[i].doc = (uint32_t)s->heap[i];
        out->items[i].score = -ivf_key_dist(s->heap[i]);
    }
    out->count = hp.n;
    return VAJRA_OK;
}
