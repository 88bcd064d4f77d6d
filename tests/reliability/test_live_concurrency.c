/* Suite 'reliability': readers never wait for writers, and never see half a commit.
 *
 * 4 threads search one live collection (lexical, exact and approximate vector, hybrid) while a
 * writer thread adds a batch of marked documents, deletes the previous batch, upserts base
 * documents and commits, and a third thread compacts and promotes in a loop. Every batch carries
 * the marker term "livemarker" and nothing else does, so in every committed state exactly one
 * batch is live: a lexical search for the marker must return exactly BATCH documents, all of one
 * batch — a half-visible commit or a snapshot changing under a search would mix two batches or
 * miss some. Meant to run under ThreadSanitizer (scripts/test.sh, build-tsan): the collection's
 * locks are pthread mutexes (visible to TSan); the test synchronises with C11 atomics only.
 *
 * Data: Cranfield (1,400 documents with LSA-128 vectors) from VAJRA_DATA_DIR. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/collection.h"
#include "test_cranfield.h"
#include "vajra/io.h"

#define READERS 4
#define BASE 700
#define BATCH 40

static VajraRegistry *reg;
static VajraDocSet *corpus;
static VajraMatrixF32 doc_vecs;
static TestCranfield cran; /* owns corpus and doc_vecs */
static VajraCollection *coll;
static atomic_int stop, failed, rounds_done;
static atomic_long searches;
static char failure[512];
static atomic_flag failure_taken = ATOMIC_FLAG_INIT;

static void report_failure(const char *msg)
{
    if (!atomic_flag_test_and_set(&failure_taken))
        snprintf(failure, sizeof failure, "%s", msg);
    atomic_store(&failed, 1);
    atomic_store(&stop, 1);
}

static int writer_rounds(void)
{
    const char *s = getenv("VAJRA_LIVE_ROUNDS");
    return s ? atoi(s) : getenv("VAJRA_TEST_LIGHT") ? 4 : 24;
}

typedef struct BatchDocs {
    VajraDocument docs[BATCH];
    char ids[BATCH][32];
    char *texts[BATCH];
} BatchDocs;

static void make_batch(BatchDocs *b, int round)
{
    for (int j = 0; j < BATCH; j++) {
        const VajraDocument *src = vajra_docset_doc(corpus, BASE + (size_t)((round * BATCH + j) % (1400 - BASE)));
        snprintf(b->ids[j], sizeof b->ids[j], "b%d-%d", round, j);
        b->texts[j] = g_strdup_printf("livemarker %s", src->text ? src->text : "");
        b->docs[j] = *src;
        b->docs[j].id = b->ids[j];
        b->docs[j].text = b->texts[j];
    }
}

static void free_batch(BatchDocs *b)
{
    for (int j = 0; j < BATCH; j++)
        g_free(b->texts[j]);
}

static void *writer(void *arg)
{
    (void)arg;
    VajraError err = {0};
    for (int r = 0; r < writer_rounds() && !atomic_load(&stop); r++) {
        BatchDocs b;
        make_batch(&b, r);
        VajraDocBatch batch = {b.docs, BATCH};
        vajra_status st = vajra_collection_add(coll, &batch, &err);
        for (int j = 0; st == VAJRA_OK && r > 0 && j < BATCH; j++) {
            char id[32];
            snprintf(id, sizeof id, "b%d-%d", r - 1, j);
            const char *ids[1] = {id};
            st = vajra_collection_delete(coll, ids, 1, &err);
        }
        /* Correct a base document too (same id, another title). */
        VajraDocument up = *vajra_docset_doc(corpus, (size_t)(r * 7) % BASE);
        char title[64];
        snprintf(title, sizeof title, "corrected in round %d", r);
        up.title = title;
        VajraDocBatch ub = {&up, 1};
        if (st == VAJRA_OK)
            st = vajra_collection_upsert(coll, &ub, &err);
        if (st == VAJRA_OK)
            st = vajra_collection_commit(coll, &err);
        free_batch(&b);
        if (st != VAJRA_OK) {
            report_failure(err.message);
            break;
        }
        atomic_store(&rounds_done, r + 1);
    }
    atomic_store(&stop, 1);
    return NULL;
}

static void *compactor(void *arg)
{
    (void)arg;
    VajraError err = {0};
    for (int i = 0; !atomic_load(&stop); i++) {
        VajraCompactOptions o = {.struct_size = sizeof o, .profile = (i % 2) ? "fast" : "instant"};
        vajra_status st = (i % 3 == 2) ? vajra_collection_promote(coll, &o, &err)
                                       : vajra_collection_compact(coll, NULL, &err);
        if (st != VAJRA_OK) {
            report_failure(err.message);
            break;
        }
    }
    return NULL;
}

static void *reader(void *arg)
{
    long seed = (long)(intptr_t)arg;
    VajraError err = {0};
    VajraSearcher *s = NULL;
    if (vajra_searcher_new(coll, &s, &err) != VAJRA_OK) {
        report_failure(err.message);
        return NULL;
    }
    VajraResults r = {0};
    char msg[256];
    int seen_batch = 0;
    for (long i = seed; !atomic_load(&stop); i++) {
        /* The marker: exactly one batch, whole. */
        VajraSearchRequest q = {.struct_size = sizeof q, .text = "livemarker", .k = 1000,
                                .mode = VAJRA_MODE_LEXICAL};
        if (vajra_searcher_search(s, &q, &r, &err) != VAJRA_OK) {
            report_failure(err.message);
            break;
        }
        int batch = -1;
        for (size_t h = 0; h < r.count; h++) {
            int b = -1, j = -1;
            if (sscanf(r.items[h].id, "b%d-%d", &b, &j) != 2 || (batch >= 0 && b != batch)) {
                snprintf(msg, sizeof msg, "mixed batches: %s after batch %d", r.items[h].id,
                         batch);
                report_failure(msg);
            }
            batch = b;
        }
        /* Before the first commit no batch is live; from then on exactly one always is. */
        if (r.count == BATCH)
            seen_batch = 1;
        if ((r.count != 0 || seen_batch) && r.count != BATCH) {
            snprintf(msg, sizeof msg, "%zu marked documents live, expected %d", r.count, BATCH);
            report_failure(msg);
        }
        /* Vector (exact and beam) and hybrid: well-formed answers. */
        const VajraDocument *d = vajra_docset_doc(corpus, (size_t)(i * 13) % 1400);
        VajraSearchRequest v = {.struct_size = sizeof v, .vector = d->vector, .dim = d->dim,
                                .text = d->title, .k = 10,
                                .mode = (i % 3 == 0)   ? VAJRA_MODE_VECTOR
                                        : (i % 3 == 1) ? VAJRA_MODE_HYBRID
                                                       : VAJRA_MODE_VECTOR,
                                .ef = (i % 3 == 2) ? VAJRA_EF_EXACT : 0};
        if (v.text == NULL || v.text[0] == '\0')
            v.mode = VAJRA_MODE_VECTOR;
        if (vajra_searcher_search(s, &v, &r, &err) != VAJRA_OK) {
            report_failure(err.message);
            break;
        }
        if (r.count != 10)
            report_failure("a vector search returned fewer than 10 hits");
        for (size_t h = 0; h < r.count; h++)
            if (r.items[h].id == NULL || r.items[h].title == NULL)
                report_failure("a hit without id or title");
        atomic_fetch_add(&searches, 1);
    }
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    return NULL;
}

START_TEST(readers_never_see_half_a_commit)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    test_cranfield_load(&cran);
    corpus = cran.corpus;
    doc_vecs = cran.doc_vecs;
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "instant", .threads = 2};
    ck_assert_int_eq(vajra_collection_create(reg, &o, &coll, &err), VAJRA_OK);
    VajraDocBatch base = {vajra_docset_batch(corpus).docs, BASE};
    ck_assert_int_eq(vajra_collection_add(coll, &base, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(coll, &err), VAJRA_OK);

    pthread_t w, c, r[READERS];
    for (int i = 0; i < READERS; i++)
        ck_assert_int_eq(pthread_create(&r[i], NULL, reader, (void *)(intptr_t)i), 0);
    ck_assert_int_eq(pthread_create(&c, NULL, compactor, NULL), 0);
    ck_assert_int_eq(pthread_create(&w, NULL, writer, NULL), 0);
    pthread_join(w, NULL);
    pthread_join(c, NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    ck_assert_msg(!atomic_load(&failed), "%s", failure);
    ck_assert_int_eq(atomic_load(&rounds_done), writer_rounds());
    ck_assert_int_gt(atomic_load(&searches), READERS);
    ck_assert_uint_eq(vajra_collection_count(coll), BASE + BATCH);
    vajra_collection_free(coll);
    test_cranfield_free(&cran);
    vajra_registry_free(reg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live-concurrency");
    TCase *tc = tcase_create("cranfield");
    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, readers_never_see_half_a_commit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int n = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
