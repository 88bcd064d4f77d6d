/* The coalgebra's unfold: step until done, an error, or the step limit. */
#include "vajra/unfold.h"

vajra_status vajra_unfold(void *state, VajraStepFn step, uint64_t max_steps,
                          uint64_t *steps_taken, VajraError *err)
{
    if (step == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "unfold: step function is NULL");
    uint64_t steps = 0;
    vajra_status st = VAJRA_OK;
    for (;;) {
        if (max_steps != 0 && steps >= max_steps) {
            st = vajra_error_set(err, VAJRA_ERR_STEP_LIMIT,
                                 "unfold: no result after %llu steps (the limit)",
                                 (unsigned long long)max_steps);
            break;
        }
        VajraStep next = VAJRA_STEP_DONE;
        st = step(state, &next, err);
        steps++;
        if (st != VAJRA_OK || next == VAJRA_STEP_DONE)
            break;
    }
    if (steps_taken != NULL)
        *steps_taken = steps;
    return st;
}
