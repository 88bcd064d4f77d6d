/* `mpirun -np N vajra-mpi eval DIR --queries Q.jsonl --qrels QRELS.tsv`: `vajra eval` over a
 * sharded collection (same options, same output). Every rank reads the qrels (to count the
 * judged documents its shard holds); rank 0 scores the merged rankings. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/eval.h"
#include "vmpi.h"

static void help(void)
{
    printf("Usage: mpirun -np N vajra-mpi eval DIR --queries Q.jsonl --qrels QRELS.tsv [OPTIONS]\n\n"
           "`vajra eval` over the shards of DIR: the same options and output.\n\n"
           "  --queries FILE, --qrels FILE, --query-vectors FILE, --mode lexical|vector|hybrid|all,\n"
           "  -k N, --depth N, --fusion rrf|minmax|zscore, --rrf-k X, --weight W, --ef N,\n"
           "  --exact, --storage file|mmap, --json    as for vajra eval\n" VMPI_HELP
           "  -h, --help                 this text\n");
}


typedef struct Found {
    VajraCollection *c;
    uint64_t found, relevant_found;
} Found;

static void count_doc(void *user, const char *doc_id, int grade)
{
    Found *f = user;
    uint32_t num;
    if (vajra_collection_doc_number(f->c, doc_id, &num, NULL) == VAJRA_OK) {
        f->found++;
        f->relevant_found += grade >= 1;
    }
}

int vmpi_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_EVAL_LONGOPTS,
        VMPI_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliEvalArgs a;
    cli_eval_args_defaults(&a);
    uint32_t replicas = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        int r = cli_eval_option("eval", ch, optarg, &a);
        if (r == 0)
            r = vmpi_common_option("eval", ch, optarg, &replicas);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        }
        return cli_usage_error("eval", "bad option");
    }
    if (cli_eval_args_check("eval", argc, optind, "DIR", &a) != 0)
        return CLI_EXIT_USAGE;
    if ((a.want[CLI_MODE_VECTOR] || a.want[CLI_MODE_HYBRID]) && a.qv_path == NULL)
        return cli_usage_error("eval", "--mode %s needs --query-vectors (vajra-mpi does not "
                               "embed text queries)", a.mode_s);
    const char *queries_path = a.queries_path, *qrels_path = a.qrels_path, *qv_path = a.qv_path;
    const char *storage = a.storage;
    uint32_t k = a.k, depth = a.depth, ef = a.ef;
    int json = a.json;
    const int *want = a.want;
    CliFusion fusion = a.fusion;

    int status = CLI_EXIT_FAIL;
    VmpiShard s;
    VmpiQueries qs = {0};
    VajraQrels *qrels = NULL;
    VajraError err = {0};
    VmpiHits *res = NULL;
    char msg[512] = "";
    if (vmpi_shard_open(&s, "eval", argv[optind], replicas, 0, storage) != 0)
        goto out;
    if (vmpi_queries_load("eval", queries_path, qv_path, &qs) != 0)
        goto out;
    int ok = vajra_qrels_read(qrels_path, &qrels, &err) == VAJRA_OK;
    if (!ok)
        snprintf(msg, sizeof msg, "%s", err.message);
    if (!vmpi_all_ok("eval", MPI_COMM_WORLD, ok, msg))
        goto out;
    if (qs.n == 0) {
        if (vmpi_world_rank == 0)
            cli_error("eval", "%s: no queries: nothing to evaluate", queries_path);
        goto out;
    }
    if (qv_path != NULL && (qs.rows != qs.n || qs.dim != s.dim)) {
        if (vmpi_world_rank == 0) {
            if (qs.rows != qs.n)
                cli_error("eval", "%s: %zu vectors for %zu queries in %s (row i belongs to line "
                          "i)", qv_path, qs.rows, qs.n, queries_path);
            else
                cli_check_query_dim("eval", argv[optind], s.dim, qv_path, qs.dim);
        }
        goto out;
    }
    /* What is judged, and which judged documents no shard holds. */
    size_t judged = 0, judged_missing = 0;
    uint64_t judgements = 0, relevant_total = 0;
    Found f = {s.c, 0, 0};
    for (size_t i = 0; i < qs.n; i++) {
        const char *id = vajra_docset_doc(qs.set, i)->id;
        if (vajra_qrels_relevant_count(qrels, id) == 0)
            continue;
        judged++;
        relevant_total += vajra_qrels_relevant_count(qrels, id);
        judgements += vajra_qrels_foreach_doc(qrels, id, count_doc, &f);
    }
    for (size_t i = 0; i < vajra_qrels_query_count(qrels); i++) {
        const char *id = vajra_qrels_query_id(qrels, i);
        if (vajra_qrels_relevant_count(qrels, id) > 0 && vajra_docset_find(qs.set, id) < 0)
            judged_missing++;
    }
    uint64_t fl[2] = {f.found, f.relevant_found}, fsum[2];
    vmpi_allreduce("eval", fl, fsum, 2, MPI_UINT64_T, MPI_SUM, s.comm, "counting judged documents");
    size_t docs_missing = (size_t)(judgements - fsum[0]);
    if (judged == 0) {
        if (vmpi_world_rank == 0)
            cli_error("eval", "none of the %zu queries in %s has a relevant judgement in %s (the "
                      "qrels' first column must hold the queries' \"_id\"s): nothing to score",
                      qs.n, queries_path, qrels_path);
        goto out;
    }
    CliEvalCounts ec = {qs.n, judged, judged_missing, (size_t)judgements, docs_missing,
                        (size_t)(relevant_total - fsum[1])};
    if (vmpi_world_rank == 0)
        cli_eval_warnings(queries_path, qrels_path, &ec);

    VajraMetrics means[3] = {{0}};
    size_t scored[3] = {0, 0, 0};
    res = calloc(qs.n, sizeof *res);
    for (int m = CLI_MODE_LEXICAL; m <= CLI_MODE_HYBRID; m++) {
        if (!want[m])
            continue;
        VmpiQuery q = {(CliMode)m, k, depth < k ? k : depth, ef, fusion};
        if (vmpi_run_batch(&s, &q, &qs, qs.n, res, NULL, NULL) != 0)
            goto out;
        if (vmpi_world_rank != 0)
            continue;
        VajraMetrics sum = {0};
        for (size_t i = 0; i < qs.n; i++) {
            const char *qid = vajra_docset_doc(qs.set, i)->id;
            const char **ranked = malloc((res[i].count + 1) * sizeof *ranked);
            for (size_t j = 0; j < res[i].count; j++)
                ranked[j] = res[i].items[j].id;
            VajraMetrics mm;
            int is_judged = 0;
            vajra_status st = vajra_eval_query(qrels, qid, ranked, res[i].count, &mm, &is_judged,
                                               &err);
            free(ranked);
            vmpi_hits_clear(&res[i]);
            if (st != VAJRA_OK)
                vmpi_abort("eval", "query %s: %s", qid, err.message);
            if (!is_judged)
                continue;
            sum.ndcg_at_10 += mm.ndcg_at_10;
            sum.ndcg_at_10_exp += mm.ndcg_at_10_exp;
            sum.recall_at_100 += mm.recall_at_100;
            sum.mrr_at_10 += mm.mrr_at_10;
            sum.map += mm.map;
            scored[m]++;
        }
        double d = scored[m] ? (double)scored[m] : 1.0;
        means[m] = (VajraMetrics){sum.ndcg_at_10 / d, sum.recall_at_100 / d, sum.map / d,
                                  sum.mrr_at_10 / d, sum.ndcg_at_10_exp / d};
    }
    if (vmpi_world_rank == 0)
        cli_eval_print(json, want, means, scored, &ec);
    status = CLI_EXIT_OK;
out:
    for (size_t i = 0; res && i < qs.n; i++)
        vmpi_hits_clear(&res[i]);
    free(res);
    vajra_qrels_free(qrels);
    vmpi_queries_clear(&qs);
    vmpi_shard_close(&s);
    return status;
}
