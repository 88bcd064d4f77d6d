/* Micro-benchmark: nanoseconds per distance for every kernel variant that can run here, at the
 * dimensions embeddings come in (128, 384, 768, 1536).
 *
 *   dot, l2sq, cosine : one query against 64 rows that stay in L1/L2 (pure arithmetic speed);
 *   dot_gather, l2sq_gather : neighbour lists of 32 random ids into a ~16 MiB matrix, the shape
 *                      of an HNSW expansion (memory and prefetch matter here).
 * Each figure is the median of 7 repetitions of ~10 ms each (calibrated per case). Inputs are
 * uniform random floats from a fixed seed; kernel speed does not depend on the values (no
 * subnormals). Run with `meson test -C <build> --benchmark --suite kernel`, under
 * `flock /tmp/vajra-heavy.lock` on a shared machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vajra/cpu.h"
#include "vajra/kernel.h"
#include "vajra/plugin.h"
#include "vajra/registry.h"

enum { HOT_ROWS = 64, LIST = 32, REPS = 7 };
#define GATHER_BYTES (16u << 20)
#define REP_TARGET_NS 10e6

static const size_t dims[] = {128, 384, 768, 1536};
static const char *const isas[] = {"scalar", "neon", "avx2", "avx512", "avx512vnni"};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state = UINT64_C(0xbe4c4);
static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static float *random_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    float *v = aligned_alloc(64, bytes);
    if (v == NULL) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((double)(rng_next() >> 40) * 0x1p-23 - 1.0);
    return v;
}

typedef enum Op { OP_DOT, OP_L2SQ, OP_COSINE, OP_DOT_GATHER, OP_L2SQ_GATHER, N_OPS } Op;
static const char *const op_names[N_OPS] = {"dot", "l2sq", "cosine", "dot_gather", "l2sq_gather"};

typedef struct Case {
    const VajraKernelOps *k;
    Op op;
    size_t dim;
    const float *q, *hot, *big;
    size_t big_rows;
    const uint32_t *ids; /* big_rows ids: a random permutation, consumed LIST at a time */
} Case;

static volatile float sink; /* keeps results observable */

/* Run `n` distances of the case; returns elapsed ns. */
static double run(const Case *c, size_t n)
{
    float out[LIST], acc = 0.0f;
    double t0 = now_ns();
    if (c->op <= OP_COSINE) {
        float (*f)(const float *, const float *, size_t) =
            c->op == OP_DOT ? c->k->dot : c->op == OP_L2SQ ? c->k->l2sq : c->k->cosine_distance;
        for (size_t i = 0; i < n; i++)
            acc += f(c->q, c->hot + (i % HOT_ROWS) * c->dim, c->dim);
    } else {
        void (*g)(const float *, const float *, size_t, const uint32_t *, size_t, size_t, float *) =
            c->op == OP_DOT_GATHER ? c->k->dot_gather : c->k->l2sq_gather;
        size_t lists = c->big_rows / LIST;
        for (size_t done = 0, l = 0; done < n; done += LIST, l = (l + 1) % lists) {
            g(c->q, c->big, c->dim, c->ids + l * LIST, LIST, c->dim, out);
            acc += out[0];
        }
    }
    double t = now_ns() - t0;
    sink = acc;
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ns_per_distance(const Case *c)
{
    size_t n = LIST;
    while (run(c, n) < REP_TARGET_NS / 8) /* calibrate (also warms caches and clocks) */
        n *= 2;
    n = (size_t)((double)n * REP_TARGET_NS / run(c, n)) / LIST * LIST + LIST;
    double t[REPS];
    for (int r = 0; r < REPS; r++)
        t[r] = run(c, n) / (double)n;
    qsort(t, REPS, sizeof t[0], cmp_double);
    return t[REPS / 2];
}

int main(void)
{
    VajraRegistry *reg = NULL;
    VajraError err = {0};
    if (vajra_registry_new(NULL, &reg, &err) != VAJRA_OK) {
        fprintf(stderr, "bench_kernels: %s\n", err.message);
        return 1;
    }
    char feats[256];
    vajra_cpu_features_describe(vajra_cpu_features(), feats, sizeof feats);
    const VajraKernelOps *chosen = NULL;
    if (vajra_registry_kernel(reg, &chosen, NULL, &err) != VAJRA_OK)
        chosen = NULL;
    printf("CPU features: %s\nchosen kernel: %s\n", feats, chosen ? chosen->isa : "(none)");
    printf("ns per distance, median of %d; dot/l2sq/cosine: 1 query x %d hot rows; "
           "*_gather: lists of %d random ids into a %u MiB matrix\n\n",
           REPS, HOT_ROWS, LIST, GATHER_BYTES >> 20);
    printf("| kernel | dim |");
    for (int o = 0; o < N_OPS; o++)
        printf(" %s |", op_names[o]);
    printf("\n|---|---:|");
    for (int o = 0; o < N_OPS; o++)
        printf("---:|");
    printf("\n");
    fflush(stdout);

    for (size_t v = 0; v < sizeof isas / sizeof isas[0]; v++) {
        char name[32];
        snprintf(name, sizeof name, "kernel-%s", isas[v]);
        VajraPlugin *p = NULL;
        vajra_status st = vajra_registry_load(reg, VAJRA_PLUGIN_KERNEL, name, &p, &err);
        if (st != VAJRA_OK) {
            fprintf(stderr, "%s skipped: %s\n", name, err.message);
            continue;
        }
        const VajraKernelOps *k = vajra_plugin_vtable(p);
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
            size_t dim = dims[d];
            size_t big_rows = GATHER_BYTES / (dim * sizeof(float));
            float *q = random_floats(dim), *hot = random_floats(HOT_ROWS * dim);
            float *big = random_floats(big_rows * dim);
            uint32_t *ids = malloc(big_rows * sizeof *ids);
            if (ids == NULL)
                return 1;
            for (size_t i = 0; i < big_rows; i++)
                ids[i] = (uint32_t)i;
            for (size_t i = big_rows; i > 1; i--) {
                size_t j = rng_next() % i;
                uint32_t t = ids[i - 1];
                ids[i - 1] = ids[j];
                ids[j] = t;
            }
            printf("| %s | %zu |", isas[v], dim);
            for (int o = 0; o < N_OPS; o++) {
                Case c = {k, (Op)o, dim, q, hot, big, big_rows, ids};
                printf(" %.1f |", ns_per_distance(&c));
                fflush(stdout);
            }
            printf("\n");
            free(q);
            free(hot);
            free(big);
            free(ids);
        }
        vajra_plugin_unref(p);
    }
    vajra_registry_free(reg);
    return 0;
}
