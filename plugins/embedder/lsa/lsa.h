/* embedder-lsa: latent semantic analysis — TF-IDF over the lexical analyzer's terms, projected
 * on the top singular vectors of the corpus's term-document matrix.
 *
 * Model (what train fits, save writes and load reads):
 *   terms[V]      the vocabulary: analysed terms with df ≥ min_df, sorted by bytes (strcmp)
 *   idf[V]        ln((1 + N) / (1 + df)) + 1
 *   proj[V × dim] row t = term t's coordinates on the top `dim` right singular vectors of A,
 *                 the N × V matrix of L2-normalised rows (1 + ln tf) · idf
 *
 * embed(text) = unit(Σ_t x_t proj[t]) with x the text's L2-normalised (1 + ln tf) · idf vector
 * over known terms (scikit-learn's TruncatedSVD.transform, then unit length); a text with no
 * known term gives the all-zero row. The SVD is randomised (Halko, Martinsson & Tropp 2011):
 * Gaussian test matrix from the seed, `power_iters` power iterations with QR re-orthonormalisation
 * (LAPACK dgeqrf/dorgqr), then the SVD of the small projected matrix (LAPACK dgesdd); signs are
 * fixed so each singular vector's largest-magnitude entry is positive. Sparse products are the
 * only loops here; all dense linear algebra is LAPACK/BLAS.
 */
#ifndef VAJRA_EMB_LSA_H
#define VAJRA_EMB_LSA_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/status.h"

/* A sparse N × V matrix in compressed rows: row i's entries are [ptr[i], ptr[i+1]). */
typedef struct LsaCsr {
    size_t rows, cols;
    size_t *ptr;
    uint32_t *col;
    double *val;
} LsaCsr;

/* The top `k` right singular vectors of A (V × k, column-major, sign-fixed) into *w (malloc'd,
 * caller frees) and the singular values into sv[k]. Deterministic for a seed.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (k > min(N, V)), VAJRA_ERR_NO_MEMORY, VAJRA_ERR_INTERNAL
 * (LAPACK reported a failure). */
vajra_status lsa_randomized_svd(const LsaCsr *a, uint32_t k, uint32_t oversample,
                                uint32_t power_iters, uint64_t seed, double **w, double *sv,
                                VajraError *err);

#endif /* VAJRA_EMB_LSA_H */
