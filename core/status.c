/* Status names and the caller-owned error record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vajra/status.h"

const char *vajra_strerror(vajra_status code)
{
    switch (code) {
    case VAJRA_OK: return "VAJRA_OK";
    case VAJRA_ERR_INVALID_ARGUMENT: return "VAJRA_ERR_INVALID_ARGUMENT";
    case VAJRA_ERR_NO_MEMORY: return "VAJRA_ERR_NO_MEMORY";
    case VAJRA_ERR_TYPE_MISMATCH: return "VAJRA_ERR_TYPE_MISMATCH";
    case VAJRA_ERR_NOT_FOUND: return "VAJRA_ERR_NOT_FOUND";
    case VAJRA_ERR_IO: return "VAJRA_ERR_IO";
    case VAJRA_ERR_PLUGIN_LOAD: return "VAJRA_ERR_PLUGIN_LOAD";
    case VAJRA_ERR_ABI_MISMATCH: return "VAJRA_ERR_ABI_MISMATCH";
    case VAJRA_ERR_UNSUPPORTED: return "VAJRA_ERR_UNSUPPORTED";
    case VAJRA_ERR_CORRUPT: return "VAJRA_ERR_CORRUPT";
    case VAJRA_ERR_VERSION: return "VAJRA_ERR_VERSION";
    case VAJRA_ERR_STEP_LIMIT: return "VAJRA_ERR_STEP_LIMIT";
    case VAJRA_ERR_DUPLICATE: return "VAJRA_ERR_DUPLICATE";
    case VAJRA_ERR_ENCODING: return "VAJRA_ERR_ENCODING";
    case VAJRA_ERR_DIMENSION: return "VAJRA_ERR_DIMENSION";
    case VAJRA_ERR_CPU_UNSUPPORTED: return "VAJRA_ERR_CPU_UNSUPPORTED";
    case VAJRA_ERR_BAD_VALUE: return "VAJRA_ERR_BAD_VALUE";
    case VAJRA_ERR_STATE: return "VAJRA_ERR_STATE";
    case VAJRA_ERR_INTERNAL: return "VAJRA_ERR_INTERNAL";
    case VAJRA_ERR_BUSY: return "VAJRA_ERR_BUSY";
    }
    return "VAJRA_ERR_UNKNOWN";
}

vajra_status vajra_error_set(VajraError *err, vajra_status code, const char *fmt, ...)
{
    if (err != NULL) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

vajra_status vajra_error_prefix(VajraError *err, const char *fmt, ...)
{
    if (err == NULL)
        return VAJRA_ERR_INVALID_ARGUMENT;
    char prefix[VAJRA_ERROR_MESSAGE_SIZE];
    char old[VAJRA_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    old[sizeof old - 1] = '\0';
    /* Assemble by hand: "prefix: old", truncated to fit. */
    size_t cap = sizeof err->message - 1, len = 0;
    const char *parts[3] = {prefix, ": ", old};
    for (int i = 0; i < 3 && len < cap; i++) {
        size_t n = strlen(parts[i]);
        if (n > cap - len)
            n = cap - len;
        memcpy(err->message + len, parts[i], n);
        len += n;
    }
    err->message[len] = '\0';
    return err->code;
}

void vajra_error_clear(VajraError *err)
{
    if (err != NULL) {
        err->code = VAJRA_OK;
        err->message[0] = '\0';
    }
}
