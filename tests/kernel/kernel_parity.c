/* Parity cases for distance kernels (see kernel_parity.h for the bounds).
 *
 * Why these bounds. Every op is a sum of n = dim rounded terms. Recursive summation in any order,
 * with products rounded or fused, is within γₙ·S of the exact sum (γₙ = n·u/(1−n·u), u = 2⁻²⁴,
 * S = Σ|terms|; Higham, "Accuracy and Stability of Numerical Algorithms", §3.1 and §4.2). The
 * reference (one accumulator, index order) and a SIMD variant (several lane accumulators) are each
 * within that bound, so they are within 2γₙ·S ≤ (n+1)·FLT_EPSILON·S of each other. A plain
 * relative error |fast − ref|/|ref| would be meaningless under cancellation (ref ≈ 0 while S is
 * huge), and a fixed 1e-5·S against the reference fails legitimately when the *reference* loses
 * small terms to a huge one (kernel_parity_cancellation's absorption case does exactly that).
 * So the variant is held to the tighter 1e-5·S against the exact (double) value instead: a lane
 * accumulator sees about n/L terms (L ≥ 16 lanes) plus a log₂L reduction, ≤ 1e-5 for n ≤ 1536.
 * Subnormal products carry an absolute error of up to FLT_TRUE_MIN/2 each: the dim·FLT_TRUE_MIN
 * floor. The tests fail on a dropped or doubled element, a wrong tail mask, or a lane left out:
 * each of those is an error of the order of one whole term, far above these bounds.
 */
#include "kernel_parity.h"

#include "vajra/quant.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic inputs ---- */

typedef struct Rng {
    uint64_t state;
} Rng;

static uint64_t rng_next(Rng *r) /* splitmix64 */
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [−1, 1), exactly representable (24 random bits). */
static float rng_unit(Rng *r)
{
    return (float)((double)(rng_next(r) >> 40) * 0x1p-23 - 1.0);
}

static void fill(Rng *r, float *v, size_t dim, float scale)
{
    for (size_t i = 0; i < dim; i++)
        v[i] = rng_unit(r) * scale;
}

/* A vector of `dim` floats starting `off` floats into its own allocation and ending exactly at the
 * allocation's end, so any read past v[dim−1] is an ASan error. */
typedef struct Vec {
    float *block;
    float *v;
} Vec;

static Vec vec_new(size_t dim, size_t off)
{
    size_t n = off + dim;
    Vec x;
    x.block = malloc((n ? n : 1) * sizeof(float));
    if (x.block == NULL) {
        fprintf(stderr, "kernel parity: out of memory\n");
        abort(); /* test code: no way to continue */
    }
    x.v = x.block + off;
    return x;
}

static void vec_free(Vec *x) { free(x->block); }

/* The dimensions the scale/cancellation cases sweep: tails of every ISA width, and the sizes the
 * benchmark uses. */
static const size_t sample_dims[] = {1,  2,   3,   4,   5,   7,   8,   9,   15,  16,   17,  31,
                                     32, 33,  47,  63,  64,  65,  100, 127, 128, 129,  255, 257,
                                     384, 511, 513, 767, 768, 1000, 1023, 1024, 1536};
#define N_SAMPLE_DIMS (sizeof sample_dims / sizeof sample_dims[0])

/* ---- comparisons ---- */

static void record_failure(KernelParityReport *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Count a failure; keep the first one's description for the test's message. */
static void record_failure(KernelParityReport *rep, const char *fmt, ...)
{
    rep->failures++;
    if (rep->failures > 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->first_failure, sizeof rep->first_failure, fmt, ap);
    va_end(ap);
}

static void note_margin(KernelParityReport *rep, double error, double bound)
{
    if (bound > 0.0 && error / bound > rep->worst)
        rep->worst = error / bound;
}

#define VALUE_FMT "%s (%s) dim=%zu: fast=%.9g ref=%.9g exact=%.17g S=%.6g bound=%.6g"

/* Shared by dot and l2sq: `exact` and `s` computed in double by the caller. */
static void check_sum(const KernelParityTarget *t, KernelParityReport *rep, const char *op,
                      const char *what, size_t dim, float fast, float ref, double exact, double s)
{
    rep->checks++;
    if (t->fast_is_reference) {
        if (memcmp(&fast, &ref, sizeof fast) != 0)
            record_failure(rep, VALUE_FMT, op, what, dim, fast, ref, exact, s, 0.0);
        return;
    }
    double floor_abs = (double)dim * FLT_TRUE_MIN;
    /* With S ≤ FLT_MAX/2 no partial sum in any order can overflow. */
    if (s <= FLT_MAX / 2 && isfinite(ref) && !isfinite(fast)) {
        record_failure(rep, VALUE_FMT, op, what, dim, fast, ref, exact, s, INFINITY);
        return;
    }
    if (!isfinite(ref))
        return; /* the reference itself overflowed: no finite value to compare */
    double bound_ref = (double)(dim + 1) * FLT_EPSILON * s + floor_abs;
    if (fabs((double)fast - (double)ref) > bound_ref) {
        record_failure(rep, VALUE_FMT, op, what, dim, fast, ref, exact, s, bound_ref);
        return;
    }
    double bound_exact = KERNEL_PARITY_REL_TOL * s + floor_abs;
    note_margin(rep, fabs((double)fast - exact), bound_exact);
    if (fabs((double)fast - exact) > bound_exact)
        record_failure(rep, VALUE_FMT, op, what, dim, fast, ref, exact, s, bound_exact);
}

static void check_dot(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                      const float *a, const float *b, size_t dim)
{
    double exact = 0.0, s = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double p = (double)a[i] * (double)b[i]; /* exact: 24+24 bits fit in 53 */
        exact += p;
        s += fabs(p);
    }
    check_sum(t, rep, "dot", what, dim, t->fast->dot(a, b, dim), t->ref->dot(a, b, dim), exact,
              s);
}

static void check_l2sq(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                       const float *a, const float *b, size_t dim)
{
    double exact = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double d = (double)a[i] - (double)b[i];
        exact += d * d;
    }
    /* All terms are non-negative: S is the exact value itself. */
    check_sum(t, rep, "l2sq", what, dim, t->fast->l2sq(a, b, dim), t->ref->l2sq(a, b, dim), exact,
              exact);
}

/* Cosine inputs must keep a·a and b·b in the normal float range (or be exactly zero). */
static void check_cosine(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                         const float *a, const float *b, size_t dim)
{
    float fast = t->fast->cosine_distance(a, b, dim);
    float ref = t->ref->cosine_distance(a, b, dim);
    double ab = 0.0, aa = 0.0, bb = 0.0, s = 0.0;
    for (size_t i = 0; i < dim; i++) {
        ab += (double)a[i] * (double)b[i];
        aa += (double)a[i] * (double)a[i];
        bb += (double)b[i] * (double)b[i];
        s += fabs((double)a[i] * (double)b[i]);
    }
    rep->checks++;
    if (t->fast_is_reference) {
        if (memcmp(&fast, &ref, sizeof fast) != 0)
            record_failure(rep, VALUE_FMT, "cosine", what, dim, fast, ref, NAN, s, 0.0);
        return;
    }
    if (aa == 0.0 || bb == 0.0) { /* defined as exactly 1 */
        if (fast != 1.0f || ref != 1.0f)
            record_failure(rep, VALUE_FMT, "cosine", what, dim, fast, ref, 1.0, s, 0.0);
        return;
    }
    double norms = sqrt(aa) * sqrt(bb);
    double exact = 1.0 - ab / norms;
    double cond = s / norms + 1.0; /* s/norms ≤ 1 (Cauchy–Schwarz); +1 for the norms' error */
    double final_ops = 16.0 * FLT_EPSILON; /* sqrtf ×2, ×, ÷, 1 − x in float */
    double bound_ref = (double)(dim + 1) * FLT_EPSILON * cond + final_ops;
    if (!isfinite(fast) || fabs((double)fast - (double)ref) > bound_ref) {
        record_failure(rep, VALUE_FMT, "cosine", what, dim, fast, ref, exact, s, bound_ref);
        return;
    }
    double bound_exact = KERNEL_PARITY_REL_TOL * cond + final_ops;
    note_margin(rep, fabs((double)fast - exact), bound_exact);
    if (fabs((double)fast - exact) > bound_exact)
        record_failure(rep, VALUE_FMT, "cosine", what, dim, fast, ref, exact, s, bound_exact);
}

static void check_all_ops(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                          const float *a, const float *b, size_t dim, int with_cosine)
{
    check_dot(t, rep, what, a, b, dim);
    check_l2sq(t, rep, what, a, b, dim);
    if (with_cosine)
        check_cosine(t, rep, what, a, b, dim);
}

/* ---- cases ---- */

static void random_case(const KernelParityTarget *t, KernelParityReport *rep, Rng *r, size_t dim,
                        size_t oa, size_t ob)
{
    Vec a = vec_new(dim, oa), b = vec_new(dim, ob);
    fill(r, a.v, dim, 1.0f);
    fill(r, b.v, dim, 1.0f);
    check_all_ops(t, rep, "random", a.v, b.v, dim, 1);
    /* The same data against itself: a·a, l2sq exactly 0, cosine ~0. */
    check_all_ops(t, rep, "random self", a.v, a.v, dim, 1);
    vec_free(&a);
    vec_free(&b);
}

void kernel_parity_random(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0001)};
    /* Small dimensions with every combination of start offsets... */
    for (size_t dim = 0; dim <= 67; dim++)
        for (size_t oa = 0; oa < 4; oa++)
            for (size_t ob = 0; ob < 4; ob++)
                random_case(t, rep, &r, dim, oa, ob);
    /* ...then every dimension up to the maximum with offsets cycling through all 16 pairs. */
    for (size_t dim = 68; dim <= KERNEL_PARITY_MAX_DIM; dim++)
        random_case(t, rep, &r, dim, dim % 4, (dim / 4) % 4);
    random_case(t, rep, &r, 1536, 1, 3);
}

void kernel_parity_magnitudes(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0002)};
    for (size_t k = 0; k < N_SAMPLE_DIMS; k++) {
        size_t dim = sample_dims[k];
        Vec a = vec_new(dim, k % 4), b = vec_new(dim, (k + 1) % 4);

        fill(&r, a.v, dim, 1e15f);
        fill(&r, b.v, dim, 1e15f);
        check_all_ops(t, rep, "1e15", a.v, b.v, dim, 1);

        /* Largest scale with S ≤ FLT_MAX/4 for all three ops: any overflow is the kernel's. */
        float edge = (float)sqrt(FLT_MAX / (16.0 * (double)dim));
        fill(&r, a.v, dim, edge);
        fill(&r, b.v, dim, edge);
        check_all_ops(t, rep, "edge of range", a.v, b.v, dim, 1);

        /* Products in the subnormal range (1e-20 · 1e-20 = 1e-40 < FLT_MIN). */
        fill(&r, a.v, dim, 1e-20f);
        fill(&r, b.v, dim, 1e-20f);
        check_all_ops(t, rep, "subnormal products", a.v, b.v, dim, 0);

        /* Subnormal inputs: products underflow to zero. */
        fill(&r, a.v, dim, 1e-39f);
        fill(&r, b.v, dim, 1e-39f);
        check_all_ops(t, rep, "subnormal inputs", a.v, b.v, dim, 0);

        /* Scales from 1e-30 to 1e15 mixed within one vector. Cosine only from 1e-10 up, so
         * that a·a and b·b stay normal floats (a vector of 1e-30s is "zero" to a float norm). */
        static const float scales[] = {1e-30f, 1e-10f, 1.0f, 1e10f, 1e15f};
        for (int with_cosine = 0; with_cosine < 2; with_cosine++) {
            for (size_t i = 0; i < dim; i++) {
                a.v[i] = rng_unit(&r) * scales[with_cosine + rng_next(&r) % (5 - with_cosine)];
                b.v[i] = rng_unit(&r) * scales[with_cosine + rng_next(&r) % (5 - with_cosine)];
            }
            check_all_ops(t, rep, "mixed scales", a.v, b.v, dim, with_cosine);
        }

        vec_free(&a);
        vec_free(&b);
    }
}

/* Fisher–Yates: scatter cancelling pairs across lanes and accumulators. */
static void shuffle_pairs(Rng *r, float *a, float *b, size_t dim)
{
    for (size_t i = dim; i > 1; i--) {
        size_t j = (size_t)(rng_next(r) % i);
        float ta = a[i - 1], tb = b[i - 1];
        a[i - 1] = a[j];
        b[i - 1] = b[j];
        a[j] = ta;
        b[j] = tb;
    }
}

void kernel_parity_cancellation(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0003)};
    for (size_t k = 0; k < N_SAMPLE_DIMS; k++) {
        size_t dim = sample_dims[k];
        Vec a = vec_new(dim, (k + 2) % 4), b = vec_new(dim, (k + 3) % 4);
        size_t h = dim / 2;

        /* Exact cancellation: each product has a negated twin; one leftover term if dim is odd. */
        fill(&r, a.v, dim, 1e8f);
        fill(&r, b.v, dim, 1.0f);
        for (size_t i = 0; i < h; i++) {
            a.v[h + i] = a.v[i];
            b.v[h + i] = -b.v[i];
        }
        check_all_ops(t, rep, "exact cancellation, halves", a.v, b.v, dim, 1);
        shuffle_pairs(&r, a.v, b.v, dim);
        check_all_ops(t, rep, "exact cancellation, shuffled", a.v, b.v, dim, 1);

        /* Near cancellation: twins differ in the last bits, the exact sum is tiny but nonzero. */
        for (size_t i = 0; i < h; i++) {
            a.v[h + i] = a.v[i];
            b.v[h + i] = -b.v[i] * (1.0f + 0x1p-20f);
        }
        shuffle_pairs(&r, a.v, b.v, dim);
        check_all_ops(t, rep, "near cancellation", a.v, b.v, dim, 1);

        /* Nearly equal vectors: l2sq tiny next to the magnitudes, cosine distance ~0. */
        fill(&r, a.v, dim, 1e3f);
        for (size_t i = 0; i < dim; i++)
            b.v[i] = a.v[i] * (1.0f + rng_unit(&r) * 0x1p-18f);
        check_all_ops(t, rep, "nearly equal", a.v, b.v, dim, 1);

        /* Absorption: one product of 2^25 then ones; the reference drops every 1 after it. */
        for (size_t i = 0; i < dim; i++)
            a.v[i] = b.v[i] = 1.0f;
        a.v[0] = 0x1p13f;
        b.v[0] = 0x1p12f;
        check_all_ops(t, rep, "absorption at start", a.v, b.v, dim, 1);
        a.v[0] = b.v[0] = 1.0f;
        a.v[dim / 2] = 0x1p13f;
        b.v[dim / 2] = -0x1p12f;
        check_all_ops(t, rep, "absorption in the middle", a.v, b.v, dim, 1);

        vec_free(&a);
        vec_free(&b);
    }
}

void kernel_parity_cosine_special(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0004)};
    /* dim 0: both vectors are zero vectors. */
    {
        float dummy = 0.0f;
        check_cosine(t, rep, "dim 0", &dummy, &dummy, 0);
    }
    for (size_t k = 0; k < N_SAMPLE_DIMS; k++) {
        size_t dim = sample_dims[k];
        Vec a = vec_new(dim, k % 4), b = vec_new(dim, (k + 1) % 4), z = vec_new(dim, (k + 2) % 4);
        memset(z.v, 0, dim * sizeof(float));
        fill(&r, a.v, dim, 1.0f);

        check_cosine(t, rep, "zero b", a.v, z.v, dim);
        check_cosine(t, rep, "zero a", z.v, a.v, dim);
        check_cosine(t, rep, "both zero", z.v, z.v, dim);
        /* Negative zeros are zero vectors too. */
        for (size_t i = 0; i < dim; i++)
            b.v[i] = -0.0f;
        check_cosine(t, rep, "negative zeros", a.v, b.v, dim);

        check_cosine(t, rep, "a == b", a.v, a.v, dim);
        for (size_t i = 0; i < dim; i++)
            b.v[i] = -a.v[i];
        check_cosine(t, rep, "b = -a", a.v, b.v, dim);
        for (size_t i = 0; i < dim; i++)
            b.v[i] = 3.0f * a.v[i];
        check_cosine(t, rep, "b = 3a", a.v, b.v, dim);
        /* Orthogonal: disjoint supports, a·b is exactly 0 in any order. */
        for (size_t i = 0; i < dim; i++) {
            b.v[i] = (i % 2) ? a.v[i] : 0.0f;
            z.v[i] = (i % 2) ? 0.0f : a.v[i];
        }
        check_cosine(t, rep, "orthogonal", z.v, b.v, dim);

        vec_free(&a);
        vec_free(&b);
        vec_free(&z);
    }
}

/* ---- batched forms ---- */

static const uint32_t sentinel_bits = 0x7fc0deadu; /* a NaN no kernel produces from finite data */

static float sentinel(void)
{
    float f;
    memcpy(&f, &sentinel_bits, sizeof f);
    return f;
}

static int same_bits(float x, float y) { return memcmp(&x, &y, sizeof x) == 0; }

static void check_batch_out(KernelParityReport *rep, const char *op, size_t dim, size_t count,
                            const float *out, const float *expect)
{
    rep->checks++;
    for (size_t i = 0; i < count; i++)
        if (!same_bits(out[i], expect[i])) {
            record_failure(rep, "%s dim=%zu: out[%zu] = %.9g but the single op gives %.9g", op,
                           dim, i, (double)out[i], (double)expect[i]);
            return;
        }
    if (!same_bits(out[count], sentinel()))
        record_failure(rep, "%s dim=%zu: wrote out[%zu] (count is %zu)", op, dim, count, count);
}

void kernel_parity_batches(const KernelParityTarget *t, KernelParityReport *rep)
{
    static const size_t dims[] = {0, 1, 3, 5, 8, 13, 16, 17, 31, 32, 33, 64, 100, 127, 128, 129,
                                  384, 768, 1023, 1536};
    enum { ROWS = 29, GATHER = 41 };
    Rng r = {UINT64_C(0x5eed0005)};
    const VajraKernelOps *k = t->fast;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        size_t dim = dims[d];
        for (int packed = 0; packed < 2; packed++) {
            size_t stride = packed ? dim : dim + 1 + dim % 3; /* unpadded, or unaligned rows */
            size_t n = (ROWS - 1) * stride + dim;              /* the last row ends the block */
            Vec rows = vec_new(n, 1), q = vec_new(dim, 2);
            fill(&r, rows.v, n, 1.0f);
            fill(&r, q.v, dim, 1.0f);
            uint32_t ids[GATHER];
            for (size_t i = 0; i < GATHER; i++)
                ids[i] = (uint32_t)(rng_next(&r) % ROWS);
            ids[0] = ROWS - 1; /* the row at the very end of the allocation */
            ids[GATHER - 1] = ids[1]; /* a repeat */

            float out[GATHER + 1], expect[GATHER];

            for (size_t i = 0; i < ROWS; i++)
                expect[i] = k->dot(q.v, rows.v + i * stride, dim);
            out[ROWS] = sentinel();
            k->dot_many(q.v, rows.v, stride, ROWS, dim, out);
            check_batch_out(rep, "dot_many", dim, ROWS, out, expect);

            for (size_t i = 0; i < ROWS; i++)
                expect[i] = k->l2sq(q.v, rows.v + i * stride, dim);
            out[ROWS] = sentinel();
            k->l2sq_many(q.v, rows.v, stride, ROWS, dim, out);
            check_batch_out(rep, "l2sq_many", dim, ROWS, out, expect);

            for (size_t i = 0; i < GATHER; i++)
                expect[i] = k->dot(q.v, rows.v + (size_t)ids[i] * stride, dim);
            out[GATHER] = sentinel();
            k->dot_gather(q.v, rows.v, stride, ids, GATHER, dim, out);
            check_batch_out(rep, "dot_gather", dim, GATHER, out, expect);

            for (size_t i = 0; i < GATHER; i++)
                expect[i] = k->l2sq(q.v, rows.v + (size_t)ids[i] * stride, dim);
            out[GATHER] = sentinel();
            k->l2sq_gather(q.v, rows.v, stride, ids, GATHER, dim, out);
            check_batch_out(rep, "l2sq_gather", dim, GATHER, out, expect);

            /* count 0 writes nothing. */
            out[0] = sentinel();
            k->dot_many(q.v, rows.v, stride, 0, dim, out);
            k->l2sq_many(q.v, rows.v, stride, 0, dim, out);
            k->dot_gather(q.v, rows.v, stride, ids, 0, dim, out);
            k->l2sq_gather(q.v, rows.v, stride, ids, 0, dim, out);
            check_batch_out(rep, "count 0", dim, 0, out, expect);

            vec_free(&rows);
            vec_free(&q);
        }
    }
}

/* ---- quantised rows (kernel.h version 2) ----
 * The f16 ops widen each element exactly and the u8 ops form each term exactly as the reference
 * does, so they are held to the f32 bounds of check_sum with S and the exact value computed from
 * the widened elements (f16) or from the reference's own float terms (u8). Gathers must equal
 * the single op bit for bit. */

/* A row of n elements of `size` bytes starting `off` elements into its own block and ending at
 * the block's end (an over-read is an ASan error). */
typedef struct Raw {
    void *block;
    void *v;
} Raw;

static Raw raw_new(size_t n, size_t size, size_t off)
{
    Raw x;
    x.block = malloc((off + n ? off + n : 1) * size);
    if (x.block == NULL) {
        fprintf(stderr, "kernel parity: out of memory\n");
        abort(); /* test code: no way to continue */
    }
    x.v = (char *)x.block + off * size;
    return x;
}

/* Halves: mostly values in [−1, 1) rounded, some raw finite bit patterns (subnormal halves and
 * magnitudes up to 65504 among them). */
static void fill_f16(Rng *r, uint16_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t z = rng_next(r);
        if (z % 8 == 0) {
            uint16_t h = (uint16_t)(z >> 16);
            if ((h & 0x7c00u) == 0x7c00u) /* inf/NaN: make it finite */
                h = (uint16_t)(h & 0xbfffu);
            x[i] = h;
        } else {
            x[i] = vajra_f32_to_f16(rng_unit(r));
        }
    }
}

static void check_f16_pair(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                           const float *q, const uint16_t *x, size_t dim)
{
    double dot = 0.0, sdot = 0.0, l2 = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double xi = (double)vajra_f16_to_f32(x[i]);
        double p = (double)q[i] * xi, d = (double)q[i] - xi;
        dot += p;
        sdot += fabs(p);
        l2 += d * d;
    }
    check_sum(t, rep, "dot_f16", what, dim, t->fast->dot_f16(q, x, dim),
              t->ref->dot_f16(q, x, dim), dot, sdot);
    check_sum(t, rep, "l2sq_f16", what, dim, t->fast->l2sq_f16(q, x, dim),
              t->ref->l2sq_f16(q, x, dim), l2, l2);
}

static void check_u8_pair(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                          const float *w, const float *scale, const uint8_t *c, size_t dim)
{
    double dot = 0.0, sdot = 0.0, l2 = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double p = (double)w[i] * (double)c[i];
        dot += p;
        sdot += fabs(p);
        float term = scale[i] * (float)c[i]; /* the reference's own terms (kernel.h) */
        float d = w[i] - term;               /* w doubles as r here */
        l2 += (double)d * (double)d;
    }
    check_sum(t, rep, "dot_u8", what, dim, t->fast->dot_u8(w, c, dim), t->ref->dot_u8(w, c, dim),
              dot, sdot);
    check_sum(t, rep, "l2sq_u8", what, dim, t->fast->l2sq_u8(w, scale, c, dim),
              t->ref->l2sq_u8(w, scale, c, dim), l2, l2);
}

static void quant_pair_case(const KernelParityTarget *t, KernelParityReport *rep, Rng *r,
                            size_t dim, size_t off)
{
    Vec q = vec_new(dim, off), scale = vec_new(dim, (off + 1) % 4);
    Raw x = raw_new(dim, sizeof(uint16_t), (off + 2) % 4);
    Raw c = raw_new(dim, sizeof(uint8_t), (off + 3) % 4);
    fill(r, q.v, dim, 1.0f);
    fill_f16(r, x.v, dim);
    uint8_t *codes = c.v;
    for (size_t i = 0; i < dim; i++) {
        codes[i] = (uint8_t)rng_next(r);
        scale.v[i] = fabsf(rng_unit(r)) / 255.0f; /* a range of up to 1 per dimension */
    }
    check_f16_pair(t, rep, "random", q.v, x.v, dim);
    check_u8_pair(t, rep, "random", q.v, scale.v, codes, dim);
    /* A row against its own decoding: l2 terms cancel to ~0 (the hard case for the bounds). */
    for (size_t i = 0; i < dim; i++)
        q.v[i] = vajra_f16_to_f32(((const uint16_t *)x.v)[i]);
    check_f16_pair(t, rep, "self", q.v, x.v, dim);
    for (size_t i = 0; i < dim; i++)
        q.v[i] = scale.v[i] * (float)codes[i];
    check_u8_pair(t, rep, "self", q.v, scale.v, codes, dim);
    vec_free(&q);
    vec_free(&scale);
    free(x.block);
    free(c.block);
}

static void quant_gathers(const KernelParityTarget *t, KernelParityReport *rep, Rng *r,
                          size_t dim)
{
    enum { ROWS = 23, GATHER = 37 };
    const VajraKernelOps *k = t->fast;
    size_t stride = dim + dim % 5; /* unpadded or padded rows */
    size_t n = (ROWS - 1) * stride + dim;
    Raw xs = raw_new(n, sizeof(uint16_t), 1), cs = raw_new(n, sizeof(uint8_t), 3);
    Vec q = vec_new(dim, 1), scale = vec_new(dim, 2);
    fill(r, q.v, dim, 1.0f);
    fill_f16(r, xs.v, n);
    uint8_t *codes = cs.v;
    for (size_t i = 0; i < n; i++)
        codes[i] = (uint8_t)rng_next(r);
    for (size_t i = 0; i < dim; i++)
        scale.v[i] = fabsf(rng_unit(r)) / 255.0f;
    uint32_t ids[GATHER];
    for (size_t i = 0; i < GATHER; i++)
        ids[i] = (uint32_t)(rng_next(r) % ROWS);
    ids[0] = ROWS - 1;
    ids[GATHER - 1] = ids[1];
    const uint16_t *x16 = xs.v;
    float out[GATHER + 1], expect[GATHER];

    for (size_t i = 0; i < GATHER; i++)
        expect[i] = k->dot_f16(q.v, x16 + (size_t)ids[i] * stride, dim);
    out[GATHER] = sentinel();
    k->dot_f16_gather(q.v, x16, stride, ids, GATHER, dim, out);
    check_batch_out(rep, "dot_f16_gather", dim, GATHER, out, expect);

    for (size_t i = 0; i < GATHER; i++)
        expect[i] = k->l2sq_f16(q.v, x16 + (size_t)ids[i] * stride, dim);
    out[GATHER] = sentinel();
    k->l2sq_f16_gather(q.v, x16, stride, ids, GATHER, dim, out);
    check_batch_out(rep, "l2sq_f16_gather", dim, GATHER, out, expect);

    for (size_t i = 0; i < GATHER; i++)
        expect[i] = k->dot_u8(q.v, codes + (size_t)ids[i] * stride, dim);
    out[GATHER] = sentinel();
    k->dot_u8_gather(q.v, codes, stride, ids, GATHER, dim, out);
    check_batch_out(rep, "dot_u8_gather", dim, GATHER, out, expect);

    for (size_t i = 0; i < GATHER; i++)
        expect[i] = k->l2sq_u8(q.v, scale.v, codes + (size_t)ids[i] * stride, dim);
    out[GATHER] = sentinel();
    k->l2sq_u8_gather(q.v, scale.v, codes, stride, ids, GATHER, dim, out);
    check_batch_out(rep, "l2sq_u8_gather", dim, GATHER, out, expect);

    out[0] = sentinel(); /* count 0 writes nothing */
    k->dot_f16_gather(q.v, x16, stride, ids, 0, dim, out);
    k->l2sq_f16_gather(q.v, x16, stride, ids, 0, dim, out);
    k->dot_u8_gather(q.v, codes, stride, ids, 0, dim, out);
    k->l2sq_u8_gather(q.v, scale.v, codes, stride, ids, 0, dim, out);
    check_batch_out(rep, "quantised count 0", dim, 0, out, expect);

    free(xs.block);
    free(cs.block);
    vec_free(&q);
    vec_free(&scale);
}

void kernel_parity_quantised(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0006)};
    for (size_t dim = 0; dim <= 70; dim++)
        for (size_t off = 0; off < 4; off++)
            quant_pair_case(t, rep, &r, dim, off);
    for (size_t d = 0; d < N_SAMPLE_DIMS; d++)
        quant_pair_case(t, rep, &r, sample_dims[d], d % 4);
    for (size_t dim = 0; dim <= 40; dim++)
        quant_gathers(t, rep, &r, dim);
    for (size_t d = 0; d < N_SAMPLE_DIMS; d++)
        quant_gathers(t, rep, &r, sample_dims[d]);
}

/* ---- the integer dot (version 3): exact equality ---- */

/* Σ w_i·c_i modulo 2^32, in 64-bit arithmetic: what every variant (and the reference) must give. */
static int32_t exact_u8s8(const int8_t *w, const uint8_t *c, size_t dim)
{
    int64_t sum = 0;
    for (size_t i = 0; i < dim; i++)
        sum += (int64_t)w[i] * (int64_t)c[i];
    uint32_t u = (uint32_t)((uint64_t)sum & 0xffffffffu);
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)((int64_t)u - (INT64_C(1) << 32));
}

static void check_u8s8(const KernelParityTarget *t, KernelParityReport *rep, const char *what,
                       const int8_t *w, const uint8_t *c, size_t dim)
{
    int32_t fast = t->fast->dot_u8s8(w, c, dim), ref = t->ref->dot_u8s8(w, c, dim);
    int32_t exact = exact_u8s8(w, c, dim);
    rep->checks++;
    if (fast != exact || ref != exact)
        record_failure(rep, "dot_u8s8 (%s) dim=%zu: fast=%d ref=%d exact=%d", what, dim,
                       (int)fast, (int)ref, (int)exact);
}

/* Random codes and weights, and the extremes (every product 255·127 or 255·−128: a saturating
 * 16-bit pair sum, as VPMADDUBSW would make, is caught), each ending its allocation. */
static void integer_pair_case(const KernelParityTarget *t, KernelParityReport *rep, Rng *r,
                              size_t dim, size_t off)
{
    Raw wr = raw_new(dim, 1, off), cr = raw_new(dim, 1, (off + 1) % 4);
    int8_t *w = wr.v;
    uint8_t *c = cr.v;
    memset(wr.block, 0, off + dim ? off + dim : 1); /* the offset bytes too: all initialised */
    memset(cr.block, 0, (off + 1) % 4 + dim ? (off + 1) % 4 + dim : 1);
    for (size_t i = 0; i < dim; i++) {
        w[i] = (int8_t)(uint8_t)rng_next(r);
        c[i] = (uint8_t)rng_next(r);
    }
    check_u8s8(t, rep, "random", w, c, dim);
    for (size_t i = 0; i < dim; i++)
        c[i] = 255, w[i] = (int8_t)(i % 3 == 0 ? -128 : 127);
    check_u8s8(t, rep, "extremes", w, c, dim);
    free(wr.block);
    free(cr.block);
}

/* A sum past INT32_MAX (and one below INT32_MIN) wraps modulo 2^32 in every variant alike. So
 * long that each of 2 × 16 32-bit lanes passes 2^31 on its own: a saturating accumulator
 * (VPDPBUSDS) fails here, not only a saturating final sum. */
static void integer_wrap_case(const KernelParityTarget *t, KernelParityReport *rep)
{
    enum { DIM = 2200001 }; /* > 32·2^31/(255·128), odd for the tails */
    Raw wr = raw_new(DIM, 1, 0), cr = raw_new(DIM, 1, 0);
    int8_t *w = wr.v;
    uint8_t *c = cr.v;
    for (int8_t v = -128;; v = 127) {
        for (size_t i = 0; i < DIM; i++)
            w[i] = v, c[i] = 255;
        check_u8s8(t, rep, v < 0 ? "wraps below INT32_MIN" : "wraps above INT32_MAX", w, c, DIM);
        if (v > 0)
            break;
    }
    free(wr.block);
    free(cr.block);
}

static void integer_gathers(const KernelParityTarget *t, KernelParityReport *rep, Rng *r,
                            size_t dim)
{
    enum { ROWS = 23, GATHER = 37 };
    const VajraKernelOps *k = t->fast;
    size_t stride = dim + dim % 5;
    size_t n = (ROWS - 1) * stride + dim;
    Raw cs = raw_new(n, 1, 3), wr = raw_new(dim, 1, 1);
    uint8_t *codes = cs.v;
    int8_t *w = wr.v;
    for (size_t i = 0; i < n; i++)
        codes[i] = (uint8_t)rng_next(r);
    for (size_t i = 0; i < dim; i++)
        w[i] = (int8_t)(uint8_t)rng_next(r);
    uint32_t ids[GATHER];
    for (size_t i = 0; i < GATHER; i++)
        ids[i] = (uint32_t)(rng_next(r) % ROWS);
    ids[0] = ROWS - 1; /* the row ending the allocation */
    ids[GATHER - 1] = ids[1];
    for (size_t count = 0; count <= GATHER; count += count < 4 ? 1 : 11) { /* odd and even */
        int32_t out[GATHER + 1];
        out[count] = INT32_MIN + 7; /* sentinel: nothing past count is written */
        k->dot_u8s8_gather(w, codes, stride, ids, count, dim, out);
        rep->checks++;
        for (size_t i = 0; i <= count; i++) {
            int32_t expect = i < count ? k->dot_u8s8(w, codes + (size_t)ids[i] * stride, dim)
                                       : INT32_MIN + 7;
            if (out[i] != expect) {
                record_failure(rep, "dot_u8s8_gather dim=%zu count=%zu: out[%zu]=%d, expected %d",
                               dim, count, i, (int)out[i], (int)expect);
                break;
            }
        }
    }
    free(cs.block);
    free(wr.block);
}

void kernel_parity_integer(const KernelParityTarget *t, KernelParityReport *rep)
{
    Rng r = {UINT64_C(0x5eed0007)};
    for (size_t dim = 0; dim <= 200; dim++)
        for (size_t off = 0; off < 4; off++)
            integer_pair_case(t, rep, &r, dim, off);
    for (size_t d = 0; d < N_SAMPLE_DIMS; d++)
        integer_pair_case(t, rep, &r, sample_dims[d], d % 4);
    integer_wrap_case(t, rep);
    for (size_t dim = 0; dim <= 140; dim++)
        integer_gathers(t, rep, &r, dim);
    for (size_t d = 0; d < N_SAMPLE_DIMS; d++)
        integer_gathers(t, rep, &r, sample_dims[d]);
}

void kernel_parity_all(const KernelParityTarget *t, KernelParityReport *rep)
{
    kernel_parity_random(t, rep);
    kernel_parity_magnitudes(t, rep);
    kernel_parity_cancellation(t, rep);
    kernel_parity_cosine_special(t, rep);
    kernel_parity_batches(t, rep);
    kernel_parity_quantised(t, rep);
    kernel_parity_integer(t, rep);
}
