/* The report of `vajra eval` (shared with `vajra-mpi eval`): the warnings about what cannot be
 * scored, and the table or JSON of the means per mode. */
#include <string.h>

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

void cli_eval_args_defaults(CliEvalArgs *a)
{
    memset(a, 0, sizeof *a);
    a->storage = "storage-mmap";
    a->k = 1000;
    a->fusion = (CliFusion)CLI_FUSION_DEFAULT;
}

int cli_eval_option(const char *cmd, int ch, const char *arg, CliEvalArgs *a)
{
    int r = cli_fusion_option(cmd, ch, arg, &a->fusion);
    if (r != 0)
        return r;
    switch (ch) {
    case CLI_OPT_E_QUERIES: a->queries_path = arg; return 1;
    case CLI_OPT_E_QRELS: a->qrels_path = arg; return 1;
    case CLI_OPT_E_QV: a->qv_path = arg; return 1;
    case CLI_OPT_E_MODE: a->mode_s = arg; return 1;
    case CLI_OPT_E_EXACT: a->exact = 1; return 1;
    case CLI_OPT_E_JSON: a->json = 1; return 1;
    case CLI_OPT_E_STORAGE:
        a->storage = cli_storage_plugin(arg);
        if (a->storage == NULL) {
            cli_usage_error(cmd, "--storage takes file or mmap");
            return -1;
        }
        return 1;
    case 'k':
    case CLI_OPT_E_DEPTH:
    case CLI_OPT_E_EF: {
        uint32_t v = 0;
        if (!cli_parse_u32(arg, &v) || v == 0) {
            cli_usage_error(cmd, "expected a positive integer, not \"%s\"", arg);
            return -1;
        }
        *(ch == 'k' ? &a->k : ch == CLI_OPT_E_DEPTH ? &a->depth : &a->ef) = v;
        return 1;
    }
    }
    return 0;
}

int cli_eval_args_check(const char *cmd, int argc, int first, const char *what, CliEvalArgs *a)
{
    if (argc - first != 1)
        return cli_usage_error(cmd, "expected one %s argument", what);
    if (a->queries_path == NULL || a->qrels_path == NULL)
        return cli_usage_error(cmd, "--queries and --qrels are required");
    if (a->k < 100)
        return cli_usage_error(cmd, "-k must be at least 100 (recall@100)");
    a->want[0] = a->want[1] = a->want[2] = 0;
    if (a->mode_s == NULL || strcmp(a->mode_s, "all") == 0) {
        a->want[CLI_MODE_LEXICAL] = 1;
        a->want[CLI_MODE_VECTOR] = a->want[CLI_MODE_HYBRID] = a->qv_path != NULL;
    } else {
        CliMode m;
        if (!cli_parse_mode(a->mode_s, &m))
            return cli_usage_error(cmd, "--mode takes lexical, vector, hybrid or all");
        a->want[m] = 1; /* without --query-vectors: the index's embedder (checked once open) */
    }
    if (a->depth == 0)
        a->depth = a->k;
    if (a->ef == 0)
        a->ef = a->k; /* a beam at least as wide as the ranking scored */
    if (a->exact)
        a->ef = VAJRA_EF_EXACT;
    return 0;
}
