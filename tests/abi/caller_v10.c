/* Interfaces that grow: a caller built against the ABI 1.0 headers (tests/abi/include-1.0,
 * copied from commit 7c3eb22, before 1.1 grew VajraDocument.attrs, VajraAnalyzerOptions.language,
 * VajraCollectionOptions.attr_schema and the lexical v2/v3 and vector v2 slots) linked with
 * today's libvajra-core, on Cranfield (1,400 abstracts, 225 queries, LSA-128 vectors):
 *  - its 1.0-sized options and 1.0-strided document arrays build the same collection, and its
 *    searches return the same hits (ids and scores), as today's caller (current.c);
 *  - a lexical plugin built against 1.0 (lexical_v10.c, vtable version 1) is loaded by today's
 *    core and ranks as lexical-bm25 does; the slots it lacks are VAJRA_ERR_UNSUPPORTED, never a
 *    crash (also through today's API: current.c); a vector plugin built against 1.0
 *    (vector_v10.c, no search_filtered, no graph) returns vector-hnsw's exact hits, filtered too;
 *  - a plugin of a newer major ABI is refused, the message naming both versions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "current.h"
#include "vajra/collection.h"
#include "vajra/io.h"

#if VAJRA_ABI_MINOR != 0
#error "caller_v10.c must be built against tests/abi/include-1.0"
#endif

static VajraRegistry *reg;
static VajraDocSet *corpus, *queries;
static VajraMatrixF32 doc_vecs, query_vecs;

static void load_data(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    char *p = abi_data_path("corpus.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    p = abi_data_path("queries.jsonl");
    ck_assert_int_eq(vajra_docset_read_jsonl(p, NULL, &queries, &err), VAJRA_OK);
    g_free(p);
    p = abi_data_path("lsa128.docs.npy");
    ck_assert_int_eq(vajra_npy_read_f32(p, &doc_vecs, &err), VAJRA_OK);
    g_free(p);
    p = abi_data_path("lsa128.queries.npy");
    ck_assert_int_eq(vajra_npy_read_f32(p, &query_vecs, &err), VAJRA_OK);
    g_free(p);
    ck_assert_int_eq(vajra_docset_attach_vectors(corpus, &doc_vecs, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_count(corpus), 1400);
}

static void free_data(void)
{
    vajra_docset_free(corpus);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&doc_vecs);
    vajra_matrix_f32_clear(&query_vecs);
    vajra_registry_free(reg);
}

/* Retrieve through a 1.0 retriever and turn document numbers into ids. */
static void retrieve(VajraCollection *c, VajraMorphism *m, const void *query, AbiHits *out)
{
    VajraHits h = {0};
    VajraError err = {0};
    ck_assert_msg(vajra_morphism_apply(m, query, &h, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_le(h.count, ABI_K);
    out->count = (unsigned)h.count;
    for (size_t i = 0; i < h.count; i++) {
        const char *id = vajra_collection_doc_id(c, h.items[i].doc);
        ck_assert_ptr_nonnull(id);
        ck_assert_uint_lt(strlen(id), sizeof out->ids[i]);
        strcpy(out->ids[i], id);
        out->scores[i] = h.items[i].score;
    }
    vajra_hits_clear(&h);
}

static void assert_same(const AbiHits *a, const AbiHits *b, const char *what, size_t q)
{
    ck_assert_msg(a->count == b->count, "%s query %zu: %u hits vs %u", what, q, a->count,
                  b->count);
    for (unsigned h = 0; h < a->count; h++) {
        ck_assert_msg(strcmp(a->ids[h], b->ids[h]) == 0, "%s query %zu hit %u: %s vs %s", what, q,
                      h, a->ids[h], b->ids[h]);
        ck_assert_msg(a->scores[h] == b->scores[h], "%s query %zu hit %u: score %.9g vs %.9g",
                      what, q, h, a->scores[h], b->scores[h]);
    }
}

static const VajraParam bm25_params[2] = {{"k1", ABI_K1}, {"b", ABI_B}};

START_TEST(old_structs_are_read_as_1_0)
{
    /* The layouts this file sees are 1.0's, not today's. */
    ck_assert_uint_eq(sizeof(VajraCollectionOptions), 104);
    ck_assert_uint_eq(sizeof(VajraDocument), 40);
    ck_assert_uint_eq(sizeof(VajraAnalyzerOptions), 16);
    ck_assert_uint_eq(VAJRA_LEXICAL_VTABLE_VERSION, 1);
}
END_TEST

START_TEST(old_caller_gets_todays_results)
{
    VajraError err = {0};
    /* Every field after the embedded analyzer is set away from its default: read at 1.1's
     * offsets they would be garbage. */
    VajraCollectionOptions o = {.struct_size = sizeof o,
                                .scorer_params = bm25_params,
                                .n_scorer_params = 2,
                                .analyzer = {.stemmer = VAJRA_STEMMER_PORTER,
                                             .max_token_length = ABI_MAX_TOKEN},
                                .ignore_title = 1,
                                .dim = ABI_DIM,
                                .metric = VAJRA_METRIC_IP,
                                .profile = "fast",
                                .M = ABI_M,
                                .ef_construction = ABI_EFC,
                                .ef_search = ABI_EFS,
                                .threads = 1};
    VajraCollection *c = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    /* The docset's batch and the add both speak 1.0 documents (40-byte stride). */
    VajraDocBatch all = vajra_docset_batch(corpus);
    ck_assert_uint_eq(all.count, 1400);
    ck_assert_str_eq(all.docs[1399].id, vajra_docset_doc(corpus, 1399)->id);
    ck_assert_ptr_eq(all.docs[1399].vector, vajra_docset_doc(corpus, 1399)->vector);
    ck_assert_msg(vajra_collection_add(c, &all, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);

    VajraCollectionInfo info;
    vajra_collection_info(c, &info);
    ck_assert_uint_eq(info.doc_count, 1400);
    ck_assert_uint_eq(info.dim, ABI_DIM);
    ck_assert_uint_eq(info.metric, VAJRA_METRIC_IP);
    ck_assert_str_eq(info.profile, "fast");
    ck_assert_uint_eq(info.vector_params.M, ABI_M);
    ck_assert_uint_eq(info.vector_params.ef_construction, ABI_EFC);
    ck_assert_uint_eq(info.vector_params.ef_search, ABI_EFS);
    ck_assert_uint_eq(info.n_scorer_params, 2);
    ck_assert_str_eq(vajra_collection_doc_id(c, 1399), "1400");

    void *today = cur_build_hybrid();
    VajraMorphism *lex = NULL, *vec = NULL;
    ck_assert_int_eq(vajra_collection_lexical_retriever(c, &lex, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &vec, &err), VAJRA_OK);
    for (size_t i = 0; i < ABI_QUERIES; i++) {
        AbiHits a, b;
        VajraTextQuery tq = {vajra_docset_doc(queries, i)->text, ABI_K};
        retrieve(c, lex, &tq, &a);
        cur_lexical(today, tq.text, &b);
        ck_assert_uint_eq(a.count, ABI_K);
        assert_same(&a, &b, "lexical", i);
        const float *qv = query_vecs.data + i * query_vecs.dim;
        VajraVectorQuery vq = {qv, ABI_DIM, ABI_K};
        retrieve(c, vec, &vq, &a);
        cur_vector(today, qv, &b);
        ck_assert_uint_eq(a.count, ABI_K);
        assert_same(&a, &b, "vector", i);
        /* Today's API searches the collection the 1.0 caller built, with the same answer. */
        cur_lexical(c, tq.text, &a);
        cur_lexical(today, tq.text, &b);
        assert_same(&a, &b, "lexical (today's API on the 1.0-built collection)", i);
    }
    vajra_morphism_unref(lex);
    vajra_morphism_unref(vec);
    cur_free(today);
    vajra_collection_free(c);
}
END_TEST

/* Cranfield in two commits (first + the rest), lexical with stemmer none and stopwords kept;
 * with vectors (IP) through `vector_plugin` unless it is NULL. */
static VajraCollection *build(const char *lexical_plugin, const char *vector_plugin, size_t first)
{
    VajraError err = {0};
    VajraCollectionOptions o = {.struct_size = sizeof o,
                                .lexical_plugin = lexical_plugin,
                                .analyzer = {.stemmer = VAJRA_STEMMER_NONE, .keep_stopwords = 1},
                                .dim = vector_plugin ? ABI_DIM : 0,
                                .metric = VAJRA_METRIC_IP,
                                .vector_plugin = vector_plugin,
                                .threads = 1};
    VajraCollection *c = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch head = {all.docs, first}, tail = {all.docs + first, all.count - first};
    ck_assert_msg(vajra_collection_add(c, &head, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
    if (tail.count > 0) {
        ck_assert_msg(vajra_collection_add(c, &tail, &err) == VAJRA_OK, "%s", err.message);
        ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
    }
    ck_assert_uint_eq(vajra_collection_count(c), 1400);
    return c;
}

static void compare_lexical(VajraCollection *a, VajraCollection *b)
{
    VajraError err = {0};
    VajraMorphism *la = NULL, *lb = NULL;
    ck_assert_int_eq(vajra_collection_lexical_retriever(a, &la, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_lexical_retriever(b, &lb, &err), VAJRA_OK);
    for (size_t i = 0; i < ABI_QUERIES; i++) {
        AbiHits x, y;
        VajraTextQuery tq = {vajra_docset_doc(queries, i)->text, ABI_K};
        retrieve(a, la, &tq, &x);
        retrieve(b, lb, &tq, &y);
        ck_assert_uint_eq(x.count, ABI_K);
        ck_assert_uint_eq(x.count, y.count);
        for (unsigned h = 0; h < x.count; h++) {
            ck_assert_msg(strcmp(x.ids[h], y.ids[h]) == 0, "query %zu hit %u: %s vs %s", i, h,
                          x.ids[h], y.ids[h]);
            ck_assert_float_eq_tol(x.scores[h], y.scores[h], 1e-5f * y.scores[h]);
        }
    }
    vajra_morphism_unref(la);
    vajra_morphism_unref(lb);
}

START_TEST(old_plugin_works_in_todays_collection)
{
    /* One segment: the 1.0 plugin (vtable version 1) ranks as lexical-bm25 does. */
    VajraCollection *old = build("lexical-v10", NULL, 1400);
    VajraCollection *cur = build("lexical-bm25", NULL, 1400);
    const VajraLexicalIndex *ix = NULL;
    const VajraLexicalVtable *vt = vajra_collection_lexical(old, &ix);
    ck_assert_uint_eq(vt->version, 1);
    compare_lexical(old, cur);
    vajra_collection_free(old);
    vajra_collection_free(cur);
}
END_TEST

START_TEST(old_plugin_missing_slot_is_unsupported)
{
    /* Two commits make two segments, which need the version-3 statistics slots to score as one
     * index: the 1.0 plugin gets a clear VAJRA_ERR_UNSUPPORTED, and after a compaction (one
     * segment) it ranks as lexical-bm25 over both commits. */
    VajraCollection *old = build("lexical-v10", NULL, ABI_FIRST_BATCH);
    VajraCollection *cur = build("lexical-bm25", NULL, ABI_FIRST_BATCH);
    VajraError err = {0};
    VajraMorphism *lex = NULL;
    ck_assert_int_eq(vajra_collection_lexical_retriever(old, &lex, &err), VAJRA_OK);
    VajraTextQuery tq = {vajra_docset_doc(queries, 0)->text, ABI_K};
    VajraHits h = {0};
    ck_assert_int_eq(vajra_morphism_apply(lex, &tq, &h, &err), VAJRA_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.message, "lexical-v10") && strstr(err.message, "search_stats") &&
                      strstr(err.message, "compact"),
                  "%s", err.message);
    vajra_hits_clear(&h);
    vajra_morphism_unref(lex);
    cur_compact(old);
    compare_lexical(old, cur);
    vajra_collection_free(old);
    vajra_collection_free(cur);
}
END_TEST

static void compare_vector(VajraCollection *a, uint32_t ef_a, VajraCollection *b, uint32_t ef_b)
{
    VajraError err = {0};
    VajraMorphism *va = NULL, *vb = NULL;
    ck_assert_int_eq(vajra_collection_vector_retriever(a, ef_a, &va, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_vector_retriever(b, ef_b, &vb, &err), VAJRA_OK);
    for (size_t i = 0; i < ABI_QUERIES; i++) {
        AbiHits x, y;
        VajraVectorQuery vq = {query_vecs.data + i * query_vecs.dim, ABI_DIM, ABI_K};
        retrieve(a, va, &vq, &x);
        retrieve(b, vb, &vq, &y);
        ck_assert_uint_eq(x.count, ABI_K);
        assert_same(&x, &y, "vector", i);
    }
    vajra_morphism_unref(va);
    vajra_morphism_unref(vb);
}

START_TEST(old_vector_plugin_works_in_todays_collection)
{
    /* vector-v10 (version-1 vtable, no graph slot: every search an exact scan) over two
     * segments: the same hits as vector-hnsw's exact scan. Compaction reads a segment's vectors
     * back through get_vector (version 3) or graph, both of which it lacks: a clear
     * UNSUPPORTED, and the collection stays searchable. */
    VajraCollection *old = build(NULL, "vector-v10", ABI_FIRST_BATCH);
    VajraCollection *cur = build(NULL, "vector-hnsw", ABI_FIRST_BATCH);
    ck_assert_uint_eq(vajra_collection_vector(old, NULL)->version, 1);
    compare_vector(old, 0, cur, VAJRA_EF_EXACT);
    compare_vector(old, VAJRA_EF_EXACT, cur, VAJRA_EF_EXACT);
    cur_compact_refused(old, "vector-v10");
    compare_vector(old, 0, cur, VAJRA_EF_EXACT);
    vajra_collection_free(old);
    vajra_collection_free(cur);
}
END_TEST

START_TEST(missing_required_slot_is_refused)
{
    /* Version-1 slots are required: a table without one is refused when the collection loads
     * the plugin, naming the slot (optional slots are checked at each call instead). */
    VajraError err = {0};
    VajraCollectionOptions o = {.struct_size = sizeof o,
                                .lexical_plugin = "lexical-v10-nosave",
                                .analyzer = {.stemmer = VAJRA_STEMMER_NONE, .keep_stopwords = 1}};
    VajraCollection *c = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err.message, "lexical-v10-nosave") && strstr(err.message, "slot save"),
                  "%s", err.message);
}
END_TEST

START_TEST(old_plugin_under_todays_api)
{
    cur_check_old_plugin();
}
END_TEST

START_TEST(old_vector_plugin_under_todays_api)
{
    cur_check_old_vector_plugin();
}
END_TEST

START_TEST(newer_major_plugin_is_refused)
{
    cur_check_newer_major();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi");
    TCase *t = tcase_create("abi-1.0");
    tcase_set_timeout(t, 300);
    tcase_add_unchecked_fixture(t, load_data, free_data);
    tcase_add_test(t, old_structs_are_read_as_1_0);
    tcase_add_test(t, old_caller_gets_todays_results);
    tcase_add_test(t, old_plugin_works_in_todays_collection);
    tcase_add_test(t, old_plugin_missing_slot_is_unsupported);
    tcase_add_test(t, old_vector_plugin_works_in_todays_collection);
    tcase_add_test(t, missing_required_slot_is_refused);
    tcase_add_test(t, old_plugin_under_todays_api);
    tcase_add_test(t, old_vector_plugin_under_todays_api);
    tcase_add_test(t, newer_major_plugin_is_refused);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
