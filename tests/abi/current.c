/* The ABI fixture test, today's half: the same collections through today's API (for the 1.0
 * caller to compare with), and the 1.1 features on a collection whose lexical plugin was built
 * against ABI 1.0. See current.h. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "current.h"
#include "vajra/collection.h"
#include "vajra/filter_expr.h"
#include "vajra/io.h"

char *abi_data_path(const char *name)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    ck_assert_msg(dir != NULL, "VAJRA_DATA_DIR is not set");
    return g_build_filename(dir, "cranfield", name, NULL);
}

static VajraRegistry *cur_reg;
static VajraDocSet *cur_corpus, *cur_queries;
static VajraMatrixF32 cur_vecs;

static void cur_data(void)
{
    if (cur_reg != NULL)
        return;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &cur_reg, &err), VAJRA_OK);
    char *p = abi_data_path("corpus.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &cur_corpus, &err) == VAJRA_OK, "%s",
                  err.message);
    g_free(p);
    p = abi_data_path("queries.jsonl");
    ck_assert_int_eq(vajra_docset_read_jsonl(p, NULL, &cur_queries, &err), VAJRA_OK);
    g_free(p);
    p = abi_data_path("lsa128.docs.npy");
    ck_assert_int_eq(vajra_npy_read_f32(p, &cur_vecs, &err), VAJRA_OK);
    g_free(p);
    ck_assert_int_eq(vajra_docset_attach_vectors(cur_corpus, &cur_vecs, &err), VAJRA_OK);
}

static const VajraParam bm25_params[2] = {{"k1", ABI_K1}, {"b", ABI_B}};

void *cur_build_hybrid(void)
{
    cur_data();
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
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(cur_reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(cur_corpus);
    ck_assert_msg(vajra_collection_add(c, &all, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
    return c;
}

static void to_hits(const VajraResults *r, AbiHits *out)
{
    ck_assert_uint_le(r->count, ABI_K);
    out->count = (unsigned)r->count;
    for (size_t i = 0; i < r->count; i++) {
        ck_assert_uint_lt(strlen(r->items[i].id), sizeof out->ids[i]);
        strcpy(out->ids[i], r->items[i].id);
        out->scores[i] = r->items[i].score;
    }
}

static void search(void *collection, VajraSearchRequest *q, AbiHits *out)
{
    VajraResults r = {0};
    VajraError err = {0};
    ck_assert_msg(vajra_collection_search(collection, q, &r, &err) == VAJRA_OK, "%s",
                  err.message);
    to_hits(&r, out);
    vajra_results_clear(&r);
}

void cur_lexical(void *collection, const char *query, AbiHits *out)
{
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_LEXICAL, .text = query,
                            .k = ABI_K};
    search(collection, &q, out);
}

void cur_vector(void *collection, const float *v, AbiHits *out)
{
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_VECTOR, .vector = v,
                            .dim = ABI_DIM, .k = ABI_K};
    search(collection, &q, out);
}

void cur_compact(void *collection)
{
    VajraError err = {0};
    ck_assert_msg(vajra_collection_compact(collection, NULL, &err) == VAJRA_OK, "%s",
                  err.message);
}

void cur_compact_refused(void *collection, const char *needle)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_collection_compact(collection, NULL, &err), VAJRA_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.message, needle) != NULL, "%s", err.message);
}

void cur_free(void *collection) { vajra_collection_free(collection); }

static VajraCollection *plain(const char *plugin, const char *vector_plugin,
                              const char *language, vajra_status want, VajraError *err)
{
    cur_data();
    VajraCollectionOptions o = {.struct_size = sizeof o,
                                .lexical_plugin = plugin,
                                .analyzer = {.stemmer = VAJRA_STEMMER_NONE,
                                             .keep_stopwords = 1,
                                             .language = language},
                                .dim = vector_plugin ? ABI_DIM : 0,
                                .metric = VAJRA_METRIC_IP,
                                .vector_plugin = vector_plugin,
                                .threads = 1};
    VajraCollection *c = NULL;
    ck_assert_int_eq(vajra_collection_create(cur_reg, &o, &c, err), want);
    if (want != VAJRA_OK)
        return NULL;
    VajraDocBatch all = vajra_docset_batch(cur_corpus);
    ck_assert_msg(vajra_collection_add(c, &all, err) == VAJRA_OK, "%s", err->message);
    ck_assert_msg(vajra_collection_commit(c, err) == VAJRA_OK, "%s", err->message);
    return c;
}

/* `_id IN ["1", "4", "7", ...]`: a third of Cranfield. */
static VajraFilterExpr *every_third(void)
{
    GString *text = g_string_new("_id IN [");
    for (unsigned id = 1; id <= 1400; id += 3)
        g_string_append_printf(text, "%s\"%u\"", id > 1 ? ", " : "", id);
    g_string_append(text, "]");
    VajraFilterExpr *f = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_filter_parse(text->str, &f, &err) == VAJRA_OK, "%s", err.message);
    g_string_free(text, TRUE);
    return f;
}

void cur_check_old_plugin(void)
{
    VajraError err = {0};
    VajraCollection *old = plain("lexical-v10", NULL, NULL, VAJRA_OK, &err);
    VajraCollection *cur = plain("lexical-bm25", NULL, NULL, VAJRA_OK, &err);

    /* Filtered search: the 1.0 plugin has no search_filtered slot (vtable version 1), so the
     * collection widens k and filters its hits — the same ranking as lexical-bm25's filter. */
    VajraFilterExpr *f = every_third();
    unsigned nonempty = 0;
    for (size_t i = 0; i < ABI_QUERIES; i++) {
        const char *qt = vajra_docset_doc(cur_queries, i)->text;
        VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_LEXICAL, .text = qt,
                                .k = ABI_K, .filter = f};
        AbiHits a, b;
        search(old, &q, &a);
        search(cur, &q, &b);
        ck_assert_uint_eq(a.count, b.count);
        for (unsigned h = 0; h < a.count; h++) {
            ck_assert_str_eq(a.ids[h], b.ids[h]);
            ck_assert_float_eq_tol(a.scores[h], b.scores[h], 1e-5f * b.scores[h]);
            ck_assert_int_eq((atoi(a.ids[h]) - 1) % 3, 0); /* passes the filter */
        }
        nonempty += a.count > 0;
    }
    ck_assert_uint_ge(nonempty, ABI_QUERIES - 1);
    vajra_filter_free(f);

    /* Statistics from elsewhere need search_stats (version 3): a clear UNSUPPORTED. */
    const char *qt = vajra_docset_doc(cur_queries, 0)->text;
    VajraQueryStats qs = {.struct_size = sizeof qs};
    ck_assert_msg(vajra_collection_query_stats(cur, qt, &qs, &err) == VAJRA_OK, "%s", err.message);
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_LEXICAL, .text = qt,
                            .k = ABI_K, .stats = &qs};
    VajraResults r = {0};
    ck_assert_int_eq(vajra_collection_search(old, &q, &r, &err), VAJRA_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(err.message, "lexical-v10") && strstr(err.message, "search_stats"), "%s",
                  err.message);
    vajra_results_clear(&r);
    vajra_query_stats_clear(&qs);
    ck_assert_int_eq(vajra_collection_query_stats(old, qt, &qs, &err), VAJRA_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.message, "lexical-v10"));

    /* The core's statistics gathering checks the version before the slots it reads. */
    const VajraLexicalIndex *ix = NULL;
    const VajraLexicalVtable *vt = vajra_collection_lexical(old, &ix);
    ck_assert_ptr_nonnull(ix);
    ck_assert_uint_eq(vt->version, 1);
    VajraLexicalStatsBuilder *sb = NULL;
    ck_assert_int_eq(vajra_lexical_stats_builder_new(&sb, &err), VAJRA_OK);
    VajraLexicalScratch *scratch = NULL;
    ck_assert_int_eq(vt->scratch_new(ix, &scratch, &err), VAJRA_OK);
    VajraLexicalStats st;
    ck_assert_int_eq(vajra_lexical_stats_gather(sb, vt, &ix, 1, scratch, qt, &st, &err),
                     VAJRA_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.message, "version 3"));
    vt->scratch_free(scratch);
    vajra_lexical_stats_builder_free(sb);

    /* A language needs the 1.1 analyzer options, which a 1.0 plugin cannot read. */
    ck_assert_ptr_null(plain("lexical-v10", NULL, "french", VAJRA_ERR_UNSUPPORTED, &err));
    ck_assert_msg(strstr(err.message, "ABI 1.0") && strstr(err.message, "french"), "%s",
                  err.message);

    vajra_collection_free(old);
    vajra_collection_free(cur);
}

static void expect_refused(const char *file, const char *plugin_version)
{
    const char *dir = getenv("VAJRA_ABI_DIR");
    ck_assert_ptr_nonnull(dir);
    char *path = g_build_filename(dir, file, NULL);
    VajraPlugin *p = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_load_file(cur_reg, path, 0, &p, &err), VAJRA_ERR_ABI_MISMATCH);
    ck_assert_ptr_null(p);
    char ours[64];
    snprintf(ours, sizeof ours, "ABI %u.%u", VAJRA_ABI_MAJOR, VAJRA_ABI_MINOR);
    ck_assert_msg(strstr(err.message, plugin_version) != NULL && strstr(err.message, ours) != NULL,
                  "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, file));
    g_free(path);
}

void cur_check_newer_major(void)
{
    cur_data();
    /* A plugin built for ABI 2 exports vajra_plugin_entry_v2 (the major is in the symbol). */
    expect_refused("newmajor-entry.so", "plugin ABI 2 (it exports vajra_plugin_entry_v2)");
    /* One exporting the v1 symbol but declaring major 2 in its descriptor. */
    expect_refused("newmajor-desc.so", "plugin ABI 2.0");
}

void cur_check_old_vector_plugin(void)
{
    /* vector-v10 has no search_filtered (version 1): the collection widens k by the failing
     * count and filters its hits; vector-hnsw filters inside its exact scan. Same hits. */
    VajraError err = {0};
    VajraCollection *old = plain("lexical-bm25", "vector-v10", NULL, VAJRA_OK, &err);
    VajraCollection *cur = plain("lexical-bm25", "vector-hnsw", NULL, VAJRA_OK, &err);
    VajraFilterExpr *f = every_third();
    VajraMatrixF32 qv = {0};
    char *p = abi_data_path("lsa128.queries.npy");
    ck_assert_int_eq(vajra_npy_read_f32(p, &qv, &err), VAJRA_OK);
    g_free(p);
    for (size_t i = 0; i < ABI_QUERIES; i++) {
        VajraSearchRequest q = {.struct_size = sizeof q, .mode = VAJRA_MODE_VECTOR,
                                .vector = qv.data + i * qv.dim, .dim = ABI_DIM, .k = ABI_K,
                                .ef = VAJRA_EF_EXACT, .filter = f};
        AbiHits a, b;
        search(old, &q, &a);
        search(cur, &q, &b);
        ck_assert_uint_eq(a.count, ABI_K);
        ck_assert_uint_eq(a.count, b.count);
        for (unsigned h = 0; h < a.count; h++) {
            ck_assert_str_eq(a.ids[h], b.ids[h]);
            ck_assert_float_eq(a.scores[h], b.scores[h]);
            ck_assert_int_eq((atoi(a.ids[h]) - 1) % 3, 0);
        }
    }
    vajra_matrix_f32_clear(&qv);
    vajra_filter_free(f);
    vajra_collection_free(old);
    vajra_collection_free(cur);
}
