/* Collections on real data (Cranfield: 1,400 abstracts, 225 queries, LSA-128 vectors):
 * both index functors in step, save/open round trips through both storage plugins, the functor
 * law, hybrid built by composition, ids, and the input and file errors. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/storage.h"

#include "test_cranfield.h"
#include "test_scratch.h"

static VajraRegistry *reg;
static TestCranfield cran;
#define corpus (cran.corpus)
#define queries (cran.queries)
#define doc_vecs (cran.doc_vecs)
#define query_vecs (cran.query_vecs)
static char tmpdir[256];

static void load_data(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    test_cranfield_load(&cran);
    snprintf(tmpdir, sizeof tmpdir, "%s/vajra-coll-XXXXXX", g_get_tmp_dir());
    ck_assert_ptr_nonnull(g_mkdtemp(tmpdir));
}

static void free_data(void)
{
    test_cranfield_free(&cran);
    vajra_registry_free(reg);
    test_scratch_remove(tmpdir);
}

static char *tmp_file(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static VajraCollectionOptions default_opts(uint32_t dim)
{
    VajraCollectionOptions o = {.struct_size = sizeof o};
    o.dim = dim;
    o.metric = VAJRA_METRIC_IP;
    o.profile = "fast";
    return o;
}

/* Build the Cranfield collection in `batches` roughly equal batches. */
static VajraCollection *build(uint32_t dim, size_t batches, uint32_t threads)
{
    VajraCollectionOptions o = default_opts(dim);
    o.threads = threads;
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(corpus);
    size_t step = (all.count + batches - 1) / batches;
    for (size_t s = 0; s < all.count; s += step) {
        VajraDocBatch b = {all.docs + s, all.count - s < step ? all.count - s : step};
        ck_assert_msg(vajra_collection_add(c, &b, &err) == VAJRA_OK, "%s", err.message);
    }
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_collection_count(c), all.count);
    return c;
}

static int hits_equal(const VajraHits *a, const VajraHits *b)
{
    return a->count == b->count &&
           (a->count == 0 || memcmp(a->items, b->items, a->count * sizeof(VajraHit)) == 0);
}

/* The results of every query in every mode, concatenated, to compare collections. */
typedef struct Answers {
    VajraHits lex[225], vec[225], hyb[225];
    size_t n;
} Answers;

static void answer_all(VajraCollection *c, Answers *a, int with_vectors)
{
    VajraError err = {0};
    VajraMorphism *lex = NULL, *vec = NULL, *hyb = NULL, *fuse = NULL;
    ck_assert_int_eq(vajra_collection_lexical_retriever(c, &lex, &err), VAJRA_OK);
    if (with_vectors) {
        ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &vec, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_fusion_rrf(60, 10, &fuse, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_collection_hybrid_retriever(c, fuse, 0, &hyb, &err), VAJRA_OK);
    }
    VajraProduct *hq = NULL;
    ck_assert_int_eq(vajra_value_new(vajra_type_hybrid_query(), (void **)&hq, &err), VAJRA_OK);
    a->n = vajra_docset_count(queries);
    ck_assert_uint_le(a->n, 225);
    for (size_t i = 0; i < a->n; i++) {
        memset(&a->lex[i], 0, sizeof a->lex[i]);
        memset(&a->vec[i], 0, sizeof a->vec[i]);
        memset(&a->hyb[i], 0, sizeof a->hyb[i]);
        VajraTextQuery tq = {vajra_docset_doc(queries, i)->text, 10};
        VajraVectorQuery vq = {query_vecs.data + i * query_vecs.dim, (uint32_t)query_vecs.dim, 10};
        ck_assert_int_eq(vajra_morphism_apply(lex, &tq, &a->lex[i], &err), VAJRA_OK);
        if (with_vectors) {
            ck_assert_int_eq(vajra_morphism_apply(vec, &vq, &a->vec[i], &err), VAJRA_OK);
            *(VajraTextQuery *)hq->first = (VajraTextQuery){tq.text, 50};
            *(VajraVectorQuery *)hq->second = (VajraVectorQuery){vq.values, vq.dim, 50};
            ck_assert_int_eq(vajra_morphism_apply(hyb, hq, &a->hyb[i], &err), VAJRA_OK);
        }
    }
    vajra_value_free(vajra_type_hybrid_query(), hq);
    vajra_morphism_unref(lex);
    vajra_morphism_unref(vec);
    vajra_morphism_unref(hyb);
    vajra_morphism_unref(fuse);
}

static void answers_clear(Answers *a)
{
    for (size_t i = 0; i < a->n; i++) {
        vajra_hits_clear(&a->lex[i]);
        vajra_hits_clear(&a->vec[i]);
        vajra_hits_clear(&a->hyb[i]);
    }
}

static void assert_same_answers(const Answers *x, const Answers *y, const char *what)
{
    ck_assert_uint_eq(x->n, y->n);
    for (size_t i = 0; i < x->n; i++) {
        ck_assert_msg(hits_equal(&x->lex[i], &y->lex[i]), "%s: lexical differs on query %zu",
                      what, i + 1);
        ck_assert_msg(hits_equal(&x->vec[i], &y->vec[i]), "%s: vector differs on query %zu",
                      what, i + 1);
        ck_assert_msg(hits_equal(&x->hyb[i], &y->hyb[i]), "%s: hybrid differs on query %zu",
                      what, i + 1);
    }
}

static gchar *slurp(const char *path, gsize *len)
{
    gchar *data = NULL;
    ck_assert(g_file_get_contents(path, &data, len, NULL));
    return data;
}

/* ---- tests ---- */

START_TEST(roundtrip_file_and_mmap_answer_identically)
{
    VajraCollection *c = build(128, 1, 1);
    VajraError err = {0};
    char *p_file = tmp_file("c-file.vjr"), *p_mmap = tmp_file("c-mmap.vjr");
    ck_assert_msg(vajra_collection_save(c, p_file, "storage-file", &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert_int_eq(vajra_collection_save(c, p_mmap, "storage-mmap", &err), VAJRA_OK);
    gsize l1, l2;
    gchar *b1 = slurp(p_file, &l1), *b2 = slurp(p_mmap, &l2);
    ck_assert_msg(l1 == l2 && memcmp(b1, b2, l1) == 0, "file and mmap writers differ");
    g_free(b2);

    static Answers before, after_file, after_mmap;
    answer_all(c, &before, 1);
    /* The answers are real: most queries find something, hybrid mixes both sides. */
    size_t nonempty = 0;
    for (size_t i = 0; i < before.n; i++)
        nonempty += before.lex[i].count == 10 && before.vec[i].count == 10 &&
                    before.hyb[i].count == 10;
    ck_assert_uint_ge(nonempty, 200);

    VajraCollection *f = NULL, *m = NULL;
    ck_assert_msg(vajra_collection_open(reg, p_file, "storage-file", &f, &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert_int_eq(vajra_collection_open(reg, p_file, "storage-mmap", &m, &err), VAJRA_OK);
    answer_all(f, &after_file, 1);
    answer_all(m, &after_mmap, 1);
    assert_same_answers(&before, &after_file, "storage-file");
    assert_same_answers(&before, &after_mmap, "storage-mmap");
    for (uint32_t d = 0; d < vajra_collection_count(c); d++) {
        ck_assert_str_eq(vajra_collection_doc_id(c, d), vajra_collection_doc_id(m, d));
        ck_assert_str_eq(vajra_collection_doc_title(c, d), vajra_collection_doc_title(m, d));
        const VajraDocument *doc = vajra_docset_doc(corpus, d);
        ck_assert_str_eq(vajra_collection_doc_id(m, d), doc->id);
        ck_assert_str_eq(vajra_collection_doc_title(m, d), doc->title ? doc->title : "");
    }
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(m, &info);
    ck_assert_uint_eq(info.doc_count, 1400);
    ck_assert_uint_eq(info.dim, 128);
    ck_assert_uint_eq(info.metric, VAJRA_METRIC_IP);
    ck_assert_str_eq(info.profile, "fast");
    ck_assert_str_eq(info.scorer_plugin, "scorer-bm25");

    /* Same input and parameters, another thread count: the same bytes. */
    VajraCollection *c2 = build(128, 1, 2);
    char *p2 = tmp_file("c-2threads.vjr");
    ck_assert_int_eq(vajra_collection_save(c2, p2, NULL, &err), VAJRA_OK);
    b2 = slurp(p2, &l2);
    ck_assert_msg(l1 == l2 && memcmp(b1, b2, l1) == 0, "2-thread build saved different bytes");

    /* An opened collection is read-only. */
    VajraDocBatch one = {vajra_docset_batch(corpus).docs, 1};
    ck_assert_int_eq(vajra_collection_add(m, &one, &err), VAJRA_ERR_STATE);

    answers_clear(&before);
    answers_clear(&after_file);
    answers_clear(&after_mmap);
    g_free(b1);
    g_free(b2);
    vajra_collection_free(f);
    vajra_collection_free(m);
    vajra_collection_free(c);
    vajra_collection_free(c2);
    g_free(p_file);
    g_free(p_mmap);
    g_free(p2);
}
END_TEST

/* Indexing A then B answers like indexing A ++ B (the index functor preserves concatenation).
 * HNSW graphs depend on batching, so the vector side is compared through exact search. */
START_TEST(functor_law_two_batches_equal_one)
{
    VajraCollection *one = build(128, 1, 1), *three = build(128, 3, 1);
    static Answers a1, a3;
    answer_all(one, &a1, 0);
    answer_all(three, &a3, 0);
    assert_same_answers(&a1, &a3, "1 vs 3 batches");
    VajraError err = {0};
    VajraMorphism *e1 = NULL, *e3 = NULL;
    ck_assert_int_eq(vajra_collection_vector_retriever(one, VAJRA_EF_EXACT, &e1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_vector_retriever(three, VAJRA_EF_EXACT, &e3, &err),
                     VAJRA_OK);
    VajraHits h1 = {0}, h3 = {0};
    for (size_t i = 0; i < query_vecs.rows; i++) {
        VajraVectorQuery q = {query_vecs.data + i * query_vecs.dim, (uint32_t)query_vecs.dim, 20};
        ck_assert_int_eq(vajra_morphism_apply(e1, &q, &h1, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_morphism_apply(e3, &q, &h3, &err), VAJRA_OK);
        ck_assert(hits_equal(&h1, &h3));
        ck_assert_uint_eq(h1.count, 20);
    }
    for (uint32_t d = 0; d < 1400; d += 97)
        ck_assert_str_eq(vajra_collection_doc_title(one, d), vajra_collection_doc_title(three, d));
    vajra_hits_clear(&h1);
    vajra_hits_clear(&h3);
    vajra_morphism_unref(e1);
    vajra_morphism_unref(e3);
    answers_clear(&a1);
    answers_clear(&a3);
    vajra_collection_free(one);
    vajra_collection_free(three);
}
END_TEST

/* hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩: its type, and its value against the parts applied by hand. */
START_TEST(hybrid_is_fusion_of_the_two_retrievers)
{
    VajraCollection *c = build(128, 1, 1);
    VajraError err = {0};
    VajraMorphism *lex = NULL, *vec = NULL, *fuse = NULL, *hyb = NULL, *bad = NULL;
    ck_assert_int_eq(vajra_collection_lexical_retriever(c, &lex, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &vec, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_fusion_convex(VAJRA_NORM_ZSCORE, 0.5, 0.5, 10, &fuse, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_hybrid_retriever(c, fuse, 0, &hyb, &err), VAJRA_OK);
    ck_assert_ptr_eq(vajra_morphism_dom(hyb), vajra_type_hybrid_query());
    ck_assert_ptr_eq(vajra_morphism_cod(hyb), vajra_type_hits());
    ck_assert_ptr_eq(vajra_morphism_dom(lex), vajra_type_text_query());
    ck_assert_ptr_eq(vajra_morphism_dom(vec), vajra_type_vector_query());
    /* Something that is not hits × hits → hits cannot be the fusion. */
    ck_assert_int_eq(vajra_collection_hybrid_retriever(c, lex, 0, &bad, &err),
                     VAJRA_ERR_TYPE_MISMATCH);
    ck_assert_ptr_null(bad);

    VajraProduct *hq = NULL, *pair = NULL;
    ck_assert_int_eq(vajra_value_new(vajra_type_hybrid_query(), (void **)&hq, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_value_new(vajra_type_hits_pair(), (void **)&pair, &err), VAJRA_OK);
    VajraHits got = {0}, want = {0};
    size_t mixed = 0;
    for (size_t i = 0; i < vajra_docset_count(queries); i++) {
        VajraTextQuery tq = {vajra_docset_doc(queries, i)->text, 40};
        VajraVectorQuery vq = {query_vecs.data + i * query_vecs.dim, (uint32_t)query_vecs.dim, 40};
        *(VajraTextQuery *)hq->first = tq;
        *(VajraVectorQuery *)hq->second = vq;
        ck_assert_int_eq(vajra_morphism_apply(hyb, hq, &got, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_morphism_apply(lex, &tq, pair->first, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_morphism_apply(vec, &vq, pair->second, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_fuse_convex(pair->first, pair->second, VAJRA_NORM_ZSCORE, 0.5, 0.5,
                                           10, &want, &err),
                         VAJRA_OK);
        ck_assert(hits_equal(&got, &want));
        /* Count queries whose fused top 10 differs from both sides' top 10 (fusion did work). */
        const VajraHits *l = pair->first, *v = pair->second;
        int same_l = 1, same_v = 1;
        for (size_t r = 0; r < got.count; r++) {
            same_l &= r < l->count && got.items[r].doc == l->items[r].doc;
            same_v &= r < v->count && got.items[r].doc == v->items[r].doc;
        }
        mixed += !same_l && !same_v;
    }
    ck_assert_uint_ge(mixed, 150);
    vajra_hits_clear(&got);
    vajra_hits_clear(&want);
    vajra_value_free(vajra_type_hybrid_query(), hq);
    vajra_value_free(vajra_type_hits_pair(), pair);
    VajraMorphism *ms[] = {lex, vec, fuse, hyb};
    for (size_t i = 0; i < 4; i++)
        vajra_morphism_unref(ms[i]);
    vajra_collection_free(c);
}
END_TEST

START_TEST(ids_map_both_ways)
{
    VajraCollection *c = build(0, 1, 1);
    VajraError err = {0};
    for (uint32_t d = 0; d < vajra_collection_count(c); d++) {
        uint32_t back = UINT32_MAX;
        ck_assert_int_eq(vajra_collection_doc_number(c, vajra_collection_doc_id(c, d), &back, &err),
                         VAJRA_OK);
        ck_assert_uint_eq(back, d);
    }
    uint32_t x;
    ck_assert_int_eq(vajra_collection_doc_number(c, "no-such-id", &x, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_null(vajra_collection_doc_id(c, 1400));
    ck_assert_ptr_null(vajra_collection_doc_title(c, 1400));
    vajra_collection_free(c);
}
END_TEST

START_TEST(lexical_only_collection)
{
    VajraCollection *c = build(0, 2, 1);
    VajraError err = {0};
    VajraMorphism *m = NULL;
    ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &m, &err), VAJRA_ERR_STATE);
    ck_assert_ptr_null(m);
    char *p = tmp_file("lex-only.vjr");
    ck_assert_int_eq(vajra_collection_save(c, p, NULL, &err), VAJRA_OK);
    VajraCollection *o = NULL;
    ck_assert_msg(vajra_collection_open(reg, p, NULL, &o, &err) == VAJRA_OK, "%s", err.message);
    static Answers a, b;
    answer_all(c, &a, 0);
    answer_all(o, &b, 0);
    assert_same_answers(&a, &b, "lexical-only reopened");
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(o, &info);
    ck_assert_uint_eq(info.dim, 0);
    ck_assert_ptr_null(info.vector_plugin);
    answers_clear(&a);
    answers_clear(&b);
    vajra_collection_free(o);
    vajra_collection_free(c);
    g_free(p);
}
END_TEST

/* Bad input is refused naming the document, and leaves both indexes as they were. */
START_TEST(bad_batches_change_nothing)
{
    VajraCollectionOptions o = default_opts(128);
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_OK);
    const VajraDocument *src = vajra_docset_batch(corpus).docs;
    VajraDocument docs[3] = {src[0], src[1], src[2]};
    VajraDocBatch b = {docs, 3};

    docs[1].dim = 64;
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_ERR_DIMENSION);
    ck_assert_ptr_nonnull(strstr(err.message, src[1].id));
    docs[1] = src[1];
    float bad[128];
    memcpy(bad, src[2].vector, sizeof bad);
    bad[5] = NAN;
    docs[2].vector = bad;
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_ERR_BAD_VALUE);
    docs[2] = src[2];
    docs[0].vector = NULL;
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_ERR_INVALID_ARGUMENT);
    docs[0] = src[0];
    docs[2].id = src[0].id; /* duplicate within the batch */
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_ERR_DUPLICATE);
    docs[2] = src[2];

    /* Nothing of the failed batches went in: the good batch gets numbers 0, 1, 2. */
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
    /* Saving before commit is refused. */
    char *p = tmp_file("uncommitted.vjr");
    ck_assert_int_eq(vajra_collection_save(c, p, NULL, &err), VAJRA_ERR_STATE);
    ck_assert(!g_file_test(p, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_collection_count(c), 3);
    const VajraVectorIndex *vi = NULL;
    const VajraVectorVtable *vvt = vajra_collection_vector(c, &vi);
    ck_assert_uint_eq(vvt->count(vi), 3);
    for (uint32_t d = 0; d < 3; d++)
        ck_assert_str_eq(vajra_collection_doc_id(c, d), src[d].id);
    /* The same ids again: duplicates of documents already in. */
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_ERR_DUPLICATE);
    ck_assert_uint_eq(vvt->count(vi), 3);

    /* Cosine refuses zero vectors before anything is added. */
    VajraCollectionOptions oc = default_opts(128);
    oc.metric = VAJRA_METRIC_COSINE;
    VajraCollection *cc = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &oc, &cc, &err), VAJRA_OK);
    float zero[128] = {0};
    docs[1].vector = zero;
    ck_assert_int_eq(vajra_collection_add(cc, &b, &err), VAJRA_ERR_BAD_VALUE);
    vajra_collection_free(cc);

    /* Bad options. */
    VajraCollectionOptions ob = default_opts(128);
    ob.profile = "no-such-profile";
    ck_assert_int_eq(vajra_collection_create(reg, &ob, &cc, &err), VAJRA_ERR_NOT_FOUND);
    ob = default_opts(0);
    ob.scorer_plugin = "scorer-missing";
    ck_assert_int_eq(vajra_collection_create(reg, &ob, &cc, &err), VAJRA_ERR_NOT_FOUND);
    ob = default_opts(0);
    ob.scorer_plugin = "../../tmp/evil";
    ck_assert_int_eq(vajra_collection_create(reg, &ob, &cc, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ob = default_opts(0);
    ob.metric = 99;
    ck_assert_int_eq(vajra_collection_create(reg, &ob, &cc, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(cc);
    vajra_collection_free(c);
    g_free(p);
}
END_TEST

/* Build the Cranfield collection (3 batches, 3 segments) on vector-flat with `storage`. */
static VajraCollection *build_flat(const char *storage)
{
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = 128, .metric = VAJRA_METRIC_IP};
    o.vector_plugin = "vector-flat";
    VajraKeyValue kv[] = {{"storage", storage}};
    o.vector_params = kv;
    o.n_vector_params = 1;
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(corpus);
    for (size_t s = 0; s < all.count; s += 500) {
        VajraDocBatch b = {all.docs + s, all.count - s < 500 ? all.count - s : 500};
        ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    }
    return c;
}

/* Copy the container at `src` to `dst`, dropping every coll.meta line that starts with `drop`
 * (a file as an older build wrote it). */
static void copy_without_meta_lines(const char *src, const char *dst, const char *drop)
{
    VajraPlugin *sp = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_load(reg, VAJRA_PLUGIN_STORAGE, "storage-file", &sp, &err),
                     VAJRA_OK);
    const VajraStorageOps *ops = vajra_plugin_vtable(sp);
    VajraStorageContainer *in = NULL;
    VajraStorageWriter *w = NULL;
    ck_assert_int_eq(ops->open(vajra_plugin_state(sp), src, &in, &err), VAJRA_OK);
    ck_assert_int_eq(ops->writer_open(vajra_plugin_state(sp), dst, &w, &err), VAJRA_OK);
    const VajraSectionWriter *sw = ops->writer_sections(w);
    size_t dropped = 0;
    for (size_t i = 0; i < ops->container_count(in); i++) {
        const char *name;
        const void *data;
        size_t len;
        ck_assert_int_eq(ops->container_section_at(in, i, &name, &data, &len, &err), VAJRA_OK);
        GString *meta = NULL;
        if (strcmp(name, "coll.meta") == 0) {
            meta = g_string_new(NULL);
            gchar *text = g_strndup(data, len);
            gchar **lines = g_strsplit(text, "\n", -1);
            for (gchar **l = lines; *l != NULL; l++) {
                if (**l == '\0')
                    continue;
                if (g_str_has_prefix(*l, drop))
                    dropped++;
                else
                    g_string_append_printf(meta, "%s\n", *l);
            }
            g_strfreev(lines);
            g_free(text);
            data = meta->str;
            len = meta->len;
        }
        ck_assert_int_eq(sw->write(sw->self, name, data, len, &err), VAJRA_OK);
        if (meta != NULL)
            g_string_free(meta, TRUE);
    }
    ck_assert_uint_gt(dropped, 0);
    ck_assert_int_eq(ops->writer_commit(w, &err), VAJRA_OK);
    ops->close(in);
    vajra_plugin_unref(sp);
}

/* A file written before key/value parameters (no "vector-param" lines) opens with the parameters
 * of its "vector-params" line, reports them as key/values, builds new segments with them, and
 * saves them as key/values from then on. */
START_TEST(older_meta_without_vector_kv)
{
    VajraError err = {0};
    VajraCollectionOptions o = default_opts(128);
    o.profile = "instant";
    o.ef_search = 77;
    /* Files from before the key/values made f32 segments (the version-1 parameters have no
     * storage): the same bytes as a file that asks for f32 (today's default is "auto"). */
    VajraKeyValue f32[] = {{"storage", "f32"}};
    o.vector_params = f32;
    o.n_vector_params = 1;
    VajraCollection *c = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_OK);
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch first = {all.docs, 700};
    ck_assert_int_eq(vajra_collection_add(c, &first, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    char *p = tmp_file("new.vjr"), *old = tmp_file("old.vjr");
    ck_assert_int_eq(vajra_collection_save(c, p, NULL, &err), VAJRA_OK);
    vajra_collection_free(c);
    copy_without_meta_lines(p, old, "vector-param ");
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1};
    ck_assert_msg(vajra_collection_open_ex(reg, old, &oo, &c, &err) == VAJRA_OK, "%s",
                  err.message);
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    ck_assert_str_eq(in.profile, "instant");
    ck_assert_uint_eq(in.n_vector_kv, 6); /* M, ef_construction, ef_search, seed, storage, rerank */
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "storage"), "f32");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "M"), "10");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "ef_construction"), "40");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "ef_search"), "77");
    /* a new segment is built with them: the same bytes as from the file that had them */
    VajraDocBatch rest = {all.docs + 700, all.count - 700};
    ck_assert_int_eq(vajra_collection_add(c, &rest, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    vajra_collection_free(c);
    ck_assert_int_eq(vajra_collection_open_ex(reg, p, &oo, &c, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_add(c, &rest, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    vajra_collection_free(c);
    gsize la, lb;
    gchar *a = slurp(p, &la), *b = slurp(old, &lb);
    ck_assert(la == lb && memcmp(a, b, la) == 0);
    g_free(a);
    g_free(b);
    g_free(p);
    g_free(old);
}
END_TEST

/* Another vector index through the collection: vector-flat answers exactly what the HNSW
 * collection's exact scan answers (the same kernel, bit for bit), hybrid works on it, the plugin
 * and its parameters survive save/open and compaction, and what it does not have (profiles,
 * HNSW keys) is refused. */
START_TEST(flat_vector_index_collection)
{
    VajraError err = {0};
    VajraCollection *hnsw = build(128, 1, 1);
    VajraMorphism *exact = NULL, *vec = NULL;
    ck_assert_int_eq(vajra_collection_vector_retriever(hnsw, VAJRA_EF_EXACT, &exact, &err),
                     VAJRA_OK);
    for (int st = 0; st < 2; st++) {
        const char *storage = st ? "f16" : "f32";
        VajraCollection *c = build_flat(storage);
        VajraCollectionInfo in = {.struct_size = sizeof in};
        vajra_collection_info(c, &in);
        ck_assert_str_eq(in.vector_plugin, "vector-flat");
        ck_assert_ptr_null(in.profile);
        ck_assert_uint_eq(in.n_vector_kv, 1);
        ck_assert_str_eq(in.vector_kv[0].key, "storage");
        ck_assert_str_eq(in.vector_kv[0].value, storage);
        ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &vec, &err), VAJRA_OK);
        VajraHits want = {0}, got = {0};
        size_t overlap = 0;
        for (size_t i = 0; i < vajra_docset_count(queries); i++) {
            VajraVectorQuery vq = {query_vecs.data + i * 128, 128, 10};
            ck_assert_int_eq(vajra_morphism_apply(exact, &vq, &want, &err), VAJRA_OK);
            ck_assert_int_eq(vajra_morphism_apply(vec, &vq, &got, &err), VAJRA_OK);
            if (st == 0)
                ck_assert_msg(hits_equal(&got, &want), "query %zu: flat != HNSW exact", i + 1);
            for (size_t r = 0; r < got.count; r++)
                for (size_t w = 0; w < want.count; w++)
                    overlap += got.items[r].doc == want.items[w].doc;
        }
        ck_assert_uint_ge(overlap, st ? 2200 : 2250); /* f16 rounding moves few */
        vajra_morphism_unref(vec);
        Answers a, b;
        answer_all(c, &a, 1);
        for (size_t i = 0; i < a.n; i++)
            ck_assert_uint_eq(a.hyb[i].count, 10);
        char *p = tmp_file(st ? "flat16.vajra" : "flat32.vajra");
        ck_assert_int_eq(vajra_collection_save(c, p, NULL, &err), VAJRA_OK);
        VajraCollection *o = NULL;
        ck_assert_msg(vajra_collection_open(reg, p, NULL, &o, &err) == VAJRA_OK, "%s",
                      err.message);
        answer_all(o, &b, 1);
        assert_same_answers(&a, &b, "flat reopened");
        answers_clear(&b);
        VajraCollectionInfo io = {.struct_size = offsetof(VajraCollectionInfo, vector_kv)};
        io.vector_kv = (const VajraKeyValue *)&io; /* beyond the size: must stay */
        vajra_collection_info(o, &io);
        ck_assert_str_eq(io.vector_plugin, "vector-flat");
        ck_assert_ptr_eq(io.vector_kv, (const VajraKeyValue *)&io);
        io.struct_size = sizeof io;
        vajra_collection_info(o, &io);
        ck_assert_str_eq(io.vector_kv[0].value, storage);
        vajra_collection_free(o);
        /* compaction reads the rows back (get_vector): the same answers from one segment */
        ck_assert_int_eq(vajra_collection_compact(c, NULL, &err), VAJRA_OK);
        answer_all(c, &b, 1);
        assert_same_answers(&a, &b, "flat compacted");
        answers_clear(&a);
        answers_clear(&b);
        VajraCompactOptions co = {.struct_size = sizeof co, .profile = "quality"};
        ck_assert_int_eq(vajra_collection_promote(c, &co, &err), VAJRA_ERR_UNSUPPORTED);
        vajra_hits_clear(&want);
        vajra_hits_clear(&got);
        vajra_collection_free(c);
        g_free(p);
    }
    vajra_morphism_unref(exact);
    vajra_collection_free(hnsw);
    /* what vector-flat does not take */
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = 8, .vector_plugin = "vector-flat"};
    VajraCollection *c = NULL;
    o.profile = "fast";
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(err.message, "profile"));
    o.profile = NULL;
    o.M = 16;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_ERR_INVALID_ARGUMENT);
    o.M = 0;
    VajraKeyValue bad[] = {{"storage", "f64"}};
    o.vector_params = bad;
    o.n_vector_params = 1;
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(c);
    /* HNSW takes its keys as parameters too: the key wins over the shorthand */
    VajraKeyValue hk[] = {{"M", "20"}, {"seed", "7"}};
    VajraCollectionOptions h = default_opts(8);
    h.M = 12;
    h.vector_params = hk;
    h.n_vector_params = 2;
    ck_assert_msg(vajra_collection_create(reg, &h, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraCollectionInfo hi = {.struct_size = sizeof hi};
    vajra_collection_info(c, &hi);
    ck_assert_uint_eq(hi.vector_params.M, 20);
    ck_assert_uint_eq(hi.vector_params.seed, 7);
    ck_assert_str_eq(hi.profile, "fast");
    vajra_collection_free(c);
}
END_TEST

/* Write a container holding a given coll.meta (and empty titles), through the storage plugin. */
static void write_container(const char *path, const char *meta)
{
    VajraPlugin *sp = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_load(reg, VAJRA_PLUGIN_STORAGE, "storage-file", &sp, &err),
                     VAJRA_OK);
    const VajraStorageOps *ops = vajra_plugin_vtable(sp);
    VajraStorageWriter *w = NULL;
    ck_assert_int_eq(ops->writer_open(vajra_plugin_state(sp), path, &w, &err), VAJRA_OK);
    const VajraSectionWriter *sw = ops->writer_sections(w);
    if (meta != NULL)
        ck_assert_int_eq(sw->write(sw->self, "coll.meta", meta, strlen(meta), &err), VAJRA_OK);
    uint64_t titles[2] = {0, 0};
    ck_assert_int_eq(sw->write(sw->self, "coll.titles", titles, sizeof titles, &err), VAJRA_OK);
    ck_assert_int_eq(ops->writer_commit(w, &err), VAJRA_OK);
    vajra_plugin_unref(sp);
}

static vajra_status open_status(const char *path, VajraError *err)
{
    VajraCollection *c = NULL;
    vajra_status st = vajra_collection_open(reg, path, NULL, &c, err);
    ck_assert(st == VAJRA_OK || c == NULL);
    vajra_collection_free(c);
    return st;
}

START_TEST(open_refuses_bad_files)
{
    VajraError err = {0};
    char *p = tmp_file("bad.vjr");
    ck_assert_int_eq(open_status("/nonexistent/dir/x.vjr", &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/dir/x.vjr"));

    write_container(p, NULL);
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_NOT_FOUND); /* no coll.meta */
    write_container(p, "vajra-collection 3\ndocs 0\ndim 0\nlexical lexical-bm25\n"
                       "scorer scorer-bm25\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_VERSION);
    write_container(p, "vajra-collection 1\ndocs 0\ndim 0\nlexical ../../evil\n"
                       "scorer scorer-bm25\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT);
    write_container(p, "vajra-collection 1\ndocs 0\nlexical lexical-bm25\nscorer scorer-bm25\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT); /* no dim */
    write_container(p, "vajra-collection 1\ndocs 0\ndim 8\nlexical lexical-bm25\n"
                       "scorer scorer-bm25\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT); /* dim without vector keys */
    write_container(p, "vajra-collection 1\ndocs 0\ndim 0\nlexical lexical-bm25\n"
                       "scorer scorer-bm25\nscorer-param k1 nan\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT);
    write_container(p, "docs 0\nvajra-collection 1\n");
    ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT);
    /* A well-formed meta but no lexical sections. */
    write_container(p, "vajra-collection 1\ndocs 0\ndim 0\nlexical lexical-bm25\n"
                       "scorer scorer-bm25\n");
    ck_assert_int_ne(open_status(p, &err), VAJRA_OK);

    /* A real collection with one damaged byte: refused, never a crash. */
    VajraCollection *c = build(128, 1, 1);
    ck_assert_int_eq(vajra_collection_save(c, p, NULL, &err), VAJRA_OK);
    vajra_collection_free(c);
    gsize len;
    gchar *bytes = slurp(p, &len);
    for (gsize off = 100; off < len; off += len / 7) {
        bytes[off] ^= 0x20;
        ck_assert(g_file_set_contents(p, bytes, (gssize)len, NULL));
        ck_assert_int_eq(open_status(p, &err), VAJRA_ERR_CORRUPT);
        bytes[off] ^= 0x20;
    }
    ck_assert(g_file_set_contents(p, bytes, (gssize)len, NULL));
    ck_assert_int_eq(open_status(p, &err), VAJRA_OK);
    g_free(bytes);
    g_free(p);
}
END_TEST

/* Promotion rebuilds the graph with new numbers and keeps every other vector parameter: an f16
 * collection stays f16 (through the version-1 create it silently became f32). */
START_TEST(promote_keeps_vector_params)
{
    VajraError err = {0};
    VajraCollectionOptions o = default_opts(128);
    VajraKeyValue kv[] = {{"storage", "f16"}, {"seed", "7"}};
    o.vector_params = kv;
    o.n_vector_params = 2;
    VajraCollection *c = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(corpus);
    ck_assert_int_eq(vajra_collection_add(c, &all, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    VajraCompactOptions co = {.struct_size = sizeof co, .profile = "quality", .ef_search = 99};
    ck_assert_msg(vajra_collection_promote(c, &co, &err) == VAJRA_OK, "%s", err.message);
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    ck_assert_str_eq(in.profile, "quality");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "storage"), "f16");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "seed"), "7");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "M"), "14");
    ck_assert_str_eq(vajra_kv_get(in.vector_kv, in.n_vector_kv, "ef_search"), "99");
    ck_assert_uint_eq(in.vector_params.M, 14);
    /* the promoted segment answers like a fresh quality/f16 build of the same documents */
    VajraCollectionOptions fo = o;
    VajraKeyValue fkv[] = {{"storage", "f16"}, {"seed", "7"}, {"ef_search", "99"}};
    fo.vector_params = fkv;
    fo.n_vector_params = 3;
    fo.profile = "quality";
    VajraCollection *fresh = NULL;
    ck_assert_int_eq(vajra_collection_create(reg, &fo, &fresh, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_add(fresh, &all, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(fresh, &err), VAJRA_OK);
    Answers a, b;
    answer_all(c, &a, 1);
    answer_all(fresh, &b, 1);
    assert_same_answers(&a, &b, "promoted vs fresh");
    answers_clear(&a);
    answers_clear(&b);
    vajra_collection_free(fresh);
    vajra_collection_free(c);
}
END_TEST

static Suite *collection_suite(void)
{
    Suite *s = suite_create("collection");
    TCase *tc = tcase_create("cranfield");
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, roundtrip_file_and_mmap_answer_identically);
    tcase_add_test(tc, functor_law_two_batches_equal_one);
    tcase_add_test(tc, hybrid_is_fusion_of_the_two_retrievers);
    tcase_add_test(tc, ids_map_both_ways);
    tcase_add_test(tc, lexical_only_collection);
    tcase_add_test(tc, bad_batches_change_nothing);
    tcase_add_test(tc, open_refuses_bad_files);
    tcase_add_test(tc, flat_vector_index_collection);
    tcase_add_test(tc, older_meta_without_vector_kv);
    tcase_add_test(tc, promote_keeps_vector_params);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(collection_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
