/* `vajra search INDEX "text"`: one lexical, vector or hybrid query, printing ranked titles. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf(
        "Usage: vajra search INDEX [\"TEXT\" | -] [OPTIONS]\n"
        "       vajra search INDEX --queries Q.jsonl [--query-vectors FILE] [--format trec|jsonl]\n\n"
        "Run one query against an index and print the ranked documents (rank, score, id, title);\n"
        "or, with --queries (or --query-vectors alone), every query of a file, as a TREC run or\n"
        "JSONL. TEXT \"-\" reads the query text from standard input.\n\n"
        "  --query-file FILE          read the query text from FILE (\"-\": standard input)\n"
        "  --mode lexical|vector|hybrid  (default: hybrid when both TEXT and a query vector are\n"
        "                             given, else whichever side was given)\n"
        "  --query-vector FILE[:ROW]  the query vector: row ROW (default 0) of a .npy or .fvecs\n"
        "  --query-row N              the row to use (same as FILE:N)\n"
        "  -k N                       hits to print (default 10)\n"
        "  --depth N                  hybrid: candidates each side retrieves (default max(k, 50))\n"
        "  --fusion rrf|minmax|zscore hybrid fusion (default rrf)\n"
        "  --rrf-k X                  RRF constant (default 60)\n"
        "  --weight W                 convex fusion: lexical weight W, vector weight 1 - W\n"
        "                             (default 0.5)\n"
        "  --ef N                     HNSW beam width (default: the index's ef_search)\n"
        "  --exact                    exact vector search (scan every vector)\n"
        "  --filter EXPR              only documents whose attributes pass EXPR, e.g.\n"
        "                             'lang = \"en\" AND year >= 2020' (docs/filters.md)\n"
        "  --with-attrs               print each hit's attributes (JSON)\n"
        "  --storage file|mmap        how to open the index (default mmap)\n"
        "  --show-pipeline            first print the retriever morphism, e.g.\n"
        "                             (rrf(k=60) ∘ ⟨(lexical ∘ π0), (vector ∘ π1)⟩)\n"
        "  --json                     {\"mode\", \"k\", \"retriever\", \"hits\": [{\"rank\", \"doc\",\n"
        "                             \"id\", \"score\", \"title\"}]}\n"
        "Batch (every query of a file):\n"
        "  --queries FILE             BEIR queries JSONL (text = title + text; \"-\" = stdin)\n"
        "  --query-vectors FILE       query vectors (.npy/.fvecs), row i = query i; alone, the\n"
        "                             queries are its rows, with ids \"0\", \"1\", ...\n"
        "  --format trec|jsonl        trec (default): \"qid Q0 docid rank score run\" lines;\n"
        "                             jsonl: {\"query_id\", \"hits\": [{\"rank\", \"id\", \"score\"}]}\n"
        "  --run-name NAME            the run column of the TREC format (default vajra)\n"
        "  -o, --output FILE          write there instead of standard output\n"
        "  -h, --help                 this text\n");
}

enum { OPT_FILTER = 256, OPT_WITH_ATTRS };

int cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_SEARCH_LONGOPTS,
        {"filter", required_argument, NULL, OPT_FILTER},
        {"with-attrs", no_argument, NULL, OPT_WITH_ATTRS},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliSearchArgs a;
    cli_search_args_defaults(&a);
    const char *filter_text = NULL;
    int with_attrs = 0, ch;
    while ((ch = getopt_long(argc, argv, "k:ho:", longopts, NULL)) != -1) {
        int r = cli_search_option("search", ch, optarg, &a);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_FILTER: filter_text = optarg; break;
        case OPT_WITH_ATTRS: with_attrs = 1; break;
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("search", "bad option");
        }
    }
    if (cli_search_args_check("search", argc, argv, optind, "INDEX", &a) != 0)
        return CLI_EXIT_USAGE;
    const char *qv_spec = a.qv_spec, *storage = a.storage, *qfile = a.qfile;
    const char *queries_path = a.queries_path, *qvs_path = a.qvs_path, *run_name = a.run_name;
    const char *output = a.output, *path = a.path, *text_arg = a.text_arg;
    uint32_t k = a.k, depth = a.depth, ef = a.ef, qrow = a.qrow;
    int have_qrow = a.have_qrow, json = a.json, exact = a.exact, pipeline = a.pipeline;
    int batch = a.batch;
    CliMode mode = a.mode;
    CliFormat format = a.format;
    CliFusion fusion = a.fusion;

    int status = CLI_EXIT_FAIL;
    VajraMatrixF32 qv = {0};
    VajraRegistry *reg = NULL;
    VajraCollection *c = NULL;
    CliSearcher s = {0};
    VajraHits hits = {0};
    VajraError err = {0};
    VajraDocSet *queries = NULL;
    FILE *out_f = NULL;
    char *text_buf = NULL;
    const char *text = text_arg;
    const float *vec = NULL;
    if (qfile != NULL) {
        if ((text_buf = cli_read_text("search", qfile)) == NULL)
            goto out;
        text = text_buf;
    }
    if (batch) {
        if (queries_path != NULL && strcmp(queries_path, "-") == 0) {
            /* A pipe cannot be mapped: read it whole, then parse. */
            char *buf = cli_read_text("search", "-");
            if (buf == NULL)
                goto out;
            vajra_status st = vajra_docset_parse_jsonl(buf, strlen(buf), "standard input", NULL,
                                                       &queries, &err);
            free(buf);
            if (st != VAJRA_OK) {
                cli_error_vajra("search", &err);
                goto out;
            }
        } else if (queries_path != NULL &&
                   vajra_docset_read_jsonl(queries_path, NULL, &queries, &err) != VAJRA_OK) {
            cli_error_vajra("search", &err);
            goto out;
        }
        if (qvs_path != NULL) {
            if (vajra_vectors_read(qvs_path, &qv, &err) != VAJRA_OK) {
                cli_error_vajra("search", &err);
                goto out;
            }
            if (queries != NULL && mode != CLI_MODE_LEXICAL &&
                qv.rows != vajra_docset_count(queries)) {
                cli_error("search", "%s: %zu vectors for %zu queries in %s (row i belongs to "
                          "line i)", qvs_path, qv.rows, vajra_docset_count(queries),
                          queries_path);
                goto out;
            }
        }
    } else if (qv_spec != NULL) {
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
    VajraCollectionInfo info = {.struct_size = sizeof info};
    vajra_collection_info(c, &info);
    int have_vec = batch ? qvs_path != NULL : qv_spec != NULL;
    if (cli_need_query_vectors("search", c, path, mode != CLI_MODE_LEXICAL, have_vec))
        goto out;
    if (mode != CLI_MODE_LEXICAL && have_vec &&
        cli_check_query_dim("search", path, info.dim, batch ? qvs_path : qv_spec, qv.dim))
        goto out;
    if (cli_searcher_init("search", &s, c, mode, k, depth, exact ? VAJRA_EF_EXACT : ef, &fusion))
        goto out;
    if ((filter_text != NULL || with_attrs) &&
        cli_searcher_filter("search", &s, c, filter_text, with_attrs))
        goto out;
    if (batch) {
        out_f = output ? fopen(output, "w") : stdout;
        if (out_f == NULL) {
            cli_error("search", "%s: cannot create: %s", output, strerror(errno));
            goto out;
        }
        if (cli_search_batch("search", &s, c,
                             mode == CLI_MODE_VECTOR && qvs_path != NULL ? NULL : queries,
                             mode == CLI_MODE_LEXICAL ? NULL : &qv, format, run_name, out_f) == 0)
            status = CLI_EXIT_OK;
        goto out;
    }
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
            if (with_attrs)
                printf(", \"attrs\": %s", s.res.items[i].attrs);
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
            if (with_attrs)
                printf("     %s\n", s.res.items[i].attrs);
        }
    }
    status = CLI_EXIT_OK;
out:
    if (out_f != NULL && out_f != stdout && fclose(out_f) != 0 && status == CLI_EXIT_OK) {
        cli_error("search", "%s: %s", output, strerror(errno));
        status = CLI_EXIT_FAIL;
    }
    free(text_buf);
    vajra_docset_free(queries);
    vajra_hits_clear(&hits);
    cli_searcher_clear(&s);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    vajra_matrix_f32_clear(&qv);
    return status;
}
