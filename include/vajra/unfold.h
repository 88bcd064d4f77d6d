/* Vajra — the coalgebra: a state and a step function, unfolded until the step says done.
 *
 * The reference searches (exhaustive BM25, plain HNSW traversal) are written as unfolds: each
 * step inspects the state, emits into it, and says whether there is more. They are the
 * obviously-correct definitions the fast paths are tested against; the step limit turns a
 * non-terminating step function (a bug) into an error instead of a hang.
 *
 * Thread-safety: vajra_unfold touches only `state`; concurrent unfolds over distinct states are fine.
 */
#ifndef VAJRA_UNFOLD_H
#define VAJRA_UNFOLD_H

#include <stdint.h>

#include "vajra/export.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum VajraStep {
    VAJRA_STEP_MORE = 0, /* the state advanced; call the step again */
    VAJRA_STEP_DONE = 1  /* the unfold is complete; the state holds the result */
} VajraStep;

/* One step of the coalgebra. Set *next and return VAJRA_OK, or return an error to stop. */
typedef vajra_status (*VajraStepFn)(void *state, VajraStep *next, VajraError *err);

/* Unfold: call step(state) until it says VAJRA_STEP_DONE, an error, or max_steps steps were
 * taken without DONE (VAJRA_ERR_STEP_LIMIT). max_steps == 0 means no limit. `steps_taken`
 * (optional) receives the number of calls made. Errors: VAJRA_ERR_INVALID_ARGUMENT for a NULL
 * step, VAJRA_ERR_STEP_LIMIT, or the step's own error. */
VAJRA_API vajra_status vajra_unfold(void *state, VajraStepFn step, uint64_t max_steps,
                                    uint64_t *steps_taken, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_UNFOLD_H */
