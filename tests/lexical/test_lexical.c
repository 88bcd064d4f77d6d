/* Suite 'lexical': analyzer, index building rules, edge cases, scorers, save/load.
 * Small fixtures written inline; every expected value is derived by hand from the stated rules
 * (or computed independently in the test), never copied from the implementation's output. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lex_fixture.h"

static char *bag_join(const VajraTermBag *bag)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < bag->count; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", bag->terms[i]);
    return g_string_free(s, FALSE);
}

/* Analyse `text` with a fresh index of the given options; returns the terms space-joined. */
static char *analyze_with(LexFixture *fx, const VajraAnalyzerOptions *an, const char *text)
{
    VajraLexicalIndex *ix = lex_fixture_index(fx, an);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx->vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    VajraTermBag bag = {0};
    ck_assert_msg(fx->vt->analyze(ix, sc, text, &bag, &err) == VAJRA_OK, "%s", err.message);
    char *joined = bag_join(&bag);
    vajra_term_bag_clear(&bag);
    fx->vt->scratch_free(sc);
    fx->vt->free(ix);
    return joined;
}

#define ASSERT_ANALYSIS(fx, an, text, expected)                                                 \
    do {                                                                                        \
        char *got_ = analyze_with(fx, an, text);                                                \
        ck_assert_str_eq(got_, expected);                                                       \
        g_free(got_);                                                                           \
    } while (0)

START_TEST(test_analyzer_rules)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    /* Lowercase, split on punctuation, drop stopwords ("the", "of", "and"), Snowball english. */
    ASSERT_ANALYSIS(&fx, NULL, "The Running of the Bulls, and jumping!", "run bull jump");
    /* Digits are word characters; hyphen splits. */
    ASSERT_ANALYSIS(&fx, NULL, "mach-2 flows at 300km", "mach 2 flow 300km");
    /* Porter vs english differ on "generously" (Porter: generous; Porter2: generous) and on
     * "fairly" (Porter: fairli; Porter2: fair). */
    VajraAnalyzerOptions porter = {.stemmer = VAJRA_STEMMER_PORTER};
    ASSERT_ANALYSIS(&fx, &porter, "fairly", "fairli");
    ASSERT_ANALYSIS(&fx, NULL, "fairly", "fair");
    /* Stemming off and stopwords kept. */
    VajraAnalyzerOptions raw = {.stemmer = VAJRA_STEMMER_NONE, .keep_stopwords = 1};
    ASSERT_ANALYSIS(&fx, &raw, "The Running of", "the running of");
    /* Case folding and NFKC of non-ASCII letters: "ÉCOLE" → "école"; the ligature "ﬁ" → "fi";
     * a combining acute stays inside its word; em dash splits. */
    VajraAnalyzerOptions nostem = {.stemmer = VAJRA_STEMMER_NONE};
    ASSERT_ANALYSIS(&fx, &nostem, "\xC3\x89""COLE \xEF\xAC\x81nd caf" "e\xCC\x81" "\xE2\x80\x94x",
                    "\xC3\xA9""cole find caf\xC3\xA9 x");
    /* Max token length (characters): tokens longer than 5 are dropped, 5 is kept. */
    VajraAnalyzerOptions shortt = {.stemmer = VAJRA_STEMMER_NONE, .max_token_length = 5};
    ASSERT_ANALYSIS(&fx, &shortt, "abcde abcdef \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 x",
                    "abcde \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 x");
    /* Only stopwords and punctuation → nothing. */
    ASSERT_ANALYSIS(&fx, NULL, "the of and -- !!", "");
    lex_fixture_close(&fx);
}
END_TEST

START_TEST(test_bad_options)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraLexicalIndex *ix = NULL;
    VajraLexicalOptions o = {.struct_size = sizeof o, .scorer = fx.scorer};
    o.analyzer.stemmer = 7;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &ix, &err), VAJRA_ERR_INVALID_ARGUMENT);
    o.analyzer.stemmer = 0;
    o.scorer.vtable = NULL;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &ix, &err), VAJRA_ERR_INVALID_ARGUMENT);
    /* Scorer parameters are checked by name and range. */
    void *inst = NULL;
    VajraParam bad[] = {{"k3", 1.0}};
    ck_assert_int_eq(fx.scorer.vtable->create(NULL, bad, 1, &inst, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "k3"));
    VajraParam badb[] = {{"b", 1.5}};
    ck_assert_int_eq(fx.scorer.vtable->create(NULL, badb, 1, &inst, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    lex_fixture_close(&fx);
}
END_TEST

static const VajraDocument small_docs[] = {
    {.id = "d0", .title = "Wing", .text = "wing flutter at high speed"},
    {.id = "d1", .title = NULL, .text = "boundary layer on a flat plate"},
    {.id = "d2", .title = "Empty", .text = ""},
    {.id = "d3", .title = NULL, .text = NULL},
    {.id = "d4", .title = "Flutter", .text = "flutter of a wing wing wing"},
};
#define N_SMALL (sizeof small_docs / sizeof small_docs[0])

static uint32_t search_count(LexFixture *fx, VajraLexicalIndex *ix, const char *q, uint32_t k,
                             VajraHits *hits)
{
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx->vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    ck_assert_msg(fx->vt->search(ix, sc, q, k, hits, &err) == VAJRA_OK, "%s", err.message);
    fx->vt->scratch_free(sc);
    return (uint32_t)hits->count;
}

START_TEST(test_small_index_semantics)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = lex_fixture_build(&fx, NULL, (VajraDocBatch){small_docs, N_SMALL});
    ck_assert_uint_eq(fx.vt->doc_count(ix), N_SMALL);
    /* Lengths by hand: d0 "wing" + "wing flutter high speed" (at = stopword) = 5;
     * d1 "boundary layer flat plate" = 4 (on, a stopwords); d2 "empty" = 1; d3 = 0;
     * d4 "flutter" + "flutter wing wing wing" = 5. */
    const uint32_t len[] = {5, 4, 1, 0, 5};
    for (uint32_t d = 0; d < N_SMALL; d++)
        ck_assert_uint_eq(fx.vt->doc_length(ix, d), len[d]);
    /* Postings of "wing": d0 tf 2, d4 tf 3. */
    VajraPostingsView v;
    fx.vt->postings(ix, "wing", &v);
    ck_assert_uint_eq(v.count, 2);
    ck_assert_uint_eq(v.docs[0], 0);
    ck_assert_uint_eq(v.tfs[0], 2);
    ck_assert_uint_eq(v.docs[1], 4);
    ck_assert_uint_eq(v.tfs[1], 3);
    fx.vt->postings(ix, "nosuchterm", &v);
    ck_assert_uint_eq(v.count, 0);
    /* ids ↔ numbers */
    ck_assert_str_eq(fx.vt->doc_id(ix, 3), "d3");
    ck_assert_ptr_null(fx.vt->doc_id(ix, N_SMALL));
    uint32_t num = 99;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->doc_number(ix, "d4", &num, &err), VAJRA_OK);
    ck_assert_uint_eq(num, 4);
    ck_assert_int_eq(fx.vt->doc_number(ix, "zz", &num, &err), VAJRA_ERR_NOT_FOUND);

    VajraHits hits = {0};
    /* Empty and stopword-only queries, k = 0 → no hits. */
    ck_assert_uint_eq(search_count(&fx, ix, "", 10, &hits), 0);
    ck_assert_uint_eq(search_count(&fx, ix, "the of a", 10, &hits), 0);
    ck_assert_uint_eq(search_count(&fx, ix, "wing", 0, &hits), 0);
    ck_assert_uint_eq(search_count(&fx, ix, "unknownword", 10, &hits), 0);
    /* k > N: every matching document (flutter: d0, d4; wing: d0, d4; plate: d1). */
    ck_assert_uint_eq(search_count(&fx, ix, "wing flutter plate", 1000, &hits), 3);
    /* BM25 by hand for "wing": N = 5, avgdl = 15/5 = 3, df = 2, idf = ln(1 + 3.5/2.5).
     * d0: tf 2, dl 5; d4: tf 3, dl 5. Higher tf at equal length ranks first. */
    ck_assert_uint_eq(search_count(&fx, ix, "wing", 10, &hits), 2);
    ck_assert_uint_eq(hits.items[0].doc, 4);
    ck_assert_uint_eq(hits.items[1].doc, 0);
    double idf = log(1.0 + 3.5 / 2.5), k1 = 1.2, b = 0.75, avgdl = 3.0;
    double s4 = idf * 3 * (k1 + 1) / (3 + k1 * (1 - b + b * 5 / avgdl));
    double s0 = idf * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 5 / avgdl));
    ck_assert_double_eq_tol(hits.items[0].score, s4, 1e-5 * s4);
    ck_assert_double_eq_tol(hits.items[1].score, s0, 1e-5 * s0);
    /* A repeated query term counts twice. */
    ck_assert_uint_eq(search_count(&fx, ix, "wing wing", 10, &hits), 2);
    ck_assert_double_eq_tol(hits.items[0].score, 2 * s4, 2e-5 * s4);
    /* The empty documents are findable by id, matchable by title ("Empty" → "empti"). */
    ck_assert_uint_eq(search_count(&fx, ix, "empty", 10, &hits), 1);
    ck_assert_uint_eq(hits.items[0].doc, 2);
    vajra_hits_clear(&hits);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

START_TEST(test_search_before_commit)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = lex_fixture_index(&fx, NULL);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    VajraHits hits = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->search(ix, sc, "wing", 10, &hits, &err), VAJRA_ERR_STATE);
    /* An empty committed index answers with nothing. */
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->search(ix, sc, "wing", 10, &hits, &err), VAJRA_OK);
    ck_assert_uint_eq(hits.count, 0);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

START_TEST(test_duplicates_all_or_nothing)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraLexicalIndex *ix = lex_fixture_build(&fx, NULL, (VajraDocBatch){small_docs, 2});
    VajraError err = {0};
    /* Second batch repeats "d1" after a fresh document with a new word: nothing is added. */
    VajraDocument again[] = {{.id = "x9", .text = "zeppelin"}, {.id = "d1", .text = "plate"}};
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){again, 2}, &err),
                     VAJRA_ERR_DUPLICATE);
    ck_assert_ptr_nonnull(strstr(err.message, "d1"));
    /* Duplicate inside one batch. */
    VajraDocument twice[] = {{.id = "y1", .text = "a"}, {.id = "y1", .text = "b"}};
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){twice, 2}, &err),
                     VAJRA_ERR_DUPLICATE);
    ck_assert_ptr_nonnull(strstr(err.message, "y1"));
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    ck_assert_uint_eq(fx.vt->doc_count(ix), 2);
    VajraPostingsView v;
    fx.vt->postings(ix, "zeppelin", &v);
    ck_assert_uint_eq(v.count, 0);
    /* After the failures, a good batch gets the next numbers (2, 3). */
    VajraDocument good[] = {{.id = "x9", .text = "zeppelin"}, {.id = "y1", .text = "zeppelin"}};
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){good, 2}, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    fx.vt->postings(ix, "zeppelin", &v);
    ck_assert_uint_eq(v.count, 2);
    ck_assert_uint_eq(v.docs[0], 2);
    ck_assert_uint_eq(v.docs[1], 3);
    ck_assert_uint_eq(v.tfs[0], 1);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

START_TEST(test_invalid_utf8)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    VajraDocument docs[] = {{.id = "ok", .text = "good words"},
                            {.id = "broken-7", .text = "bad \xC3\x28 bytes"}};
    VajraLexicalIndex *ix = lex_fixture_index(&fx, NULL);
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){docs, 2}, &err), VAJRA_ERR_ENCODING);
    ck_assert_ptr_nonnull(strstr(err.message, "broken-7"));
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    ck_assert_uint_eq(fx.vt->doc_count(ix), 0); /* not half-added */
    VajraLexicalScratch *sc = NULL;
    VajraHits hits = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->search(ix, sc, "bad \xFF", 10, &hits, &err), VAJRA_ERR_ENCODING);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);

    /* Repair on: the document is kept, the invalid byte becomes U+FFFD (a separator). */
    VajraAnalyzerOptions rep = {.repair_utf8 = 1};
    ix = lex_fixture_build(&fx, &rep, (VajraDocBatch){docs, 2});
    ck_assert_uint_eq(fx.vt->doc_count(ix), 2);
    /* "bad", "(", "bytes": "bad" and "byte" are indexed; doc length 2. */
    ck_assert_uint_eq(fx.vt->doc_length(ix, 1), 2);
    ck_assert_uint_eq(search_count(&fx, ix, "bytes \xFF", 10, &hits), 1);
    ck_assert_uint_eq(hits.items[0].doc, 1);
    vajra_hits_clear(&hits);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

START_TEST(test_title_option_and_misuse)
{
    LexFixture fx;
    lex_fixture_open(&fx, "scorer-bm25", NULL, 0);
    VajraError err = {0};
    /* ignore_title: only the text is indexed (d0: "wing flutter high speed" = 4 terms). */
    VajraLexicalOptions o = {.struct_size = sizeof o, .ignore_title = 1, .scorer = fx.scorer};
    VajraLexicalIndex *ix = NULL, *other = NULL;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &ix, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->add_batch(ix, &(VajraDocBatch){small_docs, N_SMALL}, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->commit(ix, &err), VAJRA_OK);
    ck_assert_uint_eq(fx.vt->doc_length(ix, 0), 4);
    ck_assert_uint_eq(fx.vt->doc_length(ix, 2), 0);
    VajraHits hits = {0};
    ck_assert_uint_eq(search_count(&fx, ix, "empty", 10, &hits), 0);
    /* A scratch belongs to one index. */
    other = lex_fixture_build(&fx, NULL, (VajraDocBatch){small_docs, N_SMALL});
    VajraLexicalScratch *sc = NULL;
    ck_assert_int_eq(fx.vt->scratch_new(other, &sc, &err), VAJRA_OK);
    ck_assert_int_eq(fx.vt->search(ix, sc, "wing", 10, &hits, &err), VAJRA_ERR_INVALID_ARGUMENT);
    fx.vt->scratch_free(sc);
    /* Options out of range. */
    VajraLexicalIndex *bad = NULL;
    o.analyzer.max_token_length = 5000;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &bad, &err), VAJRA_ERR_INVALID_ARGUMENT);
    o.struct_size = 4;
    o.analyzer.max_token_length = 0;
    ck_assert_int_eq(fx.vt->create(NULL, &o, &bad, &err), VAJRA_ERR_INVALID_ARGUMENT);
    vajra_hits_clear(&hits);
    fx.vt->free(other);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}
END_TEST

/* Every scorer's declared upper bound is ≥ its score over a grid of (tf, dl). */
START_TEST(test_scorer_bounds_sound)
{
    const char *names[] = {"scorer-bm25", "scorer-bm25plus", "scorer-tfidf"};
    for (size_t i = 0; i < 3; i++) {
        LexFixture fx;
        lex_fixture_open(&fx, names[i], NULL, 0);
        const VajraScorerVtable *sv = fx.scorer.vtable;
        ck_assert_ptr_nonnull(sv->upper_bound);
        VajraCollectionStats coll;
        vajra_collection_stats_init(&coll, 1000, 12345);
        VajraTermStats ts = {.doc_freq = 17, .collection_freq = 40};
        double w = sv->term_weight(fx.scorer_instance, &coll, &ts);
        ck_assert(w > 0);
        for (uint32_t max_tf = 1; max_tf < 20; max_tf += 3)
            for (uint32_t min_dl = max_tf; min_dl < 200; min_dl += 7) {
                float ub = sv->upper_bound(fx.scorer_instance, &coll, w, max_tf, min_dl);
                for (uint32_t tf = 1; tf <= max_tf; tf++)
                    for (uint32_t dl = min_dl; dl < min_dl + 300; dl += 11) {
                        float s = sv->score(fx.scorer_instance, &coll, w, tf, dl < tf ? tf : dl);
                        ck_assert_msg(s <= ub, "%s: score %g > bound %g", names[i], s, ub);
                    }
            }
        lex_fixture_close(&fx);
    }
}
END_TEST

static Suite *lexical_suite(void)
{
    Suite *s = suite_create("lexical");
    TCase *tc = tcase_create("unit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_analyzer_rules);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_small_index_semantics);
    tcase_add_test(tc, test_search_before_commit);
    tcase_add_test(tc, test_duplicates_all_or_nothing);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_title_option_and_misuse);
    tcase_add_test(tc, test_scorer_bounds_sound);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexical_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
