/* Vajra — key/value parameters for plugins whose settings differ per implementation (embedders
 * today; the same form suits any vtable that grows per-implementation knobs, as FAISS's
 * ParameterSpace and PostgreSQL's amoptions do). Keys and values are strings; each plugin
 * documents its keys, refuses unknown ones and bad values (VAJRA_ERR_INVALID_ARGUMENT naming the
 * key) and copies what it keeps. The helpers below do the parsing.
 */
#ifndef VAJRA_PARAMS_H
#define VAJRA_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One parameter. Both strings are borrowed for the duration of the call. */
typedef struct VajraKeyValue {
    const char *key;
    const char *value;
} VajraKeyValue;

/* The value of `key` in params (last one wins), or NULL. Pure; thread-safe. */
VAJRA_API const char *vajra_kv_get(const VajraKeyValue *params, size_t n, const char *key);

/* Refuse keys not in `known` (NULL-terminated) and NULL keys or values:
 * VAJRA_ERR_INVALID_ARGUMENT naming the first offending key and `who`, VAJRA_OK otherwise.
 * Pure; thread-safe. */
VAJRA_API vajra_status vajra_kv_check_keys(const VajraKeyValue *params, size_t n,
                                           const char *const *known, const char *who,
                                           VajraError *err);

/* Parse params[key] as an unsigned decimal integer in [min, max] (absent → *out = dflt, unchecked).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT naming `who` and the key. Pure; thread-safe. */
VAJRA_API vajra_status vajra_kv_u32(const VajraKeyValue *params, size_t n, const char *key,
                                    uint32_t dflt, uint32_t min, uint32_t max, uint32_t *out,
                                    const char *who, VajraError *err);

/* Parse params[key] as a 64-bit unsigned decimal integer (absent → dflt). Errors as
 * vajra_kv_u32. */
VAJRA_API vajra_status vajra_kv_u64(const VajraKeyValue *params, size_t n, const char *key,
                                    uint64_t dflt, uint64_t *out, const char *who,
                                    VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_PARAMS_H */
