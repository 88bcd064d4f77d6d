/* `vajra`: index, search, evaluate and inspect Vajra collections from the command line. */
#include <string.h>

#include "cli.h"
#include "cli_live.h"
#include "vajra/vajra.h"

typedef struct Command {
    const char *name;
    CliCommandFn fn;
    const char *summary;
} Command;

static const Command commands[] = {
    {"index", cmd_index, "index a JSONL corpus (and its vectors) into one index file"},
    {"search", cmd_search, "run one lexical, vector or hybrid query"},
    {"eval", cmd_eval, "nDCG@10, recall@100, MRR@10 and MAP against qrels"},
    {"bench", cmd_bench, "build time, query latency p50/p95, QPS and recall@10 vs exact"},
    {"parity", cmd_parity, "check the fast search paths against the core's reference"},
    {"info", cmd_info, "describe an index file"},
    {"plugins", cmd_plugins, "list plugins, their ABI versions, CPU features and the kernel"},
    {"add", cmd_add, "add (or --upsert) documents to an index file, in one durable commit"},
    {"delete", cmd_delete, "delete documents by id, in one durable commit"},
    {"compact", cmd_compact, "merge the segments into one, dropping deleted documents"},
    {"promote", cmd_promote, "compact and rebuild the vectors with another HNSW profile"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: vajra COMMAND [OPTIONS]...\n\n"
               "BM25, HNSW and hybrid search (Vajra %s).\n\nCommands:\n",
            vajra_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'vajra COMMAND --help' for a command's options.\n"
               "Plugins are found on $VAJRA_PLUGIN_PATH, %sthen in %s.\n",
            cli_build_tree_plugin_path() ? "else in the build tree (this binary is uninstalled), "
                                         : "",
            vajra_plugin_install_dir());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("vajra %s\n", vajra_version());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "vajra: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
