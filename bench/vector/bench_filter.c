/* bench-filter: filtered HNSW search — recall@10 against the exact filtered answer and
 * single-thread latency, per filter kind and selectivity, for every way of answering:
 *
 *   unfiltered  the plain search at the profile's ef_search (the latency to compare with)
 *   scan        the exact scan of the passing documents (the planner's fallback; also the truth)
 *   beam W      the filtered beam forced at width W (filtered-out nodes walked through)
 *   planned     search_filtered as shipped (hnsw_plan decides scan or beam and its width)
 *   post xF     naive post-filtering: the unfiltered search for k·F hits (ef = max(ef_search,
 *               k·F)), then the filter, then the first k
 *
 * Filter kinds, each at every selectivity (fraction of the index passing):
 *   random      each document passes independently (one bitmap for all queries)
 *   near        the query's own exact top-(s·N) neighbourhood (correlated with the query)
 *   cluster     the exact top-(s·N) neighbourhood of a random document (a cluster elsewhere:
 *               mostly away from the query — the hard case for a graph walk)
 *
 *   bench-filter [--set wordnet|glove] [--n 50000] [--profile fast] [--queries 500]
 *                [--sel 50,10,1,0.1] [--widths 128,256,512,1024] [--post 10] [--kinds ...]
 *                [--beam-min-sel 5]   (forced beams only at selectivities of at least this %:
 *                                      below it they walk most of the graph and take long)
 *                [--dump DIR]         (write each (kind, selectivity)'s passing sets and exact
 *                                      filtered top-k to DIR, for the peer programs)
 *
 * --dump writes DIR/<set>-<kind>-<sel>.vjf, little-endian: a 32-byte header ("VJFILT1\0", u32
 * n, u32 queries, u32 rows, u32 k, u32 words, u32 0), then `rows` bitmaps of `words` u64 each
 * (bit d of word d/64 set = document d passes; rows = 1 for random, one per query otherwise),
 * then queries x k i32 ids of the exact filtered top-k (best first, -1 past the passing count),
 * then queries x k f32 inner products (0 where the id is -1). Query i is row i of the set's
 * query file; the sets are deterministic (fixed seeds), so a rerun writes the same bytes.
 * bench/vector/filter_peers.sh runs hnswlib and FAISS on them.
 *
 * One Markdown row per (kind, selectivity, method): set, kind, selectivity, passing documents
 * (mean), method, p50 ms, p95 ms, recall@10 (mean) and the worst query's recall. Recall counts a hit whose score ties the exact k-th as correct. Uses the
 * registry's best kernel; run under `flock /tmp/vajra-heavy.lock`. Figures: docs/vector.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hnsw_index.h"
#include "vajra/registry.h"
#include "vector_fixture.h"

#define K 10

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_list(const char *s, double *out, int max)
{
    int n = 0;
    while (s && *s && n < max) {
        char *end;
        out[n++] = strtod(s, &end);
        s = *end == ',' ? end + 1 : NULL;
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t r = (size_t)(q * (double)n + 0.999999999);
    return v[(r < 1 ? 1 : r > n ? n : r) - 1];
}

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench-filter: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

/* A filter with its own words. */
typedef struct Bitmap {
    VajraDocFilter f;
    uint64_t *w;
} Bitmap;

static void bm_init(Bitmap *b, uint32_t n)
{
    b->w = calloc((n + 63) / 64 + 1, sizeof(uint64_t));
    b->f = (VajraDocFilter){.struct_size = sizeof b->f, .nbits = n, .words = b->w};
}

static void bm_clear(Bitmap *b)
{
    memset(b->w, 0, sizeof(uint64_t) * ((b->f.nbits + 63) / 64));
}

static void bm_finish(Bitmap *b)
{
    b->f.passing = vajra_filter_count(b->w, b->f.nbits);
}

/* The m documents nearest to v (exact; the context's scratch). */
static void nearest_set(const VajraVectorIndex *x, VajraVectorSearch *s, const float *v,
                        uint32_t dim, uint32_t m, VajraHits *tmp, Bitmap *b)
{
    VajraError err = {0};
    VajraVectorQuery q = {v, dim, m};
    if (hnsw_search_exact(x, s, &q, tmp, &err) != VAJRA_OK)
        die("exact", &err);
    bm_clear(b);
    for (size_t i = 0; i < tmp->count; i++)
        b->w[tmp->items[i].doc >> 6] |= UINT64_C(1) << (tmp->items[i].doc & 63);
    bm_finish(b);
}

static double recall(const VajraHits *got, const VajraHits *truth)
{
    size_t want = truth->count < K ? truth->count : K;
    if (want == 0)
        return got->count == 0 ? 1.0 : 0.0;
    float kth = truth->items[want - 1].score;
    size_t good = 0;
    for (size_t i = 0; i < got->count && i < want; i++) {
        int found = got->items[i].score >= kth - 1e-6f;
        for (size_t j = 0; j < want && !found; j++)
            found = truth->items[j].doc == got->items[i].doc;
        good += found;
    }
    return (double)good / (double)want;
}

enum { M_UNFILTERED, M_SCAN, M_PLANNED, M_POST, M_BEAM, M_MAX = M_BEAM + 8 };

int main(int argc, char **argv)
{
    const char *set = "wordnet", *profile = "fast", *kinds = "random,near,cluster";
    double n_d = 50000, nq_d = 500, sels[8] = {50, 10, 1, 0.1}, widths[8] = {128, 256, 512,
                                                                              1024};
    double post_factor = 10, beam_min_sel = 5;
    const char *dump = NULL;
    int nsel = 4, nwidth = 4;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--set")) set = argv[i + 1];
        else if (!strcmp(argv[i], "--n")) n_d = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--profile")) profile = argv[i + 1];
        else if (!strcmp(argv[i], "--queries")) nq_d = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--sel")) nsel = parse_list(argv[i + 1], sels, 8);
        else if (!strcmp(argv[i], "--widths")) nwidth = parse_list(argv[i + 1], widths, 8);
        else if (!strcmp(argv[i], "--post")) post_factor = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--kinds")) kinds = argv[i + 1];
        else if (!strcmp(argv[i], "--beam-min-sel")) beam_min_sel = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump")) dump = argv[i + 1];
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    size_t n = (size_t)n_d, nq = (size_t)nq_d;
    VajraRegistry *reg = NULL;
    const VajraKernelOps *kernel = NULL;
    VajraPlugin *plugin = NULL;
    VajraError err = {0};
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK ||
        vajra_registry_kernel(reg, &kernel, NULL, &err) != VAJRA_OK ||
        vajra_registry_load(reg, VAJRA_PLUGIN_VECTOR, "vector-hnsw", &plugin, &err) != VAJRA_OK)
        die("registry", &err);
    const VajraVectorVtable *vt = vajra_plugin_vtable(plugin);

    VecSet v;
    if (vecset_load(&v, set, n) != 0)
        die("data", NULL);
    uint32_t dim = (uint32_t)v.base.dim;
    if (nq > v.queries.rows)
        nq = v.queries.rows;
    VajraVectorParams prm;
    if (vt->profile(profile, dim, VAJRA_METRIC_IP, &prm, &err) != VAJRA_OK)
        die("profile", &err);
    VajraVectorIndex *x = NULL;
    double t0 = now();
    if (hnsw_index_new(&prm, kernel, &x, &err) != VAJRA_OK ||
        hnsw_add(x, v.base.data, dim, n, 2, NULL, &err) != VAJRA_OK)
        die("build", &err);
    printf("# %s %zu, profile %s (M %u, efC %u, ef_search %u), kernel %s, build %.2f s (2 "
           "threads), %zu queries, k %d\n",
           set, n, profile, prm.M, prm.ef_construction, prm.ef_search, kernel->isa, now() - t0,
           nq, K);
    printf("# planner: scan when passing <= width or passing^2/N <= %g * width'; beam width' = "
           "width / sqrt(passing/N), at most x%g\n", HNSW_PLAN_COST, HNSW_PLAN_MAX_WIDEN);

    VajraVectorSearch *s = NULL;
    if (hnsw_search_new(&s, &err) != VAJRA_OK)
        die("search_new", &err);
    VajraHits got = {0}, truth = {0}, tmp = {0};
    double *lat[M_MAX], *rec[M_MAX];
    for (int m = 0; m < M_MAX; m++) {
        lat[m] = calloc(nq, sizeof(double));
        rec[m] = calloc(nq, sizeof(double));
    }
    Bitmap bm;
    bm_init(&bm, (uint32_t)n);
    int32_t *dump_ids = calloc(nq * K, sizeof(int32_t));
    float *dump_scores = calloc(nq * K, sizeof(float));
    uint32_t words = (uint32_t)((n + 63) / 64);
    /* Warm the context (largest scratch) once. */
    VajraVectorQuery q0 = {v.queries.data, dim, K};
    hnsw_search_planned(x, s, &q0, (HnswPlan){(size_t)widths[nwidth - 1] * 4, false}, NULL, &got,
                        &err);

    char kbuf[128];
    snprintf(kbuf, sizeof kbuf, "%s", kinds);
    for (char *save = NULL, *kind = strtok_r(kbuf, ",", &save); kind;
         kind = strtok_r(NULL, ",", &save)) {
        for (int si = 0; si < nsel; si++) {
            double sel = sels[si] / 100.0;
            uint32_t m = (uint32_t)(sel * (double)n + 0.5);
            if (m < 1)
                m = 1;
            double passing_sum = 0;
            int nmeth = M_BEAM + (sels[si] >= beam_min_sel ? nwidth : 0);
            uint64_t seed = 0x5eed + (uint64_t)si;
            if (!strcmp(kind, "random")) { /* one bitmap for every query */
                bm_clear(&bm);
                for (uint32_t d = 0; d < n; d++) {
                    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                    if ((double)(seed >> 11) * (1.0 / 9007199254740992.0) < sel)
                        bm.w[d >> 6] |= UINT64_C(1) << (d & 63);
                }
                bm_finish(&bm);
            }
            FILE *df = NULL;
            if (dump) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s-%s-%g.vjf", dump, set, kind, sels[si]);
                uint32_t rows = !strcmp(kind, "random") ? 1 : (uint32_t)nq;
                uint32_t hdr[6] = {(uint32_t)n, (uint32_t)nq, rows, K, words, 0};
                if (!(df = fopen(path, "wb")) || fwrite("VJFILT1", 8, 1, df) != 1 ||
                    fwrite(hdr, sizeof hdr, 1, df) != 1 ||
                    (rows == 1 && fwrite(bm.w, sizeof(uint64_t), words, df) != words)) {
                    perror(path);
                    return 1;
                }
            }
            HnswPlan plan = {0, false};
            for (size_t qi = 0; qi < nq; qi++) {
                const float *qv = v.queries.data + qi * dim;
                if (!strcmp(kind, "near")) {
                    nearest_set(x, s, qv, dim, m, &tmp, &bm);
                } else if (!strcmp(kind, "cluster")) {
                    uint32_t centre = (uint32_t)((qi * 2654435761u + (uint32_t)si * 40503u) % n);
                    nearest_set(x, s, v.base.data + (size_t)centre * dim, dim, m, &tmp, &bm);
                }
                passing_sum += bm.f.passing;
                VajraVectorQuery q = {qv, dim, K};
                HnswPlan scan = {0, true};
                if (hnsw_search_planned(x, s, &q, scan, &bm.f, &truth, &err) != VAJRA_OK)
                    die("scan", &err);
                plan = hnsw_plan(x, 0, K, &bm.f);
                if (df) {
                    if (strcmp(kind, "random") &&
                        fwrite(bm.w, sizeof(uint64_t), words, df) != words)
                        die("dump: write failed", NULL);
                    for (size_t i = 0; i < K; i++) {
                        int have = i < truth.count;
                        dump_ids[qi * K + i] = have ? (int32_t)truth.items[i].doc : -1;
                        dump_scores[qi * K + i] = have ? truth.items[i].score : 0.0f;
                    }
                }
                for (int meth = 0; meth < nmeth; meth++) {
                    double t = now();
                    vajra_status st;
                    if (meth == M_UNFILTERED) {
                        st = hnsw_search(x, s, &q, 0, &got, &err);
                    } else if (meth == M_SCAN) {
                        st = hnsw_search_planned(x, s, &q, scan, &bm.f, &got, &err);
                    } else if (meth == M_PLANNED) {
                        st = vt->search_filtered(x, s, &q, 0, &bm.f, &got, &err);
                    } else if (meth == M_POST) {
                        uint32_t kk = (uint32_t)(K * post_factor);
                        VajraVectorQuery qp = {qv, dim, kk};
                        st = hnsw_search(x, s, &qp, kk > prm.ef_search ? kk : prm.ef_search,
                                         &got, &err);
                        size_t j = 0;
                        for (size_t i = 0; i < got.count && j < K; i++)
                            if (vajra_filter_pass(&bm.f, got.items[i].doc))
                                got.items[j++] = got.items[i];
                        got.count = j;
                    } else {
                        HnswPlan beam = {(size_t)widths[meth - M_BEAM], false};
                        st = hnsw_search_planned(x, s, &q, beam, &bm.f, &got, &err);
                    }
                    lat[meth][qi] = (now() - t) * 1e3;
                    if (st != VAJRA_OK)
                        die("search", &err);
                    rec[meth][qi] = meth == M_UNFILTERED ? 0.0 : recall(&got, &truth);
                }
            }
            if (df && (fwrite(dump_ids, sizeof(int32_t), nq * K, df) != nq * K ||
                       fwrite(dump_scores, sizeof(float), nq * K, df) != nq * K ||
                       fclose(df) != 0))
                die("dump: write failed", NULL);
            for (int meth = 0; meth < nmeth; meth++) {
                char name[32];
                if (meth == M_UNFILTERED) snprintf(name, sizeof name, "unfiltered");
                else if (meth == M_SCAN) snprintf(name, sizeof name, "scan");
                else if (meth == M_PLANNED && plan.exact)
                    snprintf(name, sizeof name, "planned (scan)");
                else if (meth == M_PLANNED)
                    snprintf(name, sizeof name, "planned (beam %zu)", plan.width);
                else if (meth == M_POST) snprintf(name, sizeof name, "post x%g", post_factor);
                else snprintf(name, sizeof name, "beam %g", widths[meth - M_BEAM]);
                double sum = 0, worst = 1;
                for (size_t qi = 0; qi < nq; qi++) {
                    sum += rec[meth][qi];
                    worst = rec[meth][qi] < worst ? rec[meth][qi] : worst;
                }
                double p50 = pct(lat[meth], nq, 0.5), p95 = pct(lat[meth], nq, 0.95);
                double r = meth == M_UNFILTERED ? NAN : sum / (double)nq;
                printf("| %s | %s | %g%% | %.0f | %s | %.3f | %.3f | %.3f | %.2f |\n", set, kind,
                       sels[si], passing_sum / (double)nq, name, p50, p95, r,
                       meth == M_UNFILTERED ? NAN : worst);
            }
            fflush(stdout);
        }
    }
    for (int m = 0; m < M_MAX; m++) {
        free(lat[m]);
        free(rec[m]);
    }
    free(bm.w);
    free(dump_ids);
    free(dump_scores);
    vajra_hits_clear(&got);
    vajra_hits_clear(&truth);
    vajra_hits_clear(&tmp);
    hnsw_search_free(s);
    hnsw_index_free(x);
    vecset_clear(&v);
    vajra_plugin_unref(plugin);
    vajra_registry_free(reg);
    return 0;
}
