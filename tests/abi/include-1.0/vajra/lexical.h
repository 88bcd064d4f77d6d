/* Vajra — lexical (BM25-family) search: analyzer options, the lexical index plugin vtable, the
 * postings accessor, and the core's reference search.
 *
 * Life of an index (plugin kind VAJRA_PLUGIN_LEXICAL, e.g. "lexical-bm25"):
 *
 *     create(options)            an empty index bound to one scorer (options.scorer)
 *     add_batch(docs) ...        any number of times; two batches == one batch
 *     commit()                   make everything added so far searchable (flat postings, stats,
 *                                per-posting scores and per-term bounds for the bound scorer)
 *     scratch_new()              one per searching thread
 *     search(query, k, scratch)  many threads at once, no locks, no per-posting allocation
 *     save(writer) / load(reader)
 *
 * Documents get internal numbers 0, 1, 2, ... in insertion order; hits carry these numbers and
 * doc_id() maps them back to external ids. The scorer is never loaded by the index: the caller
 * loads a scorer plugin through the registry, makes an instance and passes a VajraScorer.
 *
 * Thread-safety: add_batch, commit and free need exclusive access. search, analyze, the accessor
 * and the id functions may run concurrently from many threads on a committed index, each thread
 * with its own scratch (a scratch is single-threaded). Nothing on the read path locks.
 */
#ifndef VAJRA_LEXICAL_H
#define VAJRA_LEXICAL_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/scorer.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_LEXICAL_VTABLE_VERSION 1

/* Stemmer choice (Snowball, through libstemmer). Pinned values: they are saved in index files. */
typedef enum VajraStemmer {
    VAJRA_STEMMER_ENGLISH = 0, /* Snowball "english" (Porter2); the default */
    VAJRA_STEMMER_PORTER = 1,  /* Snowball "porter" (the original Porter algorithm) */
    VAJRA_STEMMER_NONE = 2     /* no stemming */
} VajraStemmer;

/* How text becomes terms. All-zero means the defaults, documented per field (docs/lexical.md):
 * UTF-8 text is split on characters that are neither letters nor digits (combining marks stay
 * inside a word), each token is case-folded and NFKC-normalised, English stopwords are dropped,
 * tokens longer than max_token_length characters are dropped, the rest are stemmed. */
typedef struct VajraAnalyzerOptions {
    uint32_t stemmer;          /* VajraStemmer; default VAJRA_STEMMER_ENGLISH */
    uint32_t keep_stopwords;   /* 0 = drop the English stopword list (default); 1 = keep all */
    uint32_t max_token_length; /* in characters; 0 = default 64; at most 1024 */
    uint32_t repair_utf8;      /* 0 = invalid UTF-8 is VAJRA_ERR_ENCODING naming the document
                                * (default); 1 = repair it (g_utf8_make_valid) and go on */
} VajraAnalyzerOptions;

/* Options for create (and load). */
typedef struct VajraLexicalOptions {
    uint32_t struct_size;          /* sizeof(VajraLexicalOptions) */
    VajraAnalyzerOptions analyzer; /* ignored by load: the saved analyzer is used */
    uint32_t ignore_title;         /* 0 = index title and text as one field (default) */
    VajraScorer scorer;            /* required; borrowed, must outlive the index */
} VajraLexicalOptions;

/* The postings of one term, read-only, borrowed from the index (valid until the next
 * add_batch/commit/free). docs are strictly increasing internal numbers; tfs[i] ≥ 1. */
typedef struct VajraPostingsView {
    const uint32_t *docs;
    const uint32_t *tfs;
    size_t count;
} VajraPostingsView;

/* Opaque, defined by each plugin. */
typedef struct VajraLexicalIndex VajraLexicalIndex;
typedef struct VajraLexicalScratch VajraLexicalScratch;

typedef struct VajraLexicalVtable {
    uint32_t version; /* VAJRA_LEXICAL_VTABLE_VERSION */

    /* ---- building (exclusive access) ---- */

    /* Make an empty index. Caller owns *out (free). Errors: VAJRA_ERR_INVALID_ARGUMENT (no
     * scorer, bad option), VAJRA_ERR_NOT_FOUND (stemmer unavailable), VAJRA_ERR_NO_MEMORY. */
    vajra_status (*create)(void *plugin_state, const VajraLexicalOptions *opts,
                           VajraLexicalIndex **out, VajraError *err);
    /* NULL is a no-op. */
    void (*free)(VajraLexicalIndex *index);
    /* Analyse and add documents (visible to search after the next commit). All or nothing: on
     * any error nothing of the batch is added. Errors: VAJRA_ERR_DUPLICATE (an id already in the
     * index or twice in the batch; the message names it), VAJRA_ERR_ENCODING (invalid UTF-8 and
     * repair off; names the document), VAJRA_ERR_INVALID_ARGUMENT (NULL id),
     * VAJRA_ERR_NO_MEMORY. */
    vajra_status (*add_batch)(VajraLexicalIndex *index, const VajraDocBatch *batch,
                              VajraError *err);
    /* Build the searchable structures from everything added. Idempotent.
     * Errors: VAJRA_ERR_NO_MEMORY, VAJRA_ERR_BAD_VALUE (the scorer returned NaN/Inf). */
    vajra_status (*commit)(VajraLexicalIndex *index, VajraError *err);

    /* ---- searching (concurrent readers) ---- */

    /* A per-thread search context (stemmer state, cursors, heap). Caller owns it; free it before
     * the index. Errors: VAJRA_ERR_NO_MEMORY. */
    vajra_status (*scratch_new)(const VajraLexicalIndex *index, VajraLexicalScratch **out,
                                VajraError *err);
    void (*scratch_free)(VajraLexicalScratch *scratch); /* NULL is a no-op */

    /* Top-k documents for `query` under the index's scorer, into *out (its contents are
     * replaced; its buffer is reused, so a warm VajraHits does not allocate). Order: score
     * descending, ties by ascending document number. Exactly the reference's hits.
     * Empty or stopword-only query, or k == 0 → 0 hits. k > N → every matching document.
     * Errors: VAJRA_ERR_STATE (never committed), VAJRA_ERR_ENCODING (invalid UTF-8 query and
     * repair off), VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*search)(const VajraLexicalIndex *index, VajraLexicalScratch *scratch,
                           const char *query, uint32_t k, VajraHits *out, VajraError *err);

    /* The analysed terms of `text`, in order, duplicates kept, appended to *out.
     * Errors: VAJRA_ERR_ENCODING, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*analyze)(const VajraLexicalIndex *index, VajraLexicalScratch *scratch,
                            const char *text, VajraTermBag *out, VajraError *err);

    /* ---- the postings accessor (what the reference search reads) ---- */

    /* Documents in the committed index. */
    uint32_t (*doc_count)(const VajraLexicalIndex *index);
    /* Length (indexed tokens) of a committed document; 0 for doc ≥ doc_count. */
    uint32_t (*doc_length)(const VajraLexicalIndex *index, uint32_t doc);
    /* The postings of an analysed term (count 0 for an unknown term). Never fails. */
    void (*postings)(const VajraLexicalIndex *index, const char *term, VajraPostingsView *out);
    /* The scorer the index was created (or loaded) with. */
    const VajraScorer *(*scorer)(const VajraLexicalIndex *index);

    /* ---- ids ---- */

    /* External id of a committed document; NULL for doc ≥ doc_count. Borrowed. */
    const char *(*doc_id)(const VajraLexicalIndex *index, uint32_t doc);
    /* Internal number of an external id. Errors: VAJRA_ERR_NOT_FOUND. */
    vajra_status (*doc_number)(const VajraLexicalIndex *index, const char *id, uint32_t *out,
                               VajraError *err);

    /* ---- persistence (sections named "lex.*") ---- */

    /* Write the committed index. Errors: VAJRA_ERR_STATE (uncommitted additions), the writer's. */
    vajra_status (*save)(const VajraLexicalIndex *index, const VajraSectionWriter *writer,
                         VajraError *err);
    /* Load an index saved by save. opts->scorer is required (scores are derived at load);
     * opts->analyzer is ignored (the saved one is used). The index keeps pointers into the
     * reader's bytes (zero copy, read-only) for its postings, lengths and dictionaries, so the
     * reader's owner must outlive it. More documents may be added and committed afterwards.
     * Errors: VAJRA_ERR_NOT_FOUND (missing section), VAJRA_ERR_CORRUPT (anything inconsistent:
     * checked before any offset is trusted), VAJRA_ERR_VERSION, VAJRA_ERR_NO_MEMORY. */
    vajra_status (*load)(void *plugin_state, const VajraLexicalOptions *opts,
                         const VajraSectionReader *reader, VajraLexicalIndex **out,
                         VajraError *err);
} VajraLexicalVtable;

/* The reference search: exhaustive scoring, written as a vajra_unfold over the accessor (one step
 * per posting) with no pruning and no tuning. It defines what a lexical search returns: the query
 * is analysed by vt->analyze, distinct terms are scored with `scorer` (term stats and collection
 * stats recomputed here from the accessor), documents ranked by score descending then document
 * number ascending, cut to k. Fills *out (contents replaced).
 * Thread-safety: as search. Allocates per call (it is a reference, not a fast path).
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_NO_MEMORY, the analyzer's errors. */
VAJRA_API vajra_status vajra_reference_lexical_search(const VajraLexicalVtable *vt,
                                                      const VajraLexicalIndex *index,
                                                      const VajraScorer *scorer,
                                                      const char *query, uint32_t k,
                                                      VajraHits *out, VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_LEXICAL_H */
