/* Vajra — fusion: morphisms hits × hits → hits that merge two ranked lists into one.
 *
 * Hybrid search is fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩; this header supplies `fuse`. Two families:
 *
 *  - Reciprocal rank fusion (RRF): score(d) = Σ_side 1 / (k + rank_side(d)), rank 1-based, a side
 *    that did not return d contributing nothing. Only ranks matter, so it needs no score
 *    calibration. k defaults to 60 (Cormack, Clarke & Büttcher, 2009). RRF is symmetric: swapping
 *    its two arguments gives the same hits, bit for bit.
 *
 *  - Convex combination: score(d) = w₀·norm₀(d) + w₁·norm₁(d) after normalising each side's
 *    scores, either by min-max, (s − min) / (max − min) ∈ [0, 1], or by z-score,
 *    (s − mean) / stddev (population stddev). A side whose scores are all equal (including a
 *    side with a single hit) normalises to 1 under min-max and to 0 under z-score, never NaN.
 *    A document a side did not return takes that side's floor: 0 under min-max, the side's
 *    lowest z under z-score ("an unretrieved document scores at most the worst retrieved one").
 *    A side with weight 0 contributes nothing, not even candidates, so weights (1, 0) give exactly
 *    the first side's documents in the first side's order.
 *
 * Inputs are ranked lists, best first (position is rank for RRF), each naming a document at most
 * once; a repeated document within one side keeps its best position/score. Either side may be
 * empty. The output is in the canonical order (score descending, ties by ascending document
 * number) and holds at most `limit` hits (0 = every document of the union).
 *
 * Memory: the apply functions grow `out` (to twice the combined input size, the upper half used as
 * scratch) and otherwise allocate nothing, so a caller reusing one `out` across queries allocates
 * only while it grows.
 *
 * Thread-safety: fusion morphisms are immutable; apply them from any number of threads at once
 * (each with its own output value). vajra_fuse_* are pure functions of their arguments.
 */
#ifndef VAJRA_FUSION_H
#define VAJRA_FUSION_H

#include <stddef.h>

#include "vajra/export.h"
#include "vajra/morphism.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The RRF constant used when the caller has no reason to choose another. */
#define VAJRA_RRF_K_DEFAULT 60.0

typedef enum VajraNormalization {
    VAJRA_NORM_MINMAX = 0, /* (s − min) / (max − min); constant sides → 1 */
    VAJRA_NORM_ZSCORE = 1  /* (s − mean) / stddev; constant sides → 0 */
} VajraNormalization;

/* Reciprocal rank fusion of `a` and `b` into `out` (an initialised VajraHits; its old contents
 * are replaced). `k` ≥ 0 and finite. `limit` 0 keeps the whole union.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL, out aliasing an input), VAJRA_ERR_BAD_VALUE (k
 * negative or not finite), VAJRA_ERR_NO_MEMORY. On error `out` is left empty. */
VAJRA_API vajra_status vajra_fuse_rrf(const VajraHits *a, const VajraHits *b, double k,
                                      size_t limit, VajraHits *out, VajraError *err);

/* Convex combination w_a·norm(a) + w_b·norm(b) into `out` (see the header comment for the
 * normalisation and for absent documents). Weights must be finite, ≥ 0 and not both 0; they
 * need not sum to 1 (only their ratio changes the ranking). Input scores must be finite.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT (NULL, aliasing, unknown normalisation),
 * VAJRA_ERR_BAD_VALUE (bad weight, a NaN/Inf input score), VAJRA_ERR_NO_MEMORY.
 * On error `out` is left empty. */
VAJRA_API vajra_status vajra_fuse_convex(const VajraHits *a, const VajraHits *b,
                                         VajraNormalization norm, double w_a, double w_b,
                                         size_t limit, VajraHits *out, VajraError *err);

/* The morphism rrf_k : hits × hits → hits (named "rrf(k=60)"), applying vajra_fuse_rrf to the
 * pair's first and second components. Caller owns the returned reference (vajra_morphism_unref).
 * Errors: as vajra_fuse_rrf for k, VAJRA_ERR_NO_MEMORY. */
VAJRA_API vajra_status vajra_fusion_rrf(double k, size_t limit, VajraMorphism **out,
                                        VajraError *err);

/* The morphism convex : hits × hits → hits (named e.g. "convex(minmax,0.5,0.5)").
 * Caller owns the returned reference. Errors: as vajra_fuse_convex for the parameters. */
VAJRA_API vajra_status vajra_fusion_convex(VajraNormalization norm, double w_a, double w_b,
                                           size_t limit, VajraMorphism **out, VajraError *err);

/* "minmax" / "zscore"; NULL for an unknown value. Static string. */
VAJRA_API const char *vajra_normalization_name(VajraNormalization norm);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_FUSION_H */
