/* The options of `vajra search` (shared with `vajra-mpi search`): taking them from getopt, and
 * checking them once every option is read. */
#include <string.h>

#include "cli.h"

void cli_search_args_defaults(CliSearchArgs *a)
{
    memset(a, 0, sizeof *a);
    a->storage = "storage-mmap";
    a->run_name = "vajra";
    a->k = 10;
    a->fusion = (CliFusion)CLI_FUSION_DEFAULT;
}

int cli_search_option(const char *cmd, int ch, const char *arg, CliSearchArgs *a)
{
    int r = cli_fusion_option(cmd, ch, arg, &a->fusion);
    if (r != 0)
        return r;
    switch (ch) {
    case CLI_OPT_S_MODE: a->mode_s = arg; return 1;
    case CLI_OPT_S_QV: a->qv_spec = arg; return 1;
    case CLI_OPT_S_QFILE: a->qfile = arg; return 1;
    case CLI_OPT_S_QUERIES: a->queries_path = arg; return 1;
    case CLI_OPT_S_QVS: a->qvs_path = arg; return 1;
    case CLI_OPT_S_FORMAT: a->format_s = arg; return 1;
    case CLI_OPT_S_RUN: a->run_name = arg; return 1;
    case 'o': a->output = arg; return 1;
    case CLI_OPT_S_EXACT: a->exact = 1; return 1;
    case CLI_OPT_S_PIPELINE: a->pipeline = 1; return 1;
    case CLI_OPT_S_JSON: a->json = 1; return 1;
    case CLI_OPT_S_STORAGE:
        a->storage = cli_storage_plugin(arg);
        if (a->storage == NULL) {
            cli_usage_error(cmd, "--storage takes file or mmap");
            return -1;
        }
        return 1;
    case 'k':
    case CLI_OPT_S_DEPTH:
    case CLI_OPT_S_EF:
    case CLI_OPT_S_QROW: {
        uint32_t v = 0;
        if (!cli_parse_u32(arg, &v) || (v == 0 && ch != CLI_OPT_S_QROW)) {
            cli_usage_error(cmd, "expected a positive integer, not \"%s\"", arg);
            return -1;
        }
        if (ch == 'k')
            a->k = v;
        else if (ch == CLI_OPT_S_DEPTH)
            a->depth = v;
        else if (ch == CLI_OPT_S_EF)
            a->ef = v;
        else {
            a->qrow = v;
            a->have_qrow = 1;
        }
        return 1;
    }
    }
    return 0;
}

int cli_search_args_check(const char *cmd, int argc, char **argv, int first, const char *what,
                          CliSearchArgs *a)
{
    int npos = argc - first;
    a->batch = a->queries_path != NULL || a->qvs_path != NULL;
    if (npos < 1 || npos > 2)
        return cli_usage_error(cmd, "expected %s and an optional query TEXT", what);
    a->path = argv[first];
    a->text_arg = npos == 2 ? argv[first + 1] : NULL;
    if (a->batch && (a->text_arg || a->qfile || a->qv_spec))
        return cli_usage_error(cmd, "--queries/--query-vectors run a file of queries: give "
                                    "no TEXT, --query-file or --query-vector with them");
    if (!a->batch && (a->format_s || a->output))
        return cli_usage_error(cmd, "--format and --output are for --queries");
    if (a->text_arg && a->qfile)
        return cli_usage_error(cmd, "give the query TEXT or --query-file, not both");
    if (a->text_arg && strcmp(a->text_arg, "-") == 0)
        a->qfile = "-";
    a->format = CLI_FORMAT_TREC;
    if (a->format_s && !cli_parse_format(a->format_s, &a->format))
        return cli_usage_error(cmd, "--format takes trec or jsonl, not \"%s\"", a->format_s);
    if (strpbrk(a->run_name, " \t\n") != NULL || a->run_name[0] == '\0')
        return cli_usage_error(cmd, "--run-name must be one word");
    int have_text = a->batch ? a->queries_path != NULL : (a->text_arg != NULL || a->qfile != NULL);
    int have_vec = a->batch ? a->qvs_path != NULL : a->qv_spec != NULL;
    if (a->mode_s != NULL) {
        if (!cli_parse_mode(a->mode_s, &a->mode))
            return cli_usage_error(cmd, "--mode takes lexical, vector or hybrid");
    } else {
        a->mode = have_text && have_vec ? CLI_MODE_HYBRID
                  : have_vec            ? CLI_MODE_VECTOR
                                        : CLI_MODE_LEXICAL;
    }
    if (a->mode != CLI_MODE_VECTOR && !have_text)
        return cli_usage_error(cmd, "%s search needs %s", cli_mode_name(a->mode),
                               a->batch ? "--queries FILE" : "a query TEXT (or --query-file)");
    /* Without query vectors a vector or hybrid search embeds the text with the index's
     * embedder; whether the index has one is checked once it is open (cli_need_query_vectors). */
    if (a->mode != CLI_MODE_LEXICAL && !have_vec && !have_text)
        return cli_usage_error(cmd, "%s search needs %s", cli_mode_name(a->mode),
                               a->batch ? "--query-vectors FILE" : "--query-vector FILE[:ROW]");
    if (a->depth == 0)
        a->depth = a->k > VAJRA_HYBRID_DEPTH_DEFAULT ? a->k : VAJRA_HYBRID_DEPTH_DEFAULT;
    return 0;
}
