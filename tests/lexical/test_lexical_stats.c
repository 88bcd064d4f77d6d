/* Suite 'lexical', collection-wide statistics (search_stats, lexical vtable version 3).
 *
 * The claim under test: split a corpus into K contiguous parts, each its own index; search every
 * part with the statistics summed over the parts; merge the parts' top-k by (score descending,
 * global document ascending) — the result is exactly one index over all the documents: same
 * documents, same order, scores equal to the bit. On Cranfield (225 queries + 300 seeded random
 * ones), K = 2, 3, 5, k = 10 and 100, every scorer plugin (and BM25 with b = 0: many ties), with
 * the statistics passed as a per-query table and through the callback, and under filters. Also:
 * each part's search_stats == vajra_reference_lexical_search_stats with the same statistics;
 * own statistics == search_filtered; a scorer without upper_bound (exhaustive fallback) is still
 * exact; a deliberately broken bound is caught (so the comparison has teeth); every scorer's
 * upper_bound really bounds score over a grid; save/load; errors; WordNet split in 4. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex_fixture.h"
#include "test_filter.h"

static VajraDocSet *corpus;
static GPtrArray *query_texts;
#define N_RANDOM_QUERIES 300
#define MAX_PARTS 8

static void random_queries(GPtrArray *out, const VajraDocSet *docs, int n, guint32 seed)
{
    GRand *rng = g_rand_new_with_seed(seed);
    size_t nd = vajra_docset_count(docs);
    for (int q = 0; q < n; q++) {
        GString *s = g_string_new(NULL);
        int words = g_rand_int_range(rng, 2, 9);
        for (int w = 0; w < words; w++) {
            const VajraDocument *d = vajra_docset_doc(docs, (size_t)g_rand_int_range(rng, 0, (gint32)nd));
            gchar **toks = g_strsplit(d->text ? d->text : "", " ", -1);
            guint nt = g_strv_length(toks);
            if (nt > 0)
                g_string_append_printf(s, "%s ", toks[g_rand_int_range(rng, 0, (gint32)nt)]);
            g_strfreev(toks);
        }
        if (q % 7 == 0)
            g_string_append(s, "qqxyzzyunseen ");
        if (q % 5 == 0 && s->len > 0)
            g_string_append(s, s->str); /* qtf 2 */
        g_ptr_array_add(out, g_string_free(s, FALSE));
    }
    g_rand_free(rng);
}

static void load_data(void)
{
    VajraError err = {0};
    char *cp = lex_data_path("cranfield/corpus.jsonl");
    char *qp = lex_data_path("cranfield/queries.jsonl");
    VajraDocSet *queries = NULL;
    ck_assert_msg(vajra_docset_read_jsonl(cp, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_docset_read_jsonl(qp, NULL, &queries, &err) == VAJRA_OK, "%s", err.message);
    g_free(cp);
    g_free(qp);
    ck_assert_uint_eq(vajra_docset_count(corpus), 1400);
    query_texts = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < vajra_docset_count(queries); i++)
        g_ptr_array_add(query_texts, g_strdup(vajra_docset_doc(queries, i)->text));
    vajra_docset_free(queries);
    random_queries(query_texts, corpus, N_RANDOM_QUERIES, 20261202);
}

static void free_data(void)
{
    g_ptr_array_free(query_texts, TRUE);
    vajra_docset_free(corpus);
}

/* ---- K contiguous parts with summed statistics ---- */

typedef struct Parts {
    const VajraLexicalVtable *vt;
    size_t n;
    VajraLexicalIndex *ix[MAX_PARTS];
    VajraLexicalScratch *sc[MAX_PARTS];
    uint32_t off[MAX_PARTS + 1]; /* global number of each part's first document */
    VajraCollectionStats coll;   /* summed from the parts' accessors */
    /* per query */
    VajraTermBag bag;
    VajraLexicalTermStats *terms;
    size_t n_terms, terms_cap;
    int callback_calls;
    VajraLexicalStatsBuilder *builder;
} Parts;

static void parts_build(Parts *p, LexFixture *fx, const VajraScorer *scorer, const VajraDocSet *docs,
                        size_t n_parts)
{
    memset(p, 0, sizeof *p);
    ck_assert_uint_le(n_parts, MAX_PARTS);
    p->vt = fx->vt;
    p->n = n_parts;
    VajraDocBatch all = vajra_docset_batch(docs);
    VajraError err = {0};
    uint64_t n_docs = 0, total = 0;
    for (size_t i = 0; i < n_parts; i++) {
        size_t lo = all.count * i / n_parts, hi = all.count * (i + 1) / n_parts;
        VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = *scorer};
        ck_assert_int_eq(fx->vt->create(vajra_plugin_state(fx->lex_plugin), &o, &p->ix[i], &err),
                         VAJRA_OK);
        VajraDocBatch b = {all.docs + lo, hi - lo};
        ck_assert_msg(fx->vt->add_batch(p->ix[i], &b, &err) == VAJRA_OK, "%s", err.message);
        ck_assert_int_eq(fx->vt->commit(p->ix[i], &err), VAJRA_OK);
        ck_assert_int_eq(fx->vt->scratch_new(p->ix[i], &p->sc[i], &err), VAJRA_OK);
        p->off[i] = (uint32_t)lo;
        /* Collection statistics from the plain accessor (doc_count, doc_length) ... */
        uint32_t nd = fx->vt->doc_count(p->ix[i]);
        ck_assert_uint_eq(nd, hi - lo);
        uint64_t len = 0;
        for (uint32_t d = 0; d < nd; d++)
            len += fx->vt->doc_length(p->ix[i], d);
        /* ... agree with the version 3 slot. */
        VajraCollectionStats cs;
        fx->vt->collection_stats(p->ix[i], &cs);
        ck_assert_uint_eq(cs.doc_count, nd);
        ck_assert_uint_eq(cs.total_length, len);
        n_docs += nd;
        total += len;
    }
    p->off[n_parts] = (uint32_t)all.count;
    ck_assert_int_eq(vajra_lexical_stats_builder_new(&p->builder, &err), VAJRA_OK);
    vajra_collection_stats_init(&p->coll, n_docs, total);
}

static void parts_free(Parts *p)
{
    for (size_t i = 0; i < p->n; i++) {
        p->vt->scratch_free(p->sc[i]);
        p->vt->free(p->ix[i]);
    }
    vajra_term_bag_clear(&p->bag);
    free(p->terms);
    vajra_lexical_stats_builder_free(p->builder);
}

/* df and cf of an analysed term summed over the parts' postings accessor (and checked against
 * the term_stats slot). */
static VajraTermStats parts_term_stats(const Parts *p, const char *term)
{
    VajraTermStats sum = {0}, slot_sum = {0};
    for (size_t i = 0; i < p->n; i++) {
        VajraPostingsView v;
        p->vt->postings(p->ix[i], term, &v);
        sum.doc_freq += v.count;
        for (size_t j = 0; j < v.count; j++)
            sum.collection_freq += v.tfs[j];
        VajraTermStats ts;
        p->vt->term_stats(p->ix[i], term, &ts);
        slot_sum.doc_freq += ts.doc_freq;
        slot_sum.collection_freq += ts.collection_freq;
    }
    ck_assert_uint_eq(sum.doc_freq, slot_sum.doc_freq);
    ck_assert_uint_eq(sum.collection_freq, slot_sum.collection_freq);
    return sum;
}

static vajra_status parts_callback(void *user, const char *term, VajraTermStats *out,
                                   VajraError *err)
{
    (void)err;
    Parts *p = user;
    p->callback_calls++;
    *out = parts_term_stats(p, term);
    return VAJRA_OK;
}

enum { STATS_TABLE, STATS_CALLBACK, STATS_BUILDER };

/* The statistics of `query`: analysed once (part 0), each distinct term's sums (over the postings
 * accessor) in a table; or an empty table and the callback; or vajra_lexical_stats_gather. */
static VajraLexicalStats parts_stats(Parts *p, const char *query, int how)
{
    VajraError err = {0};
    if (how == STATS_BUILDER) {
        VajraLexicalStats st;
        ck_assert_msg(vajra_lexical_stats_gather(p->builder, p->vt,
                                                 (const VajraLexicalIndex *const *)p->ix, p->n,
                                                 p->sc[0], query, &st, &err) == VAJRA_OK,
                      "%s", err.message);
        ck_assert_uint_eq(st.collection.doc_count, p->coll.doc_count);
        ck_assert_uint_eq(st.collection.total_length, p->coll.total_length);
        for (size_t i = 0; i < st.n_terms; i++) {
            VajraTermStats ts = parts_term_stats(p, st.terms[i].term);
            ck_assert_uint_eq(ts.doc_freq, st.terms[i].stats.doc_freq);
            ck_assert_uint_eq(ts.collection_freq, st.terms[i].stats.collection_freq);
        }
        return st;
    }
    vajra_term_bag_clear(&p->bag);
    ck_assert_msg(p->vt->analyze(p->ix[0], p->sc[0], query, &p->bag, &err) == VAJRA_OK, "%s",
                  err.message);
    p->n_terms = 0;
    if (p->terms_cap < p->bag.count + 1) {
        p->terms_cap = p->bag.count + 1;
        p->terms = realloc(p->terms, p->terms_cap * sizeof *p->terms);
    }
    VajraLexicalStats st = {.struct_size = sizeof st, .collection = p->coll};
    if (how == STATS_CALLBACK) {
        st.term_stats = parts_callback;
        st.user = p;
        return st;
    }
    for (size_t i = 0; i < p->bag.count; i++) {
        size_t j = 0;
        while (j < p->n_terms && strcmp(p->terms[j].term, p->bag.terms[i]) != 0)
            j++;
        if (j < p->n_terms)
            continue;
        VajraTermStats ts = parts_term_stats(p, p->bag.terms[i]);
        if (ts.doc_freq == 0)
            continue; /* in no part: no part needs it */
        p->terms[p->n_terms++] = (VajraLexicalTermStats){p->bag.terms[i], ts};
    }
    st.terms = p->terms;
    st.n_terms = p->n_terms;
    return st;
}

/* Search every part with `stats` (filters per part, or NULL), merge by (score desc, global doc
 * asc), cut to k. Hits carry global numbers. */
static void parts_search(Parts *p, const char *query, uint32_t k,
                         const VajraDocFilter *const *filters, const VajraLexicalStats *stats,
                         VajraHits *merged)
{
    VajraError err = {0};
    VajraHits h = {0};
    merged->count = 0;
    for (size_t i = 0; i < p->n; i++) {
        ck_assert_msg(p->vt->search_stats(p->ix[i], p->sc[i], query, k,
                                          filters ? filters[i] : NULL, stats, &h, &err) ==
                          VAJRA_OK,
                      "%s", err.message);
        for (size_t j = 0; j < h.count; j++)
            ck_assert_int_eq(vajra_hits_push(merged, p->off[i] + h.items[j].doc,
                                             h.items[j].score, &err),
                             VAJRA_OK);
    }
    vajra_hits_sort(merged);
    if (merged->count > k)
        merged->count = k;
    vajra_hits_clear(&h);
}

/* Same documents, same order, scores equal to the bit. Returns the number of differences when
 * `count_only`, else fails on the first. */
static size_t compare_hits(const VajraHits *got, const VajraHits *want, const char *what,
                           const char *query, int count_only)
{
    size_t bad = got->count != want->count;
    if (bad && !count_only)
        ck_abort_msg("%s: %zu hits, want %zu, query '%s'", what, got->count, want->count, query);
    size_t n = got->count < want->count ? got->count : want->count;
    for (size_t i = 0; i < n; i++) {
        int same = got->items[i].doc == want->items[i].doc &&
                   memcmp(&got->items[i].score, &want->items[i].score, sizeof(float)) == 0;
        if (!same && !count_only)
            ck_abort_msg("%s: rank %zu doc %u score %.9g, want doc %u score %.9g, query '%s'",
                         what, i, got->items[i].doc, got->items[i].score, want->items[i].doc,
                         want->items[i].score, query);
        bad += !same;
    }
    return bad;
}

/* K parts == one index, for every query, k = 10 and 100; each part == the stats reference on a
 * subset. Returns the number of differing queries when count_only. */
static size_t parts_equal_single_on(LexFixture *fx, const VajraScorer *part_scorer,
                                    VajraLexicalIndex *full, VajraLexicalScratch *fsc,
                                    size_t n_parts, const char *label, int count_only,
                                    const VajraDocSet *docs, const GPtrArray *texts)
{
    Parts p;
    parts_build(&p, fx, part_scorer, docs, n_parts);
    VajraCollectionStats fcs;
    fx->vt->collection_stats(full, &fcs);
    ck_assert_uint_eq(fcs.doc_count, p.coll.doc_count);
    ck_assert_uint_eq(fcs.total_length, p.coll.total_length);
    VajraHits got = {0}, want = {0}, part = {0}, ref = {0};
    VajraError err = {0};
    size_t bad = 0, nonempty = 0;
    const uint32_t ks[] = {10, 100};
    for (size_t ki = 0; ki < 2; ki++) {
        for (guint q = 0; q < texts->len; q++) {
            const char *text = g_ptr_array_index(texts, q);
            VajraLexicalStats st = parts_stats(&p, text, (int)(q % 3));
            parts_search(&p, text, ks[ki], NULL, &st, &got);
            ck_assert_int_eq(fx->vt->search(full, fsc, text, ks[ki], &want, &err), VAJRA_OK);
            char what[96];
            snprintf(what, sizeof what, "%s K=%zu k=%u", label, n_parts, ks[ki]);
            bad += compare_hits(&got, &want, what, text, count_only) != 0;
            nonempty += want.count > 0;
            if (count_only || q % 4 != 0)
                continue;
            /* (b) each part's fast path == the stats reference with the same statistics */
            for (size_t i = 0; i < p.n; i++) {
                ck_assert_int_eq(fx->vt->search_stats(p.ix[i], p.sc[i], text, ks[ki], NULL, &st,
                                                      &part, &err),
                                 VAJRA_OK);
                ck_assert_msg(vajra_reference_lexical_search_stats(
                                  fx->vt, p.ix[i], fx->vt->scorer(p.ix[i]), text, ks[ki], NULL,
                                  &st, &ref, &err) == VAJRA_OK,
                              "%s", err.message);
                snprintf(what, sizeof what, "%s K=%zu part %zu k=%u vs reference", label,
                         n_parts, i, ks[ki]);
                compare_hits(&part, &ref, what, text, 0);
            }
        }
    }
    if (!count_only)
        ck_assert_uint_gt(nonempty, 2 * texts->len - 40); /* not vacuous */
    vajra_hits_clear(&got);
    vajra_hits_clear(&want);
    vajra_hits_clear(&part);
    vajra_hits_clear(&ref);
    parts_free(&p);
    return bad;
}

/* The same on Cranfield. */
static size_t parts_equal_single(LexFixture *fx, const VajraScorer *part_scorer,
                                 VajraLexicalIndex *full, VajraLexicalScratch *fsc,
                                 size_t n_parts, const char *label, int count_only)
{
    return parts_equal_single_on(fx, part_scorer, full, fsc, n_parts, label, count_only, corpus,
                                 query_texts);
}

static void split_equal_for(const char *scorer, const VajraParam *params, size_t n_params)
{
    LexFixture fx;
    lex_fixture_open(&fx, scorer, params, n_params);
    VajraLexicalIndex *full = lex_fixture_build(&fx, NULL, vajra_docset_batch(corpus));
    VajraLexicalScratch *fsc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(full, &fsc, &err), VAJRA_OK);
    const size_t ks[] = {2, 3, 5};
    for (size_t i = 0; i < 3; i++)
        parts_equal_single(&fx, &fx.scorer, full, fsc, ks[i], scorer, 0);
    fx.vt->scratch_free(fsc);
    fx.vt->free(full);
    lex_fixture_close(&fx);
}

START_TEST(test_split_bm25) { split_equal_for("scorer-bm25", NULL, 0); }
END_TEST
START_TEST(test_split_bm25plus) { split_equal_for("scorer-bm25plus", NULL, 0); }
END_TEST
START_TEST(test_split_tfidf) { split_equal_for("scorer-tfidf", NULL, 0); }
END_TEST
START_TEST(test_split_bm25_ties)
{
    VajraParam p[] = {{"k1", 0.9}, {"b", 0.0}};
    split_equal_for("scorer-bm25", p, 2);
}
END_TEST

/* ---- (c) the bound matters: broken on purpose the comparison fails; absent it stays exact ---- */

static const VajraScorerVtable *orig_vt;
static float half_bound(const void *inst, const VajraCollectionStats *c, double w, uint32_t tf,
                        uint32_t len)
{
    return 0.5f * orig_vt->upper_bound(inst, c, w, tf, len);
}

START_TEST(test_broken_bound_is_caught)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    orig_vt = fx.scorer.vtable;
    VajraLexicalIndex *full = lex_fixture_build(&fx, NULL, vajra_docset_batch(corpus));
    VajraLexicalScratch *fsc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(full, &fsc, &err), VAJRA_OK);

    /* A halved bound drops documents only where lists become non-essential between windows of
     * 8,192 documents: Cranfield's parts fit in one window (every list is added whole), so the
     * broken bound is tried on WordNet in two parts (58k documents, 8 windows each). */
    VajraScorerVtable broken = *fx.scorer.vtable;
    broken.upper_bound = half_bound;
    VajraScorer bs = {&broken, fx.scorer.instance, "bm25-half-bound"};
    char *cp = lex_data_path("wordnet/corpus.jsonl");
    char *qp = lex_data_path("wordnet/queries.jsonl");
    if (g_file_test(cp, G_FILE_TEST_EXISTS) && g_file_test(qp, G_FILE_TEST_EXISTS)) {
        VajraDocSet *wn = NULL, *wq = NULL;
        ck_assert_msg(vajra_docset_read_jsonl(cp, NULL, &wn, &err) == VAJRA_OK, "%s", err.message);
        ck_assert_msg(vajra_docset_read_jsonl(qp, NULL, &wq, &err) == VAJRA_OK, "%s", err.message);
        GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; i < vajra_docset_count(wq) && i < 150; i++)
            g_ptr_array_add(texts, g_strdup(vajra_docset_doc(wq, i)->text));
        VajraLexicalIndex *wfull = lex_fixture_build(&fx, NULL, vajra_docset_batch(wn));
        VajraLexicalScratch *wsc = NULL;
        ck_assert_int_eq(fx.vt->scratch_new(wfull, &wsc, &err), VAJRA_OK);
        size_t bad = parts_equal_single_on(&fx, &bs, wfull, wsc, 2, "broken bound", 1, wn, texts);
        fprintf(stderr, "broken bound: %zu of %u query runs differ (expected many)\n", bad,
                2 * texts->len);
        ck_assert_msg(bad > 20, "a bound halved on purpose went unnoticed (%zu differing queries)",
                      bad);
        fx.vt->scratch_free(wsc);
        fx.vt->free(wfull);
        g_ptr_array_free(texts, TRUE);
        vajra_docset_free(wq);
        vajra_docset_free(wn);
    } else {
        fprintf(stderr, "test_broken_bound_is_caught: %s absent, broken bound not tried\n", cp);
    }
    g_free(cp);
    g_free(qp);

    /* No upper_bound at all: exhaustive over the query terms' postings, still exact. */
    VajraScorerVtable none = *fx.scorer.vtable;
    none.upper_bound = NULL;
    VajraScorer ns = {&none, fx.scorer.instance, "bm25-no-bound"};
    parts_equal_single(&fx, &ns, full, fsc, 3, "no upper_bound", 0);

    fx.vt->scratch_free(fsc);
    fx.vt->free(full);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- filters: per-part slices of one global filter == the single index's filtered search ---- */

static void split_filtered_for(const char *scorer)
{
    LexFixture fx;
    lex_fixture_open(&fx, scorer, NULL, 0);
    VajraLexicalIndex *full = lex_fixture_build(&fx, NULL, vajra_docset_batch(corpus));
    VajraLexicalScratch *fsc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(full, &fsc, &err), VAJRA_OK);
    Parts p;
    parts_build(&p, &fx, &fx.scorer, corpus, 3);
    const double probs[] = {0.5, 0.05, 0.9};
    VajraHits got = {0}, want = {0}, part = {0}, ref = {0};
    for (size_t c = 0; c < 3; c++) {
        TestFilter g, slice[MAX_PARTS];
        const VajraDocFilter *gf = tf_random(&g, 1400, probs[c], 77 + c);
        const VajraDocFilter *pf[MAX_PARTS];
        for (size_t i = 0; i < p.n; i++) {
            uint32_t n = p.off[i + 1] - p.off[i];
            tf_init(&slice[i], n);
            for (uint32_t d = 0; d < n; d++)
                if (vajra_filter_pass(gf, p.off[i] + d))
                    tf_set(&slice[i], d);
            pf[i] = tf_done(&slice[i]);
        }
        size_t hits = 0;
        for (guint q = 0; q < query_texts->len; q++) {
            const char *text = g_ptr_array_index(query_texts, q);
            uint32_t k = q % 2 ? 10 : 100;
            VajraLexicalStats st = parts_stats(&p, text, q % 2 ? STATS_TABLE : STATS_BUILDER);
            parts_search(&p, text, k, pf, &st, &got);
            ck_assert_int_eq(fx.vt->search_filtered(full, fsc, text, k, gf, &want, &err),
                             VAJRA_OK);
            char what[96];
            snprintf(what, sizeof what, "%s filtered p=%.2f k=%u", scorer, probs[c], k);
            compare_hits(&got, &want, what, text, 0);
            hits += want.count;
            if (q % 8 == 0) {
                size_t i = q % p.n;
                ck_assert_int_eq(fx.vt->search_stats(p.ix[i], p.sc[i], text, k, pf[i], &st,
                                                     &part, &err), VAJRA_OK);
                ck_assert_int_eq(vajra_reference_lexical_search_stats(
                                     fx.vt, p.ix[i], &fx.scorer, text, k, pf[i], &st, &ref, &err),
                                 VAJRA_OK);
                compare_hits(&part, &ref, "filtered part vs reference", text, 0);
            }
        }
        ck_assert_uint_gt(hits, 0);
        for (size_t i = 0; i < p.n; i++)
            tf_free(&slice[i]);
        tf_free(&g);
    }
    vajra_hits_clear(&got);
    vajra_hits_clear(&want);
    vajra_hits_clear(&part);
    vajra_hits_clear(&ref);
    parts_free(&p);
    fx.vt->scratch_free(fsc);
    fx.vt->free(full);
    lex_fixture_close(&fx);
}

START_TEST(test_split_filtered_bm25) { split_filtered_for("scorer-bm25"); }
END_TEST
START_TEST(test_split_filtered_tfidf) { split_filtered_for("scorer-tfidf"); }
END_TEST

/* ---- own statistics == search_filtered; NULL stats == search_filtered; save/load; errors ---- */

static vajra_status own_callback(void *user, const char *term, VajraTermStats *out,
                                 VajraError *err)
{
    (void)err;
    const LexFixture *fx = ((void **)user)[0];
    const VajraLexicalIndex *ix = ((void **)user)[1];
    fx->vt->term_stats(ix, term, out);
    return VAJRA_OK;
}

static vajra_status failing_callback(void *user, const char *term, VajraTermStats *out,
                                     VajraError *err)
{
    (void)user, (void)out;
    return vajra_error_set(err, VAJRA_ERR_IO, "no statistics server for '%s'", term);
}

START_TEST(test_own_stats_and_errors)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = lex_fixture_build(&fx, NULL, vajra_docset_batch(corpus));
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    void *user[2] = {&fx, ix};
    VajraLexicalStats own = {.struct_size = sizeof own, .term_stats = own_callback, .user = user};
    fx.vt->collection_stats(ix, &own.collection);
    VajraHits a = {0}, b = {0}, c = {0};
    for (guint q = 0; q < query_texts->len; q++) {
        const char *text = g_ptr_array_index(query_texts, q);
        ck_assert_int_eq(fx.vt->search_filtered(ix, sc, text, 10, NULL, &a, &err), VAJRA_OK);
        ck_assert_int_eq(fx.vt->search_stats(ix, sc, text, 10, NULL, &own, &b, &err), VAJRA_OK);
        ck_assert_int_eq(fx.vt->search_stats(ix, sc, text, 10, NULL, NULL, &c, &err), VAJRA_OK);
        compare_hits(&b, &a, "own stats", text, 0);
        compare_hits(&c, &a, "NULL stats", text, 0);
    }

    /* Save and load: the block data is derived again at load (no new section), same results. */
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ck_assert_int_eq(fx.vt->save(ix, &w, &err), VAJRA_OK);
    VajraSectionReader r = mem_sections_reader(m);
    VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = fx.scorer};
    VajraLexicalIndex *ix2 = NULL;
    VajraLexicalScratch *sc2 = NULL;
    ck_assert_int_eq(fx.vt->load(NULL, &o, &r, &ix2, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->scratch_new(ix2, &sc2, &err), VAJRA_OK);
    VajraLexicalStats moved = own;
    vajra_collection_stats_init(&moved.collection, own.collection.doc_count * 3,
                                own.collection.total_length * 2); /* force scored cursors */
    for (guint q = 0; q < query_texts->len; q += 3) {
        const char *text = g_ptr_array_index(query_texts, q);
        ck_assert_int_eq(fx.vt->search_stats(ix, sc, text, 10, NULL, &moved, &a, &err), VAJRA_OK);
        ck_assert_int_eq(fx.vt->search_stats(ix2, sc2, text, 10, NULL, &moved, &b, &err),
                         VAJRA_OK);
        compare_hits(&b, &a, "after load", text, 0);
        ck_assert_int_eq(vajra_reference_lexical_search_stats(fx.vt, ix2, &fx.scorer, text, 10,
                                                              NULL, &moved, &c, &err),
                         VAJRA_OK);
        compare_hits(&b, &c, "moved stats vs reference", text, 0);
    }
    fx.vt->scratch_free(sc2);
    fx.vt->free(ix2);
    mem_sections_free(m);

    /* Errors: both the fast path and the reference refuse the same things. */
    VajraLexicalStats bad = own;
    bad.struct_size = 8;
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_reference_lexical_search_stats(fx.vt, ix, &fx.scorer, "wing", 10, NULL,
                                                          &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    bad = own;
    bad.collection.avg_doc_length = 0.0;
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    bad.collection.avg_doc_length = NAN;
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    bad = own;
    bad.term_stats = NULL; /* a term with postings but no statistics */
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "wing"));
    ck_assert_int_eq(vajra_reference_lexical_search_stats(fx.vt, ix, &fx.scorer, "wing", 10, NULL,
                                                          &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    /* ... but terms in no document need none. */
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "qqxyzzyunseen", 10, NULL, &bad, &a, &err),
                     VAJRA_OK);
    ck_assert_uint_eq(a.count, 0);
    bad.term_stats = failing_callback;
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err), VAJRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "statistics server"));
    VajraLexicalTermStats zero = {"wing", {0, 0}};
    bad.terms = &zero;
    bad.n_terms = 1;
    ck_assert_int_eq(fx.vt->search_stats(ix, sc, "wing", 10, NULL, &bad, &a, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);

    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&c);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* ---- every scorer's upper_bound bounds score over a grid (including negative weights) ---- */

START_TEST(test_upper_bound_grid)
{
    const char *names[] = {"scorer-bm25", "scorer-bm25plus", "scorer-tfidf"};
    const VajraParam ties[] = {{"b", 0.0}}, full_b[] = {{"b", 1.0}, {"k1", 2.5}};
    const double weights[] = {-3.0, -0.25, 0.0, 1e-6, 0.3, 1.0, 4.7, 19.0};
    const uint64_t ns[] = {1, 10, 1400, 1000000};
    const double avgs[] = {1.0, 7.5, 91.3, 400.0};
    const uint32_t max_tfs[] = {1, 2, 3, 7, 60};
    const uint32_t min_lens[] = {0, 1, 2, 5, 40, 900};
    size_t checked = 0;
    for (size_t s = 0; s < 3; s++) {
        for (int variant = 0; variant < 3; variant++) {
            LexFixture fx;
            const VajraParam *pp = variant == 1 ? ties : variant == 2 ? full_b : NULL;
            size_t np = variant == 1 ? 1 : variant == 2 ? 2 : 0;
            if (s == 2)
                pp = NULL, np = 0;
            lex_fixture_open(&fx, names[s], pp, np);
            const VajraScorerVtable *sv = fx.scorer.vtable;
            ck_assert_ptr_nonnull(sv->upper_bound);
            for (size_t a = 0; a < 4; a++)
                for (size_t v = 0; v < 4; v++) {
                    VajraCollectionStats c = {.doc_count = ns[a],
                                              .total_length = (uint64_t)(avgs[v] * ns[a]),
                                              .avg_doc_length = avgs[v]};
                    for (size_t wi = 0; wi < 8; wi++)
                        for (size_t ti = 0; ti < 5; ti++)
                            for (size_t li = 0; li < 6; li++) {
                                uint32_t mt = max_tfs[ti], ml = min_lens[li];
                                float ub = sv->upper_bound(fx.scorer.instance, &c, weights[wi],
                                                           mt, ml);
                                ck_assert(!isnan(ub));
                                for (uint32_t tf = 1; tf <= mt; tf++) {
                                    uint32_t lo = ml > tf ? ml : tf;
                                    const uint32_t dls[] = {lo, lo + 1, lo * 2, lo * 10 + 3,
                                                            100000};
                                    for (size_t di = 0; di < 5; di++) {
                                        float sc = sv->score(fx.scorer.instance, &c, weights[wi],
                                                             tf, dls[di]);
                                        ck_assert_msg(sc <= ub,
                                                      "%s: score(w=%g, tf=%u, dl=%u) = %.9g > "
                                                      "upper_bound(max_tf=%u, min_len=%u) = %.9g",
                                                      names[s], weights[wi], tf, dls[di],
                                                      (double)sc, mt, ml, (double)ub);
                                        checked++;
                                    }
                                }
                            }
                }
            lex_fixture_close(&fx);
        }
    }
    ck_assert_uint_gt(checked, 100000);
}
END_TEST

/* ---- (d) WordNet split in 4 (skipped when the data is absent) ---- */

START_TEST(test_split_wordnet)
{
    char *cp = lex_data_path("wordnet/corpus.jsonl");
    char *qp = lex_data_path("wordnet/queries.jsonl");
    if (!g_file_test(cp, G_FILE_TEST_EXISTS) || !g_file_test(qp, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "test_split_wordnet: %s absent, skipped\n", cp);
        g_free(cp);
        g_free(qp);
        return;
    }
    VajraError err = {0};
    VajraDocSet *wn = NULL, *wq = NULL;
    ck_assert_msg(vajra_docset_read_jsonl(cp, NULL, &wn, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_docset_read_jsonl(qp, NULL, &wq, &err) == VAJRA_OK, "%s", err.message);
    g_free(cp);
    g_free(qp);
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *full = lex_fixture_build(&fx, NULL, vajra_docset_batch(wn));
    VajraLexicalScratch *fsc = NULL;
    ck_assert_int_eq(fx.vt->scratch_new(full, &fsc, &err), VAJRA_OK);
    Parts p;
    parts_build(&p, &fx, &fx.scorer, wn, 4);
    GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < vajra_docset_count(wq) && i < 300; i++)
        g_ptr_array_add(texts, g_strdup(vajra_docset_doc(wq, i)->text));
    random_queries(texts, wn, 100, 4242);
    VajraHits got = {0}, want = {0};
    size_t nonempty = 0;
    for (guint q = 0; q < texts->len; q++) {
        const char *text = g_ptr_array_index(texts, q);
        uint32_t k = q % 2 ? 10 : 100;
        VajraLexicalStats st = parts_stats(&p, text, q % 2 ? STATS_TABLE : STATS_BUILDER);
        parts_search(&p, text, k, NULL, &st, &got);
        ck_assert_int_eq(fx.vt->search(full, fsc, text, k, &want, &err), VAJRA_OK);
        compare_hits(&got, &want, "wordnet K=4", text, 0);
        nonempty += want.count > 0;
    }
    ck_assert_uint_gt(nonempty, texts->len / 2);
    vajra_hits_clear(&got);
    vajra_hits_clear(&want);
    g_ptr_array_free(texts, TRUE);
    parts_free(&p);
    fx.vt->scratch_free(fsc);
    fx.vt->free(full);
    lex_fixture_close(&fx);
    vajra_docset_free(wq);
    vajra_docset_free(wn);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("lexical-stats");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_add_test(tc, test_split_bm25);
    tcase_add_test(tc, test_split_bm25plus);
    tcase_add_test(tc, test_split_tfidf);
    tcase_add_test(tc, test_split_bm25_ties);
    tcase_add_test(tc, test_broken_bound_is_caught);
    tcase_add_test(tc, test_split_filtered_bm25);
    tcase_add_test(tc, test_split_filtered_tfidf);
    tcase_add_test(tc, test_own_stats_and_errors);
    tcase_add_test(tc, test_upper_bound_grid);
    tcase_add_test(tc, test_split_wordnet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
