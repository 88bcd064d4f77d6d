/* Embedders: the ABI checks, embedder-lsa (determinism, save/load, empty and unknown text, bad
 * parameters, corrupt models, concurrent embed) and the worked example embedder-table. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "emb_test_util.h"
#include "lex_fixture.h"
#include "vajra/io.h"

static EmbPlugin P;
static VajraDocSet *corpus;
static const char **texts; /* title + " " + text of each corpus document */
static size_t n_texts;

#define TRAIN_DOCS 400

static void setup(void)
{
    emb_plugin_open(&P, "embedder-lsa");
    char *path = g_build_filename(getenv("VAJRA_DEMO_DIR"), "corpus.jsonl", NULL);
    VajraError err = {0};
    ck_assert_msg(vajra_docset_read_jsonl(path, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    g_free(path);
    n_texts = TRAIN_DOCS;
    texts = g_new0(const char *, n_texts);
    for (size_t i = 0; i < n_texts; i++) {
        const VajraDocument *d = vajra_docset_doc(corpus, i);
        texts[i] = g_strconcat(d->title ? d->title : "", " ", d->text ? d->text : "", NULL);
    }
}

static void teardown(void)
{
    for (size_t i = 0; i < n_texts; i++)
        g_free((char *)texts[i]);
    g_free(texts);
    vajra_docset_free(corpus);
    emb_plugin_close(&P);
}

static VajraEmbedder *trained(const char *const *kv)
{
    VajraEmbedder *e = NULL;
    VajraError err = {0};
    ck_assert_msg(emb_make(&P, kv, &e, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(P.vt->train(e, texts, n_texts, &err) == VAJRA_OK, "%s", err.message);
    return e;
}

static size_t saved_bytes(const VajraEmbedderVtable *vt, const VajraEmbedder *e, unsigned char **out)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_msg(vt->save(e, &w, &err) == VAJRA_OK, "%s", err.message);
    size_t n = mem_sections_bytes(m, out);
    mem_sections_free(m);
    return n;
}

static float *embed_all(const VajraEmbedderVtable *vt, const VajraEmbedder *e, const char *const *t,
                        size_t n)
{
    float *rows = malloc(n * vt->dim(e) * sizeof *rows);
    VajraError err = {0};
    ck_assert_msg(vt->embed(e, t, n, rows, &err) == VAJRA_OK, "%s", err.message);
    return rows;
}

static double norm(const float *x, uint32_t d)
{
    double s = 0;
    for (uint32_t i = 0; i < d; i++)
        s += (double)x[i] * x[i];
    return sqrt(s);
}

START_TEST(test_lsa_deterministic)
{
    const char *kv[] = {"dim=32", "seed=7", NULL};
    VajraEmbedder *a = trained(kv), *b = trained(kv);
    unsigned char *ba, *bb;
    size_t la = saved_bytes(P.vt, a, &ba), lb = saved_bytes(P.vt, b, &bb);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(ba, bb, la), 0);
    /* Training again on the same embedder gives the same model too. */
    VajraError err = {0};
    ck_assert_int_eq(P.vt->train(a, texts, n_texts, &err), VAJRA_OK);
    unsigned char *bc;
    size_t lc = saved_bytes(P.vt, a, &bc);
    ck_assert(lc == la && memcmp(ba, bc, la) == 0);
    /* Another seed: a different (but as good) basis. */
    const char *kv2[] = {"dim=32", "seed=8", NULL};
    VajraEmbedder *c = trained(kv2);
    unsigned char *bd;
    size_t ld = saved_bytes(P.vt, c, &bd);
    ck_assert(ld != la || memcmp(ba, bd, la) != 0);
    ck_assert_uint_eq(P.vt->dim(a), 32);
    ck_assert_ptr_nonnull(strstr(P.vt->describe(a), "dim=32"));
    free(ba), free(bb), free(bc), free(bd);
    P.vt->free(a), P.vt->free(b), P.vt->free(c);
}
END_TEST

START_TEST(test_lsa_round_trip_and_edges)
{
    const char *kv[] = {"dim=24", NULL};
    VajraEmbedder *e = trained(kv);
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    VajraError err = {0};
    ck_assert_int_eq(P.vt->save(e, &w, &err), VAJRA_OK);
    VajraSectionReader r = mem_sections_reader(m);
    VajraEmbedder *l = NULL;
    ck_assert_msg(P.vt->load(P.state, NULL, 0, &r, &l, &err) == VAJRA_OK, "%s", err.message);
    const char *q[] = {"heat transfer in laminar flow", "", NULL, "zzqx qqqzz", "the of and",
                       texts[3]};
    const size_t nq = sizeof q / sizeof q[0];
    float *x = embed_all(P.vt, e, q, nq), *y = embed_all(P.vt, l, q, nq);
    ck_assert_int_eq(memcmp(x, y, nq * 24 * sizeof(float)), 0);
    ck_assert_double_eq_tol(norm(x, 24), 1.0, 1e-5);
    ck_assert_double_eq_tol(norm(x + 5 * 24, 24), 1.0, 1e-5);
    for (size_t i = 1; i <= 4; i++) /* empty, NULL, unknown words, stopwords only: zero rows */
        ck_assert_double_eq(norm(x + i * 24, 24), 0.0);
    /* A training text is closest to itself among a few others. */
    float *all = embed_all(P.vt, l, texts, 50);
    int best = -1;
    double best_s = -2;
    for (int i = 0; i < 50; i++) {
        double s = 0;
        for (int k = 0; k < 24; k++)
            s += (double)all[i * 24 + k] * x[5 * 24 + k];
        if (s > best_s)
            best_s = s, best = i;
    }
    ck_assert_int_eq(best, 3);
    /* Corruption is refused, never trusted. */
    size_t len = 0;
    float *proj = mem_sections_data(m, "emb.lsa.proj", &len);
    float saved = proj[5];
    proj[5] = NAN;
    VajraEmbedder *bad = NULL;
    ck_assert_int_eq(P.vt->load(P.state, NULL, 0, &r, &bad, &err), VAJRA_ERR_CORRUPT);
    proj[5] = saved;
    char *terms = mem_sections_data(m, "emb.lsa.terms", &len);
    char t0 = terms[0];
    terms[0] = '\xff'; /* breaks the sort order */
    ck_assert_int_eq(P.vt->load(P.state, NULL, 0, &r, &bad, &err), VAJRA_ERR_CORRUPT);
    terms[0] = t0;
    unsigned char *meta = mem_sections_data(m, "emb.lsa.meta", &len);
    meta[0] ^= 1;
    ck_assert_int_eq(P.vt->load(P.state, NULL, 0, &r, &bad, &err), VAJRA_ERR_CORRUPT);
    meta[0] ^= 1;
    VajraKeyValue extra = {"dim", "8"};
    ck_assert_int_eq(P.vt->load(P.state, &extra, 1, &r, &bad, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(bad);
    free(x), free(y), free(all);
    P.vt->free(l);
    P.vt->free(e);
    mem_sections_free(m);
}
END_TEST

START_TEST(test_lsa_bad_params_and_states)
{
    VajraEmbedder *e = NULL;
    VajraError err = {0};
    const char *bad[][2] = {{"dimension=3", "dimension"}, {"dim=0", "dim"}, {"dim=12x", "dim"},
                            {"dim=-4", "dim"}, {"seed=", "seed"}, {"min_df=0", "min_df"},
                            {"power_iters=99", "power_iters"}, {"language=klingon", "klingon"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *kv[] = {bad[i][0], NULL};
        ck_assert_int_eq(emb_make(&P, kv, &e, &err), VAJRA_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(err.message, bad[i][1]) != NULL, "%s: %s", bad[i][0], err.message);
        ck_assert_ptr_null(e);
    }
    const char *kv[] = {"dim=16", NULL};
    ck_assert_int_eq(emb_make(&P, kv, &e, &err), VAJRA_OK);
    float row[16];
    const char *q[] = {"wing"};
    ck_assert_int_eq(P.vt->embed(e, q, 1, row, &err), VAJRA_ERR_STATE);
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ck_assert_int_eq(P.vt->save(e, &w, &err), VAJRA_ERR_STATE);
    mem_sections_free(m);
    ck_assert_int_eq(P.vt->train(e, texts, 0, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(P.vt->train(e, texts, 5, &err), VAJRA_ERR_INVALID_ARGUMENT); /* 5 docs < 16 */
    ck_assert_ptr_nonnull(strstr(err.message, "16"));
    const char *utf[] = {texts[0], "bad \xc3\x28 byte"};
    ck_assert_int_eq(P.vt->train(e, utf, 2, &err), VAJRA_ERR_ENCODING);
    ck_assert_int_eq(P.vt->train(e, texts, n_texts, &err), VAJRA_OK);
    ck_assert_int_eq(P.vt->embed(e, utf, 2, (float[32]){0}, &err), VAJRA_ERR_ENCODING);
    ck_assert_ptr_nonnull(strstr(err.message, "text 1"));
    P.vt->free(e);
    P.vt->free(NULL);

    /* A language: French analysis inside the embedder. */
    char *path = emb_test_data("lang/fr.jsonl");
    VajraDocSet *fr = NULL;
    ck_assert_int_eq(vajra_docset_read_jsonl(path, NULL, &fr, &err), VAJRA_OK);
    g_free(path);
    const char *frt[3];
    for (int i = 0; i < 3; i++)
        frt[i] = vajra_docset_doc(fr, (size_t)i)->text;
    const char *kvf[] = {"dim=2", "min_df=1", "language=french", NULL};
    ck_assert_int_eq(emb_make(&P, kvf, &e, &err), VAJRA_OK);
    ck_assert_msg(P.vt->train(e, frt, 3, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(P.vt->describe(e), "language=french"));
    const char *fq[] = {"les écoulements", "le écoulement"}; /* stopwords and stemming */
    float fo[4];
    ck_assert_int_eq(P.vt->embed(e, fq, 2, fo, &err), VAJRA_OK);
    ck_assert_int_eq(memcmp(fo, fo + 2, 2 * sizeof(float)), 0);
    ck_assert_double_eq_tol(norm(fo, 2), 1.0, 1e-5);
    P.vt->free(e);
    vajra_docset_free(fr);
}
END_TEST

typedef struct Job {
    const VajraEmbedder *e;
    float *out;
    vajra_status st;
} Job;

static void *embed_job(void *arg)
{
    Job *j = arg;
    for (int rep = 0; rep < 3 && j->st == VAJRA_OK; rep++)
        j->st = P.vt->embed(j->e, texts, n_texts, j->out, NULL);
    return NULL;
}

START_TEST(test_lsa_concurrent_embed)
{
    const char *kv[] = {"dim=32", NULL};
    VajraEmbedder *e = trained(kv);
    float *ref = embed_all(P.vt, e, texts, n_texts);
    enum { T = 4 };
    pthread_t th[T];
    Job jobs[T];
    for (int i = 0; i < T; i++) {
        jobs[i] = (Job){e, malloc(n_texts * 32 * sizeof(float)), VAJRA_OK};
        ck_assert_int_eq(pthread_create(&th[i], NULL, embed_job, &jobs[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(jobs[i].st, VAJRA_OK);
        ck_assert_int_eq(memcmp(jobs[i].out, ref, n_texts * 32 * sizeof(float)), 0);
        free(jobs[i].out);
    }
    free(ref);
    P.vt->free(e);
}
END_TEST

/* The worked example: a token → vector table as the model. */
START_TEST(test_table_embedder)
{
    EmbPlugin T;
    emb_plugin_open(&T, "embedder-table");
    ck_assert(!VAJRA_EMBEDDER_HAS(T.vt, train)); /* needs no training */
    ck_assert(VAJRA_EMBEDDER_HAS(T.vt, save));
    VajraError err = {0};
    VajraEmbedder *e = NULL;
    char *path = emb_test_data("embedder/table.txt");
    char *kvp = g_strconcat("table=", path, NULL);
    const char *kv[] = {kvp, NULL};
    ck_assert_msg(emb_make(&T, kv, &e, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(T.vt->dim(e), 4);
    ck_assert_str_eq(T.vt->describe(e), "table dim=4 terms=10"); /* wing(s) merged, "the" dropped */
    const char *q[] = {"wing", "The wings!", "heat plate", "nothing known here", ""};
    float *x = embed_all(T.vt, e, q, 5);
    ck_assert_int_eq(memcmp(x, x + 4, 4 * sizeof(float)), 0);       /* same term, same row */
    ck_assert_float_eq_tol(x[0], 0.8f / (float)sqrt(0.8 * 0.8 + 0.2 * 0.2 + 0.3 * 0.3), 1e-5f);
    ck_assert_double_eq_tol(norm(x + 8, 4), 1.0, 1e-5);
    ck_assert(x[8 + 2] > 0.5f && x[8 + 3] > 0.5f);                   /* heat + plate */
    ck_assert_double_eq(norm(x + 12, 4), 0.0);
    ck_assert_double_eq(norm(x + 16, 4), 0.0);
    /* Saved into sections, it no longer needs the file. */
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ck_assert_int_eq(T.vt->save(e, &w, &err), VAJRA_OK);
    VajraSectionReader r = mem_sections_reader(m);
    VajraEmbedder *l = NULL;
    ck_assert_msg(T.vt->load(T.state, NULL, 0, &r, &l, &err) == VAJRA_OK, "%s", err.message);
    float *y = embed_all(T.vt, l, q, 5);
    ck_assert_int_eq(memcmp(x, y, 5 * 4 * sizeof(float)), 0);
    /* Bad parameters and files. */
    VajraEmbedder *b = NULL;
    ck_assert_int_eq(emb_make(&T, (const char *[]){NULL}, &b, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "table"));
    ck_assert_int_eq(emb_make(&T, (const char *[]){"table=/nonexistent/t.txt", NULL}, &b, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_int_eq(emb_make(&T, (const char *[]){"table=x", "colour=red", NULL}, &b, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "colour"));
    char *lsa_model = emb_test_data("lang/fr.jsonl"); /* not a table */
    char *kvb = g_strconcat("table=", lsa_model, NULL);
    ck_assert_int_eq(emb_make(&T, (const char *[]){kvb, NULL}, &b, &err), VAJRA_ERR_CORRUPT);
    ck_assert_ptr_null(b);
    g_free(kvb), g_free(lsa_model), g_free(kvp), g_free(path);
    free(x), free(y);
    T.vt->free(l);
    T.vt->free(e);
    mem_sections_free(m);
    emb_plugin_close(&T);
}
END_TEST

/* The growth rules: a slot past the plugin's struct_size does not exist, whatever it holds. */
START_TEST(test_vtable_growth_rules)
{
    VajraEmbedderVtable v = *P.vt;
    ck_assert(VAJRA_EMBEDDER_HAS(&v, describe));
    v.struct_size = (uint32_t)offsetof(VajraEmbedderVtable, train);
    ck_assert(!VAJRA_EMBEDDER_HAS(&v, train));
    ck_assert(!VAJRA_EMBEDDER_HAS(&v, describe));
    ck_assert_int_eq(vajra_embedder_vtable_check(&v, NULL), VAJRA_OK);
    v.struct_size = (uint32_t)offsetof(VajraEmbedderVtable, embed);
    VajraError err = {0};
    ck_assert_int_eq(vajra_embedder_vtable_check(&v, &err), VAJRA_ERR_ABI_MISMATCH);
    v = *P.vt;
    v.embed = NULL;
    ck_assert_int_eq(vajra_embedder_vtable_check(&v, &err), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_int_eq(vajra_embedder_vtable_check(NULL, &err), VAJRA_ERR_ABI_MISMATCH);
    /* Parameters. */
    VajraKeyValue kv[] = {{"dim", "12"}, {"dim", "14"}};
    uint32_t d = 0;
    ck_assert_int_eq(vajra_kv_u32(kv, 2, "dim", 1, 1, 100, &d, "t", NULL), VAJRA_OK);
    ck_assert_uint_eq(d, 14); /* the last one wins */
    ck_assert_int_eq(vajra_kv_u32(kv, 2, "dim", 1, 1, 13, &d, "t", &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(vajra_kv_u32(kv, 0, "dim", 9, 1, 13, &d, "t", &err), VAJRA_OK);
    ck_assert_uint_eq(d, 9);
}
END_TEST

/* The caller-side convenience: plugin + check + instance, and back from sections. */
START_TEST(test_embedder_ref)
{
    VajraError err = {0};
    VajraEmbedderRef r, l, bad;
    VajraKeyValue kv[] = {{"dim", "16"}};
    ck_assert_msg(vajra_embedder_ref_create(P.reg, "embedder-lsa", kv, 1, &r, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_uint_eq(r.vt->dim(r.self), 16);
    ck_assert_int_eq(r.vt->train(r.self, texts, n_texts, &err), VAJRA_OK);
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ck_assert_int_eq(r.vt->save(r.self, &w, &err), VAJRA_OK);
    VajraSectionReader rd = mem_sections_reader(m);
    ck_assert_msg(vajra_embedder_ref_load(P.reg, "embedder-lsa", NULL, 0, &rd, &l, &err) == VAJRA_OK, "%s", err.message);
    float a[16], b[16];
    const char *q[] = {"pressure distribution on a wing"};
    ck_assert_int_eq(r.vt->embed(r.self, q, 1, a, &err), VAJRA_OK);
    ck_assert_int_eq(l.vt->embed(l.self, q, 1, b, &err), VAJRA_OK);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    /* Errors leave the ref zeroed. */
    VajraKeyValue badkv[] = {{"dim", "0"}};
    ck_assert_int_eq(vajra_embedder_ref_create(P.reg, "embedder-lsa", badkv, 1, &bad, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(bad.plugin);
    ck_assert_int_eq(vajra_embedder_ref_create(P.reg, "embedder-nope", NULL, 0, &bad, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_int_eq(vajra_embedder_ref_create(P.reg, "lexical-bm25", NULL, 0, &bad, &err), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err.message, "embedder"));
    ck_assert_ptr_null(bad.self);
    vajra_embedder_ref_clear(&l);
    vajra_embedder_ref_clear(&r);
    vajra_embedder_ref_clear(&r); /* zeroed: no-op */
    vajra_embedder_ref_clear(NULL);
    mem_sections_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("embedder");
    TCase *t = tcase_create("embedder");
    tcase_set_timeout(t, 300);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_lsa_deterministic);
    tcase_add_test(t, test_lsa_round_trip_and_edges);
    tcase_add_test(t, test_lsa_bad_params_and_states);
    tcase_add_test(t, test_lsa_concurrent_embed);
    tcase_add_test(t, test_table_embedder);
    tcase_add_test(t, test_vtable_growth_rules);
    tcase_add_test(t, test_embedder_ref);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
