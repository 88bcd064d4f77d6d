/* Test helper: the Cranfield set from VAJRA_DATA_DIR (1,400 abstracts, 225 queries, LSA-128
 * document and query vectors, the vectors attached to the documents), loaded with Check
 * assertions. Header-only, test code only. */
#ifndef VAJRA_TEST_CRANFIELD_H
#define VAJRA_TEST_CRANFIELD_H

#include <check.h>
#include <stdlib.h>

#include <glib.h>

#include "vajra/io.h"

typedef struct TestCranfield {
    VajraDocSet *corpus, *queries;
    VajraMatrixF32 doc_vecs, query_vecs;
} TestCranfield;

/* VAJRA_DATA_DIR/cranfield/name; g_free it. */
static inline char *test_cranfield_path(const char *name)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    ck_assert_msg(dir != NULL, "VAJRA_DATA_DIR is not set");
    return g_build_filename(dir, "cranfield", name, NULL);
}

static inline void test_cranfield_load(TestCranfield *d)
{
    VajraError err = {0};
    char *p = test_cranfield_path("corpus.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &d->corpus, &err) == VAJRA_OK, "%s",
                  err.message);
    g_free(p);
    p = test_cranfield_path("queries.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &d->queries, &err) == VAJRA_OK, "%s",
                  err.message);
    g_free(p);
    p = test_cranfield_path("lsa128.docs.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &d->doc_vecs, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    p = test_cranfield_path("lsa128.queries.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &d->query_vecs, &err) == VAJRA_OK, "%s", err.message);
    g_free(p);
    ck_assert_int_eq(vajra_docset_attach_vectors(d->corpus, &d->doc_vecs, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_docset_count(d->corpus), 1400);
    ck_assert_uint_eq(d->query_vecs.rows, vajra_docset_count(d->queries));
}

static inline void test_cranfield_free(TestCranfield *d)
{
    vajra_docset_free(d->corpus);
    vajra_docset_free(d->queries);
    vajra_matrix_f32_clear(&d->doc_vecs);
    vajra_matrix_f32_clear(&d->query_vecs);
}

#endif /* VAJRA_TEST_CRANFIELD_H */
