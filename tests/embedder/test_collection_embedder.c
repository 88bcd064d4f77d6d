/* Collections with an embedder (docs/embedders.md, "What a collection does with an embedder"):
 * documents given as text only get their vectors from the collection's embedder, text queries
 * are embedded for vector and hybrid searches, and the model is saved in the file.
 *
 * Data: the first 100 Cranfield documents (tests/data/cranfield100-attrs.jsonl) and the 4-d
 * token table of embedder-table (tests/data/embedder/table.txt, fast and exact), plus
 * embedder-lsa trained on those 100 documents.
 *
 * What is checked against an independent computation: a text search in vector mode equals the
 * search with the vector the same plugin, driven directly, makes for that text (so queries are
 * embedded with the collection's model); each document's stored vector is the plugin's embedding
 * of "title text" (its own embedding finds it with score 1); the saved and reopened collection
 * answers byte-identically; upsert, delete and compaction keep the vectors; and the errors.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "emb_test_util.h"
#include "test_scratch.h"
#include "vajra/collection.h"
#include "vajra/io.h"

static VajraRegistry *reg;
static VajraDocSet *docs;
static char tmpdir[256];
static char *path, *table;

static void setup(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    char *p = emb_test_data("cranfield100-attrs.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &docs, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    table = emb_test_data("embedder/table.txt");
    snprintf(tmpdir, sizeof tmpdir, "%s/vajra-collemb-XXXXXX", g_get_tmp_dir());
    ck_assert_ptr_nonnull(g_mkdtemp(tmpdir));
    path = g_build_filename(tmpdir, "c.vjr", NULL);
}

static void teardown(void)
{
    test_scratch_remove(tmpdir);
    g_free(path);
    g_free(table);
    vajra_docset_free(docs);
    vajra_registry_free(reg);
}

/* The documents as text only (the docset's rows carry no vectors anyway). */
static VajraDocBatch text_batch(size_t first, size_t n)
{
    VajraDocBatch b = vajra_docset_batch(docs);
    b.docs += first;
    b.count = n;
    return b;
}

static VajraCollection *make(const char *embedder, const VajraKeyValue *kv, size_t nkv,
                             uint32_t dim, vajra_status want, VajraError *err)
{
    VajraCollectionOptions o = {.struct_size = sizeof o, .embedder = embedder,
                                .embedder_params = kv, .n_embedder_params = nkv, .dim = dim,
                                .threads = 1};
    VajraCollection *c = NULL;
    vajra_status st = vajra_collection_create(reg, &o, &c, err);
    ck_assert_msg(st == want, "create %s: status %d (%s)", embedder, (int)st, err->message);
    return c;
}

static VajraCollection *make_table(void)
{
    VajraError err = {0};
    VajraKeyValue kv[] = {{"table", table}};
    return make("table", kv, 1, 0, VAJRA_OK, &err);
}

static void add_commit(VajraCollection *c, VajraDocBatch b)
{
    VajraError err = {0};
    ck_assert_msg(vajra_collection_add(c, &b, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
}

static vajra_status search(VajraCollection *c, uint32_t mode, const char *text, const float *vec,
                           uint32_t dim, uint32_t k, VajraResults *r, VajraError *err)
{
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = mode, .text = text, .vector = vec,
                            .dim = dim, .k = k, .ef = VAJRA_EF_EXACT};
    return vajra_collection_search(c, &q, r, err);
}

static void assert_same(const VajraResults *a, const VajraResults *b, const char *what)
{
    ck_assert_msg(a->count == b->count, "%s: %zu vs %zu hits", what, a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        ck_assert_msg(strcmp(a->items[i].id, b->items[i].id) == 0, "%s: hit %zu: %s vs %s", what,
                      i, a->items[i].id, b->items[i].id);
        ck_assert_msg(memcmp(&a->items[i].score, &b->items[i].score, sizeof(float)) == 0,
                      "%s: hit %zu score %.9g vs %.9g", what, i, a->items[i].score,
                      b->items[i].score);
    }
}

/* The plugin driven directly: `name` made from kv (trained on the documents' "title text"
 * when it trains), embedding `text` into row. */
static uint32_t direct_embed(const char *name, const char *const *kv, int train, const char *text,
                             float *row)
{
    EmbPlugin p;
    emb_plugin_open(&p, name);
    VajraEmbedder *e = NULL;
    VajraError err = {0};
    ck_assert_msg(emb_make(&p, kv, &e, &err) == VAJRA_OK, "%s", err.message);
    if (train) {
        size_t n = vajra_docset_count(docs);
        char **texts = g_new0(char *, n + 1);
        for (size_t i = 0; i < n; i++) {
            const VajraDocument *d = vajra_docset_doc(docs, i);
            texts[i] = g_strconcat(d->title, " ", d->text, NULL);
        }
        ck_assert_msg(p.vt->train(e, (const char *const *)texts, n, &err) == VAJRA_OK, "%s",
                      err.message);
        g_strfreev(texts);
    }
    uint32_t dim = p.vt->dim(e);
    ck_assert_msg(p.vt->embed(e, &text, 1, row, &err) == VAJRA_OK, "%s", err.message);
    p.vt->free(e);
    emb_plugin_close(&p);
    return dim;
}

static const char *const queries[] = {"turbulent flow over the wing",
                                      "heat transfer temperature of the plate",
                                      "buckling of plates", "aircraft flight"};

/* Text queries in vector mode = the plugin's own vector for the text; every document's vector
 * is the plugin's embedding of its title and text. */
static void check_embeds_like_plugin(VajraCollection *c, const char *name, const char *const *kv,
                                     int train)
{
    VajraError err = {0};
    VajraResults a = {0}, b = {0};
    float row[64];
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        uint32_t dim = direct_embed(name, kv, train, queries[i], row);
        ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, queries[i], NULL, 0, 10, &a, &err),
                         VAJRA_OK);
        ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, NULL, row, dim, 10, &b, &err), VAJRA_OK);
        ck_assert_msg(a.count == 10 && a.items[0].score > 0.3f, "%s: %zu hits, top %g",
                      queries[i], a.count, a.count ? a.items[0].score : 0);
        assert_same(&a, &b, queries[i]);
        /* Hybrid by text = hybrid with the explicit vector. */
        ck_assert_int_eq(search(c, VAJRA_MODE_HYBRID, queries[i], NULL, 0, 10, &a, &err),
                         VAJRA_OK);
        ck_assert_int_eq(search(c, VAJRA_MODE_HYBRID, queries[i], row, dim, 10, &b, &err),
                         VAJRA_OK);
        assert_same(&a, &b, queries[i]);
    }
    /* Documents 0, 10, 20, ...: their own embedding finds them with score 1. */
    for (size_t i = 0; i < vajra_docset_count(docs); i += 10) {
        const VajraDocument *d = vajra_docset_doc(docs, i);
        char *t = g_strconcat(d->title, " ", d->text, NULL);
        uint32_t dim = direct_embed(name, kv, train, t, row);
        g_free(t);
        double norm = 0;
        for (uint32_t j = 0; j < dim; j++)
            norm += (double)row[j] * row[j];
        if (norm == 0)
            continue; /* a text the table does not know: a zero row, found by nothing */
        ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, NULL, row, dim, 100, &a, &err), VAJRA_OK);
        int found = 0;
        for (size_t h = 0; h < a.count && fabsf(a.items[h].score - a.items[0].score) < 1e-5f; h++)
            found |= strcmp(a.items[h].id, d->id) == 0;
        ck_assert_msg(found && fabsf(a.items[0].score - 1.0f) < 1e-4f,
                      "document %s: not at the top of its own embedding (top %s %g)", d->id,
                      a.items[0].id, a.items[0].score);
    }
    vajra_results_clear(&a);
    vajra_results_clear(&b);
}

START_TEST(test_table_text_search)
{
    VajraCollection *c = make_table();
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    ck_assert_uint_eq(in.dim, 4); /* the table's dimension */
    const char *model = NULL;
    ck_assert_str_eq(vajra_collection_embedder(c, &model), "embedder-table");
    ck_assert_ptr_nonnull(model); /* a fixed model is ready from the start */
    add_commit(c, text_batch(0, 100));
    char *tkv = g_strconcat("table=", table, NULL);
    const char *kv[] = {tkv, NULL};
    check_embeds_like_plugin(c, "embedder-table", kv, 0);
    g_free(tkv);
    /* AUTO with text alone stays lexical. */
    VajraError err = {0};
    VajraResults a = {0}, b = {0};
    ck_assert_int_eq(search(c, VAJRA_MODE_AUTO, "buckling of plates", NULL, 0, 10, &a, &err),
                     VAJRA_OK);
    ck_assert_int_eq(search(c, VAJRA_MODE_LEXICAL, "buckling of plates", NULL, 0, 10, &b, &err),
                     VAJRA_OK);
    assert_same(&a, &b, "auto");
    vajra_results_clear(&a);
    vajra_results_clear(&b);
    vajra_collection_free(c);
}
END_TEST

/* Save, reopen (read-only and writable): the same answers; the model is in the file. */
START_TEST(test_table_save_reopen_live)
{
    VajraCollection *c = make_table();
    add_commit(c, text_batch(0, 60));
    add_commit(c, text_batch(60, 40)); /* two segments, one model */
    VajraError err = {0};
    ck_assert_msg(vajra_collection_save(c, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    VajraCollection *r = NULL;
    ck_assert_msg(vajra_collection_open(reg, path, NULL, &r, &err) == VAJRA_OK, "%s",
                  err.message);
    const char *model = NULL;
    ck_assert_str_eq(vajra_collection_embedder(r, &model), "embedder-table");
    ck_assert_ptr_nonnull(model);
    VajraResults a = {0}, b = {0};
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++)
        for (uint32_t mode = VAJRA_MODE_VECTOR; mode <= VAJRA_MODE_HYBRID; mode++) {
            ck_assert_int_eq(search(c, mode, queries[i], NULL, 0, 20, &a, &err), VAJRA_OK);
            ck_assert_int_eq(search(r, mode, queries[i], NULL, 0, 20, &b, &err), VAJRA_OK);
            assert_same(&a, &b, "reopened");
        }
    vajra_results_clear(&a); /* results pin their collection's snapshot */
    vajra_results_clear(&b);
    vajra_collection_free(r);
    vajra_collection_free(c);

    /* Writable: upsert a document with new text, delete one, compact. */
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1, .threads = 1};
    ck_assert_msg(vajra_collection_open_ex(reg, path, &oo, &c, &err) == VAJRA_OK, "%s",
                  err.message);
    VajraDocument up = {.id = "5", .title = "", .text = "buckling buckling of plate"};
    VajraDocBatch ub = {&up, 1};
    ck_assert_msg(vajra_collection_upsert(c, &ub, &err) == VAJRA_OK, "%s", err.message);
    const char *del[] = {"7"};
    ck_assert_int_eq(vajra_collection_delete(c, del, 1, &err), VAJRA_OK);
    ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(vajra_collection_count(c), 99);
    float row[4];
    char *tkv = g_strconcat("table=", table, NULL);
    const char *kv[] = {tkv, NULL};
    direct_embed("embedder-table", kv, 0, "buckling buckling of plate", row);
    g_free(tkv);
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, NULL, row, 4, 100, &a, &err), VAJRA_OK);
    int found = 0;
    for (size_t h = 0; h < a.count; h++) {
        found |= strcmp(a.items[h].id, "5") == 0 && fabsf(a.items[h].score - 1.0f) < 1e-5f;
        ck_assert_str_ne(a.items[h].id, "7");
    }
    ck_assert_msg(found, "the upserted document was not embedded from its new text");
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, "buckling of plates", NULL, 0, 50, &a, &err),
                     VAJRA_OK);
    ck_assert_msg(vajra_collection_compact(c, NULL, &err) == VAJRA_OK, "%s", err.message);
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(c, &n);
    ck_assert_uint_eq(n.segments, 1);
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, "buckling of plates", NULL, 0, 50, &b, &err),
                     VAJRA_OK);
    assert_same(&a, &b, "compacted");
    /* The compacted file (saved by compact) reopens with its model. */
    ck_assert_msg(vajra_collection_open(reg, path, NULL, &r, &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert_int_eq(search(r, VAJRA_MODE_VECTOR, "buckling of plates", NULL, 0, 50, &a, &err),
                     VAJRA_OK);
    assert_same(&a, &b, "compacted and reopened");
    vajra_results_clear(&a); /* results pin their collection's snapshot: clear them first */
    vajra_results_clear(&b);
    vajra_collection_free(r);
    vajra_collection_free(c);
}
END_TEST

/* embedder-lsa: trained at the first commit on "title text" of its documents, fixed after. */
START_TEST(test_lsa_trains_at_first_commit)
{
    VajraError err = {0};
    VajraKeyValue kv[] = {{"dim", "16"}, {"seed", "7"}};
    VajraCollection *c = make("lsa", kv, 2, 16, VAJRA_OK, &err);
    const char *model = NULL;
    ck_assert_str_eq(vajra_collection_embedder(c, &model), "embedder-lsa");
    ck_assert_ptr_null(model); /* not trained yet */
    VajraResults a = {0}, b = {0};
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, "wing", NULL, 0, 10, &a, &err), VAJRA_ERR_STATE);
    add_commit(c, text_batch(0, 100));
    vajra_collection_embedder(c, &model);
    ck_assert_ptr_nonnull(model);
    ck_assert_msg(strstr(model, "docs=100") != NULL, "%s", model);
    const char *dkv[] = {"dim=16", "seed=7", NULL};
    check_embeds_like_plugin(c, "embedder-lsa", dkv, 1);
    /* A later commit embeds with the same model (it does not retrain on the new batch). */
    VajraDocument extra = {.id = "x1", .title = "", .text = "supersonic wing flutter"};
    add_commit(c, (VajraDocBatch){&extra, 1});
    vajra_collection_embedder(c, &model);
    ck_assert_msg(strstr(model, "docs=100") != NULL, "%s", model);
    check_embeds_like_plugin(c, "embedder-lsa", dkv, 1);
    /* Saved and reopened: identical answers. */
    ck_assert_msg(vajra_collection_save(c, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    VajraCollection *r = NULL;
    ck_assert_msg(vajra_collection_open(reg, path, "storage-file", &r, &err) == VAJRA_OK, "%s",
                  err.message);
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        ck_assert_int_eq(search(c, VAJRA_MODE_HYBRID, queries[i], NULL, 0, 20, &a, &err),
                         VAJRA_OK);
        ck_assert_int_eq(search(r, VAJRA_MODE_HYBRID, queries[i], NULL, 0, 20, &b, &err),
                         VAJRA_OK);
        assert_same(&a, &b, "lsa reopened");
    }
    vajra_results_clear(&a);
    vajra_results_clear(&b);
    vajra_collection_free(r);
    vajra_collection_free(c);
}
END_TEST

/* Saved before the first commit: the untrained model's parameters travel in coll.meta, and the
 * reopened collection trains at its first commit. */
START_TEST(test_lsa_saved_untrained)
{
    VajraError err = {0};
    VajraKeyValue kv[] = {{"dim", "8"}};
    VajraCollection *c = make("embedder-lsa", kv, 1, 0, VAJRA_OK, &err);
    ck_assert_msg(vajra_collection_save(c, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    vajra_collection_free(c);
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1, .threads = 1};
    ck_assert_msg(vajra_collection_open_ex(reg, path, &oo, &c, &err) == VAJRA_OK, "%s",
                  err.message);
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    ck_assert_uint_eq(in.dim, 8);
    add_commit(c, text_batch(0, 50));
    const char *model = NULL;
    vajra_collection_embedder(c, &model);
    ck_assert_msg(model && strstr(model, "dim=8") && strstr(model, "docs=50"), "%s", model);
    VajraResults a = {0};
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, "wing", NULL, 0, 5, &a, &err), VAJRA_OK);
    ck_assert_uint_eq(a.count, 5);
    vajra_results_clear(&a);
    vajra_collection_free(c);
}
END_TEST

START_TEST(test_errors)
{
    VajraError err = {0};
    VajraKeyValue kv[] = {{"table", table}};
    /* Unknown embedder, unknown parameter, dimension mismatch, cosine. */
    ck_assert_ptr_null(make("nope", NULL, 0, 0, VAJRA_ERR_NOT_FOUND, &err));
    VajraKeyValue bad[] = {{"table", table}, {"colour", "blue"}};
    ck_assert_ptr_null(make("table", bad, 2, 0, VAJRA_ERR_INVALID_ARGUMENT, &err));
    ck_assert_msg(strstr(err.message, "colour") != NULL, "%s", err.message);
    ck_assert_ptr_null(make("table", kv, 1, 8, VAJRA_ERR_DIMENSION, &err));
    ck_assert_msg(strstr(err.message, "dim 8") != NULL, "%s", err.message);
    VajraCollectionOptions o = {.struct_size = sizeof o, .embedder = "table",
                                .embedder_params = kv, .n_embedder_params = 1,
                                .metric = VAJRA_METRIC_COSINE};
    VajraCollection *c = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_ERR_INVALID_ARGUMENT);
    /* An older caller's smaller options: no embedder, so no vectors. */
    o.metric = 0;
    o.struct_size = (uint32_t)offsetof(VajraCollectionOptions, embedder);
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_OK);
    ck_assert_ptr_null(vajra_collection_embedder(c, NULL));
    add_commit(c, text_batch(0, 10));
    VajraResults r = {0};
    ck_assert_int_eq(search(c, VAJRA_MODE_VECTOR, "wing", NULL, 0, 5, &r, &err),
                     VAJRA_ERR_INVALID_ARGUMENT); /* needs a query vector */
    vajra_collection_free(c);

    /* Vectors supplied to an embedder collection: refused, nothing staged. */
    c = make_table();
    float v[4] = {1, 0, 0, 0};
    VajraDocument d[2] = {{.id = "a", .text = "wing"},
                          {.id = "b", .text = "flow", .vector = v, .dim = 4}};
    ck_assert_int_eq(vajra_collection_add(c, &(VajraDocBatch){d, 2}, &err),
                     VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.message, "embeds its documents") != NULL, "%s", err.message);
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(c, &n);
    ck_assert_uint_eq(n.staged_adds, 0);
    vajra_collection_free(c);

    /* Training refused (a corpus too small for the dimension): commit fails, nothing changes,
     * the documents stay staged. */
    VajraKeyValue big[] = {{"dim", "64"}};
    c = make("lsa", big, 1, 0, VAJRA_OK, &err);
    VajraDocBatch b = text_batch(0, 5);
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(err.message, "training embedder") != NULL, "%s", err.message);
    ck_assert_uint_eq(vajra_collection_count(c), 0);
    vajra_collection_counts(c, &n);
    ck_assert_uint_eq(n.staged_adds, 5);
    vajra_collection_free(c);
    vajra_results_clear(&r);
}
END_TEST

/* Searchers on several threads embed queries at once: the single-thread answers. */
typedef struct Worker {
    VajraCollection *c;
    const VajraResults *want;
    int bad;
} Worker;

static void *worker(void *arg)
{
    Worker *w = arg;
    VajraSearcher *s = NULL;
    VajraError err = {0};
    VajraResults r = {0};
    if (vajra_searcher_new(w->c, &s, &err) != VAJRA_OK)
        return (w->bad = 1, NULL);
    for (int it = 0; it < 50 && !w->bad; it++) {
        size_t qi = (size_t)it % G_N_ELEMENTS(queries);
        VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_HYBRID,
                                .text = queries[qi], .k = 10};
        if (vajra_searcher_search(s, &q, &r, &err) != VAJRA_OK || r.count != w->want[qi].count)
            w->bad = 1;
        for (size_t h = 0; !w->bad && h < r.count; h++)
            w->bad = strcmp(r.items[h].id, w->want[qi].items[h].id) != 0 ||
                     r.items[h].score != w->want[qi].items[h].score;
    }
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    return NULL;
}

START_TEST(test_threads)
{
    VajraCollection *c = make_table();
    add_commit(c, text_batch(0, 100));
    VajraResults want[G_N_ELEMENTS(queries)];
    memset(want, 0, sizeof want);
    VajraError err = {0};
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_HYBRID,
                                .text = queries[i], .k = 10};
        ck_assert_int_eq(vajra_collection_search(c, &q, &want[i], &err), VAJRA_OK);
    }
    pthread_t t[4];
    Worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (Worker){c, want, 0};
        pthread_create(&t[i], NULL, worker, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(!w[i].bad, "thread %d saw another answer", i);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++)
        vajra_results_clear(&want[i]);
    vajra_collection_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("collection-embedder");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_table_text_search);
    tcase_add_test(tc, test_table_save_reopen_live);
    tcase_add_test(tc, test_lsa_trains_at_first_commit);
    tcase_add_test(tc, test_lsa_saved_untrained);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
