/* Vajra — the filter expression tree shared by core/filter_parse.c (parser, printer,
 * constructors) and core/filter_compile.c. Not public API. */
#ifndef VAJRA_FILTER_INTERNAL_H
#define VAJRA_FILTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/filter_expr.h"

typedef enum FilterKind {
    FN_CONST,  /* TRUE / FALSE (value) */
    FN_AND,    /* kids[0..nkids-1], nkids >= 2 */
    FN_OR,     /* likewise */
    FN_NOT,    /* kids[0] */
    FN_CMP,    /* field op values[0] */
    FN_IN,     /* field IN values[0..n-1] */
    FN_EXISTS  /* EXISTS(field) */
} FilterKind;

typedef enum FilterValueType { FV_STRING = 1, FV_INT = 2, FV_FLOAT = 3 } FilterValueType;

typedef struct FilterValue {
    FilterValueType type;
    int64_t i;
    double f;
    char *s; /* owned */
} FilterValue;

struct VajraFilterExpr {
    FilterKind kind;
    uint32_t column; /* 1-based column (characters) in the parsed text; 0 when constructed */
    uint32_t depth;  /* 1 for a leaf, 1 + the deepest operand otherwise */
    int value;       /* FN_CONST */
    VajraFilterOp op; /* FN_CMP */
    char *field;     /* FN_CMP, FN_IN, FN_EXISTS; "_id" is the document id */
    FilterValue *values;
    size_t n;
    VajraFilterExpr **kids;
    size_t nkids;
};

/* Is the field the document id? */
static inline int filter_is_id(const char *field)
{
    return field[0] == '_' && field[1] == 'i' && field[2] == 'd' && field[3] == '\0';
}

#endif /* VAJRA_FILTER_INTERNAL_H */
