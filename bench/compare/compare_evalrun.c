/* Score a TREC run file with Vajra's eval module, so peers that are not C (Lucene, ZVec) are
 * judged by exactly the code that scores Vajra and the C/C++ peers.
 *
 * Usage: compare-evalrun QRELS.tsv RUN PEER [SET]
 * RUN lines: "query-id Q0 doc-id rank score tag", each query's lines together and best first
 * (rank order as given). Prints the same '#' and JSON lines as compare-xapian's Cranfield figures:
 * {"peer": PEER, "set": SET (default cranfield), "ndcg@10", "ndcg@10_exp", "recall@100", "map",
 * "mrr@10", "queries", "depth"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/eval.h"
#include "vajra/io.h"

#define MAX_DEPTH 100000

static void die(const char *what, const VajraError *err)
{
    fprintf(stderr, "compare-evalrun: %s: %s\n", what, err ? err->message : "bad input");
    exit(1);
}

static size_t n_ranked;
static char *ranked[MAX_DEPTH];
static size_t max_depth;

static void flush(VajraEval *ev, const char *qid)
{
    VajraError err = {0};
    if (qid[0] == '\0')
        return;
    if (vajra_eval_add(ev, qid, (const char *const *)ranked, n_ranked, NULL, &err) != VAJRA_OK)
        die(qid, &err);
    if (n_ranked > max_depth)
        max_depth = n_ranked;
    for (size_t i = 0; i < n_ranked; i++)
        free(ranked[i]);
    n_ranked = 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: compare-evalrun QRELS.tsv RUN PEER [SET]\n");
        return 2;
    }
    const char *set = argc > 4 ? argv[4] : "cranfield";
    VajraError err = {0};
    VajraQrels *qrels = NULL;
    if (vajra_qrels_read(argv[1], &qrels, &err) != VAJRA_OK)
        die(argv[1], &err);
    VajraEval *ev = NULL;
    if (vajra_eval_new(qrels, &ev, &err) != VAJRA_OK)
        die("eval", &err);
    FILE *f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    char line[4096], cur[1024] = "", qid[1024], q0[64], doc[1024];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%1023s %63s %1023s", qid, q0, doc) != 3)
            continue;
        if (strcmp(qid, cur) != 0) {
            flush(ev, cur);
            snprintf(cur, sizeof cur, "%s", qid);
        }
        if (n_ranked < MAX_DEPTH)
            ranked[n_ranked++] = strdup(doc);
    }
    flush(ev, cur);
    fclose(f);
    VajraEvalSummary sum;
    vajra_eval_summary(ev, &sum);
    printf("# %s %s: nDCG@10 %.4f (exp-gain %.4f)  recall@100 %.4f  MAP %.4f  MRR@10 %.4f  "
           "(%zu judged queries, %zu ranked, depth %zu)\n",
           argv[3], set, sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100,
           sum.mean.map, sum.mean.mrr_at_10, sum.judged_queries, sum.ranked_queries, max_depth);
    printf("{\"peer\":\"%s\",\"set\":\"%s\",\"ndcg@10\":%.4f,\"ndcg@10_exp\":%.4f,\"recall@100\":%.4f,"
           "\"map\":%.4f,\"mrr@10\":%.4f,\"queries\":%zu,\"depth\":%zu}\n",
           argv[3], set, sum.mean.ndcg_at_10, sum.mean.ndcg_at_10_exp, sum.mean.recall_at_100,
           sum.mean.map, sum.mean.mrr_at_10, sum.judged_queries, max_depth);
    vajra_eval_free(ev);
    vajra_qrels_free(qrels);
    return 0;
}
