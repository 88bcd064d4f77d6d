/* Live collections: regressions found through the command line (tests/cli/test_cli_live.py),
 * each reduced to the library calls that showed it, on a small synthetic corpus.
 *
 *  - promote saved the file with the old profile and HNSW parameters (they were set only after
 *    the swap had saved), so the reopened collection reported and used the old ones.
 *  - a writable open of a path that does not exist failed, as it should, but left an empty
 *    "<path>.lock" behind (the lock was taken before the file was looked at).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "vajra/collection.h"
#include "test_scratch.h"

enum { DIM = 8, N0 = 30 };

static VajraRegistry *reg;
static char tmpdir[256];
static char *path;

static void setup(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    snprintf(tmpdir, sizeof tmpdir, "%s/vajra-live-XXXXXX", g_get_tmp_dir());
    ck_assert_ptr_nonnull(g_mkdtemp(tmpdir));
    path = g_build_filename(tmpdir, "c.vjr", NULL);
}

static void teardown(void)
{
    test_scratch_remove(tmpdir);
    g_free(path);
    vajra_registry_free(reg);
}

/* Stage documents first .. first+n-1 ("d<i>", a few words, a deterministic vector). */
static void add_docs(VajraCollection *c, int first, int n)
{
    VajraDocument *docs = g_new0(VajraDocument, n);
    float *vecs = g_new(float, (size_t)n * DIM);
    char **ids = g_new0(char *, n), **texts = g_new0(char *, n);
    for (int i = 0; i < n; i++) {
        ids[i] = g_strdup_printf("d%d", first + i);
        texts[i] = g_strdup_printf("word%d common text %d", (first + i) % 7, first + i);
        for (int j = 0; j < DIM; j++)
            vecs[i * DIM + j] = (float)((first + i) * 31 + j * 17 % 13) / 100.0f + 0.01f;
        docs[i] = (VajraDocument){.id = ids[i], .title = "title", .text = texts[i],
                                  .vector = vecs + i * DIM, .dim = DIM};
    }
    VajraDocBatch b = {docs, (size_t)n};
    VajraError err = {0};
    ck_assert_msg(vajra_collection_add(c, &b, &err) == VAJRA_OK, "%s", err.message);
    for (int i = 0; i < n; i++) {
        g_free(ids[i]);
        g_free(texts[i]);
    }
    g_free(ids);
    g_free(texts);
    g_free(vecs);
    g_free(docs);
}

static VajraCollection *created(void)
{
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = DIM, .profile = "fast",
                                .threads = 1};
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    add_docs(c, 0, N0);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    return c;
}

/* A saved collection of N0 documents, opened writable. */
static VajraCollection *opened_writable(void)
{
    VajraCollection *c = created();
    VajraError err = {0};
    ck_assert_msg(vajra_collection_save(c, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    vajra_collection_free(c);
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1, .threads = 1};
    ck_assert_msg(vajra_collection_open_ex(reg, path, &oo, &c, &err) == VAJRA_OK, "%s",
                  err.message);
    return c;
}

START_TEST(promote_saves_the_new_profile)
{
    VajraCollection *c = opened_writable();
    VajraError err = {0};
    VajraCompactOptions po = {.struct_size = sizeof po, .profile = "quality"};
    ck_assert_msg(vajra_collection_promote(c, &po, &err) == VAJRA_OK, "%s", err.message);
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(c, &in);
    ck_assert_str_eq(in.profile, "quality");
    uint32_t M = in.vector_params.M, efs = in.vector_params.ef_search;
    vajra_collection_free(c);
    ck_assert_int_eq(vajra_collection_open(reg, path, NULL, &c, &err), VAJRA_OK);
    vajra_collection_info(c, &in);
    ck_assert_str_eq(in.profile, "quality");
    ck_assert_uint_eq(in.vector_params.M, M);
    ck_assert_uint_eq(in.vector_params.ef_search, efs);
    vajra_collection_free(c);
}
END_TEST

START_TEST(writable_open_of_a_missing_path_leaves_no_lock_file)
{
    VajraCollection *c = NULL;
    VajraError err = {0};
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1};
    vajra_status st = vajra_collection_open_ex(reg, path, &oo, &c, &err);
    ck_assert_int_ne(st, VAJRA_OK);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    char *lock = g_strdup_printf("%s.lock", path);
    ck_assert_msg(!g_file_test(lock, G_FILE_TEST_EXISTS), "%s was left behind", lock);
    g_free(lock);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live-regressions");
    TCase *tc = tcase_create("live");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, promote_saves_the_new_profile);
    tcase_add_test(tc, writable_open_of_a_missing_path_leaves_no_lock_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
