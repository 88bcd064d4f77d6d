/* bench-py-call INDEX QVECS.npy K EF REPS TEXT
 *
 * The C side of bench/python's per-call overhead: the same single-query searches the Python
 * package makes, called directly, timed as median nanoseconds per call over 7 rounds of REPS
 * calls (one query, repeated: the cost of the call, not of cache misses). Prints one JSON object:
 *   hnsw_ns      the vector plugin's search on the collection's HNSW index (= HNSWIndex.search)
 *   vector_ns    vajra_searcher_search, vector mode (= Collection.search(vector=q))
 *   lexical_ns   vajra_searcher_search, lexical mode (= Collection.search(text))
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vajra/vajra.h"

#define ROUNDS 7

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, ROUNDS, sizeof *v, cmp_double);
    return v[ROUNDS / 2];
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: bench-py-call INDEX QVECS.npy K EF REPS TEXT\n");
        return 2;
    }
    uint32_t k = (uint32_t)atoi(argv[3]), ef = (uint32_t)atoi(argv[4]);
    long reps = atol(argv[5]);
    VajraError err = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    VajraMatrixF32 qv = {0};
    VajraSearcher *s = NULL;
    if (vajra_registry_new(NULL, &reg, &err) || vajra_collection_open(reg, argv[1], NULL, &c, &err) ||
        vajra_npy_read_f32(argv[2], &qv, &err) || vajra_searcher_new(c, &s, &err)) {
        fprintf(stderr, "bench-py-call: %s\n", err.message);
        return 1;
    }
    const VajraVectorIndex *index = NULL;
    const VajraVectorVtable *vt = vajra_collection_vector(c, &index);
    VajraVectorSearch *ctx = NULL;
    if (vt == NULL || index == NULL || vt->search_new(index, &ctx, &err) != VAJRA_OK) {
        fprintf(stderr, "bench-py-call: no single-segment vector index\n");
        return 1;
    }
    VajraVectorQuery q = {qv.data, (uint32_t)qv.dim, k};
    VajraHits hits = {0};
    VajraResults res = {0};
    VajraSearchRequest vreq = {.struct_size = sizeof vreq, .mode = VAJRA_MODE_VECTOR,
                               .vector = qv.data, .dim = (uint32_t)qv.dim, .k = k, .ef = ef};
    VajraSearchRequest lreq = {.struct_size = sizeof lreq, .mode = VAJRA_MODE_LEXICAL,
                               .text = argv[6], .k = k};
    double t[3][ROUNDS];
    vajra_status st = VAJRA_OK;
    for (int r = 0; r < ROUNDS + 1; r++) { /* round 0 warms up */
        double t0 = now_ns();
        for (long i = 0; i < reps; i++)
            st |= vt->search(index, ctx, &q, ef, &hits, &err);
        double t1 = now_ns();
        for (long i = 0; i < reps; i++)
            st |= vajra_searcher_search(s, &vreq, &res, &err);
        double t2 = now_ns();
        for (long i = 0; i < reps; i++)
            st |= vajra_searcher_search(s, &lreq, &res, &err);
        double t3 = now_ns();
        if (r > 0) {
            t[0][r - 1] = (t1 - t0) / (double)reps;
            t[1][r - 1] = (t2 - t1) / (double)reps;
            t[2][r - 1] = (t3 - t2) / (double)reps;
        }
    }
    if (st != VAJRA_OK) {
        fprintf(stderr, "bench-py-call: a search failed: %s\n", err.message);
        return 1;
    }
    printf("{\"hnsw_ns\": %.1f, \"vector_ns\": %.1f, \"lexical_ns\": %.1f}\n", median(t[0]),
           median(t[1]), median(t[2]));
    vajra_results_clear(&res);
    vajra_hits_clear(&hits);
    vt->search_free(ctx);
    vajra_searcher_free(s);
    vajra_matrix_f32_clear(&qv);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    return 0;
}
