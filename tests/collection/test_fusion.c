/* Fusion morphisms: hand-checked RRF and convex cases, their laws, and hybrid search built as
 * fuse ∘ ⟨f ∘ π₀, g ∘ π₁⟩ from two small real retrievers (term counting, exact dot product). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/fusion.h"
#include "vajra/morphism.h"
#include "vajra/types.h"

/* ---- helpers ---- */

static VajraHits make_hits(const uint32_t *docs, const float *scores, size_t n)
{
    VajraHits h = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(vajra_hits_push(&h, docs[i], scores ? scores[i] : (float)(n - i), NULL),
                         VAJRA_OK);
    return h;
}

static void assert_docs(const VajraHits *h, const uint32_t *want, size_t n)
{
    ck_assert_uint_eq(h->count, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(h->items[i].doc == want[i], "rank %zu: doc %u, want %u", i + 1,
                      h->items[i].doc, want[i]);
}

/* A deterministic pseudo-random ranked list of distinct docs from [0, universe). */
static VajraHits random_ranked(uint32_t seed, size_t n, uint32_t universe)
{
    VajraHits h = {0};
    uint32_t x = seed * 2654435761u + 1;
    char *used = calloc(universe, 1);
    while (h.count < n) {
        x = x * 1664525u + 1013904223u;
        uint32_t d = (x >> 8) % universe;
        if (used[d])
            continue;
        used[d] = 1;
        x = x * 1664525u + 1013904223u;
        ck_assert_int_eq(vajra_hits_push(&h, d, (float)((x >> 8) % 100000) / 1000.0f, NULL),
                         VAJRA_OK);
    }
    free(used);
    vajra_hits_sort(&h);
    return h;
}

/* ---- RRF ---- */

START_TEST(rrf_hand_checked)
{
    /* a = [1, 2, 3], b = [3, 1, 4]:  1: 1/61 + 1/62, 3: 1/63 + 1/61, 2: 1/62, 4: 1/63. */
    uint32_t da[] = {1, 2, 3}, db[] = {3, 1, 4};
    VajraHits a = make_hits(da, NULL, 3), b = make_hits(db, NULL, 3), out = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 60, 0, &out, NULL), VAJRA_OK);
    uint32_t want[] = {1, 3, 2, 4};
    assert_docs(&out, want, 4);
    double expect[] = {1.0 / 61 + 1.0 / 62, 1.0 / 61 + 1.0 / 63, 1.0 / 62, 1.0 / 63};
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(out.items[i].score, expect[i], 1e-7);

    /* k = 0: plain reciprocal ranks; limit cuts the list. */
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 0, 2, &out, NULL), VAJRA_OK);
    ck_assert_uint_eq(out.count, 2);
    ck_assert_uint_eq(out.items[0].doc, 1); /* 1 + 1/2 */
    ck_assert_double_eq_tol(out.items[0].score, 1.5, 1e-7);
    ck_assert_uint_eq(out.items[1].doc, 3); /* 1/3 + 1 */
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(rrf_ties_by_doc)
{
    uint32_t da[] = {9}, db[] = {4};
    VajraHits a = make_hits(da, NULL, 1), b = make_hits(db, NULL, 1), out = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 60, 0, &out, NULL), VAJRA_OK);
    uint32_t want[] = {4, 9};
    assert_docs(&out, want, 2);
    ck_assert(out.items[0].score == out.items[1].score);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(rrf_symmetric)
{
    for (uint32_t s = 1; s <= 50; s++) {
        VajraHits a = random_ranked(s, 1 + s % 40, 60), b = random_ranked(s + 1000, s % 37, 60);
        VajraHits ab = {0}, ba = {0};
        ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 60, 0, &ab, NULL), VAJRA_OK);
        ck_assert_int_eq(vajra_fuse_rrf(&b, &a, 60, 0, &ba, NULL), VAJRA_OK);
        ck_assert_uint_eq(ab.count, ba.count);
        ck_assert(memcmp(ab.items, ba.items, ab.count * sizeof(VajraHit)) == 0);
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
        vajra_hits_clear(&ab);
        vajra_hits_clear(&ba);
    }
}
END_TEST

START_TEST(rrf_one_side_keeps_its_order)
{
    VajraHits a = random_ranked(7, 30, 100), empty = {0}, out = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &empty, 60, 0, &out, NULL), VAJRA_OK);
    ck_assert_uint_eq(out.count, a.count);
    for (size_t i = 0; i < a.count; i++)
        ck_assert_uint_eq(out.items[i].doc, a.items[i].doc);
    ck_assert_int_eq(vajra_fuse_rrf(&empty, &empty, 60, 0, &out, NULL), VAJRA_OK);
    ck_assert_uint_eq(out.count, 0);
    vajra_hits_clear(&a);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(rrf_repeated_doc_keeps_best_rank)
{
    uint32_t da[] = {5, 6, 5};
    VajraHits a = make_hits(da, NULL, 3), b = {0}, out = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 60, 0, &out, NULL), VAJRA_OK);
    uint32_t want[] = {5, 6};
    assert_docs(&out, want, 2);
    ck_assert_double_eq_tol(out.items[0].score, 1.0 / 61, 1e-8);
    vajra_hits_clear(&a);
    vajra_hits_clear(&out);
}
END_TEST

/* ---- convex ---- */

START_TEST(convex_minmax_hand_checked)
{
    /* norm a: 1→1, 2→0.5, 3→0; norm b: 3→1, 4→0; absent → 0. */
    uint32_t da[] = {1, 2, 3}, db[] = {3, 4};
    float sa[] = {10, 5, 0}, sb[] = {2, 1};
    VajraHits a = make_hits(da, sa, 3), b = make_hits(db, sb, 2), out = {0};

    /* 0.7/0.3: 1: .7, 2: .35, 3: .3, 4: 0 */
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, 0.7, 0.3, 0, &out, NULL),
                     VAJRA_OK);
    uint32_t want1[] = {1, 2, 3, 4};
    assert_docs(&out, want1, 4);
    float e1[] = {0.7f, 0.35f, 0.3f, 0.0f};
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(out.items[i].score, e1[i], 1e-6);

    /* 0.5/0.5: 1: .5, 3: .5 (tie → smaller doc first), 2: .25, 4: 0 */
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, 0.5, 0.5, 0, &out, NULL),
                     VAJRA_OK);
    uint32_t want2[] = {1, 3, 2, 4};
    assert_docs(&out, want2, 4);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(convex_zscore_hand_checked)
{
    /* a: scores 3, 1 → mean 2, sd 1 → z 1, −1 (floor −1).
     * b: 10, 4, 4 → mean 6, sd √8 → z √2, −1/√2, −1/√2 (floor −1/√2).
     * sums: 1: 1 − 1/√2 = .2929, 2: −1 + √2 = .4142, 3 and 4: −1 − 1/√2. */
    uint32_t da[] = {1, 2}, db[] = {2, 3, 4};
    float sa[] = {3, 1}, sb[] = {10, 4, 4};
    VajraHits a = make_hits(da, sa, 2), b = make_hits(db, sb, 3), out = {0};
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_ZSCORE, 1, 1, 0, &out, NULL), VAJRA_OK);
    uint32_t want[] = {2, 1, 3, 4};
    assert_docs(&out, want, 4);
    double r2 = sqrt(2.0);
    double e[] = {-1 + r2, 1 - 1 / r2, -1 - 1 / r2, -1 - 1 / r2};
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(out.items[i].score, e[i], 1e-6);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(convex_constant_scores_no_nan)
{
    uint32_t da[] = {1, 2, 3}, db[] = {7};
    float sa[] = {2, 2, 2}, sb[] = {0.25f};
    VajraHits a = make_hits(da, sa, 3), b = make_hits(db, sb, 1), out = {0};
    for (int n = 0; n < 2; n++) {
        VajraNormalization norm = n ? VAJRA_NORM_ZSCORE : VAJRA_NORM_MINMAX;
        ck_assert_int_eq(vajra_fuse_convex(&a, &b, norm, 0.5, 0.5, 0, &out, NULL), VAJRA_OK);
        ck_assert_uint_eq(out.count, 4);
        for (size_t i = 0; i < out.count; i++)
            ck_assert(isfinite(out.items[i].score));
        /* Every document sits at both sides' level (1 under min-max, 0 under z-score) on one side
         * and at the other side's floor: all four tie, so the order is by document. */
        uint32_t want[] = {1, 2, 3, 7};
        if (norm == VAJRA_NORM_MINMAX) {
            /* min-max: a's docs .5·1 + 0, 7: 0 + .5·1: still all equal. */
            assert_docs(&out, want, 4);
            ck_assert_double_eq_tol(out.items[0].score, 0.5, 1e-7);
        } else {
            assert_docs(&out, want, 4);
            ck_assert_double_eq_tol(out.items[0].score, 0.0, 1e-7);
        }
    }
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&out);
}
END_TEST

/* Weight (1, 0) gives exactly the first side's documents in its order; (0, 1) the second's. */
START_TEST(convex_weight_one_zero_reduces_to_a_side)
{
    for (uint32_t s = 1; s <= 40; s++) {
        VajraHits a = random_ranked(s, 5 + s % 30, 80), b = random_ranked(s + 77, 3 + s % 25, 80);
        VajraHits out = {0};
        for (int n = 0; n < 2; n++) {
            VajraNormalization norm = n ? VAJRA_NORM_ZSCORE : VAJRA_NORM_MINMAX;
            for (int side = 0; side < 2; side++) {
                const VajraHits *only = side ? &b : &a;
                ck_assert_int_eq(vajra_fuse_convex(&a, &b, norm, side ? 0 : 1, side ? 1 : 0, 0,
                                                   &out, NULL),
                                 VAJRA_OK);
                ck_assert_uint_eq(out.count, only->count);
                for (size_t i = 0; i < out.count; i++)
                    ck_assert_msg(out.items[i].doc == only->items[i].doc,
                                  "seed %u norm %d side %d rank %zu", s, n, side, i + 1);
            }
        }
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
        vajra_hits_clear(&out);
    }
}
END_TEST

START_TEST(convex_empty_sides)
{
    VajraHits a = random_ranked(3, 12, 50), empty = {0}, out = {0};
    ck_assert_int_eq(vajra_fuse_convex(&empty, &a, VAJRA_NORM_MINMAX, 0.5, 0.5, 0, &out, NULL),
                     VAJRA_OK);
    ck_assert_uint_eq(out.count, a.count);
    for (size_t i = 0; i < a.count; i++)
        ck_assert_uint_eq(out.items[i].doc, a.items[i].doc);
    ck_assert_int_eq(vajra_fuse_convex(&empty, &empty, VAJRA_NORM_ZSCORE, 0.5, 0.5, 0, &out, NULL),
                     VAJRA_OK);
    ck_assert_uint_eq(out.count, 0);
    vajra_hits_clear(&a);
    vajra_hits_clear(&out);
}
END_TEST

START_TEST(fusion_bad_arguments)
{
    VajraHits a = {0}, b = {0};
    VajraError err = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, -1, 0, &b, &err), VAJRA_ERR_INVALID_ARGUMENT);
    VajraHits out = {0};
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, -1, 0, &out, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, NAN, 0, &out, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, 0, 0, 0, &out, &err),
                     VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, NAN, 1, 0, &out, &err),
                     VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, -0.5, 1, 0, &out, &err),
                     VAJRA_ERR_BAD_VALUE);
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, (VajraNormalization)9, 1, 1, 0, &out, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    uint32_t d[] = {1};
    float s[] = {INFINITY};
    VajraHits bad = make_hits(d, s, 1);
    ck_assert_int_eq(vajra_fuse_convex(&bad, &b, VAJRA_NORM_MINMAX, 1, 1, 0, &out, &err),
                     VAJRA_ERR_BAD_VALUE);
    ck_assert_uint_eq(out.count, 0);
    VajraMorphism *m = NULL;
    ck_assert_int_eq(vajra_fusion_rrf(-3, 0, &m, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(vajra_fusion_convex(VAJRA_NORM_ZSCORE, 0, 0, 0, &m, &err),
                     VAJRA_ERR_BAD_VALUE);
    vajra_hits_clear(&bad);
    vajra_hits_clear(&out);
}
END_TEST

/* ---- fusion as a morphism, and hybrid by composition ---- */

START_TEST(fusion_morphism_types_and_apply)
{
    VajraMorphism *rrf = NULL, *cvx = NULL;
    ck_assert_int_eq(vajra_fusion_rrf(VAJRA_RRF_K_DEFAULT, 0, &rrf, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_fusion_convex(VAJRA_NORM_MINMAX, 0.7, 0.3, 0, &cvx, NULL), VAJRA_OK);
    ck_assert_ptr_eq(vajra_morphism_dom(rrf), vajra_type_hits_pair());
    ck_assert_ptr_eq(vajra_morphism_cod(rrf), vajra_type_hits());
    ck_assert_str_eq(vajra_morphism_name(rrf), "rrf(k=60)");
    ck_assert_str_eq(vajra_morphism_name(cvx), "convex(minmax,0.7,0.3)");

    VajraProduct *pair = NULL;
    ck_assert_int_eq(vajra_value_new(vajra_type_hits_pair(), (void **)&pair, NULL), VAJRA_OK);
    VajraHits a = random_ranked(11, 20, 40), b = random_ranked(12, 20, 40);
    ck_assert_int_eq(vajra_value_copy(vajra_type_hits(), &a, pair->first, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_value_copy(vajra_type_hits(), &b, pair->second, NULL), VAJRA_OK);
    VajraHits via_m = {0}, direct = {0};
    ck_assert_int_eq(vajra_morphism_apply(rrf, pair, &via_m, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_fuse_rrf(&a, &b, 60, 0, &direct, NULL), VAJRA_OK);
    ck_assert_uint_eq(via_m.count, direct.count);
    ck_assert(memcmp(via_m.items, direct.items, direct.count * sizeof(VajraHit)) == 0);
    ck_assert_int_eq(vajra_morphism_apply(cvx, pair, &via_m, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_fuse_convex(&a, &b, VAJRA_NORM_MINMAX, 0.7, 0.3, 0, &direct, NULL),
                     VAJRA_OK);
    ck_assert(memcmp(via_m.items, direct.items, direct.count * sizeof(VajraHit)) == 0);

    vajra_value_free(vajra_type_hits_pair(), pair);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&via_m);
    vajra_hits_clear(&direct);
    vajra_morphism_unref(rrf);
    vajra_morphism_unref(cvx);
}
END_TEST

/* A tiny collection, searched by two real (if simple) retrievers. */
static const char *const docs_text[] = {
    "the cat sat on the mat",
    "dogs chase the cat",
    "a bird in the sky",
    "the cat and the dog",
};
static const float docs_vec[][2] = {{1, 0}, {0.8f, 0.6f}, {0, 1}, {0.6f, 0.8f}};
enum { NDOCS = 4 };

/* text_query → hits: score = number of query-word occurrences among the document's words. */
static vajra_status count_terms(void *self, const void *in, void *out, VajraError *err)
{
    (void)self;
    const VajraTextQuery *q = in;
    VajraHits *hits = out;
    hits->count = 0;
    for (uint32_t d = 0; d < NDOCS; d++) {
        int score = 0;
        char qbuf[128], dbuf[128];
        snprintf(qbuf, sizeof qbuf, "%s", q->text);
        char *qs = NULL;
        for (char *qt = strtok_r(qbuf, " ", &qs); qt; qt = strtok_r(NULL, " ", &qs)) {
            snprintf(dbuf, sizeof dbuf, "%s", docs_text[d]);
            char *ds = NULL;
            for (char *dt = strtok_r(dbuf, " ", &ds); dt; dt = strtok_r(NULL, " ", &ds))
                score += strcmp(qt, dt) == 0;
        }
        if (score > 0) {
            vajra_status st = vajra_hits_push(hits, d, (float)score, err);
            if (st != VAJRA_OK)
                return st;
        }
    }
    vajra_hits_sort(hits);
    if (hits->count > q->k)
        hits->count = q->k;
    return VAJRA_OK;
}

/* vector_query → hits: exact inner product over every document. */
static vajra_status exact_dot(void *self, const void *in, void *out, VajraError *err)
{
    (void)self;
    const VajraVectorQuery *q = in;
    VajraHits *hits = out;
    hits->count = 0;
    if (q->dim != 2)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION, "want dim 2, got %u", q->dim);
    for (uint32_t d = 0; d < NDOCS; d++) {
        vajra_status st = vajra_hits_push(
            hits, d, docs_vec[d][0] * q->values[0] + docs_vec[d][1] * q->values[1], err);
        if (st != VAJRA_OK)
            return st;
    }
    vajra_hits_sort(hits);
    if (hits->count > q->k)
        hits->count = q->k;
    return VAJRA_OK;
}

START_TEST(hybrid_is_fuse_after_pair_of_projections)
{
    VajraError err = {0};
    VajraMorphism *lex = NULL, *vec = NULL, *p0 = NULL, *p1 = NULL, *lex0 = NULL, *vec1 = NULL,
                  *both = NULL, *fuse = NULL, *hybrid = NULL, *bad = NULL;
    const VajraType *hq = vajra_type_hybrid_query();
    ck_assert_int_eq(vajra_morphism_new("count_terms", vajra_type_text_query(), vajra_type_hits(),
                                        count_terms, NULL, NULL, &lex, &err),
                     VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_new("exact_dot", vajra_type_vector_query(), vajra_type_hits(),
                                        exact_dot, NULL, NULL, &vec, &err),
                     VAJRA_OK);
    ck_assert_int_eq(vajra_projection(hq, 0, &p0, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_projection(hq, 1, &p1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(p0, lex, &lex0, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(p1, vec, &vec1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_pair(lex0, vec1, &both, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_fusion_rrf(60, 0, &fuse, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_compose(both, fuse, &hybrid, &err), VAJRA_OK);

    /* Types: hybrid : text_query × vector_query → hits, through hits × hits. */
    ck_assert_ptr_eq(vajra_morphism_dom(hybrid), hq);
    ck_assert_ptr_eq(vajra_morphism_cod(hybrid), vajra_type_hits());
    ck_assert_ptr_eq(vajra_morphism_cod(both), vajra_type_hits_pair());

    /* Mistyped compositions are refused. */
    ck_assert_int_eq(vajra_compose(lex, vec, &bad, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_null(bad);
    ck_assert_int_eq(vajra_compose(p1, lex, &bad, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err.message, "text_query"));
    ck_assert_ptr_nonnull(strstr(err.message, "vector_query"));
    ck_assert_int_eq(vajra_compose(lex0, fuse, &bad, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_int_eq(vajra_pair(lex0, vec, &bad, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_null(bad);

    /* Apply: "cat dog" finds 3 (2 words), 0 and 1 (1 word each; tie by doc); (0, 1) k=3 finds
     * 2 (1.0), 3 (0.8), 1 (0.6). RRF: 3: 1/61+1/62, 1: 2/63, 2: 1/61, 0: 1/62. */
    VajraProduct *q = NULL;
    ck_assert_int_eq(vajra_value_new(hq, (void **)&q, &err), VAJRA_OK);
    float qv[2] = {0, 1};
    *(VajraTextQuery *)q->first = (VajraTextQuery){"cat dog", 10};
    *(VajraVectorQuery *)q->second = (VajraVectorQuery){qv, 2, 3};
    VajraHits got = {0};
    ck_assert_int_eq(vajra_morphism_apply(hybrid, q, &got, &err), VAJRA_OK);
    uint32_t want[] = {3, 1, 2, 0};
    assert_docs(&got, want, 4);
    ck_assert_double_eq_tol(got.items[0].score, 1.0 / 61 + 1.0 / 62, 1e-7);
    ck_assert_double_eq_tol(got.items[1].score, 2.0 / 63, 1e-7);

    /* The same as applying each side by hand and fusing. */
    VajraHits hl = {0}, hv = {0}, fused = {0};
    ck_assert_int_eq(vajra_morphism_apply(lex, q->first, &hl, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_morphism_apply(vec, q->second, &hv, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_fuse_rrf(&hl, &hv, 60, 0, &fused, &err), VAJRA_OK);
    ck_assert_uint_eq(fused.count, got.count);
    ck_assert(memcmp(fused.items, got.items, got.count * sizeof(VajraHit)) == 0);

    /* An error inside one side surfaces through the composite. */
    ((VajraVectorQuery *)q->second)->dim = 3;
    ck_assert_int_eq(vajra_morphism_apply(hybrid, q, &got, &err), VAJRA_ERR_DIMENSION);

    vajra_value_free(hq, q);
    vajra_hits_clear(&got);
    vajra_hits_clear(&hl);
    vajra_hits_clear(&hv);
    vajra_hits_clear(&fused);
    VajraMorphism *all[] = {lex, vec, p0, p1, lex0, vec1, both, fuse, hybrid};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        vajra_morphism_unref(all[i]);
}
END_TEST

/* A limit selects the kept hits without sorting the rest (fusion.c): the result must be the full
 * ranking's first `limit` hits, bit for bit. Overlapping lists of 100 from 150 documents give
 * many equal RRF sums (the same rank on one side only), so the tie rule is exercised too. */
START_TEST(limit_keeps_the_full_rankings_prefix)
{
    const size_t limits[] = {1, 2, 10, 57, 149, 150, 199, 400};
    for (uint32_t seed = 1; seed <= 20; seed++) {
        VajraHits a = random_ranked(seed, 100, 150), b = random_ranked(seed + 100, 100, 150);
        for (int kind = 0; kind < 3; kind++) {
            VajraHits full = {0}, cut = {0};
            vajra_status st =
                kind == 0 ? vajra_fuse_rrf(&a, &b, 60, 0, &full, NULL)
                          : vajra_fuse_convex(&a, &b, kind == 1 ? VAJRA_NORM_MINMAX
                                                                : VAJRA_NORM_ZSCORE,
                                              0.3, 0.7, 0, &full, NULL);
            ck_assert_int_eq(st, VAJRA_OK);
            for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
                size_t limit = limits[li];
                st = kind == 0 ? vajra_fuse_rrf(&a, &b, 60, limit, &cut, NULL)
                               : vajra_fuse_convex(&a, &b, kind == 1 ? VAJRA_NORM_MINMAX
                                                                     : VAJRA_NORM_ZSCORE,
                                                   0.3, 0.7, limit, &cut, NULL);
                ck_assert_int_eq(st, VAJRA_OK);
                size_t want = full.count < limit ? full.count : limit;
                ck_assert_uint_eq(cut.count, want);
                ck_assert_msg(memcmp(cut.items, full.items, want * sizeof(VajraHit)) == 0,
                              "seed %u kind %d limit %zu differs", seed, kind, limit);
            }
            vajra_hits_clear(&full);
            vajra_hits_clear(&cut);
        }
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
    }
}
END_TEST

static Suite *fusion_suite(void)
{
    Suite *s = suite_create("fusion");
    TCase *tc = tcase_create("fusion");
    tcase_add_test(tc, rrf_hand_checked);
    tcase_add_test(tc, limit_keeps_the_full_rankings_prefix);
    tcase_add_test(tc, rrf_ties_by_doc);
    tcase_add_test(tc, rrf_symmetric);
    tcase_add_test(tc, rrf_one_side_keeps_its_order);
    tcase_add_test(tc, rrf_repeated_doc_keeps_best_rank);
    tcase_add_test(tc, convex_minmax_hand_checked);
    tcase_add_test(tc, convex_zscore_hand_checked);
    tcase_add_test(tc, convex_constant_scores_no_nan);
    tcase_add_test(tc, convex_weight_one_zero_reduces_to_a_side);
    tcase_add_test(tc, convex_empty_sides);
    tcase_add_test(tc, fusion_bad_arguments);
    tcase_add_test(tc, fusion_morphism_types_and_apply);
    tcase_add_test(tc, hybrid_is_fuse_after_pair_of_projections);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fusion_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
