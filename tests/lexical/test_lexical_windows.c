/* Suite 'lexical', the fast path over many windows: WordNet (116,659 documents, so 15 windows of
 * 8,192 documents; Cranfield's 1,400 fit in one, where every list is added whole). The pruned
 * search must equal the core's exhaustive reference — documents, order, scores within 1e-5
 * relative (the same double sums) — for held-out WordNet queries and seeded random ones (2-8 words
 * from random glosses: common words next to rare ones, so non-essential lists are both scanned
 * and searched candidate by candidate), at k = 1, 10, 100, for BM25 and TF-IDF, without and with
 * document filters (which thin the candidates further). Skipped when the data is absent. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lex_fixture.h"
#include "test_filter.h"

static VajraDocSet *corpus;
static GPtrArray *texts;

static void load_data(void)
{
    char *cp = lex_data_path("wordnet/corpus.jsonl");
    char *qp = lex_data_path("wordnet/queries.jsonl");
    VajraError err = {0};
    VajraDocSet *queries = NULL;
    texts = g_ptr_array_new_with_free_func(g_free);
    if (g_file_test(cp, G_FILE_TEST_EXISTS) && g_file_test(qp, G_FILE_TEST_EXISTS)) {
        ck_assert_msg(vajra_docset_read_jsonl(cp, NULL, &corpus, &err) == VAJRA_OK, "%s",
                      err.message);
        ck_assert_msg(vajra_docset_read_jsonl(qp, NULL, &queries, &err) == VAJRA_OK, "%s",
                      err.message);
        for (size_t i = 0; i < vajra_docset_count(queries) && i < 200; i++)
            g_ptr_array_add(texts, g_strdup(vajra_docset_doc(queries, i)->text));
        GRand *rng = g_rand_new_with_seed(20261202);
        size_t nd = vajra_docset_count(corpus);
        for (int q = 0; q < 200; q++) {
            GString *s = g_string_new(NULL);
            int words = g_rand_int_range(rng, 2, 9);
            for (int w = 0; w < words; w++) {
                const VajraDocument *d =
                    vajra_docset_doc(corpus, (size_t)g_rand_int_range(rng, 0, (gint32)nd));
                gchar **toks = g_strsplit(d->text ? d->text : "", " ", -1);
                guint nt = g_strv_length(toks);
                if (nt > 0)
                    g_string_append_printf(s, "%s ", toks[g_rand_int_range(rng, 0, (gint32)nt)]);
                g_strfreev(toks);
            }
            if (q % 5 == 0 && s->len > 0)
                g_string_append(s, s->str); /* qtf 2 */
            g_ptr_array_add(texts, g_string_free(s, FALSE));
        }
        g_rand_free(rng);
        vajra_docset_free(queries);
    } else {
        fprintf(stderr, "test-lexical-windows: %s absent, skipped\n", cp);
    }
    g_free(cp);
    g_free(qp);
}

static void free_data(void)
{
    g_ptr_array_free(texts, TRUE);
    vajra_docset_free(corpus);
}

static void windows_parity(const char *scorer)
{
    if (corpus == NULL)
        return;
    LexFixture fx;
    lex_fixture_open(&fx, scorer, NULL, 0);
    VajraLexicalIndex *ix = lex_fixture_build(&fx, NULL, vajra_docset_batch(corpus));
    uint32_t n = fx.vt->doc_count(ix);
    ck_assert_uint_gt(n, 8 * 8192);
    VajraLexicalScratch *sc = NULL;
    VajraError err = {0};
    ck_assert_int_eq(fx.vt->scratch_new(ix, &sc, &err), VAJRA_OK);
    TestFilter tf[4];
    const VajraDocFilter *filters[] = {NULL, tf_random(&tf[0], n, 0.5, 7),
                                       tf_random(&tf[1], n, 0.1, 8), tf_random(&tf[2], n, 0.01, 9),
                                       tf_prefix(&tf[3], n / 2, n / 2)};
    const char *labels[] = {"no filter", "random 50%", "random 10%", "random 1%", "first half"};
    const uint32_t ks[] = {10, 100, 1};
    VajraHits fast = {0}, ref = {0};
    size_t nonempty = 0, runs = 0;
    for (size_t f = 0; f < 5; f++)
        for (size_t ki = 0; ki < 3; ki++)
            for (guint q = 0; q < texts->len; q++) {
                if ((f > 0 || ki > 0) && q % 4 != (f + ki) % 4)
                    continue; /* every query unfiltered at k = 10; a quarter of them otherwise */
                const char *text = g_ptr_array_index(texts, q);
                ck_assert_msg(fx.vt->search_filtered(ix, sc, text, ks[ki], filters[f], &fast,
                                                     &err) == VAJRA_OK, "%s", err.message);
                ck_assert_msg(vajra_reference_lexical_search_filtered(
                                  fx.vt, ix, &fx.scorer, text, ks[ki], filters[f], &ref, &err) ==
                                  VAJRA_OK, "%s", err.message);
                char what[128];
                snprintf(what, sizeof what, "wordnet %s k=%u %s", scorer, ks[ki], labels[f]);
                lex_assert_same_hits(&fast, &ref, what, text);
                if (f == 0) { /* search is search_filtered with no filter */
                    ck_assert_int_eq(fx.vt->search(ix, sc, text, ks[ki], &ref, &err), VAJRA_OK);
                    lex_assert_same_hits(&fast, &ref, "search vs search_filtered", text);
                }
                nonempty += ref.count > 0;
                runs++;
            }
    ck_assert_uint_gt(nonempty, runs * 9 / 10); /* not vacuous */
    for (size_t i = 0; i < 4; i++)
        tf_free(&tf[i]);
    vajra_hits_clear(&fast);
    vajra_hits_clear(&ref);
    fx.vt->scratch_free(sc);
    fx.vt->free(ix);
    lex_fixture_close(&fx);
}

START_TEST(test_windows_bm25) { windows_parity("scorer-bm25"); }
END_TEST
START_TEST(test_windows_tfidf) { windows_parity("scorer-tfidf"); }
END_TEST

int main(void)
{
    Suite *s = suite_create("lexical-windows");
    TCase *tc = tcase_create("windows");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_add_test(tc, test_windows_bm25);
    tcase_add_test(tc, test_windows_tfidf);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
