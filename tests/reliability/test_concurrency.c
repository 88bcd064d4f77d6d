/* Suite 'reliability': 8 threads search one collection at once (lexical, vector and hybrid
 * retrievers) while the main thread checks every answer, as it arrives, against a
 * single-threaded run. Meant to run under ThreadSanitizer too (scripts/test.sh, build-tsan).
 *
 * Data: Cranfield (1,400 documents, 225 queries) with its LSA-128 vectors, from VAJRA_DATA_DIR.
 * The collection is built, searched, saved and reopened through storage-mmap; both the built and
 * the opened collection are searched concurrently, and both must give the single-threaded
 * answers of the built one (determinism: the same hits, bit for bit, whatever the thread count).
 * A third collection built with 4 HNSW build threads must answer the same too.
 *
 * Synchronisation is C11 atomics only (one release/acquire progress counter per worker): the
 * read path under test takes no locks, and GLib's mutexes are invisible to TSan, so everything
 * that may take one (plugin loading, making retrievers, which interns product types) happens on
 * the main thread before the workers start. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/morphism.h"
#include "vajra/registry.h"

#define THREADS 8
#define K 10
#define MAX_QUERIES 225

enum { LEX, VEC, HYB, KINDS };
static const char *const kind_names[KINDS] = {"lexical", "vector", "hybrid"};

typedef struct Answer {
    uint32_t count;
    VajraHit hits[K];
} Answer;

static VajraRegistry *reg;
static VajraDocSet *corpus, *queries;
static VajraMatrixF32 doc_vecs, query_vecs;
static size_t n_queries;
static Answer expected[MAX_QUERIES][KINDS];

/* Rounds over all queries per worker: VAJRA_CONCURRENCY_ROUNDS, default 2 (1 under valgrind,
 * which runs the threads one at a time anyway and is ~100x slower). */
static int rounds(void)
{
    const char *s = getenv("VAJRA_CONCURRENCY_ROUNDS");
    int fallback = RUNNING_ON_VALGRIND ? 1 : 2;
    int r = s ? atoi(s) : fallback;
    return r > 0 ? r : fallback;
}

static char *data_path(const char *rel)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    ck_assert_msg(dir != NULL, "VAJRA_DATA_DIR is not set");
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

static void setup(void)
{
    VajraError err = {0};
    ck_assert_msg(vajra_registry_new(NULL, &reg, &err) == VAJRA_OK, "%s", err.message);
    char *p = data_path("cranfield/corpus.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &corpus, &err) == VAJRA_OK, "%s", err.message);
    free(p);
    p = data_path("cranfield/queries.jsonl");
    ck_assert_msg(vajra_docset_read_jsonl(p, NULL, &queries, &err) == VAJRA_OK, "%s", err.message);
    free(p);
    p = data_path("cranfield/lsa128.docs.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &doc_vecs, &err) == VAJRA_OK, "%s", err.message);
    free(p);
    p = data_path("cranfield/lsa128.queries.npy");
    ck_assert_msg(vajra_npy_read_f32(p, &query_vecs, &err) == VAJRA_OK, "%s", err.message);
    free(p);
    ck_assert_int_eq(vajra_docset_attach_vectors(corpus, &doc_vecs, &err), VAJRA_OK);
    n_queries = vajra_docset_count(queries);
    ck_assert_uint_eq(n_queries, query_vecs.rows);
    ck_assert_uint_eq(n_queries, MAX_QUERIES); /* the workers' strides are coprime to 225 */
}

static void teardown(void)
{
    vajra_docset_free(corpus);
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&doc_vecs);
    vajra_matrix_f32_clear(&query_vecs);
    vajra_registry_free(reg);
}

/* One thread's retrievers and query values, made on the main thread. */
typedef struct Searcher {
    VajraMorphism *m[KINDS];
    VajraProduct *hybrid_query;
    VajraHits out;
} Searcher;

static void searcher_init(Searcher *s, VajraCollection *c, VajraMorphism *fuse)
{
    VajraError err = {0};
    memset(s, 0, sizeof *s);
    ck_assert_int_eq(vajra_collection_lexical_retriever(c, &s->m[LEX], &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_vector_retriever(c, 0, &s->m[VEC], &err), VAJRA_OK);
    ck_assert_msg(vajra_collection_hybrid_retriever(c, fuse, 0, &s->m[HYB], &err) == VAJRA_OK,
                  "%s", err.message);
    ck_assert_int_eq(vajra_value_new(vajra_type_hybrid_query(), (void **)&s->hybrid_query, &err),
                     VAJRA_OK);
    /* Warm the output once so the workers' loop does not allocate (as in a server). */
    ck_assert_int_eq(vajra_hits_reserve(&s->out, 64, &err), VAJRA_OK);
}

static void searcher_clear(Searcher *s)
{
    for (int k = 0; k < KINDS; k++)
        vajra_morphism_unref(s->m[k]);
    vajra_value_free(vajra_type_hybrid_query(), s->hybrid_query);
    vajra_hits_clear(&s->out);
}

/* Run query q of `kind` into *a. Returns the status. */
static vajra_status search_one(Searcher *s, int kind, size_t q, Answer *a)
{
    VajraError err = {0};
    VajraTextQuery tq = {vajra_docset_doc(queries, q)->text, K};
    VajraVectorQuery vq = {query_vecs.data + q * query_vecs.dim, (uint32_t)query_vecs.dim, K};
    vajra_status st;
    if (kind == LEX) {
        st = vajra_morphism_apply(s->m[LEX], &tq, &s->out, &err);
    } else if (kind == VEC) {
        st = vajra_morphism_apply(s->m[VEC], &vq, &s->out, &err);
    } else {
        *(VajraTextQuery *)s->hybrid_query->first = (VajraTextQuery){tq.text, 50};
        *(VajraVectorQuery *)s->hybrid_query->second = (VajraVectorQuery){vq.values, vq.dim, 50};
        st = vajra_morphism_apply(s->m[HYB], s->hybrid_query, &s->out, &err);
    }
    memset(a, 0, sizeof *a);
    if (st == VAJRA_OK) {
        a->count = (uint32_t)(s->out.count < K ? s->out.count : K);
        memcpy(a->hits, s->out.items, a->count * sizeof(VajraHit));
        if (s->out.count > K)
            a->count = UINT32_MAX; /* more than k hits: wrong, and never equal to expected */
    }
    return st;
}

/* ---- the workers ---- */

typedef struct Item {
    uint16_t query, kind;
    int32_t status;
    Answer answer;
} Item;

typedef struct Worker {
    pthread_t thread;
    int id;
    Searcher searcher;
    Item *items;          /* written by the worker, read by the main thread below `progress` */
    size_t n_items;
    atomic_size_t progress;
} Worker;

static void *worker_main(void *arg)
{
    Worker *w = arg;
    /* Each worker walks the queries in its own order (a different stride and start), so the
     * threads hit different queries and kinds at the same moment. */
    static const size_t strides[THREADS] = {1, 2, 4, 7, 8, 11, 13, 14}; /* coprime to 225 */
    size_t stride = strides[w->id];
    size_t n = 0;
    for (int r = 0; r < rounds(); r++) {
        for (size_t i = 0; i < n_queries; i++) {
            size_t q = (i * stride + (size_t)w->id * 17 + (size_t)r) % n_queries;
            for (int j = 0; j < KINDS; j++) {
                int kind = (j + w->id + (int)i) % KINDS;
                Item *it = &w->items[n];
                it->query = (uint16_t)q;
                it->kind = (uint16_t)kind;
                it->status = search_one(&w->searcher, kind, q, &it->answer);
                n++;
                atomic_store_explicit(&w->progress, n, memory_order_release);
            }
        }
    }
    return NULL;
}

static int answers_equal(const Answer *a, const Answer *b)
{
    return a->count == b->count && memcmp(a->hits, b->hits, a->count * sizeof(VajraHit)) == 0;
}

/* Compute the single-threaded answers on `c` into expected[][] (or, when `check`, compare with
 * them instead). */
static void single_threaded(VajraCollection *c, VajraMorphism *fuse, int check)
{
    Searcher s;
    searcher_init(&s, c, fuse);
    for (size_t q = 0; q < n_queries; q++) {
        for (int kind = 0; kind < KINDS; kind++) {
            Answer a;
            ck_assert_int_eq(search_one(&s, kind, q, &a), VAJRA_OK);
            if (check)
                ck_assert_msg(answers_equal(&a, &expected[q][kind]),
                              "%s query %zu: this collection answers differently from the first",
                              kind_names[kind], q + 1);
            else
                expected[q][kind] = a;
        }
    }
    /* Sanity: the answers are real (most queries find K documents on each side). */
    if (!check) {
        size_t full = 0;
        for (size_t q = 0; q < n_queries; q++)
            full += expected[q][LEX].count == K && expected[q][VEC].count == K &&
                    expected[q][HYB].count == K;
        ck_assert_uint_ge(full, n_queries * 9 / 10);
    }
    searcher_clear(&s);
}

/* Run THREADS workers on `c`, checking their answers while they run. */
static void concurrent(VajraCollection *c, VajraMorphism *fuse)
{
    static Worker workers[THREADS];
    size_t per_worker = (size_t)rounds() * n_queries * KINDS;
    for (int t = 0; t < THREADS; t++) {
        Worker *w = &workers[t];
        w->id = t;
        searcher_init(&w->searcher, c, fuse);
        w->items = calloc(per_worker, sizeof *w->items);
        ck_assert_ptr_nonnull(w->items);
        w->n_items = per_worker;
        atomic_init(&w->progress, 0);
    }
    for (int t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]), 0);

    /* The main thread checks each answer as soon as its worker publishes it. */
    size_t checked[THREADS] = {0}, total = 0, mismatches = 0, polls = 0, seen_early = 0;
    char first_bad[200] = "";
    while (total < per_worker * THREADS) {
        size_t before = total;
        for (int t = 0; t < THREADS; t++) {
            Worker *w = &workers[t];
            size_t upto = atomic_load_explicit(&w->progress, memory_order_acquire);
            for (; checked[t] < upto; checked[t]++, total++) {
                const Item *it = &w->items[checked[t]];
                if (it->status != VAJRA_OK ||
                    !answers_equal(&it->answer, &expected[it->query][it->kind])) {
                    if (mismatches++ == 0)
                        snprintf(first_bad, sizeof first_bad,
                                 "thread %d, %s query %u: status %d, %u hits (expected %u)", t,
                                 kind_names[it->kind], it->query + 1u, it->status,
                                 it->answer.count, expected[it->query][it->kind].count);
                }
            }
            if (upto < w->n_items)
                seen_early++;
        }
        polls++;
        if (total == before)
            sched_yield();
    }
    for (int t = 0; t < THREADS; t++) {
        ck_assert_int_eq(pthread_join(workers[t].thread, NULL), 0);
        searcher_clear(&workers[t].searcher);
        free(workers[t].items);
    }
    ck_assert_msg(mismatches == 0, "%zu of %zu concurrent answers differ; first: %s", mismatches,
                  total, first_bad);
    ck_assert_uint_eq(total, per_worker * THREADS);
    (void)polls;
    (void)seen_early;
}

START_TEST(eight_threads_search_one_collection)
{
    VajraError err = {0};
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "fast"};
    VajraCollection *built = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &built, &err) == VAJRA_OK, "%s", err.message);
    VajraDocBatch all = vajra_docset_batch(corpus);
    ck_assert_msg(vajra_collection_add(built, &all, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(built, &err) == VAJRA_OK, "%s", err.message);

    VajraMorphism *fuse = NULL;
    ck_assert_int_eq(vajra_fusion_rrf(60, K, &fuse, &err), VAJRA_OK);
    single_threaded(built, fuse, 0);
    concurrent(built, fuse);

    /* The same through a saved and reopened (mmap, zero-copy) collection. */
    char path[] = "/tmp/vajra-concurrency-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_msg(vajra_collection_save(built, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    VajraCollection *opened = NULL;
    ck_assert_msg(vajra_collection_open(reg, path, "storage-mmap", &opened, &err) == VAJRA_OK,
                  "%s", err.message);
    single_threaded(opened, fuse, 1);
    concurrent(opened, fuse);

    /* The HNSW build with 4 threads (pthreads inside the plugin, seen by TSan) must give the
     * same collection: the same answers as the single-threaded build. */
    o.threads = 4;
    VajraCollection *threaded = NULL;
    ck_assert_msg(vajra_collection_create(reg, &o, &threaded, &err) == VAJRA_OK, "%s",
                  err.message);
    ck_assert_msg(vajra_collection_add(threaded, &all, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_msg(vajra_collection_commit(threaded, &err) == VAJRA_OK, "%s", err.message);
    single_threaded(threaded, fuse, 1);
    vajra_collection_free(threaded);

    vajra_collection_free(opened);
    vajra_collection_free(built);
    vajra_morphism_unref(fuse);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("threads");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, eight_threads_search_one_collection);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
