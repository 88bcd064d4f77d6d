/* The query-side options of `vajra bench` (shared with `vajra-mpi bench`). */
#include <string.h>

#include "cli.h"

void cli_bench_args_defaults(CliBenchArgs *a)
{
    memset(a, 0, sizeof *a);
    a->storage = "storage-mmap";
    a->k = 10;
    a->repeat = 3;
    a->fusion = (CliFusion)CLI_FUSION_DEFAULT;
}

int cli_bench_option(const char *cmd, int ch, const char *arg, CliBenchArgs *a)
{
    int r = cli_fusion_option(cmd, ch, arg, &a->fusion);
    if (r != 0)
        return r;
    switch (ch) {
    case CLI_OPT_B_QUERIES: a->queries_path = arg; return 1;
    case CLI_OPT_B_QV: a->qv_path = arg; return 1;
    case CLI_OPT_B_MODE: a->mode_s = arg; return 1;
    case CLI_OPT_B_JSON: a->json = 1; return 1;
    case CLI_OPT_B_STORAGE:
        a->storage = cli_storage_plugin(arg);
        if (a->storage == NULL) {
            cli_usage_error(cmd, "--storage takes file or mmap");
            return -1;
        }
        return 1;
    case 'k':
    case CLI_OPT_B_DEPTH:
    case CLI_OPT_B_EF:
    case CLI_OPT_B_REPEAT:
    case CLI_OPT_B_MAXQ: {
        uint32_t v = 0;
        if (!cli_parse_u32(arg, &v) || v == 0) {
            cli_usage_error(cmd, "expected a positive integer, not \"%s\"", arg);
            return -1;
        }
        *(ch == 'k'                 ? &a->k
          : ch == CLI_OPT_B_DEPTH   ? &a->depth
          : ch == CLI_OPT_B_EF      ? &a->ef
          : ch == CLI_OPT_B_REPEAT  ? &a->repeat
                                    : &a->maxq) = v;
        return 1;
    }
    }
    return 0;
}

int cli_bench_args_check(const char *cmd, CliBenchArgs *a)
{
    a->mode = a->queries_path && a->qv_path ? CLI_MODE_HYBRID
              : a->qv_path                  ? CLI_MODE_VECTOR
                                            : CLI_MODE_LEXICAL;
    if (a->mode_s != NULL && !cli_parse_mode(a->mode_s, &a->mode))
        return cli_usage_error(cmd, "--mode takes lexical, vector or hybrid");
    if (a->mode != CLI_MODE_VECTOR && a->queries_path == NULL)
        return cli_usage_error(cmd, "--queries is required (in %s mode)", cli_mode_name(a->mode));
    if (a->mode != CLI_MODE_LEXICAL && a->qv_path == NULL)
        return cli_usage_error(cmd, "--mode %s needs --query-vectors", cli_mode_name(a->mode));
    /* The same default as `vajra search` and the library (max(k, VAJRA_HYBRID_DEPTH_DEFAULT)):
     * a benchmark must time the search users run. */
    if (a->depth == 0)
        a->depth = a->k > VAJRA_HYBRID_DEPTH_DEFAULT ? a->k : VAJRA_HYBRID_DEPTH_DEFAULT;
    return 0;
}
