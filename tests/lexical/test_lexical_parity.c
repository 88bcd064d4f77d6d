/* Suite 'lexical', Cranfield parity: the pruned fast path against the core's exhaustive
 * reference (vajra_reference_lexical_search) on every Cranfield query and 300 seeded random
 * multi-term queries, for k = 10 and k = 100, for every scorer plugin. Also: the postings agree
 * with an independent re-analysis of every document; N threads == 1 thread; two batches == one
 * batch (results and saved bytes); save/load round trip and corruption; effectiveness floor.
 * Filtered search (search_filtered, vtable version 2) against the filtered reference
 * (vajra_reference_lexical_search_filtered) under every kind of filter, and the filtered reference
 * against the unfiltered one restricted by hand. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex_fixture.h"
#include "test_filter.h"
#include "vajra/eval.h"

static VajraDocSet *corpus;
static VajraDocSet *queries;
static GPtrArray *query_texts; /* Cranfield queries then random ones (owned strings) */
static size_t n_cranfield_queries;

#define N_RANDOM_QUERIES 300

static void load_data(void)
{
    VajraError err = {0};
    char *cp = lex_data_path("cranfield/corpus.jsonl");
    char *qp = lex_data_path("cranfield/queries.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(cp, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_docset_read_jsonl(qp, NULL, &queries, &err) == VAJRA_OK, "%s", err.message);
    g_free(cp);
    g_free(qp);
    ck_assert_uint_eq(vajra_docset_count(corpus), 1400);
    ck_assert_uint_eq(vajra_docset_count(queries), 225);

    query_texts = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < vajra_docset_count(queries); i++)
        g_ptr_array_add(query_texts, g_strdup(vajra_docset_doc(queries, i)->text));
    n_cranfield_queries = query_texts->len;

    /* Random queries: 2-8 words taken from random documents' raw text (so most terms exist and
     * share documents), sometimes with a word repeated or a word that is in no document. */
    GRand *rng = g_rand_new_with_seed(20261125);
    for (int q = 0; q < N_RANDOM_QUERIES; q++) {
        GString *s = g_string_new(NULL);
        int words = g_rand_int_range(rng, 2, 9);
        for (int w = 0; w < words; w++) {
            const VajraDocument *d =
                vajra_docset_doc(corpus, (size_t)g_rand_int_range(rng, 0, 1400));
            gchar **toks = g_strsplit(d->text, " ", -1);
            guint n = g_strv_length(toks);
            if (n > 0)
                g_string_append_printf(s, "%s ", toks[g_rand_int_range(rng, 0, (gint32)n)]);
            g_strfreev(toks);
        }
        if (q % 7 == 0)
            g_string_append(s, "qqxyzzyunseen ");
        if (q % 5 == 0 && s->len > 0)
            g_string_append(s, s->str); /* every term twice: qtf 2 */
        g_ptr_array_add(query_texts, g_string_free(s, FALSE));
    }
    g_rand_free(rng);
}

static void free_data(void)
{
    g_ptr_array_free(query_texts, TRUE);
    vajra_docset_free(queries);
    vajra_docset_free(corpus);
}

static VajraLexicalIndex *build_cranfield(LexFixture *fx)
{
    return lex_fixture_build(fx, NULL, vajra_docset_batch(corpus));
}

/* ---- fast == reference, every scorer, k = 10 and 100 (and a few other k) ---- */

static void parity_for(const char *scorer)
{
    LexFixture fx;
    lex_fixture_open(&fx, scorer, NULL, 0);
    VajraLexicalIndex *ix = build_cranfield(&fx);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    VajraHits fast = {0}, ref = {0};
    const uint32_t ks[] = {10, 100, 1, 5000};
    size_t nonempty = 0;
    for (size_t ki = 0; ki < 4; ki++) {
        for (guint q = 0; q < query_texts->len; q++) {
            /* k = 1 and k > N on a subset, to keep the run short. */
            if (ki >= 2 && q % 10 != 0)
                continue;
            const char *text = g_ptr_array_index(query_texts, q);
            ck_assert_msg(fx.vt->search(ix, sc, text, ks[ki], &fast, &err) == VAJRA_OK, "%s",
                          err.message);
            ck_assert_msg(vajra_reference_lexical_search(fx.vt, ix, &fx.scorer, text, ks[ki],
                                                         &ref, &err) == VAJRA_OK,
                          "%s", err.message);
            char what[64];
            snprintf(what, sizeof what, "%s k=%u", scorer, ks[ki]);
            lex_assert_same_hits(&fast, &ref, what, text);
            nonempty += ref.count > 0;
        }
    }
    /* The comparison must not be vacuous: nearly every query has hits. */
    ck_assert_uint_gt(nonempty, 2 * query_texts->len - 20);
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}

START_TEST(test_parity_bm25) { parity_for("scorer-bm25"); }
END_TEST
START_TEST(test_parity_bm25plus) { parity_for("scorer-bm25plus"); }
END_TEST
START_TEST(test_parity_tfidf) { parity_for("scorer-tfidf"); }
END_TEST

/* Parity under other parameters: b = 0 (no length normalisation: many exact ties). */
START_TEST(test_parity_bm25_ties)
{
    LexFixture fx;
    VajraParam p[] = {{"k1", 0.9}, {"b", 0.0}};
    lex_fixture_open(&fx, "scorer-bm25", p, 2);
    VajraLexicalIndex *ix = build_cranfield(&fx);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    VajraHits fast = {0}, ref = {0};
    for (guint q = 0; q < query_texts->len; q++) {
        const char *text = g_ptr_array_index(query_texts, q);
        ck_assert_int_eq(fx.vt->search(ix, sc, text, 10, &fast, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_reference_lexical_search(fx.vt, ix, &fx.scorer, text, 10, &ref,
                                                        &err), VAJRA_OK);
        lex_assert_same_hits(&fast, &ref, "bm25 b=0", text);
    }
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* A scorer defined right here (not a plugin): non-monotone in tf and dl and partly negative.
 * Pruning must stay exact because the index bounds terms by their actual posting scores. */
static double odd_weight(const void *inst, const VajraCollectionStats *c, const VajraTermStats *t)
{
    (void)inst;
    return log(1.0 + (double)c->doc_count / (double)t->doc_freq);
}
static float odd_score(const void *inst, const VajraCollectionStats *c, double w, uint32_t tf,
                       uint32_t dl)
{
    (void)inst, (void)c;
    return (float)(w * ((double)((tf * 7 + dl) % 5) - 1.0) / 3.0);
}
static float nan_score(const void *inst, const VajraCollectionStats *c, double w, uint32_t tf,
                       uint32_t dl)
{
    (void)inst, (void)c, (void)w, (void)tf;
    return dl > 50 ? NAN : 1.0f;
}
static const VajraScorerVtable odd_vtable = {.version = 1, .term_weight = odd_weight,
                                             .score = odd_score};
static const VajraScorerVtable nan_vtable = {.version = 1, .term_weight = odd_weight,
                                             .score = nan_score};

START_TEST(test_parity_custom_scorer)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = {&odd_vtable, NULL, "odd"}};
    VajraLexicalIndex *ix = NULL;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &ix, &err), VAJRA_OK);
    VajraDocBatch all = vajra_docset_batch(corpus);
    ck_assert_int_eq(fx.vt->add_batch(ix, &all, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    VajraLexicalScratch *sc = NULL;
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    VajraHits fast = {0}, ref = {0};
    size_t negative = 0;
    const uint32_t ks[] = {10, 100, 5000};
    for (size_t ki = 0; ki < 3; ki++)
        for (guint q = 0; q < query_texts->len; q += (ki == 2 ? 5 : 1)) {
            const char *text = g_ptr_array_index(query_texts, q);
            ck_assert_int_eq(fx.vt->search(ix, sc, text, ks[ki], &fast, &err), VAJRA_OK);
            ck_assert_int_eq(vajra_reference_lexical_search(fx.vt, ix, &o.scorer, text, ks[ki],
                                                            &ref, &err), VAJRA_OK);
            lex_assert_same_hits(&fast, &ref, "odd scorer", text);
            for (size_t i = 0; i < ref.count; i++)
                negative += ref.items[i].score < 0;
        }
    ck_assert_uint_gt(negative, 0); /* the case with negative scores was really exercised */
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);

    /* A scorer that yields NaN is refused at commit. */
    o.scorer = (VajraScorer){&nan_vtable, NULL, "nan"};
    ck_assert_int_eq(fx.vt->create(NULL, &o, &ix, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->add_batch(ix, &all, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_ERR_BAD_VALUE);
    ck_assert_ptr_nonnull(strstr(err.message, "nan"));
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- filtered search: fast == filtered reference == unfiltered reference restricted ---- */

enum { FC_MAX = 10 };

typedef struct FilterCases {
    const char *label[FC_MAX];
    const VajraDocFilter *f[FC_MAX]; /* NULL: no filter */
    TestFilter t[FC_MAX];
    size_t n;
} FilterCases;

/* The filters of the filtered parity cases over an index of n documents. */
static void filter_cases(FilterCases *c, uint32_t n)
{
    memset(c, 0, sizeof *c);
    size_t i = 0;
    c->label[i] = "no filter", c->f[i++] = NULL;
    c->label[i] = "nothing passes", c->f[i] = tf_prefix(&c->t[i], n, 0), i++;
    c->label[i] = "everything passes", c->f[i] = tf_prefix(&c->t[i], n, n), i++;
    c->label[i] = "nbits 0", c->f[i] = tf_prefix(&c->t[i], 0, 0), i++;
    c->label[i] = "nbits = N/2, all set", c->f[i] = tf_prefix(&c->t[i], n / 2, n / 2), i++;
    c->label[i] = "nbits > N, random 30%", c->f[i] = tf_random(&c->t[i], n + 100, 0.3, 3), i++;
    c->label[i] = "random 50%", c->f[i] = tf_random(&c->t[i], n, 0.5, 1), i++;
    c->label[i] = "random 1%", c->f[i] = tf_random(&c->t[i], n, 0.01, 2), i++;
    c->n = i;
}

static void filter_cases_free(FilterCases *c)
{
    for (size_t i = 0; i < c->n; i++)
        tf_free(&c->t[i]);
}

/* `all` (every match, canonical order) restricted to f and cut to k must be `got`. */
static void assert_restriction(const VajraHits *all, const VajraDocFilter *f, uint32_t k,
                               const VajraHits *got, const char *what, const char *query)
{
    size_t j = 0;
    for (size_t i = 0; i < all->count && j < k; i++) {
        if (!vajra_filter_pass(f, all->items[i].doc))
            continue;
        ck_assert_msg(j < got->count && got->items[j].doc == all->items[i].doc &&
                          got->items[j].score == all->items[i].score,
                      "%s: rank %zu is not the restriction's doc %u, query '%s'", what, j,
                      all->items[i].doc, query);
        j++;
    }
    ck_assert_msg(got->count == j, "%s: %zu hits, restriction has %zu, query '%s'", what,
                  got->count, j, query);
}

static void parity_filtered(const char *scorer, const VajraParam *params, size_t n_params)
{
    LexFixture fx;
    lex_fixture_open(&fx, scorer, params, n_params);
    ck_assert_uint_ge(fx.vt->version, 2);
    ck_assert_ptr_nonnull(fx.vt->search_filtered);
    VajraLexicalIndex *ix = build_cranfield(&fx);
    uint32_t n = fx.vt->doc_count(ix);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    FilterCases fc;
    filter_cases(&fc, n);
    VajraHits fast = {0}, ref = {0}, all = {0};
    const uint32_t ks[] = {10, 100};
    for (size_t c = 0; c < fc.n; c++) {
        size_t hits = 0;
        for (size_t ki = 0; ki < 2; ki++) {
            for (guint q = 0; q < query_texts->len; q += ki ? 3 : 1) {
                const char *text = g_ptr_array_index(query_texts, q);
                ck_assert_msg(fx.vt->search_filtered(ix, sc, text, ks[ki], fc.f[c], &fast,
                                                     &err) == VAJRA_OK, "%s", err.message);
                ck_assert_msg(vajra_reference_lexical_search_filtered(
                                  fx.vt, ix, &fx.scorer, text, ks[ki], fc.f[c], &ref, &err) ==
                                  VAJRA_OK, "%s", err.message);
                char what[128];
                snprintf(what, sizeof what, "%s k=%u filter %s", scorer, ks[ki], fc.label[c]);
                lex_assert_same_hits(&fast, &ref, what, text);
                hits += ref.count;
                if (q % 4 == 0) { /* the filtered reference is the unfiltered one, restricted */
                    ck_assert_int_eq(vajra_reference_lexical_search(fx.vt, ix, &fx.scorer, text,
                                                                    n, &all, &err), VAJRA_OK);
                    assert_restriction(&all, fc.f[c], ks[ki], &ref, what, text);
                }
            }
        }
        /* Not vacuous: every filter that lets documents through yielded hits. */
        int empty = fc.f[c] != NULL && fc.f[c]->passing == 0;
        ck_assert_msg(empty ? hits == 0 : hits > 0, "filter %s: %zu hits", fc.label[c], hits);
    }

    /* Exactly one document passes: the one the unfiltered search ranks 5th (so it is not simply
     * the best), with the same score as there. */
    size_t checked = 0;
    for (guint q = 0; q < query_texts->len; q++) {
        const char *text = g_ptr_array_index(query_texts, q);
        ck_assert_int_eq(fx.vt->search(ix, sc, text, 10, &all, &err), VAJRA_OK);
        if (all.count < 5)
            continue;
        TestFilter one;
        tf_init(&one, n);
        tf_set(&one, all.items[4].doc);
        const VajraDocFilter *f = tf_done(&one);
        ck_assert_int_eq(fx.vt->search_filtered(ix, sc, text, 10, f, &fast, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_reference_lexical_search_filtered(fx.vt, ix, &fx.scorer, text, 10,
                                                                 f, &ref, &err), VAJRA_OK);
        lex_assert_same_hits(&fast, &ref, "one document", text);
        ck_assert_uint_eq(fast.count, 1);
        ck_assert_uint_eq(fast.items[0].doc, all.items[4].doc);
        ck_assert_float_eq(fast.items[0].score, all.items[4].score);
        tf_free(&one);
        checked++;
    }
    ck_assert_uint_gt(checked, query_texts->len / 2);

    /* A filter that is not one: refused by both, naming the problem. */
    VajraDocFilter bad = {.struct_size = 4, .nbits = n, .passing = n, .words = fc.t[2].words};
    ck_assert_int_eq(fx.vt->search_filtered(ix, sc, "wing", 10, &bad, &fast, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_reference_lexical_search_filtered(fx.vt, ix, &fx.scorer, "wing", 10,
                                                             &bad, &ref, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    bad = (VajraDocFilter){.struct_size = sizeof bad, .nbits = n, .passing = n, .words = NULL};
    ck_assert_int_eq(fx.vt->search_filtered(ix, sc, "wing", 10, &bad, &fast, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);

    filter_cases_free(&fc);
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    vajra_hits_clear(&all);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}

START_TEST(test_filtered_bm25) { parity_filtered("scorer-bm25", NULL, 0); }
END_TEST
START_TEST(test_filtered_tfidf) { parity_filtered("scorer-tfidf", NULL, 0); }
END_TEST
START_TEST(test_filtered_bm25_ties)
{
    VajraParam p[] = {{"k1", 0.9}, {"b", 0.0}}; /* many exact ties */
    parity_filtered("scorer-bm25", p, 2);
}
END_TEST

/* ---- the postings are what an independent re-analysis of each document says ---- */

START_TEST(test_postings_match_reanalysis)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = build_cranfield(&fx);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    /* term → GArray of (doc, tf), built by analysing title and text separately — with the
     * scratch's analyzer, which has no token memo, while indexing used one: Cranfield's
     * ~7,500 distinct words overflow its 4,096 slots, so hits, misses and evictions all occur. */
    GHashTable *expect = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify)g_array_unref);
    size_t n = vajra_docset_count(corpus);
    for (size_t d = 0; d < n; d++) {
        const VajraDocument *doc = vajra_docset_doc(corpus, d);
        VajraTermBag bag = {0};
        if (doc->title)
            ck_assert_int_eq(fx.vt->analyze(ix, sc, doc->title, &bag, &err), VAJRA_OK);
        ck_assert_int_eq(fx.vt->analyze(ix, sc, doc->text, &bag, &err), VAJRA_OK);
        ck_assert_uint_eq(fx.vt->doc_length(ix, (uint32_t)d), bag.count);
        for (size_t i = 0; i < bag.count; i++) {
            GArray *a = g_hash_table_lookup(expect, bag.terms[i]);
            if (!a) {
                a = g_array_new(FALSE, FALSE, 2 * sizeof(uint32_t));
                g_hash_table_insert(expect, g_strdup(bag.terms[i]), a);
            }
            uint32_t *last = a->len ? &g_array_index(a, uint32_t, 2 * (a->len - 1)) : NULL;
            if (last && last[0] == d) {
                last[1]++;
            } else {
                uint32_t pair[2] = {(uint32_t)d, 1};
                g_array_append_val(a, pair);
            }
        }
        vajra_term_bag_clear(&bag);
    }
    ck_assert_uint_gt(g_hash_table_size(expect), 3000);
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, expect);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        GArray *a = val;
        VajraPostingsView v;
        fx.vt->postings(ix, key, &v);
        ck_assert_msg(v.count == a->len, "term %s: %zu postings, expected %u", (char *)key,
                      v.count, a->len);
        for (guint i = 0; i < a->len; i++) {
            ck_assert_uint_eq(v.docs[i], g_array_index(a, uint32_t, 2 * i));
            ck_assert_uint_eq(v.tfs[i], g_array_index(a, uint32_t, 2 * i + 1));
        }
    }
    g_hash_table_destroy(expect);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- threads ---- */

typedef struct ThreadJob {
    LexFixture *fx;
    VajraLexicalIndex *ix;
    size_t first, stride;
    VajraHits *results; /* one per query */
    vajra_status status;
} ThreadJob;

static void *thread_search(void *arg)
{
    ThreadJob *j = arg;
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    j->status = j->fx->vt->scratch_new(j->ix, &sc, &err);
    for (size_t q = j->first; q < query_texts->len && j->status == VAJRA_OK; q += j->stride)
        j->status = j->fx->vt->search(j->ix, sc, g_ptr_array_index(query_texts, q), 100,
                                      &j->results[q], &err);
    j->fx->vt->scratch_free(sc);
    return NULL;
}

static VajraHits *search_all_threads(LexFixture *fx, VajraLexicalIndex *ix, size_t threads)
{
    VajraHits *res = calloc(query_texts->len, sizeof *res);
    pthread_t tid[8];
    ThreadJob jobs[8];
    for (size_t t = 0; t < threads; t++) {
        jobs[t] = (ThreadJob){fx, ix, t, threads, res, VAJRA_OK};
        ck_assert_int_eq(pthread_create(&tid[t], NULL, thread_search, &jobs[t]), 0);
    }
    for (size_t t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        ck_assert_int_eq(jobs[t].status, VAJRA_OK);
    }
    return res;
}

static void free_results(VajraHits *res)
{
    for (guint q = 0; q < query_texts->len; q++)
        vajra_hits_clear(&res[q]);
    free(res);
}

static void assert_same_results(VajraHits *a, VajraHits *b, const char *what)
{
    for (guint q = 0; q < query_texts->len; q++) {
        ck_assert_msg(a[q].count == b[q].count, "%s: query %u", what, q);
        if (a[q].count)
            ck_assert_msg(memcmp(a[q].items, b[q].items, a[q].count * sizeof(VajraHit)) == 0,
                          "%s: query %u differs", what, q);
    }
}

START_TEST(test_threads_equal_one_thread)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = build_cranfield(&fx);
    VajraHits *one = search_all_threads(&fx, ix, 1);
    VajraHits *four = search_all_threads(&fx, ix, 4);
    assert_same_results(one, four, "4 threads vs 1");
    free_results(one);
    free_results(four);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- two batches == one batch; save/load ---- */

static MemSections *save_index(LexFixture *fx, VajraLexicalIndex *ix)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_msg(fx->vt->save(ix, &w, &err) == VAJRA_OK, "%s", err.message);
    return m;
}

static int same_bytes(MemSections *a, MemSections *b)
{
    unsigned char *x, *y;
    size_t nx = mem_sections_bytes(a, &x), ny = mem_sections_bytes(b, &y);
    int same = nx == ny && memcmp(x, y, nx) == 0;
    g_free(x);
    g_free(y);
    return same;
}

START_TEST(test_two_batches_equal_one)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraLexicalIndex *one = build_cranfield(&fx);
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch first = {all.docs, 613}, second = {all.docs + 613, all.count - 613};

    /* Two batches, one commit. */
    VajraLexicalIndex *two = lex_fixture_index(&fx, NULL);
    ck_assert_int_eq(fx.vt->add_batch(two, &first, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->add_batch(two, &second, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(two, &err), VAJRA_OK);
    /* Two batches with a commit (and searches) in between. */
    VajraLexicalIndex *twoc = lex_fixture_build(&fx, NULL, first);
    VajraHits *partial = search_all_threads(&fx, twoc, 1);
    free_results(partial);
    ck_assert_int_eq(fx.vt->add_batch(twoc, &second, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(twoc, &err), VAJRA_OK);

    VajraHits *r1 = search_all_threads(&fx, one, 1);
    VajraHits *r2 = search_all_threads(&fx, two, 1);
    VajraHits *r3 = search_all_threads(&fx, twoc, 1);
    assert_same_results(r1, r2, "two batches");
    assert_same_results(r1, r3, "two batches, commit between");
    MemSections *s1 = save_index(&fx, one), *s2 = save_index(&fx, two), *s3 = save_index(&fx, twoc);
    ck_assert(same_bytes(s1, s2));
    ck_assert(same_bytes(s1, s3));
    free_results(r1);
    free_results(r2);
    free_results(r3);
    mem_sections_free(s1);
    mem_sections_free(s2);
    mem_sections_free(s3);
    fx.vt->free(one);
    fx.vt->free(two);
    fx.vt->free(twoc);
    lex_fixture_close(&fx);
}
END_TEST

static vajra_status load_from(LexFixture *fx, MemSections *m, VajraLexicalIndex **out,
                              VajraError *err)
{
    VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = fx->scorer};
    VajraSectionReader r = mem_sections_reader(m);
    return fx->vt->load(vajra_plugin_state(fx->lex_plugin), &o, &r, out, err);
}

/* Every term of the saved index m has the same postings in a and b (count, documents, tfs);
 * returns the number of postings compared. */
static uint64_t assert_same_postings(LexFixture *fx, MemSections *m, VajraLexicalIndex *a,
                                     VajraLexicalIndex *b)
{
    size_t n_off = 0, blob_len = 0;
    const uint64_t *off = mem_sections_data(m, "lex.terms.off", &n_off);
    const char *blob = mem_sections_data(m, "lex.terms", &blob_len);
    ck_assert(off != NULL && blob != NULL && blob_len > 0);
    uint64_t total = 0;
    for (size_t t = 0; t + 1 < n_off / 8; t++) {
        VajraPostingsView x, y;
        fx->vt->postings(a, blob + off[t], &x);
        fx->vt->postings(b, blob + off[t], &y);
        ck_assert_msg(x.count > 0 && x.count == y.count, "term %s", blob + off[t]);
        ck_assert(memcmp(x.docs, y.docs, x.count * 4) == 0);
        ck_assert(memcmp(x.tfs, y.tfs, x.count * 4) == 0);
        total += x.count;
    }
    return total;
}

/* The packed block (width bytes first) holding the first posting of term t, from the term's
 * posting count in lex.post.off and every earlier block's widths. */
static unsigned char *pack_block_of(MemSections *m, uint64_t t)
{
    size_t n_off = 0, len = 0;
    const uint64_t *off = mem_sections_data(m, "lex.post.off", &n_off);
    unsigned char *p = mem_sections_data(m, "lex.post.pack", &len);
    for (uint64_t u = 0; u < t; u++)
        for (uint64_t lo = off[u]; lo < off[u + 1]; lo += 128) {
            uint64_t n = off[u + 1] - lo < 128 ? off[u + 1] - lo : 128;
            p += 2 + (n * (p[0] + p[1]) + 7) / 8;
        }
    return p;
}

START_TEST(test_save_load)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraLexicalIndex *ix = build_cranfield(&fx);
    MemSections *m = save_index(&fx, ix);
    VajraLexicalIndex *back = NULL;
    ck_assert_msg(load_from(&fx, m, &back, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(fx.vt->doc_count(back), 1400);
    ck_assert_str_eq(fx.vt->doc_id(back, 41), fx.vt->doc_id(ix, 41));
    /* Packed postings: no flat sections, under a third of their size, every posting back. */
    size_t len = 0, pack_len = 0;
    ck_assert_ptr_null(mem_sections_data(m, "lex.post.docs", &len));
    ck_assert_ptr_null(mem_sections_data(m, "lex.post.tfs", &len));
    ck_assert_ptr_nonnull(mem_sections_data(m, "lex.post.pack", &pack_len));
    uint64_t n_postings = assert_same_postings(&fx, m, ix, back);
    ck_assert_uint_gt(n_postings, 50000);
    ck_assert_uint_lt(pack_len, n_postings * 8 / 3);
    VajraHits *a = search_all_threads(&fx, ix, 1), *b = search_all_threads(&fx, back, 2);
    assert_same_results(a, b, "loaded index");
    free_results(b);

    /* The flat format (1) still loads, zero copy: its postings live in the reader's bytes; it
     * searches the same and saves as the packed format, byte for byte. */
    MemSections *flat = lex_fixture_save_flat(&fx, ix);
    VajraLexicalIndex *old = NULL;
    ck_assert_msg(load_from(&fx, flat, &old, &err) == VAJRA_OK, "%s", err.message);
    const uint32_t *docs = mem_sections_data(flat, "lex.post.docs", &len);
    VajraPostingsView v;
    fx.vt->postings(old, "wing", &v);
    ck_assert(v.count > 0 && v.docs >= docs && v.docs < docs + len / 4);
    ck_assert_uint_eq(assert_same_postings(&fx, m, ix, old), n_postings);
    b = search_all_threads(&fx, old, 1);
    assert_same_results(a, b, "flat-format index");
    free_results(b);
    MemSections *resaved = save_index(&fx, old);
    ck_assert(same_bytes(m, resaved));
    mem_sections_free(resaved);
    fx.vt->free(old);
    uint32_t *pd = mem_sections_data(flat, "lex.post.docs", &len);
    uint32_t saved_doc = pd[3];
    pd[3] = 5000000;
    ck_assert_int_eq(load_from(&fx, flat, &old, &err), VAJRA_ERR_CORRUPT);
    pd[3] = saved_doc;
    mem_sections_free(flat);
    free_results(a);
    /* A loaded index takes more documents; it then equals one built in one go. */
    VajraDocument extra[] = {{.id = "new-1", .text = "supersonic wing flutter"}};
    ck_assert_int_eq(fx.vt->add_batch(back, &(VajraDocBatch){extra, 1}, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->add_batch(back, &(VajraDocBatch){extra, 1}, &err),
                     VAJRA_ERR_DUPLICATE);
    ck_assert_int_eq(fx.vt->commit(back, &err), VAJRA_OK);
    ck_assert_uint_eq(fx.vt->doc_count(back), 1401);
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){extra, 1}, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    MemSections *m1 = save_index(&fx, ix), *m2 = save_index(&fx, back);
    ck_assert(same_bytes(m1, m2));
    mem_sections_free(m1);
    mem_sections_free(m2);
    fx.vt->free(back);

    /* Corruption is an error, never a crash. The packed postings: a width above 32, one byte
     * short, one (zero) byte too many, a document number out of range, a format from the future. */
    unsigned char *pack = mem_sections_data(m, "lex.post.pack", &pack_len);
    unsigned char w0 = pack[0];
    pack[0] = 33;
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err.message, "above 32"));
    pack[0] = w0;
    mem_sections_set_len(m, "lex.post.pack", pack_len - 1);
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    pack[pack_len] = 0;
    mem_sections_set_len(m, "lex.post.pack", pack_len + 1);
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    mem_sections_set_len(m, "lex.post.pack", pack_len);
    /* A term with one posting in a document ≥ 1024 (doc width 11 over 1400 documents): all-ones
     * gap bits give document 2047. */
    size_t n_off = 0;
    const uint64_t *post_off = mem_sections_data(m, "lex.post.off", &n_off);
    uint64_t target = UINT64_MAX;
    unsigned char *blk = NULL;
    for (uint64_t t = 0; t + 1 < n_off / 8 && target == UINT64_MAX; t++)
        if (post_off[t + 1] - post_off[t] == 1 && (blk = pack_block_of(m, t))[0] == 11)
            target = t;
    ck_assert(target != UINT64_MAX);
    unsigned char b2 = blk[2], b3 = blk[3];
    blk[2] = 0xff, blk[3] |= 0x07;
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err.message, "out of range"));
    blk[2] = b2, blk[3] = b3;
    ck_assert_msg(load_from(&fx, m, &back, &err) == VAJRA_OK, "%s", err.message);
    fx.vt->free(back);
    uint32_t *meta = mem_sections_data(m, "lex.meta", &len);
    meta[2] = 5;
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_VERSION);
    meta[2] = 3;
    uint64_t *off = mem_sections_data(m, "lex.terms.off", &len);
    off[2] += 1000000;
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    off[2] -= 1000000;
    uint32_t *hash = mem_sections_data(m, "lex.terms.hash", &len);
    for (size_t i = 0; i < len / 4; i++)
        hash[i] = 1; /* no empty slot and bogus ids: a lookup would never stop */
    ck_assert_int_eq(load_from(&fx, m, &back, &err), VAJRA_ERR_CORRUPT);
    mem_sections_free(m);

    MemSections *empty = mem_sections_new();
    ck_assert_int_eq(load_from(&fx, empty, &back, &err), VAJRA_ERR_NOT_FOUND);
    mem_sections_free(empty);
    /* Saving with uncommitted additions is refused. */
    VajraDocument more[] = {{.id = "new-2", .text = "x"}};
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){more, 1}, &err), VAJRA_OK);
    VajraSectionWriter w = mem_sections_writer(empty = mem_sections_new());
    ck_assert_int_eq(fx.vt->save(ix, &w, &err), VAJRA_ERR_STATE);
    mem_sections_free(empty);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* Random single-byte corruptions of a saved index: load refuses it (CORRUPT/VERSION) or gives an
 * index whose fast search still equals the reference on it. Never a crash (run under ASan). */
START_TEST(test_load_random_corruption)
{
    static const char *const names[] = {"lex.meta", "lex.doclen", "lex.ids.off", "lex.ids",
                                        "lex.ids.hash", "lex.terms.off", "lex.terms",
                                        "lex.terms.hash", "lex.post.off", "lex.post.pack"};
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraLexicalIndex *ix = lex_fixture_build(&fx, NULL, (VajraDocBatch){all.docs, 200});
    MemSections *m = save_index(&fx, ix);
    fx.vt->free(ix);
    GRand *rng = g_rand_new_with_seed(7);
    size_t refused = 0, accepted = 0;
    VajraHits fast = {0}, ref = {0};
    for (int round = 0; round < 300; round++) {
        size_t len;
        unsigned char *sec = mem_sections_data(m, names[round % 10], &len);
        if (len == 0)
            continue;
        size_t at = (size_t)g_rand_int_range(rng, 0, (gint32)len);
        unsigned char old = sec[at];
        sec[at] ^= (unsigned char)(1u << g_rand_int_range(rng, 0, 8));
        VajraLexicalIndex *back = NULL;
        vajra_status st = load_from(&fx, m, &back, &err);
        if (st == VAJRA_OK) {
            accepted++;
            VajraLexicalScratch *sc = NULL;
            ck_assert_int_eq(fx.vt->scratch_new(back, &sc, &err), VAJRA_OK);
            for (guint q = 0; q < 20; q++) {
                const char *text = g_ptr_array_index(query_texts, q);
                ck_assert_int_eq(fx.vt->search(back, sc, text, 10, &fast, &err), VAJRA_OK);
                ck_assert_int_eq(vajra_reference_lexical_search(fx.vt, back, &fx.scorer, text, 10,
                                                                &ref, &err), VAJRA_OK);
                lex_assert_same_hits(&fast, &ref, "corrupted but accepted", text);
            }
            fx.vt->scratch_free(sc);
            fx.vt->free(back);
        } else {
            ck_assert_msg(st == VAJRA_ERR_CORRUPT || st == VAJRA_ERR_VERSION, "status %d: %s",
                          st, err.message);
            refused++;
        }
        sec[at] = old;
    }
    ck_assert_uint_gt(refused, 50);
    g_rand_free(rng);
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    mem_sections_free(m);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- effectiveness floor: nDCG@10 on Cranfield at least Xapian's published 0.340 ---- */

START_TEST(test_cranfield_effectiveness)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraLexicalIndex *ix = build_cranfield(&fx);
    char *qrp = lex_data_path("cranfield/qrels.tsv");
    VajraQrels *qrels = NULL;
    ck_assert_msg(vajra_qrels_read(qrp, &qrels, &err) == VAJRA_OK, "%s", err.message);
    g_free(qrp);
    VajraEval *ev = NULL;
    ck_assert_int_eq(vajra_eval_new(qrels, &ev, &err), VAJRA_OK);
    VajraLexicalScratch *sc = NULL;
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    VajraHits hits = {0};
    for (size_t q = 0; q < vajra_docset_count(queries); q++) {
        const VajraDocument *qd = vajra_docset_doc(queries, q);
        ck_assert_int_eq(fx.vt->search(ix, sc, qd->text, 1000, &hits, &err), VAJRA_OK);
        ck_assert_msg(vajra_eval_add_hits(ev, qd->id, &hits, vajra_docset_ids(corpus),
                                          vajra_docset_count(corpus), NULL, &err) == VAJRA_OK,
                      "%s", err.message);
    }
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    fprintf(stderr, "cranfield bm25: nDCG@10 %.4f recall@100 %.4f MAP %.4f MRR@10 %.4f\n",
            sum.mean.ndcg_at_10, sum.mean.recall_at_100, sum.mean.map, sum.mean.mrr_at_10);
    ck_assert_uint_eq(sum.ranked_queries, sum.judged_queries);
    ck_assert_msg(sum.mean.ndcg_at_10 >= 0.340, "nDCG@10 %.4f below Xapian's 0.340",
                  sum.mean.ndcg_at_10);
    vajra_hits_clear(&hits);
    fx.vt->scratch_free(sc);
    vajra_eval_free(ev);
    vajra_qrels_free(qrels);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

static Suite *parity_suite(void)
{
    Suite *s = suite_create("lexical-parity");
    TCase *tc = tcase_create("cranfield");
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_parity_bm25);
    tcase_add_test(tc, test_parity_bm25plus);
    tcase_add_test(tc, test_parity_tfidf);
    tcase_add_test(tc, test_parity_bm25_ties);
    tcase_add_test(tc, test_parity_custom_scorer);
    tcase_add_test(tc, test_filtered_bm25);
    tcase_add_test(tc, test_filtered_tfidf);
    tcase_add_test(tc, test_filtered_bm25_ties);
    tcase_add_test(tc, test_postings_match_reanalysis);
    tcase_add_test(tc, test_threads_equal_one_thread);
    tcase_add_test(tc, test_two_batches_equal_one);
    tcase_add_test(tc, test_save_load);
    tcase_add_test(tc, test_load_random_corruption);
    tcase_add_test(tc, test_cranfield_effectiveness);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parity_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
