/* Resource benchmark: index and search the first 50,000 WordNet documents (text + LSA-384
 * vectors) and report the peak resident set size. Fails (exit 1) when the peak exceeds the
 * stated bound, so a memory regression shows up as a failed benchmark.
 *
 *     bench-resources [DATA_DIR]        (default $VAJRA_DATA_DIR)
 *     VAJRA_RSS_BOUND_MB=N              override the bound (default below)
 *
 * The bound, 400 MiB, is derived from what must be in memory at the peak (during the build, all
 * input still loaded), not measured and padded:
 *   input vectors as float32        50,000 × 384 × 4  =  76.8 MB
 *   the HNSW copy of them (stride padded to 64 bytes)      76.8 MB
 *   HNSW links, level 0: 2M = 32 ids × 4 B × 50k  = 6.4 MB (upper levels ~ 1/M of that)
 *   the whole WordNet JSONL parsed (116,659 docs, 16.5 MB file) ~ 2-3 × the file  ≤ 50 MB
 *   the lexical index of 50k short glosses (postings, dictionary, ids, titles)     ≤ 60 MB
 *   libraries, sanitizer-free heap slack, the float16 file read buffer (38.4 MB)
 * i.e. at most ~ 310 MB of data; the bound adds ~30% for allocator growth (array doubling,
 * per-thread build scratch). (Measured on the 2-core reference machine: 274 MiB.) Measured figures are printed per phase (current RSS from /proc/self/statm,
 * peak from getrusage). See docs/reliability.md for the last run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vajra/collection.h"
#include "vajra/fusion.h"
#include "vajra/io.h"
#include "vajra/morphism.h"
#include "vajra/registry.h"

#define N_DOCS 50000
#define DEFAULT_BOUND_MB 400

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double current_rss_mb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return (double)rss * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static void phase(const char *name, double seconds)
{
    printf("%-28s %8.2f s   rss %7.1f MiB   peak %7.1f MiB\n", name, seconds, current_rss_mb(),
           peak_rss_mb());
    fflush(stdout);
}

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "bench-resources: %s: %s\n", what, err->message);
    exit(2);
}

/* Every query through each retriever once; returns the seconds taken. */
static double search_all(VajraCollection *c, VajraDocSet *queries, const VajraMatrixF32 *qv)
{
    VajraError err = {0};
    VajraMorphism *lex, *vec, *hyb, *fuse;
    if (vajra_collection_lexical_retriever(c, &lex, &err) != VAJRA_OK ||
        vajra_collection_vector_retriever(c, 0, &vec, &err) != VAJRA_OK ||
        vajra_fusion_rrf(60, 10, &fuse, &err) != VAJRA_OK ||
        vajra_collection_hybrid_retriever(c, fuse, 0, &hyb, &err) != VAJRA_OK)
        die("retrievers", &err);
    VajraProduct *hq;
    if (vajra_value_new(vajra_type_hybrid_query(), (void **)&hq, &err) != VAJRA_OK)
        die("hybrid query", &err);
    VajraHits out = {0};
    double t0 = now();
    size_t found = 0;
    for (size_t i = 0; i < vajra_docset_count(queries); i++) {
        const VajraDocument *d = vajra_docset_doc(queries, i);
        VajraTextQuery tq = {d->text, 10};
        VajraVectorQuery vq = {qv->data + i * qv->dim, (uint32_t)qv->dim, 10};
        if (vajra_morphism_apply(lex, &tq, &out, &err) != VAJRA_OK)
            die("lexical search", &err);
        found += out.count;
        if (vajra_morphism_apply(vec, &vq, &out, &err) != VAJRA_OK)
            die("vector search", &err);
        found += out.count;
        *(VajraTextQuery *)hq->first = (VajraTextQuery){d->text, 50};
        *(VajraVectorQuery *)hq->second = (VajraVectorQuery){vq.values, vq.dim, 50};
        if (vajra_morphism_apply(hyb, hq, &out, &err) != VAJRA_OK)
            die("hybrid search", &err);
        found += out.count;
    }
    double t = now() - t0;
    if (found < vajra_docset_count(queries) * 3 * 9) /* nearly every search finds 10 */
        fprintf(stderr, "bench-resources: only %zu hits in all\n", found), exit(2);
    vajra_hits_clear(&out);
    vajra_value_free(vajra_type_hybrid_query(), hq);
    vajra_morphism_unref(lex);
    vajra_morphism_unref(vec);
    vajra_morphism_unref(hyb);
    vajra_morphism_unref(fuse);
    return t;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : getenv("VAJRA_DATA_DIR");
    if (data == NULL) {
        fprintf(stderr, "usage: bench-resources DATA_DIR (or set VAJRA_DATA_DIR)\n");
        return 2;
    }
    const char *b = getenv("VAJRA_RSS_BOUND_MB");
    double bound = b ? atof(b) : DEFAULT_BOUND_MB;
    char path[4096];
    VajraError err = {0};
    phase("start", 0);

    double t0 = now();
    VajraRegistry *reg;
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK)
        die("registry", &err);
    VajraDocSet *corpus, *queries;
    VajraMatrixF32 vecs = {0}, qvecs = {0};
    snprintf(path, sizeof path, "%s/wordnet/corpus.jsonl", data);
    if (vajra_docset_read_jsonl(path, NULL, &corpus, &err) != VAJRA_OK)
        die(path, &err);
    snprintf(path, sizeof path, "%s/wordnet/queries.jsonl", data);
    if (vajra_docset_read_jsonl(path, NULL, &queries, &err) != VAJRA_OK)
        die(path, &err);
    snprintf(path, sizeof path, "%s/wordnet/lsa384.docs50k.f16.npy", data);
    if (vajra_npy_read_f32(path, &vecs, &err) != VAJRA_OK)
        die(path, &err);
    snprintf(path, sizeof path, "%s/wordnet/lsa384.queries.npy", data);
    if (vajra_npy_read_f32(path, &qvecs, &err) != VAJRA_OK)
        die(path, &err);
    if (vecs.rows != N_DOCS || vajra_docset_count(corpus) < N_DOCS)
        fprintf(stderr, "bench-resources: unexpected data sizes\n"), exit(2);
    phase("read inputs", now() - t0);

    /* The first 50k documents with their vectors (the set's documents are borrowed). */
    VajraDocument *docs = malloc(N_DOCS * sizeof *docs);
    for (size_t i = 0; i < N_DOCS; i++) {
        docs[i] = *vajra_docset_doc(corpus, i);
        docs[i].vector = vecs.data + i * vecs.dim;
        docs[i].dim = (uint32_t)vecs.dim;
    }
    VajraCollectionOptions o = {.struct_size = sizeof o, .dim = (uint32_t)vecs.dim,
                                .metric = VAJRA_METRIC_IP, .profile = "fast", .threads = 2};
    VajraCollection *c;
    t0 = now();
    if (vajra_collection_create(reg, &o, &c, &err) != VAJRA_OK)
        die("create", &err);
    for (size_t s = 0; s < N_DOCS; s += 4096) {
        VajraDocBatch batch = {docs + s, N_DOCS - s < 4096 ? N_DOCS - s : 4096};
        if (vajra_collection_add(c, &batch, &err) != VAJRA_OK)
            die("add", &err);
    }
    if (vajra_collection_commit(c, &err) != VAJRA_OK)
        die("commit", &err);
    phase("index 50k (2 threads)", now() - t0);

    phase("search 1000 q x 3 (built)", search_all(c, queries, &qvecs));

    snprintf(path, sizeof path, "/tmp/vajra-bench-resources-%ld.vjr", (long)getpid());
    t0 = now();
    if (vajra_collection_save(c, path, NULL, &err) != VAJRA_OK)
        die("save", &err);
    phase("save", now() - t0);
    vajra_collection_free(c);
    free(docs);
    vajra_matrix_f32_clear(&vecs);
    vajra_docset_free(corpus);
    phase("free build + inputs", 0);

    t0 = now();
    if (vajra_collection_open(reg, path, "storage-mmap", &c, &err) != VAJRA_OK)
        die("open", &err);
    phase("open (mmap)", now() - t0);
    phase("search 1000 q x 3 (opened)", search_all(c, queries, &qvecs));
    vajra_collection_free(c);
    unlink(path);

    double peak = peak_rss_mb();
    printf("peak_rss_mib %.1f bound_mib %.0f %s\n", peak, bound, peak <= bound ? "OK" : "EXCEEDED");
    vajra_docset_free(queries);
    vajra_matrix_f32_clear(&qvecs);
    vajra_registry_free(reg);
    return peak <= bound ? 0 : 1;
}
