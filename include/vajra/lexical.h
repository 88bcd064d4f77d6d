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
#include "vajra/filter.h"
#include "vajra/scorer.h"
#include "vajra/sections.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 added search_filtered; version 3 added search_stats, term_stats and collection_stats.
 * Callers check `version >= N && slot != NULL` before calling a slot added in version N; plugins
 * built against an older version keep working without it. */
#define VAJRA_LEXICAL_VTABLE_VERSION 3

/* Stemmer choice (Snowball, through libstemmer). Pinned values: they are saved in index files. */
typedef enum VajraStemmer {
    VAJRA_STEMMER_ENGLISH = 0, /* Snowball "english" (Porter2); the default */
    VAJRA_STEMMER_PORTER = 1,  /* Snowball "porter" (the original Porter algorithm) */
    VAJRA_STEMMER_NONE = 2     /* no stemming */
} VajraStemmer;

/* How text becomes terms. All-zero means the defaults, documented per field (docs/lexical.md):
 * UTF-8 text is split on characters that are neither letters nor digits (combining marks stay
 * inside a word), each token is case-folded and NFKC-normalised, English stopwords are dropped,
 * tokens longer than max_token_length characters are dropped, the rest are stemmed.
 *
 * `language` (added after the first four fields; zero-initialised callers get NULL) picks the
 * language by name: any Snowball algorithm libstemmer lists ("french", "german", "russian",
 * "greek", "arabic", ... — 29 in libstemmer 2.2) or its ISO 639-1 code ("fr", ...), with that
 * language's stopwords (stopwords-iso); or a CJK mode — "chinese"/"zh", "japanese"/"ja",
 * "korean"/"ko", "cjk" — where runs of Han, Hiragana, Katakana and Hangul become overlapping
 * character bigrams (a lone character stays a unigram), as Lucene's CJKAnalyzer does, and other
 * words are folded but not stemmed. NULL or "" = the `stemmer` field decides (the behaviour of
 * every index made before languages existed). "english", "porter" and "none" are the same as
 * the matching `stemmer` value with language NULL (same terms, same saved bytes). An unknown name
 * is VAJRA_ERR_INVALID_ARGUMENT listing the known ones. The string is borrowed for the call;
 * whoever keeps the options keeps the string alive (an index keeps its own canonical copy).
 *
 * Frozen from now on: it is embedded by value in VajraCollectionOptions and VajraLexicalOptions,
 * so growing it moves their later fields (`language` did; the core translates ABI 1.0's layout,
 * docs/architecture.md). Add new analyzer settings to those sized structs instead. */
typedef struct VajraAnalyzerOptions {
    uint32_t stemmer;          /* VajraStemmer; default VAJRA_STEMMER_ENGLISH; ignored when
                                * `language` names another language */
    uint32_t keep_stopwords;   /* 0 = drop the language's stopwords (default); 1 = keep all */
    uint32_t max_token_length; /* in characters; 0 = default 64; at most 1024 (CJK bigrams are
                                * not limited) */
    uint32_t repair_utf8;      /* 0 = invalid UTF-8 is VAJRA_ERR_ENCODING naming the document
                                * (default); 1 = repair it (g_utf8_make_valid) and go on */
    const char *language;      /* NULL = by `stemmer` (see above) */
} VajraAnalyzerOptions;

/* Put options in the form an index saves: a `language` naming one of the historical stemmer
 * values ("english"/"en", "porter", "none", ASCII case-insensitive) becomes that `stemmer` value
 * with language NULL; "" becomes NULL; any other name is left as it is (the lexical plugin checks
 * it against libstemmer's list). Call this before keeping options you will save yourself (a
 * collection's own metadata), so that a saved "english" and a saved default are the same thing.
 * Pure (no allocation); thread-safe on distinct options. NULL is a no-op. */
VAJRA_API void vajra_analyzer_options_normalize(VajraAnalyzerOptions *opts);

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

/* Collection-wide statistics of one analysed term (an entry of VajraLexicalStats.terms). */
typedef struct VajraLexicalTermStats {
    const char *term;     /* the analysed term, as vt->analyze returns it; NUL-terminated */
    VajraTermStats stats; /* df and cf summed over every part of the collection */
} VajraLexicalTermStats;

/* Where a part's search finds collection-wide term statistics when the table has no entry:
 * fill *out for the analysed term `term` and return VAJRA_OK, or return an error (with err
 * filled), which the search returns as it is. Called from the searching thread, at most once per
 * distinct query term present in the part, before any posting is scored. */
typedef vajra_status (*VajraTermStatsFn)(void *user, const char *term, VajraTermStats *out,
                                         VajraError *err);

/* Statistics a search should score with instead of the index's own: those of a whole collection
 * of which this index is one part (a segment of a live collection, a shard on another rank).
 * With the sums of every part's collection_stats and term_stats (including documents the parts
 * have deleted, as Lucene does), every part scores each document exactly as one index over all
 * the parts' documents would (same scorer calls on the same arguments), so the parts' top-k
 * merged by (score descending, global document number ascending) is that index's top-k.
 *
 * For each distinct analysed query term that has postings in the index, the search takes the
 * first entry of `terms` with an equal string, else calls `term_stats`; neither →
 * VAJRA_ERR_INVALID_ARGUMENT naming the term. Terms absent from the index need no entry.
 * Typical use: analyse the query once, sum the parts' term_stats into `terms` (K look-ups per
 * term for K parts, or one MPI_Allreduce of the df/cf arrays over N ranks), and pass the same
 * struct to every part. Borrowed for the duration of the call; read-only, so one struct may serve
 * many parts and threads at once. */
typedef struct VajraLexicalStats {
    uint32_t struct_size;            /* sizeof(VajraLexicalStats) */
    uint32_t reserved;               /* 0 */
    VajraCollectionStats collection; /* fill with vajra_collection_stats_init(ΣN, Σ length);
                                      * avg_doc_length must be finite and > 0 */
    const VajraLexicalTermStats *terms; /* may be NULL when n_terms == 0 */
    size_t n_terms;
    VajraTermStatsFn term_stats; /* may be NULL */
    void *user;                  /* passed to term_stats */
} VajraLexicalStats;

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

    /* ---- version 2 (optional) ---- */

    /* As search, but only documents passing `filter` (NULL = all) are returned, skipped inside
     * the postings traversal with pruning still exact: the result is exactly the reference's
     * restricted to the filter (vajra_reference_lexical_search_filtered). Collection statistics
     * (N, average length, document frequencies) are those of the whole index, filtered or not.
     * Errors: as search. Thread-safety: as search. */
    vajra_status (*search_filtered)(const VajraLexicalIndex *index, VajraLexicalScratch *scratch,
                                    const char *query, uint32_t k, const VajraDocFilter *filter,
                                    VajraHits *out, VajraError *err);

    /* ---- version 3 (optional) ---- */

    /* As search_filtered, but scored with the collection-wide statistics `stats` (NULL = the
     * index's own: exactly search_filtered). Each distinct query term t present in the index
     * gets the weight w = term_weight(&stats->collection, global stats of t) and each posting
     * the score score(&stats->collection, w, tf, doc_len); a document's score is, as always,
     * (float) Σ qtf · score summed in double. So the hits are exactly
     * vajra_reference_lexical_search_stats with the same stats, and, when stats are the sums
     * over parts, exactly a single index over all the parts' documents (see VajraLexicalStats).
     * Pruning stays exact: block and term bounds are taken from the scorer's upper_bound over
     * the (max tf, min length) of each block of postings, which do not depend on statistics;
     * a scorer without upper_bound is scored exhaustively over the query terms' postings.
     * Errors: as search_filtered; VAJRA_ERR_INVALID_ARGUMENT (stats->struct_size too small,
     * avg_doc_length not finite and > 0, a term without statistics or with doc_freq 0), the
     * term_stats callback's errors, VAJRA_ERR_BAD_VALUE (the scorer's bound is not finite under
     * these statistics). Thread-safety: as search (the callback runs on the calling thread). */
    vajra_status (*search_stats)(const VajraLexicalIndex *index, VajraLexicalScratch *scratch,
                                 const char *query, uint32_t k, const VajraDocFilter *filter,
                                 const VajraLexicalStats *stats, VajraHits *out,
                                 VajraError *err);
    /* This index's own statistics of an analysed term: df and cf over its committed documents
     * (both 0 for an unknown term or before the first commit). O(1). Never fails. Concurrent
     * readers: as search. */
    void (*term_stats)(const VajraLexicalIndex *index, const char *term, VajraTermStats *out);
    /* This index's own collection statistics (N, total length, avgdl by
     * vajra_collection_stats_init) as of the last commit; zeros (avgdl 1) before it. O(1).
     * Never fails. Concurrent readers: as search. */
    void (*collection_stats)(const VajraLexicalIndex *index, VajraCollectionStats *out);
} VajraLexicalVtable;

/* Check a lexical vtable once after loading its plugin: version ≥ 1 and every version-1 slot
 * (create … load: all required) non-NULL. Slots of later versions are optional: callers check
 * `version >= N && slot != NULL` before each call. Errors: VAJRA_ERR_ABI_MISMATCH naming the
 * first missing slot. Pure; thread-safe. */
VAJRA_API vajra_status vajra_lexical_vtable_check(const VajraLexicalVtable *vt, VajraError *err);

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

/* The reference restricted to a filter: exactly vajra_reference_lexical_search over the documents
 * passing `filter` (NULL = all), statistics still over the whole index. Same contract otherwise. */
VAJRA_API vajra_status vajra_reference_lexical_search_filtered(const VajraLexicalVtable *vt,
                                                               const VajraLexicalIndex *index,
                                                               const VajraScorer *scorer,
                                                               const char *query, uint32_t k,
                                                               const VajraDocFilter *filter,
                                                               VajraHits *out, VajraError *err);

/* The reference scored with collection-wide statistics: exactly
 * vajra_reference_lexical_search_filtered, except that the collection statistics are
 * stats->collection and each distinct query term with postings in the index takes its term
 * statistics from stats (the `terms` table, else the callback) instead of counting them. stats
 * NULL = the filtered reference. Errors: as the filtered reference; VAJRA_ERR_INVALID_ARGUMENT
 * (bad stats, a term without statistics), the callback's errors. Same contract otherwise. */
VAJRA_API vajra_status vajra_reference_lexical_search_stats(
    const VajraLexicalVtable *vt, const VajraLexicalIndex *index, const VajraScorer *scorer,
    const char *query, uint32_t k, const VajraDocFilter *filter, const VajraLexicalStats *stats,
    VajraHits *out, VajraError *err);

/* Look up the collection-wide statistics of an analysed term in `stats` as a search does: the
 * first equal entry of stats->terms, else stats->term_stats. Returns VAJRA_OK with *out filled;
 * VAJRA_ERR_INVALID_ARGUMENT (no entry and no callback: the message names the term, or
 * doc_freq 0), or the callback's error. Thread-safe if the callback is. For plugins and
 * references, so every implementation resolves terms the same way. */
VAJRA_API vajra_status vajra_lexical_stats_term(const VajraLexicalStats *stats, const char *term,
                                                VajraTermStats *out, VajraError *err);

/* Check the collection part of `stats` as every implementation does: struct_size at least
 * sizeof(VajraLexicalStats), avg_doc_length finite and > 0. NULL stats is valid (own stats).
 * Returns VAJRA_OK or VAJRA_ERR_INVALID_ARGUMENT (message names the problem). Thread-safe. */
VAJRA_API vajra_status vajra_lexical_stats_check(const VajraLexicalStats *stats, VajraError *err);

/* Sums a query's statistics over the parts of a collection: what a caller holding K segments
 * passes to each segment's search_stats. Opaque; reused across queries (its buffers only grow).
 * One builder per thread (not thread-safe); the parts are only read. */
typedef struct VajraLexicalStatsBuilder VajraLexicalStatsBuilder;

/* Caller owns *out (vajra_lexical_stats_builder_free). Errors: VAJRA_ERR_NO_MEMORY,
 * VAJRA_ERR_INVALID_ARGUMENT (NULL out). */
VAJRA_API vajra_status vajra_lexical_stats_builder_new(VajraLexicalStatsBuilder **out,
                                                       VajraError *err);
/* NULL is a no-op. Statistics gathered with it are invalid afterwards. */
VAJRA_API void vajra_lexical_stats_builder_free(VajraLexicalStatsBuilder *b);

/* Fill *out with the statistics of `query` over parts[0 .. n_parts): collection = the sums of
 * the parts' collection_stats (avgdl by vajra_collection_stats_init); terms = each distinct
 * analysed query term present in some part, with the sums of the parts' term_stats (n_parts
 * look-ups per term). The query is analysed once, with vt->analyze on parts[0] and `scratch` (a
 * scratch of parts[0]); all parts must share their analyzer options. Deleted documents count
 * (as in Lucene) until a merge drops them. *out points into the builder: valid until its next
 * gather or free; pass it to every part's search_stats. Cost: one analysis + n_parts hash
 * look-ups per distinct term; no allocation on a warm builder except the analysed terms.
 * Errors: VAJRA_ERR_INVALID_ARGUMENT, VAJRA_ERR_UNSUPPORTED (vtable version < 3 or no
 * term_stats / collection_stats slot), the analyzer's errors, VAJRA_ERR_NO_MEMORY.
 * Thread-safety: one builder and one scratch per thread; the parts may be searched meanwhile. */
VAJRA_API vajra_status vajra_lexical_stats_gather(VajraLexicalStatsBuilder *b,
                                                  const VajraLexicalVtable *vt,
                                                  const VajraLexicalIndex *const *parts,
                                                  size_t n_parts, VajraLexicalScratch *scratch,
                                                  const char *query, VajraLexicalStats *out,
                                                  VajraError *err);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_LEXICAL_H */
