/* `vajra search INDEX "text"`: one lexical, vector or hybrid query, printing ranked titles. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf(
        "Usage: vajra search INDEX [\"TEXT\"] [OPTIONS]\n\n"
        "Run one query against an index and print the ranked documents (rank, score, id, title).\n\n"
        "  --mode lexical|vector|hybrid  (default: hybrid when both TEXT and a query vector are\n"
        "                             given, else whichever side was given)\n"
        "  --query-vector FILE[:ROW]  the query vector: row ROW (default 0) of a .npy or .fvecs\n"
        "  --query-row N              the row to use (same as FILE:N)\n"
        "  -k N                       hits to print (default 10)\n"
        "  --depth N                  hybrid: candidates each side retrieves (default max(k, 100))\n"
        "  --fusion rrf|minmax|zscore hybrid fusion (default rrf)\n"
        "  --rrf-k X                  RRF constant (default 60)\n"
        "  --weight W                 convex fusion: lexical weight W, vector weight 1 - W\n"
        "                             (default 0.5)\n"
        "  --ef N                     HNSW beam width (default: the index's ef_search)\n"
        "  --exact                    exact vector search (scan every vector)\n"
        "  --storage file|mmap        how to open the index (default mmap)\n"
        "  --show-pipeline            first print the retriever morphism, e.g.\n"
        "                             (rrf(k=60) ∘ ⟨(lexical ∘ π0), (vector ∘ π1)⟩)\n"
        "  --json                     {\"mode\", \"k\", \"retriever\", \"hits\": [{\"rank\", \"doc\",\n"
        "                             \"id\", \"score\", \"title\"}]}\n"
        "  -h, --help                 this text\n");
}

enum { OPT_MODE = 256, OPT_QV, OPT_QROW, OPT_DEPTH, OPT_EF, OPT_EXACT, OPT_STORAGE, OPT_JSON,
       OPT_PIPELINE };

int cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, OPT_MODE},
        {"query-vector", required_argument, NULL, OPT_QV},
        {"query-row", required_argument, NULL, OPT_QROW},
        {"depth", required_argument, NULL, OPT_DEPTH},
        CLI_FUSION_LONGOPTS,
        {"ef", required_argument, NULL, OPT_EF},
        {"exact", no_argument, NULL, OPT_EXACT},
        {"storage", required_argument, NULL, OPT_STORAGE},
        {"json", no_argument, NULL, OPT_JSON},
        {"show-pipeline", no_argument, NULL, OPT_PIPELINE},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *mode_s = NULL, *qv_spec = NULL, *storage = "storage-mmap";
    uint32_t k = 10, depth = 0, ef = 0, qrow = 0;
    int have_qrow = 0, json = 0, exact = 0, pipeline = 0, ch;
    CliFusion fusion = CLI_FUSION_DEFAULT;
    while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        int r = cli_fusion_option("search", ch, optarg, &fusion);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_MODE: mode_s = optarg; break;
        case OPT_QV: qv_spec = optarg; break;
        case OPT_EXACT: exact = 1; break;
        case OPT_PIPELINE: pipeline = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_STORAGE:
            storage = cli_storage_plugin(optarg);
            if (storage == NULL)
                return cli_usage_error("search", "--storage takes file or mmap");
            break;
        case 'k':
        case OPT_DEPTH:
        case OPT_EF:
        case OPT_QROW: {
            uint32_t v = 0;
            if (!cli_parse_u32(optarg, &v) || (v == 0 && ch != OPT_QROW))
                return cli_usage_error("search", "expected a positive integer, not \"%s\"", optarg);
            if (ch == 'k')
                k = v;
            else if (ch == OPT_DEPTH)
                depth = v;
            else if (ch == OPT_EF)
                ef = v;
            else {
                qrow = v;
                have_qrow = 1;
            }
            break;
        }
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("search", "bad option");
        }
    }
    int npos = argc - optind;
    if (npos < 1 || npos > 2)
        return cli_usage_error("search", "expected INDEX and an optional query TEXT");
    const char *path = argv[optind];
    const char *text = npos == 2 ? argv[optind + 1] : NULL;
    CliMode mode;
    if (mode_s != NULL) {
        if (!cli_parse_mode(mode_s, &mode))
            return cli_usage_error("search", "--mode takes lexical, vector or hybrid");
    } else {
        mode = text && qv_spec ? CLI_MODE_HYBRID : qv_spec ? CLI_MODE_VECTOR : CLI_MODE_LEXICAL;
    }
    if (mode != CLI_MODE_VECTOR && text == NULL)
        return cli_usage_error("search", "%s search needs a query TEXT", cli_mode_name(mode));
    if (mode != CLI_MODE_LEXICAL && qv_spec == NULL)
        return cli_usage_error("search", "%s search needs --query-vector FILE[:ROW]",
                               cli_mode_name(mode));
    if (depth == 0)
        depth = k > 100 ? k : 100;

    int status = CLI_EXIT_FAIL;
    VajraMatrixF32 qv = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    CliSearcher s = {0};
    VajraHits hits = {0};
    VajraError err = {0};
    const float *vec = NULL;
    if (qv_spec != NULL) {
        long row = have_qrow ? (long)qrow : 0;
        if (cli_read_vectors_spec("search", qv_spec, &qv, &row) != 0)
            goto out;
        if ((size_t)row >= qv.rows) {
            cli_error("search", "%s: row %ld out of range (%zu rows)", qv_spec, row, qv.rows);
            goto out;
        }
        vec = qv.data + (size_t)row * qv.dim;
    }
    reg = cli_registry("search");
    if (reg == NULL)
        goto out;
    c = cli_open_collection("search", reg, path, storage);
    if (c == NULL)
        goto out;
    VajraCollectionInfo info;
    vajra_collection_info(c, &info);
    if (vec != NULL && mode != CLI_MODE_LEXICAL && qv.dim != info.dim) {
        cli_error("search", "%s: query vectors have dimension %zu, the index has %u", qv_spec,
                  qv.dim, info.dim);
        goto out;
    }
    if (cli_searcher_init("search", &s, c, mode, k, depth, exact ? VAJRA_EF_EXACT : ef, &fusion))
        goto out;
    if (cli_searcher_run(&s, text, vec, &hits, &err) != VAJRA_OK) {
        cli_error_vajra("search", &err);
        goto out;
    }
    if (json) {
        printf("{\"mode\": \"%s\", \"k\": %u, \"retriever\": ", cli_mode_name(mode), k);
        cli_json_string(stdout, vajra_morphism_name(s.m));
        printf(", \"hits\": [");
        for (size_t i = 0; i < hits.count; i++) {
            printf("%s{\"rank\": %zu, \"doc\": %u, \"id\": ", i ? ", " : "", i + 1,
                   hits.items[i].doc);
            cli_json_string(stdout, vajra_collection_doc_id(c, hits.items[i].doc));
            printf(", \"score\": ");
            cli_json_number(stdout, hits.items[i].score);
            printf(", \"title\": ");
            cli_json_string(stdout, vajra_collection_doc_title(c, hits.items[i].doc));
            printf("}");
        }
        printf("]}\n");
    } else {
        if (pipeline)
            printf("retriever: %s\n", vajra_morphism_name(s.m));
        if (hits.count == 0)
            printf("(no hits)\n");
        for (size_t i = 0; i < hits.count; i++) {
            const char *title = vajra_collection_doc_title(c, hits.items[i].doc);
            printf("%3zu. %10.4f  %-8s %s\n", i + 1, hits.items[i].score,
                   vajra_collection_doc_id(c, hits.items[i].doc),
                   title && title[0] ? title : "(untitled)");
        }
    }
    status = CLI_EXIT_OK;
out:
    vajra_hits_clear(&hits);
    cli_searcher_clear(&s);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    vajra_matrix_f32_clear(&qv);
    return status;
}
