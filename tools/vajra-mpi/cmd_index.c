/* `mpirun -np N vajra-mpi index DOCS.jsonl -o DIR`: every rank reads the input, keeps the
 * documents whose id routes to it (FNV-1a-64(id) mod N, in input order), builds them as an
 * ordinary collection and saves DIR/shard-<rank>.vjr with DIR/shard-<rank>.ord (the documents'
 * input positions); rank 0 then writes DIR/manifest. The manifest is removed first and written
 * last, so a failed build leaves no collection that could be opened. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmpi.h"

static void help(void)
{
    printf("Usage: mpirun -np N vajra-mpi index DOCS.jsonl -o DIR [OPTIONS]\n"
           "       mpirun -np N vajra-mpi index --vectors FILE -o DIR [OPTIONS]\n\n"
           "Split the documents over N shards, one per rank (document → shard FNV-1a-64(id) mod\n"
           "N), each an ordinary index file DIR/shard-<i>.vjr, plus DIR/manifest. Every rank\n"
           "reads the input (a shared file system, or a copy per node). The options are those of\n"
           "`vajra index`:\n\n"
           "  -o, --output DIR           the directory to write (created if needed)\n"
           "  --vectors FILE, --vector-field NAME, --limit N   as for vajra index\n" CLI_BUILD_HELP
           "  --storage file|mmap        storage plugin that writes the files\n"
           "  --json                     a JSON summary (docs, dim, shards, build_s, save_s,\n"
           "                             total_s, path, bytes)\n" VMPI_HELP
           "  -h, --help                 this text\n");
}


static char *options_line(const CliBuildOptions *o, uint32_t dim)
{
    return g_strdup_printf(
        "metric=%s profile=%s scorer=%s k1=%s%g b=%s%g language=%s keep-stopwords=%d "
        "ignore-title=%d M=%u ef-construction=%u ef-search=%u dim=%u",
        o->metric, o->profile, o->scorer ? o->scorer : "scorer-bm25", o->have_k1 ? "" : "default:",
        o->k1, o->have_b ? "" : "default:", o->b, o->language ? o->language : "default",
        o->keep_stopwords, o->ignore_title, o->M, o->efc, o->efs, dim);
}

static int write_ordinals(const char *path, const VajraDocument *docs, const uint64_t *ord,
                          size_t n, char *msg, size_t msglen)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(s, "%" PRIu64 " %s\n", ord[i], docs[i].id);
    GError *gerr = NULL;
    int bad = !g_file_set_contents(path, s->str, (gssize)s->len, &gerr);
    if (bad) {
        snprintf(msg, msglen, "%s: %s", path, gerr->message);
        g_error_free(gerr);
    }
    g_string_free(s, TRUE);
    return bad;
}

int vmpi_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_INDEX_LONGOPTS,
        VMPI_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    CliIndexArgs ia;
    cli_index_args_defaults(&ia);
    int ch;
    while ((ch = getopt_long(argc, argv, "o:hq", longopts, NULL)) != -1) {
        int r = cli_index_option("index", ch, optarg, &ia);
        if (r == 0)
            r = vmpi_common_option("index", ch, optarg, NULL);
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
    if (argc - optind > 1 || (argc - optind == 0 && vectors == NULL))
        return cli_usage_error("index", "expected one DOCS.jsonl argument (or --vectors FILE)");
    if (output == NULL)
        return cli_usage_error("index", "missing -o DIR");
    if (ia.build.embedder != NULL) /* each shard would train its own model */
        return cli_usage_error("index", "--embedder is not supported by vajra-mpi (each shard "
                               "would train its own model)");
    if (vectors && vector_field)
        return cli_usage_error("index", "give --vectors or --vector-field, not both");
    const char *docs_path = argc - optind == 1 ? argv[optind] : NULL;
    if (vmpi_world_rank != 0)
        bo.quiet = 1; /* one progress bar at most */

    uint32_t n = (uint32_t)vmpi_world_size, me = (uint32_t)vmpi_world_rank;
    char msg[512] = "";
    double t0 = cli_now();
    if (me == 0) {
        char *man = g_strdup_printf("%s/manifest", output);
        unlink(man);
        g_free(man);
    }
    CliDocs docs;
    int ok = cli_docs_load("index", docs_path, vectors, vector_field, limit, &docs) == 0;
    if (!ok)
        snprintf(msg, sizeof msg, "cannot read the input (see above)");
    if (ok && docs_path &&
        cli_check_unique_ids("index", docs_path, docs.docs, docs.count, "document")) {
        ok = 0;
        snprintf(msg, sizeof msg, "duplicate ids (see above)");
    }
    if (ok && g_mkdir_with_parents(output, 0777) != 0) {
        ok = 0;
        snprintf(msg, sizeof msg, "%s: cannot create the directory", output);
    }
    if (!vmpi_all_ok("index", MPI_COMM_WORLD, ok, msg)) {
        if (ok)
            cli_docs_clear(&docs);
        return CLI_EXIT_FAIL;
    }

    /* This rank's documents, in input order, with their input positions. */
    VajraDocument *mine = malloc((docs.count + 1) * sizeof *mine);
    uint64_t *ord = malloc((docs.count + 1) * sizeof *ord);
    if (mine == NULL || ord == NULL)
        vmpi_abort("index", "out of memory");
    size_t count = 0;
    uint64_t id_hash = vmpi_fnv1a(&n, sizeof n, VMPI_FNV_SEED);
    for (size_t i = 0; i < docs.count; i++) {
        id_hash = vmpi_fnv1a(docs.docs[i].id, strlen(docs.docs[i].id) + 1, id_hash);
        if (vmpi_route(docs.docs[i].id, n) == me) {
            mine[count] = docs.docs[i];
            ord[count++] = i;
        }
    }
    CliDocs sub = docs;
    sub.docs = mine;
    sub.count = count;

    VajraRegistry *reg = cli_registry("index");
    VajraCollection *c = NULL;
    double build_s = 0, save_s = 0;
    char *path = vmpi_shard_path(output, me, "vjr"), *ordp = vmpi_shard_path(output, me, "ord");
    VajraError err = {0};
    ok = reg != NULL && cli_build("index", reg, &bo, &sub, docs_path ? docs_path : vectors, &c,
                                  &build_s) == 0;
    if (!ok)
        snprintf(msg, sizeof msg, "building the shard failed (see above)");
    double t_save = cli_now();
    if (ok && vajra_collection_save(c, path, storage, &err) != VAJRA_OK) {
        ok = 0;
        snprintf(msg, sizeof msg, "%s", err.message);
    }
    if (ok && write_ordinals(ordp, mine, ord, count, msg, sizeof msg) != 0)
        ok = 0;
    save_s = cli_now() - t_save;
    VmpiShardInfo info = {0, 0};
    for (size_t i = 0; i < count; i++) {
        info.docs++;
        info.fingerprint += vmpi_fnv1a(mine[i].id, strlen(mine[i].id), VMPI_FNV_SEED);
    }
    struct stat sb;
    uint64_t bytes = ok && stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    int status = CLI_EXIT_FAIL;
    if (!vmpi_all_ok("index", MPI_COMM_WORLD, ok, msg))
        goto out;

    /* Rank 0 writes the manifest from every shard's count and fingerprint. */
    uint64_t mine_info[3] = {info.docs, info.fingerprint, bytes};
    uint64_t *all = me == 0 ? calloc((size_t)n * 3, sizeof *all) : NULL;
    MPI_Request req;
    MPI_Igather(mine_info, 3, MPI_UINT64_T, all, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD, &req);
    vmpi_wait("index", &req, "collecting the shards' counts");
    double times[2] = {build_s, save_s}, tmax[2];
    vmpi_allreduce("index", times, tmax, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, "the timings");
    ok = 1;
    uint64_t total_bytes = 0;
    if (me == 0) {
        VmpiManifest m = {.shards = n, .next_ordinal = docs.count, .dim = docs.dim};
        m.options = options_line(&bo, docs.dim);
        id_hash = vmpi_fnv1a(m.options, strlen(m.options), id_hash);
        m.id = id_hash;
        m.shard = calloc(n, sizeof *m.shard);
        for (uint32_t i = 0; i < n; i++) {
            m.shard[i] = (VmpiShardInfo){all[3 * i], all[3 * i + 1]};
            total_bytes += all[3 * i + 2];
        }
        ok = vmpi_manifest_write(output, &m, msg, sizeof msg) == 0;
        if (!ok)
            vmpi_error("index", "%s", msg);
        g_free(m.options);
        m.options = NULL;
        vmpi_manifest_clear(&m);
        free(all);
    }
    MPI_Ibcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    vmpi_wait("index", &req, "writing the manifest");
    if (!ok)
        goto out;
    if (me == 0 && json) {
        printf("{\"docs\": %zu, \"dim\": %u, \"shards\": %u, \"build_s\": ", docs.count,
               docs.dim, n);
        cli_json_number(stdout, tmax[0]);
        printf(", \"save_s\": ");
        cli_json_number(stdout, tmax[1]);
        printf(", \"total_s\": ");
        cli_json_number(stdout, cli_now() - t0);
        printf(", \"path\": ");
        cli_json_string(stdout, output);
        printf(", \"bytes\": %" PRIu64 "}\n", total_bytes);
    } else if (me == 0 && !bo.quiet) {
        printf("Indexed %zu documents%s into %u shards in %.2f s; saved %s (%.1f MB) in %.2f s\n",
               docs.count, docs.dim ? " with vectors" : "", n, tmax[0], output,
               (double)total_bytes / 1e6, tmax[1]);
    }
    status = CLI_EXIT_OK;
out:
    g_free(path);
    g_free(ordp);
    free(mine);
    free(ord);
    vajra_collection_free(c);
    vajra_registry_free(reg);
    cli_docs_clear(&docs);
    return status;
}
