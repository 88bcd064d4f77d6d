/* Vajra — nDCG@10, recall@100, MAP, MRR@10 (trec_eval conventions; see include/vajra/eval.h). */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#include "vajra/eval.h"

struct VajraEval {
    const VajraQrels *qrels;
    GHashTable *added; /* query ids (owned) already added */
    double sum_ndcg, sum_recall, sum_map, sum_mrr, sum_ndcg_exp;
    size_t ranked_queries;
    size_t unjudged_rankings;
};

static double discount(size_t rank /* 1-based */)
{
    return log2((double)rank + 1.0);
}

/* 2^grade - 1, for the exponential-gain nDCG; grades are small integers (capped to stay finite). */
static double exp_gain(int grade)
{
    return ldexp(1.0, grade > 60 ? 60 : grade) - 1.0;
}

vajra_status vajra_eval_query(const VajraQrels *qrels, const char *query_id,
                              const char *const *ranked, size_t count, VajraMetrics *out,
                              int *judged, VajraError *err)
{
    if (!qrels || !query_id || !out || (!ranked && count))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "eval: qrels, query id, ranking or output is NULL");
    memset(out, 0, sizeof *out);
    if (judged)
        *judged = 0;

    /* Duplicates would inflate every metric; trec_eval refuses them too. */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < count; i++) {
        if (!ranked[i]) {
            g_hash_table_destroy(seen);
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "eval: query %s: ranked id %zu is NULL", query_id, i);
        }
        if (!g_hash_table_add(seen, (gpointer)ranked[i])) {
            g_hash_table_destroy(seen);
            return vajra_error_set(err, VAJRA_ERR_DUPLICATE,
                                   "eval: query %s: document %s ranked twice", query_id, ranked[i]);
        }
    }
    g_hash_table_destroy(seen);

    const VajraQrelsQuery *q = vajra_qrels_query_(qrels, query_id);
    size_t relevant = q ? vajra_qrels_query_relevant_(q) : 0;
    if (relevant == 0)
        return VAJRA_OK;
    if (judged)
        *judged = 1;

    const int *ideal = vajra_qrels_query_sorted_grades_(q);
    double idcg = 0.0, idcg_exp = 0.0;
    for (size_t r = 1; r <= VAJRA_EVAL_NDCG_CUTOFF && r <= relevant; r++) {
        idcg += (double)ideal[r - 1] / discount(r);
        idcg_exp += exp_gain(ideal[r - 1]) / discount(r);
    }

    double dcg = 0.0, dcg_exp = 0.0, ap = 0.0, rr = 0.0;
    size_t hits = 0, hits_at_recall_cutoff = 0;
    for (size_t r = 1; r <= count; r++) {
        int g = vajra_qrels_query_grade_(q, ranked[r - 1]);
        if (g <= 0)
            continue;
        hits++;
        if (r <= VAJRA_EVAL_NDCG_CUTOFF) {
            dcg += (double)g / discount(r);
            dcg_exp += exp_gain(g) / discount(r);
        }
        if (r <= VAJRA_EVAL_RECALL_CUTOFF)
            hits_at_recall_cutoff++;
        if (rr == 0.0 && r <= VAJRA_EVAL_MRR_CUTOFF)
            rr = 1.0 / (double)r;
        ap += (double)hits / (double)r;
    }
    out->ndcg_at_10 = dcg / idcg;
    out->ndcg_at_10_exp = dcg_exp / idcg_exp;
    out->recall_at_100 = (double)hits_at_recall_cutoff / (double)relevant;
    out->map = ap / (double)relevant;
    out->mrr_at_10 = rr;
    return VAJRA_OK;
}

vajra_status vajra_eval_new(const VajraQrels *qrels, VajraEval **out, VajraError *err)
{
    if (!qrels || !out)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "eval: qrels or output is NULL");
    VajraEval *ev = g_new0(VajraEval, 1);
    ev->qrels = qrels;
    ev->added = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    *out = ev;
    return VAJRA_OK;
}

void vajra_eval_free(VajraEval *ev)
{
    if (!ev)
        return;
    g_hash_table_destroy(ev->added);
    g_free(ev);
}

vajra_status vajra_eval_add(VajraEval *ev, const char *query_id, const char *const *ranked,
                            size_t count, VajraMetrics *per_query, VajraError *err)
{
    if (!ev || !query_id)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "eval: accumulator or query id is NULL");
    if (g_hash_table_contains(ev->added, query_id))
        return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "eval: query %s added twice", query_id);
    VajraMetrics m;
    int judged;
    vajra_status st = vajra_eval_query(ev->qrels, query_id, ranked, count, &m, &judged, err);
    if (st != VAJRA_OK)
        return st;
    g_hash_table_add(ev->added, g_strdup(query_id));
    if (judged) {
        ev->sum_ndcg += m.ndcg_at_10;
        ev->sum_recall += m.recall_at_100;
        ev->sum_map += m.map;
        ev->sum_mrr += m.mrr_at_10;
        ev->sum_ndcg_exp += m.ndcg_at_10_exp;
        ev->ranked_queries++;
    } else {
        ev->unjudged_rankings++;
    }
    if (per_query)
        *per_query = m;
    return VAJRA_OK;
}

vajra_status vajra_eval_add_hits(VajraEval *ev, const char *query_id, const VajraHits *hits,
                                 const char *const *doc_ids, size_t n_docs,
                                 VajraMetrics *per_query, VajraError *err)
{
    if (!ev || !query_id || !hits || (!doc_ids && hits->count))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "eval: accumulator, query id, hits or doc ids is NULL");
    const char **ranked = NULL;
    if (hits->count) {
        ranked = g_try_new(const char *, hits->count);
        if (!ranked)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "eval: cannot allocate a ranking");
    }
    for (size_t i = 0; i < hits->count; i++) {
        uint32_t d = hits->items[i].doc;
        if (d >= n_docs) {
            g_free(ranked);
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "eval: query %s: hit %zu names document %u of %zu", query_id,
                                   i, (unsigned)d, n_docs);
        }
        ranked[i] = doc_ids[d];
    }
    vajra_status st = vajra_eval_add(ev, query_id, ranked, hits->count, per_query, err);
    g_free(ranked);
    return st;
}

void vajra_eval_summary(const VajraEval *ev, VajraEvalSummary *out)
{
    if (!ev || !out)
        return;
    memset(out, 0, sizeof *out);
    size_t judged = 0;
    for (size_t i = 0;; i++) {
        const VajraQrelsQuery *q = vajra_qrels_query_at_(ev->qrels, i);
        if (!q)
            break;
        if (vajra_qrels_query_relevant_(q) > 0)
            judged++;
    }
    out->judged_queries = judged;
    out->ranked_queries = ev->ranked_queries;
    out->unjudged_rankings = ev->unjudged_rankings;
    if (judged) {
        out->mean.ndcg_at_10 = ev->sum_ndcg / (double)judged;
        out->mean.recall_at_100 = ev->sum_recall / (double)judged;
        out->mean.map = ev->sum_map / (double)judged;
        out->mean.mrr_at_10 = ev->sum_mrr / (double)judged;
        out->mean.ndcg_at_10_exp = ev->sum_ndcg_exp / (double)judged;
    }
}
