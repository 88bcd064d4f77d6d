/* bench-ivf: the IVF index (plugins/vector/ivf) beside the HNSW `fast` profile on one data set.
 *
 *   bench-ivf [--set wordnet|glove] [--n 50000] [--nlist 256] [--iterations 10]
 *             [--nprobe 1,2,4,8,16,32,64] [--rerank 64] [--threads 1] [--queries 1000]
 *             [--no-hnsw]
 *
 * Builds IVF-Flat and IVF-SQ8 (inner product, seed 42, training sample min(n, 256·nlist)) with
 * `threads` build threads, checks that 1 thread builds the same bytes when threads > 1, then
 * runs every query single-threaded at each nprobe: recall@10 (ties as the data README says), p50
 * and p95 latency. Memory per vector = bytes of index data (what save writes: centroids, lists,
 * codes, SQ tables, and for SQ8 the float rows kept for the re-rank) / n. Then HNSW `fast`
 * (M 16, efC 128; ef 64, 128, 256) the same way. Prints the table as '#' lines and one JSON
 * object per row, as bench/compare does. Uses the registry's best distance kernel
 * (override with VAJRA_KERNEL). Run under `flock /tmp/vajra-heavy.lock`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hnsw_index.h"
#include "ivf_index.h"
#include "vajra/registry.h"
#include "vector_fixture.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_list(const char *s, long *out, int max)
{
    int n = 0;
    while (s && *s && n < max) {
        char *end;
        out[n++] = strtol(s, &end, 10);
        s = *end == ',' ? end + 1 : NULL;
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct Saved {
    size_t bytes;
    uint64_t hash;
} Saved;

static Saved saved_of(MemSections *m)
{
    Saved s = {0, 1469598103934665603ULL}; /* FNV-1a over every section */
    for (size_t i = 0; i < mem_sections_count(m); i++) {
        void *d;
        size_t len;
        mem_sections_at(m, i, &d, &len);
        s.bytes += len;
        for (size_t j = 0; j < len; j++)
            s.hash = (s.hash ^ ((unsigned char *)d)[j]) * 1099511628211ULL;
    }
    mem_sections_free(m);
    return s;
}

static Saved ivf_saved(const IvfIndex *x)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    ivf_save(x, &w, NULL);
    return saved_of(m);
}

static Saved hnsw_saved(const VajraVectorIndex *x)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    hnsw_save(x, &w, NULL);
    return saved_of(m);
}

static void row(const char *set, size_t n, const char *index, const char *knob, long value,
                double build, double bytes_per_vec, double *lat, size_t nq, double recall)
{
    qsort(lat, nq, sizeof(double), cmp_double);
    double p50 = lat[nq / 2] * 1e3, p95 = lat[(size_t)(nq * 0.95)] * 1e3;
    printf("# %-8s %6zu %-10s %-7s %5ld %8.2f %8.1f %8.3f %8.3f %8.4f\n", set, n, index, knob,
           value, build, bytes_per_vec, p50, p95, recall);
    printf("{\"engine\": \"vajra\", \"set\": \"%s\", \"n\": %zu, \"index\": \"%s\", \"%s\": %ld, "
           "\"build_s\": %.3f, \"bytes_per_vector\": %.1f, \"p50_ms\": %.4f, \"p95_ms\": %.4f, "
           "\"recall10\": %.4f}\n",
           set, n, index, knob, value, build, bytes_per_vec, p50, p95, recall);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *set = "wordnet";
    long n = 50000, nlist = 256, iterations = 10, rerank = 64, threads = 1, nq_max = 1000;
    long probes[16] = {1, 2, 4, 8, 16, 32, 64};
    int np = 7, hnsw = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-hnsw")) { hnsw = 0; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "option %s needs a value\n", argv[i]); return 2; }
        if (!strcmp(argv[i], "--set")) set = argv[++i];
        else if (!strcmp(argv[i], "--n")) n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--nlist")) nlist = atol(argv[++i]);
        else if (!strcmp(argv[i], "--iterations")) iterations = atol(argv[++i]);
        else if (!strcmp(argv[i], "--nprobe")) np = parse_list(argv[++i], probes, 16);
        else if (!strcmp(argv[i], "--rerank")) rerank = atol(argv[++i]);
        else if (!strcmp(argv[i], "--threads")) threads = atol(argv[++i]);
        else if (!strcmp(argv[i], "--queries")) nq_max = atol(argv[++i]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    VajraRegistry *reg = NULL;
    const VajraKernelOps *kernel = NULL;
    VajraError err = {0};
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK ||
        vajra_registry_kernel(reg, &kernel, NULL, &err) != VAJRA_OK) {
        fprintf(stderr, "kernel: %s\n", err.message);
        return 1;
    }
    VecSet v;
    if (vecset_load(&v, set, (size_t)n) != 0)
        return 1;
    uint32_t dim = (uint32_t)v.base.dim;
    size_t nq = v.queries.rows < (size_t)nq_max ? v.queries.rows : (size_t)nq_max;
    double *lat = malloc(sizeof(double) * nq);
    VajraHits hits = {0};
    printf("# kernel %s, set %s, n %ld, dim %u, nlist %ld, iterations %ld, rerank %ld, build "
           "threads %ld, %zu queries, 1 search thread\n",
           kernel->isa, set, n, dim, nlist, iterations, rerank, threads, nq);
    printf("# %-8s %6s %-10s %-7s %5s %8s %8s %8s %8s %8s\n", "set", "n", "index", "knob",
           "value", "build_s", "B/vec", "p50_ms", "p95_ms", "recall10");
    for (uint32_t quant = 0; quant < 2; quant++) {
        IvfParams p;
        ivf_params_default(&p, dim, VAJRA_METRIC_IP);
        p.nlist = (uint32_t)nlist;
        p.nprobe = 1;
        p.iterations = (uint32_t)iterations;
        p.quantizer = quant;
        p.rerank = (uint32_t)rerank;
        IvfIndex *x = NULL;
        if (ivf_index_new(&p, kernel, &x, &err) != VAJRA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t0 = now();
        if (ivf_add(x, v.base.data, dim, v.base.rows, (uint32_t)threads, NULL, &err) !=
            VAJRA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double build = now() - t0;
        Saved sv = ivf_saved(x);
        if (sv.bytes != ivf_memory_bytes(x) + 64) { /* + the 64-byte ivf.meta */
            fprintf(stderr, "memory accounting: saved %zu, held %zu\n", sv.bytes,
                    ivf_memory_bytes(x));
            return 1;
        }
        if (threads > 1) {
            IvfIndex *y = NULL;
            ivf_index_new(&p, kernel, &y, &err);
            ivf_add(y, v.base.data, dim, v.base.rows, 1, NULL, &err);
            if (ivf_saved(y).hash != sv.hash) {
                fprintf(stderr, "DETERMINISM FAILURE: 1 and %ld threads differ\n", threads);
                return 1;
            }
            ivf_index_free(y);
        }
        IvfSearch *s = NULL;
        ivf_search_new(&s, &err);
        for (int e = 0; e < np; e++) {
            double recall = 0;
            for (size_t q = 0; q < nq; q++) {
                VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
                double t1 = now();
                ivf_search(x, s, &query, (uint32_t)probes[e], NULL, &hits, &err);
                lat[q] = now() - t1;
                recall += vecset_recall(&v, q, &hits, 10);
            }
            row(set, (size_t)n, quant ? "ivf-sq8" : "ivf-flat", "nprobe", probes[e], build,
                (double)sv.bytes / (double)n, lat, nq, recall / (double)nq);
        }
        ivf_search_free(s);
        ivf_index_free(x);
    }
    if (hnsw) {
        VajraVectorParams p = {.struct_size = sizeof p, .dim = dim, .metric = VAJRA_METRIC_IP,
                               .M = 16, .ef_construction = 128, .ef_search = 128, .seed = 42};
        VajraVectorIndex *x = NULL;
        if (hnsw_index_new(&p, kernel, &x, &err) != VAJRA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t0 = now();
        if (hnsw_add(x, v.base.data, dim, v.base.rows, (uint32_t)threads, NULL, &err) !=
            VAJRA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double build = now() - t0;
        Saved sv = hnsw_saved(x);
        VajraVectorSearch *s = NULL;
        hnsw_search_new(&s, &err);
        static const long efs[] = {64, 128, 256};
        for (size_t e = 0; e < 3; e++) {
            double recall = 0;
            for (size_t q = 0; q < nq; q++) {
                VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
                double t1 = now();
                hnsw_search(x, s, &query, (uint32_t)efs[e], &hits, &err);
                lat[q] = now() - t1;
                recall += vecset_recall(&v, q, &hits, 10);
            }
            row(set, (size_t)n, "hnsw-fast", "ef", efs[e], build, (double)sv.bytes / (double)n,
                lat, nq, recall / (double)nq);
        }
        hnsw_search_free(s);
        hnsw_index_free(x);
    }
    free(lat);
    vajra_hits_clear(&hits);
    vecset_clear(&v);
    vajra_registry_free(reg);
    return 0;
}
