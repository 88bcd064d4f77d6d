/* Round trips through the storage plugins with real indexes on real data (Cranfield):
 * a lexical-bm25 index, a vector-hnsw index and a combined collection are built in memory,
 * queried with every query of the test set, saved, then opened with storage-file and with
 * storage-mmap. The loaded indexes must answer every query identically (same documents, same
 * scores to the bit, same external ids), and saving a loaded index again must reproduce the file
 * byte for byte. The HNSW file must also be the same whatever thread count built the graph. */
#include "storage_test_util.h"

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/lexical.h"
#include "vajra/scorer.h"
#include "vajra/vector.h"

enum { K = 10 };

static VajraRegistry *reg;
static StoragePlugin sp[N_STORAGE];
static char *dir;
static VajraDocSet *corpus, *queries;
static VajraMatrixF32 doc_vecs, query_vecs;

static char *data_path(const char *a, const char *b)
{
    const char *root = getenv("VAJRA_DATA_DIR");
    ck_assert_msg(root != NULL, "VAJRA_DATA_DIR is not set");
    return g_build_filename(root, a, b, NULL);
}

static void setup(void)
{
    reg = storage_load(sp);
    dir = scratch_dir();
    VajraError err = {0};
    char *p = data_path("cranfield", "corpus.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    p = data_path("cranfield", "queries.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &queries, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    p = data_path("cranfield", "lsa128.docs.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &doc_vecs, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    p = data_path("cranfield", "lsa128.queries.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &query_vecs, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    ck_assert_uint_eq(vajra_docset_count(corpus), 1400);
    ck_assert_uint_eq(vajra_docset_count(queries), 225);
    ck_assert_uint_eq(doc_vecs.rows, 1400);
    ck_assert_uint_eq(query_vecs.rows, 225);
}

static void teardown(void)
{
    vajra_docset_free(corpus);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&doc_vecs);
    vajra_matrix_f32_clear(&query_vecs);
    storage_unload(reg, sp);
    scratch_remove(dir);
}

static const char *query_text(size_t q)
{
    const VajraDocument *d = vajra_docset_doc(queries, q);
    return d->text ? d->text : "";
}

/* Answers of one index to every query: nq hit lists. */
typedef struct Answers {
    VajraHits *hits;
    size_t nq;
} Answers;

static Answers answers_new(size_t nq)
{
    Answers a = {calloc(nq, sizeof(VajraHits)), nq};
    return a;
}

static void answers_free(Answers *a)
{
    for (size_t i = 0; i < a->nq; i++)
        vajra_hits_clear(&a->hits[i]);
    free(a->hits);
}

/* Identical: same count, same documents, bit-identical scores. */
static void answers_equal(const Answers *a, const Answers *b, const char *what)
{
    size_t nonempty = 0;
    for (size_t q = 0; q < a->nq; q++) {
        ck_assert_msg(a->hits[q].count == b->hits[q].count, "%s: query %zu: %zu vs %zu hits", what,
                      q, a->hits[q].count, b->hits[q].count);
        for (size_t i = 0; i < a->hits[q].count; i++) {
            ck_assert_msg(a->hits[q].items[i].doc == b->hits[q].items[i].doc,
                          "%s: query %zu rank %zu: doc %u vs %u", what, q, i,
                          a->hits[q].items[i].doc, b->hits[q].items[i].doc);
            ck_assert_msg(memcmp(&a->hits[q].items[i].score, &b->hits[q].items[i].score,
                                 sizeof(float)) == 0,
                          "%s: query %zu rank %zu: score %.9g vs %.9g", what, q, i,
                          a->hits[q].items[i].score, b->hits[q].items[i].score);
        }
        nonempty += a->hits[q].count > 0;
    }
    /* The comparison means something only if the queries found documents. */
    ck_assert_msg(nonempty >= a->nq * 9 / 10, "%s: only %zu of %zu queries had hits", what,
                  nonempty, a->nq);
}

/* Save through a storage writer; `save` writes the sections. */
typedef vajra_status (*SaveFn)(const void *ctx, const VajraSectionWriter *w, VajraError *err);

static void save_via(const StoragePlugin *p, const char *path, SaveFn save, const void *ctx)
{
    VajraError err = {0};
    VajraStorageWriter *w = NULL;
    ck_assert_msg(p->ops->writer_open(p->state, path, &w, &err) == VAJRA_OK, "%s", err.message);
    vajra_status st = save(ctx, p->ops->writer_sections(w), &err);
    if (st != VAJRA_OK) {
        p->ops->writer_abort(w);
        ck_abort_msg("save to %s: %s", path, err.message);
    }
    ck_assert_msg(p->ops->writer_commit(w, &err) == VAJRA_OK, "%s", err.message);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *x = read_file(a, &la), *y = read_file(b, &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s and %s differ (%zu vs %zu bytes)", a, b,
                  la, lb);
    g_free(x);
    g_free(y);
}

/* ---- lexical ---- */

typedef struct Lexical {
    const VajraLexicalVtable *vt;
    void *state;
    VajraLexicalOptions opts;
    void *scorer_instance;
    const VajraScorerVtable *svt;
    VajraPlugin *lex_plugin, *scorer_plugin;
} Lexical;

static void lexical_setup(Lexical *L)
{
    VajraError err = {0};
    ck_assert_msg(vajra_registry_load(reg, VAJRA_PLUGIN_SCORER, "scorer-bm25", &L->scorer_plugin,
                                      &err) == VAJRA_OK,
                  "%s", err.message);
    L->svt = vajra_plugin_vtable(L->scorer_plugin);
    ck_assert_int_eq(L->svt->create(vajra_plugin_state(L->scorer_plugin), NULL, 0,
                                    &L->scorer_instance, &err),
                     VAJRA_OK);
    ck_assert_msg(vajra_registry_load(reg, VAJRA_PLUGIN_LEXICAL, "lexical-bm25", &L->lex_plugin,
                                      &err) == VAJRA_OK,
                  "%s", err.message);
    L->vt = vajra_plugin_vtable(L->lex_plugin);
    L->state = vajra_plugin_state(L->lex_plugin);
    memset(&L->opts, 0, sizeof L->opts);
    L->opts.struct_size = sizeof L->opts;
    L->opts.scorer = (VajraScorer){L->svt, L->scorer_instance, "scorer-bm25"};
}

static void lexical_teardown(Lexical *L)
{
    L->svt->destroy(L->scorer_instance);
    vajra_plugin_unref(L->lex_plugin);
    vajra_plugin_unref(L->scorer_plugin);
}

static Answers lexical_answers(const Lexical *L, const VajraLexicalIndex *idx)
{
    VajraError err = {0};
    VajraLexicalScratch *s = NULL;
    ck_assert_int_eq(L->vt->scratch_new(idx, &s, &err), VAJRA_OK);
    Answers a = answers_new(vajra_docset_count(queries));
    for (size_t q = 0; q < a.nq; q++)
        ck_assert_msg(L->vt->search(idx, s, query_text(q), K, &a.hits[q], &err) == VAJRA_OK,
                      "query %zu: %s", q, err.message);
    L->vt->scratch_free(s);
    return a;
}

static const Lexical *lex_ctx;
static vajra_status lexical_save(const void *idx, const VajraSectionWriter *w, VajraError *err)
{
    return lex_ctx->vt->save(idx, w, err);
}

START_TEST(lexical_index_round_trips)
{
    Lexical L;
    lexical_setup(&L);
    lex_ctx = &L;
    VajraError err = {0};
    VajraLexicalIndex *idx = NULL;
    ck_assert_int_eq(L.vt->create(L.state, &L.opts, &idx, &err), VAJRA_OK);
    VajraDocBatch batch = vajra_docset_batch(corpus);
    ck_assert_msg(L.vt->add_batch(idx, &batch, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_int_eq(L.vt->commit(idx, &err), VAJRA_OK);
    Answers before = lexical_answers(&L, idx);

    char *path = g_build_filename(dir, "lex.vjr", NULL);
    save_via(&sp[0], path, lexical_save, idx);
    for (int r = 0; r < N_STORAGE; r++) {
        VajraStorageContainer *c = NULL;
        ck_assert_msg(sp[r].ops->open(sp[r].state, path, &c, &err) == VAJRA_OK, "%s", err.message);
        VajraLexicalIndex *loaded = NULL;
        ck_assert_msg(L.vt->load(L.state, &L.opts, sp[r].ops->container_sections(c), &loaded,
                                 &err) == VAJRA_OK,
                      "%s load: %s", sp[r].name, err.message);
        ck_assert_uint_eq(L.vt->doc_count(loaded), 1400);
        Answers after = lexical_answers(&L, loaded);
        answers_equal(&before, &after, sp[r].name);
        for (size_t q = 0; q < after.nq; q++)
            for (size_t i = 0; i < after.hits[q].count; i++)
                ck_assert_str_eq(L.vt->doc_id(loaded, after.hits[q].items[i].doc),
                                 L.vt->doc_id(idx, before.hits[q].items[i].doc));
        /* Saving what was loaded reproduces the file (through the other plugin's writer). */
        char *again = g_build_filename(dir, "lex-again.vjr", NULL);
        save_via(&sp[1 - r], again, lexical_save, loaded);
        assert_same_file(path, again);
        g_free(again);
        answers_free(&after);
        L.vt->free(loaded);
        sp[r].ops->close(c);
    }
    answers_free(&before);
    L.vt->free(idx);
    g_free(path);
    lexical_teardown(&L);
}
END_TEST

/* ---- vector ---- */

typedef struct Vector {
    const VajraVectorVtable *vt;
    void *state;
    VajraPlugin *plugin;
    VajraVectorParams params;
} Vector;

static const Vector *vec_ctx;
static vajra_status vector_save(const void *idx, const VajraSectionWriter *w, VajraError *err)
{
    return vec_ctx->vt->save(idx, w, err);
}

static VajraVectorIndex *vector_build(const Vector *V, uint32_t threads)
{
    VajraError err = {0};
    VajraVectorIndex *idx = NULL;
    ck_assert_msg(V->vt->create(V->state, &V->params, &idx, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(V->vt->add(idx, doc_vecs.data, (uint32_t)doc_vecs.dim, doc_vecs.rows, threads,
                             NULL, &err) == VAJRA_OK,
                  "%s", err.message);
    return idx;
}

static Answers vector_answers(const Vector *V, const VajraVectorIndex *idx)
{
    VajraError err = {0};
    VajraVectorSearch *s = NULL;
    ck_assert_int_eq(V->vt->search_new(idx, &s, &err), VAJRA_OK);
    Answers a = answers_new(query_vecs.rows);
    for (size_t q = 0; q < a.nq; q++) {
        VajraVectorQuery vq = {query_vecs.data + q * query_vecs.dim, (uint32_t)query_vecs.dim, K};
        ck_assert_msg(V->vt->search(idx, s, &vq, 0, &a.hits[q], &err) == VAJRA_OK, "query %zu: %s",
                      q, err.message);
    }
    V->vt->search_free(s);
    return a;
}

START_TEST(vector_index_round_trips)
{
    Vector V;
    VajraError err = {0};
    ck_assert_msg(vajra_registry_load(reg, VAJRA_PLUGIN_VECTOR, "vector-hnsw", &V.plugin, &err) ==
                      VAJRA_OK,
                  "%s", err.message);
    V.vt = vajra_plugin_vtable(V.plugin);
    V.state = vajra_plugin_state(V.plugin);
    vec_ctx = &V;
    ck_assert_int_eq(V.vt->profile("fast", (uint32_t)doc_vecs.dim, VAJRA_METRIC_IP, &V.params,
                                   &err),
                     VAJRA_OK);
    VajraVectorIndex *idx = vector_build(&V, 1);
    Answers before = vector_answers(&V, idx);

    char *path = g_build_filename(dir, "hnsw.vjr", NULL);
    save_via(&sp[0], path, vector_save, idx);

    /* The same graph, and so the same file, whatever thread count built it. */
    VajraVectorIndex *idx2 = vector_build(&V, 2);
    char *path2 = g_build_filename(dir, "hnsw-2threads.vjr", NULL);
    save_via(&sp[1], path2, vector_save, idx2);
    assert_same_file(path, path2);
    V.vt->destroy(idx2);

    for (int r = 0; r < N_STORAGE; r++) {
        VajraStorageContainer *c = NULL;
        ck_assert_msg(sp[r].ops->open(sp[r].state, path, &c, &err) == VAJRA_OK, "%s", err.message);
        VajraVectorIndex *loaded = NULL;
        ck_assert_msg(V.vt->load(V.state, sp[r].ops->container_sections(c), &loaded, &err) ==
                          VAJRA_OK,
                      "%s load: %s", sp[r].name, err.message);
        ck_assert_uint_eq(V.vt->count(loaded), doc_vecs.rows);
        Answers after = vector_answers(&V, loaded);
        answers_equal(&before, &after, sp[r].name);
        char *again = g_build_filename(dir, "hnsw-again.vjr", NULL);
        save_via(&sp[1 - r], again, vector_save, loaded);
        assert_same_file(path, again);
        g_free(again);
        answers_free(&after);
        V.vt->destroy(loaded);
        sp[r].ops->close(c);
    }
    answers_free(&before);
    V.vt->destroy(idx);
    g_free(path);
    g_free(path2);
    vajra_plugin_unref(V.plugin);
}
END_TEST

/* ---- combined collection (lexical + vector + hybrid) ---- */

/* Answers of the lexical, vector and hybrid (RRF) retrievers of a collection. */
static void collection_answers(VajraCollection *c, Answers out[3])
{
    VajraError err = {0};
    VajraMorphism *lex = NULL, *vec = NULL, *fuse = NULL, *hyb = NULL;
    ck_assert_msg(vajra_collection_lexical_retriever(c, &lex, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_vector_retriever(c, 0, &vec, &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert_msg(vajra_fusion_rrf(60.0, K, &fuse, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_hybrid_retriever(c, fuse, 0, &hyb, &err) == VAJRA_OK, "%s",
                  err.message);
    for (int m = 0; m < 3; m++)
        out[m] = answers_new(vajra_docset_count(queries));
    for (size_t q = 0; q < out[0].nq; q++) {
        VajraTextQuery tq = {query_text(q), K};
        VajraVectorQuery vq = {query_vecs.data + q * query_vecs.dim, (uint32_t)query_vecs.dim, K};
        VajraProduct hq = {&tq, &vq}; /* a text_query × vector_query value */
        ck_assert_int_eq(vajra_morphism_apply(lex, &tq, &out[0].hits[q], &err), VAJRA_OK);
        ck_assert_int_eq(vajra_morphism_apply(vec, &vq, &out[1].hits[q], &err), VAJRA_OK);
        ck_assert_msg(vajra_morphism_apply(hyb, &hq, &out[2].hits[q], &err) == VAJRA_OK, "%s",
                      err.message);
    }
    vajra_morphism_unref(lex);
    vajra_morphism_unref(vec);
    vajra_morphism_unref(hyb);
    vajra_morphism_unref(fuse);
}

START_TEST(collection_round_trips)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_docset_attach_vectors(corpus, &doc_vecs, &err), VAJRA_OK);
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP};
    VajraCollection *c = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch batch = vajra_docset_batch(corpus);
    ck_assert_msg(vajra_collection_add(c, &batch, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    Answers before[3];
    collection_answers(c, before);

    char *paths[N_STORAGE];
    for (int w = 0; w < N_STORAGE; w++) {
        paths[w] = g_strdup_printf("%s/coll-%d.vjr", dir, w);
        ck_assert_msg(vajra_collection_save(c, paths[w], sp[w].name, &err) == VAJRA_OK, "%s",
                      err.message);
    }
    assert_same_file(paths[0], paths[1]);
    for (int r = 0; r < N_STORAGE; r++) {
        VajraCollection *o2 = NULL;
        ck_assert_msg(vajra_collection_open(reg, paths[0], sp[r].name, &o2, &err) == VAJRA_OK,
                      "%s", err.message);
        ck_assert_uint_eq(vajra_collection_count(o2), 1400);
        Answers after[3];
        collection_answers(o2, after);
        static const char *const what[3] = {"lexical", "vector", "hybrid"};
        for (int m = 0; m < 3; m++) {
            char label[64];
            snprintf(label, sizeof label, "%s via %s", what[m], sp[r].name);
            answers_equal(&before[m], &after[m], label);
            answers_free(&after[m]);
        }
        for (uint32_t d = 0; d < 1400; d += 97)
            ck_assert_str_eq(vajra_collection_doc_id(o2, d), vajra_collection_doc_id(c, d));
        vajra_collection_free(o2);
    }
    for (int m = 0; m < 3; m++)
        answers_free(&before[m]);
    for (int w = 0; w < N_STORAGE; w++)
        g_free(paths[w]);
    vajra_collection_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("storage-roundtrip");
    TCase *tc = tcase_create("indexes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, lexical_index_round_trips);
    tcase_add_test(tc, vector_index_round_trips);
    tcase_add_test(tc, collection_round_trips);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
