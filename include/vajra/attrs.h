/* Vajra — document attributes: a typed schema and a column store, what filters are compiled over.
 *
 * A document may carry attributes next to its text: a keyword ("lang": "en"), a list of tags
 * ("tags": ["wing", "flow"]), an integer ("year": 1962) or a float ("rating": 4.5). A *schema*
 * names the fields and fixes their types; an *attribute store* holds the values of N documents
 * (rows 0 .. N-1, the same numbers as the documents of an index segment) column by column.
 * Any value may be missing on any row. docs/filters.md describes the types, the JSON forms each
 * accepts, and how a collection declares or infers its schema.
 *
 * Values arrive as one JSON object per document (the attribute fields of a JSONL line: see
 * vajra_docset_attrs in io.h); fields not in the schema are ignored unless VAJRA_ATTRS_STRICT.
 * Strings are UTF-8. Keywords and tags are stored once per distinct value (a dictionary per
 * column), rows hold small codes.
 *
 * Error codes used here:
 *   VAJRA_ERR_INVALID_ARGUMENT  a NULL where a value is required, a bad field name, a row out of
 *                               range, a malformed schema text
 *   VAJRA_ERR_DUPLICATE         a field declared twice
 *   VAJRA_ERR_TYPE_MISMATCH     a value of the wrong type for its field (the message names the
 *                               document and the field); stores with different schemas
 *   VAJRA_ERR_ENCODING          an attribute text that is not a JSON object, invalid UTF-8
 *   VAJRA_ERR_BAD_VALUE         an integer out of range, a non-finite float
 *   VAJRA_ERR_CORRUPT           a saved store that fails validation (load)
 *   VAJRA_ERR_VERSION           a saved store written by a newer format
 *   VAJRA_ERR_NO_MEMORY         an allocation failed
 *
 * Thread-safety: schemas are immutable once built (add is the only mutator); a store may be read
 * (getters, filter compilation, save) from many threads at once, but appending needs exclusive
 * access. No function keeps global state.
 */
#ifndef VAJRA_ATTRS_H
#define VAJRA_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/sections.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attribute types. The numbers are pinned (they are saved in files). */
typedef enum VajraAttrType {
    VAJRA_ATTR_KEYWORD = 1, /* one string, compared for equality */
    VAJRA_ATTR_TAGS = 2,    /* a list of strings; `tags = "x"` means "contains x" */
    VAJRA_ATTR_INT = 3,     /* a signed 64-bit integer */
    VAJRA_ATTR_FLOAT = 4    /* a finite double */
} VajraAttrType;

/* Longest field name in bytes. */
#define VAJRA_ATTR_NAME_MAX 255

/* The name of a type ("keyword", "tags", "int", "float"), or "?" for an unknown value. Static. */
VAJRA_API const char *vajra_attr_type_name(VajraAttrType type);

/* ------------------------------------------------------------------------------------------ */
/* Schemas                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* An ordered list of (field name, type). Fields are numbered 0 .. count-1 in declaration order;
 * the number is what the getters take. Opaque. */
typedef struct VajraAttrSchema VajraAttrSchema;

/* An empty schema. Caller owns *out (vajra_attr_schema_free). Errors: INVALID_ARGUMENT. */
VAJRA_API vajra_status vajra_attr_schema_new(VajraAttrSchema **out, VajraError *err);

/* Declare a field (the name is copied). A name is 1..VAJRA_ATTR_NAME_MAX bytes of valid UTF-8
 * without control characters, and not "_id", "title" or "text" (those belong to the document).
 * Errors: INVALID_ARGUMENT (bad name or type), DUPLICATE (name already declared), NO_MEMORY. */
VAJRA_API vajra_status vajra_attr_schema_add(VajraAttrSchema *schema, const char *name,
                                             VajraAttrType type, VajraError *err);

/* Parse a schema text: comma-separated "name:type" pairs, e.g.
 * "lang:keyword, tags:tags, year:int, rating:float" (spaces around items are ignored; names may
 * not contain ',' or ':' in this form — use vajra_attr_schema_add for those). An empty text is an
 * empty schema. Caller owns *out. Errors: INVALID_ARGUMENT (the message names the item),
 * DUPLICATE, NO_MEMORY. */
VAJRA_API vajra_status vajra_attr_schema_parse(const char *text, VajraAttrSchema **out,
                                               VajraError *err);

/* Infer a schema from documents' attribute objects (JSON texts; NULL or "" entries are skipped):
 * a string is a keyword, an array of strings a tags field, an integer an int, any other number a
 * float (a field seen with both integers and other numbers is a float). null values say nothing;
 * fields whose values are objects, booleans or arrays of non-strings are not attributes and are
 * left out. Fields appear in first-seen order. `ids` (may be NULL) name documents in messages.
 * Errors: ENCODING (not a JSON object), TYPE_MISMATCH (a field that is a string in one document
 * and a number or list in another; the message names both documents and the field), NO_MEMORY. */
VAJRA_API vajra_status vajra_attr_schema_infer(const char *const *json, const char *const *ids,
                                               size_t count, VajraAttrSchema **out,
                                               VajraError *err);

/* Free. NULL is fine. */
VAJRA_API void vajra_attr_schema_free(VajraAttrSchema *schema);

/* A copy (NULL on allocation failure). */
VAJRA_API VajraAttrSchema *vajra_attr_schema_copy(const VajraAttrSchema *schema);

/* Number of fields; name and type of field i (NULL / 0 when i is out of range; borrowed). */
VAJRA_API size_t vajra_attr_schema_count(const VajraAttrSchema *schema);
VAJRA_API const char *vajra_attr_schema_name(const VajraAttrSchema *schema, size_t i);
VAJRA_API VajraAttrType vajra_attr_schema_type(const VajraAttrSchema *schema, size_t i);

/* The number of the field called `name`, or -1. O(1) on average. */
VAJRA_API long vajra_attr_schema_find(const VajraAttrSchema *schema, const char *name);

/* Same fields, same types, same order. */
VAJRA_API int vajra_attr_schema_equal(const VajraAttrSchema *a, const VajraAttrSchema *b);

/* Write the schema as text ("lang:keyword,year:int") into buf (cap bytes, always NUL-terminated
 * when cap > 0), snprintf-style: returns the length the full text needs (excluding the NUL).
 * Names containing ',' or ':' cannot be parsed back from this form. */
VAJRA_API size_t vajra_attr_schema_format(const VajraAttrSchema *schema, char *buf, size_t cap);

/* ------------------------------------------------------------------------------------------ */
/* Stores                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The attribute values of rows 0 .. count-1 under one schema. Opaque. */
typedef struct VajraAttrStore VajraAttrStore;

/* Flags for vajra_attrs_append_json. */
#define VAJRA_ATTRS_STRICT 1u /* a field not in the schema is an error (TYPE_MISMATCH) */

/* An empty store over a copy of `schema`. Caller owns *out (vajra_attrs_free).
 * Errors: INVALID_ARGUMENT, NO_MEMORY. */
VAJRA_API vajra_status vajra_attrs_new(const VajraAttrSchema *schema, VajraAttrStore **out,
                                       VajraError *err);

/* Free. NULL is fine. */
VAJRA_API void vajra_attrs_free(VajraAttrStore *store);

/* The store's schema (borrowed, lives as long as the store). */
VAJRA_API const VajraAttrSchema *vajra_attrs_schema(const VajraAttrStore *store);

/* Number of rows. */
VAJRA_API uint32_t vajra_attrs_count(const VajraAttrStore *store);

/* Append `count` rows, row i from json[i]: a JSON object text whose fields named in the schema
 * give the values (NULL, "" or an object without them: every value missing; a null value is
 * missing too). Accepted forms: keyword — a string; tags — an array of strings (possibly empty:
 * present with no tags) or a single string (one tag); int — an integer, or a number with an
 * integral value below 2^53 in magnitude; float — any number. `json` may be NULL when count is 0.
 * `ids` (may be NULL) name the documents in messages ("document \"12\": field \"year\": ...");
 * without ids the message says "document #<index in batch>".
 * All or nothing: the whole batch is validated before any row is added.
 * Errors: ENCODING, TYPE_MISMATCH, BAD_VALUE, INVALID_ARGUMENT (the store would exceed
 * UINT32_MAX - 1 rows), NO_MEMORY (the store is unchanged). Needs exclusive access. */
VAJRA_API vajra_status vajra_attrs_append_json(VajraAttrStore *store, const char *const *json,
                                               const char *const *ids, size_t count,
                                               unsigned flags, VajraError *err);

/* Check a batch exactly as vajra_attrs_append_json would, without a store: a collection calls it
 * before it hands the batch to its indexes, then appends after they took it (so the append can
 * only fail on memory). Errors: as append_json (but for the row limit). Thread-safe. */
VAJRA_API vajra_status vajra_attrs_check_json(const VajraAttrSchema *schema,
                                              const char *const *json, const char *const *ids,
                                              size_t count, unsigned flags, VajraError *err);

/* Append `count` rows with every value missing. Errors: INVALID_ARGUMENT, NO_MEMORY. */
VAJRA_API vajra_status vajra_attrs_append_missing(VajraAttrStore *store, size_t count,
                                                  VajraError *err);

/* Append rows rows[0..n-1] of `src` (in that order; repeats allowed) to `dst`: what compaction
 * does to keep the live rows of a segment. The schemas must be equal. Values are re-coded, so
 * dst's dictionaries hold only values it uses (plus what it had). dst != src.
 * Errors: INVALID_ARGUMENT (a row >= vajra_attrs_count(src), NULLs, dst == src), TYPE_MISMATCH
 * (schemas differ), NO_MEMORY (dst is unchanged). Needs exclusive access to dst; src is read. */
VAJRA_API vajra_status vajra_attrs_append_rows(VajraAttrStore *dst, const VajraAttrStore *src,
                                               const uint32_t *rows, size_t n, VajraError *err);

/* ---- typed getters (field = the schema's field number; all are thread-safe reads) ---- */

/* 1 and *out set when row has an int (resp. float) value for field, else 0 (missing, wrong type,
 * row or field out of range). */
VAJRA_API int vajra_attrs_get_int(const VajraAttrStore *store, uint32_t row, size_t field,
                                  int64_t *out);
VAJRA_API int vajra_attrs_get_float(const VajraAttrStore *store, uint32_t row, size_t field,
                                    double *out);
/* The keyword of row, or NULL (missing, wrong type, out of range). Borrowed from the store. */
VAJRA_API const char *vajra_attrs_get_keyword(const VajraAttrStore *store, uint32_t row,
                                              size_t field);
/* 1 and *count set when row has a tags value (possibly empty), else 0. */
VAJRA_API int vajra_attrs_get_tag_count(const VajraAttrStore *store, uint32_t row, size_t field,
                                        size_t *count);
/* Tag i of row (list order as appended), or NULL. Borrowed from the store. */
VAJRA_API const char *vajra_attrs_get_tag(const VajraAttrStore *store, uint32_t row, size_t field,
                                          size_t i);

/* Row's values as a compact JSON object in schema order, missing values left out, e.g.
 * {"lang":"en","tags":["wing"],"year":1962}; "{}" for a row without values or out of range.
 * snprintf-style: writes at most cap bytes (NUL-terminated when cap > 0) and returns the length
 * the whole text needs (excluding the NUL). Floats are written so that they read back exactly. */
VAJRA_API size_t vajra_attrs_row_json(const VajraAttrStore *store, uint32_t row, char *buf,
                                      size_t cap);

/* ---- persistence ---- */

/* Save the store as ONE section called `section` (NULL = "attrs"; at most VAJRA_SECTION_NAME_MAX
 * bytes; a collection uses one name per segment, e.g. "seg3.attrs"). The bytes are deterministic
 * (the same store gives the same bytes) and carry their own checksum.
 * Errors: INVALID_ARGUMENT, the writer's errors (prefixed with the section name). */
VAJRA_API vajra_status vajra_attrs_save(const VajraAttrStore *store,
                                        const VajraSectionWriter *writer, const char *section,
                                        VajraError *err);

/* Load a store saved by vajra_attrs_save from section `section` (NULL = "attrs"). Everything is
 * validated before it is used (lengths, offsets, codes, dictionaries, UTF-8, finite floats, a
 * checksum over the whole section), then copied: the reader's bytes are not kept, and the store
 * can be appended to. Caller owns *out (NULL on failure).
 * Errors: NOT_FOUND (no such section), CORRUPT (the message says what failed), VERSION,
 * NO_MEMORY, INVALID_ARGUMENT. */
VAJRA_API vajra_status vajra_attrs_load(const VajraSectionReader *reader, const char *section,
                                        VajraAttrStore **out, VajraError *err);

/* The same over bytes in memory (borrowed; `len` bytes at `data`, any alignment). */
VAJRA_API vajra_status vajra_attrs_load_bytes(const void *data, size_t len,
                                              VajraAttrStore **out, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_ATTRS_H */
