/* Vajra — retrieval effectiveness: nDCG@10, recall@100, MAP and MRR@10 against graded qrels.
 *
 * Conventions (those of trec_eval / pytrec_eval, hence of BEIR's published numbers):
 *   - A document is relevant when its grade is >= 1; unjudged documents have grade 0.
 *   - nDCG@10: DCG = sum over ranks r = 1..10 of grade(r) / log2(r + 1) (linear gain = the grade,
 *     negative grades count 0); IDCG is the same sum over the query's judged grades sorted in
 *     descending order (taken from the qrels, not from the ranking). nDCG = DCG / IDCG.
 *     This is trec_eval's ndcg_cut.10 and what BEIR publishes.
 *   - nDCG@10 (exponential gain), reported beside it: the same with gain 2^grade - 1 (Burges et
 *     al. 2005). The reference figures in ../shared/data/README.md are in this convention (checked:
 *     SQLite FTS5 on Cranfield gives 0.351 with it and 0.362 with linear gain). On binary
 *     relevance the two are equal.
 *   - recall@100: |relevant in the first 100| / |relevant|.
 *   - MAP (average precision): sum over the ranks r of relevant documents in the whole ranking
 *     given of (relevant in the first r) / r, divided by |relevant|.
 *   - MRR@10: 1 / rank of the first relevant document within the first 10, else 0.
 *   - The ranking is taken in the order given (the caller has already broken ties; Vajra's
 *     canonical order is score descending, then document number ascending). A document id that
 *     appears twice in one ranking is an error.
 *   - The mean is over the queries of the qrels that have at least one relevant document. Such a
 *     query for which no ranking was added (or an empty one) counts as 0 on every metric. Rankings
 *     added for queries without a relevant document are ignored (and counted separately).
 *
 * Thread-safety: vajra_eval_query is pure (reads the qrels only), so many threads may call it at
 * once on one qrels. A VajraEval accumulator must be used by one thread at a time.
 */
#ifndef VAJRA_EVAL_H
#define VAJRA_EVAL_H

#include <stddef.h>

#include "vajra/export.h"
#include "vajra/io.h"
#include "vajra/status.h"
#include "vajra/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cut-offs of the metrics (fixed: these are the figures every report quotes). */
#define VAJRA_EVAL_NDCG_CUTOFF 10
#define VAJRA_EVAL_RECALL_CUTOFF 100
#define VAJRA_EVAL_MRR_CUTOFF 10

/* The four metrics, for one query or averaged. */
typedef struct VajraMetrics {
    double ndcg_at_10;
    double recall_at_100;
    double map;
    double mrr_at_10;
    double ndcg_at_10_exp; /* nDCG@10 with gain 2^grade - 1 (see above) */
} VajraMetrics;

/* Metrics of one ranking (`count` document ids, best first; the strings are borrowed) for
 * `query_id`. Sets *judged to 1 when the query has at least one relevant document, else to 0 and
 * all metrics to 0 (judged may be NULL). Errors: INVALID_ARGUMENT (NULLs; ranked may be NULL only
 * when count is 0), DUPLICATE (an id twice in the ranking), NO_MEMORY. Pure; thread-safe. */
VAJRA_API vajra_status vajra_eval_query(const VajraQrels *qrels, const char *query_id,
                                        const char *const *ranked, size_t count,
                                        VajraMetrics *out, int *judged, VajraError *err);

/* An accumulator of per-query metrics over one qrels (borrowed: it must outlive the
 * accumulator). Errors: INVALID_ARGUMENT, NO_MEMORY. */
typedef struct VajraEval VajraEval;
VAJRA_API vajra_status vajra_eval_new(const VajraQrels *qrels, VajraEval **out, VajraError *err);
VAJRA_API void vajra_eval_free(VajraEval *ev);

/* Add the ranking of one query (as vajra_eval_query); `per_query` (may be NULL) receives its
 * metrics. Errors: as vajra_eval_query, plus DUPLICATE when the same query is added twice. */
VAJRA_API vajra_status vajra_eval_add(VajraEval *ev, const char *query_id,
                                      const char *const *ranked, size_t count,
                                      VajraMetrics *per_query, VajraError *err);

/* Add a ranking given as hits (internal document numbers, in the order given): doc_ids[h.doc]
 * names hit h; doc_ids holds n_docs strings (e.g. vajra_docset_ids()). Errors: as vajra_eval_add,
 * plus INVALID_ARGUMENT when a hit's doc >= n_docs. */
VAJRA_API vajra_status vajra_eval_add_hits(VajraEval *ev, const char *query_id,
                                           const VajraHits *hits, const char *const *doc_ids,
                                           size_t n_docs, VajraMetrics *per_query,
                                           VajraError *err);

/* The means so far, and the counts behind them. */
typedef struct VajraEvalSummary {
    VajraMetrics mean;        /* averaged over `judged_queries` */
    size_t judged_queries;    /* queries in the qrels with >= 1 relevant document (denominator) */
    size_t ranked_queries;    /* of those, how many had a ranking added */
    size_t unjudged_rankings; /* rankings added for queries with no relevant document (ignored) */
} VajraEvalSummary;

/* Fill *out. Never fails on valid arguments; with a NULL argument it does nothing. */
VAJRA_API void vajra_eval_summary(const VajraEval *ev, VajraEvalSummary *out);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_EVAL_H */
