/* Storage benchmark: save time, open time and resident memory after open, storage-file vs
 * storage-mmap, for a container of realistic size: the WordNet 50k × 384 LSA vectors widened to
 * float32 (76.8 MB) plus a 50k × 32 neighbour array and a 50k id array (≈ 83.5 MB in all).
 *
 * Each open is measured in a freshly exec'd copy of this program ("--open PLUGIN PATH"), so the
 * resident figures are that process's own (no pages inherited from the parent), read from
 * /proc/self/status: VmRSS = RssAnon (private: the heap copy) + RssFile (mapped file pages: the
 * kernel's page cache, shared and reclaimable). Warm = the file's pages are in the page cache;
 * cold = they were dropped with posix_fadvise(DONTNEED) first (the file is ours and fsynced).
 *
 * Run: flock /tmp/vajra-heavy.lock meson test -C <build> --benchmark --suite storage -v
 *  or: flock /tmp/vajra-heavy.lock <build>/bench/storage/bench-storage [reps]
 */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vajra/io.h"
#include "vajra/registry.h"
#include "vajra/storage.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* kB values of VmRSS, RssAnon, RssFile. */
typedef struct Rss {
    long vm, anon, file;
} Rss;

static Rss rss_now(void)
{
    Rss r = {-1, -1, -1};
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &r.vm);
        sscanf(line, "RssAnon: %ld", &r.anon);
        sscanf(line, "RssFile: %ld", &r.file);
    }
    if (f)
        fclose(f);
    return r;
}

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench-storage: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static const VajraStorageOps *load_storage(VajraRegistry **reg, const char *name, void **state)
{
    VajraError err = {0};
    VajraPlugin *p = NULL;
    if (vajra_registry_new(NULL, reg, &err) != VAJRA_OK ||
        vajra_registry_load(*reg, VAJRA_PLUGIN_STORAGE, name, &p, &err) != VAJRA_OK)
        die(name, &err);
    *state = vajra_plugin_state(p);
    return vajra_plugin_vtable(p);
}

/* Child mode: open `path` with `plugin`, print "open_ms rss_before rss_after anon file
 * touch_ms rss_touched" on one line. */
static int child_open(const char *plugin, const char *path)
{
    VajraRegistry *reg;
    void *state;
    const VajraStorageOps *ops = load_storage(&reg, plugin, &state);
    VajraError err = {0};
    Rss before = rss_now();
    double t0 = now_ms();
    VajraStorageContainer *c = NULL;
    if (ops->open(state, path, &c, &err) != VAJRA_OK)
        die("open", &err);
    double t1 = now_ms();
    Rss after = rss_now();
    /* Read every section once (a full scan, as a search over all vectors would). */
    double sum = 0;
    for (size_t i = 0; i < ops->container_count(c); i++) {
        const void *d;
        size_t len;
        ops->container_section_at(c, i, NULL, &d, &len, &err);
        const uint8_t *b = d;
        for (size_t j = 0; j < len; j += 64)
            sum += b[j];
    }
    double t2 = now_ms();
    Rss touched = rss_now();
    ops->close(c);
    printf("%.3f %ld %ld %ld %ld %.3f %ld %g\n", t1 - t0, before.vm, after.vm, after.anon - before.anon,
           after.file - before.file, t2 - t1, touched.vm, sum);
    vajra_registry_free(reg);
    return 0;
}

static void drop_page_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--open") == 0)
        return child_open(argv[2], argv[3]);
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (reps < 1)
        reps = 1;

    const char *data_dir = getenv("VAJRA_DATA_DIR");
    if (data_dir == NULL)
        data_dir = "../shared/data";
    char *vec_path = g_build_filename(data_dir, "wordnet", "lsa384.docs50k.f16.npy", NULL);
    VajraError err = {0};
    VajraMatrixF32 m = {0};
    if (vajra_npy_read_f32(vec_path, &m, &err) != VAJRA_OK)
        die("reading vectors", &err);

    /* Companion arrays of an index: a fixed-degree neighbour list and document ids. */
    size_t n = m.rows, degree = 32;
    uint32_t *neigh = malloc(n * degree * sizeof *neigh), *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n * degree; i++)
        neigh[i] = (uint32_t)((i * 2654435761u) % n);
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)i;
    struct {
        const char *name;
        const void *data;
        size_t len;
    } sec[] = {
        {"bench.vectors", m.data, m.rows * m.dim * sizeof(float)},
        {"bench.level0", neigh, n * degree * sizeof *neigh},
        {"bench.ids", ids, n * sizeof *ids},
    };
    size_t total = 0;
    for (size_t i = 0; i < 3; i++)
        total += sec[i].len;

    VajraRegistry *reg;
    void *state;
    const VajraStorageOps *ops = load_storage(&reg, "storage-file", &state);
    char *dir = g_dir_make_tmp("vajra-bench-storage-XXXXXX", NULL);
    char *path = g_build_filename(dir, "bench.vjr", NULL);

    printf("storage bench: %zu × %zu f32 vectors + %zu × %zu neighbours + ids = %.1f MB, %d reps\n",
           m.rows, m.dim, n, degree, total / 1e6, reps);

    double *save_ms = calloc((size_t)reps, sizeof *save_ms);
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        VajraStorageWriter *w;
        if (ops->writer_open(state, path, &w, &err) != VAJRA_OK)
            die("writer_open", &err);
        const VajraSectionWriter *sw = ops->writer_sections(w);
        for (size_t i = 0; i < 3; i++)
            if (sw->write(sw->self, sec[i].name, sec[i].data, sec[i].len, &err) != VAJRA_OK)
                die("write", &err);
        if (ops->writer_commit(w, &err) != VAJRA_OK)
            die("commit", &err);
        save_ms[r] = now_ms() - t0;
    }
    qsort(save_ms, (size_t)reps, sizeof *save_ms, cmp_double);
    printf("save (write + fsync + rename + dir fsync): median %.1f ms, min %.1f ms (%.0f MB/s)\n",
           save_ms[reps / 2], save_ms[0], total / 1e3 / save_ms[reps / 2]);

    printf("%-13s %-5s %10s %12s %12s %12s %10s %12s\n", "plugin", "cache", "open ms",
           "RSS before", "RSS after", "+anon kB", "+file kB", "RSS touched");
    const char *plugins[] = {"storage-file", "storage-mmap"};
    for (int p = 0; p < 2; p++) {
        for (int cold = 0; cold < 2; cold++) {
            double *open_ms = calloc((size_t)reps, sizeof *open_ms);
            long before = 0, after = 0, anon = 0, file = 0, touched = 0;
            for (int r = 0; r < reps; r++) {
                if (cold)
                    drop_page_cache(path);
                char *out = NULL;
                int status = 0;
                char *argv_child[] = {"/proc/self/exe", "--open", (char *)plugins[p], path, NULL};
                GError *gerr = NULL;
                if (!g_spawn_sync(NULL, argv_child, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                                  &status, &gerr) ||
                    status != 0) {
                    fprintf(stderr, "child failed: %s\n", gerr ? gerr->message : "exit status");
                    return 1;
                }
                double tms, touch_ms, sum;
                sscanf(out, "%lf %ld %ld %ld %ld %lf %ld %lf", &tms, &before, &after, &anon, &file,
                       &touch_ms, &touched, &sum);
                open_ms[r] = tms;
                g_free(out);
            }
            qsort(open_ms, (size_t)reps, sizeof *open_ms, cmp_double);
            printf("%-13s %-5s %10.1f %9ld kB %9ld kB %12ld %10ld %9ld kB\n", plugins[p],
                   cold ? "cold" : "warm", open_ms[reps / 2], before, after, anon, file, touched);
            free(open_ms);
        }
    }
    printf("(open ms: median; RSS columns from the last rep; open verifies every checksum, so it "
           "reads the whole file in both plugins)\n");

    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    g_free(vec_path);
    free(save_ms);
    free(neigh);
    free(ids);
    vajra_matrix_f32_clear(&m);
    vajra_registry_free(reg);
    return 0;
}
