/* Filtered search through a collection (Cranfield, 1,400 documents with LSA-128 vectors and
 * attributes derived from their numbers: lang, year, tags):
 *  - lexical: the filtered top-k equals the unfiltered ranking restricted to the passing
 *    documents (same ids, order and bit-identical scores: statistics are the whole index's);
 *  - exact vector: equals brute force over the passing documents; beam search returns only
 *    passing documents with recall ≥ 0.9 against exact filtered search;
 *  - hybrid: only passing documents, equal to RRF of the two filtered exact sides;
 *  - filters passing nothing, everything, one document, an id allow-set; unknown fields;
 *  - live collections: upserts change attributes, deletes never come back, compaction and a
 *    save/reopen keep the attributes; a batch whose attribute has the wrong type is refused. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vajra/collection.h"
#include "vajra/filter_expr.h"
#include "vajra/fusion.h"
#include "vajra/io.h"

#define N_DOCS 1400

static VajraRegistry *reg;
static VajraDocSet *corpus, *queries;
static VajraMatrixF32 doc_vecs, query_vecs;
static char *attrs[N_DOCS];
static VajraDocument docs[N_DOCS];
static VajraCollection *coll;

/* The attributes of document i, as the oracle sees them. */
static const char *lang_of(size_t i) { return i % 5 == 0 ? "fr" : i % 7 == 0 ? "de" : "en"; }
static int year_of(size_t i) { return 1950 + (int)((i * 37) % 40); }
static int has_tag(size_t i, char t) { return (t == 'a' && i % 3 == 0) || (t == 'b' && i % 4 == 1); }

static void load_data(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    const char *dir = getenv("VAJRA_DATA_DIR");
    ck_assert_ptr_nonnull(dir);
    char *p = g_build_filename(dir, "cranfield", "corpus.jsonl", NULL);
    ck_assert_int_eq(vajra_docset_read_jsonl(p, NULL, &corpus, &err), VAJRA_OK);
    g_free(p);
    p = g_build_filename(dir, "cranfield", "queries.jsonl", NULL);
    ck_assert_int_eq(vajra_docset_read_jsonl(p, NULL, &queries, &err), VAJRA_OK);
    g_free(p);
    p = g_build_filename(dir, "cranfield", "lsa128.docs.npy", NULL);
    ck_assert_int_eq(vajra_npy_read_f32(p, &doc_vecs, &err), VAJRA_OK);
    g_free(p);
    p = g_build_filename(dir, "cranfield", "lsa128.queries.npy", NULL);
    ck_assert_int_eq(vajra_npy_read_f32(p, &query_vecs, &err), VAJRA_OK);
    g_free(p);
    ck_assert_int_eq(vajra_docset_attach_vectors(corpus, &doc_vecs, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_count(corpus), N_DOCS);
    for (size_t i = 0; i < N_DOCS; i++) {
        GString *tags = g_string_new("[");
        if (has_tag(i, 'a'))
            g_string_append(tags, "\"a\"");
        if (has_tag(i, 'b'))
            g_string_append(tags, tags->len > 1 ? ",\"b\"" : "\"b\"");
        g_string_append(tags, "]");
        /* Every 11th document has no year: missing values never match a comparison. */
        if (i % 11 == 3)
            attrs[i] = g_strdup_printf("{\"lang\":\"%s\",\"tags\":%s}", lang_of(i), tags->str);
        else
            attrs[i] = g_strdup_printf("{\"lang\":\"%s\",\"year\":%d,\"tags\":%s}", lang_of(i),
                                       year_of(i), tags->str);
        g_string_free(tags, TRUE);
        docs[i] = *vajra_docset_doc(corpus, i);
        docs[i].attrs = attrs[i];
    }
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "fast", .threads = 2};
    ck_assert_int_eq(vajra_collection_create(reg, &o, &coll, &err), VAJRA_OK);
    VajraDocBatch b = {docs, N_DOCS};
    ck_assert_msg(vajra_collection_add(coll, &b, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_int_eq(vajra_collection_commit(coll, &err), VAJRA_OK);
}

static void free_data(void)
{
    vajra_collection_free(coll);
    for (size_t i = 0; i < N_DOCS; i++)
        g_free(attrs[i]);
    vajra_docset_free(corpus);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&doc_vecs);
    vajra_matrix_f32_clear(&query_vecs);
    vajra_registry_free(reg);
}

/* A filter and its oracle. */
typedef struct Case {
    const char *text;
    int (*pass)(size_t i);
} Case;

static int p_en(size_t i) { return strcmp(lang_of(i), "en") == 0; }
static int p_fr_recent(size_t i) { return strcmp(lang_of(i), "fr") == 0 && i % 11 != 3 && year_of(i) >= 1975; }
static int p_not_a(size_t i) { return !has_tag(i, 'a'); }
static int p_or(size_t i) { return (has_tag(i, 'b') && i % 11 != 3 && year_of(i) < 1960) || strcmp(lang_of(i), "de") == 0; }
static int p_none(size_t i) { (void)i; return 0; }
static int p_all(size_t i) { (void)i; return 1; }
static int p_one(size_t i) { return i == 17; }
static int p_ids(size_t i) { return i == 3 || i == 500 || i == 999; }
static int p_no_year(size_t i) { return i % 11 == 3; }

static const Case cases[] = {
    {"lang = \"en\"", p_en},
    {"lang = \"fr\" AND year >= 1975", p_fr_recent},
    {"NOT tags = \"a\"", p_not_a},
    {"(tags = \"b\" AND year < 1960) OR lang = \"de\"", p_or},
    {"year > 3000", p_none},
    {"", p_all},
    {"_id IN [\"18\"]", p_one}, /* Cranfield ids are 1-based */
    {"_id IN [\"4\", \"501\", \"1000\", \"no-such\"]", p_ids},
    {"NOT EXISTS(year)", p_no_year},
};

static VajraFilterExpr *parse(const char *text)
{
    VajraFilterExpr *e = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_filter_parse(text, &e, &err) == VAJRA_OK, "%s", err.message);
    return e;
}

static long doc_index(const char *id)
{
    long i = vajra_docset_find(corpus, id);
    ck_assert_int_ge(i, 0);
    return i;
}

static void search(VajraCollection *c, VajraSearchRequest *q, VajraResults *r)
{
    VajraError err = {0};
    q->struct_size = sizeof *q;
    ck_assert_msg(vajra_collection_search(c, q, r, &err) == VAJRA_OK, "%s", err.message);
}

START_TEST(lexical_filtered_equals_restricted_ranking)
{
    const Case *cs = &cases[_i];
    VajraFilterExpr *f = parse(cs->text);
    VajraResults all = {0}, got = {0};
    size_t nq = vajra_docset_count(queries);
    for (size_t qi = 0; qi < nq; qi += 5) {
        const char *text = vajra_docset_doc(queries, qi)->text;
        VajraSearchRequest q = {.text = text, .k = N_DOCS, .mode = VAJRA_MODE_LEXICAL};
        search(coll, &q, &all);
        q.k = 10;
        q.filter = f;
        search(coll, &q, &got);
        size_t j = 0;
        for (size_t i = 0; i < all.count && j < 10; i++) {
            if (!cs->pass((size_t)doc_index(all.items[i].id)))
                continue;
            ck_assert_msg(j < got.count, "%s: query %zu: too few hits", cs->text, qi);
            ck_assert_str_eq(got.items[j].id, all.items[i].id);
            ck_assert(got.items[j].score == all.items[i].score);
            j++;
        }
        ck_assert_uint_eq(got.count, j);
    }
    vajra_results_clear(&all);
    vajra_results_clear(&got);
    vajra_filter_free(f);
}
END_TEST

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

START_TEST(vector_filtered_exact_and_beam)
{
    const Case *cs = &cases[_i];
    VajraFilterExpr *f = parse(cs->text);
    VajraResults exact = {0}, beam = {0};
    size_t passing = 0;
    for (size_t i = 0; i < N_DOCS; i++)
        passing += (size_t)cs->pass(i);
    size_t nq = vajra_docset_count(queries), found = 0, wanted = 0;
    for (size_t qi = 0; qi < nq; qi += 3) {
        const float *qv = query_vecs.data + qi * query_vecs.dim;
        VajraSearchRequest q = {.vector = qv, .dim = (uint32_t)query_vecs.dim, .k = 10,
                                .mode = VAJRA_MODE_VECTOR, .ef = VAJRA_EF_EXACT, .filter = f};
        search(coll, &q, &exact);
        ck_assert_uint_eq(exact.count, passing < 10 ? passing : 10);
        /* brute force over the passing documents: the i-th best score */
        double *best = g_new(double, passing + 1);
        size_t n = 0;
        for (size_t i = 0; i < N_DOCS; i++)
            if (cs->pass(i))
                best[n++] = dot(qv, doc_vecs.data + i * doc_vecs.dim, doc_vecs.dim);
        for (size_t a = 0; a < n; a++) /* partial selection sort: top 10 */
            for (size_t b = a + 1; a < 10 && b < n; b++)
                if (best[b] > best[a]) {
                    double t = best[a];
                    best[a] = best[b];
                    best[b] = t;
                }
        for (size_t h = 0; h < exact.count; h++) {
            ck_assert(cs->pass((size_t)doc_index(exact.items[h].id)));
            ck_assert_msg(fabs(exact.items[h].score - best[h]) < 1e-4, "%s rank %zu", cs->text, h);
        }
        g_free(best);
        q.ef = 0;
        search(coll, &q, &beam);
        GHashTable *truth = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t h = 0; h < exact.count; h++)
            g_hash_table_add(truth, (gpointer)exact.items[h].id);
        for (size_t h = 0; h < beam.count; h++) {
            ck_assert(cs->pass((size_t)doc_index(beam.items[h].id)));
            found += g_hash_table_contains(truth, beam.items[h].id);
        }
        wanted += exact.count;
        g_hash_table_unref(truth);
    }
    if (wanted > 0)
        ck_assert_msg((double)found / (double)wanted >= 0.9, "%s: recall %.3f", cs->text,
                      (double)found / (double)wanted);
    vajra_results_clear(&exact);
    vajra_results_clear(&beam);
    vajra_filter_free(f);
}
END_TEST

START_TEST(hybrid_filtered_fuses_filtered_sides)
{
    const Case *cs = &cases[_i];
    VajraFilterExpr *f = parse(cs->text);
    VajraResults lex = {0}, vec = {0}, hyb = {0};
    VajraError err = {0};
    for (size_t qi = 0; qi < 40; qi++) {
        VajraSearchRequest q = {.text = vajra_docset_doc(queries, qi)->text,
                                .vector = query_vecs.data + qi * query_vecs.dim,
                                .dim = (uint32_t)query_vecs.dim, .k = 10, .depth = 50,
                                .ef = VAJRA_EF_EXACT, .filter = f, .mode = VAJRA_MODE_HYBRID};
        search(coll, &q, &hyb);
        q.k = 50;
        q.mode = VAJRA_MODE_LEXICAL;
        search(coll, &q, &lex);
        q.mode = VAJRA_MODE_VECTOR;
        search(coll, &q, &vec);
        VajraHits a = {0}, b = {0}, fused = {0};
        for (size_t h = 0; h < lex.count; h++)
            vajra_hits_push(&a, lex.items[h].doc, lex.items[h].score, &err);
        for (size_t h = 0; h < vec.count; h++)
            vajra_hits_push(&b, vec.items[h].doc, vec.items[h].score, &err);
        ck_assert_int_eq(vajra_fuse_rrf(&a, &b, VAJRA_RRF_K_DEFAULT, 10, &fused, &err), VAJRA_OK);
        ck_assert_uint_eq(hyb.count, fused.count);
        for (size_t h = 0; h < hyb.count; h++) {
            ck_assert_uint_eq(hyb.items[h].doc, fused.items[h].doc);
            ck_assert(cs->pass((size_t)doc_index(hyb.items[h].id)));
        }
        vajra_hits_clear(&a);
        vajra_hits_clear(&b);
        vajra_hits_clear(&fused);
    }
    vajra_results_clear(&lex);
    vajra_results_clear(&vec);
    vajra_results_clear(&hyb);
    vajra_filter_free(f);
}
END_TEST

START_TEST(bad_filters_and_attributes_are_refused)
{
    VajraError err = {0};
    VajraFilterExpr *f = parse("colour = \"red\"");
    VajraSearchRequest q = {.struct_size = sizeof q, .text = "flow", .filter = f};
    VajraResults r = {0};
    ck_assert_int_eq(vajra_collection_search(coll, &q, &r, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "colour"));
    vajra_filter_free(f);
    f = parse("year = \"1960\""); /* a string against an int field */
    q.filter = f;
    ck_assert_int_ne(vajra_collection_search(coll, &q, &r, &err), VAJRA_OK);
    vajra_filter_free(f);
    vajra_results_clear(&r);
    /* The schema was inferred from the first batch and is fixed: a year that is a string is
     * refused, naming the document and the field, and nothing is staged. */
    VajraDocument d = docs[0];
    d.id = "new-doc";
    d.attrs = "{\"year\":\"nineteen sixty\"}";
    VajraDocBatch b = {&d, 1};
    ck_assert_int_eq(vajra_collection_add(coll, &b, &err), VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err.message, "new-doc"));
    ck_assert_ptr_nonnull(strstr(err.message, "year"));
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(coll, &n);
    ck_assert_uint_eq(n.staged_adds, 0);
}
END_TEST

/* Live: attributes follow upserts, deletes never come back, compaction and reopening keep them. */
START_TEST(filters_on_a_live_collection)
{
    VajraError err = {0};
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "instant", .threads = 2,
                                .attr_schema = "lang:keyword, year:int, tags:tags"};
    VajraCollection *c = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_OK);
    VajraDocBatch b = {docs, 300};
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    /* doc 1 (id "2") becomes French; doc 5 (id "6", French) is deleted. */
    VajraDocument up = docs[1];
    up.attrs = "{\"lang\":\"fr\",\"year\":1999}";
    VajraDocBatch ub = {&up, 1};
    ck_assert_int_eq(vajra_collection_upsert(c, &ub, &err), VAJRA_OK);
    const char *gone[] = {docs[5].id};
    ck_assert_int_eq(vajra_collection_delete(c, gone, 1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    VajraFilterExpr *f = parse("lang = \"fr\"");
    char *path = g_strdup_printf("%s/vajra-filtered-%d.vjr", g_get_tmp_dir(), (int)getpid());
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            ck_assert_int_eq(vajra_collection_compact(c, NULL, &err), VAJRA_OK);
        if (round == 2) {
            ck_assert_int_eq(vajra_collection_save(c, path, NULL, &err), VAJRA_OK);
            vajra_collection_free(c);
            ck_assert_msg(vajra_collection_open(reg, path, NULL, &c, &err) == VAJRA_OK, "%s",
                          err.message);
        }
        VajraSearchRequest q = {.vector = docs[1].vector, .dim = docs[1].dim, .k = 300,
                                .ef = VAJRA_EF_EXACT, .filter = f, .with_attrs = 1,
                                .mode = VAJRA_MODE_VECTOR};
        VajraResults r = {0};
        search(c, &q, &r);
        size_t want = 0;
        for (size_t i = 0; i < 300; i++)
            want += (i == 1) || (i != 5 && strcmp(lang_of(i), "fr") == 0);
        ck_assert_uint_eq(r.count, want);
        ck_assert_str_eq(r.items[0].id, docs[1].id); /* its own vector, now French */
        ck_assert_ptr_nonnull(strstr(r.items[0].attrs, "\"year\":1999"));
        for (size_t h = 0; h < r.count; h++) {
            ck_assert_str_ne(r.items[h].id, docs[5].id);
            ck_assert_ptr_nonnull(strstr(r.items[h].attrs, "\"lang\":\"fr\""));
        }
        vajra_results_clear(&r);
    }
    vajra_filter_free(f);
    vajra_collection_free(c);
    unlink(path);
    g_free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filtered");
    TCase *tc = tcase_create("cranfield");
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_set_timeout(tc, 300);
    int n = (int)(sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, lexical_filtered_equals_restricted_ranking, 0, n);
    tcase_add_loop_test(tc, vector_filtered_exact_and_beam, 0, n);
    tcase_add_loop_test(tc, hybrid_filtered_fuses_filtered_sides, 0, n);
    tcase_add_test(tc, bad_filters_and_attributes_are_refused);
    tcase_add_test(tc, filters_on_a_live_collection);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
