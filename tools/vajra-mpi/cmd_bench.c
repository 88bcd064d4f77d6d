/* `mpirun -np N×R vajra-mpi bench DIR --queries Q.jsonl [--replicas R]`: `vajra bench` over a
 * sharded collection. Latency: each query from its broadcast to the merged answer on its group's
 * rank 0. QPS: all queries (split over the R replica groups) over the slowest group's wall time.
 * recall@10 compares with the same distributed search done exactly (ef = every vector). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmpi.h"

static void help(void)
{
    printf("Usage: mpirun -np N vajra-mpi bench DIR --queries Q.jsonl [OPTIONS]\n"
           "       mpirun -np N vajra-mpi bench DIR --query-vectors FILE [OPTIONS]\n\n"
           "`vajra bench` over the shards of DIR (an index directory; build it with vajra-mpi\n"
           "index, whose --json prints build_s). With --replicas R the job runs N = shards x R\n"
           "ranks and splits the queries over the R copies (throughput mode).\n\n"
           "  --queries FILE, --query-vectors FILE, --mode lexical|vector|hybrid, -k N,\n"
           "  --depth N, --fusion rrf|minmax|zscore, --rrf-k X, --weight W, --ef N,\n"
           "  --repeat N, --max-queries N, --storage file|mmap   as for vajra bench\n"
           "  --json                     {\"mode\", \"docs\", \"queries\", \"k\", \"ef\", \"threads\",\n"
           "                             \"build_s\", \"open_s\", \"p50_ms\", \"p95_ms\", \"qps\",\n"
           "                             \"recall@10\", \"shards\", \"replicas\", \"ranks\",\n"
           "                             \"cores\", \"oversubscribed\"}\n" VMPI_HELP
           "  -h, --help                 this text\n");
}


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int vmpi_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_BENCH_LONGOPTS,
        VMPI_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliBenchArgs ba;
    cli_bench_args_defaults(&ba);
    uint32_t replicas = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        int r = cli_bench_option("bench", ch, optarg, &ba);
        if (r == 0)
            r = vmpi_common_option("bench", ch, optarg, &replicas);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        if (ch == 'h') {
            help();
            return CLI_EXIT_OK;
        }
        return cli_usage_error("bench", "bad option");
    }
    if (argc - optind != 1)
        return cli_usage_error("bench", "expected one DIR argument");
    if (cli_bench_args_check("bench", &ba) != 0)
        return CLI_EXIT_USAGE;
    const char *queries_path = ba.queries_path, *qv_path = ba.qv_path, *storage = ba.storage;
    uint32_t k = ba.k, depth = ba.depth, ef = ba.ef, repeat = ba.repeat, maxq = ba.maxq;
    int json = ba.json;
    CliMode mode = ba.mode;
    CliFusion fusion = ba.fusion;

    int status = CLI_EXIT_FAIL;
    VmpiShard s;
    VmpiQueries qs = {0};
    VmpiHits *got = NULL, *exact = NULL;
    double *lat = NULL, *all = NULL;
    double t0 = MPI_Wtime();
    int opened = vmpi_shard_open(&s, "bench", argv[optind], replicas, 0, storage) == 0;
    double open_s = MPI_Wtime() - t0, open_max = 0;
    if (!opened)
        goto out;
    vmpi_allreduce("bench", &open_s, &open_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, "timing");
    if (vmpi_queries_load("bench", mode == CLI_MODE_VECTOR ? NULL : queries_path,
                          mode == CLI_MODE_LEXICAL ? NULL : qv_path, &qs) != 0)
        goto out;
    size_t nq = qs.n;
    if (maxq && maxq < nq)
        nq = maxq;
    if (nq == 0 || (mode != CLI_MODE_LEXICAL && (qs.rows < nq || qs.dim != s.dim))) {
        if (vmpi_world_rank == 0)
            cli_error("bench", "%s: no queries, too few query vectors, or the wrong dimension",
                      queries_path ? queries_path : qv_path);
        goto out;
    }
    got = calloc(nq, sizeof *got);
    exact = calloc(nq, sizeof *exact);
    lat = calloc(nq, sizeof *lat);
    all = calloc(nq * repeat, sizeof *all);
    /* Warm-up pass, and recall against the same search done exactly. */
    VmpiQuery q = {mode, k, depth < k ? k : depth, ef, fusion};
    VmpiQuery qx = q;
    qx.ef = VAJRA_EF_EXACT;
    if (vmpi_run_batch(&s, &q, &qs, nq, got, NULL, NULL) != 0 ||
        vmpi_run_batch(&s, &qx, &qs, nq, exact, NULL, NULL) != 0)
        goto out;
    double recall_sum = 0;
    for (size_t i = 0; vmpi_world_rank == 0 && i < nq; i++) {
        size_t ne = exact[i].count < k ? exact[i].count : k, found = 0;
        size_t ng = got[i].count < k ? got[i].count : k;
        float kth = ne ? exact[i].items[ne - 1].score : 0;
        for (size_t a = 0; a < ng; a++) {
            int hit = mode == CLI_MODE_VECTOR && got[i].items[a].score >= kth - 1e-6f;
            for (size_t b = 0; b < ne && !hit; b++)
                hit = strcmp(got[i].items[a].id, exact[i].items[b].id) == 0;
            found += (size_t)hit;
        }
        recall_sum += ne ? (double)found / (double)ne : 1.0;
    }
    double wall_total = 0, n_lat = 0;
    for (uint32_t r = 0; r < repeat; r++) {
        for (size_t i = 0; i < nq; i++)
            vmpi_hits_clear(&got[i]);
        double wall = 0;
        if (vmpi_run_batch(&s, &q, &qs, nq, got, lat, &wall) != 0)
            goto out;
        wall_total += wall;
        memcpy(all + (size_t)n_lat, lat, nq * sizeof *lat);
        n_lat += (double)nq;
    }
    if (vmpi_world_rank == 0) {
        size_t nl = (size_t)n_lat;
        qsort(all, nl, sizeof *all, cmp_double);
        double p50 = all[(size_t)ceil(0.50 * (double)nl) - 1] * 1e3;
        double p95 = all[(size_t)ceil(0.95 * (double)nl) - 1] * 1e3;
        double qps = wall_total > 0 ? n_lat / wall_total : NAN;
        double recall = recall_sum / (double)nq;
        uint64_t docs = 0;
        for (uint32_t i = 0; i < s.man.shards; i++)
            docs += s.man.shard[i].docs;
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int over = vmpi_world_size > cores;
        if (json) {
            printf("{\"mode\": \"%s\", \"docs\": %llu, \"queries\": %zu, \"k\": %u, \"ef\": ",
                   cli_mode_name(mode), (unsigned long long)docs, nq, k);
            if (mode != CLI_MODE_LEXICAL && ef)
                printf("%u", ef);
            else
                printf("null");
            printf(", \"threads\": null, \"build_s\": null, \"open_s\": ");
            cli_json_number(stdout, open_max);
            printf(", \"p50_ms\": ");
            cli_json_number(stdout, p50);
            printf(", \"p95_ms\": ");
            cli_json_number(stdout, p95);
            printf(", \"qps\": ");
            cli_json_number(stdout, qps);
            printf(", \"recall@10\": ");
            cli_json_number(stdout, recall);
            printf(", \"shards\": %u, \"replicas\": %u, \"ranks\": %d, \"cores\": %ld, "
                   "\"oversubscribed\": %s}\n", s.man.shards, replicas, vmpi_world_size, cores,
                   over ? "true" : "false");
        } else {
            printf("mode %s, %llu documents, %zu queries x %u, k=%u\n", cli_mode_name(mode),
                   (unsigned long long)docs, nq, repeat, k);
            printf("shards:    %u x %u replicas on %d ranks (%ld cores%s)\n", s.man.shards,
                   replicas, vmpi_world_size, cores, over ? ", OVERSUBSCRIBED" : "");
            printf("open:      %.3f s\n", open_max);
            printf("p50:       %.4f ms\np95:       %.4f ms\nQPS:       %.0f\nrecall@10: %.4f\n",
                   p50, p95, qps, recall);
        }
    }
    status = CLI_EXIT_OK;
out:
    for (size_t i = 0; got && i < qs.n && i < (maxq ? maxq : qs.n); i++) {
        vmpi_hits_clear(&got[i]);
        vmpi_hits_clear(&exact[i]);
    }
    free(got);
    free(exact);
    free(lat);
    free(all);
    vmpi_queries_clear(&qs);
    vmpi_shard_close(&s);
    return status;
}
