/* embedder-lsa: randomised truncated SVD of a sparse matrix (see lsa.h). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsa.h"

/* splitmix64: the seeded stream behind the Gaussian test matrix. */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A uniform double in (0, 1). */
static double uniform01(uint64_t *s) { return ((double)(splitmix64(s) >> 11) + 0.5) / 9007199254740992.0; }

/* Fill n standard normal values (Box–Muller, both outputs used). */
static void gaussian_fill(double *x, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i += 2) {
        double u = uniform01(&s), v = uniform01(&s);
        double r = sqrt(-2.0 * log(u)), t = 2.0 * M_PI * v;
        x[i] = r * cos(t);
        if (i + 1 < n)
            x[i + 1] = r * sin(t);
    }
}

/* Dense matrices here are row-major (row i at i * l), so the sparse products run along
 * contiguous rows; LAPACKE's LAPACK_ROW_MAJOR entry points take them as they are. */

/* Y (N × l) = A · X (X: V × l). */
static void csr_mul(const LsaCsr *a, const double *x, size_t l, double *y)
{
    memset(y, 0, a->rows * l * sizeof *y);
    for (size_t i = 0; i < a->rows; i++) {
        double *yi = y + i * l;
        for (size_t p = a->ptr[i]; p < a->ptr[i + 1]; p++) {
            const double v = a->val[p], *xj = x + (size_t)a->col[p] * l;
            for (size_t c = 0; c < l; c++)
                yi[c] += v * xj[c];
        }
    }
}

/* Z (V × l) = Aᵀ · Y (Y: N × l). */
static void csr_mul_t(const LsaCsr *a, const double *y, size_t l, double *z)
{
    memset(z, 0, a->cols * l * sizeof *z);
    for (size_t i = 0; i < a->rows; i++) {
        const double *yi = y + i * l;
        for (size_t p = a->ptr[i]; p < a->ptr[i + 1]; p++) {
            const double v = a->val[p];
            double *zj = z + (size_t)a->col[p] * l;
            for (size_t c = 0; c < l; c++)
                zj[c] += v * yi[c];
        }
    }
}

/* Replace the rows × l matrix by an orthonormal basis of its columns (Q of its QR). */
static int orthonormalize(double *m, size_t rows, size_t l, double *tau)
{
    lapack_int r = (lapack_int)rows, c = (lapack_int)l;
    if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, r, c, m, c, tau) != 0)
        return -1;
    return LAPACKE_dorgqr(LAPACK_ROW_MAJOR, r, c, c, m, c, tau) != 0 ? -1 : 0;
}

vajra_status lsa_randomized_svd(const LsaCsr *a, uint32_t k, uint32_t oversample,
                                uint32_t power_iters, uint64_t seed, double **w, double *sv,
                                VajraError *err)
{
    const size_t n = a->rows, v = a->cols;
    const size_t small = n < v ? n : v;
    if (k == 0 || k > small)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "embedder-lsa: dimension %u needs at least %u documents and %u "
                               "terms (the corpus has %zu documents, %zu terms with df >= min_df)",
                               k, k, k, n, v);
    size_t l = (size_t)k + oversample;
    if (l > small)
        l = small;
    double *omega = malloc(v * l * sizeof *omega);
    double *y = malloc(n * l * sizeof *y);
    double *z = malloc(v * l * sizeof *z);
    double *tau = malloc(l * sizeof *tau);
    double *s = malloc(l * sizeof *s);
    double *vt = malloc(l * l * sizeof *vt);
    double *u = malloc(v * l * sizeof *u);
    vajra_status st = VAJRA_OK;
    if (!omega || !y || !z || !tau || !s || !vt || !u) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "embedder-lsa: out of memory (SVD of %zu x %zu, rank %zu)", n, v, l);
        goto out;
    }
    gaussian_fill(omega, v * l, seed);
    csr_mul(a, omega, l, y); /* Y = A Ω */
    if (orthonormalize(y, n, l, tau) != 0)
        goto lapack_failed;
    for (uint32_t q = 0; q < power_iters; q++) { /* Y = A Aᵀ Y, re-orthonormalised each half */
        csr_mul_t(a, y, l, z);
        if (orthonormalize(z, v, l, tau) != 0)
            goto lapack_failed;
        csr_mul(a, z, l, y);
        if (orthonormalize(y, n, l, tau) != 0)
            goto lapack_failed;
    }
    /* Bᵀ = Aᵀ Q (V × l); its left singular vectors are A's right singular vectors. */
    csr_mul_t(a, y, l, z);
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)v, (lapack_int)l, z, (lapack_int)l, s, u,
                       (lapack_int)l, vt, (lapack_int)l) != 0)
        goto lapack_failed;
    /* Keep the first k columns as a V × k column-major matrix, each sign-fixed: its
     * largest-magnitude entry positive (ties: the first). */
    double *w_out = malloc(v * k * sizeof *w_out);
    if (w_out == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "embedder-lsa: out of memory");
        goto out;
    }
    for (size_t c = 0; c < k; c++) {
        double *col = w_out + c * v;
        size_t best = 0;
        for (size_t i = 0; i < v; i++) {
            col[i] = u[i * l + c];
            if (fabs(col[i]) > fabs(col[best]))
                best = i;
        }
        if (col[best] < 0)
            for (size_t i = 0; i < v; i++)
                col[i] = -col[i];
        sv[c] = s[c];
    }
    *w = w_out;
    goto out;
lapack_failed:
    st = vajra_error_set(err, VAJRA_ERR_INTERNAL, "embedder-lsa: a LAPACK routine failed");
out:
    free(omega);
    free(y);
    free(z);
    free(tau);
    free(s);
    free(vt);
    free(u);
    return st;
}
