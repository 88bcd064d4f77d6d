/* `vajra index DOCS.jsonl -o INDEX`: read documents (and vectors), build both indexes, save one
 * container. The container is written atomically (temporary file, fsync, rename), so a failure
 * at any point leaves no half-written INDEX behind. */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: vajra index DOCS.jsonl -o INDEX [OPTIONS]\n"
           "       vajra index --vectors FILE -o INDEX [OPTIONS]\n\n"
           "Index BEIR-style JSONL documents ({\"_id\", \"title\", \"text\"} per line) with BM25 "
           "and,\nwhen vectors are given, HNSW, into one index file. Row i of the vector file "
           "belongs to\nline i of DOCS.jsonl. Without DOCS.jsonl the vectors alone are indexed "
           "(GloVe, SIFT):\ndocument i is row i, its id the row number \"i\", with no text.\n\n"
           "  -o, --output INDEX         the index file to write (atomically)\n"
           "  --vectors FILE             document vectors: .npy (float32 or float16) or .fvecs\n"
           "  --vector-field NAME        or: read each document's vector from this JSON field\n"
           "  --limit N                  index only the first N documents (and the first N rows "
           "of\n                             the vector file)\n" CLI_BUILD_HELP
           "  --storage file|mmap        storage plugin that writes the file (same bytes)\n"
           "  --json                     print a JSON summary (docs, dim, build_s, save_s, "
           "path, bytes)\n"
           "  -h, --help                 this text\n\n"
           "A progress bar is shown when stderr is a terminal. Input errors name the file and "
           "line\nand exit with status 1.\n");
}


int cmd_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_INDEX_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliIndexArgs ia;
    cli_index_args_defaults(&ia);
    int ch;
    while ((ch = getopt_long(argc, argv, "o:hq", longopts, NULL)) != -1) {
        int r = cli_index_option("index", ch, optarg, &ia);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        }
        return cli_usage_error("index", "bad option");
    }
    CliBuildOptions bo = ia.build;
    const char *output = ia.output, *vectors = ia.vectors, *vector_field = ia.vector_field;
    const char *storage = ia.storage;
    uint32_t limit = ia.limit;
    int json = ia.json;
    if (argc - optind > 1)
        return cli_usage_error("index", "expected one DOCS.jsonl argument");
    if (argc - optind == 0 && vectors == NULL)
        return cli_usage_error("index", "expected DOCS.jsonl, or --vectors FILE to index vectors "
                                        "alone");
    if (output == NULL)
        return cli_usage_error("index", "missing -o INDEX");
    if (vectors && vector_field)
        return cli_usage_error("index", "give --vectors or --vector-field, not both");
    if (vector_field && argc - optind == 0)
        return cli_usage_error("index", "--vector-field needs DOCS.jsonl");
    const char *docs_path = argc - optind == 1 ? argv[optind] : NULL;

    int status = CLI_EXIT_FAIL;
    CliDocs docs;
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    VajraError err = {0};
    double t0 = cli_now(), build_s = 0;
    if (cli_docs_load("index", docs_path, vectors, vector_field, limit, &docs))
        return CLI_EXIT_FAIL;
    reg = cli_registry("index");
    if (reg == NULL || cli_build("index", reg, &bo, &docs, docs_path ? docs_path : vectors, &c,
                                 &build_s))
        goto out;
    double t_save = cli_now();
    if (vajra_collection_save(c, output, storage, &err) != VAJRA_OK) {
        cli_error_vajra("index", &err);
        goto out;
    }
    double save_s = cli_now() - t_save;
    struct stat sb;
    long long bytes = stat(output, &sb) == 0 ? (long long)sb.st_size : -1;
    if (json) {
        printf("{\"docs\": %zu, \"dim\": %u, \"build_s\": ", docs.count, docs.dim);
        cli_json_number(stdout, build_s);
        printf(", \"save_s\": ");
        cli_json_number(stdout, save_s);
        printf(", \"total_s\": ");
        cli_json_number(stdout, cli_now() - t0);
        printf(", \"path\": ");
        cli_json_string(stdout, output);
        printf(", \"bytes\": %lld}\n", bytes);
    } else if (!bo.quiet) {
        if (docs_path == NULL)
            printf("Indexed %zu %u-d vectors", docs.count, docs.dim);
        else
            printf("Indexed %zu documents", docs.count);
        if (docs.dim) {
            char desc[256];
            cli_build_vector_desc(c, desc, sizeof desc);
            printf("%s (%s, %s, %u threads)", docs_path ? " with vectors" : "", bo.metric, desc,
                   cli_build_threads(&bo));
        }
        printf(" in %.2f s; saved %s (%.1f MB) in %.2f s\n", build_s, output,
               (double)bytes / 1e6, save_s);
    }
    status = CLI_EXIT_OK;
out:
    vajra_collection_free(c);
    vajra_registry_free(reg);
    cli_docs_clear(&docs);
    return status;
}
