/* The reference HNSW search: the definition the plugin's fast search is held to.
 *
 * Written as a coalgebra (vajra_unfold): the state is the query, the current node or the beam,
 * and each step either moves the greedy descent one node / one level, or expands one beam
 * candidate. Plain arrays with linear scans, a fresh visited array per call, scalar distances:
 * slow on purpose, obviously right, and independent of everything the plugin tunes.
 * Every comparison is by (distance, id), a total order, so the result does not depend on how
 * ties happen to fall in any heap.
 *
 * Filtered (vajra_reference_hnsw_search_filtered): the same descent and beam, except that a node
 * enters the result set only when it passes the filter — every node may still enter the candidate
 * queue, so the walk goes through filtered-out nodes — and the set is full at `width` passing
 * nodes. With ef == VAJRA_EF_EXACT the beam is replaced by a scan of every passing node (one
 * step each). The unfiltered search is the filtered one with no filter.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/kernel.h"
#include "vajra/unfold.h"
#include "vajra/vector.h"

vajra_status vajra_vector_normalize(const float *src, float *dst, uint32_t dim, VajraError *err)
{
    if (src == NULL || dst == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "normalize: NULL vector");
    double sum = 0.0;
    for (uint32_t i = 0; i < dim; i++)
        sum += (double)src[i] * (double)src[i];
    float norm = (float)sqrt(sum);
    if (!(norm > 0.0f) || !isfinite(norm))
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "cannot normalise a vector of norm %g (zero or not finite)",
                               (double)norm);
    for (uint32_t i = 0; i < dim; i++)
        dst[i] = src[i] / norm;
    return VAJRA_OK;
}

typedef struct RefPair {
    float d;
    uint32_t id;
} RefPair;

static bool ref_less(RefPair a, RefPair b)
{
    return a.d < b.d || (a.d == b.d && a.id < b.id);
}

enum { REF_DESCEND, REF_BEAM, REF_SCAN };

typedef struct RefState {
    const VajraHnswGraph *g;
    const float *q;
    const VajraDocFilter *filter; /* NULL: every node passes */
    int phase;
    uint32_t level;  /* descent: the level being walked */
    RefPair cur;     /* descent: the current node */
    size_t width;    /* beam width: max(ef, k) */
    unsigned char *visited;
    RefPair *cand;   /* unexpanded candidates, unordered */
    size_t ncand;
    RefPair *res;    /* result set, unordered, at most width (+1 transiently) */
    size_t nres;
    uint32_t scan; /* REF_SCAN: the next node to look at */
} RefState;

static float ref_distance(const RefState *s, uint32_t node)
{
    const float *v = s->g->vector(s->g->self, node);
    if (s->g->metric == VAJRA_METRIC_L2)
        return vajra_ref_l2sq(s->q, v, s->g->dim);
    return -vajra_ref_dot(s->q, v, s->g->dim);
}

static size_t ref_worst(const RefPair *a, size_t n)
{
    size_t w = 0;
    for (size_t i = 1; i < n; i++)
        if (ref_less(a[w], a[i]))
            w = i;
    return w;
}

static size_t ref_best(const RefPair *a, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (ref_less(a[i], a[b]))
            b = i;
    return b;
}

static vajra_status ref_neighbours(const RefState *s, uint32_t node, uint32_t level,
                                   const uint32_t **ids, uint32_t *n, VajraError *err)
{
    *n = s->g->neighbours(s->g->self, node, level, ids);
    for (uint32_t i = 0; i < *n; i++)
        if ((*ids)[i] >= s->g->count)
            return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                                   "reference hnsw: node %u lists neighbour %u of %u nodes", node,
                                   (*ids)[i], s->g->count);
    return VAJRA_OK;
}

static vajra_status ref_step(void *state, VajraStep *next, VajraError *err)
{
    RefState *s = state;
    const uint32_t *ids;
    uint32_t n;
    vajra_status st;
    *next = VAJRA_STEP_MORE;

    if (s->phase == REF_SCAN) { /* exact: every passing node, in id order */
        if (s->scan == s->g->count) {
            *next = VAJRA_STEP_DONE;
            return VAJRA_OK;
        }
        uint32_t node = s->scan++;
        if (vajra_filter_pass(s->filter, node))
            s->res[s->nres++] = (RefPair){ref_distance(s, node), node};
        return VAJRA_OK;
    }

    if (s->phase == REF_DESCEND) {
        if (s->level == 0) { /* start the beam at the node the descent reached */
            s->visited[s->cur.id] = 1;
            s->cand[s->ncand++] = s->cur;
            if (vajra_filter_pass(s->filter, s->cur.id))
                s->res[s->nres++] = s->cur;
            s->phase = REF_BEAM;
            return VAJRA_OK;
        }
        if ((st = ref_neighbours(s, s->cur.id, s->level, &ids, &n, err)) != VAJRA_OK)
            return st;
        RefPair best = s->cur;
        for (uint32_t i = 0; i < n; i++) {
            RefPair p = {ref_distance(s, ids[i]), ids[i]};
            if (ref_less(p, best))
                best = p;
        }
        if (best.id != s->cur.id)
            s->cur = best;
        else
            s->level--;
        return VAJRA_OK;
    }

    /* Beam: expand the closest unexpanded candidate, unless it cannot improve a full result. */
    if (s->ncand == 0) {
        *next = VAJRA_STEP_DONE;
        return VAJRA_OK;
    }
    size_t b = ref_best(s->cand, s->ncand);
    RefPair c = s->cand[b];
    s->cand[b] = s->cand[--s->ncand];
    if (s->nres >= s->width && ref_less(s->res[ref_worst(s->res, s->nres)], c)) {
        *next = VAJRA_STEP_DONE;
        return VAJRA_OK;
    }
    if ((st = ref_neighbours(s, c.id, 0, &ids, &n, err)) != VAJRA_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = ids[i];
        if (s->visited[e])
            continue;
        s->visited[e] = 1;
        RefPair p = {ref_distance(s, e), e};
        if (s->nres < s->width || ref_less(p, s->res[ref_worst(s->res, s->nres)])) {
            s->cand[s->ncand++] = p;
            if (!vajra_filter_pass(s->filter, e))
                continue; /* walked through, never a result */
            s->res[s->nres++] = p;
            if (s->nres > s->width) {
                size_t w = ref_worst(s->res, s->nres);
                s->res[w] = s->res[--s->nres];
            }
        }
    }
    return VAJRA_OK;
}

static int ref_pair_cmp(const void *a, const void *b)
{
    RefPair x = *(const RefPair *)a, y = *(const RefPair *)b;
    return ref_less(x, y) ? -1 : ref_less(y, x) ? 1 : 0;
}

vajra_status vajra_reference_hnsw_search(const VajraHnswGraph *graph,
                                         const VajraVectorQuery *query, uint32_t ef,
                                         VajraHits *out, VajraError *err)
{
    if (ef == UINT32_MAX) /* not the exact scan here: a plain beam as wide as the graph */
        ef = UINT32_MAX - 1;
    return vajra_reference_hnsw_search_filtered(graph, query, ef, NULL, out, err);
}

vajra_status vajra_reference_hnsw_search_filtered(const VajraHnswGraph *graph,
                                                  const VajraVectorQuery *query, uint32_t ef,
                                                  const VajraDocFilter *filter, VajraHits *out,
                                                  VajraError *err)
{
    if (graph == NULL || query == NULL || out == NULL || query->values == NULL ||
        graph->neighbours == NULL || graph->vector == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "reference hnsw: NULL argument");
    if (filter != NULL && (filter->struct_size < sizeof(VajraDocFilter) ||
                           (filter->words == NULL && filter->nbits > 0)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "reference hnsw: bad filter (struct_size %u, words %s)",
                               filter->struct_size, filter->words ? "set" : "NULL");
    if (query->dim != graph->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "reference hnsw: query has %u dimensions, the index %u",
                               query->dim, graph->dim);
    for (uint32_t i = 0; i < query->dim; i++)
        if (!isfinite(query->values[i]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "reference hnsw: query component %u is not finite", i);
    out->count = 0;
    if (graph->count == 0 || query->k == 0)
        return VAJRA_OK;
    if (graph->entry >= graph->count)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "reference hnsw: entry %u of %u nodes",
                               graph->entry, graph->count);

    vajra_status st = VAJRA_OK;
    RefState s = {0};
    s.g = graph;
    s.filter = filter;
    float *qn = NULL;
    if (graph->metric == VAJRA_METRIC_COSINE) {
        qn = malloc(sizeof(float) * (query->dim ? query->dim : 1));
        if (qn == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "reference hnsw: out of memory");
        if ((st = vajra_vector_normalize(query->values, qn, query->dim, err)) != VAJRA_OK) {
            free(qn);
            return st;
        }
        s.q = qn;
    } else {
        s.q = query->values;
    }
    int exact = ef == UINT32_MAX;
    s.width = ef > query->k ? ef : query->k;
    if (s.width > graph->count) /* wider than the graph changes nothing: every node fits */
        s.width = graph->count;
    s.phase = exact ? REF_SCAN : REF_DESCEND;
    s.level = graph->max_level;
    s.cur.id = graph->entry;
    s.cur.d = ref_distance(&s, graph->entry);
    s.visited = calloc(graph->count, 1);
    s.cand = malloc(sizeof(RefPair) * graph->count);
    /* The scan keeps every passing node (cut to k below); the beam at most width + 1. */
    s.res = malloc(sizeof(RefPair) * ((exact ? graph->count : s.width) + 1));
    if (s.visited == NULL || s.cand == NULL || s.res == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "reference hnsw: out of memory");
        goto done;
    }
    /* Each descent move strictly improves (distance, id) and each beam step expands a distinct
     * node, so this many steps suffice; more means a broken graph. */
    uint64_t limit = (uint64_t)graph->count * ((uint64_t)graph->max_level + 2) + 4;
    if ((st = vajra_unfold(&s, ref_step, limit, NULL, err)) != VAJRA_OK)
        goto done;

    qsort(s.res, s.nres, sizeof(RefPair), ref_pair_cmp);
    size_t k = s.nres < query->k ? s.nres : query->k;
    if ((st = vajra_hits_reserve(out, k, err)) != VAJRA_OK)
        goto done;
    for (size_t i = 0; i < k; i++) {
        out->items[i].doc = s.res[i].id;
        out->items[i].score = -s.res[i].d;
    }
    out->count = k;
done:
    free(s.visited);
    free(s.cand);
    free(s.res);
    free(qn);
    return st;
}
