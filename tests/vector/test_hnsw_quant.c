/* Suite 'vector': quantised row storage of the HNSW index (f16, sq8; with and without the exact
 * rerank from kept f32 rows).
 *
 *  - The graph of a quantised index is the f32 index's, byte for byte (it is built on the f32
 *    input rows and quantised afterwards); the saved bytes are the same for 1 and 3 threads, also
 *    when a second batch is added to a quantised index that dropped its f32 rows (the build then
 *    works on the decoded rows).
 *  - Parity with the core's reference traversal over the decoded rows (the graph accessor), for
 *    every kernel variant built for this host. Tolerance, per rank: the fast score is within
 *    tol(s) = T·max(1, |s|) of the reference score at the same rank and of the reference score of
 *    its own id recomputed on the decoded row; ids may differ only there (a near tie).
 *      f16: T = 0 with the scalar kernel (the row widens exactly; same loop, same order),
 *           T = 1e-5 with SIMD (summation order), as the f32 parity test;
 *      sq8: T = 2e-5 (the folded dot Σq·lo + Σ(q∘scale)·c and l2sq_u8 round differently from a
 *           dot on the decoded row; the largest difference seen is printed).
 *    With rerank, the fast top-10 is held to the reference's beam (k = ef) re-scored exactly from
 *    the f32 rows, same rule with T = 1e-5.
 *  - Save/load: bit-identical results after load, identical bytes when saved again, and a later
 *    add to the loaded index gives the bytes the same add gives on the original.
 *  - Recall@10 on wordnet 10k at ef 64 and 128 within 0.005 of f32 for f16 and with rerank
 *    (sq8 without rerank within 0.05: it loses ≈ 0.025 on this data).
 *  - Errors: an unknown storage name, converting a quantised index, corrupt quantised sections.
 *
 * Light (VAJRA_TEST_LIGHT, set by the valgrind test setup; see vec_test_light): the same cases,
 * modes, metrics and kernels on fewer rows and queries (recall on wordnet 1k, parity on 600 rows
 * with 25 queries, ...): the full file took 350 s of memcheck, 136 s of it the 10k build. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"
#include "vajra/cpu.h"
#include "vajra/quant.h"
#include "vajra/registry.h"
#include "vector_fixture.h"

typedef struct Mode {
    const char *name;
    uint32_t storage;
    bool rerank;
} Mode;

static const Mode modes[] = {
    {"f16", HNSW_STORE_F16, false},
    {"sq8", HNSW_STORE_SQ8, false},
    {"f16+rerank", HNSW_STORE_F16, true},
    {"sq8+rerank", HNSW_STORE_SQ8, true},
};
#define NMODES (sizeof modes / sizeof modes[0])

static VajraVectorParams params(uint32_t dim, VajraMetric metric)
{
    VajraVectorParams p = {.struct_size = sizeof p, .dim = dim, .metric = metric, .M = 10,
                           .ef_construction = 48, .ef_search = 32, .seed = 5};
    return p;
}

/* An index of `storage` holding rows[0, n1) then rows[n1, n) as a second batch (n1 == n: one). */
static VajraVectorIndex *build(const float *rows, size_t n, size_t n1, uint32_t dim,
                               VajraMetric metric, const Mode *mode, uint32_t threads,
                               const VajraKernelOps *k)
{
    VajraVectorParams p = params(dim, metric);
    VajraVectorIndex *x = NULL;
    VajraError err = {0};
    ck_assert_int_eq(hnsw_index_new(&p, k, &x, &err), VAJRA_OK);
    if (mode != NULL)
        ck_assert_int_eq(hnsw_set_storage(x, mode->storage, mode->rerank, &err), VAJRA_OK);
    ck_assert_msg(hnsw_add(x, rows, dim, n1, threads, NULL, &err) == VAJRA_OK, "%s", err.message);
    if (n > n1)
        ck_assert_msg(hnsw_add(x, rows + n1 * dim, dim, n - n1, threads, NULL, &err) == VAJRA_OK,
                      "%s", err.message);
    return x;
}

static MemSections *save_mem(const VajraVectorIndex *x)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_msg(hnsw_save(x, &w, &err) == VAJRA_OK, "%s", err.message);
    return m;
}

/* The bytes of section `name`, or NULL (len 0) when absent. */
static const void *section(const MemSections *m, const char *name, size_t *len)
{
    for (size_t i = 0; i < mem_sections_count(m); i++) {
        void *d;
        const char *nm = mem_sections_at(m, i, &d, len);
        if (strcmp(nm, name) == 0)
            return d;
    }
    *len = 0;
    return NULL;
}

static void assert_same_section(const MemSections *a, const MemSections *b, const char *name,
                                const char *what)
{
    size_t la, lb;
    const void *da = section(a, name, &la), *db = section(b, name, &lb);
    ck_assert_msg(da != NULL && db != NULL, "%s: section %s missing", what, name);
    ck_assert_msg(la == lb && memcmp(da, db, la) == 0, "%s: section %s differs", what, name);
}

static const VajraMetric metrics[] = {VAJRA_METRIC_IP, VAJRA_METRIC_L2, VAJRA_METRIC_COSINE};

/* Same graph as f32 for every mode and metric; rows stored as documented; thread counts and a
 * second batch (built on decoded rows) give the same bytes. */
START_TEST(test_same_graph_and_determinism)
{
    const uint32_t dim = 40;
    const size_t n = vec_test_light() ? 500 : 1500, n1 = n / 5 * 3; /* second batch: 2/5 */
    float *rows = vec_random_rows(n, dim, 11);
    const VajraKernelOps *k = vajra_kernel_reference();
    static const char *const graph_sections[] = {"hnsw.level0", "hnsw.levels",
                                                 "hnsw.upper_index", "hnsw.upper"};
    for (size_t mi = 0; mi < 3; mi++) {
        VajraVectorIndex *f = build(rows, n, n, dim, metrics[mi], NULL, 1, k);
        MemSections *fs = save_mem(f);
        size_t len;
        ck_assert_ptr_null(section(fs, "hnsw.storage", &len)); /* f32: the version-1 format */
        for (size_t q = 0; q < NMODES; q++) {
            VajraVectorIndex *x = build(rows, n, n, dim, metrics[mi], &modes[q], 1, k);
            VajraVectorIndex *y = build(rows, n, n, dim, metrics[mi], &modes[q], 3, k);
            MemSections *xs = save_mem(x), *ys = save_mem(y);
            for (size_t s = 0; s < 4; s++)
                assert_same_section(fs, xs, graph_sections[s], modes[q].name);
            ck_assert_msg(mem_sections_equal(xs, ys), "%s: 1 and 3 threads differ", modes[q].name);
            /* Row storage: codes of stride elements; f32 rows only with rerank. */
            ck_assert_ptr_nonnull(section(xs, "hnsw.codes", &len));
            ck_assert_uint_eq(len, n * x->stride * (modes[q].storage == HNSW_STORE_F16 ? 2 : 1));
            const void *vec = section(xs, "hnsw.vectors", &len);
            if (modes[q].rerank) {
                assert_same_section(fs, xs, "hnsw.vectors", modes[q].name);
                ck_assert_ptr_nonnull(x->vectors);
            } else {
                ck_assert_ptr_null(vec);
                ck_assert_ptr_null(x->vectors); /* dropped after the add */
            }
            /* Two batches, 1 and 3 threads: same bytes (the second batch builds against the
             * rows decoded from the codes when the f32 rows were dropped). */
            VajraVectorIndex *a = build(rows, n, n1, dim, metrics[mi], &modes[q], 1, k);
            VajraVectorIndex *b = build(rows, n, n1, dim, metrics[mi], &modes[q], 3, k);
            MemSections *as = save_mem(a), *bs = save_mem(b);
            ck_assert_msg(mem_sections_equal(as, bs), "%s two batches: threads differ",
                          modes[q].name);
            /* The first batch's codes (and the sq8 ranges) are those of an index of the first
             * batch alone: a later batch is encoded in the ranges the first one set. */
            VajraVectorIndex *c = build(rows, n1, n1, dim, metrics[mi], &modes[q], 1, k);
            MemSections *cs = save_mem(c);
            size_t la, lc;
            const char *ca = section(as, "hnsw.codes", &la), *cc = section(cs, "hnsw.codes", &lc);
            ck_assert(lc < la && memcmp(ca, cc, lc) == 0);
            if (modes[q].storage == HNSW_STORE_SQ8)
                assert_same_section(as, cs, "hnsw.sq8_ranges", modes[q].name);
            mem_sections_free(cs);
            hnsw_index_free(c);
            mem_sections_free(as), mem_sections_free(bs);
            hnsw_index_free(a), hnsw_index_free(b);
            mem_sections_free(xs), mem_sections_free(ys);
            hnsw_index_free(x), hnsw_index_free(y);
        }
        mem_sections_free(fs);
        hnsw_index_free(f);
    }
    free(rows);
}
END_TEST

/* ---- parity with the reference traversal ---- */

static const char *const isas[] = {"scalar", "avx2", "avx512", "avx512vnni"};

static const VajraKernelOps *variant_ops(const char *isa, VajraRegistry **reg)
{
    VajraRegistryOptions opts = {.struct_size = sizeof opts, .kernel = isa};
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(&opts, reg, &err), VAJRA_OK);
    const VajraKernelOps *ops = NULL;
    vajra_status st = vajra_registry_kernel(*reg, &ops, NULL, &err);
    if (st == VAJRA_ERR_CPU_UNSUPPORTED || st == VAJRA_ERR_NOT_FOUND) {
        fprintf(stderr, "SKIP kernel %s: %s\n", isa, err.message);
        return NULL;
    }
    ck_assert_msg(st == VAJRA_OK, "kernel %s: %s", isa, err.message);
    return ops;
}

/* The reference score of one stored row (decoded or f32) for query q (normalised already under
 * cosine): the scalar distances the reference uses. */
static float ref_score(VajraMetric metric, const float *q, const float *row, uint32_t dim)
{
    return metric == VAJRA_METRIC_L2 ? -vajra_ref_l2sq(q, row, dim) : vajra_ref_dot(q, row, dim);
}

static float tol(float t, float s)
{
    return t * fmaxf(1.0f, fabsf(s));
}

/* The tolerance rule of the file comment: fast vs ref rank by rank; `own[i]` is the reference
 * score of fast's id at rank i. Returns how many ranks hold another id (near ties); *maxd grows
 * to the largest score difference seen. */
static size_t compare_tolerant(const VajraHits *fast, const VajraHits *ref, const float *own,
                               float t, float *maxd, const char *what, size_t q)
{
    ck_assert_msg(fast->count == ref->count, "%s query %zu: %zu hits, reference %zu", what, q,
                  fast->count, ref->count);
    size_t swaps = 0;
    for (size_t i = 0; i < fast->count; i++) {
        float a = fast->items[i].score, b = ref->items[i].score;
        float d = fmaxf(fabsf(a - b), fabsf(a - own[i]));
        if (d > *maxd)
            *maxd = d;
        ck_assert_msg(fabsf(a - b) <= tol(t, b) && fabsf(a - own[i]) <= tol(t, own[i]),
                      "%s query %zu rank %zu: fast %u %.9g (own %.9g), reference %u %.9g", what,
                      q, i, fast->items[i].doc, (double)a, (double)own[i], ref->items[i].doc,
                      (double)b);
        swaps += fast->items[i].doc != ref->items[i].doc;
    }
    return swaps;
}

static void check_parity(const char *label, const float *rows, size_t n, const float *qs,
                         size_t nq, uint32_t dim, VajraMetric metric)
{
    static const uint32_t efs[] = {10, 40, 100};
    float *qn = malloc(sizeof(float) * dim);
    float *own = malloc(sizeof(float) * 100);
    for (size_t mo = 0; mo < NMODES; mo++) {
        const Mode *mode = &modes[mo];
        VajraVectorIndex *built = build(rows, n, n, dim, metric, mode, 2, vajra_kernel_reference());
        MemSections *saved = save_mem(built);
        hnsw_index_free(built);
        for (size_t v = 0; v < sizeof isas / sizeof isas[0]; v++) {
            VajraRegistry *reg = NULL;
            const VajraKernelOps *ops = variant_ops(isas[v], &reg);
            if (ops == NULL) {
                vajra_registry_free(reg);
                continue;
            }
            bool scalar = strcmp(isas[v], "scalar") == 0;
            float t = mode->rerank || mode->storage == HNSW_STORE_F16 ? (scalar ? 0.0f : 1e-5f)
                                                                      : 2e-5f;
            VajraSectionReader r = mem_sections_reader(saved);
            VajraVectorIndex *x = NULL;
            VajraVectorSearch *s = NULL;
            VajraHnswGraph g;
            VajraError err = {0};
            ck_assert_int_eq(hnsw_load(ops, &r, &x, &err), VAJRA_OK);
            ck_assert_int_eq(hnsw_graph(x, &g, &err), VAJRA_OK);
            ck_assert_int_eq(hnsw_search_new(&s, &err), VAJRA_OK);
            VajraHits fast = {0}, ref = {0};
            size_t searches = 0, swaps = 0;
            float maxd = 0.0f;
            for (size_t e = 0; e < sizeof efs / sizeof efs[0]; e++) {
                for (size_t q = 0; q < nq; q++) {
                    const float *qv = qs + q * dim;
                    if (metric == VAJRA_METRIC_COSINE)
                        ck_assert_int_eq(vajra_vector_normalize(qv, qn, dim, NULL), VAJRA_OK);
                    else
                        memcpy(qn, qv, sizeof(float) * dim);
                    VajraVectorQuery query = {qv, dim, 10};
                    ck_assert_int_eq(hnsw_search(x, s, &query, efs[e], &fast, &err), VAJRA_OK);
                    ck_assert_uint_eq(fast.count, 10);
                    if (!mode->rerank) {
                        ck_assert_int_eq(vajra_reference_hnsw_search(&g, &query, efs[e], &ref,
                                                                     &err), VAJRA_OK);
                        for (size_t i = 0; i < fast.count; i++)
                            own[i] = ref_score(metric, qn, g.vector(g.self, fast.items[i].doc),
                                               dim);
                    } else {
                        /* The reference beam (k = ef), re-scored from the f32 rows, best 10. */
                        VajraVectorQuery beam = {qv, dim, efs[e]};
                        ck_assert_int_eq(vajra_reference_hnsw_search(&g, &beam, efs[e], &ref,
                                                                     &err), VAJRA_OK);
                        for (size_t i = 0; i < ref.count; i++)
                            ref.items[i].score =
                                ref_score(metric, qn, hnsw_vec(x, ref.items[i].doc), dim);
                        qsort(ref.items, ref.count, sizeof(VajraHit), vajra_hit_compare);
                        ref.count = ref.count < 10 ? ref.count : 10;
                        for (size_t i = 0; i < fast.count; i++)
                            own[i] = ref_score(metric, qn, hnsw_vec(x, fast.items[i].doc), dim);
                    }
                    char what[96];
                    snprintf(what, sizeof what, "%s %s kernel %s ef %u", label, mode->name,
                             isas[v], efs[e]);
                    swaps += compare_tolerant(&fast, &ref, own, t, &maxd, what, q);
                    searches++;
                }
            }
            fprintf(stderr,
                    "quantised parity %s %s kernel %s: %zu searches within T = %g (max |Δscore| "
                    "%.3g, %zu near-tie id swaps)\n",
                    label, mode->name, isas[v], searches, (double)t, (double)maxd, swaps);
            vajra_hits_clear(&fast);
            vajra_hits_clear(&ref);
            hnsw_search_free(s);
            hnsw_index_free(x);
            vajra_registry_free(reg);
        }
        mem_sections_free(saved);
    }
    free(qn);
    free(own);
}

START_TEST(test_parity_wordnet_ip)
{
    VecSet v;
    const int light = vec_test_light();
    ck_assert_msg(vecset_load(&v, "wordnet", light ? 600 : 2000) == 0, "wordnet data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    check_parity("wordnet-ip", v.base.data, v.base.rows, v.queries.data, light ? 25 : 100, dim,
                 VAJRA_METRIC_IP);
    vecset_clear(&v);
}
END_TEST

/* GloVe rows are binary16 values already: rescale them so f16 storage rounds. */
static float *rescaled(const VecSet *v, size_t n)
{
    uint32_t dim = (uint32_t)v->base.dim;
    float *rows = malloc(sizeof(float) * n * dim);
    for (size_t i = 0; i < n * dim; i++)
        rows[i] = v->base.data[i] * (1.0f + (float)((i / dim) % 7) * 0.137f);
    return rows;
}

START_TEST(test_parity_glove_l2_cosine)
{
    VecSet v;
    const int light = vec_test_light();
    ck_assert_msg(vecset_load(&v, "glove", light ? 600 : 2000) == 0, "glove data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    float *rows = rescaled(&v, v.base.rows);
    check_parity("glove-l2", rows, v.base.rows, v.queries.data, light ? 25 : 100, dim,
                 VAJRA_METRIC_L2);
    check_parity("glove-cosine", rows, v.base.rows, v.queries.data, light ? 15 : 60, dim,
                 VAJRA_METRIC_COSINE);
    free(rows);
    vecset_clear(&v);
}
END_TEST

/* ---- save / load ---- */

START_TEST(test_save_load_round_trip)
{
    VecSet v;
    const int light = vec_test_light();
    ck_assert_msg(vecset_load(&v, "glove", light ? 800 : 2000) == 0, "glove data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    float *rows = rescaled(&v, v.base.rows);
    const size_t n = light ? 600 : 1500, nq = light ? 10 : 50; /* rows past n: a later add */
    VajraRegistry *reg = NULL;
    const VajraKernelOps *k = variant_ops("scalar", &reg);
    ck_assert_ptr_nonnull(k);
    for (size_t mo = 0; mo < NMODES; mo++) {
        VajraVectorIndex *x = build(rows, n, n, dim, VAJRA_METRIC_L2, &modes[mo], 2, k);
        MemSections *m = save_mem(x);
        VajraSectionReader r = mem_sections_reader(m);
        VajraVectorIndex *y = NULL;
        VajraError err = {0};
        ck_assert_msg(hnsw_load(k, &r, &y, &err) == VAJRA_OK, "%s", err.message);
        ck_assert_uint_eq(y->storage, modes[mo].storage);
        ck_assert(y->rerank == modes[mo].rerank);
        MemSections *m2 = save_mem(y);
        ck_assert_msg(mem_sections_equal(m, m2), "%s: saved again differs", modes[mo].name);
        mem_sections_free(m2);
        VajraVectorSearch *s = NULL;
        ck_assert_int_eq(hnsw_search_new(&s, &err), VAJRA_OK);
        VajraHits a = {0}, b = {0};
        for (size_t q = 0; q < nq; q++) {
            VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
            for (int exact = 0; exact < 2; exact++) {
                if (exact) {
                    ck_assert_int_eq(hnsw_search_exact(x, s, &query, &a, &err), VAJRA_OK);
                    ck_assert_int_eq(hnsw_search_exact(y, s, &query, &b, &err), VAJRA_OK);
                } else {
                    ck_assert_int_eq(hnsw_search(x, s, &query, 40, &a, &err), VAJRA_OK);
                    ck_assert_int_eq(hnsw_search(y, s, &query, 40, &b, &err), VAJRA_OK);
                }
                ck_assert_uint_eq(a.count, 10);
                ck_assert_uint_eq(a.count, b.count);
                for (size_t i = 0; i < a.count; i++) {
                    ck_assert_uint_eq(a.items[i].doc, b.items[i].doc);
                    ck_assert(memcmp(&a.items[i].score, &b.items[i].score, sizeof(float)) == 0);
                }
            }
        }
        /* A later add to the loaded (borrowed) index = the same add on the original. */
        ck_assert_int_eq(hnsw_add(x, rows + n * dim, dim, v.base.rows - n, 1, NULL, &err),
                         VAJRA_OK);
        ck_assert_int_eq(hnsw_add(y, rows + n * dim, dim, v.base.rows - n, 2, NULL, &err),
                         VAJRA_OK);
        MemSections *mx = save_mem(x), *my = save_mem(y);
        ck_assert_msg(mem_sections_equal(mx, my), "%s: add after load differs", modes[mo].name);
        mem_sections_free(mx), mem_sections_free(my);
        vajra_hits_clear(&a), vajra_hits_clear(&b);
        hnsw_search_free(s);
        hnsw_index_free(y);
        mem_sections_free(m);
        hnsw_index_free(x);
    }
    vajra_registry_free(reg);
    free(rows);
    vecset_clear(&v);
}
END_TEST

/* ---- errors ---- */

static vajra_status load_patched(const VajraVectorIndex *x, const char *name, size_t offset,
                                 const void *bytes, size_t len)
{
    MemSections *m = save_mem(x);
    size_t sl;
    char *d = (char *)section(m, name, &sl);
    ck_assert_msg(d != NULL && offset + len <= sl, "section %s", name);
    memcpy(d + offset, bytes, len);
    VajraSectionReader r = mem_sections_reader(m);
    VajraVectorIndex *y = NULL;
    VajraError err = {0};
    vajra_status st = hnsw_load(vajra_kernel_reference(), &r, &y, &err);
    if (st == VAJRA_OK) {
        hnsw_index_free(y);
    } else {
        ck_assert_ptr_null(y);
        ck_assert(err.message[0] != '\0');
    }
    mem_sections_free(m);
    return st;
}

START_TEST(test_errors)
{
    VajraError err = {0};
    uint32_t st_out = 99;
    ck_assert_int_eq(hnsw_storage_parse("int8", &st_out, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "int8"));
    ck_assert_int_eq(hnsw_storage_parse(NULL, &st_out, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(hnsw_storage_parse("sq8", &st_out, &err), VAJRA_OK);
    ck_assert_uint_eq(st_out, HNSW_STORE_SQ8);

    const uint32_t dim = 20;
    float *rows = vec_random_rows(300, dim, 4);
    VajraVectorIndex *x = build(rows, 300, 300, dim, VAJRA_METRIC_L2, &modes[1], 1,
                                vajra_kernel_reference());
    ck_assert_int_eq(hnsw_set_storage(x, 7, false, &err), VAJRA_ERR_INVALID_ARGUMENT);
    /* A non-empty quantised index cannot be converted (its f32 rows are gone). */
    ck_assert_int_eq(hnsw_set_storage(x, HNSW_STORE_F16, false, &err), VAJRA_ERR_INVALID_ARGUMENT);

    uint32_t bad_storage = 7, bad_rerank = 2, one = 1;
    float nan = NAN, neg = -1.0f, huge = 3e38f;
    ck_assert_int_eq(load_patched(x, "hnsw.storage", 0, &bad_storage, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(x, "hnsw.storage", 4, &bad_rerank, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(x, "hnsw.storage", 8, &one, 4), VAJRA_ERR_CORRUPT);
    /* rerank = 1 without an "hnsw.vectors" section */
    ck_assert_int_eq(load_patched(x, "hnsw.storage", 4, &one, 4), VAJRA_ERR_NOT_FOUND);
    ck_assert_int_eq(load_patched(x, "hnsw.sq8_ranges", 4 * 3, &nan, 4), VAJRA_ERR_CORRUPT);
    size_t scale0 = sizeof(float) * x->stride;
    ck_assert_int_eq(load_patched(x, "hnsw.sq8_ranges", scale0 + 4 * 2, &neg, 4),
                     VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(x, "hnsw.sq8_ranges", scale0, &huge, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(x, "hnsw.sq8_ranges", 4 * dim, &one, 4), /* padding */
                     VAJRA_ERR_CORRUPT);
    /* A version-2 file read as version 1 would miss its f32 rows; version 3 (sq8 gains) is not
     * for L2; an unknown version. */
    uint32_t v1 = 1, v3 = 3, v5 = 5;
    ck_assert_int_eq(load_patched(x, "hnsw.meta", 4, &v1, 4), VAJRA_ERR_NOT_FOUND);
    ck_assert_int_eq(load_patched(x, "hnsw.meta", 4, &v3, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(x, "hnsw.meta", 4, &v5, 4), VAJRA_ERR_VERSION);
    ck_assert_int_eq(load_patched(x, "hnsw.storage", 0, &(uint32_t){HNSW_STORE_F16}, 4),
                     VAJRA_ERR_CORRUPT); /* codes section of the wrong length */
    hnsw_index_free(x);

    /* f16 codes for +inf and NaN decode to non-finite rows. */
    VajraVectorIndex *h = build(rows, 300, 300, dim, VAJRA_METRIC_IP, &modes[0], 1,
                                vajra_kernel_reference());
    uint16_t inf16 = 0x7C00u, nan16 = 0x7E00u;
    ck_assert_int_eq(load_patched(h, "hnsw.codes", 2 * (h->stride * 17 + 3), &inf16, 2),
                     VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(h, "hnsw.codes", 2 * 5, &nan16, 2), VAJRA_ERR_CORRUPT);
    /* An intact file loads. */
    ck_assert_int_eq(load_patched(h, "hnsw.codes", 0, &(uint16_t){0x3C00u}, 2), VAJRA_OK);
    /* f16 storage refuses a component that would round to infinity; nothing is inserted. */
    float big[2 * 20];
    memcpy(big, rows, sizeof big);
    big[20 + 4] = 70000.0f;
    ck_assert_int_eq(hnsw_add(h, big, dim, 2, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(err.message, "f16"));
    ck_assert_uint_eq(h->count, 300);
    hnsw_index_free(h);

    /* sq8 under IP: format 3 with one gain per row, each checked; the same file marked as
     * version 2 (no gains, as written before them) still loads, and a later add gives its old
     * rows gain 1 (their scores unchanged) and the new rows their own. */
    VajraVectorIndex *g = build(rows, 300, 300, dim, VAJRA_METRIC_IP, &modes[1], 1,
                                vajra_kernel_reference());
    MemSections *gm = save_mem(g);
    size_t glen = 0;
    const uint32_t *gmeta = section(gm, "hnsw.meta", &glen);
    ck_assert_uint_eq(gmeta[1], 3);
    ck_assert_ptr_nonnull(section(gm, "hnsw.sq8_gain", &glen));
    ck_assert_uint_eq(glen, 300 * sizeof(float));
    mem_sections_free(gm);
    float zero = 0.0f, inf = INFINITY; /* 0 is the gain of a zero row (allowed under IP) */
    ck_assert_int_eq(load_patched(g, "hnsw.sq8_gain", 4 * 7, &nan, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(g, "hnsw.sq8_gain", 4 * 8, &inf, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(g, "hnsw.sq8_gain", 4 * 8, &zero, 4), VAJRA_OK);
    ck_assert_int_eq(load_patched(g, "hnsw.sq8_gain", 4 * 9, &neg, 4), VAJRA_ERR_CORRUPT);
    ck_assert_int_eq(load_patched(g, "hnsw.sq8_gain", 0, &g->sq8_gain[0], 4), VAJRA_OK);
    uint32_t v2 = 2;
    gm = save_mem(g);
    uint32_t *wmeta = (uint32_t *)section(gm, "hnsw.meta", &glen);
    wmeta[1] = v2;
    VajraSectionReader gr = mem_sections_reader(gm);
    VajraVectorIndex *old = NULL;
    ck_assert_int_eq(hnsw_load(vajra_kernel_reference(), &gr, &old, &err), VAJRA_OK);
    ck_assert_ptr_null(old->sq8_gain);
    ck_assert_int_eq(hnsw_add(old, rows, dim, 10, 1, NULL, &err), VAJRA_OK);
    ck_assert_ptr_nonnull(old->sq8_gain);
    ck_assert(old->sq8_gain[0] == 1.0f && old->sq8_gain[299] == 1.0f);
    ck_assert(old->sq8_gain[300] == g->sq8_gain[0]); /* row 0 again, same ranges */
    hnsw_index_free(old);
    mem_sections_free(gm);
    hnsw_index_free(g);
    free(rows);
}
END_TEST

/* The keys through the plugin's create_kv: storage and rerank validated, reported by params_kv,
 * and get_vector gives what the index compares against (decoded rows; the f32 rows when kept). */
START_TEST(test_plugin_kv)
{
    VajraRegistry *reg = NULL;
    VajraPlugin *p = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_registry_load(reg, VAJRA_PLUGIN_VECTOR, "vector-hnsw", &p, &err),
                     VAJRA_OK);
    const VajraVectorVtable *vt = vajra_plugin_vtable(p);
    void *ps = vajra_plugin_state(p);
    VajraVectorIndex *x = NULL;
    VajraKeyValue bad[] = {{"storage", "int4"}};
    ck_assert_int_eq(vt->create_kv(ps, 16, VAJRA_METRIC_IP, bad, 1, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "int4"));
    ck_assert_ptr_null(x);
    VajraKeyValue bad_rerank[] = {{"storage", "f16"}, {"rerank", "2"}};
    ck_assert_int_eq(vt->create_kv(ps, 16, VAJRA_METRIC_IP, bad_rerank, 2, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "rerank"));
    VajraKeyValue unknown[] = {{"storage", "f16"}, {"bits", "8"}};
    ck_assert_int_eq(vt->create_kv(ps, 16, VAJRA_METRIC_IP, unknown, 2, &x, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    float *rows = vec_random_rows(300, 16, 21);
    for (int rr = 0; rr < 2; rr++) {
        VajraKeyValue kv[] = {
            {"profile", "instant"}, {"storage", "sq8"}, {"rerank", rr ? "1" : "0"}};
        ck_assert_msg(vt->create_kv(ps, 16, VAJRA_METRIC_IP, kv, 3, &x, &err) == VAJRA_OK, "%s",
                      err.message);
        VajraKeyValue got[8];
        size_t n = vt->params_kv(x, got, 8);
        ck_assert_str_eq(vajra_kv_get(got, n, "storage"), "sq8");
        ck_assert_str_eq(vajra_kv_get(got, n, "rerank"), rr ? "1" : "0");
        ck_assert_int_eq(vt->add(x, rows, 16, 300, 1, NULL, &err), VAJRA_OK);
        /* create_kv from the reported keys builds the same bytes */
        VajraVectorIndex *y = NULL;
        ck_assert_int_eq(vt->create_kv(ps, 16, VAJRA_METRIC_IP, got, n, &y, &err), VAJRA_OK);
        ck_assert_int_eq(vt->add(y, rows, 16, 300, 2, NULL, &err), VAJRA_OK);
        MemSections *mx = save_mem(x), *my = save_mem(y);
        ck_assert(mem_sections_equal(mx, my));
        mem_sections_free(mx), mem_sections_free(my);
        vt->destroy(y);
        float back[16], dec[16];
        ck_assert_int_eq(vt->get_vector(x, 9, back, &err), VAJRA_OK);
        const uint8_t *codes9 = (const uint8_t *)x->codes + 9 * x->stride;
        vajra_sq8_decode(codes9, 16, x->sq8_lo, x->sq8_scale, dec);
        float gain = vajra_sq8_gain(rows + 9 * 16, codes9, 16, x->sq8_lo, x->sq8_scale);
        for (int i = 0; i < 16; i++)
            dec[i] *= gain; /* IP: the decoded row carries its norm gain */
        ck_assert(memcmp(back, rr ? rows + 9 * 16 : dec, sizeof back) == 0);
        ck_assert(rr || memcmp(back, rows + 9 * 16, sizeof back) != 0); /* sq8 does round */
        vt->destroy(x);
    }
    free(rows);
    vajra_plugin_unref(p);
    vajra_registry_free(reg);
}
END_TEST

/* ---- storage "auto" ---- */

/* Each row of `rows` (n × dim) moved to the next float up: no longer binary16. */
static float *off_f16(const float *rows, size_t n, uint32_t dim)
{
    float *o = malloc(sizeof(float) * n * dim);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n * dim; i++)
        o[i] = rows[i] == 0.0f ? rows[i] : nextafterf(rows[i], INFINITY);
    return o;
}

static uint32_t saved_version(const MemSections *m)
{
    size_t len;
    const uint32_t *meta = section(m, "hnsw.meta", &len);
    ck_assert(meta != NULL && len >= 8);
    return meta[1];
}

START_TEST(test_auto_floats_are_f16)
{
    const float yes[] = {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, -65504.0f, 0x1p-24f, 0x1p-14f,
                         0x1p-14f + 0x1p-24f, 3 * 0x1p-24f, 1.0f + 0x1p-10f, 1023.5f,
                         0x1.998p-4f /* 0.1 as binary16 */};
    const float no[] = {65520.0f, 65505.0f, 0x1p-25f, 1.5f * 0x1p-24f, 1.0f + 0x1p-11f, 0.1f,
                        1e-30f, 0x1p-130f, NAN, 1e6f, 1024.5f};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        ck_assert_msg(hnsw_floats_are_f16(&yes[i], 1), "%a is binary16", (double)yes[i]);
        ck_assert_float_eq(vajra_f16_to_f32(vajra_f32_to_f16(yes[i])), yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!hnsw_floats_are_f16(&no[i], 1), "%a is not binary16", (double)no[i]);
    /* against the round trip, on every float of a sweep of exponents and mantissas */
    for (int e = -30; e <= 17; e++)
        for (uint32_t m = 0; m < (1u << 12); m++) {
            float f = ldexpf(1.0f + (float)m / 4096.0f, e);
            bool rt = vajra_f16_to_f32(vajra_f32_to_f16(f)) == f;
            ck_assert_msg(hnsw_floats_are_f16(&f, 1) == rt, "%a", (double)f);
        }
}
END_TEST

/* "auto" keeps the rows as f16 while they are exactly binary16 (the wordnet file's are) and
 * turns into f32 at the first row that is not: never a rounded row, the f32 index's graph, and
 * (scalar kernel: the f16 element widens exactly, same loop) the f32 index's answers bit for bit. */
START_TEST(test_auto_storage)
{
    VecSet v;
    const int light = vec_test_light();
    const size_t n = light ? 300 : 1000, n2 = light ? 100 : 300, nq = light ? 10 : 50;
    ck_assert_msg(vecset_load(&v, "wordnet", n + n2) == 0, "wordnet data missing");
    const uint32_t dim = (uint32_t)v.base.dim;
    const float *rows = v.base.data;
    float *later = off_f16(rows + n * dim, n2, dim);
    VajraRegistry *reg = NULL;
    const VajraKernelOps *k = variant_ops("scalar", &reg);
    ck_assert_ptr_nonnull(k);
    const Mode automode = {"auto", HNSW_STORE_AUTO, false};
    VajraError err = {0};

    VajraVectorIndex *a = build(rows, n, n, dim, VAJRA_METRIC_IP, &automode, 2, k);
    VajraVectorIndex *f = build(rows, n, n, dim, VAJRA_METRIC_IP, NULL, 2, k);
    ck_assert_uint_eq(a->storage, HNSW_STORE_F16);
    ck_assert(a->storage_auto);
    ck_assert_ptr_null(a->vectors); /* half the bytes: only the f16 rows are kept */
    ck_assert_str_eq(a->kv[4].value, "auto");
    float row[512];
    ck_assert_uint_le(a->stride, 512);
    for (uint32_t i = 0; i < n; i++) {
        hnsw_decode_row(a, i, row);
        ck_assert_msg(memcmp(row, rows + (size_t)i * dim, sizeof(float) * dim) == 0, "row %u", i);
    }
    MemSections *ma = save_mem(a), *mf = save_mem(f);
    ck_assert_uint_eq(saved_version(ma), 4);
    ck_assert_uint_eq(saved_version(mf), 1);
    const char *graph[] = {"hnsw.level0", "hnsw.levels", "hnsw.upper_index", "hnsw.upper"};
    for (int g = 0; g < 4; g++)
        assert_same_section(ma, mf, graph[g], "auto vs f32");
    VajraVectorSearch *s = NULL;
    ck_assert_int_eq(hnsw_search_new(&s, &err), VAJRA_OK);
    VajraHits ha = {0}, hf = {0};
    for (size_t q = 0; q < nq; q++) {
        VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
        ck_assert_int_eq(hnsw_search(a, s, &query, 40, &ha, &err), VAJRA_OK);
        ck_assert_int_eq(hnsw_search(f, s, &query, 40, &hf, &err), VAJRA_OK);
        ck_assert_uint_eq(ha.count, 10);
        ck_assert_uint_eq(ha.count, hf.count);
        for (size_t i = 0; i < ha.count; i++) {
            ck_assert_uint_eq(ha.items[i].doc, hf.items[i].doc);
            ck_assert(memcmp(&ha.items[i].score, &hf.items[i].score, sizeof(float)) == 0);
        }
    }

    /* Loaded, it is still "auto" (version 4); rows that are not binary16 turn both copies into
     * f32 with every row exact: the very bytes of the f32 index given the same adds. */
    VajraSectionReader r = mem_sections_reader(ma);
    VajraVectorIndex *y = NULL;
    ck_assert_msg(hnsw_load(k, &r, &y, &err) == VAJRA_OK, "%s", err.message);
    ck_assert(y->storage_auto && y->storage == HNSW_STORE_F16);
    ck_assert_str_eq(y->kv[4].value, "auto");
    ck_assert_int_eq(hnsw_add(a, later, dim, n2, 1, NULL, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_add(y, later, dim, n2, 2, NULL, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_add(f, later, dim, n2, 2, NULL, &err), VAJRA_OK);
    ck_assert_uint_eq(a->storage, HNSW_STORE_F32);
    ck_assert_uint_eq(y->storage, HNSW_STORE_F32);
    ck_assert(a->storage_auto);
    MemSections *ma2 = save_mem(a), *my2 = save_mem(y), *mf2 = save_mem(f);
    ck_assert_msg(mem_sections_equal(ma2, mf2), "auto after a non-f16 add differs from f32");
    ck_assert_msg(mem_sections_equal(my2, mf2), "loaded auto after the add differs from f32");
    mem_sections_free(ma2), mem_sections_free(my2), mem_sections_free(mf2);
    /* f32 for good: binary16 rows added now stay f32 */
    ck_assert_int_eq(hnsw_add(a, rows, dim, 50, 1, NULL, &err), VAJRA_OK);
    ck_assert_uint_eq(a->storage, HNSW_STORE_F32);
    hnsw_index_free(y);
    hnsw_index_free(a);

    /* First rows not binary16: f32 at once, written as version 1; a value past the f16 range is
     * no error (explicit f16 refuses it), it just is not binary16. */
    a = build(later, n2, n2, dim, VAJRA_METRIC_IP, &automode, 1, k);
    ck_assert_uint_eq(a->storage, HNSW_STORE_F32);
    MemSections *mb = save_mem(a);
    ck_assert_uint_eq(saved_version(mb), 1);
    mem_sections_free(mb);
    hnsw_index_free(a);
    float big[512];
    memcpy(big, rows, sizeof(float) * dim);
    big[3] = 70000.0f;
    a = build(big, 1, 1, dim, VAJRA_METRIC_L2, &automode, 1, k);
    ck_assert_uint_eq(a->storage, HNSW_STORE_F32);
    hnsw_index_free(a);
    VajraVectorParams p = params(dim, VAJRA_METRIC_L2);
    ck_assert_int_eq(hnsw_index_new(&p, k, &a, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_set_storage(a, HNSW_STORE_F16, false, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_add(a, big, dim, 1, 1, NULL, &err), VAJRA_ERR_BAD_VALUE);
    /* rerank means nothing when nothing is rounded: refused */
    ck_assert_int_eq(hnsw_set_storage(a, HNSW_STORE_AUTO, true, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "rerank"));
    hnsw_index_free(a);

    /* Converting a built f32 index (benchmarks): f16 when every row is binary16. */
    ck_assert_int_eq(hnsw_set_storage(f, HNSW_STORE_AUTO, false, &err), VAJRA_OK);
    ck_assert_uint_eq(f->storage, HNSW_STORE_F32); /* it holds the `later` rows */
    VajraVectorIndex *c = build(rows, n, n, dim, VAJRA_METRIC_IP, NULL, 1, k);
    ck_assert_int_eq(hnsw_set_storage(c, HNSW_STORE_AUTO, false, &err), VAJRA_OK);
    ck_assert(c->storage == HNSW_STORE_F16 && c->storage_auto);
    hnsw_index_free(c);

    vajra_hits_clear(&ha), vajra_hits_clear(&hf);
    hnsw_search_free(s);
    mem_sections_free(ma), mem_sections_free(mf);
    hnsw_index_free(f);
    free(later);
    vajra_registry_free(reg);
    vecset_clear(&v);
}
END_TEST

/* Recall@10 against the data's ground truth (hits re-scored exactly for the tie rule), every
 * mode on one graph (converted from the f32 build), the same ef: printed, and held to the
 * issue's bound where it is met (see docs). */
START_TEST(test_recall_vs_f32)
{
    VecSet v;
    const int light = vec_test_light(); /* wordnet 1k, 100 queries: the bounds hold there too */
    const size_t n = light ? 1000 : 10000, nq = light ? 100 : 500;
    ck_assert_msg(vecset_load(&v, "wordnet", n) == 0, "wordnet data missing");
    ck_assert_uint_gt(v.gt_ids.rows, 0);
    uint32_t dim = (uint32_t)v.base.dim;
    static const uint32_t efs[] = {64, 128};
    VajraRegistry *reg = NULL;
    const VajraKernelOps *k = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_registry_kernel(reg, &k, NULL, &err), VAJRA_OK);
    VajraVectorParams p = {.struct_size = sizeof p, .dim = dim, .metric = VAJRA_METRIC_IP,
                           .M = 16, .ef_construction = 128, .ef_search = 128, .seed = 42};
    VajraVectorIndex *f = NULL;
    ck_assert_int_eq(hnsw_index_new(&p, k, &f, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_add(f, v.base.data, dim, v.base.rows, 2, NULL, &err), VAJRA_OK);
    MemSections *saved = save_mem(f);
    VajraSectionReader r = mem_sections_reader(saved);
    VajraVectorSearch *s = NULL;
    ck_assert_int_eq(hnsw_search_new(&s, &err), VAJRA_OK);
    VajraHits hits = {0};
    double base[2] = {0};
    for (int mo = -1; mo < (int)NMODES; mo++) {
        VajraVectorIndex *x = f;
        if (mo >= 0) {
            ck_assert_int_eq(hnsw_load(k, &r, &x, &err), VAJRA_OK);
            ck_assert_int_eq(hnsw_set_storage(x, modes[mo].storage, modes[mo].rerank, &err),
                             VAJRA_OK);
        }
        for (size_t e = 0; e < 2; e++) {
            double recall = 0;
            for (size_t q = 0; q < nq; q++) {
                VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
                ck_assert_int_eq(hnsw_search(x, s, &query, efs[e], &hits, &err), VAJRA_OK);
                recall += vecset_recall_exact(&v, q, &hits, 10);
            }
            recall /= (double)nq;
            if (mo < 0)
                base[e] = recall;
            fprintf(stderr, "recall@10 wordnet %zu ef %u %s: %.4f (f32 %.4f, Δ %+.4f)\n", n,
                    efs[e], mo < 0 ? "f32" : modes[mo].name, recall, base[e], recall - base[e]);
            /* f16 and rerank: the bound, 0.005. sq8 without rerank does not meet it
             * (measured −0.010 here with the norm gains, −0.025 without): held to 0.02 so that
             * a regression (losing the gains, say) shows. */
            double bound = mo >= 0 && modes[mo].storage == HNSW_STORE_SQ8 && !modes[mo].rerank
                               ? 0.02 : 0.005;
            ck_assert_msg(recall >= base[e] - bound, "%s ef %u: recall %.4f vs f32 %.4f",
                          mo < 0 ? "f32" : modes[mo].name, efs[e], recall, base[e]);
        }
        if (mo >= 0)
            hnsw_index_free(x);
    }
    vajra_hits_clear(&hits);
    hnsw_search_free(s);
    mem_sections_free(saved);
    hnsw_index_free(f);
    vajra_registry_free(reg);
    vecset_clear(&v);
}
END_TEST

static Suite *quant_suite(void)
{
    Suite *s = suite_create("vector-quant");
    TCase *tc = tcase_create("quant");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_auto_floats_are_f16);
    tcase_add_test(tc, test_auto_storage);
    tcase_add_test(tc, test_plugin_kv);
    tcase_add_test(tc, test_same_graph_and_determinism);
    tcase_add_test(tc, test_save_load_round_trip);
    tcase_add_test(tc, test_parity_wordnet_ip);
    tcase_add_test(tc, test_parity_glove_l2_cosine);
    tcase_add_test(tc, test_recall_vs_f32);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(quant_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
