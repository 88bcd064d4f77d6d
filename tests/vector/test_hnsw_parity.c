/* Suite 'vector': parity of the fast HNSW search with the core's reference traversal
 * (vajra_reference_hnsw_search, a plain unfold with scalar distances) on the same graph.
 *
 * One graph per data set is built with the scalar kernel, saved, and loaded once per distance
 * kernel variant (scalar, avx2, avx512, loaded through the registry; a variant is skipped only
 * when it was not built for this host or the CPU lacks its features). For hundreds of queries and
 * several beam widths the fast search must return exactly the reference's ids in the same order
 * (ties by ascending id). Scores: bit-identical with the scalar kernel; with a SIMD kernel they
 * may differ by summation order only, |Δ| ≤ 1e-5·max(1, |score|).
 * Exact ids with SIMD kernels are asserted, not assumed: a rounding difference flipping a near
 * tie would fail this test (none does on this data; see docs/vector.md).
 *
 * Filtered search (search_filtered) is held to vajra_reference_hnsw_search_filtered the same way:
 * for every kind of filter and beam width, the plugin's planner (hnsw_plan) says whether it scans
 * exactly or walks a beam of which width, and the reference is run with that (ef = UINT32_MAX for
 * the scan); the beam is also forced at every selectivity, so the traversal itself is compared
 * where the planner would scan. Same tolerance as above. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"
#include "vajra/cpu.h"
#include "vajra/registry.h"
#include "test_filter.h"
#include "kernel_variants.h"
#include "vector_fixture.h"

/* Build the graph with the scalar kernel and return its saved sections. */
static MemSections *build_saved(const float *rows, size_t n, uint32_t dim, VajraMetric metric)
{
    VajraVectorParams p = {.struct_size = sizeof p, .dim = dim, .metric = metric, .M = 12,
                           .ef_construction = 64, .ef_search = 32, .seed = 3};
    VajraVectorIndex *x = NULL;
    VajraError err = {0};
    ck_assert_int_eq(hnsw_index_new(&p, vajra_kernel_reference(), &x, &err), VAJRA_OK);
    ck_assert_msg(hnsw_add(x, rows, dim, n, 2, NULL, &err) == VAJRA_OK, "%s", err.message);
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ck_assert_int_eq(hnsw_save(x, &w, &err), VAJRA_OK);
    hnsw_index_free(x);
    return m;
}

/* The saved graph loaded with one kernel variant, its accessor and a search context. */
typedef struct Variant {
    VajraRegistry *reg;
    VajraVectorIndex *x;
    VajraHnswGraph g;
    VajraVectorSearch *s;
    int exact_scores; /* scalar kernel: scores bit-identical to the reference's */
} Variant;

/* Open variant isas[v] on `saved`; 0 when it cannot run here. */
static int variant_open(Variant *vr, size_t v, MemSections *saved)
{
    memset(vr, 0, sizeof *vr);
    const VajraKernelOps *ops = variant_ops(isas[v], &vr->reg);
    if (ops == NULL) {
        vajra_registry_free(vr->reg);
        return 0;
    }
    vr->exact_scores = strcmp(isas[v], "scalar") == 0;
    VajraSectionReader r = mem_sections_reader(saved);
    VajraError err = {0};
    ck_assert_int_eq(hnsw_load(ops, &r, &vr->x, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_graph(vr->x, &vr->g, &err), VAJRA_OK);
    ck_assert_int_eq(hnsw_search_new(&vr->s, &err), VAJRA_OK);
    return 1;
}

static void variant_close(Variant *vr)
{
    hnsw_search_free(vr->s);
    hnsw_index_free(vr->x);
    vajra_registry_free(vr->reg);
}

static void check_parity(const char *label, MemSections *saved, const float *qs, size_t nq,
                         uint32_t dim)
{
    static const uint32_t efs[] = {10, 40, 100};
    for (size_t v = 0; v < sizeof isas / sizeof isas[0]; v++) {
        Variant vr;
        if (!variant_open(&vr, v, saved))
            continue;
        int exact_scores = vr.exact_scores;
        VajraVectorIndex *x = vr.x;
        VajraHnswGraph g = vr.g;
        VajraVectorSearch *s = vr.s;
        VajraError err = {0};
        VajraHits fast = {0}, ref = {0};
        size_t compared = 0;
        for (size_t e = 0; e < sizeof efs / sizeof efs[0]; e++) {
            for (size_t q = 0; q < nq; q++) {
                VajraVectorQuery query = {qs + q * dim, dim, 10};
                ck_assert_int_eq(hnsw_search(x, s, &query, efs[e], &fast, &err), VAJRA_OK);
                ck_assert_msg(vajra_reference_hnsw_search(&g, &query, efs[e], &ref, &err) ==
                                  VAJRA_OK, "%s", err.message);
                ck_assert_uint_eq(fast.count, ref.count);
                ck_assert_uint_eq(fast.count, 10);
                for (size_t i = 0; i < fast.count; i++) {
                    ck_assert_msg(fast.items[i].doc == ref.items[i].doc,
                                  "%s kernel %s ef %u query %zu rank %zu: fast %u ref %u", label,
                                  isas[v], efs[e], q, i, fast.items[i].doc, ref.items[i].doc);
                    float a = fast.items[i].score, b = ref.items[i].score;
                    if (exact_scores)
                        ck_assert_float_eq(a, b);
                    else
                        ck_assert_float_le(fabsf(a - b), 1e-5f * fmaxf(1.0f, fabsf(b)));
                }
                compared++;
            }
        }
        fprintf(stderr, "parity %s kernel %s: %zu searches identical\n", label, isas[v],
                compared);
        vajra_hits_clear(&fast);
        vajra_hits_clear(&ref);
        variant_close(&vr);
    }
}

static void assert_same(const VajraHits *fast, const VajraHits *ref, int exact_scores,
                        const char *what, size_t q)
{
    ck_assert_msg(fast->count == ref->count, "%s query %zu: %zu hits, reference %zu", what, q,
                  fast->count, ref->count);
    for (size_t i = 0; i < fast->count; i++) {
        ck_assert_msg(fast->items[i].doc == ref->items[i].doc,
                      "%s query %zu rank %zu: fast %u ref %u", what, q, i, fast->items[i].doc,
                      ref->items[i].doc);
        float a = fast->items[i].score, b = ref->items[i].score;
        if (exact_scores)
            ck_assert_float_eq(a, b);
        else
            ck_assert_float_le(fabsf(a - b), 1e-5f * fmaxf(1.0f, fabsf(b)));
    }
}

enum { FC_MAX = 12 };

typedef struct FilterCases {
    const char *label[FC_MAX];
    const VajraDocFilter *f[FC_MAX];
    TestFilter t[FC_MAX];
    size_t nq[FC_MAX]; /* queries to run (the reference is slow on very selective filters) */
    size_t n;
} FilterCases;

static void filter_cases(FilterCases *c, uint32_t n, size_t nq)
{
    memset(c, 0, sizeof *c);
    size_t i = 0;
    c->label[i] = "no filter", c->nq[i] = nq, c->f[i++] = NULL;
    c->label[i] = "nothing passes", c->nq[i] = 20, c->f[i] = tf_prefix(&c->t[i], n, 0), i++;
    c->label[i] = "everything passes", c->nq[i] = nq, c->f[i] = tf_prefix(&c->t[i], n, n), i++;
    c->label[i] = "nbits 0", c->nq[i] = 20, c->f[i] = tf_prefix(&c->t[i], 0, 0), i++;
    c->label[i] = "nbits = N/2, all set", c->nq[i] = nq,
    c->f[i] = tf_prefix(&c->t[i], n / 2, n / 2), i++;
    c->label[i] = "nbits > N, random 30%", c->nq[i] = nq,
    c->f[i] = tf_random(&c->t[i], n + 100, 0.3, 3), i++;
    c->label[i] = "random 50%", c->nq[i] = nq, c->f[i] = tf_random(&c->t[i], n, 0.5, 1), i++;
    c->label[i] = "random 10%", c->nq[i] = nq / 4, c->f[i] = tf_random(&c->t[i], n, 0.1, 4), i++;
    c->label[i] = "random 1%", c->nq[i] = nq / 10, c->f[i] = tf_random(&c->t[i], n, 0.01, 2), i++;
    c->n = i;
}

static void filter_cases_free(FilterCases *c)
{
    for (size_t i = 0; i < c->n; i++)
        tf_free(&c->t[i]);
}

/* Filtered fast search == filtered reference, for every filter case, beam width and kernel. */
static void check_parity_filtered(const char *label, MemSections *saved, const float *qs,
                                  size_t nq, uint32_t dim)
{
    static const uint32_t efs[] = {10, 40, 100, UINT32_MAX};
    for (size_t v = 0; v < sizeof isas / sizeof isas[0]; v++) {
        Variant vr;
        if (!variant_open(&vr, v, saved))
            continue;
        int exact_scores = vr.exact_scores;
        VajraVectorIndex *x = vr.x;
        VajraHnswGraph g = vr.g;
        VajraVectorSearch *s = vr.s;
        VajraError err = {0};
        VajraHits fast = {0}, ref = {0}, plain = {0};
        FilterCases fc;
        filter_cases(&fc, x->count, nq);
        size_t compared = 0, scans = 0;
        char what[160];
        for (size_t c = 0; c < fc.n; c++) {
            const VajraDocFilter *f = fc.f[c];
            size_t hits = 0;
            for (size_t e = 0; e < sizeof efs / sizeof efs[0]; e++) {
                for (size_t q = 0; q < fc.nq[c]; q++) {
                    VajraVectorQuery query = {qs + q * dim, dim, 10};
                    /* As planned. */
                    HnswPlan plan = hnsw_plan(x, efs[e], 10, f);
                    ck_assert_int_eq(hnsw_search_filtered(x, s, &query, efs[e], f, &fast, &err),
                                     VAJRA_OK);
                    ck_assert_msg(vajra_reference_hnsw_search_filtered(
                                      &g, &query, plan.exact ? UINT32_MAX : (uint32_t)plan.width,
                                      f, &ref, &err) == VAJRA_OK, "%s", err.message);
                    snprintf(what, sizeof what, "%s kernel %s filter %s ef %u (%s)", label,
                             isas[v], fc.label[c], efs[e], plan.exact ? "scan" : "beam");
                    assert_same(&fast, &ref, exact_scores, what, q);
                    hits += ref.count;
                    scans += plan.exact;
                    compared++;
                    if (efs[e] == UINT32_MAX)
                        continue;
                    /* The beam forced, whatever the planner says. */
                    HnswPlan beam = {efs[e], false};
                    ck_assert_int_eq(hnsw_search_planned(x, s, &query, beam, f, &fast, &err),
                                     VAJRA_OK);
                    ck_assert_int_eq(vajra_reference_hnsw_search_filtered(&g, &query, efs[e], f,
                                                                          &ref, &err), VAJRA_OK);
                    snprintf(what, sizeof what, "%s kernel %s filter %s ef %u (forced beam)",
                             label, isas[v], fc.label[c], efs[e]);
                    assert_same(&fast, &ref, exact_scores, what, q);
                    compared++;
                    if (f == NULL) { /* no filter: exactly the unfiltered search */
                        ck_assert_int_eq(hnsw_search(x, s, &query, efs[e], &plain, &err),
                                         VAJRA_OK);
                        assert_same(&fast, &plain, 1, "filtered(NULL) vs search", q);
                    }
                }
            }
            int empty = f != NULL && f->passing == 0;
            ck_assert_msg(empty ? hits == 0 : hits > 0, "filter %s: %zu hits", fc.label[c], hits);
        }

        /* Exactly one node passes (the exact search's 5th): found by the scan and by the beam,
         * with its unfiltered score. */
        for (size_t q = 0; q < 10; q++) {
            VajraVectorQuery query = {qs + q * dim, dim, 10};
            ck_assert_int_eq(hnsw_search_exact(x, s, &query, &plain, &err), VAJRA_OK);
            TestFilter one;
            tf_init(&one, x->count);
            tf_set(&one, plain.items[4].doc);
            const VajraDocFilter *f = tf_done(&one);
            for (size_t e = 0; e < 2; e++) {
                HnswPlan plan = {40, e == 1};
                ck_assert_int_eq(hnsw_search_planned(x, s, &query, plan, f, &fast, &err),
                                 VAJRA_OK);
                ck_assert_int_eq(vajra_reference_hnsw_search_filtered(
                                     &g, &query, e ? UINT32_MAX : 40, f, &ref, &err), VAJRA_OK);
                assert_same(&fast, &ref, exact_scores, "one passing node", q);
                ck_assert_uint_eq(fast.count, 1);
                ck_assert_uint_eq(fast.items[0].doc, plain.items[4].doc);
            }
            tf_free(&one);
            compared += 2;
        }

        /* A malformed filter is refused. */
        VajraVectorQuery query = {qs, dim, 10};
        VajraDocFilter bad = {.struct_size = 4, .nbits = 8, .passing = 1, .words = fc.t[2].words};
        ck_assert_int_eq(hnsw_search_filtered(x, s, &query, 0, &bad, &fast, &err),
                         VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_int_eq(vajra_reference_hnsw_search_filtered(&g, &query, 0, &bad, &ref, &err),
                         VAJRA_ERR_INVALID_ARGUMENT);

        fprintf(stderr, "filtered parity %s kernel %s: %zu searches identical (%zu scans)\n",
                label, isas[v], compared, scans);
        filter_cases_free(&fc);
        vajra_hits_clear(&fast);
        vajra_hits_clear(&ref);
        vajra_hits_clear(&plain);
        variant_close(&vr);
    }
}

START_TEST(test_parity_wordnet_ip)
{
    VecSet v;
    ck_assert_msg(vecset_load(&v, "wordnet", 3000) == 0, "wordnet data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    MemSections *m = build_saved(v.base.data, v.base.rows, dim, VAJRA_METRIC_IP);
    check_parity("wordnet-ip", m, v.queries.data, 300, dim);
    check_parity_filtered("wordnet-ip", m, v.queries.data, 100, dim);
    mem_sections_free(m);
    vecset_clear(&v);
}
END_TEST

START_TEST(test_parity_glove_l2)
{
    VecSet v;
    ck_assert_msg(vecset_load(&v, "glove", 3000) == 0, "glove data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    MemSections *m = build_saved(v.base.data, v.base.rows, dim, VAJRA_METRIC_L2);
    check_parity("glove-l2", m, v.queries.data, 300, dim);
    check_parity_filtered("glove-l2", m, v.queries.data, 100, dim);
    mem_sections_free(m);
    vecset_clear(&v);
}
END_TEST

/* Cosine on rescaled rows and queries, so the normalisation on both sides is exercised. */
START_TEST(test_parity_glove_cosine)
{
    VecSet v;
    ck_assert_msg(vecset_load(&v, "glove", 2000) == 0, "glove data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    size_t n = v.base.rows;
    float *rows = malloc(sizeof(float) * n * dim), *qs = malloc(sizeof(float) * 300 * dim);
    for (size_t i = 0; i < n * dim; i++)
        rows[i] = v.base.data[i] * (float)(1 + (i / dim) % 7);
    for (size_t i = 0; i < 300 * dim; i++)
        qs[i] = v.queries.data[i] * 3.5f;
    MemSections *m = build_saved(rows, n, dim, VAJRA_METRIC_COSINE);
    check_parity("glove-cosine", m, qs, 300, dim);
    check_parity_filtered("glove-cosine", m, qs, 60, dim);
    mem_sections_free(m);
    free(rows);
    free(qs);
    vecset_clear(&v);
}
END_TEST

static Suite *parity_suite(void)
{
    Suite *s = suite_create("vector-parity");
    TCase *tc = tcase_create("parity");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_parity_wordnet_ip);
    tcase_add_test(tc, test_parity_glove_l2);
    tcase_add_test(tc, test_parity_glove_cosine);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parity_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
