/* The reference lexical search: exhaustive term-at-a-time scoring written as an unfold.
 *
 * This file *defines* what a lexical search returns; the plugins' pruned fast paths are tested
 * against it. It is deliberately plain: every posting of every distinct query term is visited
 * once (one unfold step each), its score is recomputed from the scorer, accumulated in double per
 * document, and at the end every matched document is sorted into the canonical order and cut to
 * k. Term and collection statistics are recomputed here from the accessor rather than trusted.
 *
 * The filtered form is the same unfold over the same postings and statistics (of the whole
 * index); only the final ranking keeps just the documents passing the filter. The unfiltered
 * search is the filtered one with no filter.
 *
 * The stats form (vajra_reference_lexical_search_stats) is the same unfold again, with the
 * collection statistics and each term's statistics supplied by the caller (those of a whole
 * collection this index is one part of) instead of counted here. The filtered search is the stats
 * one with no stats.
 */
#include <stdlib.h>
#include <string.h>

#include "vajra/lexical.h"
#include "vajra/unfold.h"

typedef struct RefTerm {
    const char *text; /* borrowed from the analysed bag */
    uint32_t qtf;     /* occurrences in the query */
} RefTerm;

typedef struct RefState {
    const VajraLexicalVtable *vt;
    const VajraLexicalIndex *index;
    const VajraScorer *scorer;
    const VajraLexicalStats *stats; /* NULL: count the statistics here */
    VajraCollectionStats coll;

    RefTerm *terms;
    size_t n_terms;

    /* Position of the unfold: term `term`, posting `posting` of `view`. */
    size_t term;
    size_t posting;
    int term_open;
    VajraPostingsView view;
    double weight;

    double *acc;      /* per document: Σ qtf · score */
    uint8_t *matched; /* per document: contains at least one query term */
} RefState;

/* Open the current term: fetch its postings and compute its weight from stats counted here (or
 * supplied by the caller). */
static vajra_status ref_open_term(RefState *s, VajraError *err)
{
    s->vt->postings(s->index, s->terms[s->term].text, &s->view);
    VajraTermStats ts = {.doc_freq = s->view.count, .collection_freq = 0};
    for (size_t i = 0; i < s->view.count; i++)
        ts.collection_freq += s->view.tfs[i];
    if (s->stats != NULL && s->view.count > 0) {
        vajra_status st = vajra_lexical_stats_term(s->stats, s->terms[s->term].text, &ts, err);
        if (st != VAJRA_OK)
            return st;
    }
    s->weight = s->view.count ? s->scorer->vtable->term_weight(s->scorer->instance, &s->coll, &ts)
                              : 0.0;
    s->posting = 0;
    s->term_open = 1;
    return VAJRA_OK;
}

/* One step: score one posting (or open / close a term, or finish). */
static vajra_status ref_step(void *state, VajraStep *next, VajraError *err)
{
    RefState *s = state;
    if (s->term == s->n_terms) {
        *next = VAJRA_STEP_DONE;
        return VAJRA_OK;
    }
    if (!s->term_open) {
        vajra_status st = ref_open_term(s, err);
        if (st != VAJRA_OK)
            return st;
    } else if (s->posting == s->view.count) {
        s->term++;
        s->term_open = 0;
    } else {
        uint32_t doc = s->view.docs[s->posting];
        uint32_t tf = s->view.tfs[s->posting];
        uint32_t len = s->vt->doc_length(s->index, doc);
        float sc = s->scorer->vtable->score(s->scorer->instance, &s->coll, s->weight, tf, len);
        s->acc[doc] += (double)s->terms[s->term].qtf * (double)sc;
        s->matched[doc] = 1;
        s->posting++;
    }
    *next = VAJRA_STEP_MORE;
    return VAJRA_OK;
}

/* Distinct terms in first-occurrence order, each with its query count. */
static vajra_status ref_distinct_terms(const VajraTermBag *bag, RefState *s, VajraError *err)
{
    s->terms = calloc(bag->count ? bag->count : 1, sizeof *s->terms);
    if (s->terms == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "reference lexical: out of memory");
    for (size_t i = 0; i < bag->count; i++) {
        size_t j = 0;
        while (j < s->n_terms && strcmp(s->terms[j].text, bag->terms[i]) != 0)
            j++;
        if (j == s->n_terms)
            s->terms[s->n_terms++] = (RefTerm){bag->terms[i], 0};
        s->terms[j].qtf++;
    }
    return VAJRA_OK;
}

vajra_status vajra_reference_lexical_search(const VajraLexicalVtable *vt,
                                            const VajraLexicalIndex *index,
                                            const VajraScorer *scorer, const char *query,
                                            uint32_t k, VajraHits *out, VajraError *err)
{
    return vajra_reference_lexical_search_filtered(vt, index, scorer, query, k, NULL, out, err);
}

vajra_status vajra_reference_lexical_search_filtered(const VajraLexicalVtable *vt,
                                                     const VajraLexicalIndex *index,
                                                     const VajraScorer *scorer, const char *query,
                                                     uint32_t k, const VajraDocFilter *filter,
                                                     VajraHits *out, VajraError *err)
{
    return vajra_reference_lexical_search_stats(vt, index, scorer, query, k, filter, NULL, out,
                                                err);
}

vajra_status vajra_reference_lexical_search_stats(const VajraLexicalVtable *vt,
                                                  const VajraLexicalIndex *index,
                                                  const VajraScorer *scorer, const char *query,
                                                  uint32_t k, const VajraDocFilter *filter,
                                                  const VajraLexicalStats *stats, VajraHits *out,
                                                  VajraError *err)
{
    if (vt == NULL || index == NULL || scorer == NULL || scorer->vtable == NULL ||
        query == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "reference lexical search: NULL argument");
    if (filter != NULL && (filter->struct_size < sizeof(VajraDocFilter) ||
                           (filter->words == NULL && filter->nbits > 0)))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "reference lexical search: bad filter (struct_size %u, words %s)",
                               filter->struct_size, filter->words ? "set" : "NULL");
    vajra_status st = vajra_lexical_stats_check(stats, err);
    if (st != VAJRA_OK)
        return st;
    if (vt->analyze == NULL || vt->postings == NULL || vt->doc_count == NULL ||
        vt->doc_length == NULL || vt->scratch_new == NULL || vt->scratch_free == NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "reference lexical search: the plugin lacks the postings accessor");
    out->count = 0;

    VajraLexicalScratch *scratch = NULL;
    VajraTermBag bag = {0};
    RefState s = {.vt = vt, .index = index, .scorer = scorer, .stats = stats};
    st = vt->scratch_new(index, &scratch, err);
    if (st == VAJRA_OK)
        st = vt->analyze(index, scratch, query, &bag, err);
    if (st == VAJRA_OK)
        st = ref_distinct_terms(&bag, &s, err);
    if (st != VAJRA_OK)
        goto done;

    uint32_t n = vt->doc_count(index);
    uint64_t total = 0;
    for (uint32_t d = 0; d < n; d++)
        total += vt->doc_length(index, d);
    vajra_collection_stats_init(&s.coll, n, total);
    if (stats != NULL)
        s.coll = stats->collection;

    s.acc = calloc(n ? n : 1, sizeof *s.acc);
    s.matched = calloc(n ? n : 1, 1);
    if (s.acc == NULL || s.matched == NULL) {
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "reference lexical: out of memory");
        goto done;
    }

    /* Each term takes 2 steps beyond its postings (open, close), plus the final step. */
    uint64_t limit = 1;
    for (size_t t = 0; t < s.n_terms; t++) {
        VajraPostingsView v;
        vt->postings(index, s.terms[t].text, &v);
        limit += 2 + v.count;
    }
    st = vajra_unfold(&s, ref_step, limit, NULL, err);
    if (st != VAJRA_OK)
        goto done;

    for (uint32_t d = 0; d < n && k > 0; d++) {
        if (s.matched[d] && vajra_filter_pass(filter, d) &&
            (st = vajra_hits_push(out, d, (float)s.acc[d], err)) != VAJRA_OK)
            goto done;
    }
    vajra_hits_sort(out);
    if (out->count > k)
        out->count = k;

done:
    free(s.acc);
    free(s.matched);
    free(s.terms);
    vajra_term_bag_clear(&bag);
    if (scratch != NULL)
        vt->scratch_free(scratch);
    if (st != VAJRA_OK)
        out->count = 0;
    return st;
}
