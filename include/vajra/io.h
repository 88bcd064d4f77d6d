/* Vajra — input readers: BEIR-style JSONL documents and queries, qrels TSV, and vector files
 * (NumPy .npy, .fvecs/.ivecs).
 *
 * These are conveniences for the CLI, tests and benchmarks; the core never needs them to index.
 * Every reader validates its whole input before returning and never trusts a size it has not
 * checked against the file length: they are fuzz targets. Errors name the file (the `name` given
 * to a *_parse function, or the path) and, for text formats, the 1-based line number.
 *
 * Error codes used here:
 *   VAJRA_ERR_INVALID_ARGUMENT  a NULL where a value is required
 *   VAJRA_ERR_IO                the file cannot be opened or read
 *   VAJRA_ERR_NO_MEMORY         an allocation failed (or a size would overflow)
 *   VAJRA_ERR_ENCODING          bad JSON, invalid UTF-8, a missing or mistyped field, a malformed
 *                               qrels line ("<file>:<line>: ...")
 *   VAJRA_ERR_DUPLICATE         the same (query, document) pair twice in a qrels file
 *   VAJRA_ERR_DIMENSION         vectors of different lengths, or vector rows != document count
 *   VAJRA_ERR_BAD_VALUE         a non-number inside a vector field
 *   VAJRA_ERR_CORRUPT           a vector file whose header or length does not add up
 *   VAJRA_ERR_UNSUPPORTED       a valid .npy of a kind we do not read (dtype, Fortran order, ...)
 *
 * Thread-safety: every reader is reentrant (no shared state). A loaded VajraDocSet or matrix is
 * immutable afterwards except through the functions documented as modifying it, so any number of
 * threads may read one at once.
 */
#ifndef VAJRA_IO_H
#define VAJRA_IO_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/quant.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Vector matrices                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Alignment in bytes of every matrix data array returned by the readers below. */
#define VAJRA_IO_ALIGNMENT 64

/* A dense row-major matrix of float32: row i is data[i*dim .. i*dim+dim-1] (rows are contiguous,
 * not padded). `data` is 64-byte aligned, owned by the matrix, NULL when rows*dim == 0.
 * Release with vajra_matrix_f32_clear(). A zeroed struct is a valid empty matrix. */
typedef struct VajraMatrixF32 {
    float *data;
    size_t rows;
    size_t dim;
} VajraMatrixF32;

/* The same for int32 (ground-truth neighbour ids). Release with vajra_matrix_i32_clear(). */
typedef struct VajraMatrixI32 {
    int32_t *data;
    size_t rows;
    size_t dim;
} VajraMatrixI32;

/* Free the data and reset the struct to empty. NULL and already-empty matrices are fine. */
VAJRA_API void vajra_matrix_f32_clear(VajraMatrixF32 *m);
VAJRA_API void vajra_matrix_i32_clear(VajraMatrixI32 *m);

/* Read a NumPy .npy file (format v1.0, v2.0 or v3.0 header) of dtype '<f4', or '<f2' widened
 * exactly to float32 (subnormals, infinities and NaN included). C order only. A 2-D shape
 * (rows, dim) is read as is; a 1-D shape (n,) as n rows of dim 1. The file must hold exactly
 * rows*dim values after the header. On success *out owns new data (it is overwritten, not
 * freed, so pass an empty matrix); on failure *out is left empty.
 * Errors: IO, CORRUPT (bad magic, header, shape or length), UNSUPPORTED (other dtype, big-endian,
 * Fortran order, 0-d or 3-D+ shapes), NO_MEMORY. */
VAJRA_API vajra_status vajra_npy_read_f32(const char *path, VajraMatrixF32 *out, VajraError *err);

/* Read a .npy of dtype '<i4' (ground-truth ids); otherwise as vajra_npy_read_f32. */
VAJRA_API vajra_status vajra_npy_read_i32(const char *path, VajraMatrixI32 *out, VajraError *err);

/* Read a .fvecs file: each row is a little-endian int32 dimension d followed by d float32 values;
 * every row must have the same d >= 1 and the file must end exactly after the last row. An empty
 * file is an error (its dimension is unknown). Errors: IO, CORRUPT, DIMENSION, NO_MEMORY. */
VAJRA_API vajra_status vajra_fvecs_read(const char *path, VajraMatrixF32 *out, VajraError *err);

/* Read an .ivecs file (as .fvecs, with int32 values). */
VAJRA_API vajra_status vajra_ivecs_read(const char *path, VajraMatrixI32 *out, VajraError *err);

/* Read float vectors choosing the format by the file name: ".npy" or ".fvecs".
 * Errors: as above; UNSUPPORTED for any other extension. */
VAJRA_API vajra_status vajra_vectors_read(const char *path, VajraMatrixF32 *out, VajraError *err);

/* The same parsers over a buffer already in memory (`name` is used in error messages only and
 * may be NULL). The buffer is borrowed and not modified. These are the fuzz entry points. */
VAJRA_API vajra_status vajra_npy_parse_f32(const void *buf, size_t len, const char *name,
                                           VajraMatrixF32 *out, VajraError *err);
VAJRA_API vajra_status vajra_npy_parse_i32(const void *buf, size_t len, const char *name,
                                           VajraMatrixI32 *out, VajraError *err);
VAJRA_API vajra_status vajra_fvecs_parse(const void *buf, size_t len, const char *name,
                                         VajraMatrixF32 *out, VajraError *err);
VAJRA_API vajra_status vajra_ivecs_parse(const void *buf, size_t len, const char *name,
                                         VajraMatrixI32 *out, VajraError *err);

/* vajra_f16_to_f32 (binary16 -> binary32, exact) is declared in vajra/quant.h, included here. */

/* ------------------------------------------------------------------------------------------ */
/* JSONL documents and queries                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Options for the JSONL reader. Zero-initialise ({0}) for the defaults. */
typedef struct VajraJsonlOptions {
    /* Name of a field holding the document's vector as a JSON array of numbers, or NULL for none.
     * When set, every line must carry it, with the same length (the first line fixes it unless
     * `dim` is non-zero). */
    const char *vector_field;
    /* Required vector length, or 0 to take it from the first line. */
    uint32_t dim;
    /* Non-zero: replace invalid UTF-8 sequences by U+FFFD instead of failing on them. */
    int repair_utf8;
} VajraJsonlOptions;

/* Documents (or queries) read from a JSONL file, one JSON object per line:
 *   {"_id": "...", "title": "...", "text": "...", <vector_field>: [numbers], other fields...}
 * "_id" is required (a string, or an integer which is kept as its decimal text); "title" and
 * "text" are optional strings (or null); other fields are kept as the document's attribute text
 * (vajra_docset_attrs) and otherwise ignored. Blank lines are skipped.
 * A missing title is NULL in the VajraDocument; a missing text is "" (an empty document).
 * Duplicate ids are NOT rejected here (that is the index's job); vajra_docset_find returns the
 * first. The set owns every string and vector; documents' pointers stay valid until it is freed.
 * Opaque; many threads may read one set at once. */
typedef struct VajraDocSet VajraDocSet;

/* Read a JSONL file. Errors (with "<path>:<line>: ..."): IO, ENCODING (bad JSON, invalid UTF-8
 * unless repair_utf8, missing or non-string "_id", non-string "title"/"text", a line that is not
 * an object), DIMENSION / BAD_VALUE (vector field wrong length / not numbers), NO_MEMORY.
 * On success *out is a new set to free with vajra_docset_free; on failure *out is NULL.
 * `opts` may be NULL (defaults). */
VAJRA_API vajra_status vajra_docset_read_jsonl(const char *path, const VajraJsonlOptions *opts,
                                               VajraDocSet **out, VajraError *err);

/* The same over a buffer in memory (borrowed; `name` appears in errors and may be NULL). */
VAJRA_API vajra_status vajra_docset_parse_jsonl(const char *buf, size_t len, const char *name,
                                                const VajraJsonlOptions *opts, VajraDocSet **out,
                                                VajraError *err);

/* Free a set and everything it owns. NULL is fine. */
VAJRA_API void vajra_docset_free(VajraDocSet *set);

/* Number of documents. */
VAJRA_API size_t vajra_docset_count(const VajraDocSet *set);

/* Document i (0-based, file order), or NULL when i is out of range. Borrowed from the set. */
VAJRA_API const VajraDocument *vajra_docset_doc(const VajraDocSet *set, size_t i);

/* All documents as a batch for an index functor. Borrowed from the set. */
VAJRA_API VajraDocBatch vajra_docset_batch(const VajraDocSet *set);

/* The ids in file order: an array of count NUL-terminated strings (what the eval module wants to
 * turn hit numbers into ids). Borrowed from the set. */
VAJRA_API const char *const *vajra_docset_ids(const VajraDocSet *set);

/* The document's attribute fields: every field of its line except "_id", "title", "text" and the
 * vector field, as a compact JSON object text in line order, e.g. {"lang":"en","year":1962};
 * NULL when the line has no other field or i is out of range. Borrowed from the set. This is what
 * vajra_attrs_append_json (attrs.h) takes; a schema there picks the fields that are filterable. */
VAJRA_API const char *vajra_docset_attrs(const VajraDocSet *set, size_t i);

/* The same for every document: count entries in file order, parallel to vajra_docset_ids (entries
 * are NULL for documents without attribute fields). Borrowed from the set. */
VAJRA_API const char *const *vajra_docset_attrs_all(const VajraDocSet *set);

/* Index of the first document whose id equals `id`, or -1 when none. O(1) on average. */
VAJRA_API long vajra_docset_find(const VajraDocSet *set, const char *id);

/* Vector length of the documents (0 when they have no vectors). */
VAJRA_API uint32_t vajra_docset_dim(const VajraDocSet *set);

/* Attach vectors from a matrix: document i gets row i. The matrix is borrowed and must outlive
 * the set (or the next attach). Replaces any vectors read from a vector field.
 * Errors: DIMENSION when matrix->rows != count ("<n> vectors for <m> documents") or dim is 0;
 * INVALID_ARGUMENT for NULLs. Not thread-safe against concurrent readers of the set. */
VAJRA_API vajra_status vajra_docset_attach_vectors(VajraDocSet *set, const VajraMatrixF32 *matrix,
                                                   VajraError *err);

/* ------------------------------------------------------------------------------------------ */
/* Relevance judgements (qrels)                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Graded relevance judgements: (query id, document id) -> integer grade; unlisted pairs are 0,
 * and only grades >= 1 count as relevant. Opaque; immutable after reading except through
 * vajra_qrels_add; many threads may read one at once. */
typedef struct VajraQrels VajraQrels;

/* Read a BEIR qrels TSV: an optional header line "query-id<TAB>corpus-id<TAB>score", then lines of
 * three tab-separated fields: query id, document id, integer grade (may be 0 or negative; such
 * rows are kept but are not relevant). Blank lines are skipped; a trailing '\r' is ignored.
 * Errors ("<path>:<line>: ..."): IO, ENCODING (wrong field count, empty id, non-integer grade),
 * DUPLICATE (the same pair twice), NO_MEMORY. On failure *out is NULL. */
VAJRA_API vajra_status vajra_qrels_read(const char *path, VajraQrels **out, VajraError *err);

/* The same over a buffer in memory (borrowed; `name` appears in errors and may be NULL). */
VAJRA_API vajra_status vajra_qrels_parse(const char *buf, size_t len, const char *name,
                                         VajraQrels **out, VajraError *err);

/* An empty set of judgements, to fill with vajra_qrels_add (tests, programmatic use). */
VAJRA_API vajra_status vajra_qrels_new(VajraQrels **out, VajraError *err);

/* Add one judgement (strings are copied). Errors: INVALID_ARGUMENT, DUPLICATE, NO_MEMORY.
 * Not thread-safe against concurrent readers. */
VAJRA_API vajra_status vajra_qrels_add(VajraQrels *qrels, const char *query_id,
                                       const char *doc_id, int grade, VajraError *err);

/* Free. NULL is fine. */
VAJRA_API void vajra_qrels_free(VajraQrels *qrels);

/* Number of judgement rows, and of distinct queries (with any row). */
VAJRA_API size_t vajra_qrels_count(const VajraQrels *qrels);
VAJRA_API size_t vajra_qrels_query_count(const VajraQrels *qrels);

/* The i-th distinct query id in first-appearance order, or NULL out of range. Borrowed. */
VAJRA_API const char *vajra_qrels_query_id(const VajraQrels *qrels, size_t i);

/* The grade of (query, doc), 0 when unlisted. */
VAJRA_API int vajra_qrels_grade(const VajraQrels *qrels, const char *query_id, const char *doc_id);

/* Number of documents with grade >= 1 for the query (0 when the query is unknown). */
VAJRA_API size_t vajra_qrels_relevant_count(const VajraQrels *qrels, const char *query_id);

/* Call fn(user, doc_id, grade) for every judged document of `query_id` (any grade, in no
 * particular order; doc_id is borrowed for the call). fn may be NULL (just count). Returns the
 * number of judgements of the query (0 when it is unknown). The qrels must not change meanwhile;
 * otherwise thread-safe. */
typedef void (*VajraQrelsDocFn)(void *user, const char *doc_id, int grade);
VAJRA_API size_t vajra_qrels_foreach_doc(const VajraQrels *qrels, const char *query_id,
                                         VajraQrelsDocFn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_IO_H */
