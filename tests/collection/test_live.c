/* Live collections on real data (Cranfield: 1,400 abstracts with LSA-128 vectors):
 *  - a model-based randomized test: thousands of random adds, upserts, deletes, commits,
 *    compactions, promotions, saves and reopenings against a plain in-test oracle, checking the
 *    counts after every operation, exact vector search against brute force over the oracle's live
 *    documents, the set of lexical matches against a fresh build, and — after every compaction —
 *    lexical, exact vector and hybrid answers equal to a fresh build of the live documents;
 *  - the two defects of the frozen collection (uncommitted documents visible with a NULL id);
 *  - misuse: read-only writes, two writers, a crash-left lock file, unknown ids, dimension
 *    changes, all-or-nothing batches. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "vajra/collection.h"
#include "test_cranfield.h"
#include "test_scratch.h"
#include "vajra/io.h"

extern char **environ;
static char *self_path; /* argv[0]: run again as another process (not /proc/self/exe, which is
                         * valgrind itself under valgrind) */

static VajraRegistry *reg;
static VajraDocSet *corpus, *queries;
static VajraMatrixF32 doc_vecs, query_vecs;
static char tmpdir[256];

static TestCranfield cran; /* owns corpus, queries and both matrices below */

static void load_data(void)
{
    VajraError err = {0};
    ck_assert_int_eq(vajra_registry_new(NULL, &reg, &err), VAJRA_OK);
    test_cranfield_load(&cran);
    corpus = cran.corpus;
    queries = cran.queries;
    doc_vecs = cran.doc_vecs;
    query_vecs = cran.query_vecs;
    snprintf(tmpdir, sizeof tmpdir, "%s/vajra-live-XXXXXX", g_get_tmp_dir());
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

static VajraCollection *create(uint32_t dim, const char *profile)
{
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = dim,
                                .metric = VAJRA_METRIC_IP, .profile = profile, .threads = 2};
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    return c;
}

/* Pool document j under external id `id`. */
static VajraDocument pool_doc(const char *id, size_t j)
{
    VajraDocument d = *vajra_docset_doc(corpus, j);
    d.id = id;
    return d;
}

/* ---- the oracle ---- */

typedef struct Entry {
    char id[16];
    size_t pool;
} Entry;

typedef struct Model {
    GArray *committed;  /* Entry, in snapshot order */
    GArray *staged;     /* Entry, in staging order, one per id */
    GHashTable *deleted; /* ids of committed entries staged for deletion (owned keys) */
} Model;

static long find_entry(const GArray *a, const char *id)
{
    for (guint i = 0; i < a->len; i++)
        if (strcmp(g_array_index(a, Entry, i).id, id) == 0)
            return (long)i;
    return -1;
}

static int model_live(const Model *m, const char *id)
{
    return find_entry(m->staged, id) >= 0 ||
           (find_entry(m->committed, id) >= 0 && !g_hash_table_contains(m->deleted, id));
}

static int model_committed_live(const Model *m, const char *id)
{
    return find_entry(m->committed, id) >= 0 && !g_hash_table_contains(m->deleted, id);
}

static void model_stage(Model *m, const char *id, size_t pool, int upsert)
{
    long s = find_entry(m->staged, id);
    if (s >= 0)
        g_array_remove_index(m->staged, (guint)s);
    if (upsert && model_committed_live(m, id))
        g_hash_table_add(m->deleted, g_strdup(id));
    Entry e = {.pool = pool};
    g_strlcpy(e.id, id, sizeof e.id);
    g_array_append_val(m->staged, e);
}

static void model_delete(Model *m, const char *id)
{
    long s = find_entry(m->staged, id);
    if (s >= 0)
        g_array_remove_index(m->staged, (guint)s);
    if (model_committed_live(m, id))
        g_hash_table_add(m->deleted, g_strdup(id));
}

static void model_commit(Model *m)
{
    GArray *next = g_array_new(FALSE, FALSE, sizeof(Entry));
    for (guint i = 0; i < m->committed->len; i++) {
        Entry e = g_array_index(m->committed, Entry, i);
        if (!g_hash_table_contains(m->deleted, e.id))
            g_array_append_val(next, e);
    }
    g_array_append_vals(next, m->staged->data, m->staged->len);
    g_array_unref(m->committed);
    m->committed = next;
    g_array_set_size(m->staged, 0);
    g_hash_table_remove_all(m->deleted);
}

/* A fresh collection over the oracle's committed documents, in order. */
static VajraCollection *fresh_build(const Model *m, uint32_t dim)
{
    VajraCollection *c = create(dim, "fast");
    VajraDocument *docs = g_new0(VajraDocument, m->committed->len + 1);
    for (guint i = 0; i < m->committed->len; i++) {
        const Entry *e = &g_array_index(m->committed, Entry, i);
        docs[i] = pool_doc(e->id, e->pool);
    }
    VajraDocBatch b = {docs, m->committed->len};
    VajraError err = {0};
    ck_assert_msg(vajra_collection_add(c, &b, &err) == VAJRA_OK, "%s", err.message);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    g_free(docs);
    return c;
}

/* ---- checks ---- */

static void search(VajraCollection *c, VajraSearchRequest *q, VajraResults *r)
{
    VajraError err = {0};
    q->struct_size = sizeof *q;
    ck_assert_msg(vajra_collection_search(c, q, r, &err) == VAJRA_OK, "%s", err.message);
}

static void check_counts(VajraCollection *c, const Model *m)
{
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(c, &n);
    ck_assert_uint_eq(n.live, m->committed->len);
    ck_assert_uint_eq(vajra_collection_count(c), m->committed->len);
    ck_assert_uint_eq(n.staged_adds, m->staged->len);
    ck_assert_uint_eq(n.staged_deletes, g_hash_table_size(m->deleted));
}

/* Every returned id is a committed live document, once. */
static void check_ids_live(const VajraResults *r, const Model *m)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < r->count; i++) {
        ck_assert_ptr_nonnull(r->items[i].id);
        ck_assert_msg(find_entry(m->committed, r->items[i].id) >= 0, "%s is not committed",
                      r->items[i].id);
        ck_assert_msg(g_hash_table_add(seen, (gpointer)r->items[i].id), "%s twice",
                      r->items[i].id);
    }
    g_hash_table_unref(seen);
}

static double dot(const float *a, const float *b, size_t dim)
{
    double s = 0;
    for (size_t i = 0; i < dim; i++)
        s += (double)a[i] * b[i];
    return s;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Exact vector search against brute force over the oracle's live documents: every hit live and
 * scored as its vector says, scores non-increasing, and the i-th score equal to the i-th best
 * of the oracle (so no better document was missed), to 1e-4 absolute (SIMD vs double). */
static void check_exact_vector(VajraCollection *c, const Model *m, size_t qi)
{
    const float *qv = query_vecs.data + qi * query_vecs.dim;
    VajraSearchRequest q = {.vector = qv, .dim = (uint32_t)query_vecs.dim, .k = 10,
                            .ef = VAJRA_EF_EXACT, .mode = VAJRA_MODE_VECTOR};
    VajraResults r = {0};
    search(c, &q, &r);
    check_ids_live(&r, m);
    size_t n = m->committed->len;
    double *best = g_new(double, n + 1);
    for (size_t i = 0; i < n; i++)
        best[i] = dot(qv, doc_vecs.data + g_array_index(m->committed, Entry, i).pool * doc_vecs.dim,
                      doc_vecs.dim);
    qsort(best, n, sizeof *best, cmp_desc);
    ck_assert_uint_eq(r.count, n < 10 ? n : 10);
    for (size_t i = 0; i < r.count; i++) {
        long e = find_entry(m->committed, r.items[i].id);
        double want = dot(qv, doc_vecs.data + g_array_index(m->committed, Entry, e).pool *
                                                  doc_vecs.dim,
                          doc_vecs.dim);
        ck_assert_msg(fabs(r.items[i].score - want) < 1e-4, "score of %s", r.items[i].id);
        ck_assert_msg(fabs(r.items[i].score - best[i]) < 1e-4, "rank %zu: %g vs best %g", i,
                      r.items[i].score, best[i]);
        if (i > 0)
            ck_assert(r.items[i].score <= r.items[i - 1].score);
    }
    g_free(best);
    vajra_results_clear(&r);
}

static void check_approximate(VajraCollection *c, const Model *m, size_t qi)
{
    const VajraDocument *qd = vajra_docset_doc(queries, qi);
    VajraSearchRequest q = {.text = qd->text, .vector = query_vecs.data + qi * query_vecs.dim,
                            .dim = (uint32_t)query_vecs.dim, .k = 10};
    VajraResults r = {0};
    for (uint32_t mode = VAJRA_MODE_LEXICAL; mode <= VAJRA_MODE_HYBRID; mode++) {
        q.mode = mode;
        search(c, &q, &r);
        check_ids_live(&r, m);
    }
    vajra_results_clear(&r);
}

/* The documents matching a query are those a fresh build finds (scores may differ: statistics
 * are per segment until compaction). */
static void check_lexical_matches(VajraCollection *c, VajraCollection *fresh, const Model *m,
                                  size_t qi)
{
    VajraSearchRequest q = {.text = vajra_docset_doc(queries, qi)->text, .k = 5000,
                            .mode = VAJRA_MODE_LEXICAL};
    VajraResults a = {0}, b = {0};
    search(c, &q, &a);
    search(fresh, &q, &b);
    check_ids_live(&a, m);
    ck_assert_uint_eq(a.count, b.count);
    GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < b.count; i++)
        g_hash_table_add(set, (gpointer)b.items[i].id);
    for (size_t i = 0; i < a.count; i++)
        ck_assert_msg(g_hash_table_contains(set, a.items[i].id), "%s", a.items[i].id);
    g_hash_table_unref(set);
    vajra_results_clear(&a);
    vajra_results_clear(&b);
}

/* After compaction: the same ids in the same order, scores within 1e-6 relative. */
static void check_equal(VajraCollection *c, VajraCollection *fresh, size_t qi, uint32_t mode)
{
    VajraSearchRequest q = {.text = vajra_docset_doc(queries, qi)->text,
                            .vector = query_vecs.data + qi * query_vecs.dim,
                            .dim = (uint32_t)query_vecs.dim, .k = 10, .mode = mode,
                            .ef = VAJRA_EF_EXACT};
    VajraResults a = {0}, b = {0};
    search(c, &q, &a);
    search(fresh, &q, &b);
    ck_assert_uint_eq(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        ck_assert_msg(strcmp(a.items[i].id, b.items[i].id) == 0, "mode %u rank %zu: %s vs %s",
                      mode, i, a.items[i].id, b.items[i].id);
        ck_assert_str_eq(a.items[i].title, b.items[i].title);
        double tol = 1e-6 * fabs((double)b.items[i].score) + 1e-30;
        ck_assert_msg(fabs((double)a.items[i].score - b.items[i].score) <= tol,
                      "mode %u rank %zu: %.9g vs %.9g", mode, i, a.items[i].score,
                      b.items[i].score);
    }
    vajra_results_clear(&a);
    vajra_results_clear(&b);
}

static void check_after_compaction(VajraCollection *c, const Model *m, GRand *rng)
{
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(c, &n);
    ck_assert_uint_eq(n.deleted, 0);
    ck_assert_uint_le(n.segments, 1);
    VajraCollection *fresh = fresh_build(m, (uint32_t)doc_vecs.dim);
    for (int i = 0; i < 6; i++) {
        size_t qi = (size_t)g_rand_int_range(rng, 0, (gint32)vajra_docset_count(queries));
        check_equal(c, fresh, qi, VAJRA_MODE_LEXICAL);
        check_equal(c, fresh, qi, VAJRA_MODE_VECTOR);
        check_equal(c, fresh, qi, VAJRA_MODE_HYBRID);
    }
    vajra_collection_free(fresh);
}

/* ---- the randomized test ---- */

static VajraCollection *reopen(VajraCollection *c, const char *path)
{
    vajra_collection_free(c);
    VajraOpenOptions o = {.struct_size = sizeof o, .writable = 1, .threads = 2};
    VajraError err = {0};
    ck_assert_msg(vajra_collection_open_ex(reg, path, &o, &c, &err) == VAJRA_OK, "%s",
                  err.message);
    return c;
}

static void random_id(GRand *rng, char *out, size_t len)
{
    snprintf(out, len, "d%04d", g_rand_int_range(rng, 0, 2500));
}

START_TEST(model_based_random_operations)
{
    const int light = getenv("VAJRA_TEST_LIGHT") != NULL;
    const char *ops_env = getenv("VAJRA_LIVE_OPS"); /* for quick mutation runs */
    const int ops = ops_env ? atoi(ops_env) : light ? 300 : 1500;
    GRand *rng = g_rand_new_with_seed(20261201u + (guint32)_i);
    Model m = {g_array_new(FALSE, FALSE, sizeof(Entry)), g_array_new(FALSE, FALSE, sizeof(Entry)),
               g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    const uint32_t dim = (uint32_t)doc_vecs.dim;
    char *path = tmp_file(_i == 0 ? "model0.vjr" : "model1.vjr");
    VajraCollection *c = create(dim, "instant");
    VajraError err = {0};
    /* Start from a saved, empty collection opened writable: every commit is durable. */
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    ck_assert_msg(vajra_collection_save(c, path, NULL, &err) == VAJRA_OK, "%s", err.message);
    c = reopen(c, path);
    int compactions = 0, reopens = 0, commits = 0, refusals = 0;
    for (int op = 0; op < ops; op++) {
        int kind = g_rand_int_range(rng, 0, 100);
        char id[16];
        if (kind < 30) { /* add a small batch (sometimes with an id that exists: refused) */
            int n = g_rand_int_range(rng, 1, 12);
            VajraDocument docs[12];
            char ids[12][16];
            size_t pools[12];
            int dup = 0;
            for (int i = 0; i < n; i++) {
                random_id(rng, ids[i], sizeof ids[i]);
                for (int j = 0; j < i; j++)
                    dup |= strcmp(ids[i], ids[j]) == 0;
                dup |= model_live(&m, ids[i]);
                pools[i] = (size_t)g_rand_int_range(rng, 0, (gint32)vajra_docset_count(corpus));
                docs[i] = pool_doc(ids[i], pools[i]);
            }
            VajraDocBatch b = {docs, (size_t)n};
            vajra_status st = vajra_collection_add(c, &b, &err);
            if (dup) {
                ck_assert_int_eq(st, VAJRA_ERR_DUPLICATE);
                refusals++;
            } else {
                ck_assert_msg(st == VAJRA_OK, "%s", err.message);
                for (int i = 0; i < n; i++)
                    model_stage(&m, ids[i], pools[i], 0);
            }
        } else if (kind < 45) { /* upsert one */
            random_id(rng, id, sizeof id);
            size_t pool = (size_t)g_rand_int_range(rng, 0, (gint32)vajra_docset_count(corpus));
            VajraDocument d = pool_doc(id, pool);
            VajraDocBatch b = {&d, 1};
            ck_assert_msg(vajra_collection_upsert(c, &b, &err) == VAJRA_OK, "%s", err.message);
            model_stage(&m, id, pool, 1);
        } else if (kind < 65) { /* delete one (unknown ids are refused, nothing changes) */
            random_id(rng, id, sizeof id);
            const char *ids[1] = {id};
            vajra_status st = vajra_collection_delete(c, ids, 1, &err);
            if (model_live(&m, id)) {
                ck_assert_msg(st == VAJRA_OK, "%s", err.message);
                model_delete(&m, id);
            } else {
                ck_assert_int_eq(st, VAJRA_ERR_NOT_FOUND);
                ck_assert_ptr_nonnull(strstr(err.message, id));
                refusals++;
            }
        } else if (kind < 85) {
            ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
            model_commit(&m);
            commits++;
        } else if (kind < 86) { /* the merge policy: merge the smallest run down to N segments */
            VajraCompactOptions co = {.struct_size = sizeof co,
                                      .max_segments = (uint32_t)g_rand_int_range(rng, 1, 4)};
            ck_assert_msg(vajra_collection_compact(c, &co, &err) == VAJRA_OK, "%s", err.message);
            VajraCollectionCounts cn = {.struct_size = sizeof cn};
            vajra_collection_counts(c, &cn);
            ck_assert_uint_le(cn.segments, co.max_segments);
            check_exact_vector(c, &m, (size_t)op % vajra_docset_count(queries));
        } else if (kind < 90) { /* compact (or promote) the committed state */
            VajraCompactOptions co = {.struct_size = sizeof co,
                                      .profile = (compactions % 2) ? "fast" : "instant"};
            vajra_status st = (kind < 88) ? vajra_collection_compact(c, NULL, &err)
                                          : vajra_collection_promote(c, &co, &err);
            ck_assert_msg(st == VAJRA_OK, "%s", err.message);
            /* staged writes stay staged: the model's committed list is the reference */
            check_after_compaction(c, &m, rng);
            compactions++;
        } else if (kind < 93) { /* commit, close, reopen from the file */
            ck_assert_msg(vajra_collection_commit(c, &err) == VAJRA_OK, "%s", err.message);
            model_commit(&m);
            c = reopen(c, path);
            reopens++;
        } else { /* searches */
            size_t qi = (size_t)g_rand_int_range(rng, 0, (gint32)vajra_docset_count(queries));
            check_exact_vector(c, &m, qi);
            check_approximate(c, &m, qi);
            if (g_rand_int_range(rng, 0, 4) == 0) {
                VajraCollection *fresh = fresh_build(&m, 0);
                check_lexical_matches(c, fresh, &m, qi);
                vajra_collection_free(fresh);
            }
        }
        check_counts(c, &m);
    }
    ck_assert_int_gt(compactions, 0);
    ck_assert_int_gt(reopens, 0);
    ck_assert_int_gt(commits, 10);
    ck_assert_int_gt(refusals, 0);
    /* The end state survives a reopen read-only, too. */
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    model_commit(&m);
    vajra_collection_free(c);
    ck_assert_int_eq(vajra_collection_open(reg, path, NULL, &c, &err), VAJRA_OK);
    check_counts(c, &m);
    check_exact_vector(c, &m, 0);
    vajra_collection_free(c);
    g_array_unref(m.committed);
    g_array_unref(m.staged);
    g_hash_table_unref(m.deleted);
    g_rand_free(rng);
    g_free(path);
}
END_TEST

/* ---- the two defects of the frozen collection ---- */

START_TEST(uncommitted_documents_are_invisible)
{
    VajraCollection *c = create((uint32_t)doc_vecs.dim, "fast");
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch first = {all.docs, 1000}, rest = {all.docs + 1000, 400};
    VajraError err = {0};
    ck_assert_int_eq(vajra_collection_add(c, &first, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_add(c, &rest, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_collection_count(c), 1000);
    /* Query with document 1000's own vector: before the commit it must not come back. */
    VajraSearchRequest q = {.struct_size = sizeof q, .vector = all.docs[1000].vector,
                            .dim = all.docs[1000].dim, .k = 10};
    VajraResults r = {0};
    for (int committed = 0; committed < 2; committed++) {
        for (uint32_t ef = 0; ef < 2; ef++) {
            q.ef = ef ? VAJRA_EF_EXACT : 0;
            ck_assert_int_eq(vajra_collection_search(c, &q, &r, &err), VAJRA_OK);
            ck_assert_uint_eq(r.count, 10);
            for (size_t i = 0; i < r.count; i++) {
                ck_assert_ptr_nonnull(r.items[i].id);
                if (!committed)
                    ck_assert_str_ne(r.items[i].id, all.docs[1000].id);
            }
            if (committed)
                ck_assert_str_eq(r.items[0].id, all.docs[1000].id);
        }
        ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    }
    ck_assert_uint_eq(vajra_collection_count(c), 1400);
    vajra_results_clear(&r);
    vajra_collection_free(c);
}
END_TEST

/* ---- misuse ---- */

static char *saved_collection(const char *name, uint32_t n)
{
    VajraCollection *c = create((uint32_t)doc_vecs.dim, "instant");
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch b = {all.docs, n};
    VajraError err = {0};
    ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    char *path = tmp_file(name);
    ck_assert_int_eq(vajra_collection_save(c, path, NULL, &err), VAJRA_OK);
    vajra_collection_free(c);
    return path;
}

START_TEST(misuse_gets_clear_errors)
{
    char *path = saved_collection("misuse.vjr", 200);
    VajraError err = {0};
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraDocBatch b = {all.docs + 300, 1};
    const char *ids[] = {all.docs[0].id};
    /* Read-only: every write is refused, naming the file. */
    VajraCollection *ro = NULL;
    ck_assert_int_eq(vajra_collection_open(reg, path, NULL, &ro, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_add(ro, &b, &err), VAJRA_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    ck_assert_int_eq(vajra_collection_delete(ro, ids, 1, &err), VAJRA_ERR_STATE);
    ck_assert_int_eq(vajra_collection_compact(ro, NULL, &err), VAJRA_ERR_STATE);
    /* A crash-left lock file (nobody holds it) does not block a writer. */
    char *lock = g_strdup_printf("%s.lock", path);
    ck_assert(g_file_set_contents(lock, "", 0, NULL));
    VajraOpenOptions o = {.struct_size = sizeof o, .writable = 1};
    VajraCollection *w = NULL, *w2 = NULL;
    ck_assert_msg(vajra_collection_open_ex(reg, path, &o, &w, &err) == VAJRA_OK, "%s",
                  err.message);
    /* A second writer, in this process or another, is refused; readers are fine. */
    ck_assert_int_eq(vajra_collection_open_ex(reg, path, &o, &w2, &err), VAJRA_ERR_BUSY);
    ck_assert_ptr_null(w2);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    /* Another process (a fresh image of this program: see main) is refused too. */
    char *argv[] = {self_path, "--try-writer", path, NULL};
    pid_t pid = 0;
    ck_assert_int_eq(posix_spawn(&pid, self_path, NULL, NULL, argv, environ), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process got %d",
                  WEXITSTATUS(status));
    /* Unknown id: refused, nothing of the batch applied. */
    const char *two[] = {all.docs[1].id, "no-such-id"};
    ck_assert_int_eq(vajra_collection_delete(w, two, 2, &err), VAJRA_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "no-such-id"));
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(w, &n);
    ck_assert_uint_eq(n.staged_deletes, 0);
    /* Upsert with another dimension, or an existing id through add: refused. */
    VajraDocument bad = all.docs[2];
    bad.dim = 64;
    VajraDocBatch bb = {&bad, 1};
    ck_assert_int_eq(vajra_collection_upsert(w, &bb, &err), VAJRA_ERR_DIMENSION);
    ck_assert_ptr_nonnull(strstr(err.message, bad.id));
    VajraDocBatch again = {all.docs + 2, 1};
    ck_assert_int_eq(vajra_collection_add(w, &again, &err), VAJRA_ERR_DUPLICATE);
    ck_assert_int_eq(vajra_collection_upsert(w, &again, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_delete(w, ids, 1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(w, &err), VAJRA_OK);
    /* The reader still sees its snapshot; a new reader sees the commit. */
    ck_assert_uint_eq(vajra_collection_count(ro), 200);
    VajraCollection *ro2 = NULL;
    ck_assert_int_eq(vajra_collection_open(reg, path, NULL, &ro2, &err), VAJRA_OK);
    ck_assert_uint_eq(vajra_collection_count(ro2), 199);
    vajra_collection_free(ro2);
    vajra_collection_free(w);
    /* Closed: the lock is free again. */
    ck_assert_int_eq(vajra_collection_open_ex(reg, path, &o, &w, &err), VAJRA_OK);
    vajra_collection_free(w);
    vajra_collection_free(ro);
    unlink(lock);
    g_free(lock);
    g_free(path);
}
END_TEST

/* The same operations with the same parameters give the same file bytes for any thread count
 * (commits, deletes, upserts, a compaction and a promotion). */
static GBytes *scripted_file(uint32_t threads, const char *name)
{
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)doc_vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "instant",
                                .threads = threads};
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_int_eq(vajra_collection_create(reg, &o, &c, &err), VAJRA_OK);
    VajraDocBatch all = vajra_docset_batch(corpus);
    for (size_t s = 0; s < 600; s += 200) {
        VajraDocBatch b = {all.docs + s, 200};
        ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
        const char *gone[] = {all.docs[s + 5].id, all.docs[s / 2].id};
        ck_assert_int_eq(vajra_collection_delete(c, gone, s ? 2 : 1, &err), VAJRA_OK);
        VajraDocument up = pool_doc(all.docs[s + 7].id, 1000 + s / 200);
        VajraDocBatch ub = {&up, 1};
        ck_assert_int_eq(vajra_collection_upsert(c, &ub, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
        if (s == 200)
            ck_assert_int_eq(vajra_collection_compact(c, NULL, &err), VAJRA_OK);
    }
    VajraCompactOptions p = {.struct_size = sizeof p, .profile = "fast"};
    ck_assert_int_eq(vajra_collection_promote(c, &p, &err), VAJRA_OK);
    VajraDocBatch last = {all.docs + 900, 50};
    ck_assert_int_eq(vajra_collection_add(c, &last, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    char *path = tmp_file(name);
    ck_assert_int_eq(vajra_collection_save(c, path, NULL, &err), VAJRA_OK);
    vajra_collection_free(c);
    gchar *bytes = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, &bytes, &len, NULL));
    unlink(path);
    g_free(path);
    return g_bytes_new_take(bytes, len);
}

START_TEST(same_operations_same_bytes_for_any_thread_count)
{
    GBytes *one = scripted_file(1, "det1.vjr"), *three = scripted_file(3, "det3.vjr");
    ck_assert_uint_gt(g_bytes_get_size(one), 100000);
    ck_assert(g_bytes_equal(one, three));
    g_bytes_unref(one);
    g_bytes_unref(three);
}
END_TEST

/* Collection-wide statistics: a collection committed in 5 segments (no deletions) answers every
 * Cranfield query exactly as one built in a single commit — lexical and hybrid, same ids, same
 * order, scores within 1e-6 relative; and 3 separate collections (shards) searched with their
 * summed VajraQueryStats, merged by score, answer as the single one too. */
typedef struct ShardHit {
    uint32_t key; /* shard * 1000 + its document number: the single index's order */
    float score;
    char *id;
} ShardHit;

static int shard_hit_cmp(const void *pa, const void *pb)
{
    const ShardHit *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static VajraCollection *build_parts(size_t first, size_t count, size_t parts)
{
    VajraCollection *c = create((uint32_t)doc_vecs.dim, "fast");
    VajraDocBatch all = vajra_docset_batch(corpus);
    VajraError err = {0};
    size_t step = (count + parts - 1) / parts;
    for (size_t s = 0; s < count; s += step) {
        VajraDocBatch b = {all.docs + first + s, count - s < step ? count - s : step};
        ck_assert_int_eq(vajra_collection_add(c, &b, &err), VAJRA_OK);
        ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    }
    return c;
}

static void same_results(const VajraResults *a, const VajraResults *b, size_t qi)
{
    ck_assert_uint_eq(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        ck_assert_msg(strcmp(a->items[i].id, b->items[i].id) == 0, "query %zu rank %zu: %s vs %s",
                      qi, i, a->items[i].id, b->items[i].id);
        double tol = 1e-6 * fabs((double)b->items[i].score);
        ck_assert_msg(fabs((double)a->items[i].score - b->items[i].score) <= tol,
                      "query %zu rank %zu: %.9g vs %.9g", qi, i, a->items[i].score,
                      b->items[i].score);
    }
}

START_TEST(segments_score_with_collection_wide_statistics)
{
    VajraCollection *one = build_parts(0, 1400, 1), *five = build_parts(0, 1400, 5);
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(five, &n);
    ck_assert_uint_eq(n.segments, 5);
    VajraCollection *shard[3] = {build_parts(0, 500, 1), build_parts(500, 400, 2),
                                 build_parts(900, 500, 1)};
    VajraResults a = {0}, b = {0}, part = {0};
    VajraError err = {0};
    for (size_t qi = 0; qi < vajra_docset_count(queries); qi++) {
        const char *text = vajra_docset_doc(queries, qi)->text;
        for (uint32_t mode = VAJRA_MODE_LEXICAL; mode <= VAJRA_MODE_HYBRID; mode += 2) {
            VajraSearchRequest q = {.text = text, .vector = query_vecs.data + qi * query_vecs.dim,
                                    .dim = (uint32_t)query_vecs.dim, .k = 10, .mode = mode,
                                    .ef = VAJRA_EF_EXACT};
            search(one, &q, &a);
            search(five, &q, &b);
            same_results(&b, &a, qi);
        }
        /* Shards: sum the statistics, search each with them, merge by (score, shard order). */
        VajraQueryStats sum = {0}, local = {0};
        for (int s = 0; s < 3; s++) {
            ck_assert_int_eq(vajra_collection_query_stats(shard[s], text, &local, &err), VAJRA_OK);
            if (s == 0) {
                sum = local;
                memset(&local, 0, sizeof local);
                continue;
            }
            ck_assert_uint_eq(local.n_terms, sum.n_terms);
            sum.doc_count += local.doc_count;
            sum.total_length += local.total_length;
            for (size_t t = 0; t < sum.n_terms; t++) {
                ck_assert_str_eq(local.terms[t], sum.terms[t]);
                sum.doc_freq[t] += local.doc_freq[t];
                sum.coll_freq[t] += local.coll_freq[t];
            }
            vajra_query_stats_clear(&local);
        }
        VajraSearchRequest q = {.text = text, .k = 10, .mode = VAJRA_MODE_LEXICAL, .stats = &sum};
        search(one, &(VajraSearchRequest){.text = text, .k = 10, .mode = VAJRA_MODE_LEXICAL}, &a);
        ShardHit hits[30];
        size_t m = 0;
        for (int sh = 0; sh < 3; sh++) {
            search(shard[sh], &q, &part);
            for (size_t h = 0; h < part.count; h++) /* shards hold contiguous ranges in order */
                hits[m++] = (ShardHit){(uint32_t)sh * 1000 + part.items[h].doc,
                                       part.items[h].score, g_strdup(part.items[h].id)};
        }
        qsort(hits, m, sizeof *hits, shard_hit_cmp);
        ck_assert_uint_ge(m, a.count);
        for (size_t i = 0; i < a.count; i++) {
            ck_assert_msg(strcmp(hits[i].id, a.items[i].id) == 0, "query %zu rank %zu: %s vs %s",
                          qi, i, hits[i].id, a.items[i].id);
            ck_assert_msg(fabs((double)hits[i].score - a.items[i].score) <=
                              1e-6 * fabs((double)a.items[i].score),
                          "query %zu rank %zu: shards %.9g vs one %.9g", qi, i, hits[i].score,
                          a.items[i].score);
        }
        for (size_t i = 0; i < m; i++)
            g_free(hits[i].id);
        vajra_query_stats_clear(&sum);
    }
    vajra_results_clear(&a);
    vajra_results_clear(&b);
    vajra_results_clear(&part);
    vajra_collection_free(one);
    vajra_collection_free(five);
    for (int s = 0; s < 3; s++)
        vajra_collection_free(shard[s]);
}
END_TEST

/* The analyzer language is the collection's: segments added after a reopen and the compacted
 * segment analyse French as the first one did ("écoulements" finds "écoulement"). */
START_TEST(language_survives_reopen_and_compaction)
{
    VajraCollectionOptions o = {.struct_size = sizeof o};
    o.analyzer.language = "french";
    VajraCollection *c = NULL;
    VajraError err = {0};
    ck_assert_msg(vajra_collection_create(reg, &o, &c, &err) == VAJRA_OK, "%s", err.message);
    VajraDocument d1 = {.id = "a", .text = "Les chercheurs étudient les écoulements turbulents."};
    VajraDocument d2 = {.id = "b", .text = "Le chat dort sur la maison."};
    VajraDocument d3 = {.id = "c", .text = "Un écoulement laminaire autour des ailes."};
    VajraDocBatch b1 = {&d1, 1}, b2 = {&d2, 1}, b3 = {&d3, 1};
    ck_assert_int_eq(vajra_collection_add(c, &b1, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    char *path = tmp_file("french.vjr");
    ck_assert_int_eq(vajra_collection_save(c, path, NULL, &err), VAJRA_OK);
    c = reopen(c, path);
    ck_assert_int_eq(vajra_collection_add(c, &b2, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_add(c, &b3, &err), VAJRA_OK);
    ck_assert_int_eq(vajra_collection_commit(c, &err), VAJRA_OK);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            ck_assert_int_eq(vajra_collection_compact(c, NULL, &err), VAJRA_OK);
        VajraSearchRequest q = {.text = "écoulements", .k = 5, .mode = VAJRA_MODE_LEXICAL};
        VajraResults r = {0};
        search(c, &q, &r);
        ck_assert_uint_eq(r.count, 2); /* a and c, whatever their segment */
        vajra_results_clear(&r);
        q.text = "les"; /* a French stopword: nothing */
        search(c, &q, &r);
        ck_assert_uint_eq(r.count, 0);
        vajra_results_clear(&r);
    }
    vajra_collection_free(c);
    unlink(path);
    g_free(path);
}
END_TEST

static Suite *live_suite(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("cranfield");
    tcase_add_unchecked_fixture(tc, load_data, free_data);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, model_based_random_operations, 0, 2);
    tcase_add_test(tc, uncommitted_documents_are_invisible);
    tcase_add_test(tc, misuse_gets_clear_errors);
    tcase_add_test(tc, same_operations_same_bytes_for_any_thread_count);
    tcase_add_test(tc, segments_score_with_collection_wide_statistics);
    tcase_add_test(tc, language_survives_reopen_and_compaction);
    suite_add_tcase(s, tc);
    return s;
}

/* `test_live --try-writer PATH`: exit 0 when a writable open of PATH is refused as busy. */
static int try_writer(const char *path)
{
    VajraRegistry *r = NULL;
    VajraCollection *x = NULL;
    VajraError e = {0};
    VajraOpenOptions o = {.struct_size = sizeof o, .writable = 1};
    if (vajra_registry_new(NULL, &r, &e) != VAJRA_OK)
        return 2;
    vajra_status st = vajra_collection_open_ex(r, path, &o, &x, &e);
    int busy = st == VAJRA_ERR_BUSY && strstr(e.message, path) != NULL;
    vajra_collection_free(x);
    vajra_registry_free(r);
    return busy ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--try-writer") == 0)
        return try_writer(argv[2]);
    self_path = argv[0];
    SRunner *sr = srunner_create(live_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
