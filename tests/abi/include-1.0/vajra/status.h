/* Vajra — status codes and the caller-owned error record.
 *
 * Every fallible function returns a vajra_status (0 on success, a negative code otherwise) and,
 * when the caller passes a non-NULL VajraError, writes a human-readable message into it.
 * The numeric values are pinned forever: never renumber, only append.
 * There is no global or thread-local "last error"; the library never prints and never exits.
 */
#ifndef VAJRA_STATUS_H
#define VAJRA_STATUS_H

#include <stddef.h>

#include "vajra/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vajra_status {
    VAJRA_OK = 0,
    VAJRA_ERR_INVALID_ARGUMENT = -1, /* a NULL where a value is required, a bad parameter */
    VAJRA_ERR_NO_MEMORY = -2,        /* an allocation failed */
    VAJRA_ERR_TYPE_MISMATCH = -3,    /* morphisms whose types do not meet */
    VAJRA_ERR_NOT_FOUND = -4,        /* a named plugin, file, term or section is absent */
    VAJRA_ERR_IO = -5,               /* a read, write, fsync or rename failed */
    VAJRA_ERR_PLUGIN_LOAD = -6,      /* dlopen failed, or the entry symbol is missing */
    VAJRA_ERR_ABI_MISMATCH = -7,     /* plugin ABI major, struct size or kind does not match */
    VAJRA_ERR_UNSUPPORTED = -8,      /* an optional operation (NULL vtable slot) is absent */
    VAJRA_ERR_CORRUPT = -9,          /* a file or buffer fails validation */
    VAJRA_ERR_VERSION = -10,         /* a file written by a newer, incompatible version */
    VAJRA_ERR_STEP_LIMIT = -11,      /* an unfold hit its step limit before it said done */
    VAJRA_ERR_DUPLICATE = -12,       /* a duplicate document id or name */
    VAJRA_ERR_ENCODING = -13,        /* invalid UTF-8 or a malformed text record */
    VAJRA_ERR_DIMENSION = -14,       /* a vector of the wrong dimension */
    VAJRA_ERR_CPU_UNSUPPORTED = -15, /* the CPU lacks features a plugin requires */
    VAJRA_ERR_BAD_VALUE = -16,       /* NaN/Inf, a zero vector under cosine, an out-of-range value */
    VAJRA_ERR_STATE = -17,           /* the object is in the wrong state for the call */
    VAJRA_ERR_INTERNAL = -18         /* a broken invariant: a bug in Vajra; please report it */
} vajra_status;

/* Length of VajraError.message, including the terminating NUL. */
#define VAJRA_ERROR_MESSAGE_SIZE 256

/* A caller-owned error record. Zero-initialise it ({0}) or call vajra_error_clear().
 * Functions write it only on failure; on success they leave it untouched. */
typedef struct VajraError {
    vajra_status code;
    char message[VAJRA_ERROR_MESSAGE_SIZE];
} VajraError;

/* The name of a status code, e.g. "VAJRA_ERR_CORRUPT"; "VAJRA_ERR_UNKNOWN" for an unknown code.
 * Returns a static string. Thread-safe. Never fails. */
VAJRA_API const char *vajra_strerror(vajra_status code);

/* Record `code` and a printf-style message in `err` (if err is not NULL) and return `code`, so a
 * caller can write `return vajra_error_set(err, VAJRA_ERR_IO, "cannot open %s", path);`.
 * The message is truncated to fit. Thread-safe as long as `err` is not shared. Plugins use it too. */
VAJRA_API vajra_status vajra_error_set(VajraError *err, vajra_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefix an existing message with context ("loading x.vjr: <old message>"); keeps the code.
 * Returns err->code (or `VAJRA_ERR_INVALID_ARGUMENT` when err is NULL). */
VAJRA_API vajra_status vajra_error_prefix(VajraError *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reset an error record to VAJRA_OK with an empty message. NULL is allowed. */
VAJRA_API void vajra_error_clear(VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_STATUS_H */
