/* Shared plumbing of the live-collection commands (add, delete, compact, promote): options,
 * opening writable, errors naming the collection, and the summary every command prints. */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "cli_live.h"
#include "vajra/attrs.h"

void cli_live_defaults(CliLiveOptions *o)
{
    memset(o, 0, sizeof *o);
    o->storage = "storage-mmap";
}

int cli_live_option(const char *cmd, int ch, const char *arg, CliLiveOptions *o)
{
    switch (ch) {
    case CLI_OPT_LIVE_JSON: o->json = 1; return 1;
    case 'q': o->quiet = 1; return 1;
    case CLI_OPT_LIVE_STORAGE:
        o->storage = cli_storage_plugin(arg);
        if (o->storage == NULL) {
            cli_usage_error(cmd, "--storage takes file or mmap, not \"%s\"", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_LIVE_WAIT:
        if (!cli_parse_double(arg, &o->wait_s) || o->wait_s < 0) {
            cli_usage_error(cmd, "--wait takes seconds (a number >= 0), not \"%s\"", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_LIVE_THREADS:
        if (!cli_parse_u32(arg, &o->threads) || o->threads == 0) {
            cli_usage_error(cmd, "--threads takes a positive integer, not \"%s\"", arg);
            return -1;
        }
        return 1;
    }
    return 0;
}

static long long file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void counts(const VajraCollection *c, VajraCollectionCounts *out)
{
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    vajra_collection_counts(c, out);
}

void cli_live_error(const CliLive *l, const VajraError *err, const char *tail)
{
    const char *msg = err->message[0] ? err->message : vajra_strerror(err->code);
    if (strstr(msg, l->path) != NULL)
        cli_error(l->cmd, "%s%s", msg, tail ? tail : "");
    else
        cli_error(l->cmd, "%s: %s%s", l->path, msg, tail ? tail : "");
}

int cli_live_open(CliLive *l, const char *cmd, const char *path, const CliLiveOptions *o)
{
    memset(l, 0, sizeof *l);
    l->cmd = cmd;
    l->path = path;
    l->t0 = cli_now();
    l->bytes_before = file_bytes(path);
    if (l->bytes_before < 0) {
        /* Checked first so that a mistyped name does not leave a lock file behind. */
        cli_error(cmd, "%s: no such index file (create it with 'vajra index')", path);
        return 1;
    }
    l->reg = cli_registry(cmd);
    if (l->reg == NULL)
        return 1;
    VajraOpenOptions oo = {.struct_size = sizeof oo, .writable = 1, .storage_plugin = o->storage,
                           .threads = o->threads};
    VajraError err = {0};
    vajra_status st;
    double deadline = cli_now() + o->wait_s;
    while ((st = vajra_collection_open_ex(l->reg, path, &oo, &l->c, &err)) == VAJRA_ERR_BUSY &&
           cli_now() < deadline)
        g_usleep(20000); /* the lock is advisory and per open file: poll it */
    if (st != VAJRA_OK) {
        cli_live_error(l, &err, err.code == VAJRA_ERR_BUSY
                                    ? " (another vajra add, delete, compact or promote is "
                                      "running: retry when it is done, or use --wait)"
                                    : NULL);
        cli_live_close(l);
        return 1;
    }
    counts(l->c, &l->before);
    return 0;
}

void cli_live_close(CliLive *l)
{
    vajra_collection_free(l->c); /* releases the writer lock */
    vajra_registry_free(l->reg);
    l->c = NULL;
    l->reg = NULL;
}

int cli_live_commit(CliLive *l)
{
    VajraError err = {0};
    if (vajra_collection_commit(l->c, &err) != VAJRA_OK) {
        cli_live_error(l, &err, "; nothing was changed");
        return 1;
    }
    return 0;
}

static void plural(uint64_t n, const char *one, const char *many)
{
    printf("%llu %s", (unsigned long long)n, n == 1 ? one : many);
}

void cli_live_report(const CliLive *l, const CliLiveOptions *o, const char *what,
                     const CliLiveDone *done)
{
    if (o->quiet)
        return;
    VajraCollectionCounts now;
    counts(l->c, &now);
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info(l->c, &in);
    long long bytes = file_bytes(l->path);
    double seconds = cli_now() - l->t0;
    if (o->json) {
        printf("{\"command\": ");
        cli_json_string(stdout, l->cmd);
        printf(", \"path\": ");
        cli_json_string(stdout, l->path);
        printf(", \"added\": %u, \"replaced\": %u, \"removed\": %u, \"generation\": %llu, "
               "\"segments\": %u, \"live\": %u, \"deleted\": %u, \"bytes_before\": %lld, "
               "\"bytes\": %lld, \"profile\": ",
               done->added, done->replaced, done->removed, (unsigned long long)now.generation,
               now.segments, now.live, now.deleted, l->bytes_before, bytes);
        cli_json_string(stdout, in.profile);
        printf(", \"hnsw\": ");
        if (in.dim)
            printf("{\"M\": %u, \"ef_construction\": %u, \"ef_search\": %u}",
                   in.vector_params.M, in.vector_params.ef_construction,
                   in.vector_params.ef_search);
        else
            printf("null");
        printf(", \"seconds\": ");
        cli_json_number(stdout, seconds);
        printf("}\n");
        return;
    }
    printf("%s (generation %llu: ", what, (unsigned long long)now.generation);
    plural(now.segments, "segment", "segments");
    printf(", %u live, %u deleted; %.2f MB", now.live, now.deleted, (double)bytes / 1e6);
    if (bytes != l->bytes_before)
        printf(", was %.2f MB", (double)l->bytes_before / 1e6);
    printf("; %.2f s)\n", seconds);
}

void cli_live_info(const VajraCollection *c, int json)
{
    if (c == NULL) { /* not opened (e.g. its plugins are missing): unknown */
        if (json)
            printf(", \"segments\": null, \"generation\": null, \"live\": null, "
                   "\"deleted\": null");
        return;
    }
    VajraCollectionCounts n;
    counts(c, &n);
    const VajraAttrSchema *schema = vajra_collection_schema(c);
    char spec[1024] = "";
    if (schema != NULL)
        vajra_attr_schema_format(schema, spec, sizeof spec);
    if (json) {
        printf(", \"segments\": %u, \"generation\": %llu, \"live\": %u, \"deleted\": %u",
               n.segments, (unsigned long long)n.generation, n.live, n.deleted);
        printf(", \"attributes\": ");
        if (schema != NULL)
            cli_json_string(stdout, spec);
        else
            printf("null");
        return;
    }
    if (schema != NULL)
        printf("Attributes: %s\n", spec[0] ? spec : "(none)");
    printf("Segments:   %u (generation %llu): %u live documents, %u deleted%s\n", n.segments,
           (unsigned long long)n.generation, n.live, n.deleted,
           n.deleted ? " (dropped by 'vajra compact')" : "");
}

uint32_t cli_live_doc_span(const VajraCollection *c)
{
    VajraCollectionCounts n;
    counts(c, &n);
    return n.live + n.deleted;
}
