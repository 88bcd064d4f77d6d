/* bench-hnsw: build time, single-thread latency (p50/p95), QPS and recall@10 of the HNSW index.
 *
 *   bench-hnsw [--set wordnet|glove] [--n 1000,10000,...] [--profile quality,fast,instant]
 *              [--M m --efc e] [--ef 64,100,...] [--threads 1,2] [--queries 1000]
 *              [--storage f32,f16,sq8,f16r,sq8r,sq8d]
 *
 * For each slice and profile (or explicit M/efC): builds once per thread count (checking that
 * every thread count gives the same saved bytes), then runs every query single-threaded at each
 * ef (default: the profile's ef_search) and prints one row per (slice, config, ef). Uses the
 * registry's best distance kernel (override with VAJRA_KERNEL). --storage repeats the searches on
 * the same graph with the rows stored as f32, f16 or sq8 (suffix r: f32 rows kept for the exact
 * rerank), converted from the f32 build (hnsw_set_storage: the graph a quantised build makes is
 * the same); sq8d is sq8r with the f32 rows moved to a file mapping whose pages are dropped from
 * the page cache first (the rerank reads them from disk, as a loaded mmap'd index would), and
 * res_B counts the rows' bytes resident after the searches so far (mincore) instead of all of
 * them. vec_B is the bytes of row storage per vector, all_B adds the graph's links. Run
 * heavy configurations under
 * `flock /tmp/vajra-heavy.lock`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hnsw_index.h"
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

typedef struct Profile {
    const char *name;
    uint32_t M, efc, efs;
} Profile;

static const char *const profile_names[] = {"quality", "fast", "instant"};

static vajra_status save_hash(const VajraVectorIndex *x, uint64_t *hash)
{
    MemSections *m = mem_sections_new();
    VajraSectionWriter w = mem_sections_writer(m);
    vajra_status st = hnsw_save(x, &w, NULL);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over every section */
    for (size_t i = 0; i < mem_sections_count(m); i++) {
        void *d;
        size_t len;
        mem_sections_at(m, i, &d, &len);
        for (size_t j = 0; j < len; j++)
            h = (h ^ ((unsigned char *)d)[j]) * 1099511628211ULL;
    }
    mem_sections_free(m);
    *hash = h;
    return st;
}

/* Bytes per vector: the rows (codes, plus f32 rows when kept) and everything (plus the links). */
static void memory_per_vector(const VajraVectorIndex *x, double *vec_b, double *all_b)
{
    double n = x->count ? (double)x->count : 1.0;
    double rows = (double)x->stride * (double)hnsw_elem_size(x->storage);
    if (x->storage != HNSW_STORE_F32 && x->rerank)
        rows += (double)x->stride * sizeof(float);
    double links = (double)x->l0_slots * 4 + 1 + 4 + (double)x->upper_blocks * x->up_slots * 4 / n;
    if (x->storage == HNSW_STORE_SQ8)
        rows += 2.0 * x->stride * sizeof(float) / n + (x->sq8_gain ? sizeof(float) : 0);
    *vec_b = rows;
    *all_b = rows + links;
}


/* sq8d: the kept f32 rows of a rerank index moved to an unlinked file mapped read-only with
 * MADV_RANDOM, its pages dropped from the page cache, so that the rerank faults them in from
 * disk. Returns the mapping length (0 on failure: the rows stay in memory). */
static size_t rows_to_disk(VajraVectorIndex *x)
{
    size_t len = (size_t)x->count * x->stride * sizeof(float);
    char path[] = "/tmp/bench-hnsw-rowsXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    unlink(path);
    void *map = MAP_FAILED;
    if (write(fd, x->vectors, len) == (ssize_t)len && fsync(fd) == 0 &&
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
        map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return 0;
    (void)madvise(map, len, MADV_RANDOM);
    free(x->vectors);
    x->vectors = map;
    return len;
}

/* Bytes of the mapped rows resident in the page cache, per vector. */
static double resident_rows(const VajraVectorIndex *x, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = (len + (size_t)page - 1) / (size_t)page, in = 0;
    unsigned char *v = malloc(pages ? pages : 1);
    if (v != NULL && mincore(x->vectors, len, v) == 0)
        for (size_t i = 0; i < pages; i++)
            in += v[i] & 1;
    free(v);
    return (double)in * (double)page / (x->count ? x->count : 1);
}

/* The saved f32 index loaded and converted to `spec`: f32, f16, sq8, or f16r/sq8r (rerank). */
static vajra_status open_storage(const VajraKernelOps *kernel, const VajraSectionReader *sr,
                                 const char *spec, VajraVectorIndex **out, VajraError *err)
{
    char name[4] = {0};
    size_t len = strlen(spec);
    bool rerank = len == 4 && (spec[3] == 'r' || spec[3] == 'd');
    memcpy(name, spec, len < 3 ? len : 3);
    uint32_t storage;
    vajra_status st = hnsw_storage_parse(name, &storage, err);
    if (st == VAJRA_OK && (len == 3 || rerank))
        st = hnsw_load(kernel, sr, out, err);
    else if (st == VAJRA_OK)
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "bad storage spec");
    if (st == VAJRA_OK && (st = hnsw_set_storage(*out, storage, rerank, err)) != VAJRA_OK) {
        hnsw_index_free(*out);
        *out = NULL;
    }
    return st;
}

int main(int argc, char **argv)
{
    const char *set = "wordnet", *profile_arg = "quality,fast,instant";
    long ns[8] = {1000, 10000, 20000, 50000}, efs[16], threads[4] = {1, 2};
    int nn = 4, nef = 0, nth = 2;
    long M = 0, efc = 0, nq_max = 1000;
    const char *storage_arg = "f32";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--set")) set = argv[i + 1];
        else if (!strcmp(argv[i], "--n")) nn = parse_list(argv[i + 1], ns, 8);
        else if (!strcmp(argv[i], "--profile")) profile_arg = argv[i + 1];
        else if (!strcmp(argv[i], "--M")) M = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--efc")) efc = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--ef")) nef = parse_list(argv[i + 1], efs, 16);
        else if (!strcmp(argv[i], "--threads")) nth = parse_list(argv[i + 1], threads, 4);
        else if (!strcmp(argv[i], "--queries")) nq_max = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--storage")) storage_arg = argv[i + 1];
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
    Profile configs[8];
    int ncfg = 0;
    if (M > 0) {
        configs[ncfg++] = (Profile){"custom", (uint32_t)M, (uint32_t)(efc ? efc : 200), 64};
    } else {
        /* The profiles come from the plugin itself, loaded through the registry. */
        VajraPlugin *plugin = NULL;
        if (vajra_registry_load(reg, VAJRA_PLUGIN_VECTOR, "vector-hnsw", &plugin, &err) !=
            VAJRA_OK) {
            fprintf(stderr, "vector-hnsw: %s\n", err.message);
            return 1;
        }
        const VajraVectorVtable *vt = vajra_plugin_vtable(plugin);
        char buf[256];
        snprintf(buf, sizeof buf, "%s", profile_arg);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && ncfg < 8;
             tok = strtok_r(NULL, ",", &save)) {
            for (size_t p = 0; p < sizeof profile_names / sizeof profile_names[0]; p++) {
                VajraVectorParams prm;
                if (strcmp(profile_names[p], tok) == 0 &&
                    vt->profile(tok, 1, VAJRA_METRIC_IP, &prm, &err) == VAJRA_OK)
                    configs[ncfg++] = (Profile){profile_names[p], prm.M, prm.ef_construction,
                                                prm.ef_search};
            }
        }
        vajra_plugin_unref(plugin);
    }
    printf("# kernel %s, set %s\n", kernel->isa, set);
    printf("%-8s %6s %-8s %-5s %3s %4s %5s %9s %9s %8s %8s %8s %8s %7s %7s %7s\n", "set", "n",
           "config", "store", "M", "efC", "ef", "build1_s", "build2_s", "p50_ms", "p95_ms", "qps",
           "recall10", "vec_B", "all_B", "res_B");
    for (int si = 0; si < nn; si++) {
        VecSet v;
        if (vecset_load(&v, set, (size_t)ns[si]) != 0)
            return 1;
        uint32_t dim = (uint32_t)v.base.dim;
        size_t nq = v.queries.rows < (size_t)nq_max ? v.queries.rows : (size_t)nq_max;
        for (int c = 0; c < ncfg; c++) {
            VajraVectorParams p = {.struct_size = sizeof p, .dim = dim,
                                   .metric = VAJRA_METRIC_IP, .M = configs[c].M,
                                   .ef_construction = configs[c].efc,
                                   .ef_search = configs[c].efs, .seed = 42};
            double build[4] = {0};
            uint64_t hash0 = 0;
            VajraVectorIndex *x = NULL;
            for (int t = 0; t < nth; t++) {
                VajraVectorIndex *y = NULL;
                if (hnsw_index_new(&p, kernel, &y, &err) != VAJRA_OK) {
                    fprintf(stderr, "%s\n", err.message);
                    return 1;
                }
                double t0 = now();
                if (hnsw_add(y, v.base.data, dim, v.base.rows, (uint32_t)threads[t], NULL,
                             &err) != VAJRA_OK) {
                    fprintf(stderr, "%s\n", err.message);
                    return 1;
                }
                build[t] = now() - t0;
                uint64_t h;
                save_hash(y, &h);
                if (t == 0)
                    hash0 = h;
                else if (h != hash0) {
                    fprintf(stderr, "DETERMINISM FAILURE: %ld threads built other bytes\n",
                            threads[t]);
                    return 1;
                }
                if (x == NULL)
                    x = y;
                else
                    hnsw_index_free(y);
            }
            MemSections *saved = mem_sections_new();
            VajraSectionWriter sw = mem_sections_writer(saved);
            VajraSectionReader sr = mem_sections_reader(saved);
            if (hnsw_save(x, &sw, &err) != VAJRA_OK) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            char sbuf[128];
            snprintf(sbuf, sizeof sbuf, "%s", storage_arg);
            for (char *ssave = NULL, *stok = strtok_r(sbuf, ",", &ssave); stok != NULL;
                 stok = strtok_r(NULL, ",", &ssave)) {
                VajraVectorIndex *xs = NULL;
                if (open_storage(kernel, &sr, stok, &xs, &err) != VAJRA_OK) {
                    fprintf(stderr, "storage %s: %s\n", stok, err.message);
                    return 1;
                }
                double vec_b, all_b;
                memory_per_vector(xs, &vec_b, &all_b);
                size_t mapped = stok[3] == 'd' ? rows_to_disk(xs) : 0;
                long ef_list[16];
                int ne = nef;
                if (nef > 0)
                    memcpy(ef_list, efs, sizeof(long) * nef);
                else
                    ef_list[0] = configs[c].efs, ne = 1;
                VajraVectorSearch *s = NULL;
                hnsw_search_new(&s, &err);
                VajraHits hits = {0};
                double *lat = malloc(sizeof(double) * nq);
                for (int e = 0; e < ne; e++) {
                    double recall = 0, total = 0;
                    for (size_t q = 0; q < nq; q++) {
                        VajraVectorQuery query = {v.queries.data + q * dim, dim, 10};
                        double t0 = now();
                        hnsw_search(xs, s, &query, (uint32_t)ef_list[e], &hits, &err);
                        lat[q] = now() - t0;
                        total += lat[q];
                        /* exact scores for the tie rule: quantised scores are approximate */
                        recall += vecset_recall_exact(&v, q, &hits, 10);
                    }
                    qsort(lat, nq, sizeof(double), cmp_double);
                    printf("%-8s %6ld %-8s %-5s %3u %4u %5ld %9.3f %9.3f %8.3f %8.3f %8.0f "
                           "%8.4f %7.1f %7.1f %7.1f\n",
                           set, ns[si], configs[c].name, stok, p.M, p.ef_construction,
                           ef_list[e], build[0], nth > 1 ? build[1] : 0.0, lat[nq / 2] * 1e3,
                           lat[(size_t)(nq * 0.95)] * 1e3, (double)nq / total,
                           recall / (double)nq, vec_b, all_b,
                           mapped ? vec_b - 4.0 * xs->stride + resident_rows(xs, mapped)
                                  : vec_b);
                    fflush(stdout);
                }
                free(lat);
                vajra_hits_clear(&hits);
                hnsw_search_free(s);
                if (mapped) {
                    munmap(xs->vectors, mapped);
                    xs->vectors = NULL;
                }
                hnsw_index_free(xs);
            }
            mem_sections_free(saved);
            hnsw_index_free(x);
        }
        vecset_clear(&v);
    }
    vajra_registry_free(reg);
    return 0;
}
