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
        CLI_SEARCH_LONGOPTS,
        VMPI_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliSearchArgs a;
    cli_search_args_defaults(&a);
    uint32_t replicas = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "k:ho:", longopts, NULL)) != -1) {
        int r = cli_search_option("search", ch, optarg, &a);
        if (r == 0)
            r = vmpi_common_option("search", ch, optarg, &replicas);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        }
        return cli_usage_error("search", "bad option");
    }
    if (cli_search_args_check("search", argc, argv, optind, "DIR", &a) != 0)
        return CLI_EXIT_USAGE;
    if (a.mode != CLI_MODE_LEXICAL && (a.batch ? a.qvs_path == NULL : a.qv_spec == NULL))
        return cli_usage_error("search", "%s search needs %s (vajra-mpi does not embed text "
                               "queries)", cli_mode_name(a.mode),
                               a.batch ? "--query-vectors FILE" : "--query-vector FILE[:ROW]");
    if (!a.batch && replicas > 1)
        return cli_usage_error("search", "--replicas is for --queries (a batch)");
    if (strcmp(a.fusion.method, "rrf") && strcmp(a.fusion.method, "minmax") &&
        strcmp(a.fusion.method, "zscore"))
        return cli_usage_error("search", "unknown fusion \"%s\" (rrf, minmax, zscore)",
                               a.fusion.method);
    const char *dir = a.path, *text_arg = a.text_arg, *qfile = a.qfile, *qv_spec = a.qv_spec;
    const char *queries_path = a.queries_path, *qvs_path = a.qvs_path, *output = a.output;
    const char *run_name = a.run_name, *storage = a.storage;
    uint32_t k = a.k, depth = a.depth < a.k ? a.k : a.depth, ef = a.ef, qrow = a.qrow;
    int have_qrow = a.have_qrow, json = a.json, exact = a.exact, pipeline = a.pipeline;
    int batch = a.batch;
    CliMode mode = a.mode;
    CliFormat format = a.format;
    CliFusion fusion = a.fusion;

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
