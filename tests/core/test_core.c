/* The typed core: status codes, values, the category laws of composition, unfold. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/vajra.h"

/* ---- real morphisms used by the law tests ---- */

/* A real retriever over a tiny fixed corpus: scores each document by how many query bytes it
 * contains (a substring count), keeps the k best. Deterministic and non-trivial. */
static const char *const corpus[] = {"apple banana", "banana", "cherry apple apple", "date", ""};
enum { CORPUS_N = 5 };

static vajra_status substring_retriever(void *self, const void *in, void *out, VajraError *err)
{
    (void)self;
    const VajraTextQuery *q = in;
    VajraHits *hits = out;
    hits->count = 0;
    for (uint32_t d = 0; d < CORPUS_N; d++) {
        float score = 0;
        for (const char *p = corpus[d]; q->text[0] && (p = strstr(p, q->text)) != NULL; p++)
            score += 1;
        if (score > 0 && vajra_hits_push(hits, d, score, err) != VAJRA_OK)
            return err->code;
    }
    vajra_hits_sort(hits);
    if (hits->count > q->k)
        hits->count = q->k;
    return VAJRA_OK;
}

/* A real hits → hits arrow: reverses each score's sign order by doubling then re-sorting. */
static vajra_status double_scores(void *self, const void *in, void *out, VajraError *err)
{
    (void)self;
    vajra_status st = vajra_value_copy(vajra_type_hits(), in, out, err);
    VajraHits *h = out;
    for (size_t i = 0; st == VAJRA_OK && i < h->count; i++)
        h->items[i].score *= 2;
    return st;
}

static VajraMorphism *retriever(void)
{
    VajraMorphism *m = NULL;
    VajraError e = {0};
    ck_assert_int_eq(vajra_morphism_new("substr", vajra_type_text_query(), vajra_type_hits(),
                                        substring_retriever, NULL, NULL, &m, &e),
                     VAJRA_OK);
    return m;
}

static VajraMorphism *doubler(void)
{
    VajraMorphism *m = NULL;
    ck_assert_int_eq(vajra_morphism_new("double", vajra_type_hits(), vajra_type_hits(),
                                        double_scores, NULL, NULL, &m, NULL),
                     VAJRA_OK);
    return m;
}

static void assert_same_hits(const VajraHits *a, const VajraHits *b)
{
    ck_assert_uint_eq(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        ck_assert_uint_eq(a->items[i].doc, b->items[i].doc);
        ck_assert_float_eq(a->items[i].score, b->items[i].score);
    }
}

static void run(const VajraMorphism *m, const char *text, uint32_t k, VajraHits *out)
{
    VajraTextQuery q = {text, k};
    VajraError e = {0};
    ck_assert_msg(vajra_morphism_apply(m, &q, out, &e) == VAJRA_OK, "%s", e.message);
}

START_TEST(test_strerror_and_error_set)
{
    ck_assert_str_eq(vajra_strerror(VAJRA_OK), "VAJRA_OK");
    ck_assert_str_eq(vajra_strerror(VAJRA_ERR_CORRUPT), "VAJRA_ERR_CORRUPT");
    ck_assert_str_eq(vajra_strerror((vajra_status)-999), "VAJRA_ERR_UNKNOWN");
    /* Pinned values: these numbers are part of the ABI. */
    ck_assert_int_eq(VAJRA_ERR_INVALID_ARGUMENT, -1);
    ck_assert_int_eq(VAJRA_ERR_TYPE_MISMATCH, -3);
    ck_assert_int_eq(VAJRA_ERR_ABI_MISMATCH, -7);
    ck_assert_int_eq(VAJRA_ERR_INTERNAL, -18);
    ck_assert_int_eq(VAJRA_ERR_BUSY, -19);
    VajraError e = {0};
    ck_assert_int_eq(vajra_error_set(&e, VAJRA_ERR_IO, "cannot open %s", "x.vjr"), VAJRA_ERR_IO);
    ck_assert_str_eq(e.message, "cannot open x.vjr");
    vajra_error_prefix(&e, "loading %d", 7);
    ck_assert_str_eq(e.message, "loading 7: cannot open x.vjr");
    ck_assert_int_eq(e.code, VAJRA_ERR_IO);
    char longtext[600];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    vajra_error_set(&e, VAJRA_ERR_IO, "%s", longtext);
    ck_assert_uint_eq(strlen(e.message), VAJRA_ERROR_MESSAGE_SIZE - 1);
    vajra_error_prefix(&e, "%s", longtext);
    ck_assert_uint_eq(strlen(e.message), VAJRA_ERROR_MESSAGE_SIZE - 1);
    ck_assert_int_eq(vajra_error_set(NULL, VAJRA_ERR_IO, "ignored"), VAJRA_ERR_IO);
    vajra_error_clear(&e);
    ck_assert_int_eq(e.code, VAJRA_OK);
}
END_TEST

START_TEST(test_hits_order_and_growth)
{
    VajraHits h = {0};
    VajraError e = {0};
    for (uint32_t i = 0; i < 1000; i++)
        ck_assert_int_eq(vajra_hits_push(&h, 999 - i, (float)(i % 7), &e), VAJRA_OK);
    vajra_hits_sort(&h);
    for (size_t i = 1; i < h.count; i++) {
        ck_assert(h.items[i - 1].score >= h.items[i].score);
        if (h.items[i - 1].score == h.items[i].score)
            ck_assert_uint_lt(h.items[i - 1].doc, h.items[i].doc);
    }
    vajra_hits_clear(&h);
    ck_assert_uint_eq(h.count, 0);
}
END_TEST

START_TEST(test_products_are_interned)
{
    const VajraType *a = NULL, *b = NULL;
    ck_assert_int_eq(vajra_type_product(vajra_type_text_query(), vajra_type_vector_query(), &a, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_type_product(vajra_type_text_query(), vajra_type_vector_query(), &b, NULL), VAJRA_OK);
    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_eq(a, vajra_type_hybrid_query());
    ck_assert_ptr_eq(vajra_type_factor(a, 0), vajra_type_text_query());
    ck_assert_ptr_eq(vajra_type_factor(a, 1), vajra_type_vector_query());
    ck_assert_ptr_null(vajra_type_factor(vajra_type_hits(), 0));
    ck_assert_str_eq(vajra_type_name(vajra_type_hits_pair()), "(hits × hits)");
    VajraError e = {0};
    ck_assert_int_eq(vajra_type_product(NULL, a, &b, &e), VAJRA_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_identity_laws)
{
    VajraMorphism *f = retriever(), *id_q = NULL, *id_h = NULL, *l = NULL, *r = NULL;
    ck_assert_int_eq(vajra_identity(vajra_type_text_query(), &id_q, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_identity(vajra_type_hits(), &id_h, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(id_q, f, &l, NULL), VAJRA_OK); /* f ∘ id */
    ck_assert_int_eq(vajra_compose(f, id_h, &r, NULL), VAJRA_OK); /* id ∘ f */
    const char *queries[] = {"apple", "an", "a", "zzz", "", "e"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        VajraHits hf = {0}, hl = {0}, hr = {0};
        run(f, queries[i], 3, &hf);
        run(l, queries[i], 3, &hl);
        run(r, queries[i], 3, &hr);
        assert_same_hits(&hf, &hl);
        assert_same_hits(&hf, &hr);
        vajra_hits_clear(&hf);
        vajra_hits_clear(&hl);
        vajra_hits_clear(&hr);
    }
    /* The retriever is real: "apple" finds docs 2 (twice) then 0. */
    VajraHits h = {0};
    run(l, "apple", 10, &h);
    ck_assert_uint_eq(h.count, 2);
    ck_assert_uint_eq(h.items[0].doc, 2);
    ck_assert_float_eq(h.items[0].score, 2.0f);
    ck_assert_uint_eq(h.items[1].doc, 0);
    vajra_hits_clear(&h);
    vajra_morphism_unref(f);
    vajra_morphism_unref(id_q);
    vajra_morphism_unref(id_h);
    vajra_morphism_unref(l);
    vajra_morphism_unref(r);
}
END_TEST

START_TEST(test_associativity)
{
    VajraMorphism *f = retriever(), *g = doubler(), *h = NULL;
    ck_assert_int_eq(vajra_top_k(2, &h, NULL), VAJRA_OK);
    VajraMorphism *gf = NULL, *hg = NULL, *left = NULL, *right = NULL;
    ck_assert_int_eq(vajra_compose(f, g, &gf, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(g, h, &hg, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(gf, h, &left, NULL), VAJRA_OK);  /* h ∘ (g ∘ f) */
    ck_assert_int_eq(vajra_compose(f, hg, &right, NULL), VAJRA_OK); /* (h ∘ g) ∘ f */
    ck_assert_ptr_eq(vajra_morphism_dom(left), vajra_morphism_dom(right));
    ck_assert_ptr_eq(vajra_morphism_cod(left), vajra_morphism_cod(right));
    const char *queries[] = {"a", "an", "apple", "p", "zz"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        VajraHits a = {0}, b = {0};
        run(left, queries[i], 5, &a);
        run(right, queries[i], 5, &b);
        assert_same_hits(&a, &b);
        ck_assert_uint_le(a.count, 2);
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
    }
    VajraHits a = {0};
    run(left, "a", 5, &a);
    ck_assert_uint_eq(a.count, 2);
    ck_assert_uint_eq(a.items[0].doc, 0);
    ck_assert_float_eq(a.items[0].score, 8.0f); /* "apple banana" has four a's, doubled */
    vajra_hits_clear(&a);
    /* Parts stay alive through the composite even after the caller drops them. */
    vajra_morphism_unref(f);
    vajra_morphism_unref(g);
    vajra_morphism_unref(h);
    vajra_morphism_unref(gf);
    vajra_morphism_unref(hg);
    run(right, "apple", 5, &a);
    ck_assert_uint_eq(a.count, 2);
    vajra_hits_clear(&a);
    vajra_morphism_unref(left);
    vajra_morphism_unref(right);
}
END_TEST

START_TEST(test_type_refusal_names_both_types)
{
    VajraMorphism *f = retriever(), *bad = NULL;
    VajraError e = {0};
    /* f : text_query → hits; f ∘ f needs hits == text_query. */
    ck_assert_int_eq(vajra_compose(f, f, &bad, &e), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_null(bad);
    ck_assert_ptr_nonnull(strstr(e.message, "hits"));
    ck_assert_ptr_nonnull(strstr(e.message, "text_query"));
    VajraMorphism *p0 = NULL;
    ck_assert_int_eq(vajra_projection(vajra_type_hits(), 0, &p0, &e), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_int_eq(vajra_projection(vajra_type_hybrid_query(), 2, &p0, &e), VAJRA_ERR_INVALID_ARGUMENT);
    VajraMorphism *g = doubler();
    ck_assert_int_eq(vajra_pair(f, g, &bad, &e), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(e.message, "domains"));
    vajra_morphism_unref(f);
    vajra_morphism_unref(g);
}
END_TEST

START_TEST(test_pairing_and_projections)
{
    /* ⟨f ∘ π0, f ∘ π0⟩ over the hybrid query, then π1 of the pair equals f on the text part:
     * π_i ∘ ⟨a, b⟩ = a or b, the universal property of the product. */
    VajraMorphism *f = retriever(), *p0 = NULL, *fp0 = NULL, *g = doubler(), *gfp0 = NULL;
    ck_assert_int_eq(vajra_projection(vajra_type_hybrid_query(), 0, &p0, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(p0, f, &fp0, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(fp0, g, &gfp0, NULL), VAJRA_OK);
    VajraMorphism *pair = NULL, *pi0 = NULL, *pi1 = NULL, *left = NULL, *right = NULL;
    ck_assert_int_eq(vajra_pair(fp0, gfp0, &pair, NULL), VAJRA_OK);
    ck_assert_ptr_eq(vajra_morphism_cod(pair), vajra_type_hits_pair());
    ck_assert_int_eq(vajra_projection(vajra_type_hits_pair(), 0, &pi0, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_projection(vajra_type_hits_pair(), 1, &pi1, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(pair, pi0, &left, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(pair, pi1, &right, NULL), VAJRA_OK);

    float vec[2] = {1, 0};
    VajraTextQuery tq = {"apple", 10};
    VajraVectorQuery vq = {vec, 2, 10};
    VajraProduct hq = {&tq, &vq};
    VajraHits a = {0}, b = {0}, c = {0}, d = {0};
    ck_assert_int_eq(vajra_morphism_apply(left, &hq, &a, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_apply(fp0, &hq, &b, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_apply(right, &hq, &c, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_apply(gfp0, &hq, &d, NULL), VAJRA_OK);
    assert_same_hits(&a, &b);
    assert_same_hits(&c, &d);
    ck_assert_uint_eq(a.count, 2);
    ck_assert_float_eq(c.items[0].score, 2 * a.items[0].score);

    /* Product map (g × g) after the pair equals pairing the composites. */
    VajraMorphism *gg = NULL, *mapped = NULL;
    ck_assert_int_eq(vajra_product_map(g, g, &gg, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(pair, gg, &mapped, NULL), VAJRA_OK);
    void *out = NULL;
    ck_assert_int_eq(vajra_value_new(vajra_type_hits_pair(), &out, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_apply(mapped, &hq, out, NULL), VAJRA_OK);
    VajraHits *first = ((VajraProduct *)out)->first;
    assert_same_hits(first, &c);
    vajra_value_free(vajra_type_hits_pair(), out);

    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&c);
    vajra_hits_clear(&d);
    VajraMorphism *all[] = {f, p0, fp0, g, gfp0, pair, pi0, pi1, left, right, gg, mapped};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        vajra_morphism_unref(all[i]);
}
END_TEST

START_TEST(test_morphism_new_rejects_null_and_frees_self)
{
    VajraMorphism *m = NULL;
    VajraError e = {0};
    char *self = malloc(16); /* must be freed by destroy even though creation fails */
    ck_assert_int_eq(vajra_morphism_new(NULL, vajra_type_hits(), vajra_type_hits(),
                                        double_scores, self, free, &m, &e),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(vajra_morphism_apply(NULL, "", "", &e), VAJRA_ERR_INVALID_ARGUMENT);
}
END_TEST

/* ---- unfold: a real coalgebra (Collatz orbit) ---- */

typedef struct {
    uint64_t n;
    uint64_t emitted;
} Collatz;

static vajra_status collatz_step(void *state, VajraStep *next, VajraError *err)
{
    (void)err;
    Collatz *c = state;
    c->emitted++;
    if (c->n == 1) {
        *next = VAJRA_STEP_DONE;
        return VAJRA_OK;
    }
    c->n = (c->n % 2) ? 3 * c->n + 1 : c->n / 2;
    *next = VAJRA_STEP_MORE;
    return VAJRA_OK;
}

static vajra_status failing_step(void *state, VajraStep *next, VajraError *err)
{
    (void)state;
    (void)next;
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, "step failed");
}

START_TEST(test_unfold)
{
    Collatz c = {27, 0};
    uint64_t steps = 0;
    VajraError e = {0};
    ck_assert_int_eq(vajra_unfold(&c, collatz_step, 0, &steps, &e), VAJRA_OK);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_uint_eq(steps, 112); /* 27 reaches 1 after 111 moves; the final step says done */
    Collatz d = {27, 0};
    ck_assert_int_eq(vajra_unfold(&d, collatz_step, 50, &steps, &e), VAJRA_ERR_STEP_LIMIT);
    ck_assert_uint_eq(steps, 50);
    ck_assert_ptr_nonnull(strstr(e.message, "50"));
    ck_assert_int_eq(vajra_unfold(&d, failing_step, 0, &steps, &e), VAJRA_ERR_CORRUPT);
    ck_assert_uint_eq(steps, 1);
    ck_assert_int_eq(vajra_unfold(&d, NULL, 0, NULL, &e), VAJRA_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_cpu_describe)
{
    char buf[256];
    size_t n = vajra_cpu_features_describe(VAJRA_CPU_AVX2 | VAJRA_CPU_FMA, buf, sizeof buf);
    ck_assert_str_eq(buf, "avx2 fma");
    ck_assert_uint_eq(n, 8);
    char tiny[4];
    n = vajra_cpu_features_describe(VAJRA_CPU_AVX2 | VAJRA_CPU_FMA, tiny, sizeof tiny);
    ck_assert_uint_eq(n, 8);
    ck_assert_str_eq(tiny, "avx");
    ck_assert_uint_eq(vajra_cpu_features(), vajra_cpu_features());
}
END_TEST

/* vajra_filter_count counts bits below nbits only; vajra_filter_pass agrees with the bits. */
START_TEST(test_filter_count_and_pass)
{
    uint64_t w[3] = {UINT64_C(0x8000000000000001), ~UINT64_C(0), ~UINT64_C(0)};
    ck_assert_uint_eq(vajra_filter_count(NULL, 100), 0);
    ck_assert_uint_eq(vajra_filter_count(w, 0), 0);
    ck_assert_uint_eq(vajra_filter_count(w, 1), 1);
    ck_assert_uint_eq(vajra_filter_count(w, 63), 1);
    ck_assert_uint_eq(vajra_filter_count(w, 64), 2);
    ck_assert_uint_eq(vajra_filter_count(w, 70), 8);   /* garbage past nbits is not counted */
    ck_assert_uint_eq(vajra_filter_count(w, 192), 130); /* the whole last word, not past it */
    VajraDocFilter f = {.struct_size = sizeof f, .nbits = 70, .words = w};
    f.passing = vajra_filter_count(w, f.nbits);
    uint32_t seen = 0;
    for (uint32_t d = 0; d < 200; d++)
        seen += (uint32_t)vajra_filter_pass(&f, d);
    ck_assert_uint_eq(seen, f.passing);
    ck_assert(vajra_filter_pass(&f, 0) && !vajra_filter_pass(&f, 1) && vajra_filter_pass(&f, 63));
    ck_assert(!vajra_filter_pass(&f, 70) && !vajra_filter_pass(&f, 191));
    ck_assert(vajra_filter_pass(NULL, 12345));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *t = tcase_create("core");
    tcase_add_test(t, test_strerror_and_error_set);
    tcase_add_test(t, test_hits_order_and_growth);
    tcase_add_test(t, test_products_are_interned);
    tcase_add_test(t, test_identity_laws);
    tcase_add_test(t, test_associativity);
    tcase_add_test(t, test_type_refusal_names_both_types);
    tcase_add_test(t, test_pairing_and_projections);
    tcase_add_test(t, test_morphism_new_rejects_null_and_frees_self);
    tcase_add_test(t, test_unfold);
    tcase_add_test(t, test_cpu_describe);
    tcase_add_test(t, test_filter_count_and_pass);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
