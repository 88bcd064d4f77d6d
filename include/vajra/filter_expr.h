/* Vajra — filter expressions over document attributes, compiled to the bitmaps of filter.h.
 *
 *     lang = "en" AND year >= 2020 AND NOT tags = "draft"
 *     (tags IN ["wing", "flow"] OR rating > 4.5) AND _id IN ["12", "40"]
 *
 * An expression is a tree: comparisons of an attribute with a literal (=, !=, <, <=, >, >=,
 * IN [...]), EXISTS(field), TRUE / FALSE, and AND / OR / NOT. `_id` names the document's external
 * id (an allow-set: `_id IN [...]` or `_id = "..."`). It is built by vajra_filter_parse from text
 * (docs/filters.md: grammar, escaping, examples) or with the constructors below, printed back
 * canonically by vajra_filter_print, and compiled for one attribute store (one segment) into a
 * bitmap by vajra_filter_compile.
 *
 * Semantics (two-valued, documented in docs/filters.md): a comparison on a document that has no
 * value for the field is false — including `!=` (so `lang != "en"` means "has a lang, and it is
 * not en"); NOT is plain complement (so `NOT lang = "en"` also passes documents without lang).
 * On tags, `=` means "contains", `!=` "has tags and does not contain", `IN` "contains any", and
 * ranges are refused. Numbers compare exactly across int and float (1 = 1.0, 2^53 + 1 > 2^53).
 * Keywords compare by exact bytes (no case folding, no Unicode normalisation).
 *
 * Error codes used here:
 *   VAJRA_ERR_INVALID_ARGUMENT  a syntax error (the message points at the column, with the text
 *                               and a caret line), a NULL, a bad field name, a non-finite number,
 *                               nesting deeper than VAJRA_FILTER_MAX_DEPTH
 *   VAJRA_ERR_ENCODING          filter text that is not valid UTF-8
 *   VAJRA_ERR_NOT_FOUND         compile: a field the schema does not have
 *   VAJRA_ERR_TYPE_MISMATCH     compile: a literal of the wrong type for its field, a range on a
 *                               keyword or tags field
 *   VAJRA_ERR_STATE             compile: `_id` used without an id lookup in the context
 *   VAJRA_ERR_NO_MEMORY         an allocation failed
 * Messages start with "filter: " and, for parsed expressions, name the 1-based column
 * (in characters) of the offending part.
 *
 * Ownership: every function returning a VajraFilterExpr * gives the caller one tree to free with
 * vajra_filter_free. The combinators (and, or, not) TAKE OWNERSHIP of their operands in every
 * case, success or failure, so they chain without leaks.
 * Thread-safety: an expression is immutable once built; many threads may print or compile one
 * at once. Nothing here keeps global state.
 */
#ifndef VAJRA_FILTER_EXPR_H
#define VAJRA_FILTER_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/attrs.h"
#include "vajra/export.h"
#include "vajra/filter.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VajraFilterExpr VajraFilterExpr;

/* Deepest nesting accepted (parentheses, NOT, AND/OR of sub-expressions), by the parser and the
 * combinators alike: compilation recurses that deep at most. */
#define VAJRA_FILTER_MAX_DEPTH 200

/* Comparison operators. */
typedef enum VajraFilterOp {
    VAJRA_FILTER_EQ = 1, /* =  */
    VAJRA_FILTER_NE = 2, /* != */
    VAJRA_FILTER_LT = 3, /* <  */
    VAJRA_FILTER_LE = 4, /* <= */
    VAJRA_FILTER_GT = 5, /* >  */
    VAJRA_FILTER_GE = 6  /* >= */
} VajraFilterOp;

/* ---- text ---- */

/* Parse filter text. An empty (or all-blank) text is TRUE (every document passes). Keywords
 * (AND OR NOT IN EXISTS TRUE FALSE) are case-insensitive. On success the caller owns *out; on
 * failure *out is NULL and err says where, e.g.
 *     filter: column 9: expected a value (a "string" or a number) after '>=', found a keyword
 *       year >= AND x
 *               ^
 * Errors: INVALID_ARGUMENT (syntax, depth, an integer out of the int64 range, a number that is
 * not finite), ENCODING (invalid UTF-8), NO_MEMORY. */
VAJRA_API vajra_status vajra_filter_parse(const char *text, VajraFilterExpr **out,
                                          VajraError *err);

/* Write the canonical text of an expression into buf (cap bytes; NUL-terminated when cap > 0),
 * snprintf-style: returns the length the whole text needs (excluding the NUL). The canonical
 * text parses back to the same tree (AND/OR/NOT operands that are not atoms are parenthesised;
 * floats are written so they read back exactly, always with '.' or an exponent). */
VAJRA_API size_t vajra_filter_print(const VajraFilterExpr *expr, char *buf, size_t cap);

/* Free a tree. NULL is fine. */
VAJRA_API void vajra_filter_free(VajraFilterExpr *expr);

/* A deep copy (NULL on allocation failure or for NULL). */
VAJRA_API VajraFilterExpr *vajra_filter_copy(const VajraFilterExpr *expr);

/* ---- construction (field names: see vajra_attr_schema_add; "_id" names the document id) ----
 * Each returns VAJRA_OK and a new tree in *out, or an error and *out = NULL.
 * Errors: INVALID_ARGUMENT (NULLs, bad field name, bad op, non-finite number, too deep),
 * NO_MEMORY. */

/* TRUE / FALSE. */
VAJRA_API vajra_status vajra_filter_const(int value, VajraFilterExpr **out, VajraError *err);

/* field op "value" (keyword or tags field, or _id with EQ/NE). */
VAJRA_API vajra_status vajra_filter_cmp_string(const char *field, VajraFilterOp op,
                                               const char *value, VajraFilterExpr **out,
                                               VajraError *err);
/* field op integer (int or float field). */
VAJRA_API vajra_status vajra_filter_cmp_int(const char *field, VajraFilterOp op, int64_t value,
                                            VajraFilterExpr **out, VajraError *err);
/* field op number (int or float field); value must be finite. */
VAJRA_API vajra_status vajra_filter_cmp_float(const char *field, VajraFilterOp op, double value,
                                              VajraFilterExpr **out, VajraError *err);

/* field IN [values...] (strings; n may be 0: an empty list passes nothing). Strings are copied. */
VAJRA_API vajra_status vajra_filter_in_strings(const char *field, const char *const *values,
                                               size_t n, VajraFilterExpr **out,
                                               VajraError *err);
/* field IN [integers...]. */
VAJRA_API vajra_status vajra_filter_in_ints(const char *field, const int64_t *values, size_t n,
                                            VajraFilterExpr **out, VajraError *err);

/* field IN [numbers...] (each finite). */
VAJRA_API vajra_status vajra_filter_in_floats(const char *field, const double *values, size_t n,
                                              VajraFilterExpr **out, VajraError *err);

/* The id allow-set: _id IN [ids...]. */
VAJRA_API vajra_status vajra_filter_ids(const char *const *ids, size_t n, VajraFilterExpr **out,
                                        VajraError *err);

/* EXISTS(field): the document has a value for field (for tags: a list, possibly empty). */
VAJRA_API vajra_status vajra_filter_exists(const char *field, VajraFilterExpr **out,
                                           VajraError *err);

/* a AND b, a OR b, NOT a. Consume their operands (freed on failure too). */
VAJRA_API vajra_status vajra_filter_and(VajraFilterExpr *a, VajraFilterExpr *b,
                                        VajraFilterExpr **out, VajraError *err);
VAJRA_API vajra_status vajra_filter_or(VajraFilterExpr *a, VajraFilterExpr *b,
                                       VajraFilterExpr **out, VajraError *err);
VAJRA_API vajra_status vajra_filter_not(VajraFilterExpr *a, VajraFilterExpr **out,
                                        VajraError *err);

/* Does the expression mention `_id` (so it needs an id lookup to compile)? */
VAJRA_API int vajra_filter_uses_ids(const VajraFilterExpr *expr);

/* ---- compilation ---- */

/* What an expression is compiled against: one segment's attributes and ids.
 * Zero-initialise and set struct_size. */
typedef struct VajraFilterContext {
    uint32_t struct_size;          /* sizeof(VajraFilterContext) */
    uint32_t reserved;             /* 0 */
    const VajraAttrStore *attrs;   /* row d = document d; NULL = no attributes (fields are then
                                    * unknown unless `schema` is given) */
    const VajraAttrSchema *schema; /* the fields to type-check against when attrs is NULL (every
                                    * value then missing); ignored when attrs is set */
    void *id_ctx;                  /* passed to the callbacks below */
    /* Id -> document number (< nbits): 1 and *doc set when the id is a document of this
     * segment, else 0. Preferred: compilation then costs one call per listed id. */
    int (*find_id)(void *id_ctx, const char *id, uint32_t *doc);
    /* Document number -> external id (NULL when none). Used only when find_id is NULL: every
     * document is then asked once. */
    const char *(*id_of)(void *id_ctx, uint32_t doc);
} VajraFilterContext;

/* Check an expression against a schema without compiling: unknown fields, literal types,
 * ranges on strings. `schema` NULL means no attributes (any field but _id is unknown).
 * Errors: NOT_FOUND, TYPE_MISMATCH, INVALID_ARGUMENT. Thread-safe. */
VAJRA_API vajra_status vajra_filter_check(const VajraFilterExpr *expr,
                                          const VajraAttrSchema *schema, VajraError *err);

/* Compile for documents 0 .. nbits-1: words[(nbits + 63) / 64] (caller-owned) gets bit d set
 * when document d passes (bits at or beyond nbits are cleared), *passing (may be NULL) the number
 * of set bits — the filter's selectivity. Documents at or beyond vajra_attrs_count(attrs) have no
 * values. Together they fill a VajraDocFilter:
 *     VajraDocFilter f = {sizeof f, nbits, passing, 0, words};
 * Costs one pass over each referenced column, plus the id lookups; allocates scratch of
 * (depth + 1) bitmaps. Errors: as vajra_filter_check, STATE (`_id` without find_id or id_of),
 * INVALID_ARGUMENT (NULLs, nbits > 0 with words NULL, ctx->struct_size too small), NO_MEMORY.
 * On error the words are unspecified. Thread-safe (the context's callbacks must be too). */
VAJRA_API vajra_status vajra_filter_compile(const VajraFilterExpr *expr,
                                            const VajraFilterContext *ctx, uint32_t nbits,
                                            uint64_t *words, uint32_t *passing,
                                            VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_FILTER_EXPR_H */
