/* Vajra — the scorer plugin interface: how a term in a document is worth points.
 *
 * A scorer is the morphism (term stats × document stats) → ℝ of the design. It is split in two so
 * the expensive part runs once per term, not once per posting:
 *
 *     w     = term_weight(collection, term)            e.g. BM25's idf
 *     s     = score(w, tf, doc_len, collection)        the contribution of one posting
 *
 * and the score of a document for a query is defined (by core/reference_lexical.c) as
 *
 *     score(d) = (float) Σ over distinct query terms t present in d of  qtf(t) · s(t, d)
 *
 * summed in double, where qtf(t) is how often t occurs in the analysed query. Documents that
 * contain no query term are not hits.
 *
 * Pruning stays exact for ANY scorer: an index that precomputes s for each posting (as
 * lexical-bm25 does) takes each term's bound as the exact maximum of its postings' scores. The
 * optional `upper_bound` slot lets indexes that cannot enumerate postings cheaply ask the scorer
 * instead; a scorer that fills it promises the bound is never below a real score.
 *
 * Rules for implementations (see docs/writing-a-scorer.md):
 *   - term_weight and score are pure functions of their arguments and the instance's parameters:
 *     thread-safe, no allocation, no errors, deterministic (same inputs → same bits);
 *   - score returns a finite float; tf ≥ 1 and doc_len ≥ tf whenever it is called by an index;
 *   - a document's score need not be positive, but only non-negative scores prune well.
 *
 * Instances: `create` makes one from key/value parameters (e.g. {"k1", 1.2}); the caller owns it
 * and frees it with `destroy` after every index using it is gone. An instance is immutable, so
 * one instance may be shared by many indexes and threads.
 */
#ifndef VAJRA_SCORER_H
#define VAJRA_SCORER_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"
#include "vajra/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VAJRA_SCORER_VTABLE_VERSION 1

/* Statistics of the whole collection, as of the index's last commit. */
typedef struct VajraCollectionStats {
    uint64_t doc_count;    /* N: documents indexed, including empty ones */
    uint64_t total_length; /* Σ document lengths (indexed tokens) */
    double avg_doc_length; /* total_length / doc_count; 1.0 when either is 0 */
} VajraCollectionStats;

/* Statistics of one term. */
typedef struct VajraTermStats {
    uint64_t doc_freq;        /* df: documents containing the term (≥ 1 when scored) */
    uint64_t collection_freq; /* Σ tf over those documents */
} VajraTermStats;

/* Fill stats from N and the total length, with the one avgdl formula every index and the
 * reference share (so they agree to the bit). */
static inline void vajra_collection_stats_init(VajraCollectionStats *stats, uint64_t doc_count,
                                               uint64_t total_length) {
    stats->doc_count = doc_count;
    stats->total_length = total_length;
    stats->avg_doc_length = (doc_count > 0 && total_length > 0)
                                ? (double)total_length / (double)doc_count
                                : 1.0;
}

/* One named numeric parameter, e.g. {"k1", 1.2}. */
typedef struct VajraParam {
    const char *name;
    double value;
} VajraParam;

typedef struct VajraScorerVtable {
    uint32_t version; /* VAJRA_SCORER_VTABLE_VERSION */

    /* Make an instance. `plugin_state` is the plugin's init state (may be NULL). params may be
     * NULL when n_params is 0; absent parameters take the scorer's documented defaults.
     * Errors: VAJRA_ERR_INVALID_ARGUMENT for an unknown name or an out-of-range value (the
     * message names it), VAJRA_ERR_NO_MEMORY. */
    vajra_status (*create)(void *plugin_state, const VajraParam *params, size_t n_params,
                           void **instance, VajraError *err);
    /* Free an instance. NULL is a no-op. */
    void (*destroy)(void *instance);

    /* The per-term weight (computed once per term per commit or query). */
    double (*term_weight)(const void *instance, const VajraCollectionStats *coll,
                          const VajraTermStats *term);

    /* The contribution of one posting: a term of weight `weight` occurring tf times in a
     * document of doc_len tokens. */
    float (*score)(const void *instance, const VajraCollectionStats *coll, double weight,
                   uint32_t tf, uint32_t doc_len);

    /* Optional (NULL = not declared). A bound ≥ score(weight, tf, dl) for every tf ≤ max_tf and
     * dl ≥ min_doc_len (dl ≥ tf). lexical-bm25 does not need it: it evaluates `score` over each
     * term's postings at commit and keeps the exact maximum. */
    float (*upper_bound)(const void *instance, const VajraCollectionStats *coll, double weight,
                         uint32_t max_tf, uint32_t min_doc_len);
} VajraScorerVtable;

/* A scorer ready to use: a vtable and one of its instances. Borrowed by whoever receives it. */
typedef struct VajraScorer {
    const VajraScorerVtable *vtable;
    const void *instance;
    const char *name; /* for messages and saved metadata, e.g. "scorer-bm25"; may be NULL */
} VajraScorer;

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_SCORER_H */
