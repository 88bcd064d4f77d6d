/* Vajra — attribute store internals shared by core/attrs.c (the store) and core/filter_*.c (the
 * compiler reads the columns directly). Not public API. */
#ifndef VAJRA_ATTRS_INTERNAL_H
#define VAJRA_ATTRS_INTERNAL_H

#include <glib.h>
#include <stdint.h>

#include "vajra/attrs.h"

/* Distinct strings of a keyword or tags column. Code c (1-based) is strs[c - 1]; 0 = none. */
typedef struct AttrDict {
    GPtrArray *strs;   /* owned char * */
    GHashTable *codes; /* string (borrowed from strs) -> GUINT_TO_POINTER(code) */
} AttrDict;

typedef struct AttrColumn {
    VajraAttrType type;
    GArray *codes;   /* guint32: keyword = one code per row (0 = missing); tags = all tags */
    GArray *off;     /* guint64, tags only: row r's tags are codes[off[r] .. off[r+1]-1] */
    GArray *present; /* guint64 bit words, tags/int/float: bit r set = row r has a value */
    GArray *values;  /* gint64 (int) or double (float) per row; 0 where missing */
    AttrDict dict;   /* keyword and tags */
} AttrColumn;

struct VajraAttrSchema {
    GPtrArray *names;   /* owned char * */
    GArray *types;      /* guint32 VajraAttrType */
    GHashTable *index;  /* name (borrowed) -> GSIZE_TO_POINTER(field + 1) */
};

struct VajraAttrStore {
    VajraAttrSchema *schema;
    uint32_t count;
    AttrColumn *cols; /* one per schema field */
};

/* The code of `s` in a dictionary, 0 when absent. */
static inline uint32_t attr_dict_code(const AttrDict *d, const char *s)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(d->codes, s));
}

/* Does row have a value in a tags/int/float column (row < store count)? */
static inline int attr_present(const AttrColumn *c, uint32_t row)
{
    return (int)((g_array_index(c->present, guint64, row >> 6) >> (row & 63)) & 1u);
}

/* Append s as a JSON string literal (quotes, escapes for '"', '\\' and control characters; other
 * UTF-8 kept as is). The filter printer uses it too. */
void vajra_json_quote_(GString *out, const char *s);

/* Append a double so that strtod reads it back exactly; always with a '.' or an exponent. */
void vajra_format_double_(GString *out, double x);

/* Copy a GString into a caller buffer snprintf-style; returns the full length. */
size_t vajra_copy_out_(const GString *s, char *buf, size_t cap);

/* Make an empty column of a type / free what a column owns (the struct itself is the caller's). */
void vajra_attr_column_init_(AttrColumn *c, VajraAttrType type);
void vajra_attr_column_clear_(AttrColumn *c);

/* Is `name` acceptable as a field name? NULL when it is, else what is wrong with it. */
const char *vajra_attr_name_problem_(const char *name);

#endif /* VAJRA_ATTRS_INTERNAL_H */
