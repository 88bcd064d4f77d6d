/* Tests for the evaluation metrics (include/vajra/eval.h), on hand-computed cases.
 *
 * The expected numbers were worked out by hand from the definitions in eval.h (linear gain,
 * discount log2(rank + 1), ideal DCG from the qrels) and are written as literals with the
 * arithmetic beside them, so the test does not reuse the code it checks. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/eval.h"

#define EPS 1e-12

static VajraQrels *hand_qrels(void)
{
    VajraQrels *q = NULL;
    ck_assert_int_eq(vajra_qrels_new(&q, NULL), VAJRA_OK);
    /* q1: three relevant documents with grades 3, 2, 1 and one judged non-relevant. */
    ck_assert_int_eq(vajra_qrels_add(q, "q1", "d1", 3, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_qrels_add(q, "q1", "d2", 2, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_qrels_add(q, "q1", "d3", 1, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_qrels_add(q, "q1", "d4", 0, NULL), VAJRA_OK);
    /* q2: one relevant document. */
    ck_assert_int_eq(vajra_qrels_add(q, "q2", "d9", 1, NULL), VAJRA_OK);
    /* q3: judged relevant, but the run will have nothing for it. */
    ck_assert_int_eq(vajra_qrels_add(q, "q3", "d1", 2, NULL), VAJRA_OK);
    /* q4: no relevant document (grades 0 and -1): not part of the mean. */
    ck_assert_int_eq(vajra_qrels_add(q, "q4", "d1", 0, NULL), VAJRA_OK);
    ck_assert_int_eq(vajra_qrels_add(q, "q4", "d2", -1, NULL), VAJRA_OK);
    return q;
}

/* Rankings of filler ids "x<i>" (never judged), in static storage, with positions overwritten
 * by the tests. */
#define MAX_FILL 128
static char fill_names[MAX_FILL][8];

static void fill(const char **r, size_t n)
{
    ck_assert_uint_le(n, MAX_FILL);
    for (size_t i = 0; i < n; i++) {
        snprintf(fill_names[i], sizeof fill_names[i], "x%zu", i);
        r[i] = fill_names[i];
    }
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(graded_query_by_hand)
{
    VajraQrels *q = hand_qrels();
    const char *ranked[] = {"d4", "d1", "zz", "d3"};
    VajraMetrics m;
    int judged = -1;
    ck_assert_int_eq(vajra_eval_query(q, "q1", ranked, 4, &m, &judged, NULL), VAJRA_OK);
    ck_assert_int_eq(judged, 1);
    /* DCG = 3/log2(3) + 1/log2(5) = 1.892789 + 0.430677; IDCG = 3/1 + 2/log2(3) + 1/log2(4)
     * = 4.761860; nDCG = 0.48793245901154890 */
    ck_assert_double_eq_tol(m.ndcg_at_10, 0.4879324590115489, EPS);
    ck_assert_double_eq_tol(m.recall_at_100, 2.0 / 3.0, EPS); /* d1, d3 of d1, d2, d3 */
    ck_assert_double_eq_tol(m.map, (1.0 / 2 + 2.0 / 4) / 3, EPS); /* P@2 = 1/2, P@4 = 2/4 */
    ck_assert_double_eq_tol(m.mrr_at_10, 0.5, EPS);
    /* Exponential gain: DCG = 7/log2(3) + 1/log2(5); IDCG = 7 + 3/log2(3) + 1/log2(4) */
    ck_assert_double_eq_tol(m.ndcg_at_10_exp, 0.5160538258158408, EPS);

    /* The ideal order scores 1 on every metric. */
    const char *ideal[] = {"d1", "d2", "d3"};
    ck_assert_int_eq(vajra_eval_query(q, "q1", ideal, 3, &m, NULL, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(m.ndcg_at_10, 1.0, EPS);
    ck_assert_double_eq_tol(m.recall_at_100, 1.0, EPS);
    ck_assert_double_eq_tol(m.map, 1.0, EPS);
    ck_assert_double_eq_tol(m.mrr_at_10, 1.0, EPS);
    ck_assert_double_eq_tol(m.ndcg_at_10_exp, 1.0, EPS);

    /* Relevant documents in the wrong grade order: DCG = 1 + 2/log2(3) + 3/log2(4) = 3.761860,
     * nDCG = 3.7618595071429146 / 4.7618595071429146 = 0.78999... */
    const char *swapped[] = {"d3", "d2", "d1"};
    ck_assert_int_eq(vajra_eval_query(q, "q1", swapped, 3, &m, NULL, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(m.ndcg_at_10, 3.7618595071429146 / 4.7618595071429146, 1e-12);
    /* exp: (1 + 3/log2(3) + 7/2) / (7 + 3/log2(3) + 1/2) */
    ck_assert_double_eq_tol(m.ndcg_at_10_exp, 0.6806060567602009, EPS);
    ck_assert_double_eq_tol(m.map, 1.0, EPS); /* binary relevance: all three first */
    vajra_qrels_free(q);
}
END_TEST

START_TEST(cutoffs)
{
    VajraQrels *q = hand_qrels();
    VajraMetrics m;
    /* q2's only relevant document at rank 11: outside nDCG@10 and MRR@10, inside recall@100. */
    const char *r[101];
    fill(r, 101);
    r[10] = "d9";
    ck_assert_int_eq(vajra_eval_query(q, "q2", r, 11, &m, NULL, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(m.ndcg_at_10, 0.0, EPS);
    ck_assert_double_eq_tol(m.mrr_at_10, 0.0, EPS);
    ck_assert_double_eq_tol(m.recall_at_100, 1.0, EPS);
    ck_assert_double_eq_tol(m.map, 1.0 / 11, EPS);
    /* At rank 10 it is inside: nDCG = (1/log2(11)) / 1, MRR = 1/10. */
    fill(r, 101);
    r[9] = "d9";
    ck_assert_int_eq(vajra_eval_query(q, "q2", r, 11, &m, NULL, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(m.ndcg_at_10, 0.28906482631788782, EPS); /* 1/log2(11) */
    ck_assert_double_eq_tol(m.mrr_at_10, 0.1, EPS);
    /* At rank 101: outside recall@100, still in MAP over the whole ranking. */
    fill(r, 101);
    r[100] = "d9";
    ck_assert_int_eq(vajra_eval_query(q, "q2", r, 101, &m, NULL, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(m.recall_at_100, 0.0, EPS);
    ck_assert_double_eq_tol(m.map, 1.0 / 101, EPS);
    vajra_qrels_free(q);
}
END_TEST

START_TEST(ideal_dcg_truncated_at_ten)
{
    /* Twelve relevant documents of grade 1, retrieved at ranks 3..14. */
    VajraQrels *q = NULL;
    ck_assert_int_eq(vajra_qrels_new(&q, NULL), VAJRA_OK);
    const char *r[14];
    fill(r, 14);
    char names[12][8];
    for (int i = 0; i < 12; i++) {
        snprintf(names[i], sizeof names[i], "r%d", i);
        ck_assert_int_eq(vajra_qrels_add(q, "q", names[i], 1, NULL), VAJRA_OK);
        r[i + 2] = names[i];
    }
    VajraMetrics m;
    ck_assert_int_eq(vajra_eval_query(q, "q", r, 14, &m, NULL, NULL), VAJRA_OK);
    /* sum_{r=3..10} 1/log2(r+1) / sum_{r=1..10} 1/log2(r+1) */
    ck_assert_double_eq_tol(m.ndcg_at_10, 0.6410457898283652, EPS);
    ck_assert_double_eq_tol(m.ndcg_at_10_exp, 0.6410457898283652, EPS); /* binary: the same */
    /* AP = (1/3 + 2/4 + ... + 12/14) / 12 */
    ck_assert_double_eq_tol(m.map, 0.7080729455729454, EPS);
    ck_assert_double_eq_tol(m.mrr_at_10, 1.0 / 3, EPS);
    vajra_qrels_free(q);
}
END_TEST

START_TEST(mean_over_judged_queries)
{
    VajraQrels *q = hand_qrels();
    VajraEval *ev = NULL;
    ck_assert_int_eq(vajra_eval_new(q, &ev, NULL), VAJRA_OK);
    const char *r1[] = {"d4", "d1", "zz", "d3"};
    VajraMetrics per;
    ck_assert_int_eq(vajra_eval_add(ev, "q1", r1, 4, &per, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(per.mrr_at_10, 0.5, EPS);
    const char *r2[11];
    fill(r2, 11);
    r2[10] = "d9";
    ck_assert_int_eq(vajra_eval_add(ev, "q2", r2, 11, NULL, NULL), VAJRA_OK);
    /* q4 (no relevant) and an unknown query are ignored; q3 never gets a ranking. */
    const char *r4[] = {"d1"};
    ck_assert_int_eq(vajra_eval_add(ev, "q4", r4, 1, &per, NULL), VAJRA_OK);
    ck_assert_double_eq_tol(per.ndcg_at_10, 0.0, EPS);
    ck_assert_int_eq(vajra_eval_add(ev, "unknown", NULL, 0, NULL, NULL), VAJRA_OK);
    VajraError err = {0};
    ck_assert_int_eq(vajra_eval_add(ev, "q1", r1, 4, NULL, &err), VAJRA_ERR_DUPLICATE);

    VajraEvalSummary s;
    vajra_eval_summary(ev, &s);
    ck_assert_uint_eq(s.judged_queries, 3);
    ck_assert_uint_eq(s.ranked_queries, 2);
    ck_assert_uint_eq(s.unjudged_rankings, 2);
    ck_assert_double_eq_tol(s.mean.ndcg_at_10, 0.4879324590115489 / 3, EPS);
    ck_assert_double_eq_tol(s.mean.recall_at_100, (2.0 / 3 + 1 + 0) / 3, EPS);
    ck_assert_double_eq_tol(s.mean.map, (1.0 / 3 + 1.0 / 11 + 0) / 3, EPS);
    ck_assert_double_eq_tol(s.mean.mrr_at_10, (0.5 + 0 + 0) / 3, EPS);
    ck_assert_double_eq_tol(s.mean.ndcg_at_10_exp, 0.5160538258158408 / 3, EPS);
    vajra_eval_free(ev);
    vajra_qrels_free(q);
}
END_TEST

START_TEST(hits_and_errors)
{
    VajraQrels *q = hand_qrels();
    VajraEval *ev = NULL;
    ck_assert_int_eq(vajra_eval_new(q, &ev, NULL), VAJRA_OK);
    const char *ids[] = {"d1", "d2", "d3", "d4"};
    VajraHit items[] = {{3, 9.0f}, {0, 8.0f}, {2, 7.0f}};
    VajraHits hits = {items, 3, 3};
    VajraMetrics m;
    ck_assert_int_eq(vajra_eval_add_hits(ev, "q1", &hits, ids, 4, &m, NULL), VAJRA_OK);
    /* d4, d1, d3: DCG = 3/log2(3) + 1/log2(4) = 2.392789, / 4.761860 */
    ck_assert_double_eq_tol(m.ndcg_at_10, 2.3927892607143724 / 4.7618595071429146, 1e-12);
    ck_assert_double_eq_tol(m.map, (1.0 / 2 + 2.0 / 3) / 3, EPS);

    VajraError err = {0};
    VajraHit bad[] = {{7, 1.0f}};
    VajraHits badhits = {bad, 1, 1};
    ck_assert_int_eq(vajra_eval_add_hits(ev, "q2", &badhits, ids, 4, NULL, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "q2"));
    const char *dup[] = {"d1", "zz", "d1"};
    ck_assert_int_eq(vajra_eval_query(q, "q1", dup, 3, &m, NULL, &err), VAJRA_ERR_DUPLICATE);
    ck_assert_ptr_nonnull(strstr(err.message, "d1"));
    ck_assert_int_eq(vajra_eval_query(q, "q1", NULL, 2, &m, NULL, &err), VAJRA_ERR_INVALID_ARGUMENT);
    /* An empty ranking of a judged query is 0 everywhere. */
    int judged = 0;
    ck_assert_int_eq(vajra_eval_query(q, "q3", NULL, 0, &m, &judged, NULL), VAJRA_OK);
    ck_assert_int_eq(judged, 1);
    ck_assert_double_eq_tol(m.ndcg_at_10 + m.recall_at_100 + m.map + m.mrr_at_10, 0.0, EPS);
    vajra_eval_free(ev);
    vajra_qrels_free(q);
}
END_TEST

START_TEST(cranfield_qrels_against_themselves)
{
    /* Ranking each query's judged documents by grade must give nDCG@10 = MAP = recall = MRR = 1
     * on every Cranfield query, and ranking them worst-first must give less nDCG whenever the
     * query has documents of different grades. A property on real data. */
    const char *dir = getenv("VAJRA_DATA_DIR");
    char *path = g_build_filename(dir && *dir ? dir : "../shared/data", "cranfield", "qrels.tsv", NULL);
    VajraQrels *q = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_qrels_read(path, &q, &err) == VAJRA_OK, "%s", err.message);
    g_free(path);
    char *text = NULL;
    gsize len = 0;
    char *p2 = g_build_filename(dir && *dir ? dir : "../shared/data", "cranfield", "qrels.tsv", NULL);
    ck_assert(g_file_get_contents(p2, &text, &len, NULL));
    g_free(p2);
    /* Gather (doc, grade) per query from the raw file, independently of the reader. */
    GHashTable *per = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines + 1; *l; l++) {
        char **f = g_strsplit(*l, "\t", 3);
        if (g_strv_length(f) == 3) {
            GPtrArray *a = g_hash_table_lookup(per, f[0]);
            if (!a) {
                a = g_ptr_array_new_with_free_func(g_free);
                g_hash_table_insert(per, g_strdup(f[0]), a);
            }
            g_ptr_array_add(a, g_strdup_printf("%s\t%s", f[2], f[1]));
        }
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(text);
    ck_assert_uint_eq(g_hash_table_size(per), vajra_qrels_query_count(q));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, per);
    size_t differing = 0;
    while (g_hash_table_iter_next(&it, &k, &v)) {
        GPtrArray *a = v;
        /* "grade\tdoc": sort by grade descending (single-digit grades). */
        g_ptr_array_sort(a, compare_strings);
        size_t n = a->len;
        const char **best = g_new(const char *, n), **worst = g_new(const char *, n);
        for (size_t i = 0; i < n; i++) {
            const char *s = g_ptr_array_index(a, i);
            worst[i] = strchr(s, '\t') + 1;
            best[n - 1 - i] = worst[i];
        }
        VajraMetrics m;
        ck_assert_int_eq(vajra_eval_query(q, k, best, n, &m, NULL, NULL), VAJRA_OK);
        ck_assert_double_eq_tol(m.ndcg_at_10, 1.0, 1e-12);
        ck_assert_double_eq_tol(m.ndcg_at_10_exp, 1.0, 1e-12);
        ck_assert_double_eq_tol(m.map, 1.0, 1e-12);
        ck_assert_double_eq_tol(m.mrr_at_10, 1.0, 1e-12);
        ck_assert_double_eq_tol(m.recall_at_100, n <= 100 ? 1.0 : 100.0 / n, 1e-12);
        const char *lo = g_ptr_array_index(a, 0), *hi = g_ptr_array_index(a, n - 1);
        if (lo[0] != hi[0]) {
            VajraMetrics w;
            ck_assert_int_eq(vajra_eval_query(q, k, worst, n, &w, NULL, NULL), VAJRA_OK);
            ck_assert_msg(w.ndcg_at_10 < 1.0 - 1e-9, "query %s", (const char *)k);
            ck_assert_msg(w.ndcg_at_10_exp < 1.0 - 1e-9, "query %s", (const char *)k);
            differing++;
        }
        g_free(best);
        g_free(worst);
    }
    ck_assert_uint_gt(differing, 100);
    g_hash_table_destroy(per);
    vajra_qrels_free(q);
}
END_TEST

/* vajra_qrels_foreach_doc visits every judged document of a query once, with its grade. */
static void sum_grades(void *user, const char *doc_id, int grade)
{
    int *acc = user;
    acc[0] += grade;
    acc[1] += doc_id[0] == 'd';
}

START_TEST(foreach_judged_document)
{
    VajraQrels *q = hand_qrels();
    int acc[2] = {0, 0};
    ck_assert_uint_eq(vajra_qrels_foreach_doc(q, "q1", sum_grades, acc), 4);
    ck_assert_int_eq(acc[0], 3 + 2 + 1 + 0);
    ck_assert_int_eq(acc[1], 4);
    acc[0] = acc[1] = 0;
    ck_assert_uint_eq(vajra_qrels_foreach_doc(q, "q4", sum_grades, acc), 2);
    ck_assert_int_eq(acc[0], -1);
    ck_assert_uint_eq(vajra_qrels_foreach_doc(q, "q4", NULL, NULL), 2);
    ck_assert_uint_eq(vajra_qrels_foreach_doc(q, "nope", sum_grades, acc), 0);
    ck_assert_uint_eq(vajra_qrels_foreach_doc(NULL, "q1", sum_grades, acc), 0);
    vajra_qrels_free(q);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *t = tcase_create("metrics");
    tcase_add_test(t, graded_query_by_hand);
    tcase_add_test(t, cutoffs);
    tcase_add_test(t, ideal_dcg_truncated_at_ten);
    tcase_add_test(t, mean_over_judged_queries);
    tcase_add_test(t, hits_and_errors);
    tcase_add_test(t, cranfield_qrels_against_themselves);
    tcase_add_test(t, foreach_judged_document);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(eval_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
