/* Storage benchmark on a real index: the WordNet 50k collection (the first 50,000 synsets,
 * lexical-bm25 + vector-hnsw over the 384-d LSA vectors, "fast" profile) is built once, then
 * saved through storage-file and opened through storage-file and storage-mmap.
 *
 * Reported: save time, open time (container validation + both index loads), resident memory
 * after open and after the first 1,000 queries of each kind (lexical, vector), each measured in
 * a freshly exec'd copy of this program ("--open PLUGIN PATH QUERIES") so the figures are that
 * process's own. RssAnon is private memory (the heap copy for storage-file, plus whatever the
 * index plugins build at load); RssFile is mapped file pages (page cache, shared, reclaimable).
 *
 * Run: flock /tmp/vajra-heavy.lock meson test -C <build> --benchmark --suite storage -v
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vajra/collection.h"
#include "vajra/io.h"

enum { N_DOCS = 50000, K = 10 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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
    fprintf(stderr, "bench-collection-storage: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static char *data_file(const char *name)
{
    const char *root = getenv("VAJRA_DATA_DIR");
    return g_build_filename(root ? root : "../shared/data", "wordnet", name, NULL);
}

/* Child: open the collection, run the lexical then the vector queries, print the figures. */
static int child_open(const char *plugin, const char *path)
{
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK)
        die("registry", &err);
    /* Queries are read before the first measurement so they are not counted. */
    VajraDocSet *qs = NULL;
    VajraMatrixF32 qv = {0};
    char *p = data_file("queries.jsonl");
    if (vajra_docset_read_jsonl(p, NULL, &qs, &err) != VAJRA_OK)
        die(p, &err);
    g_free(p);
    p = data_file("lsa384.queries.npy");
    if (vajra_npy_read_f32(p, &qv, &err) != VAJRA_OK)
        die(p, &err);
    g_free(p);

    Rss before = rss_now();
    double t0 = now_ms();
    VajraCollection *c = NULL;
    if (vajra_collection_open(reg, path, plugin, &c, &err) != VAJRA_OK)
        die("open", &err);
    double t1 = now_ms();
    Rss opened = rss_now();

    VajraMorphism *lex = NULL, *vec = NULL;
    if (vajra_collection_lexical_retriever(c, &lex, &err) != VAJRA_OK ||
        vajra_collection_vector_retriever(c, 0, &vec, &err) != VAJRA_OK)
        die("retrievers", &err);
    VajraHits hits = {0};
    double checksum = 0;
    double t2 = now_ms();
    for (size_t q = 0; q < vajra_docset_count(qs); q++) {
        const VajraDocument *d = vajra_docset_doc(qs, q);
        VajraTextQuery tq = {d->text ? d->text : "", K};
        if (vajra_morphism_apply(lex, &tq, &hits, &err) != VAJRA_OK)
            die("lexical query", &err);
        checksum += hits.count ? hits.items[0].doc : 0;
    }
    double t3 = now_ms();
    for (size_t q = 0; q < qv.rows; q++) {
        VajraVectorQuery vq = {qv.data + q * qv.dim, (uint32_t)qv.dim, K};
        if (vajra_morphism_apply(vec, &vq, &hits, &err) != VAJRA_OK)
            die("vector query", &err);
        checksum += hits.count ? hits.items[0].doc : 0;
    }
    double t4 = now_ms();
    Rss queried = rss_now();
    printf("%.2f %ld %ld %ld %ld %ld %ld %.2f %.2f %g\n", t1 - t0, before.vm, opened.vm,
           opened.anon - before.anon, opened.file - before.file, queried.vm,
           queried.anon - before.anon, t3 - t2, t4 - t3, checksum);
    vajra_hits_clear(&hits);
    vajra_morphism_unref(lex);
    vajra_morphism_unref(vec);
    vajra_collection_free(c);
    vajra_docset_free(qs);
    vajra_matrix_f32_clear(&qv);
    vajra_registry_free(reg);
    return 0;
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
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    if (reps < 1)
        reps = 1;

    VajraError err = {0};
    VajraDocSet *docs = NULL;
    VajraMatrixF32 vecs = {0};
    char *p = data_file("corpus.jsonl");
    if (vajra_docset_read_jsonl(p, NULL, &docs, &err) != VAJRA_OK)
        die(p, &err);
    g_free(p);
    p = data_file("lsa384.docs50k.f16.npy");
    if (vajra_npy_read_f32(p, &vecs, &err) != VAJRA_OK)
        die(p, &err);
    g_free(p);
    if (vajra_docset_count(docs) < N_DOCS || vecs.rows != N_DOCS)
        die("unexpected data sizes", NULL);

    /* The first 50k documents with their vectors: copy the documents, attach row i to doc i. */
    VajraDocument *batch_docs = malloc(N_DOCS * sizeof *batch_docs);
    for (size_t i = 0; i < N_DOCS; i++) {
        batch_docs[i] = *vajra_docset_doc(docs, i);
        batch_docs[i].vector = vecs.data + i * vecs.dim;
        batch_docs[i].dim = (uint32_t)vecs.dim;
    }
    VajraDocBatch batch = {batch_docs, N_DOCS};

    VajraRegistry *reg = NULL;
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK)
        die("registry", &err);
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "fast", .threads = 2};
    VajraCollection *c = NULL;
    double t0 = now_ms();
    if (vajra_collection_create(reg, &o, &c, &err) != VAJRA_OK ||
        vajra_collection_add(c, &batch, &err) != VAJRA_OK ||
        vajra_collection_commit(c, &err) != VAJRA_OK)
        die("build", &err);
    double build_ms = now_ms() - t0;

    char *dir = g_dir_make_tmp("vajra-bench-coll-XXXXXX", NULL);
    char *path = g_build_filename(dir, "wordnet50k.vjr", NULL);
    double *save_ms = calloc((size_t)reps, sizeof *save_ms);
    for (int r = 0; r < reps; r++) {
        double s0 = now_ms();
        if (vajra_collection_save(c, path, "storage-file", &err) != VAJRA_OK)
            die("save", &err);
        save_ms[r] = now_ms() - s0;
    }
    qsort(save_ms, (size_t)reps, sizeof *save_ms, cmp_double);
    GStatBuf st;
    g_stat(path, &st);
    printf("wordnet 50k collection (lexical-bm25 + vector-hnsw fast, 384-d): built in %.1f s "
           "(2 threads); file %.1f MB\n",
           build_ms / 1e3, st.st_size / 1e6);
    printf("save (storage-file writer, atomic): median %.1f ms, min %.1f ms\n", save_ms[reps / 2],
           save_ms[0]);
    printf("%-13s %9s %11s %11s %10s %10s %12s %12s %9s %9s\n", "plugin", "open ms", "RSS before",
           "RSS opened", "+anon kB", "+file kB", "RSS queried", "+anon q kB", "lex ms", "vec ms");
    const char *plugins[] = {"storage-file", "storage-mmap"};
    for (int pi = 0; pi < 2; pi++) {
        double *open_ms = calloc((size_t)reps, sizeof *open_ms);
        long before = 0, opened = 0, anon = 0, file = 0, queried = 0, anon_q = 0;
        double lex_ms = 0, vec_ms = 0, sum = 0;
        for (int r = 0; r < reps; r++) {
            char *out = NULL;
            int status = 0;
            char *argv_child[] = {"/proc/self/exe", "--open", (char *)plugins[pi], path, NULL};
            GError *gerr = NULL;
            if (!g_spawn_sync(NULL, argv_child, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                              &status, &gerr) ||
                status != 0) {
                fprintf(stderr, "child failed: %s\n", gerr ? gerr->message : "exit status");
                return 1;
            }
            sscanf(out, "%lf %ld %ld %ld %ld %ld %ld %lf %lf %lf", &open_ms[r], &before, &opened,
                   &anon, &file, &queried, &anon_q, &lex_ms, &vec_ms, &sum);
            g_free(out);
        }
        qsort(open_ms, (size_t)reps, sizeof *open_ms, cmp_double);
        printf("%-13s %9.1f %8ld kB %8ld kB %10ld %10ld %9ld kB %12ld %9.1f %9.1f\n", plugins[pi],
               open_ms[reps / 2], before, opened, anon, file, queried, anon_q, lex_ms, vec_ms);
        free(open_ms);
    }
    printf("(open: median of %d fresh processes, warm page cache; lex/vec ms: 1,000 queries each, "
           "k=10, first run after open; other columns from the last process)\n",
           reps);

    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    free(save_ms);
    free(batch_docs);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    vajra_docset_free(docs);
    vajra_matrix_f32_clear(&vecs);
    return 0;
}
