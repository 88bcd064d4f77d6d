/* Vajra — document filters: which internal document numbers a search may return.
 *
 * A filter is a bitmap over an index's internal document numbers (bit d of words[d / 64], least
 * significant bit first, set = document d passes). It is how a collection hides deleted documents
 * from a segment's search (its tombstones, inverted) and how attribute filters and id allow-sets
 * reach the index plugins: they are compiled to a bitmap per index and handed to the plugin's
 * filtered search slot, which applies it *inside* the search (postings traversal, graph
 * traversal), never by cutting an unfiltered top-k afterwards.
 *
 * Documents at or beyond `nbits` do not pass. `passing` is the number of set bits below nbits:
 * planners use it as the filter's selectivity (e.g. HNSW switches to an exact scan of the passing
 * documents when few pass). A NULL filter means "every document passes".
 *
 * Ownership: the filter and its words are the caller's, borrowed for the duration of a call.
 * Thread-safety: a filter is read-only during a search; one filter may serve many threads.
 */
#ifndef VAJRA_FILTER_H
#define VAJRA_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VajraDocFilter {
    uint32_t struct_size;  /* sizeof(VajraDocFilter) */
    uint32_t nbits;        /* documents 0 .. nbits-1 are described by words */
    uint32_t passing;      /* set bits below nbits (exact; planners rely on it) */
    uint32_t reserved;     /* 0 */
    const uint64_t *words; /* (nbits + 63) / 64 words; bits at or beyond nbits are ignored */
} VajraDocFilter;

/* Does document `doc` pass? A NULL filter passes everything. Thread-safe, no side effects. */
static inline int vajra_filter_pass(const VajraDocFilter *f, uint32_t doc)
{
    if (f == NULL)
        return 1;
    if (doc >= f->nbits)
        return 0;
    return (int)((f->words[doc >> 6] >> (doc & 63)) & 1u);
}

/* Count the set bits of words below nbits (what `passing` must hold); bits at or beyond nbits are
 * not counted, and words is not read beyond word (nbits - 1) / 64. NULL words or nbits 0 → 0.
 * Never fails; thread-safe (reads words only). */
VAJRA_API uint32_t vajra_filter_count(const uint64_t *words, uint32_t nbits);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_FILTER_H */
