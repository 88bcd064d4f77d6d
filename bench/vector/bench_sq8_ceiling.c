/* bench-sq8-ceiling: how much recall@10 8-bit scalar codes can keep at all, graph aside.
 *
 *   bench-sq8-ceiling [--set wordnet|glove] [--n 50000] [--queries 300]
 *
 * Every base row is encoded with vajra_sq8_encode under one range rule, every query scores every
 * decoded row (an exact scan: no HNSW), and the best 10 by the quantised score are counted
 * against the ground truth with exact scores for the tie rule (vecset_recall_exact); "rerankR"
 * re-scores the best R by the quantised score exactly and keeps 10 — the most a re-rank of R
 * candidates can recover. Range rules: minmax (vajra_sq8_ranges, the index's rule), clip P
 * (per-dimension P / 100−P percentiles instead of min/max: the tails are clamped), and
 * minmax+gain (scores times the row's norm gain, vajra_sq8_gain, as the HNSW index keeps under
 * IP/cosine: the error along the row removed). Figures in docs/vector.md,
 * "Quantised vectors". IP sets only. Run under `flock /tmp/vajra-heavy.lock`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv)
{
    const char *set = "wordnet";
    long n = 50000, nq_max = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--set")) set = argv[i + 1];
        else if (!strcmp(argv[i], "--n")) n = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--queries")) nq_max = atol(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    VecSet v;
    if (vecset_load(&v, set, (size_t)n) != 0)
        return 1;
    size_t nq = v.queries.rows < (size_t)nq_max ? v.queries.rows : (size_t)nq_max;
    printf("# set %s, n %ld, %zu queries: recall@10 of the exact scan on sq8 codes\n", set, n, nq);
    printf("%-14s %8s %8s %8s %8s\n", "rule", "sq8", "rerank20", "rerank40", "rerank64");
    run_rule(&v, nq, "minmax", 0, 0);
    run_rule(&v, nq, "clip 0.01%", 0.01, 0);
    run_rule(&v, nq, "clip 0.1%", 0.1, 0);
    run_rule(&v, nq, "minmax+gain", 0, 1);
    vecset_clear(&v);
    return 0;
}
