/* Vajra — helpers shared by the input readers (core/io_*.c, core/eval.c). Not public API. */
#ifndef VAJRA_IO_INTERNAL_H
#define VAJRA_IO_INTERNAL_H

#include <stddef.h>

#include "vajra/io.h"
#include "vajra/status.h"

/* A read-only view of a whole file: mapped when non-empty, "" when empty. */
typedef struct VajraFileView {
    const char *data;
    size_t len;
    void *mapping; /* what to munmap, NULL for an empty file */
    size_t mapped_len;
} VajraFileView;

/* Map `path` read-only. Errors: IO (naming the path and errno's text). */
vajra_status vajra_file_view_open(const char *path, VajraFileView *view, VajraError *err);
void vajra_file_view_close(VajraFileView *view);

/* 64-byte aligned allocation of `count` elements of `size` bytes (rounded up to the alignment);
 * NULL when count * size overflows or memory is short. Free with free(). count 0 gives NULL. */
void *vajra_io_aligned_alloc(size_t count, size_t size);

/* Little-endian loads that do not care about alignment. */
static inline unsigned vajra_io_le16(const unsigned char *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }
static inline unsigned long vajra_io_le32(const unsigned char *p)
{
    return (unsigned long)p[0] | ((unsigned long)p[1] << 8) | ((unsigned long)p[2] << 16) |
           ((unsigned long)p[3] << 24);
}

/* ---- qrels internals the eval module reads ---- */
typedef struct VajraQrelsQuery VajraQrelsQuery;

/* The judgements of one query, or NULL when the qrels do not mention it. */
const VajraQrelsQuery *vajra_qrels_query_(const VajraQrels *qrels, const char *query_id);
/* The i-th query (first-appearance order), or NULL. */
const VajraQrelsQuery *vajra_qrels_query_at_(const VajraQrels *qrels, size_t i);
/* Grade of a document for that query (0 when unlisted). */
int vajra_qrels_query_grade_(const VajraQrelsQuery *q, const char *doc_id);
/* Number of documents with grade >= 1. */
size_t vajra_qrels_query_relevant_(const VajraQrelsQuery *q);
/* The positive grades of the query sorted in descending order (count = relevant). Borrowed. */
const int *vajra_qrels_query_sorted_grades_(const VajraQrelsQuery *q);
/* The query's id. Borrowed. */
const char *vajra_qrels_query_name_(const VajraQrelsQuery *q);

#endif /* VAJRA_IO_INTERNAL_H */
