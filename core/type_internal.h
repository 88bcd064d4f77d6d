/* Internal layout of a type tag (core only). */
#ifndef VAJRA_TYPE_INTERNAL_H
#define VAJRA_TYPE_INTERNAL_H

#include "vajra/types.h"

struct VajraType {
    const char *name;
    size_t size;
    /* Make an empty value; products allocate their components. */
    vajra_status (*init)(const VajraType *type, void *value, VajraError *err);
    /* Release what the value owns (not the value's own memory). */
    void (*clear)(const VajraType *type, void *value);
    /* Copy src into an initialised dst of the same type (dst's old contents released). */
    vajra_status (*copy)(const VajraType *type, const void *src, void *dst, VajraError *err);
    const VajraType *factor[2]; /* products only */
};

#endif
