/* lexical-bm25: query processing — MaxScore over precomputed impacts, document-ordered in windows.
 *
 * Each distinct query term t gets a cursor over its postings with weight qtf(t) and bound
 * ub(t) = qtf(t) · max(0, max impact of t) (exact: computed over the postings at commit), plus
 * per-block bounds (LEX_BLOCK postings each). Cursors are sorted by bound; prefix[i] =
 * Σ_{j ≤ i} ub(j). Once the top-k heap is full with threshold θ (the k-th best score), every term
 * i with prefix[i] < θ is "non-essential": a document containing only such terms cannot enter,
 * so candidates come only from the essential lists, and the non-essential lists are only looked
 * up for those candidates (see topk_search_impl). Admission to the heap uses the full
 * canonical order (score, then the smaller number), so the result equals exhaustive scoring.
 *
 * A document filter (vajra/filter.h) is applied where candidates appear: a window's candidates
 * are checked against the filter's bits before the non-essential lists are added, so a
 * filtered-out document is never looked up in them or offered, and θ comes from passing documents
 * only — the pruning rules hold unchanged, and the
 * result is the exhaustive one restricted to the filter. Term and collection statistics (hence
 * impacts and bounds) are the whole index's. search() is this code with no filter.
 *
 * Collection-wide statistics (search_stats, vtable version 3): a term whose weight under the
 * supplied statistics differs from its weight under the index's own (or any term, when the
 * collection statistics differ) gets a "scored" cursor: each posting is scored on the fly with
 * score(collection, w, tf, doc_len) — the very call the precomputed impacts came from, so a single
 * index over all the parts would hold the same float — and its block bounds are the scorer's
 * upper_bound(collection, w, block max tf, block min length), clipped at 0; the term bound is the
 * largest block bound. These depend only on (tf, length) data stored per block, so they stay
 * valid however the statistics move. A scorer without upper_bound gets infinite bounds: every
 * list stays essential and the search is exhaustive over the query terms' postings (exact).
 * topk_search is compiled twice (SCORED 0 / 1) so the normal path carries none of this.
 *
 * Scores are summed in double from float impacts and rounded to float once, exactly as the
 * reference does, so fast and reference scores agree to the bit whenever the double sums are
 * exact (always, for the few terms and moderate ranges of a query).
 *
 * All buffers live in the per-thread scratch and only grow: a warm scratch does not allocate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

#define END_DOC UINT32_MAX
/* Documents per window: accumulators (8 bytes each) + flags + candidates = 104 KiB, in L2. Larger
 * windows mean fewer passes over the lists (each pass costs a mispredicted loop exit per list);
 * on WordNet 8,192 was faster than 1,024, 2,048 and 4,096 (docs/lexical.md). */
/* A non-essential list is searched candidate by candidate instead of scanned when it has more than
 * this many times as many postings in the window as there are candidates. */
#define LEX_PROBE_RATIO 16
#ifndef LEX_WINDOW
#define LEX_WINDOW 8192
#endif

typedef struct Cursor {
    const uint32_t *docs; /* the term's postings */
    const float *imp;     /* the term's impacts; NULL: scored on the fly (search_stats) */
    const uint32_t *blk_last; /* the term's blocks' last documents (for skipping) */
    uint32_t blk, n_blk;  /* current block (all earlier blocks end before the current doc) */
    uint32_t pos, end;
    uint32_t term;
    uint32_t aux; /* scored cursors: index of their ScoredTerm in the scratch */
    double w;  /* qtf */
    double ub; /* qtf · term bound */
} Cursor;

/* What a scored cursor needs besides its Cursor (kept apart so the normal path's cursors do not
 * grow). */
typedef struct ScoredTerm {
    const uint32_t *tfs; /* the term's frequencies */
    double tw;           /* the term's weight under the supplied statistics */
} ScoredTerm;

/* An analysed query term waiting for its dictionary lookup: qtext[off, off + len), and the slot
 * of the term hash its probe starts at. */
typedef struct QueryTerm {
    size_t off, len;
    uint64_t at;
} QueryTerm;

typedef struct HeapItem {
    float score;
    uint32_t doc;
} HeapItem;

struct VajraLexicalScratch {
    const VajraLexicalIndex *ix;
    LexAnalyzer analyzer;
    uint32_t *ids; /* term ids of the analysed query, duplicates kept */
    size_t n_ids, ids_cap;
    /* The analysed terms, looked up together once the query is analysed (so the dictionary's
     * cache misses overlap instead of following one another) */
    char *qtext;
    size_t qtext_len, qtext_cap;
    QueryTerm *qterms;
    size_t n_qterms, qterms_cap;
    Cursor *cur;
    double *prefix;
    size_t cur_cap;
    HeapItem *heap;
    size_t heap_cap;
    float *sblk;    /* block bounds of scored cursors (search_stats) */
    size_t sblk_cap;
    ScoredTerm *scored; /* one per scored cursor (search_stats) */
    size_t scored_cap;
    /* search_stats: the scorer and the statistics scored cursors use */
    float (*score)(const void *instance, const VajraCollectionStats *coll, double weight,
                   uint32_t tf, uint32_t doc_len);
    const void *score_inst;
    const uint32_t *doc_len;
    VajraCollectionStats coll;
    double *acc;    /* LEX_WINDOW accumulators, all zero between windows */
    uint8_t *seen;  /* LEX_WINDOW flags: which accumulators are in use, all zero between windows */
    uint32_t *cand; /* LEX_WINDOW: the window's candidates (offsets from its first document) */
    VajraTermBag *bag; /* analyze(): where terms go */
};

vajra_status lex_scratch_new(const VajraLexicalIndex *ix, VajraLexicalScratch **out,
                             VajraError *err)
{
    if (ix == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL argument");
    VajraLexicalScratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    s->ix = ix;
    s->acc = calloc(LEX_WINDOW, sizeof *s->acc);
    s->seen = calloc(LEX_WINDOW, sizeof *s->seen);
    s->cand = malloc(LEX_WINDOW * sizeof *s->cand);
    if (s->acc == NULL || s->seen == NULL || s->cand == NULL) {
        free(s->acc);
        free(s->seen);
        free(s->cand);
        free(s);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    }
    vajra_status st = lex_analyzer_init(&s->analyzer, &ix->analyzer_opts, err);
    if (st != VAJRA_OK) {
        free(s->acc);
        free(s->seen);
        free(s->cand);
        free(s);
        return st;
    }
    *out = s;
    return VAJRA_OK;
}

void lex_scratch_free(VajraLexicalScratch *s)
{
    if (s == NULL)
        return;
    lex_analyzer_clear(&s->analyzer);
    free(s->ids);
    free(s->qtext);
    free(s->qterms);
    free(s->cur);
    free(s->prefix);
    free(s->heap);
    free(s->sblk);
    free(s->scored);
    free(s->acc);
    free(s->seen);
    free(s->cand);
    free(s);
}

/* Grow *buf to hold n elements of `size` (never shrinks). */
static int grow(void **buf, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    void *b = realloc(*buf, c * size);
    if (b == NULL)
        return 0;
    *buf = b;
    *cap = c;
    return 1;
}

/* Validate (or repair) query text; *fixed receives an allocation to free when repaired. */
static vajra_status query_text(const VajraLexicalIndex *ix, const char *text, const char **use,
                               char **fixed, VajraError *err)
{
    const char *bad = NULL;
    *fixed = NULL;
    *use = text;
    if (g_utf8_validate(text, -1, &bad))
        return VAJRA_OK;
    if (!ix->analyzer_opts.repair_utf8)
        return vajra_error_set(err, VAJRA_ERR_ENCODING,
                               "lexical-bm25: query: invalid UTF-8 at byte %zu",
                               (size_t)(bad - text));
    *fixed = g_utf8_make_valid(text, -1);
    *use = *fixed;
    return VAJRA_OK;
}

/* Keep an analysed query term for resolve_ids, and start loading its first hash slot. */
static vajra_status collect_text(void *user, const char *term, size_t len, VajraError *err)
{
    VajraLexicalScratch *s = user;
    const LexFlat *f = &s->ix->flat;
    if (f->term_hash_size == 0)
        return VAJRA_OK; /* an empty dictionary: no term can match */
    if (!grow((void **)&s->qtext, &s->qtext_cap, s->qtext_len + len, 1) ||
        !grow((void **)&s->qterms, &s->qterms_cap, s->n_qterms + 1, sizeof *s->qterms))
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    uint64_t at = lex_hash(term, len) & (f->term_hash_size - 1);
    __builtin_prefetch(&f->term_hash[at]);
    memcpy(s->qtext + s->qtext_len, term, len);
    s->qterms[s->n_qterms++] = (QueryTerm){s->qtext_len, len, at};
    s->qtext_len += len;
    return VAJRA_OK;
}

/* The term ids of the collected terms (unknown terms dropped: they match nothing). Each level of
 * the lookup (hash slot, offsets, text) is prefetched for every term before it is read. */
static vajra_status resolve_ids(VajraLexicalScratch *s, VajraError *err)
{
    const LexFlat *f = &s->ix->flat;
    const QueryTerm *q = s->qterms;
    size_t n = s->n_qterms;
    s->n_ids = 0;
    if (!grow((void **)&s->ids, &s->ids_cap, n, sizeof *s->ids))
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    for (size_t i = 0; i < n; i++) {
        uint32_t slot = f->term_hash[q[i].at];
        if (slot != 0)
            __builtin_prefetch(&f->term_off[slot - 1]);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t slot = f->term_hash[q[i].at];
        if (slot != 0)
            __builtin_prefetch(f->term_blob + f->term_off[slot - 1]);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = lex_term_find(s->ix, s->qtext + q[i].off, q[i].len);
        if (id != UINT32_MAX)
            s->ids[s->n_ids++] = id;
    }
    return VAJRA_OK;
}

static vajra_status collect_term(void *user, const char *term, size_t len, VajraError *err)
{
    VajraLexicalScratch *s = user;
    return vajra_term_bag_push(s->bag, term, len, err);
}

vajra_status lex_analyze(const VajraLexicalIndex *ix, VajraLexicalScratch *s, const char *text,
                         VajraTermBag *out, VajraError *err)
{
    if (ix == NULL || s == NULL || text == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL argument");
    const char *use;
    char *fixed;
    vajra_status st = query_text(ix, text, &use, &fixed, err);
    if (st != VAJRA_OK)
        return st;
    s->bag = out;
    st = lex_analyze_text(&s->analyzer, use, strlen(use), collect_term, s, err);
    s->bag = NULL;
    g_free(fixed);
    return st;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* a ranks below b (lower score, or equal score and larger number). */
static inline int worse(HeapItem a, HeapItem b)
{
    return a.score < b.score || (a.score == b.score && a.doc > b.doc);
}

static inline void heap_sift_down(HeapItem *h, size_t n, size_t i)
{
    HeapItem x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && worse(h[c + 1], h[c]))
            c++;
        if (!worse(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static inline void heap_push(HeapItem *h, size_t *n, HeapItem x)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(x, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

/* Move c to its first posting ≥ target (galloping, then binary search). */
static inline void cursor_seek(Cursor *c, uint32_t target)
{
    uint32_t lo = c->pos, end = c->end;
    if (lo >= end || c->docs[lo] >= target)
        return;
    /* Invariant: docs[lo] < target; find hi with docs[hi] ≥ target or hi == end. */
    uint64_t step = 1, hi;
    for (;;) {
        hi = lo + step;
        if (hi >= end) {
            hi = end;
            break;
        }
        if (c->docs[hi] >= target)
            break;
        lo = (uint32_t)hi;
        step <<= 1;
    }
    while (hi - lo > 1) {
        uint32_t mid = lo + (uint32_t)((hi - lo) / 2);
        if (c->docs[mid] < target)
            lo = mid;
        else
            hi = mid;
    }
    c->pos = (uint32_t)hi;
}

/* The first position in [lo, hi) of the increasing docs whose document is ≥ target (hi if none). */
static inline uint32_t lower_bound(const uint32_t *docs, uint32_t lo, uint32_t hi, uint32_t target)
{
    uint32_t n = hi - lo;
    const uint32_t *b = docs + lo;
    while (n > 1) {
        uint32_t half = n / 2;
        b = b[half - 1] < target ? b + half : b;
        n -= half;
    }
    uint32_t p = (uint32_t)(b - docs);
    return n == 1 && *b < target ? p + 1 : p;
}

/* Move c to its first posting ≥ target, skipping whole blocks by their last document first. */
static inline void cursor_skip(Cursor *c, uint32_t target)
{
    uint32_t b = c->blk;
    while (b < c->n_blk && c->blk_last[b] < target)
        b++;
    c->blk = b;
    if (b == c->n_blk) {
        c->pos = c->end;
        return;
    }
    if (c->pos < b * LEX_BLOCK)
        c->pos = b * LEX_BLOCK;
    cursor_seek(c, target);
}

/* The top-k heap: worst hit at h[0]. Documents may be offered in any order, so admission uses
 * the full canonical comparison (score, then smaller number wins). */
typedef struct TopK {
    HeapItem *h;
    size_t n, k;
} TopK;

/* The score a document must reach to be admitted (admitted if it ties and has a smaller number
 * than the worst); -∞ while the heap is not full. */
static inline float topk_theta(const TopK *t)
{
    return t->n == t->k ? t->h[0].score : -INFINITY;
}

/* Offer a hit; returns 1 when the threshold may have changed. */
static inline int topk_offer(TopK *t, HeapItem x)
{
    if (t->n < t->k) {
        heap_push(t->h, &t->n, x);
        return t->n == t->k;
    }
    if (!worse(t->h[0], x))
        return 0;
    t->h[0] = x;
    heap_sift_down(t->h, t->n, 0);
    return 1;
}

/* A candidate whose score can be at most `bound` (a double sum of non-negative float bounds)
 * cannot enter when even the bound, rounded like a score, is below θ. Strict, so correctness does
 * not rest on the order candidates are offered in (a tie may enter by the smaller-number rule). */
static inline int cannot_enter(double bound, float theta)
{
    return (float)bound < theta;
}

/* The score of posting `pos` of c: its precomputed impact, or (scored cursors, SCORED only) the
 * scorer's value under the supplied statistics. */
static inline __attribute__((always_inline)) double posting_score(const VajraLexicalScratch *s,
                                                                  const Cursor *c, uint32_t pos,
                                                                  const int scored)
{
    if (!scored || c->imp != NULL)
        return (double)c->imp[pos];
    const ScoredTerm *x = &s->scored[c->aux];
    return (double)s->score(s->score_inst, &s->coll, x->tw, x->tfs[pos], s->doc_len[c->docs[pos]]);
}

/* Top-k over cursors c[0..n) sorted by bound ascending (prefix[i] = Σ_{j ≤ i} bound j): MaxScore.
 *
 * A term i is non-essential while prefix[i] < θ: a document containing only non-essential terms
 * cannot enter the heap. Candidates come from the essential lists only. Document order is kept at
 * the granularity of windows of LEX_WINDOW numbers (as Lucene's MaxScoreBulkScorer does): within
 * a window the essential lists are added term-at-a-time into accumulators (no per-document cursor
 * juggling), and a document's first posting puts it on the window's candidate list; then the
 * non-essential lists are added to the candidates only (a branch-free scan of their postings in
 * the window, or a binary search per candidate when the candidates are far fewer), and every
 * candidate, now fully scored, is compared with θ and offered. Candidates are offered in no
 * particular order, which the canonical admission makes harmless. The essential set is fixed for
 * a window (lists dropped mid-window were already accumulated for it) and shrinks for the next.
 * Documents failing `filter` (NULL: none fail) leave the candidate list before the non-essential
 * lists are added. */
static inline __attribute__((always_inline)) size_t
topk_search_impl(VajraLexicalScratch *s, size_t n, size_t kk, const VajraDocFilter *filter,
                 const int scored)
{
    Cursor *c = s->cur;
    const double *prefix = s->prefix;
    double *acc = s->acc;
    uint8_t *seen = s->seen;
    uint32_t *cand = s->cand;
    TopK top = {s->heap, 0, kk};
    float theta = -INFINITY;
    size_t ess = 0;
    int done = 0;
    while (!done) {
        uint32_t base = END_DOC;
        for (size_t i = ess; i < n; i++)
            if (c[i].pos < c[i].end && c[i].docs[c[i].pos] < base)
                base = c[i].docs[c[i].pos];
        if (base == END_DOC)
            break;
        base &= ~UINT32_C(63); /* word-aligned, so the filter's words line up with `bits` */
        uint64_t limit = (uint64_t)base + LEX_WINDOW;
        /* Essential lists: every posting in the window, term at a time; a document's first
         * posting makes it a candidate. */
        size_t nc = 0;
        for (size_t i = ess; i < n; i++) {
            Cursor *ci = &c[i];
            const uint32_t *docs = ci->docs;
            uint32_t pos = ci->pos, end = ci->end;
            double w = ci->w;
            for (; pos < end && docs[pos] < limit; pos++) {
                uint32_t d = docs[pos] - base;
                acc[d] += w * posting_score(s, ci, pos, scored);
                cand[nc] = d;
                nc += seen[d] ^ 1;
                seen[d] = 1;
            }
            ci->pos = pos;
        }
        /* Candidates failing the filter go before anything else is added to them. */
        if (filter != NULL) {
            size_t kept = 0;
            for (size_t j = 0; j < nc; j++) {
                uint32_t d = cand[j];
                uint64_t doc = (uint64_t)base + d;
                if (doc < filter->nbits && (filter->words[doc >> 6] >> (doc & 63)) & 1) {
                    cand[kept++] = d;
                } else {
                    acc[d] = 0.0;
                    seen[d] = 0;
                }
            }
            nc = kept;
        }
        /* Non-essential lists: their postings in the window are added to the candidates only
         * — by a scan of the postings, or, when the candidates are much fewer, by a binary
         * search for each candidate (a common term next to rare ones on a large index). */
        for (size_t i = 0; i < ess && nc > 0; i++) {
            Cursor *ci = &c[i];
            cursor_skip(ci, base);
            uint32_t lo = ci->pos;
            cursor_skip(ci, limit > END_DOC ? END_DOC : (uint32_t)limit);
            uint32_t hi = ci->pos;
            const uint32_t *docs = ci->docs;
            const float *imp = ci->imp;
            double w = ci->w;
            if ((uint64_t)nc * LEX_PROBE_RATIO < hi - lo) {
                for (size_t j = 0; j < nc; j++) {
                    uint32_t d = cand[j], p = lower_bound(docs, lo, hi, base + d);
                    if (p < hi && docs[p] == base + d)
                        acc[d] += w * posting_score(s, ci, p, scored);
                }
            } else if (!scored || imp != NULL) {
                for (uint32_t p = lo; p < hi; p++) {
                    uint32_t d = docs[p] - base;
                    double v = w * (double)imp[p];
                    acc[d] += seen[d] ? v : 0.0;
                }
            } else {
                for (uint32_t p = lo; p < hi; p++) {
                    uint32_t d = docs[p] - base;
                    if (seen[d])
                        acc[d] += w * posting_score(s, ci, p, scored);
                }
            }
        }
        /* Every candidate now has its full score. Latest first: those the higher-bound lists
         * brought in tend to score higher, so θ rises sooner (WordNet: 62 heap offers a query
         * instead of 84). */
        for (size_t j = nc; j-- > 0;) {
            uint32_t d = cand[j];
            float score = (float)acc[d];
            acc[d] = 0.0;
            seen[d] = 0;
            if (score >= theta && topk_offer(&top, (HeapItem){score, base + d})) {
                theta = topk_theta(&top);
                while (ess < n && cannot_enter(prefix[ess], theta))
                    ess++;
            }
        }
        done = ess == n; /* nothing outside the heap can enter any more */
    }
    return top.n;
}

/* The normal path (precomputed impacts only) and the one with scored cursors. */
static size_t topk_search(VajraLexicalScratch *s, size_t n, size_t kk,
                          const VajraDocFilter *filter)
{
    return topk_search_impl(s, n, kk, filter, 0);
}

static size_t topk_search_scored(VajraLexicalScratch *s, size_t n, size_t kk,
                                 const VajraDocFilter *filter)
{
    return topk_search_impl(s, n, kk, filter, 1);
}

vajra_status lex_search(const VajraLexicalIndex *ix, VajraLexicalScratch *s, const char *query,
                        uint32_t k, VajraHits *out, VajraError *err)
{
    return lex_search_filtered(ix, s, query, k, NULL, out, err);
}

vajra_status lex_search_filtered(const VajraLexicalIndex *ix, VajraLexicalScratch *s,
                                 const char *query, uint32_t k, const VajraDocFilter *filter,
                                 VajraHits *out, VajraError *err)
{
    return lex_search_stats(ix, s, query, k, filter, NULL, out, err);
}

/* Bounds of the blocks of term t under the supplied statistics and weight w into b[]; returns
 * the term bound (their maximum; all ≥ 0), INFINITY without upper_bound, NAN if the scorer gave
 * a NaN. */
static float scored_block_bounds(const VajraLexicalIndex *ix, const VajraCollectionStats *coll,
                                 uint32_t t, double w, float *b)
{
    const VajraScorerVtable *sv = ix->scorer.vtable;
    uint64_t lo = ix->blk_off[t], hi = ix->blk_off[t + 1];
    if (sv->upper_bound == NULL) {
        for (uint64_t i = lo; i < hi; i++)
            b[i - lo] = INFINITY;
        return INFINITY;
    }
    float ub = 0.0f;
    for (uint64_t i = lo; i < hi; i++) {
        float x = sv->upper_bound(ix->scorer.instance, coll, w, ix->blk_max_tf[i],
                                  ix->blk_min_len[i]);
        if (isnan(x))
            return NAN;
        x = x > 0.0f ? x : 0.0f;
        b[i - lo] = x;
        ub = x > ub ? x : ub;
    }
    return ub;
}

vajra_status lex_search_stats(const VajraLexicalIndex *ix, VajraLexicalScratch *s,
                              const char *query, uint32_t k, const VajraDocFilter *filter,
                              const VajraLexicalStats *stats, VajraHits *out, VajraError *err)
{
    if (ix == NULL || s == NULL || query == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL argument");
    if (filter != NULL && (filter->struct_size < sizeof(VajraDocFilter) ||
                           (filter->words == NULL && filter->nbits > 0)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: filter has struct_size %u (at least %zu) or no words",
                               filter->struct_size, sizeof(VajraDocFilter));
    if (s->ix != ix)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: scratch belongs to another index");
    if (!ix->committed)
        return vajra_error_set(err, VAJRA_ERR_STATE, "lexical-bm25: search before commit");
    vajra_status st = vajra_lexical_stats_check(stats, err);
    if (st != VAJRA_OK)
        return st;
    out->count = 0;
    if (k == 0)
        return VAJRA_OK;

    const char *use;
    char *fixed;
    st = query_text(ix, query, &use, &fixed, err); /* a bad query is an error whatever the filter */
    if (st != VAJRA_OK)
        return st;
    if (filter != NULL && filter->passing == 0) {
        g_free(fixed);
        return VAJRA_OK;
    }
    s->n_qterms = s->qtext_len = 0;
    st = lex_analyze_text(&s->analyzer, use, strlen(use), collect_text, s, err);
    g_free(fixed);
    if (st == VAJRA_OK)
        st = resolve_ids(s, err);
    if (st != VAJRA_OK || s->n_ids == 0)
        return st;

    /* Distinct terms with their query counts → cursors. */
    qsort(s->ids, s->n_ids, sizeof *s->ids, compare_u32);
    size_t cap = s->cur_cap;
    if (!grow((void **)&s->cur, &cap, s->n_ids, sizeof *s->cur) ||
        !grow((void **)&s->prefix, &s->cur_cap, s->n_ids, sizeof *s->prefix))
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    const LexFlat *f = &ix->flat;
    const VajraScorerVtable *sv = ix->scorer.vtable;
    int same_coll = 0;
    uint32_t n_scored = 0;
    size_t sblk_used = 0;
    if (stats != NULL) {
        /* Room for the block bounds of every query term (filled below; no pointer moves later). */
        uint64_t blocks = 0;
        for (size_t i = 0; i < s->n_ids; i++)
            if (i == 0 || s->ids[i] != s->ids[i - 1])
                blocks += ix->blk_off[s->ids[i] + 1] - ix->blk_off[s->ids[i]];
        if (blocks > SIZE_MAX / sizeof(float) ||
            !grow((void **)&s->sblk, &s->sblk_cap, (size_t)blocks, sizeof *s->sblk) ||
            !grow((void **)&s->scored, &s->scored_cap, s->n_ids, sizeof *s->scored))
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
        same_coll = stats->collection.doc_count == ix->coll.doc_count &&
                    stats->collection.total_length == ix->coll.total_length &&
                    stats->collection.avg_doc_length == ix->coll.avg_doc_length;
        s->score = sv->score;
        s->score_inst = ix->scorer.instance;
        s->doc_len = f->doc_len;
        s->coll = stats->collection;
    }
    size_t n = 0;
    uint64_t matches_bound = 0;
    for (size_t i = 0; i < s->n_ids;) {
        uint32_t t = s->ids[i];
        size_t j = i;
        while (j < s->n_ids && s->ids[j] == t)
            j++;
        uint64_t lo = f->post_off[t], hi = f->post_off[t + 1];
        const float *imp = ix->impact + lo;
        float term_ub = ix->term_ub[t];
        uint32_t aux = 0;
        if (stats != NULL) {
            VajraTermStats gts;
            double tw;
            st = vajra_lexical_stats_term(stats, f->term_blob + f->term_off[t], &gts, err);
            if (st != VAJRA_OK)
                return st;
            tw = sv->term_weight(ix->scorer.instance, &stats->collection, &gts);
            VajraTermStats lts = {.doc_freq = hi - lo, .collection_freq = ix->term_cf[t]};
            /* The same statistics give the same weight, hence the very impacts precomputed. */
            if (!same_coll || tw != sv->term_weight(ix->scorer.instance, &ix->coll, &lts)) {
                float *b = s->sblk + sblk_used;
                term_ub = scored_block_bounds(ix, &stats->collection, t, tw, b);
                if (isnan(term_ub))
                    return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                           "lexical-bm25: scorer %s gave a NaN bound for term "
                                           "'%s' under the supplied statistics",
                                           ix->scorer.name ? ix->scorer.name : "(unnamed)",
                                           f->term_blob + f->term_off[t]);
                sblk_used += ix->blk_off[t + 1] - ix->blk_off[t];
                imp = NULL;
                s->scored[n_scored] = (ScoredTerm){f->post_tfs + lo, tw};
                aux = n_scored++;
            }
        }
        Cursor cu = {
            .docs = f->post_docs + lo,
            .imp = imp,
            .blk_last = ix->blk_last + ix->blk_off[t],
            .blk = 0,
            .n_blk = (uint32_t)(ix->blk_off[t + 1] - ix->blk_off[t]),
            .pos = 0,
            .end = (uint32_t)(hi - lo),
            .term = t,
            .aux = aux,
            .w = (double)(j - i),
            .ub = (double)(j - i) * (double)term_ub,
        };
        matches_bound += hi - lo;
        /* Insertion by (ub, term): a stable, deterministic order. */
        size_t p = n++;
        while (p > 0 && (s->cur[p - 1].ub > cu.ub ||
                         (s->cur[p - 1].ub == cu.ub && s->cur[p - 1].term > cu.term))) {
            s->cur[p] = s->cur[p - 1];
            p--;
        }
        s->cur[p] = cu;
        i = j;
    }
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        acc += s->cur[i].ub;
        s->prefix[i] = acc;
    }

    size_t kk = k;
    if (kk > f->n_docs)
        kk = (size_t)f->n_docs;
    if (kk > matches_bound)
        kk = (size_t)matches_bound;
    if (kk == 0)
        return VAJRA_OK;
    if (!grow((void **)&s->heap, &s->heap_cap, kk, sizeof *s->heap))
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");

    size_t hn = n_scored ? topk_search_scored(s, n, kk, filter) : topk_search(s, n, kk, filter);
    if ((st = vajra_hits_reserve(out, hn, err)) != VAJRA_OK)
        return st;
    for (size_t i = 0; i < hn; i++)
        out->items[i] = (VajraHit){s->heap[i].doc, s->heap[i].score};
    out->count = hn;
    vajra_hits_sort(out);
    return VAJRA_OK;
}
