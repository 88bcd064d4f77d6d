/* vector-hnsw — insertion: deterministic parallel batch build.
 *
 * A batch is cut into rounds of HNSW_ROUND consecutive nodes. Each round has three phases:
 *   A (parallel)   plan every node of the round against the graph as it stood at the round's
 *                  start (the snapshot): greedy descent, a beam of ef_construction per level,
 *                  plus the round's earlier nodes by exact distance; choose its neighbours with
 *                  the HNSW heuristic. Plans only read the graph.
 *   B (one thread) in id order: write each node's own lists, move the entry point, and queue
 *                  one back-link request (level, target, source) per chosen neighbour; sort the
 *                  requests by (level, target, source).
 *   C (parallel)   per (level, target): append the new sources, or, when the list would
 *                  overflow, re-select all of old ∪ new with the heuristic. Targets are distinct,
 *                  so no two workers touch one list.
 * Every decision depends only on the snapshot and the ids, so 1 or N threads build the same
 * graph (and the same saved bytes). Levels come from (seed, node) alone.
 *
 * Construction codes. A large batch walks its beams on 8-bit codes of the rows (per-dimension
 * ranges over every row of the index; made for this add, encoded by the workers, freed after
 * it): a code row is a quarter of the bytes, and the beams are bound by loading rows
 * (about 60 % of the build in the dot products). Where it matters the distances are exact: each
 * level's beam result is re-scored from the f32 rows before the neighbour heuristic, and the
 * heuristic, the round's earlier nodes and the back-link pruning only ever see exact distances.
 * Measured on wordnet 50k (docs/vector.md "Construction"): build time -14 to -19 %, recall at
 * equal ef the same or slightly higher. The codes depend only on the rows, so the graph is still
 * the same for any thread count. Small batches against a large index, and narrow beams, build
 * exactly (construction_codes says when). Under IP/cosine with a version-3 kernel the folded
 * query is quantised to signed bytes too (hnsw_fold_query_s8) and the codes are scored in
 * integers (dot_u8s8_gather: VPDPBUSD with VNNI); L2 keeps the float l2sq_u8_gather.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"
#include "vajra/quant.h"

#define LEVELS (HNSW_MAX_LEVEL + 1)
/* The beam on construction codes is an eighth wider than ef_construction and cut back to it
 * after the exact re-scoring: that recovers the true neighbours the codes rank just outside
 * (wordnet 50k fast profile, recall@10 at ef 64/128/256: exact 0.9140/0.9608/0.9819, codes with
 * the same beam 0.9141/0.9589/0.9814, codes with the wider beam 0.9170/0.9610/0.9833). */
#define HNSW_QBUILD_BEAM(efc) ((size_t)(efc) + (size_t)(efc) / 8)

typedef struct Request {
    uint32_t level, target, source;
    float d;
} Request;

typedef struct Worker {
    VajraVectorSearch *s;  /* visited set, heaps, gather buffers */
    HnswPair *cands;       /* heuristic input */
    HnswPair *chosen;      /* heuristic output */
    HnswPair *extra;       /* the round's earlier nodes at one level */
    uint32_t *round_ids;   /* the round's earlier nodes */
    float *round_d;        /* their distances to the node being planned */
} Worker;

typedef struct Build {
    VajraVectorIndex *x;
    /* x seen through the construction codes: qview.codes ((base + total) × stride u8) and
     * qview.sq8_lo (lo, then scale: 2 × stride floats) are owned here; codes NULL: none. */
    VajraVectorIndex qview;
    uint32_t base;              /* first node of the batch */
    uint32_t total;             /* nodes in the batch */
    uint32_t efc;
    HnswPair *plan;             /* HNSW_ROUND × LEVELS × M chosen neighbours */
    uint32_t plan_n[HNSW_ROUND][LEVELS];
    Request *req;
    size_t nreq;
    size_t *group;              /* group g = req[group[g] .. group[g+1]) */
    size_t ngroups;
    atomic_uint next_a, next_c;
    atomic_uint next_code;      /* construction codes: the next block of rows to encode */
    unsigned nthreads;
    pthread_barrier_t barrier;
    pthread_mutex_t gate_lock;  /* the start gate: workers wait for `go` */
    pthread_cond_t gate;
    int go;
    Worker *workers;
} Build;

/* Insertion sort by (d, id): the arrays sorted here are short (a neighbour list plus a round's
 * worth of new links, or a round's earlier nodes). */
static void pair_sort(HnswPair *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        HnswPair v = a[i];
        size_t j = i;
        while (j > 0 && hnsw_less(v, a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static int req_cmp(const void *a, const void *b)
{
    const Request *x = a, *y = b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return x->source < y->source ? -1 : x->source > y->source;
}

/* The HNSW neighbour heuristic: walk the candidates nearest first (c sorted by (d, id)) and keep
 * one unless it is closer to an already kept neighbour than to the base node. */
static size_t select_heuristic(const VajraVectorIndex *x, const HnswPair *c, size_t n, size_t m,
                               HnswPair *out)
{
    if (n <= m) {
        memcpy(out, c, n * sizeof *c);
        return n;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k < m; i++) {
        const float *v = hnsw_vec(x, c[i].id);
        int good = 1;
        for (size_t j = 0; j < k; j++) {
            if (hnsw_dist(x, v, hnsw_vec(x, out[j].id)) < c[i].d) {
                good = 0;
                break;
            }
        }
        if (good)
            out[k++] = c[i];
    }
    return k;
}

/* Phase A for node `node` (slot `slot` of the round starting at node `rs`). */
static void plan_node(Build *b, Worker *w, uint32_t rs, uint32_t slot)
{
    VajraVectorIndex *x = b->x;
    VajraVectorSearch *s = w->s;
    uint32_t node = rs + slot;
    const float *q = hnsw_vec(x, node);
    uint32_t L = x->levels[node];
    int32_t ML = x->max_level; /* the snapshot's: only phase B moves it */

    for (uint32_t j = 0; j < slot; j++)
        w->round_ids[j] = rs + j;
    if (slot > 0)
        hnsw_dist_gather(x, q, w->round_ids, slot, w->round_d);

    /* The beams walk the construction codes when there are some (qx), else the rows. */
    const VajraVectorIndex *qx = x;
    s->mode = HNSW_STORE_F32;
    if (b->qview.codes != NULL) {
        qx = &b->qview;
        s->mode = HNSW_STORE_SQ8;
        hnsw_fold_query_s8(qx, s, q);
    }

    HnswPair cur = {0.0f, 0};
    if (ML >= 0) {
        cur.id = x->entry;
        hnsw_score_gather(qx, s, q, &cur.id, 1, &cur.d);
        for (int32_t l = ML; l > (int32_t)L; l--)
            cur = hnsw_greedy(qx, s, q, cur, (uint32_t)l);
    }
    for (int32_t l = (int32_t)L; l >= 0; l--) {
        size_t n = 0;
        if (l <= ML) {
            if (qx != x) /* the entry came from the level above, scored exactly */
                hnsw_score_gather(qx, s, q, &cur.id, 1, &cur.d);
            n = hnsw_search_layer(qx, s, q, cur, qx != x ? HNSW_QBUILD_BEAM(b->efc) : b->efc, (uint32_t)l);
            const HnswPair *r = hnsw_res_sort(s, n);
            memcpy(w->cands, r, n * sizeof(HnswPair));
            if (qx != x) { /* code distances -> exact ones, and the (d, id) order again */
                hnsw_exact_pairs(x, s, q, w->cands, n);
                pair_sort(w->cands, n);
            }
            cur = w->cands[0];
        }
        /* Merge in the round's earlier nodes at this level (sorted apart, then merged). */
        size_t extra = 0;
        for (uint32_t j = 0; j < slot; j++)
            if (x->levels[rs + j] >= (uint32_t)l)
                w->extra[extra++] = (HnswPair){w->round_d[j], rs + j};
        if (extra > 0) {
            pair_sort(w->extra, extra);
            size_t i = n, j = extra, k = n + extra;
            while (j > 0) /* merge from the back, in place */
                w->cands[--k] = (i > 0 && hnsw_less(w->extra[j - 1], w->cands[i - 1]))
                                    ? w->cands[--i] : w->extra[--j];
            n += extra;
        }
        if (n > b->efc)
            n = b->efc;
        HnswPair *dst = b->plan + ((size_t)slot * LEVELS + (size_t)l) * x->M;
        b->plan_n[slot][l] = (uint32_t)select_heuristic(x, w->cands, n, x->M, dst);
    }
}

/* Phase B: commit the round's own lists in id order and queue the back-links. */
static void commit_round(Build *b, uint32_t rs, uint32_t len)
{
    VajraVectorIndex *x = b->x;
    b->nreq = 0;
    for (uint32_t slot = 0; slot < len; slot++) {
        uint32_t node = rs + slot;
        uint32_t L = x->levels[node];
        for (uint32_t l = 0; l <= L; l++) {
            uint32_t n = b->plan_n[slot][l];
            const HnswPair *p = b->plan + ((size_t)slot * LEVELS + l) * x->M;
            uint32_t *list = hnsw_links(x, node, l);
            list[0] = n;
            for (uint32_t j = 0; j < n; j++) {
                list[1 + j] = p[j].id;
                b->req[b->nreq++] = (Request){l, p[j].id, node, p[j].d};
            }
        }
        if (x->max_level < 0 || (int32_t)L > x->max_level) {
            x->max_level = (int32_t)L;
            x->entry = node;
        }
    }
    x->count = rs + len;
    qsort(b->req, b->nreq, sizeof(Request), req_cmp);
    b->ngroups = 0;
    for (size_t i = 0; i < b->nreq; i++)
        if (i == 0 || b->req[i].level != b->req[i - 1].level ||
            b->req[i].target != b->req[i - 1].target)
            b->group[b->ngroups++] = i;
    b->group[b->ngroups] = b->nreq;
}

/* Phase C: add one target's back-links, shrinking by the heuristic on overflow. */
static void apply_group(Build *b, Worker *w, size_t g)
{
    VajraVectorIndex *x = b->x;
    const Request *r = b->req + b->group[g];
    size_t k = b->group[g + 1] - b->group[g];
    uint32_t l = r->level, t = r->target;
    uint32_t cap = l == 0 ? x->M0 : x->M;
    uint32_t *list = hnsw_links(x, t, l);
    uint32_t n = list[0];
    if (n + k <= cap) {
        for (size_t i = 0; i < k; i++)
            list[1 + n + i] = r[i].source;
        list[0] = n + (uint32_t)k;
        return;
    }
    HnswPair *c = w->cands;
    if (n > 0)
        hnsw_dist_gather(x, hnsw_vec(x, t), list + 1, n, w->round_d);
    for (uint32_t i = 0; i < n; i++)
        c[i] = (HnswPair){w->round_d[i], list[1 + i]};
    for (size_t i = 0; i < k; i++)
        c[n + i] = (HnswPair){r[i].d, r[i].source};
    pair_sort(c, n + k);
    size_t m = select_heuristic(x, c, n + k, cap, w->chosen);
    for (size_t i = 0; i < m; i++)
        list[1 + i] = w->chosen[i].id;
    for (size_t i = m; i < cap; i++)
        list[1 + i] = 0; /* keep unused slots zero: the saved bytes stay canonical */
    list[0] = (uint32_t)m;
}

/* Build scratch kept in the index between adds (so inserting one vector at a time does not
 * allocate per insert): the plan/request arrays and the workers with their buffers. */
struct HnswBuildCache {
    HnswPair *plan;
    Request *req;
    size_t *group;
    Worker *workers;
    unsigned nworkers;
};

static void barrier_wait(Build *b)
{
    if (b->nthreads > 1)
        pthread_barrier_wait(&b->barrier);
}

/* Encode the construction codes, blocks of rows shared among the workers (the ranges are set). */
#define HNSW_CODE_BLOCK 512u
static void encode_codes(Build *b)
{
    const VajraVectorIndex *x = b->x;
    size_t st = x->stride;
    uint32_t rows = b->base + b->total;
    uint8_t *codes = b->qview.codes;
    unsigned blk;
    while ((blk = atomic_fetch_add(&b->next_code, 1)) * HNSW_CODE_BLOCK < rows) {
        uint32_t from = blk * HNSW_CODE_BLOCK, to = from + HNSW_CODE_BLOCK;
        if (to > rows)
            to = rows;
        for (uint32_t n = from; n < to; n++)
            vajra_sq8_encode(hnsw_vec(x, n), (uint32_t)st, b->qview.sq8_lo, b->qview.sq8_scale,
                             codes + (size_t)n * st);
    }
}

static void run_worker(Build *b, unsigned t)
{
    Worker *w = &b->workers[t];
    if (b->qview.codes != NULL) {
        encode_codes(b);
        barrier_wait(b);
    }
    for (uint32_t off = 0; off < b->total; off += HNSW_ROUND) {
        uint32_t rs = b->base + off;
        uint32_t len = b->total - off < HNSW_ROUND ? b->total - off : HNSW_ROUND;
        unsigned i;
        while ((i = atomic_fetch_add(&b->next_a, 1)) < len)
            plan_node(b, w, rs, i);
        barrier_wait(b);
        if (t == 0) {
            commit_round(b, rs, len);
            atomic_store(&b->next_a, 0);
            atomic_store(&b->next_c, 0);
        }
        barrier_wait(b);
        size_t g;
        while ((g = atomic_fetch_add(&b->next_c, 1)) < b->ngroups)
            apply_group(b, w, g);
        barrier_wait(b);
    }
}

typedef struct ThreadArg {
    Build *b;
    unsigned t;
} ThreadArg;

static void *thread_main(void *arg)
{
    ThreadArg *a = arg;
    Build *b = a->b;
    pthread_mutex_lock(&b->gate_lock);
    while (!b->go)
        pthread_cond_wait(&b->gate, &b->gate_lock);
    pthread_mutex_unlock(&b->gate_lock);
    run_worker(b, a->t);
    return NULL;
}

static void free_worker(Worker *w)
{
    hnsw_search_free(w->s);
    free(w->cands);
    free(w->chosen);
    free(w->extra);
    free(w->round_ids);
    free(w->round_d);
}

void hnsw_build_cache_free(HnswBuildCache *c)
{
    if (c == NULL)
        return;
    for (unsigned t = 0; t < c->nworkers; t++)
        free_worker(&c->workers[t]);
    free(c->workers);
    free(c->plan);
    free(c->req);
    free(c->group);
    free(c);
}

/* The index's build cache with at least nt workers, each ready for `rows` nodes. */
static vajra_status build_cache_get(VajraVectorIndex *x, unsigned nt, uint32_t rows,
                                    HnswBuildCache **out, VajraError *err)
{
    HnswBuildCache *c = x->build_cache;
    size_t plan_len = (size_t)HNSW_ROUND * LEVELS * x->M;
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c == NULL)
            goto oom;
        x->build_cache = c;
        c->plan = malloc(sizeof(HnswPair) * plan_len);
        c->req = malloc(sizeof(Request) * plan_len);
        c->group = malloc(sizeof(size_t) * (plan_len + 1));
        if (c->plan == NULL || c->req == NULL || c->group == NULL)
            goto oom;
    }
    if (nt > c->nworkers) {
        Worker *ws = realloc(c->workers, sizeof(Worker) * nt);
        if (ws == NULL)
            goto oom;
        c->workers = ws;
        size_t cands_cap = HNSW_QBUILD_BEAM(x->params.ef_construction) + HNSW_ROUND + x->M0 + 1;
        size_t roundbuf = HNSW_ROUND > x->M0 ? HNSW_ROUND : x->M0;
        for (unsigned t = c->nworkers; t < nt; t++) {
            Worker *w = &ws[t];
            memset(w, 0, sizeof *w);
            c->nworkers = t + 1; /* counted now so a failure below frees it */
            if (hnsw_search_new(&w->s, err) != VAJRA_OK)
                return VAJRA_ERR_NO_MEMORY;
            w->cands = malloc(sizeof(HnswPair) * cands_cap);
            w->chosen = malloc(sizeof(HnswPair) * (x->M0 + 1));
            w->extra = malloc(sizeof(HnswPair) * HNSW_ROUND);
            w->round_ids = malloc(sizeof(uint32_t) * roundbuf);
            w->round_d = malloc(sizeof(float) * roundbuf);
            if (w->cands == NULL || w->chosen == NULL || w->extra == NULL ||
                w->round_ids == NULL || w->round_d == NULL)
                goto oom;
        }
    }
    for (unsigned t = 0; t < nt; t++) {
        vajra_status st = hnsw_search_prepare(c->workers[t].s, x, rows,
                                              HNSW_QBUILD_BEAM(x->params.ef_construction), err);
        if (st != VAJRA_OK)
            return st;
    }
    *out = c;
    return VAJRA_OK;
oom:
    return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "hnsw add: out of memory (build scratch)");
}

/* Construction codes for a batch of `total` rows making `rows` in all (see the top of this
 * file): only for batches of at least HNSW_QBUILD_MIN rows that are not tiny beside the index. */
#define HNSW_QBUILD_MIN 1024u
#define HNSW_QBUILD_RATIO 16u
/* A narrow beam scores few rows per insertion, and the exact re-scoring of its result is then a
 * large share of them: at ef_construction 40 (profile instant) the codes made the wordnet 50k
 * build slower (1.85-2.00 s against 1.78 s, one thread), so narrow beams build exactly. */
#define HNSW_QBUILD_MIN_EFC 96u

static vajra_status construction_codes(Build *b, const VajraVectorIndex *x, uint32_t rows,
                                       uint32_t total, VajraError *err)
{
    if (total < HNSW_QBUILD_MIN || rows - total > (uint64_t)HNSW_QBUILD_RATIO * total ||
        b->efc < HNSW_QBUILD_MIN_EFC)
        return VAJRA_OK;
    size_t st = x->stride;
    uint8_t *codes = hnsw_aligned_alloc((size_t)rows * st);
    float *lo = malloc(sizeof(float) * 2 * st), *scale = lo + st;
    b->qview = *x;
    b->qview.storage = HNSW_STORE_SQ8;
    b->qview.codes = codes; /* owned from here (freed by hnsw_add), even on failure */
    b->qview.sq8_lo = lo;
    b->qview.sq8_scale = scale;
    b->qview.sq8_gain = NULL;
    if (codes == NULL || lo == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY,
                               "hnsw add: out of memory (construction codes for %u rows)", rows);
    /* Rows are finite (validated) and zero-padded: the ranges over all stride columns cannot
     * fail, and the padding gets lo = scale = 0 (code 0, no contribution). The workers encode
     * the rows (encode_codes) before the first round. No norm gains: the beam's result is
     * re-scored exactly, and they did not change the recall (wordnet 10k, 50k). */
    (void)vajra_sq8_ranges(x->vectors, rows, (uint32_t)st, lo, scale, NULL);
    return VAJRA_OK;
}

static vajra_status validate(const VajraVectorIndex *x, const float *v, uint32_t dim,
                             size_t count, VajraError *err)
{
    if (dim != x->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "hnsw add: vectors have %u dimensions, the index %u", dim, x->dim);
    if (count > (size_t)(UINT32_MAX - 1) - x->count)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw add: too many vectors");
    for (size_t i = 0; i < count; i++) {
        vajra_status st = hnsw_check_vector(v + i * dim, dim, x->metric, "hnsw add: vector", i, err);
        if (st != VAJRA_OK)
            return st;
        /* f16 rows: a component that would round to ±inf is refused (cosine rows are stored
         * unit length, so only L2/IP rows can overflow). */
        bool rounds = x->storage == HNSW_STORE_F16 && !x->storage_auto; /* auto never rounds */
        for (uint32_t j = 0; rounds && x->metric != VAJRA_METRIC_COSINE && j < dim; j++)
            if (fabsf(v[i * dim + j]) >= 65520.0f)
                return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                       "hnsw add: vector %zu: component %u (%g) overflows f16 "
                                       "storage (|x| < 65520)",
                                       i, j, (double)v[i * dim + j]);
    }
    return VAJRA_OK;
}

vajra_status hnsw_add(VajraVectorIndex *x, const float *vectors, uint32_t dim, size_t count,
                      uint32_t threads, uint32_t *first, VajraError *err)
{
    if (x == NULL || (vectors == NULL && count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hnsw add: NULL argument");
    vajra_status st = validate(x, vectors, dim, count, err);
    if (st != VAJRA_OK)
        return st;
    if (first != NULL)
        *first = x->count;
    if (count == 0)
        return VAJRA_OK;

    uint32_t base = x->count, total = (uint32_t)count;
    uint32_t blocks = 0;
    for (uint32_t i = 0; i < total; i++)
        blocks += hnsw_random_level(x, base + i);
    free(x->decoded); /* the graph accessor's cache is stale from here on */
    x->decoded = NULL;
    /* A quantised index without rerank dropped its f32 rows: the build works on the rows decoded
     * from the codes (so a later add is deterministic, and the same for 1 or N threads). */
    bool decode = x->storage != HNSW_STORE_F32 && x->vectors == NULL && base > 0;
    if ((st = hnsw_index_reserve(x, base + total, x->upper_blocks + blocks, err)) != VAJRA_OK) {
        hnsw_drop_f32(x);
        return st;
    }
    for (uint32_t n = 0; decode && n < base; n++)
        hnsw_decode_row(x, n, x->vectors + (size_t)n * x->stride);

    /* Store the rows (normalised under cosine; validated, so this cannot fail), levels and
     * upper blocks for the whole batch before the rounds start. */
    for (uint32_t i = 0; i < total; i++) {
        uint32_t node = base + i;
        float *row = x->vectors + (size_t)node * x->stride;
        memset(row, 0, sizeof(float) * x->stride);
        if (x->metric == VAJRA_METRIC_COSINE)
            vajra_vector_normalize(vectors + (size_t)i * dim, row, dim, NULL);
        else
            memcpy(row, vectors + (size_t)i * dim, sizeof(float) * dim);
        uint32_t L = hnsw_random_level(x, node);
        x->levels[node] = (uint8_t)L;
        memset(x->level0 + (size_t)node * x->l0_slots, 0, sizeof(uint32_t) * x->l0_slots);
        if (L > 0) {
            x->upper_index[node] = x->upper_blocks;
            memset(x->upper + (size_t)x->upper_blocks * x->up_slots, 0,
                   sizeof(uint32_t) * x->up_slots * L);
            x->upper_blocks += L;
        } else {
            x->upper_index[node] = HNSW_NO_BLOCK;
        }
    }

    Build b;
    memset(&b, 0, sizeof b);
    pthread_mutex_init(&b.gate_lock, NULL);
    pthread_cond_init(&b.gate, NULL);
    /* "auto": keep the rows as f16 only while that loses nothing (hnsw_auto_storage). */
    if (x->storage_auto && (st = hnsw_auto_storage(x, base, total, err)) != VAJRA_OK)
        goto fail;
    b.x = x;
    b.base = base;
    b.total = total;
    b.efc = x->params.ef_construction;
    if ((st = construction_codes(&b, x, base + total, total, err)) != VAJRA_OK)
        goto fail;
    unsigned nt = threads == 0 ? 1 : threads > 64 ? 64 : threads;
    if (nt > (total + HNSW_ROUND - 1) / HNSW_ROUND * 2)
        nt = 1; /* a small batch is not worth the threads */
    b.nthreads = nt;
    HnswBuildCache *cache = NULL;
    if ((st = build_cache_get(x, nt, base + total, &cache, err)) != VAJRA_OK)
        goto fail;
    b.plan = cache->plan;
    b.req = cache->req;
    b.group = cache->group;
    b.workers = cache->workers;

    if (nt == 1) {
        run_worker(&b, 0);
    } else {
        /* Threads wait at a gate until we know how many started; the barrier counts exactly
         * those (the graph does not depend on the number). */
        pthread_t tid[64];
        ThreadArg args[64];
        unsigned started = 0;
        pthread_mutex_lock(&b.gate_lock);
        for (unsigned t = 1; t < nt; t++) {
            args[t] = (ThreadArg){&b, t};
            if (pthread_create(&tid[t], NULL, thread_main, &args[t]) != 0)
                break;
            started++;
        }
        b.nthreads = started + 1;
        if (b.nthreads > 1)
            pthread_barrier_init(&b.barrier, NULL, b.nthreads);
        b.go = 1;
        pthread_cond_broadcast(&b.gate);
        pthread_mutex_unlock(&b.gate_lock);
        run_worker(&b, 0);
        for (unsigned t = 1; t <= started; t++)
            pthread_join(tid[t], NULL);
        if (b.nthreads > 1)
            pthread_barrier_destroy(&b.barrier);
    }
    st = VAJRA_OK;
    hnsw_quantise_rows(x, base, base + total);
    goto out;
fail:
    /* Nothing was linked yet: forget the stored rows. */
    x->count = base;
    x->upper_blocks -= blocks;
out:
    hnsw_drop_f32(x);
    free(b.qview.codes);
    free(b.qview.sq8_lo);
    pthread_mutex_destroy(&b.gate_lock);
    pthread_cond_destroy(&b.gate);
    return st;
}
