/* `vajra-mpi`: index, search, evaluate, benchmark and write a collection sharded over MPI ranks.
 * Run under mpirun: `mpirun -np N vajra-mpi COMMAND ...` (docs/scale-out.md). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vajra/vajra.h"
#include "vmpi.h"

int vmpi_world_rank = 0, vmpi_world_size = 1;
double vmpi_timeout_s = 60.0;
long vmpi_spin_limit = 2000;

void vmpi_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vajra-mpi %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void vmpi_abort(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vajra-mpi %s: rank %d: ", cmd, vmpi_world_rank);
    vfprintf(stderr, fmt, ap);
    fputs("; aborting the job (no results were printed)\n", stderr);
    fflush(stderr);
    va_end(ap);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 3);
    exit(3);
}

void vmpi_wait(const char *cmd, MPI_Request *req, const char *what)
{
    double t0 = MPI_Wtime();
    long spins = 0;
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            vmpi_abort(cmd, "MPI failed during %s", what);
        if (done)
            return;
        if (MPI_Wtime() - t0 > vmpi_timeout_s)
            vmpi_abort(cmd, "%s did not complete within %.0f s (a rank died or hangs)", what,
                       vmpi_timeout_s);
        if (++spins > vmpi_spin_limit) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
}

void vmpi_bcast_bytes(const char *cmd, MPI_Comm comm, char **buf, uint64_t *len, const char *what)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Request req;
    MPI_Ibcast(len, 1, MPI_UINT64_T, 0, comm, &req);
    vmpi_wait(cmd, &req, what);
    if (rank != 0) {
        *buf = malloc(*len + 1);
        if (*buf == NULL)
            vmpi_abort(cmd, "out of memory");
        (*buf)[*len] = '\0';
    }
    uint64_t done = 0;
    while (done < *len) { /* counts are int: send in pieces of at most 1 GiB */
        int piece = *len - done > (1u << 30) ? (1 << 30) : (int)(*len - done);
        MPI_Ibcast(*buf + done, piece, MPI_BYTE, 0, comm, &req);
        vmpi_wait(cmd, &req, what);
        done += (uint64_t)piece;
    }
}

void vmpi_allreduce(const char *cmd, const void *in, void *out, int count, MPI_Datatype type,
                    MPI_Op op, MPI_Comm comm, const char *what)
{
    MPI_Request req;
    MPI_Iallreduce(in, out, count, type, op, comm, &req);
    vmpi_wait(cmd, &req, what);
}

int vmpi_all_ok(const char *cmd, MPI_Comm comm, int ok, const char *msg)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int all = 0;
    vmpi_allreduce(cmd, &ok, &all, 1, MPI_INT, MPI_MIN, comm, "the status exchange");
    if (all)
        return 1;
    /* Messages of fixed size to rank 0, in shard order. */
    char mine[512];
    snprintf(mine, sizeof mine, "%s", ok ? "" : (msg && msg[0] ? msg : "failed"));
    char *everything = rank == 0 ? calloc((size_t)size, sizeof mine) : NULL;
    MPI_Request req;
    MPI_Igather(mine, sizeof mine, MPI_CHAR, everything, sizeof mine, MPI_CHAR, 0, comm, &req);
    vmpi_wait(cmd, &req, "the error report");
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            if (everything[(size_t)r * sizeof mine] != '\0')
                vmpi_error(cmd, "shard %d: %s", r, everything + (size_t)r * sizeof mine);
        free(everything);
    }
    return 0;
}

int vmpi_common_option(const char *cmd, int ch, const char *arg, uint32_t *replicas)
{
    if (ch == VMPI_OPT_TIMEOUT) {
        double v = 0;
        if (!cli_parse_double(arg, &v) || v <= 0) {
            if (vmpi_world_rank == 0)
                vmpi_error(cmd, "--timeout takes a positive number of seconds, not \"%s\"", arg);
            return -1;
        }
        vmpi_timeout_s = v;
        return 1;
    }
    if (ch == VMPI_OPT_REPLICAS) {
        uint32_t v = 0;
        if (!cli_parse_u32(arg, &v) || v == 0) {
            if (vmpi_world_rank == 0)
                vmpi_error(cmd, "--replicas takes a positive integer, not \"%s\"", arg);
            return -1;
        }
        if (replicas == NULL) {
            if (vmpi_world_rank == 0)
                vmpi_error(cmd, "--replicas is not supported by this command");
            return -1;
        }
        *replicas = v;
        return 1;
    }
    return 0;
}

typedef struct Command {
    const char *name;
    CliCommandFn fn;
    const char *summary;
} Command;

static const Command commands[] = {
    {"index", vmpi_index, "split a JSONL corpus (and its vectors) into one shard per rank"},
    {"search", vmpi_search, "one query, or a file of queries, over every shard"},
    {"eval", vmpi_eval, "nDCG@10, recall@100, MRR@10 and MAP against qrels"},
    {"bench", vmpi_bench, "query latency p50/p95 and QPS (--replicas: split the queries)"},
    {"add", vmpi_add, "add (or --upsert) documents, routed by id, committed on every shard"},
    {"delete", vmpi_delete, "delete documents by id, committed on every shard"},
    {"info", vmpi_info, "the manifest and each shard's counts"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: mpirun -np N vajra-mpi COMMAND [OPTIONS]...\n\n"
               "A Vajra collection sharded over the N ranks of an MPI job (Vajra %s).\n"
               "Documents go to shard FNV-1a-64(id) mod N; results equal those of one index\n"
               "over the same documents (docs/scale-out.md).\n\nCommands:\n",
            vajra_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'vajra-mpi COMMAND --help' for a command's options.\n");
}

/* Uninstalled: find the build tree's plugins as `vajra` does. */
static void plugin_path_from_build_tree(void)
{
    const char *env = getenv("VAJRA_PLUGIN_PATH");
    if (env != NULL && *env != '\0')
        return;
    char *exe = realpath("/proc/self/exe", NULL);
    char *dir = realpath(VMPI_BUILD_TOOL_DIR, NULL);
    if (exe != NULL && dir != NULL) {
        size_t n = strlen(dir);
        if (strncmp(exe, dir, n) == 0 && exe[n] == '/' && strchr(exe + n + 1, '/') == NULL)
            setenv("VAJRA_PLUGIN_PATH", VMPI_BUILD_PLUGIN_PATH, 1);
    }
    free(exe);
    free(dir);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0)) {
        printf("vajra-mpi %s (global-stats: %s)\n", vajra_version(),
               vmpi_have_global_stats() ? "yes" : "no");
        return CLI_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const Command *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            cmd = &commands[i];
    if (cmd == NULL) {
        fprintf(stderr, "vajra-mpi: unknown command \"%s\"\n\n", argv[1]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    plugin_path_from_build_tree();
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "vajra-mpi: MPI_Init failed\n");
        return CLI_EXIT_FAIL;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &vmpi_world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &vmpi_world_size);
    /* Oversubscribed (more ranks than cores): sleep at once while waiting, so that a waiting
     * rank does not take the core from one that is working. */
    if (vmpi_world_size > sysconf(_SC_NPROCESSORS_ONLN))
        vmpi_spin_limit = 0;
    /* Only rank 0 writes results; the others keep stdout for nothing (errors go to stderr). */
    if (vmpi_world_rank != 0 && freopen("/dev/null", "w", stdout) == NULL)
        vmpi_abort(cmd->name, "cannot redirect stdout");
    int status = cmd->fn(argc - 1, argv + 1);
    /* Every rank returns the worst status, so mpirun's exit status is the job's. */
    int worst = status;
    MPI_Request req;
    MPI_Iallreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req);
    vmpi_wait(cmd->name, &req, "the final status exchange");
    fflush(stdout);
    MPI_Finalize();
    return worst;
}
