/* The one-call search path (VajraSearcher) against its reference, and its allocation count.
 *
 * Hybrid by composition (fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩, vajra_collection_hybrid_retriever)
 * is the reference: it allocates its intermediate pair on every application. The searcher does
 * the same work into buffers it keeps, so once warm (every query seen once) a search must not
 * allocate at all — lexical, vector or hybrid, any fusion — and must return exactly what the
 * composed form returns (same documents, same order, bit-identical scores).
 *
 * Allocations are counted by interposing malloc, calloc, realloc, posix_memalign and
 * aligned_alloc in this executable (the shared libraries and plugins resolve them here first);
 * they forward to glibc's __libc_* entry points. Under ASan/TSan, which own the allocator, and
 * under valgrind, which redirects every malloc to its own, the count is not possible and that
 * test is skipped (the equality test still runs).
 */
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"

#include "test_cranfield.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COUNT_ALLOCATIONS
#define COUNT_ALLOCATIONS 1
#endif

#if COUNT_ALLOCATIONS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_size_t allocations;

/* The project builds with -fvisibility=hidden: these must be visible to be interposed. */
#define INTERPOSE __attribute__((visibility("default")))

INTERPOSE void *malloc(size_t n)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

INTERPOSE void *calloc(size_t n, size_t size)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_calloc(n, size);
}

INTERPOSE void *realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}

INTERPOSE int posix_memalign(void **out, size_t align, size_t n)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

INTERPOSE void *aligned_alloc(size_t align, size_t n)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_memalign(align, n);
}
#endif

static VajraRegistry *reg;
static TestCranfield cran;
static VajraCollection *coll;
#define queries (cran.queries)
#define query_vecs (cran.query_vecs)

/* Cranfield (1,400 abstracts, 225 queries, LSA-128 vectors), fast profile, in three segments
 * (three commits), so the searcher's multi-segment merge and collection-wide statistics are on
 * the path being counted. */
static void setup(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    test_cranfield_load(&cran);

    VajraCollectionOptions o = {.struct_size = sizeof o};
    o.dim = (uint32_t)cran.doc_vecs.dim;
    o.metric = VAJRA_METRIC_IP;
    o.profile = "fast";
    o.threads = 1;
    ck_assert_msg(vajra_collection_create(reg, &o, &coll, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(cran.corpus);
    size_t step = (all.count + 2) / 3;
    for (size_t s = 0; s < all.count; s += step) {
        VajraDocBatch b = {all.docs + s, all.count - s < step ? all.count - s : step};
        ck_assert_msg(vajra_collection_add(coll, &b, &err) == VAJRA_OK, "%s", err.message);
        ck_assert_int_eq(vajra_collection_commit(coll, &err), VAJRA_OK);
    }
}

static void teardown(void)
{
    vajra_collection_free(coll);
    test_cranfield_free(&cran);
    vajra_registry_free(reg);
}

static VajraSearchRequest request(size_t i, uint32_t mode, uint32_t fusion, uint32_t depth)
{
    VajraSearchRequest r = {.struct_size = sizeof r};
    r.mode = mode;
    r.text = vajra_docset_doc(queries, i)->text;
    r.vector = query_vecs.data + i * query_vecs.dim;
    r.dim = (uint32_t)query_vecs.dim;
    r.k = 10;
    r.depth = depth;
    r.fusion = fusion;
    return r;
}

static const struct {
    uint32_t mode, fusion, depth;
    const char *name;
} cases[] = {
    {VAJRA_MODE_LEXICAL, VAJRA_FUSE_RRF, 0, "lexical"},
    {VAJRA_MODE_VECTOR, VAJRA_FUSE_RRF, 0, "vector"},
    {VAJRA_MODE_HYBRID, VAJRA_FUSE_RRF, 10, "hybrid rrf depth 10"},
    {VAJRA_MODE_HYBRID, VAJRA_FUSE_RRF, 0, "hybrid rrf default depth"},
    {VAJRA_MODE_HYBRID, VAJRA_FUSE_ZSCORE, 40, "hybrid z-score depth 40"},
    {VAJRA_MODE_HYBRID, VAJRA_FUSE_MINMAX, 40, "hybrid min-max depth 40"},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* The searcher's hybrid equals fuse ∘ ⟨lexical, vector⟩ applied by composition, bit for bit. */
START_TEST(searcher_hybrid_equals_composition)
{
    VajraError err = {0};
    VajraSearcher *s = NULL;
    ck_assert_int_eq(vajra_searcher_new(coll, &s, &err), VAJRA_OK);
    for (size_t c = 2; c < N_CASES; c++) {
        VajraMorphism *fuse = NULL, *hyb = NULL;
        if (cases[c].fusion == VAJRA_FUSE_RRF)
            ck_assert_int_eq(vajra_fusion_rrf(60, 10, &fuse, &err), VAJRA_OK);
        else
            ck_assert_int_eq(vajra_fusion_convex(cases[c].fusion == VAJRA_FUSE_ZSCORE
                                                     ? VAJRA_NORM_ZSCORE
                                                     : VAJRA_NORM_MINMAX,
                                                 0.5, 0.5, 10, &fuse, &err),
                             VAJRA_OK);
        ck_assert_int_eq(vajra_collection_hybrid_retriever(coll, fuse, 0, &hyb, &err), VAJRA_OK);
        VajraProduct *hq = NULL;
        ck_assert_int_eq(vajra_value_new(vajra_type_hybrid_query(), (void **)&hq, &err),
                         VAJRA_OK);
        VajraHits want = {0};
        VajraResults got = {0};
        uint32_t depth = cases[c].depth ? cases[c].depth : VAJRA_HYBRID_DEPTH_DEFAULT;
        size_t differing_from_lexical = 0;
        for (size_t i = 0; i < vajra_docset_count(queries); i++) {
            VajraSearchRequest r = request(i, cases[c].mode, cases[c].fusion, cases[c].depth);
            *(VajraTextQuery *)hq->first = (VajraTextQuery){r.text, depth};
            *(VajraVectorQuery *)hq->second = (VajraVectorQuery){r.vector, r.dim, depth};
            ck_assert_int_eq(vajra_morphism_apply(hyb, hq, &want, &err), VAJRA_OK);
            ck_assert_msg(vajra_searcher_search(s, &r, &got, &err) == VAJRA_OK, "%s",
                          err.message);
            ck_assert_uint_eq(got.count, want.count);
            for (size_t h = 0; h < got.count; h++) {
                ck_assert_msg(got.items[h].doc == want.items[h].doc &&
                                  memcmp(&got.items[h].score, &want.items[h].score,
                                         sizeof(float)) == 0,
                              "%s, query %zu, rank %zu: searcher doc %u score %.9g, composed "
                              "doc %u score %.9g",
                              cases[c].name, i, h, got.items[h].doc, (double)got.items[h].score,
                              want.items[h].doc, (double)want.items[h].score);
            }
            VajraSearchRequest lr = request(i, VAJRA_MODE_LEXICAL, 0, 0);
            VajraResults lex = {0};
            ck_assert_int_eq(vajra_searcher_search(s, &lr, &lex, &err), VAJRA_OK);
            differing_from_lexical += lex.count != got.count ||
                                      (got.count > 0 && lex.items[0].doc != got.items[0].doc);
            vajra_results_clear(&lex);
        }
        /* The fusion did work: the fused top differs from the lexical one on many queries. */
        ck_assert_uint_gt(differing_from_lexical, 20);
        vajra_results_clear(&got);
        vajra_hits_clear(&want);
        vajra_value_free(vajra_type_hybrid_query(), hq);
        vajra_morphism_unref(hyb);
        vajra_morphism_unref(fuse);
    }
    vajra_searcher_free(s);
}
END_TEST

#if COUNT_ALLOCATIONS
/* valgrind's memcheck preloads vgpreload_memcheck and redirects malloc & co. to itself. */
static int under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload != NULL && strstr(preload, "vgpreload") != NULL;
}
#endif

/* Once warm, a search allocates nothing (the 0.1 ms hybrid budget has no room for malloc). */
START_TEST(warm_searcher_does_not_allocate)
{
#if !COUNT_ALLOCATIONS
    fprintf(stderr, "SKIP warm_searcher_does_not_allocate: the sanitizer owns the allocator\n");
    return;
#else
    if (under_valgrind()) {
        fprintf(stderr, "SKIP warm_searcher_does_not_allocate: valgrind owns the allocator\n");
        return;
    }
    VajraError err = {0};
    VajraSearcher *s = NULL;
    VajraResults res = {0};
    ck_assert_int_eq(vajra_searcher_new(coll, &s, &err), VAJRA_OK);
    size_t nq = vajra_docset_count(queries);
    for (size_t c = 0; c < N_CASES; c++) /* warm: every query in every case once */
        for (size_t i = 0; i < nq; i++) {
            VajraSearchRequest r = request(i, cases[c].mode, cases[c].fusion, cases[c].depth);
            ck_assert_int_eq(vajra_searcher_search(s, &r, &res, &err), VAJRA_OK);
        }
    /* The counter itself must see allocations, or a zero below would prove nothing. */
    size_t before = atomic_load(&allocations);
    GString *probe = g_string_new("probe"); /* an allocation made inside a shared library */
    g_string_free(probe, TRUE);
    ck_assert_uint_gt(atomic_load(&allocations), before);

    for (size_t c = 0; c < N_CASES; c++) {
        before = atomic_load(&allocations);
        size_t failed = 0, empty = 0; /* no ck_assert in here: Check allocates per assertion */
        for (size_t i = 0; i < nq; i++) {
            VajraSearchRequest r = request(i, cases[c].mode, cases[c].fusion, cases[c].depth);
            failed += vajra_searcher_search(s, &r, &res, &err) != VAJRA_OK;
            empty += res.count == 0;
        }
        size_t made = atomic_load(&allocations) - before;
        ck_assert_msg(failed == 0, "%s: %zu searches failed (%s)", cases[c].name, failed,
                      err.message);
        ck_assert_uint_lt(empty, nq / 10);
        ck_assert_msg(made == 0, "%s: %zu allocations over %zu warm searches", cases[c].name, made,
                      nq);
    }
    vajra_results_clear(&res);
    vajra_searcher_free(s);
#endif
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("search-alloc");
    TCase *tc = tcase_create("cranfield");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, searcher_hybrid_equals_composition);
    tcase_add_test(tc, warm_searcher_does_not_allocate);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
