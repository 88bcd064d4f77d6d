/* Key/value parameters (include/vajra/params.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/params.h"

const char *vajra_kv_get(const VajraKeyValue *params, size_t n, const char *key)
{
    const char *v = NULL;
    if (params == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (params[i].key != NULL && strcmp(params[i].key, key) == 0)
            v = params[i].value;
    return v;
}

vajra_status vajra_kv_check_keys(const VajraKeyValue *params, size_t n, const char *const *known,
                                 const char *who, VajraError *err)
{
    if (n > 0 && params == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: NULL parameters", who);
    for (size_t i = 0; i < n; i++) {
        if (params[i].key == NULL || params[i].value == NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "%s: parameter %zu has a NULL key or value", who, i);
        int ok = 0;
        for (const char *const *k = known; k != NULL && *k != NULL; k++)
            ok |= strcmp(*k, params[i].key) == 0;
        if (!ok)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: unknown parameter \"%s\"",
                                   who, params[i].key);
    }
    return VAJRA_OK;
}

vajra_status vajra_kv_u64(const VajraKeyValue *params, size_t n, const char *key, uint64_t dflt,
                          uint64_t *out, const char *who, VajraError *err)
{
    const char *v = vajra_kv_get(params, n, key);
    if (v == NULL) {
        *out = dflt;
        return VAJRA_OK;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || end == v || *end != '\0' || errno != 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "%s: parameter %s=\"%s\" is not an unsigned integer", who, key, v);
    *out = (uint64_t)x;
    return VAJRA_OK;
}

vajra_status vajra_kv_u32(const VajraKeyValue *params, size_t n, const char *key, uint32_t dflt,
                          uint32_t min, uint32_t max, uint32_t *out, const char *who,
                          VajraError *err)
{
    uint64_t x = 0;
    vajra_status st = vajra_kv_u64(params, n, key, dflt, &x, who, err);
    if (st != VAJRA_OK)
        return st;
    if (x < min || x > max)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "%s: parameter %s=%llu is outside [%u, %u]", who, key,
                               (unsigned long long)x, min, max);
    *out = (uint32_t)x;
    return VAJRA_OK;
}
