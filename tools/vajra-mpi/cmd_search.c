/* `mpirun -np N vajra-mpi search DIR "text"`: `vajra search` over a sharded collection — the
 * same options (but --filter/--with-attrs) and the same output. Document numbers ("doc" in
 * --json) are global ordinals: the numbers a single index over the same input would give. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vmpi.h"

static void help(void)
{
    printf(
        "Usage: mpirun -np N vajra-mpi search DIR [\"TEXT\" | -] [OPTIONS]\n"
        "       mpirun -np N vajra-mpi search DIR --queries Q.jsonl [--query-vectors FILE]\n\n"
        "`vajra search` over the shards of DIR (one per rank): the same options and output.\n"
        "Lexical scores use the collection-wide statistics summed over the shards, so the\n"
        "results equal those of one index over the same documents.\n\n"
        "  --query-file FILE, --mode lexical|vector|hybrid, --query-vector FILE[:ROW],\n"
        "  --query-row N, -k N, --depth N, --fusion rrf|minmax|zscore, --rrf-k X, --weight W,\n"
        "  --ef N, --exact, --storage file|mmap, --show-pipeline, --json,\n"
        "  --queries FILE, --query-vectors FILE, --format trec|jsonl, --run-name NAME,\n"
        "  -o, --output FILE          as for vajra search\n" VMPI_HELP
        "  -h, --help                 this text\n");
}

enum { OPT_MODE = 256, OPT_QV, OPT_QROW, OPT_DEPTH, OPT_EF, OPT_EXACT, OPT_STORAGE, OPT_JSON,
       OPT_PIPELINE, OPT_QFILE, OPT_QUERIES, OPT_QVS, OPT_FORMAT, OPT_RUN };

static void print_batch(FILE *out, const char *qid, const VmpiHits *h, CliFormat format,
                        const char *run_name)
{
    if (format == CLI_FORMAT_JSONL) {
        fputs("{\"query_id\": ", out);
        cli_json_string(out, qid);
        fputs(", \"hits\": [", out);
    }
    for (size_t i = 0; i < h->count; i++) {
        if (format == CLI_FORMAT_TREC) {
            fprintf(out, "%s Q0 %s %zu %.6g %s\n", qid, h->items[i].id, i + 1, h->items[i].score,
                    run_name);
        } else {
            fprintf(out, "%s{\"rank\": %zu, \"id\": ", i ? ", " : "", i + 1);
            cli_json_string(out, h->items[i].id);
            fputs(", \"score\": ", out);
            cli_json_number(out, h->items[i].score);
            fputc('}', out);
        }
    }
    if (format == CLI_FORMAT_JSONL)
        fputs("]}\n", out);
}

int vmpi_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, OPT_MODE},
        {"query-vector", required_argument, NULL, OPT_QV},
        {"query-row", required_argument, NULL, OPT_QROW},
        {"depth", required_argument, NULL, OPT_DEPTH},
        CLI_FUSION_LONGOPTS,
        VMPI_LONGOPTS,
        {"ef", required_argument, NULL, OPT_EF},
        {"exact", no_argument, NULL, OPT_EXACT},
        {"storage", required_argument, NULL, OPT_STORAGE},
        {"json", no_argument, NULL, OPT_JSON},
        {"show-pipeline", no_argument, NULL, OPT_PIPELINE},
        {"query-file", required_argument, NULL, OPT_QFILE},
        {"queries", required_argument, NULL, OPT_QUERIES},
        {"query-vectors", required_argument, NULL, OPT_QVS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"run-name", required_argument, NULL, OPT_RUN},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *mode_s = NULL, *qv_spec = NULL, *storage = "storage-mmap";
    const char *qfile = NULL, *queries_path = NULL, *qvs_path = NULL, *format_s = NULL;
    const char *run_name = "vajra", *output = NULL;
    uint32_t k = 10, depth = 0, ef = 0, qrow = 0, replicas = 1;
    int have_qrow = 0, json = 0, exact = 0, pipeline = 0, ch;
    CliFusion fusion = CLI_FUSION_DEFAULT;
    while ((ch = getopt_long(argc, argv, "k:ho:", longopts, NULL)) != -1) {
        int r = cli_fusion_option("search", ch, optarg, &fusion);
        if (r == 0)
            r = vmpi_common_option("search", ch, optarg, &replicas);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_MODE: mode_s = optarg; break;
        case OPT_QV: qv_spec = optarg; break;
        case OPT_QFILE: qfile = optarg; break;
        case OPT_QUERIES: queries_path = optarg; break;
        case OPT_QVS: qvs_path = optarg; break;
        case OPT_FORMAT: format_s = optarg; break;
        case OPT_RUN: run_name = optarg; break;
        case 'o': output = optarg; break;
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
    int batch = queries_path != NULL || qvs_path != NULL;
    if (npos < 1 || npos > 2)
        return cli_usage_error("search", "expected DIR and an optional query TEXT");
    const char *dir = argv[optind];
    const char *text_arg = npos == 2 ? argv[optind + 1] : NULL;
    if (batch && (text_arg || qfile || qv_spec))
        return cli_usage_error("search", "--queries/--query-vectors run a file of queries: give "
                                         "no TEXT, --query-file or --query-vector with them");
    if (!batch && (format_s || output))
        return cli_usage_error("search", "--format and --output are for --queries");
    if (!batch && replicas > 1)
        return cli_usage_error("search", "--replicas is for --queries (a batch)");
    if (text_arg && qfile)
        return cli_usage_error("search", "give the query TEXT or --query-file, not both");
    if (text_arg && strcmp(text_arg, "-") == 0)
        qfile = "-";
    CliFormat format = CLI_FORMAT_TREC;
    if (format_s && !cli_parse_format(format_s, &format))
        return cli_usage_error("search", "--format takes trec or jsonl, not \"%s\"", format_s);
    if (strpbrk(run_name, " \t\n") != NULL || run_name[0] == '\0')
        return cli_usage_error("search", "--run-name must be one word");
    if (strcmp(fusion.method, "rrf") && strcmp(fusion.method, "minmax") &&
        strcmp(fusion.method, "zscore"))
        return cli_usage_error("search", "unknown fusion \"%s\" (rrf, minmax, zscore)",
                               fusion.method);
    int have_text = batch ? queries_path != NULL : (text_arg != NULL || qfile != NULL);
    int have_vec = batch ? qvs_path != NULL : qv_spec != NULL;
    CliMode mode;
    if (mode_s != NULL) {
        if (!cli_parse_mode(mode_s, &mode))
            return cli_usage_error("search", "--mode takes lexical, vector or hybrid");
    } else {
        mode = have_text && have_vec ? CLI_MODE_HYBRID : have_vec ? CLI_MODE_VECTOR
                                                                  : CLI_MODE_LEXICAL;
    }
    if (mode != CLI_MODE_VECTOR && !have_text)
        return cli_usage_error("search", "%s search needs %s", cli_mode_name(mode),
                               batch ? "--queries FILE" : "a query TEXT (or --query-file)");
    if (mode != CLI_MODE_LEXICAL && !have_vec)
        return cli_usage_error("search", "%s search needs %s", cli_mode_name(mode),
                               batch ? "--query-vectors FILE" : "--query-vector FILE[:ROW]");
    if (depth == 0)
        depth = k > 100 ? k : 100;
    if (depth < k)
        depth = k;

    int status = CLI_EXIT_FAIL;
    VmpiShard s;
    VmpiQueries qs = {0};
    VmpiHits *res = NULL;
    FILE *out_f = NULL;
    char *text = NULL;
    CliSearcher cs = {0};
    if (vmpi_shard_open(&s, "search", dir, replicas, 0, storage) != 0) {
        vmpi_shard_close(&s);
        return CLI_EXIT_FAIL;
    }
    VmpiQuery q = {mode, k, depth, exact ? VAJRA_EF_EXACT : ef, fusion};
    if (mode != CLI_MODE_LEXICAL && s.dim == 0) {
        if (vmpi_world_rank == 0)
            cli_error("search", "%s search needs vectors, and this index has no vectors (it was "
                      "built without --vectors); use --mode lexical", cli_mode_name(mode));
        goto out;
    }
    if (batch) {
        if (vmpi_queries_load("search", mode == CLI_MODE_VECTOR ? NULL : queries_path,
                              mode == CLI_MODE_LEXICAL ? NULL : qvs_path, &qs) != 0)
            goto out;
    } else {
        /* One query: the text (argument, file or stdin) and the vector row from rank 0. */
        const char *vspec = mode == CLI_MODE_LEXICAL ? NULL : qv_spec;
        int ok = 1;
        uint64_t len = 0;
        VajraMatrixF32 m = {0};
        long row = have_qrow ? (long)qrow : 0;
        if (vmpi_world_rank == 0) {
            if (qfile != NULL)
                ok = (text = cli_read_text("search", qfile)) != NULL;
            else if (text_arg != NULL)
                text = strdup(text_arg);
            if (ok && vspec != NULL && cli_read_vectors_spec("search", vspec, &m, &row) != 0)
                ok = 0;
            if (ok && vspec != NULL && (size_t)row >= m.rows) {
                cli_error("search", "%s: row %ld out of range (%zu rows)", vspec, row, m.rows);
                ok = 0;
            }
            len = text ? strlen(text) : 0;
        }
        MPI_Request req;
        MPI_Ibcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
        vmpi_wait("search", &req, "reading the query");
        if (!ok)
            goto out;
        if (mode != CLI_MODE_VECTOR)
            vmpi_bcast_bytes("search", MPI_COMM_WORLD, &text, &len, "broadcasting the query");
        if (vspec != NULL) {
            uint64_t dim = m.dim, bytes;
            MPI_Ibcast(&dim, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &req);
            vmpi_wait("search", &req, "broadcasting the query vector");
            bytes = dim * sizeof(float);
            char *buf = NULL;
            if (vmpi_world_rank == 0 && (buf = malloc(bytes + 1)) != NULL)
                memcpy(buf, m.data + (size_t)row * m.dim, bytes);
            vmpi_bcast_bytes("search", MPI_COMM_WORLD, &buf, &bytes, "broadcasting the query "
                             "vector");
            qs.vec = (float *)buf;
            qs.dim = dim;
            qs.rows = 1;
        }
        vajra_matrix_f32_clear(&m);
    }
    if (mode != CLI_MODE_LEXICAL && qs.dim != s.dim) {
        if (vmpi_world_rank == 0)
            cli_check_query_dim("search", dir, s.dim, batch ? qvs_path : qv_spec, qs.dim);
        goto out;
    }
    if (batch) {
        res = calloc(qs.n ? qs.n : 1, sizeof *res);
        double wall = 0;
        if (vmpi_run_batch(&s, &q, &qs, qs.n, res, NULL, &wall) != 0)
            goto out;
        if (vmpi_world_rank == 0) {
            out_f = output ? fopen(output, "w") : stdout;
            if (out_f == NULL) {
                cli_error("search", "%s: cannot create: %s", output, strerror(errno));
                goto out;
            }
            char idb[24];
            for (size_t i = 0; i < qs.n; i++)
                print_batch(out_f, vmpi_query_id(&qs, i, idb), &res[i], format, run_name);
        }
        status = CLI_EXIT_OK;
        goto out;
    }
    VmpiHits h = {0};
    if (vmpi_query(&s, &q, text, qs.vec, &h) != 0)
        goto out;
    if (vmpi_world_rank == 0) {
        /* The retriever's name, as `vajra search` prints it (built on this rank's shard). */
        const char *name = "";
        if (cli_searcher_init("search", &cs, s.c, mode, k, depth, q.ef, &fusion) == 0)
            name = vajra_morphism_name(cs.m);
        if (json) {
            printf("{\"mode\": \"%s\", \"k\": %u, \"retriever\": ", cli_mode_name(mode), k);
            cli_json_string(stdout, name);
            printf(", \"hits\": [");
            for (size_t i = 0; i < h.count; i++) {
                printf("%s{\"rank\": %zu, \"doc\": %llu, \"id\": ", i ? ", " : "", i + 1,
                       (unsigned long long)h.items[i].ord);
                cli_json_string(stdout, h.items[i].id);
                printf(", \"score\": ");
                cli_json_number(stdout, h.items[i].score);
                printf(", \"title\": ");
                cli_json_string(stdout, h.items[i].title);
                printf("}");
            }
            printf("]}\n");
        } else {
            if (pipeline)
                printf("retriever: %s\n", name);
            if (h.count == 0)
                printf("(no hits)\n");
            for (size_t i = 0; i < h.count; i++)
                printf("%3zu. %10.4f  %-8s %s\n", i + 1, h.items[i].score, h.items[i].id,
                       h.items[i].title[0] ? h.items[i].title : "(untitled)");
        }
    }
    vmpi_hits_clear(&h);
    status = CLI_EXIT_OK;
out:
    if (out_f != NULL && out_f != stdout && fclose(out_f) != 0 && status == CLI_EXIT_OK) {
        cli_error("search", "%s: %s", output, strerror(errno));
        status = CLI_EXIT_FAIL;
    }
    for (size_t i = 0; res && i < qs.n; i++)
        vmpi_hits_clear(&res[i]);
    free(res);
    free(text);
    cli_searcher_clear(&cs);
    vmpi_queries_clear(&qs);
    vmpi_shard_close(&s);
    return status;
}
