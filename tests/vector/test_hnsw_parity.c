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
 * tie would fail this test (none does on this data; see docs/vector.md). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_index.h"
#include "vajra/cpu.h"
#include "vajra/registry.h"
#include "vector_fixture.h"

#ifndef VAJRA_KERNELS_BUILT
#error "VAJRA_KERNELS_BUILT must come from tests/vector/meson.build"
#endif

static const char *const isas[] = {"scalar", "avx2", "avx512"};

static int was_built(const char *isa)
{
    char list[] = VAJRA_KERNELS_BUILT;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, isa) == 0)
            return 1;
    return 0;
}

/* The kernel ops of one variant, or NULL when it cannot run here (announced on stderr). */
static const VajraKernelOps *variant_ops(const char *isa, VajraRegistry **reg)
{
    VajraRegistryOptions opts = {.struct_size = sizeof opts, .kernel = isa};
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(&opts, reg, &err), VAJRA_OK);
    const VajraKernelOps *ops = NULL;
    vajra_status st = vajra_registry_kernel(*reg, &ops, NULL, &err);
    if (st == VAJRA_ERR_CPU_UNSUPPORTED || (st == VAJRA_ERR_NOT_FOUND && !was_built(isa))) {
        fprintf(stderr, "SKIP kernel %s: %s\n", isa, err.message);
        return NULL;
    }
    ck_assert_msg(st == VAJRA_OK, "kernel %s: %s", isa, err.message);
    ck_assert_str_eq(ops->isa, isa);
    return ops;
}

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

static void check_parity(const char *label, MemSections *saved, const float *qs, size_t nq,
                         uint32_t dim)
{
    static const uint32_t efs[] = {10, 40, 100};
    for (size_t v = 0; v < sizeof isas / sizeof isas[0]; v++) {
        VajraRegistry *reg = NULL;
        const VajraKernelOps *ops = variant_ops(isas[v], &reg);
        if (ops == NULL) {
            vajra_registry_free(reg);
            continue;
        }
        int exact_scores = strcmp(isas[v], "scalar") == 0;
        VajraSectionReader r = mem_sections_reader(saved);
        VajraVectorIndex *x = NULL;
        VajraError err = {0};
        ck_assert_int_eq(hnsw_load(ops, &r, &x, &err), VAJRA_OK);
        VajraHnswGraph g;
        ck_assert_int_eq(hnsw_graph(x, &g, &err), VAJRA_OK);
        VajraVectorSearch *s = NULL;
        ck_assert_int_eq(hnsw_search_new(&s, &err), VAJRA_OK);
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
        hnsw_search_free(s);
        hnsw_index_free(x);
        vajra_registry_free(reg);
    }
}

START_TEST(test_parity_wordnet_ip)
{
    VecSet v;
    ck_assert_msg(vecset_load(&v, "wordnet", 3000) == 0, "wordnet data missing");
    uint32_t dim = (uint32_t)v.base.dim;
    MemSections *m = build_saved(v.base.data, v.base.rows, dim, VAJRA_METRIC_IP);
    check_parity("wordnet-ip", m, v.queries.data, 300, dim);
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
