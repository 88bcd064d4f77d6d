/* Routing, the manifest, and opening one shard per rank with its checks. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_live.h"
#include "vmpi.h"

uint64_t vmpi_fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint32_t vmpi_route(const char *id, uint32_t nshards)
{
    return (uint32_t)(vmpi_fnv1a(id, strlen(id), VMPI_FNV_SEED) % nshards);
}

char *vmpi_shard_path(const char *dir, uint32_t shard, const char *ext)
{
    return g_strdup_printf("%s/shard-%u.%s", dir, shard, ext);
}

static int fail(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return 1;
}

void vmpi_manifest_clear(VmpiManifest *m)
{
    free(m->shard);
    free(m->options);
    memset(m, 0, sizeof *m);
}

int vmpi_manifest_read(const char *dir, VmpiManifest *m, char *msg, size_t msglen)
{
    memset(m, 0, sizeof *m);
    char *path = g_strdup_printf("%s/manifest", dir), *text = NULL;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        fail(msg, msglen, "%s: %s", path, gerr->message);
        g_error_free(gerr);
        g_free(path);
        return 1;
    }
    char **lines = g_strsplit(text, "\n", -1);
    int bad = 0, version = 0;
    uint32_t seen = 0;
    for (char **l = lines; *l && !bad; l++) {
        char key[32];
        unsigned long long a = 0, b = 0, c = 0;
        if (**l == '\0')
            continue;
        if (sscanf(*l, "%31s", key) != 1)
            continue;
        if (strcmp(key, "vajra-shards") == 0)
            bad = sscanf(*l, "%*s %d", &version) != 1 || version != VMPI_MANIFEST_VERSION;
        else if (strcmp(key, "id") == 0)
            bad = sscanf(*l, "%*s %" SCNx64, &m->id) != 1;
        else if (strcmp(key, "next-ordinal") == 0)
            bad = sscanf(*l, "%*s %" SCNu64, &m->next_ordinal) != 1;
        else if (strcmp(key, "dim") == 0)
            bad = sscanf(*l, "%*s %" SCNu32, &m->dim) != 1;
        else if (strcmp(key, "options") == 0)
            m->options = strdup(*l + strlen("options") + (strlen(*l) > 7));
        else if (strcmp(key, "shards") == 0) {
            bad = sscanf(*l, "%*s %" SCNu32, &m->shards) != 1 || m->shards == 0 ||
                  m->shards > 65536 || m->shard != NULL;
            if (!bad)
                bad = (m->shard = calloc(m->shards, sizeof *m->shard)) == NULL;
        } else if (strcmp(key, "shard") == 0) {
            bad = m->shard == NULL ||
                  sscanf(*l, "%*s %llu docs %llu fingerprint %llx", &a, &b, &c) != 3 ||
                  a >= m->shards || a != seen;
            if (!bad) {
                m->shard[a] = (VmpiShardInfo){b, c};
                seen++;
            }
        }
    }
    if (!bad && (version == 0 || m->shard == NULL || seen != m->shards))
        bad = 1;
    if (bad)
        fail(msg, msglen, "%s: not a valid vajra-mpi manifest (version %d expected)", path,
             VMPI_MANIFEST_VERSION);
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    if (bad)
        vmpi_manifest_clear(m);
    return bad;
}

int vmpi_manifest_write(const char *dir, const VmpiManifest *m, char *msg, size_t msglen)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "vajra-shards %d\nid %016" PRIx64 "\nshards %u\n",
                           VMPI_MANIFEST_VERSION, m->id, m->shards);
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->shards; i++)
        total += m->shard[i].docs;
    g_string_append_printf(s, "docs %" PRIu64 "\nnext-ordinal %" PRIu64 "\ndim %u\n", total,
                           m->next_ordinal, m->dim);
    g_string_append_printf(s, "routing fnv1a64(id) mod shards\n");
    for (uint32_t i = 0; i < m->shards; i++)
        g_string_append_printf(s, "shard %u docs %" PRIu64 " fingerprint %016" PRIx64 "\n", i,
                               m->shard[i].docs, m->shard[i].fingerprint);
    g_string_append_printf(s, "options %s\n", m->options ? m->options : "");
    char *path = g_strdup_printf("%s/manifest", dir);
    GError *gerr = NULL;
    int bad = !g_file_set_contents(path, s->str, (gssize)s->len, &gerr); /* atomic rename */
    if (bad) {
        fail(msg, msglen, "%s: %s", path, gerr->message);
        g_error_free(gerr);
    }
    g_free(path);
    g_string_free(s, TRUE);
    return bad;
}

/* Read shard-<i>.ord ("ordinal id" lines; a later line for the same id wins: upserts). */
static int read_ordinals(VmpiShard *s, char *msg, size_t msglen)
{
    char *path = vmpi_shard_path(s->dir, (uint32_t)s->shard, "ord"), *text = NULL;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        fail(msg, msglen, "%s: %s", path, gerr->message);
        g_error_free(gerr);
        g_free(path);
        return 1;
    }
    s->ord = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int bad = 0;
    for (char *line = text, *next; line && *line && !bad; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *end = NULL;
        errno = 0;
        unsigned long long o = strtoull(line, &end, 10);
        if (errno || end == line || *end != ' ' || end[1] == '\0')
            bad = fail(msg, msglen, "%s: malformed line \"%.40s\"", path, line);
        else
            g_hash_table_insert(s->ord, g_strdup(end + 1), GSIZE_TO_POINTER((gsize)o + 1));
    }
    g_free(text);
    g_free(path);
    return bad;
}

int vmpi_shard_map_ordinals(VmpiShard *s, char *msg, size_t msglen)
{
    free(s->ord_of_doc);
    s->span = cli_live_doc_span(s->c);
    s->ord_of_doc = malloc(((size_t)s->span + 1) * sizeof *s->ord_of_doc);
    if (s->ord_of_doc == NULL)
        return fail(msg, msglen, "out of memory");
    for (uint32_t d = 0; d < s->span; d++) {
        const char *id = vajra_collection_doc_id(s->c, d);
        gpointer v = id ? g_hash_table_lookup(s->ord, id) : NULL;
        if (v == NULL)
            return fail(msg, msglen, "%s/shard-%d.ord has no ordinal for document \"%s\"", s->dir,
                        s->shard, id ? id : "?");
        s->ord_of_doc[d] = (uint64_t)GPOINTER_TO_SIZE(v) - 1;
    }
    return 0;
}

int vmpi_shard_scan(VmpiShard *s, VmpiShardInfo *out, char *msg, size_t msglen)
{
    VmpiShardInfo in = {0, 0};
    uint32_t span = cli_live_doc_span(s->c);
    for (uint32_t d = 0; d < span; d++) {
        const char *id = vajra_collection_doc_id(s->c, d);
        uint32_t num = 0;
        if (id == NULL || vajra_collection_doc_number(s->c, id, &num, NULL) != VAJRA_OK ||
            num != d)
            continue; /* deleted (its id is live elsewhere, or not at all) */
        if (vmpi_route(id, (uint32_t)s->nshards) != (uint32_t)s->shard)
            return fail(msg, msglen, "document \"%s\" belongs to shard %u, not %d: this file is "
                        "not shard %d of a %d-shard collection", id,
                        vmpi_route(id, (uint32_t)s->nshards), s->shard, s->shard, s->nshards);
        in.docs++;
        in.fingerprint += vmpi_fnv1a(id, strlen(id), VMPI_FNV_SEED);
    }
    *out = in;
    return 0;
}

int vmpi_shard_open(VmpiShard *s, const char *cmd, const char *dir, uint32_t replicas,
                    int writable, const char *storage)
{
    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->dir = strdup(dir);
    char msg[512] = "";
    int ok = 1;
    if (vmpi_manifest_read(dir, &s->man, msg, sizeof msg) != 0) {
        ok = 0;
    } else if ((uint64_t)s->man.shards * replicas != (uint64_t)vmpi_world_size) {
        snprintf(msg, sizeof msg, "%s holds %u shards%s: run it with mpirun -np %" PRIu64
                 " (shards x replicas), not %d", dir, s->man.shards,
                 replicas > 1 ? " x replicas" : "", (uint64_t)s->man.shards * replicas,
                 vmpi_world_size);
        ok = 0;
    }
    /* Every rank reads the same manifest, so all agree on whether it failed. */
    if (!ok) {
        if (vmpi_world_rank == 0)
            vmpi_error(cmd, "%s", msg);
        return 1;
    }
    s->nshards = (int)s->man.shards;
    s->ngroups = (int)replicas;
    s->group = vmpi_world_rank / s->nshards;
    s->shard = vmpi_world_rank % s->nshards;
    MPI_Comm_split(MPI_COMM_WORLD, s->group, s->shard, &s->comm);
    MPI_Comm_set_errhandler(s->comm, MPI_ERRORS_RETURN);

    char *path = vmpi_shard_path(dir, (uint32_t)s->shard, "vjr");
    VajraError err = {0};
    const char *fault = getenv("VAJRA_MPI_TEST_FAULT"); /* tests: "open:<rank>" */
    int inject = fault && strncmp(fault, "open:", 5) == 0 && atoi(fault + 5) == vmpi_world_rank;
    s->reg = NULL;
    if (inject) {
        snprintf(msg, sizeof msg, "%s: cannot open (injected fault)", path);
        ok = 0;
    } else if (vajra_registry_new(NULL, &s->reg, &err) != VAJRA_OK) {
        snprintf(msg, sizeof msg, "%s", err.message);
        ok = 0;
    } else {
        VajraOpenOptions o = {.struct_size = sizeof o, .writable = (uint32_t)writable,
                              .storage_plugin = storage};
        if (vajra_collection_open_ex(s->reg, path, &o, &s->c, &err) != VAJRA_OK) {
            snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message
                                                           : vajra_strerror(err.code));
            ok = 0;
        }
    }
    if (ok) {
        VajraCollectionInfo info = {.struct_size = sizeof info};
        vajra_collection_info(s->c, &info);
        s->dim = info.dim;
        VmpiShardInfo have;
        if (info.dim != s->man.dim) {
            snprintf(msg, sizeof msg, "%s: dimension %u, the manifest says %u (a shard of another "
                     "collection)", path, info.dim, s->man.dim);
            ok = 0;
        } else if (vmpi_shard_scan(s, &have, msg, sizeof msg) != 0) {
            ok = 0;
        } else if (have.docs != s->man.shard[s->shard].docs ||
                   have.fingerprint != s->man.shard[s->shard].fingerprint) {
            snprintf(msg, sizeof msg, "%s: %" PRIu64 " documents (id fingerprint %016" PRIx64
                     "), the manifest of collection %016" PRIx64 " says %" PRIu64 " (%016" PRIx64
                     "): a shard of another collection, or changed behind the manifest's back",
                     path, have.docs, have.fingerprint, s->man.id,
                     s->man.shard[s->shard].docs, s->man.shard[s->shard].fingerprint);
            ok = 0;
        } else if (read_ordinals(s, msg, sizeof msg) != 0 ||
                   vmpi_shard_map_ordinals(s, msg, sizeof msg) != 0) {
            ok = 0;
        } else if (vajra_searcher_new(s->c, &s->vs, &err) != VAJRA_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            ok = 0;
        }
    }
    g_free(path);
    /* Each replica group reports on its own shards; then the whole job agrees. */
    int group_ok = vmpi_all_ok(cmd, s->comm, ok, msg);
    int all = 0;
    vmpi_allreduce(cmd, &group_ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, "opening the shards");
    if (!all) {
        if (vmpi_world_rank == 0)
            vmpi_error(cmd, "%s: cannot serve the collection: no results", dir);
        return 1;
    }
    return 0;
}

void vmpi_shard_close(VmpiShard *s)
{
    vajra_searcher_free(s->vs);
    vajra_collection_free(s->c);
    vajra_registry_free(s->reg);
    if (s->ord)
        g_hash_table_destroy(s->ord);
    free(s->ord_of_doc);
    vmpi_manifest_clear(&s->man);
    free(s->dir);
    if (s->comm != MPI_COMM_NULL && s->comm != 0)
        MPI_Comm_free(&s->comm);
    memset(s, 0, sizeof *s);
}
