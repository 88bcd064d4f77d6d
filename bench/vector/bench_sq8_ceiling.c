/* bench-sq8-ceiling: how much recall@10 8-bit scalar codes can keep at all, graph aside.
 *
 *   bench-sq8-ceiling [--set wordnet|glove] [--n 50000] [--queries 300]
 *                     [--table all|ranges|study]
 *
 * Every base row is encoded with vajra_sq8_encode under one range rule, every query scores every
 * decoded row (an exact scan: no HNSW), and the best 10 by the quantised score are counted
 * against the ground truth with exact scores for the tie rule (vecset_recall_exact); "rerankR"
 * re-scores the best R by the quantised score exactly and keeps 10 — the most a re-rank of R
 * candidates can recover. Range rules: minmax (vajra_sq8_ranges, the index's rule), clip P
 * (per-dimension P / 100−P percentiles instead of min/max: the tails are clamped), and
 * minmax+gain (scores times the row's norm gain, vajra_sq8_gain, as the HNSW index keeps under
 * IP/cosine: the error along the row removed). Figures in docs/vector.md,
 * "Quantised vectors". IP sets only. Run under `flock /tmp/vajra-heavy.lock`.
 *
 * The second table (`--table study`; both by default) asks what issue 17 item 4 would need
 * within 1.2 bytes per dimension: a fixed orthogonal rotation of rows and queries before the
 * ranges (dense: Gaussian + modified Gram-Schmidt; fast: sign flips + block Walsh-Hadamard), a
 * 9th bit per component, and an 8-bit walk re-ranked by the 9-bit reconstruction. See
 * study_transform for the rules and their columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vajra/quant.h"
#include "vector_fixture.h"

#define DEPTH 64

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Per-dimension ranges from the P and 100−P percentiles of each column (P = 0: min/max). */
static void clipped_ranges(const float *rows, size_t n, size_t dim, double pct, float *lo,
                           float *scale)
{
    float *col = malloc(sizeof(float) * n);
    size_t cut = (size_t)(pct / 100.0 * (double)(n - 1));
    for (size_t j = 0; j < dim; j++) {
        for (size_t i = 0; i < n; i++)
            col[i] = rows[i * dim + j];
        qsort(col, n, sizeof(float), cmp_float);
        lo[j] = col[cut];
        scale[j] = (col[n - 1 - cut] - col[cut]) / 255.0f;
    }
    free(col);
}

/* Insert (score, doc) into the best-first list top[0..*m) of at most DEPTH. */
static void keep_best(VajraHit *top, size_t *m, uint32_t doc, float score)
{
    if (*m == DEPTH && score <= top[DEPTH - 1].score)
        return;
    size_t k = *m < DEPTH ? (*m)++ : DEPTH - 1;
    for (; k > 0 && top[k - 1].score < score; k--)
        top[k] = top[k - 1];
    top[k] = (VajraHit){doc, score};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_hit_desc(const void *a, const void *b)
{
    float x = ((const VajraHit *)a)->score, y = ((const VajraHit *)b)->score;
    return x > y ? -1 : x < y;
}

static void run_rule(const VecSet *v, size_t nq, const char *name, double pct, int norm)
{
    size_t n = v->base.rows, dim = v->base.dim;
    float *lo = malloc(sizeof(float) * dim), *scale = malloc(sizeof(float) * dim);
    float *dec = malloc(sizeof(float) * n * dim), *gain = malloc(sizeof(float) * n);
    uint8_t *code = malloc(dim);
    if (pct > 0)
        clipped_ranges(v->base.data, n, dim, pct, lo, scale);
    else
        (void)vajra_sq8_ranges(v->base.data, n, (uint32_t)dim, lo, scale, NULL);
    for (size_t i = 0; i < n; i++) {
        vajra_sq8_encode(v->base.data + i * dim, (uint32_t)dim, lo, scale, code);
        vajra_sq8_decode(code, (uint32_t)dim, lo, scale, dec + i * dim);
        gain[i] = norm ? vajra_sq8_gain(v->base.data + i * dim, code, (uint32_t)dim, lo, scale)
                       : 1.0f;
    }
    static const size_t depths[] = {10, 20, 40, 64};
    double recall[4] = {0};
    VajraHit top[DEPTH], ex[DEPTH];
    for (size_t q = 0; q < nq; q++) {
        const float *qv = v->queries.data + q * dim;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            float s = 0;
            for (size_t j = 0; j < dim; j++)
                s += qv[j] * dec[i * dim + j];
            keep_best(top, &m, (uint32_t)i, s * gain[i]);
        }
        for (int d = 0; d < 4; d++) {
            size_t r = depths[d] < m ? depths[d] : m;
            for (size_t i = 0; i < r; i++) {
                const float *row = v->base.data + (size_t)top[i].doc * dim;
                double dot = 0;
                for (size_t j = 0; j < dim; j++)
                    dot += (double)qv[j] * row[j];
                ex[i] = (VajraHit){top[i].doc, d == 0 ? top[i].score : (float)dot};
            }
            qsort(ex, r, sizeof(VajraHit), cmp_hit_desc); /* stable enough: ties count alike */
            VajraHits hits = {.items = ex, .count = r < 10 ? r : 10};
            recall[d] += vecset_recall_exact(v, q, &hits, 10);
        }
    }
    printf("%-14s %8.4f %8.4f %8.4f %8.4f\n", name, recall[0] / nq, recall[1] / nq,
           recall[2] / nq, recall[3] / nq);
    fflush(stdout);
    free(lo), free(scale), free(dec), free(gain), free(code);
}


/* ---- The rotation / 9-bit study (second table) ---------------------------------------------- */

/* Dot product with 8 partial sums: the compiler vectorises it at -O2, which keeps the study's
 * many full scans affordable; every new rule (f32 included) scores through it. */
static float dot8(const float *a, const float *b, size_t dim)
{
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= dim; j += 8)
        for (int l = 0; l < 8; l++)
            acc[l] += a[j + l] * b[j + l];
    for (; j < dim; j++)
        acc[0] += a[j] * b[j];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* splitmix64: a seeded, platform-independent stream for the rotations. */
static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) /* in (0, 1) */
{
    return ((double)(mix64(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* A dim x dim orthogonal matrix, row-major (rotated x = R x): Gaussian entries (Box-Muller),
 * rows orthonormalised by modified Gram-Schmidt in double. */
static float *dense_rotation(size_t dim, uint64_t seed)
{
    double *a = malloc(sizeof(double) * dim * dim);
    uint64_t s = seed;
    for (size_t i = 0; i < dim * dim; i++)
        a[i] = sqrt(-2.0 * log(uniform01(&s))) * cos(6.283185307179586 * uniform01(&s));
    for (size_t i = 0; i < dim; i++) {
        double *ri = a + i * dim;
        for (size_t k = 0; k < i; k++) {
            const double *rk = a + k * dim;
            double d = 0;
            for (size_t j = 0; j < dim; j++)
                d += ri[j] * rk[j];
            for (size_t j = 0; j < dim; j++)
                ri[j] -= d * rk[j];
        }
        double nn = 0;
        for (size_t j = 0; j < dim; j++)
            nn += ri[j] * ri[j];
        nn = 1.0 / sqrt(nn);
        for (size_t j = 0; j < dim; j++)
            ri[j] *= nn;
    }
    float *r = malloc(sizeof(float) * dim * dim);
    for (size_t i = 0; i < dim * dim; i++)
        r[i] = (float)a[i];
    free(a);
    return r;
}

static void dense_apply(const float *r, const float *x, size_t dim, float *out)
{
    for (size_t i = 0; i < dim; i++)
        out[i] = dot8(r + i * dim, x, dim);
}

/* The fast rotation: `passes` rounds of (random sign flips over all dims, then an orthonormal
 * Walsh-Hadamard transform on a block of B = the largest power of two <= dim). The blocks
 * alternate [0, B) and [dim - B, dim) so that for dim not a power of two (384 = 256 + 128,
 * 100 = 64 + 36) every pass after the first mixes the tail into the head; each step is
 * orthogonal, so inner products are kept. 3 passes: every output depends on every input. */
typedef struct FastRot {
    size_t dim, block, passes;
    float *signs; /* passes x dim, each ±1 */
} FastRot;

static FastRot fast_rotation(size_t dim, size_t passes, uint64_t seed)
{
    FastRot f = {dim, 1, passes, malloc(sizeof(float) * passes * dim)};
    while (f.block * 2 <= dim)
        f.block *= 2;
    uint64_t s = seed;
    for (size_t i = 0; i < passes * dim; i++)
        f.signs[i] = (mix64(&s) >> 63) ? -1.0f : 1.0f;
    return f;
}

static void fast_apply(const FastRot *f, const float *x, float *out)
{
    size_t dim = f->dim, b = f->block;
    float norm = 1.0f / sqrtf((float)b);
    memcpy(out, x, sizeof(float) * dim);
    for (size_t p = 0; p < f->passes; p++) {
        for (size_t j = 0; j < dim; j++)
            out[j] *= f->signs[p * dim + j];
        float *v = out + (p % 2 ? dim - b : 0);
        for (size_t h = 1; h < b; h *= 2)
            for (size_t i = 0; i < b; i += 2 * h)
                for (size_t j = i; j < i + h; j++) {
                    float u = v[j], w = v[j + h];
                    v[j] = u + w, v[j + h] = u - w;
                }
        for (size_t j = 0; j < b; j++)
            v[j] *= norm;
    }
}

/* How rows and queries are transformed before encoding: none, dense R, or the fast rotation. */
typedef struct Transform {
    const char *name;
    const float *dense;  /* dim x dim, or NULL */
    const FastRot *fast; /* or NULL */
    double pct;          /* ranges at pct / 100 - pct percentiles (clipped_ranges); 0: min/max */
} Transform;

static void transform_apply(const Transform *t, const float *x, size_t dim, float *out)
{
    if (t->dense)
        dense_apply(t->dense, x, dim, out);
    else if (t->fast)
        fast_apply(t->fast, x, out);
    else
        memcpy(out, x, sizeof(float) * dim);
}

static float norm_gain(const float *x, const float *dec, size_t dim)
{
    double xx = 0, dd = 0;
    for (size_t j = 0; j < dim; j++)
        xx += (double)x[j] * x[j], dd += (double)dec[j] * dec[j];
    return dd > 0 ? (float)sqrt(xx / dd) : 1.0f;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Recall@10 of the first min(10, m) of top (sorted best first) with the exact tie rule. */
static double recall10(const VecSet *v, size_t q, const VajraHit *top, size_t m)
{
    VajraHit tmp[10];
    size_t r = m < 10 ? m : 10;
    memcpy(tmp, top, sizeof(VajraHit) * r);
    VajraHits hits = {.items = tmp, .count = r};
    return vecset_recall_exact(v, q, &hits, 10);
}

/* Re-score the best R of top by score(doc) and return recall@10 of the best 10 of them. */
static double rerank10(const VecSet *v, size_t q, const VajraHit *top, size_t m, size_t r,
                       const float *qv, const float *rows, const float *gain, size_t dim)
{
    VajraHit ex[DEPTH];
    r = r < m ? r : m;
    for (size_t i = 0; i < r; i++) {
        size_t d = top[i].doc;
        ex[i] = (VajraHit){top[i].doc, dot8(qv, rows + d * dim, dim) * (gain ? gain[d] : 1.0f)};
    }
    qsort(ex, r, sizeof(VajraHit), cmp_hit_desc);
    return recall10(v, q, ex, r);
}

enum { C_SQ8, C_SQ8G, C_SQ9G, C_SQ9GRID, C_SQ10G, C_RR20, C_RR64, C_F32RR20, C_COUNT };

/* One transform, all its columns from one scan per query:
 *   sq8        8-bit codes over per-dimension min/max ranges of the transformed rows, no gain;
 *   sq8+g      the same, score x norm gain (vajra_sq8_gain, in the transformed space);
 *   sq9+g      8-bit code plus one residual bit: the bit says on which side of the 8-bit
 *              value the component lies, read back as value ± scale/4 (max error scale/4, as
 *              a 9-bit grid with half the step; 1.125 B/dim), times its own norm gain;
 *   9grid+g    a plain 9-bit code, 511 steps over the same min/max range, times its gain
 *              (checks that the residual form loses nothing against a true 9-bit grid);
 *   sq10+g     two residual bits (value + (2b - 3)·scale/8, b = 0..3: a grid of quarter steps;
 *              1.25 B/dim, over the 1.2 budget): where a further bit would take the loss;
 *   8>9 rr20/64  the best R by sq8+g re-scored by sq9+g, best 10 kept (walk on 8 bits,
 *              rerank on the 9th: the residual bits are read for R rows only);
 *   8>f32 rr20 the best 20 by sq8+g re-scored exactly (the first table's rerank20).
 * Prints the recall of each column, the mean time to transform one query inside the scan
 * loop (the matrix is cold there, as it would be between graph walks; time_rotations times it
 * warm), the largest change of an inner product by the transform over 16 rows per query
 * (float rounding only when orthogonal), and sse8 = the sum over all rows of the squared
 * 8-bit code error (no gain). */
static void study_transform(const VecSet *v, size_t nq, const Transform *t)
{
    size_t n = v->base.rows, dim = v->base.dim;
    float *rot = calloc(n * dim, sizeof(float)), *lo = malloc(sizeof(float) * dim),
          *scale = malloc(sizeof(float) * dim);
    float *dec8 = malloc(sizeof(float) * n * dim), *dec9 = malloc(sizeof(float) * n * dim),
          *decg = malloc(sizeof(float) * n * dim), *dec10 = malloc(sizeof(float) * n * dim);
    float *g8 = malloc(sizeof(float) * n), *g9 = malloc(sizeof(float) * n),
          *gg = malloc(sizeof(float) * n), *g10 = malloc(sizeof(float) * n);
    uint8_t *code = malloc(dim);
    for (size_t i = 0; i < n; i++)
        transform_apply(t, v->base.data + i * dim, dim, rot + i * dim);
    if (t->pct > 0)
        clipped_ranges(rot, n, dim, t->pct, lo, scale);
    else
        (void)vajra_sq8_ranges(rot, n, (uint32_t)dim, lo, scale, NULL);
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = rot + i * dim;
        float *d8 = dec8 + i * dim, *d9 = dec9 + i * dim, *dg = decg + i * dim,
              *d10 = dec10 + i * dim;
        vajra_sq8_encode(x, (uint32_t)dim, lo, scale, code);
        vajra_sq8_decode(code, (uint32_t)dim, lo, scale, d8);
        g8[i] = vajra_sq8_gain(x, code, (uint32_t)dim, lo, scale);
        for (size_t j = 0; j < dim; j++) {
            d9[j] = d8[j] + (x[j] >= d8[j] ? 0.25f : -0.25f) * scale[j];
            float s9 = scale[j] * 255.0f / 511.0f;
            float c = s9 > 0 ? roundf((x[j] - lo[j]) / s9) : 0.0f;
            c = c < 0 ? 0 : c > 511 ? 511 : c;
            dg[j] = lo[j] + s9 * c;
            float b = scale[j] > 0 ? floorf((x[j] - d8[j]) / scale[j] * 4.0f + 2.0f) : 0.0f;
            b = b < 0 ? 0 : b > 3 ? 3 : b;
            d10[j] = d8[j] + (2.0f * b - 3.0f) * 0.125f * scale[j];
        }
        for (size_t j = 0; j < dim; j++)
            sse += ((double)x[j] - d8[j]) * ((double)x[j] - d8[j]);
        g9[i] = norm_gain(x, d9, dim);
        g10[i] = norm_gain(x, d10, dim);
        gg[i] = norm_gain(x, dg, dim);
    }
    double recall[C_COUNT] = {0}, trans_s = 0, ip_err = 0;
    float *qr = malloc(sizeof(float) * dim);
    VajraHit top[5][DEPTH];
    for (size_t q = 0; q < nq; q++) {
        const float *qv = v->queries.data + q * dim;
        double t0 = now_s();
        transform_apply(t, qv, dim, qr);
        trans_s += now_s() - t0;
        for (size_t i = 0; i < 16; i++) { /* the transform keeps inner products (orthogonal) */
            double e = fabs((double)dot8(qr, rot + i * dim, dim) -
                            (double)dot8(qv, v->base.data + i * dim, dim));
            ip_err = e > ip_err ? e : ip_err;
        }
        size_t m[5] = {0};
        for (size_t i = 0; i < n; i++) {
            float s8 = dot8(qr, dec8 + i * dim, dim);
            keep_best(top[0], &m[0], (uint32_t)i, s8);
            keep_best(top[1], &m[1], (uint32_t)i, s8 * g8[i]);
            keep_best(top[2], &m[2], (uint32_t)i, dot8(qr, dec9 + i * dim, dim) * g9[i]);
            keep_best(top[3], &m[3], (uint32_t)i, dot8(qr, decg + i * dim, dim) * gg[i]);
            keep_best(top[4], &m[4], (uint32_t)i, dot8(qr, dec10 + i * dim, dim) * g10[i]);
        }
        for (int c = 0; c < 5; c++)
            recall[c] += recall10(v, q, top[c], m[c]);
        recall[C_RR20] += rerank10(v, q, top[1], m[1], 20, qr, dec9, g9, dim);
        recall[C_RR64] += rerank10(v, q, top[1], m[1], 64, qr, dec9, g9, dim);
        recall[C_F32RR20] += rerank10(v, q, top[1], m[1], 20, qr, rot, NULL, dim);
    }
    printf("%-13s", t->name);
    for (int c = 0; c < C_COUNT; c++)
        printf(" %9.4f", recall[c] / (double)nq);
    printf(" %9.2f %8.1e %7.3f\n", 1e6 * trans_s / (double)nq, ip_err, sse);
    fflush(stdout);
    free(rot), free(lo), free(scale), free(dec8), free(dec9), free(decg);
    free(g8), free(g9), free(gg), free(code), free(qr), free(dec10), free(g10);
}

/* The f32 exact scan through dot8, as the reference the study's losses are taken against. */
static double f32_exact_recall(const VecSet *v, size_t nq)
{
    size_t n = v->base.rows, dim = v->base.dim;
    double sum = 0;
    VajraHit top[DEPTH];
    for (size_t q = 0; q < nq; q++) {
        const float *qv = v->queries.data + q * dim;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            keep_best(top, &m, (uint32_t)i, dot8(qv, v->base.data + i * dim, dim));
        sum += recall10(v, q, top, m);
    }
    return sum / (double)nq;
}

/* Median time of one query rotation (dense and fast), over 5 rounds of all nq queries. */
static void time_rotations(const VecSet *v, size_t nq, const float *dense, const FastRot *fast3,
                           const FastRot *fast2)
{
    size_t dim = v->base.dim;
    float *out = malloc(sizeof(float) * dim);
    const char *names[3] = {"dense", "fast 2-pass", "fast 3-pass"};
    double med[3];
    volatile float sink = 0;
    for (int k = 0; k < 3; k++) {
        double runs[5];
        for (int r = 0; r < 5; r++) {
            double t0 = now_s();
            for (size_t q = 0; q < nq; q++) {
                const float *qv = v->queries.data + q * dim;
                if (k == 0)
                    dense_apply(dense, qv, dim, out);
                else
                    fast_apply(k == 1 ? fast2 : fast3, qv, out);
                sink += out[q % dim];
            }
            runs[r] = (now_s() - t0) / (double)nq;
        }
        qsort(runs, 5, sizeof(double), cmp_double);
        med[k] = runs[2];
    }
    printf("# rotation of one query (median of 5 rounds over %zu queries): %s %.2f us, %s "
           "%.3f us, %s %.3f us\n",
           nq, names[0], 1e6 * med[0], names[1], 1e6 * med[1], names[2], 1e6 * med[2]);
    (void)sink;
    free(out);
}

static void run_study(const VecSet *v, size_t nq)
{
    size_t dim = v->base.dim;
    float *dense = dense_rotation(dim, 17);
    FastRot fast2 = fast_rotation(dim, 2, 23), fast3 = fast_rotation(dim, 3, 23);
    printf("# f32 exact scan recall@10: %.4f\n", f32_exact_recall(v, nq));
    time_rotations(v, nq, dense, &fast3, &fast2);
    printf("%-13s %9s %9s %9s %9s %9s %9s %9s %9s %9s %8s %7s\n", "transform", "sq8", "sq8+g",
           "sq9+g", "9grid+g", "sq10+g", "8>9rr20", "8>9rr64", "8>f32rr20", "us/query",
           "max|dIP|", "sse8");
    /* Clipping the tails lost recall on the raw rows (first table); after a rotation the
     * true neighbours' large components are spread over all dimensions, so try it there. */
    const Transform ts[] = {
        {"none", NULL, NULL, 0},           {"dense", dense, NULL, 0},
        {"fast2", NULL, &fast2, 0},        {"fast3", NULL, &fast3, 0},
        {"dense clip.01", dense, NULL, 0.01}, {"dense clip.1", dense, NULL, 0.1},
        {"fast3 clip.01", NULL, &fast3, 0.01}};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        study_transform(v, nq, &ts[i]);
    free(dense), free(fast2.signs), free(fast3.signs);
}

int main(int argc, char **argv)
{
    const char *set = "wordnet";
    const char *table = "all";
    long n = 50000, nq_max = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--set")) set = argv[i + 1];
        else if (!strcmp(argv[i], "--n")) n = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--queries")) nq_max = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--table")) table = argv[i + 1];
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    VecSet v;
    if (vecset_load(&v, set, (size_t)n) != 0)
        return 1;
    size_t nq = v.queries.rows < (size_t)nq_max ? v.queries.rows : (size_t)nq_max;
    printf("# set %s, n %ld, %zu queries: recall@10 of the exact scan on sq8 codes\n", set, n, nq);
    if (strcmp(table, "study") != 0) {
        printf("%-14s %8s %8s %8s %8s\n", "rule", "sq8", "rerank20", "rerank40", "rerank64");
        run_rule(&v, nq, "minmax", 0, 0);
        run_rule(&v, nq, "clip 0.01%", 0.01, 0);
        run_rule(&v, nq, "clip 0.1%", 0.1, 0);
        run_rule(&v, nq, "minmax+gain", 0, 1);
    }
    if (strcmp(table, "ranges") != 0)
        run_study(&v, nq);
    vecset_clear(&v);
    return 0;
}
