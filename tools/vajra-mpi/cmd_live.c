/* Live writes to a sharded collection: `vajra-mpi add DIR DOCS.jsonl [--upsert]`, `vajra-mpi
 * delete DIR ID...`, routed by the id rule, in two phases:
 *
 *   1. every rank opens its shard writable and stages its documents (validating everything);
 *      an allreduce of the outcomes decides: any failure → nothing is committed anywhere;
 *   2. every rank commits (durably); rank 0 gathers the outcomes. A commit that fails after
 *      another shard's succeeded is reported as PARTIAL, naming the shards on each side (the
 *      manifest then records what each shard really holds, so the collection stays openable).
 *
 * Then each shard appends the new documents' ordinals (next-ordinal + position in the input,
 * what a single index's numbering gives) and rank 0 rewrites the manifest. And `vajra-mpi info`.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_live.h"
#include "vmpi.h"

static int fault_is(const char *what)
{
    const char *f = getenv("VAJRA_MPI_TEST_FAULT"); /* tests: "commit:<rank>" */
    size_t n = strlen(what);
    return f && strncmp(f, what, n) == 0 && f[n] == ':' && atoi(f + n + 1) == vmpi_world_rank;
}

/* Append "ordinal id" lines for the documents just committed (fsync'd). */
static int append_ordinals(VmpiShard *s, const char *const *ids, const uint64_t *ord, size_t n,
                           char *msg, size_t msglen)
{
    char *path = vmpi_shard_path(s->dir, (uint32_t)s->shard, "ord");
    FILE *f = fopen(path, "a");
    int bad = f == NULL;
    for (size_t i = 0; !bad && i < n; i++) {
        bad = fprintf(f, "%" PRIu64 " %s\n", ord[i], ids[i]) < 0;
        g_hash_table_insert(s->ord, g_strdup(ids[i]), GSIZE_TO_POINTER((gsize)ord[i] + 1));
    }
    if (f != NULL && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        bad = 1;
    if (f != NULL && fclose(f) != 0)
        bad = 1;
    if (bad)
        snprintf(msg, msglen, "%s: cannot append the ordinals", path);
    g_free(path);
    return bad;
}

/* Phase 2 and the manifest: commit, report, append ordinals, rewrite the manifest.
 * `added` documents of this shard get ordinals from `ord`. */
static int commit_all(VmpiShard *s, const char *cmd, const char *const *ids, const uint64_t *ord,
                      size_t n_ids, uint64_t next_ordinal, int json, uint64_t counts[3],
                      double t0)
{
    char msg[512] = "";
    VajraError err = {0};
    int ok = 1;
    if (fault_is("commit")) {
        ok = 0;
        snprintf(msg, sizeof msg, "commit failed (injected fault)");
    } else if (vajra_collection_commit(s->c, &err) != VAJRA_OK) {
        ok = 0;
        snprintf(msg, sizeof msg, "commit failed: %s", err.message);
    }
    if (ok && n_ids && append_ordinals(s, ids, ord, n_ids, msg, sizeof msg) != 0)
        ok = 0;
    /* Who committed? */
    int *oks = vmpi_world_rank == 0 ? calloc((size_t)s->nshards, sizeof *oks) : NULL;
    MPI_Request req;
    MPI_Igather(&ok, 1, MPI_INT, oks, 1, MPI_INT, 0, s->comm, &req);
    vmpi_wait(cmd, &req, "collecting the commits");
    int all_ok = vmpi_all_ok(cmd, s->comm, ok, msg);
    /* The manifest records what every shard holds now. */
    VmpiShardInfo info = {0, 0};
    char smsg[512] = "";
    if (vmpi_shard_scan(s, &info, smsg, sizeof smsg) != 0)
        vmpi_abort(cmd, "shard %d: %s", s->shard, smsg);
    uint64_t mine[2] = {info.docs, info.fingerprint};
    uint64_t *all = vmpi_world_rank == 0 ? calloc((size_t)s->nshards * 2, sizeof *all) : NULL;
    MPI_Igather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, s->comm, &req);
    vmpi_wait(cmd, &req, "collecting the shards' counts");
    uint64_t sums[3];
    vmpi_allreduce(cmd, counts, sums, 3, MPI_UINT64_T, MPI_SUM, s->comm, "the counts");
    int status = CLI_EXIT_OK;
    if (vmpi_world_rank == 0) {
        uint64_t live = 0;
        for (int i = 0; i < s->nshards; i++) {
            s->man.shard[i] = (VmpiShardInfo){all[2 * i], all[2 * i + 1]};
            live += all[2 * i];
        }
        s->man.next_ordinal = next_ordinal;
        if (vmpi_manifest_write(s->dir, &s->man, msg, sizeof msg) != 0) {
            vmpi_error(cmd, "%s", msg);
            status = CLI_EXIT_FAIL;
        }
        if (!all_ok) {
            GString *good = g_string_new(NULL), *bad = g_string_new(NULL);
            for (int i = 0; i < s->nshards; i++)
                g_string_append_printf(oks[i] ? good : bad, "%s%d", (oks[i] ? good : bad)->len
                                                                        ? ", " : "", i);
            vmpi_error(cmd, "PARTIAL commit: shard(s) %s failed (above), shard(s) %s committed; "
                       "the manifest records each shard's state", bad->str,
                       good->len ? good->str : "none");
            g_string_free(good, TRUE);
            g_string_free(bad, TRUE);
            status = CLI_EXIT_FAIL;
        } else if (json) {
            printf("{\"command\": \"%s\", \"path\": ", cmd);
            cli_json_string(stdout, s->dir);
            printf(", \"added\": %" PRIu64 ", \"replaced\": %" PRIu64 ", \"removed\": %" PRIu64
                   ", \"live\": %" PRIu64 ", \"shards\": %d, \"seconds\": ", sums[0], sums[1],
                   sums[2], live, s->nshards);
            cli_json_number(stdout, cli_now() - t0);
            printf("}\n");
        } else {
            printf("%s %s: %" PRIu64 " added (%" PRIu64 " replaced), %" PRIu64
                   " removed; %" PRIu64 " live documents over %d shards\n",
                   strcmp(cmd, "add") == 0 ? "Updated" : "Deleted from", s->dir, sums[0],
                   sums[1], sums[2], live, s->nshards);
        }
    }
    free(oks);
    free(all);
    return status;
}

static void help_add(void)
{
    printf("Usage: mpirun -np N vajra-mpi add DIR DOCS.jsonl [--vectors FILE] [--upsert] "
           "[OPTIONS]\n\n"
           "Add documents to a sharded collection, each to the shard its id routes to, in two\n"
           "phases: every shard stages and validates (any failure: nothing is committed), then\n"
           "every shard commits durably; a commit failing after others succeeded is reported as\n"
           "PARTIAL naming the shards (exit 1).\n\n"
           "  --vectors FILE, --vector-field NAME   as for vajra add\n"
           "  --upsert                   replace documents with the same ids\n"
           "  --json                     {command, path, added, replaced, removed, live, shards,\n"
           "                             seconds}\n" VMPI_HELP
           "  -h, --help                 this text\n");
}

enum { OPT_VECTORS = 256, OPT_VECTOR_FIELD, OPT_UPSERT, OPT_JSON, OPT_IDS };

int vmpi_add(int argc, char **argv)
{
    static const struct option longopts[] = {
        VMPI_LONGOPTS,
        {"vectors", required_argument, NULL, OPT_VECTORS},
        {"vector-field", required_argument, NULL, OPT_VECTOR_FIELD},
        {"upsert", no_argument, NULL, OPT_UPSERT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *vectors = NULL, *vector_field = NULL;
    int upsert = 0, json = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = vmpi_common_option("add", ch, optarg, NULL);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_VECTORS: vectors = optarg; break;
        case OPT_VECTOR_FIELD: vector_field = optarg; break;
        case OPT_UPSERT: upsert = 1; break;
        case OPT_JSON: json = 1; break;
        case 'h': help_add(); return CLI_EXIT_OK;
        default: return cli_usage_error("add", "bad option");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("add", "expected DIR and DOCS.jsonl");
    const char *dir = argv[optind], *docs_path = argv[optind + 1];
    double t0 = cli_now();
    VmpiShard s;
    if (vmpi_shard_open(&s, "add", dir, 1, 1, NULL) != 0) {
        vmpi_shard_close(&s);
        return CLI_EXIT_FAIL;
    }
    char msg[512] = "";
    CliDocs docs = {0};
    int loaded = cli_docs_load("add", docs_path, vectors, vector_field, 0, &docs) == 0;
    int ok = loaded && !cli_check_unique_ids("add", docs_path, docs.docs, docs.count, "document");
    if (!ok)
        snprintf(msg, sizeof msg, "%s: cannot read the documents (see above)", docs_path);
    VajraDocument *mine = malloc((docs.count + 1) * sizeof *mine);
    const char **ids = malloc((docs.count + 1) * sizeof *ids);
    uint64_t *ord = malloc((docs.count + 1) * sizeof *ord);
    uint64_t counts[3] = {0, 0, 0}; /* added, replaced, removed */
    size_t n = 0;
    for (size_t i = 0; ok && i < docs.count; i++)
        if (vmpi_route(docs.docs[i].id, (uint32_t)s.nshards) == (uint32_t)s.shard) {
            uint32_t num;
            if (upsert && vajra_collection_doc_number(s.c, docs.docs[i].id, &num, NULL) ==
                              VAJRA_OK)
                counts[1]++;
            mine[n] = docs.docs[i];
            ids[n] = docs.docs[i].id;
            ord[n++] = s.man.next_ordinal + i;
        }
    counts[0] = n;
    VajraError err = {0};
    VajraDocBatch b = {mine, n};
    if (ok && n > 0 &&
        (upsert ? vajra_collection_upsert(s.c, &b, &err) : vajra_collection_add(s.c, &b, &err)) !=
            VAJRA_OK) {
        ok = 0;
        snprintf(msg, sizeof msg, "%s", err.message);
    }
    int status = CLI_EXIT_FAIL;
    /* Phase 1: every shard staged and validated? */
    if (!vmpi_all_ok("add", s.comm, ok, msg)) {
        if (vmpi_world_rank == 0)
            vmpi_error("add", "%s: nothing was committed on any shard", dir);
        goto out;
    }
    status = commit_all(&s, "add", ids, ord, n, s.man.next_ordinal + docs.count, json, counts,
                        t0);
out:
    free(mine);
    free(ids);
    free(ord);
    if (loaded)
        cli_docs_clear(&docs);
    vmpi_shard_close(&s);
    return status;
}

int vmpi_delete(int argc, char **argv)
{
    static const struct option longopts[] = {
        VMPI_LONGOPTS,
        {"ids", required_argument, NULL, OPT_IDS},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *ids_path = NULL;
    int json = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = vmpi_common_option("delete", ch, optarg, NULL);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (ch) {
        case OPT_IDS: ids_path = optarg; break;
        case OPT_JSON: json = 1; break;
        case 'h':
            printf("Usage: mpirun -np N vajra-mpi delete DIR [ID]... [--ids FILE] [--json]\n\n"
                   "Delete documents by id from the shards they route to, in two phases as add\n"
                   "(an unknown id: nothing is deleted anywhere).\n" VMPI_HELP);
            return CLI_EXIT_OK;
        default: return cli_usage_error("delete", "bad option");
        }
    }
    if (argc - optind < 1 || (argc - optind == 1 && ids_path == NULL))
        return cli_usage_error("delete", "expected DIR and the ids to delete");
    const char *dir = argv[optind];
    double t0 = cli_now();
    VmpiShard s;
    if (vmpi_shard_open(&s, "delete", dir, 1, 1, NULL) != 0) {
        vmpi_shard_close(&s);
        return CLI_EXIT_FAIL;
    }
    GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
    for (int i = optind + 1; i < argc; i++)
        g_ptr_array_add(all, g_strdup(argv[i]));
    char msg[512] = "", *text = NULL;
    int ok = 1;
    GError *gerr = NULL;
    if (ids_path != NULL) {
        if (!g_file_get_contents(ids_path, &text, NULL, &gerr)) {
            snprintf(msg, sizeof msg, "%s", gerr->message);
            g_error_free(gerr);
            ok = 0;
        } else {
            char **lines = g_strsplit(text, "\n", -1);
            for (char **l = lines; *l; l++)
                if (**l)
                    g_ptr_array_add(all, g_strdup(g_strstrip(*l)));
            g_strfreev(lines);
            g_free(text);
        }
    }
    GPtrArray *mine = g_ptr_array_new();
    for (guint i = 0; ok && i < all->len; i++)
        if (vmpi_route(all->pdata[i], (uint32_t)s.nshards) == (uint32_t)s.shard)
            g_ptr_array_add(mine, all->pdata[i]);
    VajraError err = {0};
    if (ok && mine->len > 0 &&
        vajra_collection_delete(s.c, (const char *const *)mine->pdata, mine->len, &err) !=
            VAJRA_OK) {
        ok = 0;
        snprintf(msg, sizeof msg, "%s", err.message);
    }
    int status = CLI_EXIT_FAIL;
    uint64_t counts[3] = {0, 0, mine->len};
    if (!vmpi_all_ok("delete", s.comm, ok, msg)) {
        if (vmpi_world_rank == 0)
            vmpi_error("delete", "%s: nothing was deleted on any shard", dir);
        goto out;
    }
    status = commit_all(&s, "delete", NULL, NULL, 0, s.man.next_ordinal, json, counts, t0);
out:
    g_ptr_array_free(mine, TRUE);
    g_ptr_array_free(all, TRUE);
    vmpi_shard_close(&s);
    return status;
}

int vmpi_info(int argc, char **argv)
{
    int json = argc > 2 && strcmp(argv[2], "--json") == 0;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("Usage: mpirun -np N vajra-mpi info DIR [--json]\n\n"
               "The manifest, and each shard's segments, live and deleted documents.\n");
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    VmpiShard s;
    if (vmpi_shard_open(&s, "info", argv[1], 1, 0, NULL) != 0) {
        vmpi_shard_close(&s);
        return CLI_EXIT_FAIL;
    }
    VajraCollectionCounts n = {.struct_size = sizeof n};
    vajra_collection_counts(s.c, &n);
    uint64_t mine[4] = {n.live, n.deleted, n.segments, n.generation};
    uint64_t *all = vmpi_world_rank == 0 ? calloc((size_t)s.nshards * 4, sizeof *all) : NULL;
    MPI_Request req;
    MPI_Igather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, 0, s.comm, &req);
    vmpi_wait("info", &req, "collecting the shards' counts");
    if (vmpi_world_rank == 0) {
        uint64_t live = 0;
        for (int i = 0; i < s.nshards; i++)
            live += all[4 * i];
        if (json) {
            printf("{\"path\": ");
            cli_json_string(stdout, s.dir);
            printf(", \"id\": \"%016" PRIx64 "\", \"shards\": %d, \"live\": %" PRIu64
                   ", \"dim\": %u, \"global_stats\": %s, \"per_shard\": [", s.man.id, s.nshards,
                   live, s.man.dim, vmpi_have_global_stats() ? "true" : "false");
            for (int i = 0; i < s.nshards; i++)
                printf("%s{\"shard\": %d, \"live\": %" PRIu64 ", \"deleted\": %" PRIu64
                       ", \"segments\": %" PRIu64 ", \"generation\": %" PRIu64 "}", i ? ", " : "",
                       i, all[4 * i], all[4 * i + 1], all[4 * i + 2], all[4 * i + 3]);
            printf("]}\n");
        } else {
            printf("Collection: %s (id %016" PRIx64 ")\nShards:     %d (routing FNV-1a-64(id) "
                   "mod %d)\nDocuments:  %" PRIu64 " live\nVectors:    %u dimensions\n"
                   "Options:    %s\n", s.dir, s.man.id, s.nshards, s.nshards, live, s.man.dim,
                   s.man.options ? s.man.options : "");
            for (int i = 0; i < s.nshards; i++)
                printf("  shard %d: %" PRIu64 " live, %" PRIu64 " deleted, %" PRIu64
                       " segment(s), generation %" PRIu64 "\n", i, all[4 * i], all[4 * i + 1],
                       all[4 * i + 2], all[4 * i + 3]);
        }
    }
    free(all);
    vmpi_shard_close(&s);
    return CLI_EXIT_OK;
}
