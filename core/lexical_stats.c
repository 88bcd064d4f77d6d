/* Collection-wide lexical statistics (vajra/lexical.h, VajraLexicalStats): the checks and the
 * term look-up every implementation shares, and a builder that sums the statistics of a query over
 * the parts of a collection (segments, or shards gathered by the caller).
 *
 * The builder analyses the query once (with the first part's analyzer: parts of one collection
 * share their analyzer options), and for each distinct analysed term sums the parts' term_stats;
 * the collection statistics are the sums of the parts' collection_stats, with avgdl by
 * vajra_collection_stats_init — so a part scoring with them computes exactly the floats a single
 * index over all the parts would.
 */
#include <stdlib.h>
#include <string.h>

#include "vajra/lexical.h"

struct VajraLexicalStatsBuilder {
    VajraTermBag bag;             /* the analysed query; owns the strings the table points to */
    VajraLexicalTermStats *terms; /* distinct terms present in at least one part */
    size_t cap;
};

vajra_status vajra_lexical_stats_check(const VajraLexicalStats *stats, VajraError *err)
{
    if (stats == NULL)
        return VAJRA_OK;
    if (stats->struct_size < sizeof(VajraLexicalStats))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical stats: struct_size %u (at least %zu)", stats->struct_size,
                               sizeof(VajraLexicalStats));
    double avg = stats->collection.avg_doc_length;
    if (!(avg > 0.0) || avg > 1e300) /* rejects NaN, ∞, 0 and negatives */
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical stats: avg_doc_length %g (must be finite and > 0; use "
                               "vajra_collection_stats_init)", avg);
    if (stats->n_terms > 0 && stats->terms == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical stats: %zu terms but no table", stats->n_terms);
    return VAJRA_OK;
}

vajra_status vajra_lexical_stats_term(const VajraLexicalStats *stats, const char *term,
                                      VajraTermStats *out, VajraError *err)
{
    if (stats == NULL || term == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical stats: NULL argument");
    vajra_status st = VAJRA_OK;
    size_t i = 0;
    while (i < stats->n_terms &&
           (stats->terms[i].term == NULL || strcmp(stats->terms[i].term, term) != 0))
        i++;
    if (i < stats->n_terms)
        *out = stats->terms[i].stats;
    else if (stats->term_stats != NULL)
        st = stats->term_stats(stats->user, term, out, err);
    else
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical stats: no collection statistics for term '%s'", term);
    if (st == VAJRA_OK && out->doc_freq == 0)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical stats: term '%s' has doc_freq 0 but is in the index",
                               term);
    return st;
}

vajra_status vajra_lexical_stats_builder_new(VajraLexicalStatsBuilder **out, VajraError *err)
{
    if (out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical stats: NULL argument");
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical stats: out of memory");
    return VAJRA_OK;
}

void vajra_lexical_stats_builder_free(VajraLexicalStatsBuilder *b)
{
    if (b == NULL)
        return;
    vajra_term_bag_clear(&b->bag);
    free(b->terms);
    free(b);
}

vajra_status vajra_lexical_stats_gather(VajraLexicalStatsBuilder *b, const VajraLexicalVtable *vt,
                                        const VajraLexicalIndex *const *parts, size_t n_parts,
                                        VajraLexicalScratch *scratch, const char *query,
                                        VajraLexicalStats *out, VajraError *err)
{
    if (b == NULL || vt == NULL || parts == NULL || n_parts == 0 || scratch == NULL ||
        query == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical stats: NULL argument");
    if (vt->version < 3 || vt->term_stats == NULL || vt->collection_stats == NULL ||
        vt->analyze == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "lexical stats: the plugin (vtable version %u) has no term_stats "
                               "or collection_stats slot (version 3)", vt->version);
    uint64_t n_docs = 0, total = 0;
    for (size_t i = 0; i < n_parts; i++) {
        VajraCollectionStats cs;
        vt->collection_stats(parts[i], &cs);
        n_docs += cs.doc_count;
        total += cs.total_length;
    }
    /* Reuse the bag's array and strings: a warm builder does not allocate. */
    vajra_term_bag_reset(&b->bag);
    vajra_status st = vt->analyze(parts[0], scratch, query, &b->bag, err);
    if (st != VAJRA_OK)
        return st;
    if (b->cap < b->bag.count) {
        VajraLexicalTermStats *t = realloc(b->terms, b->bag.count * sizeof *t);
        if (t == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical stats: out of memory");
        b->terms = t;
        b->cap = b->bag.count;
    }
    size_t n = 0;
    for (size_t i = 0; i < b->bag.count; i++) {
        const char *term = b->bag.terms[i];
        size_t j = 0;
        while (j < n && strcmp(b->terms[j].term, term) != 0)
            j++;
        if (j < n)
            continue;
        VajraTermStats sum = {0};
        for (size_t p = 0; p < n_parts; p++) {
            VajraTermStats ts;
            vt->term_stats(parts[p], term, &ts);
            sum.doc_freq += ts.doc_freq;
            sum.collection_freq += ts.collection_freq;
        }
        if (sum.doc_freq > 0)
            b->terms[n++] = (VajraLexicalTermStats){term, sum};
    }
    *out = (VajraLexicalStats){.struct_size = sizeof *out, .terms = b->terms, .n_terms = n};
    vajra_collection_stats_init(&out->collection, n_docs, total);
    return VAJRA_OK;
}
