/* The report of `vajra eval` (shared with `vajra-mpi eval`): the warnings about what cannot be
 * scored, and the table or JSON of the means per mode. */
#include "cli.h"

void cli_eval_warnings(const char *queries_path, const char *qrels_path, const CliEvalCounts *c)
{
    if (c->judged < c->queries)
        fprintf(stderr, "vajra eval: warning: %zu of %zu queries in %s have no relevant "
                "judgement in %s; they are not scored\n", c->queries - c->judged, c->queries,
                queries_path, qrels_path);
    if (c->judged_missing > 0)
        fprintf(stderr, "vajra eval: warning: %zu queries judged in %s are not in %s; they are "
                "not scored\n", c->judged_missing, qrels_path, queries_path);
    if (c->docs_missing > 0)
        fprintf(stderr, "vajra eval: warning: %zu of the %zu judged documents of the scored "
                "queries (%zu of them relevant) are not in the index; no run can retrieve "
                "them\n", c->docs_missing, c->judgements, c->relevant_missing);
}

void cli_eval_print(int json, const int want[3], const VajraMetrics means[3],
                    const size_t scored[3], const CliEvalCounts *c)
{
    int printed = 0, several = want[0] + want[1] + want[2] > 1;
    if (json && several)
        printf("[");
    else if (!json)
        printf("%-8s %8s %12s %11s %8s %8s %8s\n", "mode", "nDCG@10", "nDCG@10(exp)",
               "recall@100", "MRR@10", "MAP", "queries");
    for (int m = CLI_MODE_LEXICAL; m <= CLI_MODE_HYBRID; m++) {
        if (!want[m])
            continue;
        const VajraMetrics *mm = &means[m];
        if (json) {
            printf("%s{\"mode\": \"%s\", \"ndcg@10\": ", printed ? ", " : "",
                   cli_mode_name((CliMode)m));
            cli_json_number(stdout, mm->ndcg_at_10);
            printf(", \"ndcg@10_exp\": ");
            cli_json_number(stdout, mm->ndcg_at_10_exp);
            printf(", \"recall@100\": ");
            cli_json_number(stdout, mm->recall_at_100);
            printf(", \"mrr@10\": ");
            cli_json_number(stdout, mm->mrr_at_10);
            printf(", \"map\": ");
            cli_json_number(stdout, mm->map);
            printf(", \"queries\": %zu, \"unjudged_queries\": %zu, \"missing_queries\": %zu, "
                   "\"missing_judged_docs\": %zu}", scored[m], c->queries - c->judged,
                   c->judged_missing, c->docs_missing);
        } else {
            printf("%-8s %8.4f %12.4f %11.4f %8.4f %8.4f %8zu\n", cli_mode_name((CliMode)m),
                   mm->ndcg_at_10, mm->ndcg_at_10_exp, mm->recall_at_100, mm->mrr_at_10, mm->map,
                   scored[m]);
        }
        printed++;
    }
    if (json)
        printf("%s\n", several ? "]" : "");
}
