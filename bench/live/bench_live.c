/* Live collections (issue 11): what segments, snapshots, deletes and compaction cost.
 *
 * WordNet: the first 50,000 synsets (title + gloss) with their LSA-384 vectors (float16 widened),
 * the 1,000 held-out queries (title + gloss, and their vectors); `fast` profile unless stated.
 * Every search goes through a VajraSearcher (the one-call API, k = 10; hybrid = RRF k = 60 over
 * the default depth, VAJRA_HYBRID_DEPTH_DEFAULT = 50 per side; 100 before 2026-12-02). Exact
 * answers come from the same API with ef = VAJRA_EF_EXACT. Recall@10 counts ties as
 * ../shared/data/README.md says.
 *
 *   bench-live ingest   [--mode hybrid|vector] [--reps R] [--batch B] [--threads T]
 *                       [--idle-queries Q] [--compact-above N]
 *       one writer adds the documents B at a time, committing each batch, while one thread
 *       queries in a loop; then the same ingest with no concurrent reader, pausing after each
 *       commit for --idle-queries queries (the idle reference over the same collection states).
 *       --compact-above N adds a maintenance thread that, whenever there are more than N
 *       segments, compacts with max_segments = N (merges the smallest consecutive run).
 *   bench-live promote  [--reps R]
 *       build `instant`, promote to `quality`; build `quality` from scratch; times and recall.
 *   bench-live segments [--shape S]... [--passes P]
 *       the same 50k documents in S equal segments (S a number) or in the given sizes
 *       (e.g. 8000*6+1000*2, the shape a tiered merge policy leaves); latency of lexical,
 *       vector and hybrid search, vector recall, lexical top-10 overlap with one segment.
 *   bench-live deletes  [--reps R]
 *       RSS, heap in use (mallinfo2) and saved file size: built; after deleting 30 % (committed); after compaction;
 *       a fresh build of the live documents; search latency and recall in each state.
 *   bench-live churn    [--rounds 3] [--compact 0|1]
 *       delete 30 %, commit, add them back, commit (then compact, with --compact 1), repeated;
 *       HNSW recall@10 and latency after each step against a fresh build.
 *   bench-live cranfield [--dir DIR]
 *       BM25 nDCG@10 on Cranfield: fresh; 30 % deleted (qrels restricted to live documents);
 *       fresh build of the live documents; compacted; 8 segments vs 1.
 *
 * Common options: --n DOCS (50000), --queries Q (1000), --seed S; deletes: --slow-queries Q
 * (1000) for the state that holds deleted documents (without the plugins' filtered search slots
 * such searches widen k and ef by the deleted count and are very slow).
 * Env: VAJRA_DATA_DIR, VAJRA_PLUGIN_PATH. Prints '#' lines for people and one JSON object per
 * figure on lines starting with '{'.
 */
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "../compare/compare_common.h"
#include "live_common.h"
#include "vajra/collection.h"
#include "vajra/eval.h"
#include "vajra/io.h"

/* ---- options ---- */

typedef struct Opts {
    const char *cmd;
    size_t n, nq, slow_nq;
    int reps, passes, rounds, compact, threads, idle_queries, compact_above;
    size_t batch;
    uint32_t mode;
    uint64_t seed;
    double frac;
    const char *shapes[16];
    int n_shapes;
    const char *dir;
} Opts;

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench-live: %s%s%s\n", what, err ? ": " : "", err ? err->message : "");
    exit(1);
}

/* ---- data ---- */

typedef struct Data {
    VajraDocSet *docs, *queries;
    VajraMatrixF32 vecs, qv;
    VajraDocument *d; /* n documents with their vectors */
    size_t n, nq;
    char **qtext;
} Data;

static char *query_text(const VajraDocument *q)
{
    const char *t = q->title ? q->title : "", *x = q->text ? q->text : "";
    return g_strconcat(t, t[0] && x[0] ? " " : "", x, NULL);
}

static void load_wordnet(const Opts *o, Data *D)
{
    const char *dir = getenv("VAJRA_DATA_DIR");
    if (dir == NULL)
        die("VAJRA_DATA_DIR is not set", NULL);
    VajraError err = {0};
    char *p_docs = g_build_filename(dir, "wordnet", "corpus.jsonl", NULL);
    char *p_vecs = g_build_filename(dir, "wordnet", "lsa384.docs50k.f16.npy", NULL);
    char *p_q = g_build_filename(dir, "wordnet", "queries.jsonl", NULL);
    char *p_qv = g_build_filename(dir, "wordnet", "lsa384.queries.npy", NULL);
    memset(D, 0, sizeof *D);
    if (vajra_docset_read_jsonl(p_docs, NULL, &D->docs, &err) ||
        vajra_docset_read_jsonl(p_q, NULL, &D->queries, &err) ||
        vajra_npy_read_f32(p_vecs, &D->vecs, &err) || vajra_npy_read_f32(p_qv, &D->qv, &err))
        die("reading wordnet", &err);
    D->n = o->n < D->vecs.rows ? o->n : D->vecs.rows;
    D->d = malloc(D->n * sizeof *D->d);
    memcpy(D->d, vajra_docset_batch(D->docs).docs, D->n * sizeof *D->d);
    for (size_t i = 0; i < D->n; i++) {
        D->d[i].vector = D->vecs.data + i * D->vecs.dim;
        D->d[i].dim = (uint32_t)D->vecs.dim;
    }
    D->nq = vajra_docset_count(D->queries);
    if (o->nq < D->nq)
        D->nq = o->nq;
    D->qtext = calloc(D->nq, sizeof *D->qtext);
    for (size_t i = 0; i < D->nq; i++)
        D->qtext[i] = query_text(vajra_docset_doc(D->queries, i));
    g_free(p_docs);
    g_free(p_vecs);
    g_free(p_q);
    g_free(p_qv);
}

static void free_data(Data *D)
{
    for (size_t i = 0; i < D->nq; i++)
        g_free(D->qtext[i]);
    free(D->qtext);
    free(D->d);
    vajra_docset_free(D->docs);
    vajra_docset_free(D->queries);
    vajra_matrix_f32_clear(&D->vecs);
    vajra_matrix_f32_clear(&D->qv);
}

/* ---- collections ---- */

static VajraCollection *create(VajraRegistry *reg, uint32_t dim, const char *profile,
                               uint32_t threads)
{
    VajraError err = {0};
    VajraCollectionOptions co = {.struct_size = sizeof co, .dim = dim,
                                 .metric = VAJRA_METRIC_IP, .profile = profile,
                                 .threads = threads};
    VajraCollection *c = NULL;
    if (vajra_collection_create(reg, &co, &c, &err))
        die("create", &err);
    return c;
}

static void add_commit(VajraCollection *c, const VajraDocument *d, size_t n)
{
    VajraError err = {0};
    VajraDocBatch b = {d, n};
    if (vajra_collection_add(c, &b, &err) || vajra_collection_commit(c, &err))
        die("add + commit", &err);
}

/* Documents d[0..n) in segments of the given sizes (sizes sum to n). */
static VajraCollection *build_sizes(VajraRegistry *reg, const Data *D, const char *profile,
                                    uint32_t threads, const size_t *sizes, size_t nsizes,
                                    double *seconds)
{
    double t0 = compare_now();
    VajraCollection *c = create(reg, (uint32_t)D->vecs.dim, profile, threads);
    size_t at = 0;
    for (size_t i = 0; i < nsizes; i++) {
        add_commit(c, D->d + at, sizes[i]);
        at += sizes[i];
    }
    if (seconds)
        *seconds = compare_now() - t0;
    return c;
}

static VajraCollection *build(VajraRegistry *reg, const Data *D, const char *profile,
                              uint32_t threads, double *seconds)
{
    size_t n = D->n;
    return build_sizes(reg, D, profile, threads, &n, 1, seconds);
}

static uint32_t segments_of(const VajraCollection *c, uint32_t *deleted)
{
    VajraCollectionCounts k = {.struct_size = sizeof k};
    vajra_collection_counts(c, &k);
    if (deleted)
        *deleted = k.deleted;
    return k.segments;
}

/* ---- searching ---- */

static const char *mode_name(uint32_t m)
{
    return m == VAJRA_MODE_LEXICAL ? "lexical" : m == VAJRA_MODE_VECTOR ? "vector" : "hybrid";
}

static void query(VajraSearcher *s, const Data *D, uint32_t mode, size_t qi, uint32_t ef,
                  uint32_t k, VajraResults *r)
{
    VajraError err = {0};
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = mode, .k = k, .ef = ef};
    if (mode != VAJRA_MODE_VECTOR)
        q.text = D->qtext[qi];
    if (mode != VAJRA_MODE_LEXICAL) {
        q.vector = D->qv.data + qi * D->qv.dim;
        q.dim = (uint32_t)D->qv.dim;
    }
    if (vajra_searcher_search(s, &q, r, &err))
        die("search", &err);
}

/* The top 10 of each query: external ids (owned) and scores. */
typedef struct Answer {
    char *id[10];
    float score[10];
    size_t count;
} Answer;

static void answer_set(Answer *a, const VajraResults *r)
{
    for (size_t j = 0; j < a->count; j++)
        g_free(a->id[j]);
    a->count = r->count < 10 ? r->count : 10;
    for (size_t j = 0; j < a->count; j++) {
        a->id[j] = g_strdup(r->items[j].id);
        a->score[j] = r->items[j].score;
    }
}

static void answers_free(Answer *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        for (size_t j = 0; j < a[i].count; j++)
            g_free(a[i].id[j]);
    free(a);
}

/* Exact answers of `mode` (vector: exact scan; hybrid: BM25 ∪ exact scan fused). */
static Answer *exact_answers(VajraCollection *c, const Data *D, uint32_t mode, size_t nq)
{
    VajraError err = {0};
    VajraSearcher *s = NULL;
    if (vajra_searcher_new(c, &s, &err))
        die("searcher", &err);
    Answer *a = calloc(nq, sizeof *a);
    VajraResults r = {0};
    for (size_t i = 0; i < nq; i++) {
        query(s, D, mode, i, VAJRA_EF_EXACT, 10, &r);
        answer_set(&a[i], &r);
    }
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    return a;
}

/* Recall@10 of r against a (ties: score >= the 10th exact score - 1e-6 counts). */
static double recall_one(const Answer *a, const VajraResults *r, int ties)
{
    if (a->count == 0)
        return 1.0;
    size_t found = 0;
    float last = a->score[a->count - 1];
    for (size_t i = 0; i < r->count && i < 10; i++) {
        int hit = ties && r->items[i].score >= last - 1e-6f;
        for (size_t j = 0; !hit && j < a->count; j++)
            hit = strcmp(r->items[i].id, a->id[j]) == 0;
        found += (size_t)hit;
    }
    return (double)(found > a->count ? a->count : found) / (double)a->count;
}

typedef struct Lat {
    double p50, p99, mean, qps, recall;
} Lat;

/* One untimed pass (recall against `exact` when given), then `passes` timed passes over nq
 * queries; p50/p99/mean are the medians over the passes (ms). */
static Lat time_mode(VajraCollection *c, const Data *D, uint32_t mode, uint32_t ef, size_t nq,
                     int passes, const Answer *exact)
{
    VajraError err = {0};
    VajraSearcher *s = NULL;
    if (vajra_searcher_new(c, &s, &err))
        die("searcher", &err);
    VajraResults r = {0};
    double *lat = malloc(nq * sizeof *lat);
    double p50[64], p99[64], mean[64];
    Lat out = {0};
    for (size_t i = 0; i < nq; i++) {
        query(s, D, mode, i, ef, 10, &r);
        if (exact)
            out.recall += recall_one(&exact[i], &r, mode == VAJRA_MODE_VECTOR);
    }
    out.recall /= (double)nq;
    if (passes > 64)
        passes = 64;
    for (int p = 0; p < passes; p++) {
        double total = 0;
        for (size_t i = 0; i < nq; i++) {
            double t = compare_now();
            query(s, D, mode, i, ef, 10, &r);
            lat[i] = compare_now() - t;
            total += lat[i];
        }
        mean[p] = total / (double)nq * 1e3;
        p50[p] = compare_percentile(lat, nq, 0.50) * 1e3;
        p99[p] = compare_percentile(lat, nq, 0.99) * 1e3;
    }
    out.p50 = live_median(p50, (size_t)passes);
    out.p99 = live_median(p99, (size_t)passes);
    out.mean = live_median(mean, (size_t)passes);
    out.qps = out.mean > 0 ? 1e3 / out.mean : 0;
    free(lat);
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    return out;
}

/* Lexical top-10 overlap (by id) between two collections, averaged over the queries. */
static double lexical_overlap(VajraCollection *a, VajraCollection *b, const Data *D, size_t nq)
{
    VajraError err = {0};
    VajraSearcher *sa = NULL, *sb = NULL;
    if (vajra_searcher_new(a, &sa, &err) || vajra_searcher_new(b, &sb, &err))
        die("searcher", &err);
    VajraResults ra = {0}, rb = {0};
    double sum = 0;
    for (size_t i = 0; i < nq; i++) {
        query(sa, D, VAJRA_MODE_LEXICAL, i, 0, 10, &ra);
        query(sb, D, VAJRA_MODE_LEXICAL, i, 0, 10, &rb);
        size_t same = 0;
        for (size_t x = 0; x < ra.count; x++)
            for (size_t y = 0; y < rb.count; y++)
                same += strcmp(ra.items[x].id, rb.items[y].id) == 0;
        sum += ra.count ? (double)same / (double)ra.count : 1.0;
    }
    vajra_results_clear(&ra);
    vajra_results_clear(&rb);
    vajra_searcher_free(sa);
    vajra_searcher_free(sb);
    return sum / (double)nq;
}

/* ==== 1. ingest while querying ==== */


typedef struct Shared {
    VajraCollection *c;
    const Data *D;
    uint32_t mode;
    atomic_int done;
    atomic_int committing; /* the writer is inside vajra_collection_commit */
    atomic_uint generation; /* commits finished */
    int compact_above;      /* > 0: a third thread compacts whenever segments exceed this */
    atomic_int compactions;
    double compact_s;
    double *lat;
    unsigned char *tag; /* bit 0: overlapped a commit; bit 1: first query on a new commit */
    unsigned *gen;      /* commits finished when the query started */
    double *cpu;        /* the reader thread's CPU time during the query */
    size_t n, cap;
} Shared;

/* A maintenance thread: whenever there are more than N segments, merge the consecutive run with
 * the fewest live documents that brings the count down to N (compact with max_segments = N). */
static gpointer compactor_main(gpointer p)
{
    Shared *sh = p;
    VajraCompactOptions co = {.struct_size = sizeof co, .threads = 1,
                              .max_segments = (uint32_t)sh->compact_above};
    while (!atomic_load(&sh->done)) {
        if (segments_of(sh->c, NULL) > (uint32_t)sh->compact_above) {
            VajraError err = {0};
            double t = compare_now();
            if (vajra_collection_compact(sh->c, &co, &err))
                die("compact", &err);
            sh->compact_s += compare_now() - t;
            atomic_fetch_add(&sh->compactions, 1);
        } else {
            g_usleep(2000);
        }
    }
    return NULL;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Of the queries slower than `limit` (s): how many, and which share of their wall time the
 * reader thread was on a CPU (the rest it was waiting: descheduled, or blocked). */
static double on_cpu_share(const Shared *sh, double limit, size_t *slow)
{
    double wall = 0, cpu = 0;
    *slow = 0;
    for (size_t i = 0; i < sh->n; i++)
        if (sh->lat[i] > limit) {
            wall += sh->lat[i];
            cpu += sh->cpu[i];
            (*slow)++;
        }
    return wall > 0 ? cpu / wall : 1.0;
}

static gpointer reader_main(gpointer p)
{
    Shared *sh = p;
    VajraError err = {0};
    VajraSearcher *s = NULL;
    if (vajra_searcher_new(sh->c, &s, &err))
        die("searcher", &err);
    VajraResults r = {0};
    unsigned last_gen = 0;
    for (size_t i = 0; !atomic_load(&sh->done); i++) {
        int before = atomic_load(&sh->committing);
        unsigned gen = atomic_load(&sh->generation);
        double c0 = thread_cpu();
        double t = compare_now();
        query(s, sh->D, sh->mode, i % sh->D->nq, 0, 10, &r);
        double dt = compare_now() - t;
        double cpu = thread_cpu() - c0;
        int after = atomic_load(&sh->committing);
        unsigned gen2 = atomic_load(&sh->generation);
        if (sh->n == sh->cap) {
            sh->cap = sh->cap ? 2 * sh->cap : 4096;
            sh->lat = realloc(sh->lat, sh->cap * sizeof *sh->lat);
            sh->tag = realloc(sh->tag, sh->cap);
            sh->gen = realloc(sh->gen, sh->cap * sizeof *sh->gen);
            sh->cpu = realloc(sh->cpu, sh->cap * sizeof *sh->cpu);
        }
        sh->cpu[sh->n] = cpu;
        sh->gen[sh->n] = gen;
        sh->lat[sh->n] = dt;
        sh->tag[sh->n] = (unsigned char)(((before || after || gen2 != gen) ? 1 : 0) |
                                         (gen != last_gen ? 2 : 0));
        sh->n++;
        last_gen = gen;
    }
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    return NULL;
}

/* p50/p99 (ms) of the samples whose tag matches (mask, want). */
static void pct_tagged(const double *lat, const unsigned char *tag, size_t n, unsigned mask,
                       unsigned want, double *p50, double *p99, size_t *count)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if ((tag[i] & mask) == want)
            v[m++] = lat[i];
    *p50 = compare_percentile(v, m, 0.50) * 1e3;
    *p99 = compare_percentile(v, m, 0.99) * 1e3;
    *count = m;
    free(v);
}

typedef struct WSample {
    double v, w;
} WSample;

static int cmp_wsample(const void *a, const void *b)
{
    double x = ((const WSample *)a)->v, y = ((const WSample *)b)->v;
    return x < y ? -1 : x > y;
}

/* p50/p99 (ms) of the busy samples reweighted so that every collection state (commit count)
 * weighs as much as in the idle run (idle_per_gen queries per commit): a reader that runs flat
 * out takes more samples while queries are cheap (few segments), the idle run takes the same
 * number per state. */
static void pct_state_matched(const Shared *sh, size_t nb, int idle_per_gen, double *p50,
                              double *p99)
{
    size_t *count = calloc(nb + 2, sizeof *count);
    for (size_t i = 0; i < sh->n; i++)
        count[sh->gen[i] < nb + 1 ? sh->gen[i] : nb + 1]++;
    WSample *w = malloc((sh->n ? sh->n : 1) * sizeof *w);
    double total = 0;
    for (size_t i = 0; i < sh->n; i++) {
        size_t g = sh->gen[i] < nb + 1 ? sh->gen[i] : nb + 1;
        w[i] = (WSample){sh->lat[i], (double)idle_per_gen / (double)count[g]};
        total += w[i].w;
    }
    qsort(w, sh->n, sizeof *w, cmp_wsample);
    double acc = 0;
    *p50 = *p99 = 0;
    for (size_t i = 0; i < sh->n; i++) {
        acc += w[i].w;
        if (*p50 == 0 && acc >= 0.50 * total)
            *p50 = w[i].v * 1e3;
        if (acc >= 0.99 * total) {
            *p99 = w[i].v * 1e3;
            break;
        }
    }
    free(w);
    free(count);
}

static void cmd_ingest(const Opts *o, VajraRegistry *reg, const Data *D)
{
    size_t nb = (D->n + o->batch - 1) / o->batch;
    enum { F_BUSY_RATE, F_IDLE_RATE, F_BUSY50, F_BUSY99, F_IDLE50, F_IDLE99, F_COMMIT50,
           F_COMMIT99, F_CLEAR50, F_CLEAR99, F_FIRST99, F_NBUSY, F_COMMIT_S, F_M50, F_M99,
           F_COMPACTIONS, F_SEGS, F_ONCPU, F_NSLOW, F_N };
    double fig[F_N][64] = {{0}};
    int reps = o->reps > 64 ? 64 : o->reps;
    for (int rep = 0; rep < reps; rep++) {
        /* With a concurrent reader. The first batch is committed before the reader starts. */
        Shared sh = {.D = D, .mode = o->mode, .compact_above = o->compact_above};
        sh.c = create(reg, (uint32_t)D->vecs.dim, "fast", (uint32_t)o->threads);
        GThread *reader = NULL, *compactor = NULL;
        double commit_s = 0;
        double t0 = compare_now();
        for (size_t b = 0; b < nb; b++) {
            size_t at = b * o->batch, len = at + o->batch > D->n ? D->n - at : o->batch;
            VajraError err = {0};
            VajraDocBatch batch = {D->d + at, len};
            if (vajra_collection_add(sh.c, &batch, &err))
                die("add", &err);
            atomic_store(&sh.committing, 1);
            double tc = compare_now();
            if (vajra_collection_commit(sh.c, &err))
                die("commit", &err);
            commit_s += compare_now() - tc;
            atomic_store(&sh.committing, 0);
            atomic_fetch_add(&sh.generation, 1);
            if (b == 0)
                reader = g_thread_new("reader", reader_main, &sh);
            if (b == 0 && sh.compact_above > 0)
                compactor = g_thread_new("compactor", compactor_main, &sh);
        }
        double busy_s = compare_now() - t0;
        atomic_store(&sh.done, 1);
        g_thread_join(reader);
        if (compactor != NULL)
            g_thread_join(compactor);
        uint32_t final_segs = segments_of(sh.c, NULL);
        vajra_collection_free(sh.c);

        /* Idle reference: the same ingest, and after each commit (writer paused) the next
         * idle_queries queries of the same cycle. */
        VajraCollection *c = create(reg, (uint32_t)D->vecs.dim, "fast", (uint32_t)o->threads);
        VajraError err = {0};
        VajraSearcher *s = NULL;
        if (vajra_searcher_new(c, &s, &err))
            die("searcher", &err);
        VajraResults r = {0};
        size_t nidle = 0, qi = 0;
        double *idle = malloc(nb * (size_t)o->idle_queries * sizeof *idle);
        double write_s = 0;
        for (size_t b = 0; b < nb; b++) {
            size_t at = b * o->batch, len = at + o->batch > D->n ? D->n - at : o->batch;
            double tw = compare_now();
            add_commit(c, D->d + at, len);
            write_s += compare_now() - tw;
            for (int j = 0; j < o->idle_queries; j++, qi++) {
                double t = compare_now();
                query(s, D, o->mode, qi % D->nq, 0, 10, &r);
                idle[nidle++] = compare_now() - t;
            }
        }
        vajra_results_clear(&r);
        vajra_searcher_free(s);
        vajra_collection_free(c);

        double all50, all99, c50, c99, x50, x99, f50, f99;
        size_t nall, ncommit, nclear, nfirst;
        pct_tagged(sh.lat, sh.tag, sh.n, 0, 0, &all50, &all99, &nall);
        pct_tagged(sh.lat, sh.tag, sh.n, 1, 1, &c50, &c99, &ncommit);
        pct_tagged(sh.lat, sh.tag, sh.n, 1, 0, &x50, &x99, &nclear);
        pct_tagged(sh.lat, sh.tag, sh.n, 2, 2, &f50, &f99, &nfirst);
        double i50 = compare_percentile(idle, nidle, 0.5) * 1e3,
               i99 = compare_percentile(idle, nidle, 0.99) * 1e3, m50, m99;
        pct_state_matched(&sh, nb, o->idle_queries, &m50, &m99);
        size_t nslow = 0;
        double oncpu = on_cpu_share(&sh, i99 * 1e-3, &nslow);
        printf("# ingest rep %d (%s, batch %zu, writer threads %d): %.0f docs/s with a reader "
               "(%zu queries, %.0f%% of them overlapping a commit), %.0f docs/s alone; query "
               "p50/p99 during ingest %.3f/%.3f ms (overlapping a commit %.3f/%.3f, not %.3f/%.3f, "
               "first after a commit p99 %.3f over %zu; weighted to the idle run's states "
               "%.3f/%.3f), idle %.3f/%.3f ms (%zu queries); %zu busy queries above the idle p99 "
               "spent %.0f%% of their time on a CPU; %d compactions (%.1f s), %u segments at "
               "the end\n",
               rep, mode_name(o->mode), o->batch, o->threads, (double)D->n / busy_s, nall,
               100.0 * (double)ncommit / (double)(nall ? nall : 1), (double)D->n / write_s,
               all50, all99, c50, c99, x50, x99, f99, nfirst, m50, m99, i50, i99, nidle, nslow,
               100 * oncpu, atomic_load(&sh.compactions), sh.compact_s, final_segs);
        fflush(stdout);
        double v[F_N] = {(double)D->n / busy_s, (double)D->n / write_s, all50, all99, i50, i99,
                         c50, c99, x50, x99, f99, (double)nall, commit_s, m50, m99,
                         (double)atomic_load(&sh.compactions), (double)final_segs, oncpu,
                         (double)nslow};
        for (int f = 0; f < F_N; f++)
            fig[f][rep] = v[f];
        free(sh.lat);
        free(sh.tag);
        free(sh.gen);
        free(sh.cpu);
        free(idle);
    }
    double m[F_N];
    for (int f = 0; f < F_N; f++)
        m[f] = live_median(fig[f], (size_t)reps);
    printf("{\"bench\": \"ingest\", \"mode\": \"%s\", \"docs\": %zu, \"batch\": %zu, "
           "\"writer_threads\": %d, \"reps\": %d, \"docs_per_s_with_reader\": %.0f, "
           "\"docs_per_s_alone\": %.0f, \"busy_p50_ms\": %.3f, \"busy_p99_ms\": %.3f, "
           "\"idle_p50_ms\": %.3f, \"idle_p99_ms\": %.3f, \"p99_ratio\": %.2f, "
           "\"busy_commit_p50_ms\": %.3f, \"busy_commit_p99_ms\": %.3f, "
           "\"busy_clear_p50_ms\": %.3f, \"busy_clear_p99_ms\": %.3f, "
           "\"first_after_commit_p99_ms\": %.3f, \"busy_queries\": %.0f, \"commit_s\": %.2f, "
           "\"busy_state_matched_p50_ms\": %.3f, \"busy_state_matched_p99_ms\": %.3f, "
           "\"state_matched_p99_ratio\": %.2f, \"compact_above\": %d, \"compactions\": %.0f, "
           "\"final_segments\": %.0f, \"slow_queries\": %.0f, \"slow_on_cpu_share\": %.2f}\n",
           mode_name(o->mode), D->n, o->batch, o->threads, reps, m[F_BUSY_RATE], m[F_IDLE_RATE],
           m[F_BUSY50], m[F_BUSY99], m[F_IDLE50], m[F_IDLE99], m[F_BUSY99] / m[F_IDLE99],
           m[F_COMMIT50], m[F_COMMIT99], m[F_CLEAR50], m[F_CLEAR99], m[F_FIRST99], m[F_NBUSY],
           m[F_COMMIT_S], m[F_M50], m[F_M99], m[F_M99] / m[F_IDLE99], o->compact_above,
           m[F_COMPACTIONS], m[F_SEGS], m[F_NSLOW], m[F_ONCPU]);
}

/* ==== 2. instant -> quality ==== */

static void cmd_promote(const Opts *o, VajraRegistry *reg, const Data *D)
{
    double t_inst[64], t_prom[64], t_scr[64], r_inst = 0, r_prom = 0, r_scr = 0;
    int reps = o->reps > 64 ? 64 : o->reps;
    Answer *exact = NULL;
    for (int rep = 0; rep < reps; rep++) {
        VajraError err = {0};
        VajraCollection *c = build(reg, D, "instant", (uint32_t)o->threads, &t_inst[rep]);
        if (exact == NULL)
            exact = exact_answers(c, D, VAJRA_MODE_VECTOR, D->nq);
        Lat li = time_mode(c, D, VAJRA_MODE_VECTOR, 0, D->nq, 0, exact);
        VajraCompactOptions po = {.struct_size = sizeof po, .profile = "quality"};
        double t0 = compare_now();
        if (vajra_collection_promote(c, &po, &err))
            die("promote", &err);
        t_prom[rep] = compare_now() - t0;
        Lat lp = time_mode(c, D, VAJRA_MODE_VECTOR, 0, D->nq, 1, exact);
        vajra_collection_free(c);
        c = build(reg, D, "quality", (uint32_t)o->threads, &t_scr[rep]);
        Lat ls = time_mode(c, D, VAJRA_MODE_VECTOR, 0, D->nq, 1, exact);
        vajra_collection_free(c);
        r_inst = li.recall, r_prom = lp.recall, r_scr = ls.recall;
        printf("# promote rep %d: instant build %.2f s (recall@10 %.4f), promote to quality "
               "%.2f s (recall@10 %.4f, p50 %.3f ms), quality from scratch %.2f s (recall@10 "
               "%.4f, p50 %.3f ms), ratio %.3f\n",
               rep, t_inst[rep], li.recall, t_prom[rep], lp.recall, lp.p50, t_scr[rep],
               ls.recall, ls.p50, t_prom[rep] / t_scr[rep]);
        fflush(stdout);
    }
    double mi = live_median(t_inst, (size_t)reps), mp = live_median(t_prom, (size_t)reps),
           ms = live_median(t_scr, (size_t)reps);
    printf("{\"bench\": \"promote\", \"docs\": %zu, \"threads\": %d, \"reps\": %d, "
           "\"instant_build_s\": %.2f, \"promote_s\": %.2f, \"quality_scratch_s\": %.2f, "
           "\"ratio\": %.3f, \"recall_instant\": %.4f, \"recall_promoted\": %.4f, "
           "\"recall_scratch\": %.4f}\n",
           D->n, o->threads, reps, mi, mp, ms, mp / ms, r_inst, r_prom, r_scr);
    answers_free(exact, D->nq);
}

/* ==== 3. segments ==== */

/* "8" = 8 equal segments; "8000*6+1000*2" = explicit sizes (the rest, if any, as one more). */
static size_t parse_shape(const char *spec, size_t n, size_t *sizes, size_t max)
{
    size_t k = 0, sum = 0;
    if (strchr(spec, '*') == NULL) {
        size_t parts = strtoul(spec, NULL, 10);
        if (parts == 0 || parts > max)
            die("bad --shape", NULL);
        for (size_t i = 0; i < parts; i++) {
            sizes[k] = n / parts + (i < n % parts);
            sum += sizes[k++];
        }
        return k;
    }
    char **terms = g_strsplit(spec, "+", -1);
    for (char **t = terms; *t; t++) {
        size_t size = 0, times = 1;
        if (sscanf(*t, "%zu*%zu", &size, &times) < 1)
            die("bad --shape", NULL);
        for (size_t i = 0; i < times && k < max && sum + size <= n; i++) {
            sizes[k++] = size;
            sum += size;
        }
    }
    g_strfreev(terms);
    if (sum < n && k < max)
        sizes[k++] = n - sum;
    return k;
}

static void cmd_segments(const Opts *o, VajraRegistry *reg, const Data *D)
{
    const char *def[] = {"1", "8"};
    const char *const *shapes = o->n_shapes ? o->shapes : def;
    int n_shapes = o->n_shapes ? o->n_shapes : 2;
    VajraCollection *one = NULL;
    Answer *exact_v = NULL, *exact_h = NULL;
    Lat base[4] = {{0}};
    for (int si = 0; si < n_shapes; si++) {
        size_t sizes[256];
        size_t ns = parse_shape(shapes[si], D->n, sizes, 256);
        double build_s = 0;
        VajraCollection *c = build_sizes(reg, D, "fast", (uint32_t)o->threads, sizes, ns,
                                         &build_s);
        if (exact_v == NULL) {
            exact_v = exact_answers(c, D, VAJRA_MODE_VECTOR, D->nq);
            exact_h = exact_answers(c, D, VAJRA_MODE_HYBRID, D->nq);
        }
        Lat l[4];
        for (uint32_t m = VAJRA_MODE_LEXICAL; m <= VAJRA_MODE_HYBRID; m++)
            l[m] = time_mode(c, D, m, 0, D->nq, o->passes,
                             m == VAJRA_MODE_VECTOR ? exact_v
                                                    : m == VAJRA_MODE_HYBRID ? exact_h : NULL);
        /* Every segment scanned exactly instead (what small segments could do). */
        Lat ex = time_mode(c, D, VAJRA_MODE_VECTOR, VAJRA_EF_EXACT, D->nq, 1, NULL);
        double overlap = one ? lexical_overlap(one, c, D, D->nq) : 1.0;
        if (one == NULL)
            memcpy(base, l, sizeof base);
        printf("# %s: %u segments (build %.2f s): lexical p50/p99 %.3f/%.3f ms (x%.2f p50), "
               "top-10 overlap with the first shape %.3f; vector %.3f/%.3f ms (x%.2f), recall@10 "
               "%.4f, exact scan instead %.3f ms; hybrid %.3f/%.3f ms (x%.2f), top-10 agreement "
               "with the 1-segment exact hybrid %.4f\n",
               shapes[si], segments_of(c, NULL), build_s, l[1].p50, l[1].p99,
               l[1].p50 / base[1].p50, overlap, l[2].p50, l[2].p99, l[2].p50 / base[2].p50,
               l[2].recall, ex.p50, l[3].p50, l[3].p99, l[3].p50 / base[3].p50, l[3].recall);
        printf("{\"bench\": \"segments\", \"shape\": \"%s\", \"segments\": %u, \"build_s\": %.2f, "
               "\"passes\": %d, \"vector_exact_p50_ms\": %.4f",
               shapes[si], segments_of(c, NULL), build_s, o->passes, ex.p50);
        for (uint32_t m = VAJRA_MODE_LEXICAL; m <= VAJRA_MODE_HYBRID; m++)
            printf(", \"%s\": {\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f, "
                   "\"p50_factor\": %.2f, \"mean_factor\": %.2f, \"%s\": %.4f}",
                   mode_name(m), l[m].p50, l[m].p99, l[m].mean, l[m].p50 / base[m].p50,
                   l[m].mean / base[m].mean,
                   m == VAJRA_MODE_LEXICAL  ? "overlap@10_with_first"
                   : m == VAJRA_MODE_VECTOR ? "recall@10"
                                            : "agreement@10_with_first_exact",
                   m == VAJRA_MODE_LEXICAL ? overlap : l[m].recall);
        printf("}\n");
        fflush(stdout);
        if (one == NULL)
            one = c;
        else
            vajra_collection_free(c);
    }
    vajra_collection_free(one);
    answers_free(exact_v, D->nq);
    answers_free(exact_h, D->nq);
}

/* ==== 4a. deletes are real ==== */

static long saved_size(VajraCollection *c, const char *dir)
{
    VajraError err = {0};
    char *path = g_build_filename(dir, "live.vjr", NULL);
    if (vajra_collection_save(c, path, NULL, &err))
        die("save", &err);
    struct stat st;
    long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
    g_unlink(path);
    g_free(path);
    return size;
}

static long rss_now(void)
{
    malloc_trim(0);
    return live_rss_kb();
}

/* Bytes the allocator has handed out and not had back (every arena, plus mmapped chunks). */
static double heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd);
}

/* Ids d[i] for the first m of a seeded sample of live indexes. */
static size_t sample_ids(const Data *D, const uint32_t *live, size_t nlive, size_t m,
                         uint64_t seed, const char **ids, uint32_t *picked)
{
    uint32_t *tmp = malloc(nlive * sizeof *tmp);
    memcpy(tmp, live, nlive * sizeof *tmp);
    live_sample(tmp, nlive, m, seed);
    for (size_t i = 0; i < m; i++) {
        picked[i] = tmp[i];
        ids[i] = D->d[tmp[i]].id;
    }
    free(tmp);
    return m;
}

static void delete_ids(VajraCollection *c, const char **ids, size_t m)
{
    VajraError err = {0};
    if (vajra_collection_delete(c, ids, m, &err) || vajra_collection_commit(c, &err))
        die("delete + commit", &err);
}

static void compact(VajraCollection *c, double *seconds)
{
    VajraError err = {0};
    double t0 = compare_now();
    if (vajra_collection_compact(c, NULL, &err))
        die("compact", &err);
    if (seconds)
        *seconds = compare_now() - t0;
}

/* RSS growth over rss0 (kB), saved size, and (first rep only) the latency of each mode. */
static void measure_state(VajraCollection *c, const Data *D, const char *dir, long rss0,
                          double heap0, int rep, size_t nq, double *rss, double *heap,
                          double *size, Lat *lat)
{
    *rss = (double)(rss_now() - rss0);
    *heap = heap_in_use() - heap0;
    *size = (double)saved_size(c, dir);
    if (rep == 0)
        for (uint32_t md = VAJRA_MODE_LEXICAL; md <= VAJRA_MODE_HYBRID; md++)
            lat[md] = time_mode(c, D, md, 0, nq, 1, NULL);
}

static void cmd_deletes(const Opts *o, VajraRegistry *reg, const Data *D)
{
    char *dir = g_dir_make_tmp("vajra-live-XXXXXX", NULL);
    if (dir == NULL)
        die("temporary directory", NULL);
    size_t m = (size_t)((double)D->n * o->frac + 0.5);
    uint32_t *all = malloc(D->n * sizeof *all), *picked = malloc(m * sizeof *picked);
    const char **ids = malloc(m * sizeof *ids);
    for (size_t i = 0; i < D->n; i++)
        all[i] = (uint32_t)i;
    sample_ids(D, all, D->n, m, o->seed, ids, picked);
    /* The live documents, in their original order, for the fresh build. */
    unsigned char *dead = calloc(D->n, 1);
    for (size_t i = 0; i < m; i++)
        dead[picked[i]] = 1;
    VajraDocument *live = malloc(D->n * sizeof *live);
    size_t nlive = 0;
    for (size_t i = 0; i < D->n; i++)
        if (!dead[i])
            live[nlive++] = D->d[i];

    int reps = o->reps > 64 ? 64 : o->reps;
    enum { S_BUILT, S_DELETED, S_COMPACTED, S_FRESH, S_N };
    const char *names[] = {"built", "deleted (committed)", "compacted", "fresh build of live"};
    double rss[S_N][64], heap[S_N][64], size[S_N][64], comp_s[64];
    size_t slow_nq = o->slow_nq < D->nq ? o->slow_nq : D->nq;
    Lat lat[S_N][4];
    long rss0 = 0;
    for (int rep = 0; rep < reps; rep++) {
        rss0 = rss_now();
        double heap0 = heap_in_use();
        VajraCollection *c = build(reg, D, "fast", (uint32_t)o->threads, NULL);
        measure_state(c, D, dir, rss0, heap0, rep, D->nq, &rss[S_BUILT][rep],
                      &heap[S_BUILT][rep], &size[S_BUILT][rep], lat[S_BUILT]);
        delete_ids(c, ids, m);
        measure_state(c, D, dir, rss0, heap0, rep, slow_nq, &rss[S_DELETED][rep],
                      &heap[S_DELETED][rep], &size[S_DELETED][rep], lat[S_DELETED]);
        compact(c, &comp_s[rep]);
        measure_state(c, D, dir, rss0, heap0, rep, D->nq, &rss[S_COMPACTED][rep],
                      &heap[S_COMPACTED][rep], &size[S_COMPACTED][rep], lat[S_COMPACTED]);
        vajra_collection_free(c);
        long r1 = rss_now();
        double h1 = heap_in_use();
        VajraCollection *f = create(reg, (uint32_t)D->vecs.dim, "fast", (uint32_t)o->threads);
        add_commit(f, live, nlive);
        measure_state(f, D, dir, r1, h1, rep, D->nq, &rss[S_FRESH][rep], &heap[S_FRESH][rep],
                      &size[S_FRESH][rep], lat[S_FRESH]);
        vajra_collection_free(f);
        printf("# deletes rep %d: RSS / heap in use over the loaded data (MB) built %.1f / %.1f, "
               "deleted %.1f / %.1f, compacted %.1f / %.1f, fresh %.1f / %.1f; compaction "
               "%.2f s\n",
               rep, rss[0][rep] / 1024, heap[0][rep] / 1e6, rss[1][rep] / 1024,
               heap[1][rep] / 1e6, rss[2][rep] / 1024, heap[2][rep] / 1e6, rss[3][rep] / 1024,
               heap[3][rep] / 1e6, comp_s[rep]);
        fflush(stdout);
    }
    for (int s = 0; s < S_N; s++) {
        printf("# %-22s RSS +%.1f MB, heap in use +%.1f MB, file %.1f MB; p50 lexical %.3f, "
               "vector %.3f, hybrid %.3f ms (%zu queries)\n",
               names[s], live_median(rss[s], (size_t)reps) / 1024,
               live_median(heap[s], (size_t)reps) / 1e6,
               live_median(size[s], (size_t)reps) / 1e6, lat[s][1].p50, lat[s][2].p50,
               lat[s][3].p50, s == S_DELETED ? slow_nq : D->nq);
        printf("{\"bench\": \"deletes\", \"state\": \"%s\", \"docs\": %zu, \"deleted\": %zu, "
               "\"reps\": %d, \"rss_delta_mb\": %.1f, \"heap_delta_mb\": %.1f, \"file_mb\": %.2f, "
               "\"lexical_p50_ms\": "
               "%.4f, \"vector_p50_ms\": %.4f, \"hybrid_p50_ms\": %.4f, \"lexical_p99_ms\": "
               "%.4f, \"vector_p99_ms\": %.4f, \"hybrid_p99_ms\": %.4f}\n",
               names[s], D->n, m, reps, live_median(rss[s], (size_t)reps) / 1024,
               live_median(heap[s], (size_t)reps) / 1e6, live_median(size[s], (size_t)reps) / 1e6, lat[s][1].p50, lat[s][2].p50,
               lat[s][3].p50, lat[s][1].p99, lat[s][2].p99, lat[s][3].p99);
    }
    printf("{\"bench\": \"deletes\", \"compact_s\": %.2f, \"rss_data_kb\": %ld}\n",
           live_median(comp_s, (size_t)reps), rss0);
    free(all);
    free(picked);
    free(ids);
    free(dead);
    free(live);
    g_rmdir(dir);
    g_free(dir);
}

/* ==== 4b. churn ==== */

static void report_churn(const char *step, int round, int compacted, VajraCollection *c,
                         const Data *D, const Answer *exact, size_t nq)
{
    uint32_t deleted = 0, segs = segments_of(c, &deleted);
    Lat l = time_mode(c, D, VAJRA_MODE_VECTOR, 0, nq, 1, exact);
    printf("# churn %s round %d (%s): %u segments, %u deleted held; recall@10 %.4f, vector p50 "
           "%.3f ms p99 %.3f ms\n",
           step, round, compacted ? "compacting" : "no compaction", segs, deleted, l.recall,
           l.p50, l.p99);
    printf("{\"bench\": \"churn\", \"step\": \"%s\", \"round\": %d, \"compact\": %d, "
           "\"segments\": %u, \"deleted_held\": %u, \"queries\": %zu, \"recall@10\": %.4f, "
           "\"vector_p50_ms\": %.4f, \"vector_p99_ms\": %.4f}\n",
           step, round, compacted, segs, deleted, nq, l.recall, l.p50, l.p99);
    fflush(stdout);
}

static void cmd_churn(const Opts *o, VajraRegistry *reg, const Data *D)
{
    size_t m = (size_t)((double)D->n * o->frac + 0.5);
    uint32_t *all = malloc(D->n * sizeof *all), *picked = malloc(m * sizeof *picked);
    const char **ids = malloc(m * sizeof *ids);
    VajraDocument *back = malloc(m * sizeof *back);
    for (size_t i = 0; i < D->n; i++)
        all[i] = (uint32_t)i;
    VajraCollection *c = build(reg, D, "fast", (uint32_t)o->threads, NULL);
    Answer *exact = exact_answers(c, D, VAJRA_MODE_VECTOR, D->nq);
    report_churn("fresh", 0, o->compact, c, D, exact, D->nq);
    for (int round = 1; round <= o->rounds; round++) {
        /* Every document is live at the start of a round: sample 30 % of them. */
        sample_ids(D, all, D->n, m, o->seed + (uint64_t)round, ids, picked);
        delete_ids(c, ids, m);
        Answer *ex_del = exact_answers(c, D, VAJRA_MODE_VECTOR, D->nq);
        report_churn("deleted", round, o->compact, c, D, ex_del, D->nq);
        answers_free(ex_del, D->nq);
        for (size_t i = 0; i < m; i++)
            back[i] = D->d[picked[i]];
        add_commit(c, back, m);
        if (o->compact) {
            double s = 0;
            compact(c, &s);
            printf("# compaction %.2f s\n", s);
        }
        report_churn("re-added", round, o->compact, c, D, exact, D->nq);
    }
    answers_free(exact, D->nq);
    vajra_collection_free(c);
    free(all);
    free(picked);
    free(ids);
    free(back);
}

/* ==== 5. Cranfield nDCG with deletes and segments ==== */

/* qrels of `path` restricted to documents not in `dead` (NULL: all). */
static VajraQrels *read_qrels(const char *path, GHashTable *dead)
{
    char *buf = NULL;
    gsize len = 0;
    VajraError err = {0};
    if (!g_file_get_contents(path, &buf, &len, NULL))
        die("reading qrels", NULL);
    VajraQrels *q = NULL;
    if (vajra_qrels_new(&q, &err))
        die("qrels", &err);
    char **lines = g_strsplit(buf, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **f = g_strsplit(g_strstrip(*l), "\t", 3);
        if (g_strv_length(f) == 3 && strcmp(f[0], "query-id") != 0 &&
            (dead == NULL || !g_hash_table_contains(dead, f[1])) &&
            vajra_qrels_add(q, f[0], f[1], atoi(f[2]), &err))
            die("qrels", &err);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(buf);
    return q;
}

static VajraMetrics eval_lexical(VajraCollection *c, const VajraDocSet *queries,
                                 const VajraQrels *qrels)
{
    VajraError err = {0};
    VajraEval *ev = NULL;
    VajraSearcher *s = NULL;
    if (vajra_eval_new(qrels, &ev, &err) || vajra_searcher_new(c, &s, &err))
        die("eval", &err);
    VajraResults r = {0};
    const char **ranked = malloc(1000 * sizeof *ranked);
    for (size_t i = 0; i < vajra_docset_count(queries); i++) {
        const VajraDocument *q = vajra_docset_doc(queries, i);
        char *text = query_text(q);
        VajraSearchRequest req = {.struct_size = sizeof req, .mode = VAJRA_MODE_LEXICAL,
                                  .text = text, .k = 1000};
        if (vajra_searcher_search(s, &req, &r, &err))
            die("search", &err);
        for (size_t j = 0; j < r.count; j++)
            ranked[j] = r.items[j].id;
        if (vajra_eval_add(ev, q->id, ranked, r.count, NULL, &err))
            die("eval add", &err);
        g_free(text);
    }
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    free(ranked);
    vajra_results_clear(&r);
    vajra_searcher_free(s);
    vajra_eval_free(ev);
    return sum.mean;
}

static void print_eval(const char *state, const char *qrels, uint32_t segs, VajraMetrics m)
{
    printf("# %-40s %-9s %u seg: nDCG@10 %.4f (exp %.4f), recall@100 %.4f, MAP %.4f, MRR@10 "
           "%.4f\n",
           state, qrels, segs, m.ndcg_at_10, m.ndcg_at_10_exp, m.recall_at_100, m.map,
           m.mrr_at_10);
    printf("{\"bench\": \"cranfield\", \"state\": \"%s\", \"qrels\": \"%s\", \"segments\": %u, "
           "\"ndcg@10\": %.4f, \"ndcg@10_exp\": %.4f, \"recall@100\": %.4f, \"map\": %.4f, "
           "\"mrr@10\": %.4f}\n",
           state, qrels, segs, m.ndcg_at_10, m.ndcg_at_10_exp, m.recall_at_100, m.map,
           m.mrr_at_10);
    fflush(stdout);
}

/* A lexical-only collection of d[0..n) in `parts` commits of equal size. */
static VajraCollection *lexical_segments(VajraRegistry *reg, const VajraDocument *d, size_t n,
                                         size_t parts)
{
    VajraCollection *c = create(reg, 0, NULL, 1);
    for (size_t s = 0; s < parts; s++)
        add_commit(c, d + s * n / parts, (s + 1) * n / parts - s * n / parts);
    return c;
}

static void cmd_cranfield(const Opts *o, VajraRegistry *reg)
{
    char *dir = o->dir ? g_strdup(o->dir)
                       : g_build_filename(getenv("VAJRA_DATA_DIR") ? getenv("VAJRA_DATA_DIR")
                                                                  : ".",
                                          "cranfield", NULL);
    char *p_docs = g_build_filename(dir, "corpus.jsonl", NULL);
    char *p_q = g_build_filename(dir, "queries.jsonl", NULL);
    char *p_qrels = g_build_filename(dir, "qrels.tsv", NULL);
    VajraError err = {0};
    VajraDocSet *docs = NULL, *queries = NULL;
    if (vajra_docset_read_jsonl(p_docs, NULL, &docs, &err) ||
        vajra_docset_read_jsonl(p_q, NULL, &queries, &err))
        die("reading cranfield", &err);
    size_t n = vajra_docset_count(docs);
    const VajraDocument *d = vajra_docset_batch(docs).docs;
    VajraQrels *qrels = read_qrels(p_qrels, NULL);

    /* Fresh, one segment; and 8 segments. */
    VajraCollection *c = lexical_segments(reg, d, n, 1);
    print_eval("fresh", "all", segments_of(c, NULL), eval_lexical(c, queries, qrels));
    VajraCollection *c8 = lexical_segments(reg, d, n, 8);
    print_eval("fresh", "all", segments_of(c8, NULL), eval_lexical(c8, queries, qrels));

    /* Delete 30 %, several seeds (the figure depends on which documents go). */
    size_t m = (size_t)((double)n * o->frac + 0.5);
    for (int rep = 0; rep < o->reps; rep++) {
        uint64_t seed = o->seed + (uint64_t)rep;
        uint32_t *all = malloc(n * sizeof *all);
        const char **ids = malloc(m * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            all[i] = (uint32_t)i;
        live_sample(all, n, m, seed);
        GHashTable *dead = g_hash_table_new(g_str_hash, g_str_equal);
        unsigned char *isdead = calloc(n, 1);
        for (size_t i = 0; i < m; i++) {
            ids[i] = d[all[i]].id;
            isdead[all[i]] = 1;
            g_hash_table_add(dead, (gpointer)ids[i]);
        }
        VajraQrels *lq = read_qrels(p_qrels, dead);
        char state[96];
        snprintf(state, sizeof state, "seed %llu: fresh, before deleting",
                 (unsigned long long)seed);
        VajraCollection *w = lexical_segments(reg, d, n, 1);
        print_eval(state, "live", segments_of(w, NULL), eval_lexical(w, queries, lq));
        delete_ids(w, ids, m);
        snprintf(state, sizeof state, "seed %llu: 30%% deleted, not compacted",
                 (unsigned long long)seed);
        print_eval(state, "live", segments_of(w, NULL), eval_lexical(w, queries, lq));
        compact(w, NULL);
        snprintf(state, sizeof state, "seed %llu: compacted", (unsigned long long)seed);
        print_eval(state, "live", segments_of(w, NULL), eval_lexical(w, queries, lq));
        vajra_collection_free(w);
        VajraDocument *live = malloc(n * sizeof *live);
        size_t nlive = 0;
        for (size_t i = 0; i < n; i++)
            if (!isdead[i])
                live[nlive++] = d[i];
        VajraCollection *f = create(reg, 0, NULL, 1);
        add_commit(f, live, nlive);
        snprintf(state, sizeof state, "seed %llu: fresh build of the live docs",
                 (unsigned long long)seed);
        print_eval(state, "live", segments_of(f, NULL), eval_lexical(f, queries, lq));
        vajra_collection_free(f);
        /* The same deletes on the 8-segment collection. */
        VajraCollection *w8 = lexical_segments(reg, d, n, 8);
        delete_ids(w8, ids, m);
        snprintf(state, sizeof state, "seed %llu: 8 segments, 30%% deleted",
                 (unsigned long long)seed);
        print_eval(state, "live", segments_of(w8, NULL), eval_lexical(w8, queries, lq));
        vajra_collection_free(w8);
        free(live);
        vajra_qrels_free(lq);
        g_hash_table_unref(dead);
        free(isdead);
        free(ids);
        free(all);
    }
    vajra_collection_free(c8);
    vajra_collection_free(c);
    vajra_qrels_free(qrels);
    vajra_docset_free(docs);
    vajra_docset_free(queries);
    g_free(p_docs);
    g_free(p_q);
    g_free(p_qrels);
    g_free(dir);
}

/* ==== main ==== */

int main(int argc, char **argv)
{
    Opts o = {.n = 50000, .nq = 1000, .slow_nq = 1000, .reps = 3, .passes = 3, .rounds = 3, .threads = 2,
              .idle_queries = 40, .batch = 1000, .mode = VAJRA_MODE_HYBRID, .seed = 11,
              .frac = 0.3};
    if (argc < 2)
        die("usage: bench-live ingest|promote|segments|deletes|churn|cranfield [--opt value]...",
            NULL);
    o.cmd = argv[1];
    int threads_set = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--n"))
            o.n = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--queries"))
            o.nq = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--slow-queries"))
            o.slow_nq = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--compact-above"))
            o.compact_above = atoi(v);
        else if (!strcmp(k, "--reps"))
            o.reps = atoi(v);
        else if (!strcmp(k, "--passes"))
            o.passes = atoi(v);
        else if (!strcmp(k, "--rounds"))
            o.rounds = atoi(v);
        else if (!strcmp(k, "--compact"))
            o.compact = atoi(v);
        else if (!strcmp(k, "--threads"))
            o.threads = atoi(v), threads_set = 1;
        else if (!strcmp(k, "--idle-queries"))
            o.idle_queries = atoi(v);
        else if (!strcmp(k, "--batch"))
            o.batch = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--seed"))
            o.seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--frac"))
            o.frac = atof(v);
        else if (!strcmp(k, "--dir"))
            o.dir = v;
        else if (!strcmp(k, "--shape") && o.n_shapes < 16)
            o.shapes[o.n_shapes++] = v;
        else if (!strcmp(k, "--mode"))
            o.mode = !strcmp(v, "vector") ? VAJRA_MODE_VECTOR
                     : !strcmp(v, "lexical") ? VAJRA_MODE_LEXICAL : VAJRA_MODE_HYBRID;
        else
            die("unknown option", NULL);
    }
    if (!strcmp(o.cmd, "ingest") && !threads_set)
        o.threads = 1; /* one core for the writer, one for the reader */
    if (o.reps < 1 || o.batch == 0 || o.idle_queries < 1 || o.passes < 1)
        die("bad option value", NULL);
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    if (vajra_registry_new(NULL, &reg, &err))
        die("registry", &err);
    if (!strcmp(o.cmd, "cranfield")) {
        cmd_cranfield(&o, reg);
    } else {
        Data D;
        load_wordnet(&o, &D);
        if (!strcmp(o.cmd, "ingest"))
            cmd_ingest(&o, reg, &D);
        else if (!strcmp(o.cmd, "promote"))
            cmd_promote(&o, reg, &D);
        else if (!strcmp(o.cmd, "segments"))
            cmd_segments(&o, reg, &D);
        else if (!strcmp(o.cmd, "deletes"))
            cmd_deletes(&o, reg, &D);
        else if (!strcmp(o.cmd, "churn"))
            cmd_churn(&o, reg, &D);
        else
            die("unknown command", NULL);
        free_data(&D);
    }
    vajra_registry_free(reg);
    return 0;
}
