/* One query over every shard of a group: global lexical statistics (allreduce), each shard's
 * top-k scored with them, the hits sent to rank 0 and merged in a single index's order
 * (score descending, then global ordinal ascending), hybrid fused after each side's merge. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vajra/fusion.h"
#include "vmpi.h"

#define TAG_HITS 17

int vmpi_have_global_stats(void)
{
#ifdef VMPI_HAVE_QUERY_STATS
    return 1;
#else
    return 0;
#endif
}

void vmpi_hits_clear(VmpiHits *h)
{
    for (size_t i = 0; i < h->count; i++) {
        free(h->items[i].id);
        free(h->items[i].title);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

static void push(VmpiHits *h, float score, uint64_t ord, const char *id, size_t idlen,
                 const char *title, size_t tlen)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->items = realloc(h->items, h->cap * sizeof *h->items);
        if (h->items == NULL)
            vmpi_abort("search", "out of memory");
    }
    h->items[h->count++] = (VmpiHit){score, ord, g_strndup(id, idlen), g_strndup(title, tlen)};
}

/* ---- the statistics exchange ---- */
#ifdef VMPI_HAVE_QUERY_STATS
/* Sum this shard's statistics for `text` over the group into *global (arrays owned by *buf and
 * the local stats). Returns 0, or 1 with msg set (all ranks agree through the caller). */
static int global_stats(VmpiShard *s, const char *text, VajraQueryStats *local,
                        VajraQueryStats *global, uint64_t **buf, char *msg, size_t msglen)
{
    VajraError err = {0};
    *local = (VajraQueryStats){.struct_size = sizeof *local};
    int ok = vajra_collection_query_stats(s->c, text, local, &err) == VAJRA_OK;
    if (!ok)
        snprintf(msg, msglen, "%s", err.message);
    /* Same analyzer everywhere → same terms; check it (count and a hash of the terms). */
    uint64_t h = VMPI_FNV_SEED;
    for (size_t i = 0; ok && i < local->n_terms; i++)
        h = vmpi_fnv1a(local->terms[i], strlen(local->terms[i]) + 1, h);
    int64_t mine[5] = {ok ? 0 : 1, (int64_t)local->n_terms, -(int64_t)local->n_terms,
                       (int64_t)(h >> 1), -(int64_t)(h >> 1)}, all[5];
    vmpi_allreduce(s->cmd, mine, all, 5, MPI_INT64_T, MPI_MAX, s->comm, "the statistics exchange");
    if (all[0]) {
        if (ok)
            snprintf(msg, msglen, "another shard failed");
        return 1;
    }
    if (all[1] != -all[2] || all[3] != -all[4]) {
        snprintf(msg, msglen, "the shards analyse the query into different terms (built with "
                 "different analyzers?)");
        return 1;
    }
    size_t n = local->n_terms, len = 2 + 2 * n;
    uint64_t *in = malloc(len * sizeof *in);
    *buf = malloc(len * sizeof **buf);
    if (in == NULL || *buf == NULL)
        vmpi_abort(s->cmd, "out of memory");
    in[0] = local->doc_count;
    in[1] = local->total_length;
    if (n > 0) { /* (the arrays are NULL for a query without terms) */
        memcpy(in + 2, local->doc_freq, n * sizeof *in);
        memcpy(in + 2 + n, local->coll_freq, n * sizeof *in);
    }
    vmpi_allreduce(s->cmd, in, *buf, (int)len, MPI_UINT64_T, MPI_SUM, s->comm,
                   "the statistics exchange");
    free(in);
    *global = *local;
    global->doc_count = (*buf)[0];
    global->total_length = (*buf)[1];
    global->doc_freq = *buf + 2;
    global->coll_freq = *buf + 2 + n;
    return 0;
}
#endif

/* ---- hits on the wire: u32 count, then per hit f32 score, u64 ordinal, u32 id length, u32 title
 * length, the id and title bytes ---- */
static void put(GByteArray *b, const void *p, size_t n)
{
    g_byte_array_append(b, p, (guint)n);
}

static void encode(GByteArray *b, VmpiShard *s, const VajraResults *r)
{
    uint32_t n = (uint32_t)r->count;
    put(b, &n, 4);
    for (size_t i = 0; i < r->count; i++) {
        const VajraResult *x = &r->items[i];
        uint64_t ord = x->doc < s->span ? s->ord_of_doc[x->doc] : UINT64_MAX;
        const char *title = x->title ? x->title : "";
        uint32_t il = (uint32_t)strlen(x->id), tl = (uint32_t)strlen(title);
        put(b, &x->score, 4);
        put(b, &ord, 8);
        put(b, &il, 4);
        put(b, &tl, 4);
        put(b, x->id, il);
        put(b, title, tl);
    }
}

static const unsigned char *decode(const unsigned char *p, const unsigned char *end, VmpiHits *h)
{
    uint32_t n;
    if (end - p < 4)
        return NULL;
    memcpy(&n, p, 4);
    p += 4;
    for (uint32_t i = 0; i < n; i++) {
        float score;
        uint64_t ord;
        uint32_t il, tl;
        if (end - p < 20)
            return NULL;
        memcpy(&score, p, 4);
        memcpy(&ord, p + 4, 8);
        memcpy(&il, p + 12, 4);
        memcpy(&tl, p + 16, 4);
        p += 20;
        if ((size_t)(end - p) < (size_t)il + tl)
            return NULL;
        push(h, score, ord, (const char *)p, il, (const char *)p + il, tl);
        p += il + tl;
    }
    return p;
}

/* Score descending, then ordinal ascending: a single index's canonical order. */
static int cmp_hit(const void *a, const void *b)
{
    const VmpiHit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static void keep_top(VmpiHits *h, size_t k)
{
    if (h->count > 1) /* (items is NULL when no shard had a hit) */
        qsort(h->items, h->count, sizeof *h->items, cmp_hit);
    while (h->count > k) {
        h->count--;
        free(h->items[h->count].id);
        free(h->items[h->count].title);
    }
}

/* A message starts with the rank's status: u32 ok, u32 length, the error text. Rank 0 prints a
 * failure naming the shard; hits follow only when ok (returns NULL otherwise). */
static const unsigned char *decode_status(VmpiShard *s, int shard, const unsigned char *p,
                                          const unsigned char *end, int *all_ok)
{
    uint32_t ok, len;
    if (end - p < 8)
        vmpi_abort(s->cmd, "shard %d: malformed message", shard);
    memcpy(&ok, p, 4);
    memcpy(&len, p + 4, 4);
    p += 8;
    if ((size_t)(end - p) < len)
        vmpi_abort(s->cmd, "shard %d: malformed message", shard);
    if (!ok) {
        vmpi_error(s->cmd, "shard %d: %.*s", shard, (int)len, (const char *)p);
        *all_ok = 0;
        return NULL;
    }
    return p + len;
}

/* Rank 0: receive every other rank's message (with the deadline, naming the ranks missing). */
static int gather_hits(VmpiShard *s, GByteArray *mine, int sides, VmpiHits *side)
{
    int rank, size;
    MPI_Comm_rank(s->comm, &rank);
    MPI_Comm_size(s->comm, &size);
    if (rank != 0) {
        MPI_Request req;
        MPI_Isend(mine->data, (int)mine->len, MPI_BYTE, 0, TAG_HITS, s->comm, &req);
        vmpi_wait(s->cmd, &req, "sending hits to rank 0");
        return 0;
    }
    int all_ok = 1;
    const unsigned char *p = decode_status(s, 0, mine->data, mine->data + mine->len, &all_ok);
    const unsigned char *end = mine->data + mine->len;
    for (int i = 0; i < sides && p; i++)
        if ((p = decode(p, end, &side[i])) == NULL)
            vmpi_abort(s->cmd, "shard 0: malformed hits");
    char *got = calloc((size_t)size, 1);
    int remaining = size - 1;
    double t0 = MPI_Wtime();
    long spins = 0;
    while (remaining > 0) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_HITS, s->comm, &flag, &st);
        if (!flag) {
            if (MPI_Wtime() - t0 > vmpi_timeout_s) {
                GString *who = g_string_new(NULL);
                for (int r = 1; r < size; r++)
                    if (!got[r])
                        g_string_append_printf(who, "%s%d", who->len ? ", " : "", r);
                vmpi_abort(s->cmd, "shard(s) %s sent no hits within %.0f s (a rank died or "
                           "hangs)", who->str, vmpi_timeout_s);
            }
            if (++spins > vmpi_spin_limit) {
                struct timespec ts = {0, 20000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        int n = 0;
        MPI_Get_count(&st, MPI_BYTE, &n);
        unsigned char *buf = malloc(n ? (size_t)n : 1);
        MPI_Recv(buf, n, MPI_BYTE, st.MPI_SOURCE, TAG_HITS, s->comm, MPI_STATUS_IGNORE);
        const unsigned char *qend = buf + n;
        const unsigned char *q = decode_status(s, st.MPI_SOURCE, buf, qend, &all_ok);
        for (int i = 0; i < sides && q; i++)
            if ((q = decode(q, qend, &side[i])) == NULL)
                vmpi_abort(s->cmd, "shard %d: malformed hits", st.MPI_SOURCE);
        free(buf);
        got[st.MPI_SOURCE] = 1;
        remaining--;
    }
    free(got);
    return all_ok ? 0 : 1;
}

static vajra_status local_search(VmpiShard *s, uint32_t mode, const char *text, const float *vec,
                                 uint32_t k, uint32_t ef, const VajraQueryStats *stats,
                                 VajraResults *r, VajraError *err)
{
    VajraSearchRequest q = {.struct_size = sizeof q, .mode = mode,
                            .text = mode == VAJRA_MODE_LEXICAL ? text : NULL,
                            .vector = mode == VAJRA_MODE_VECTOR ? vec : NULL,
                            .dim = s->dim, .k = k, .ef = ef};
#ifdef VMPI_HAVE_QUERY_STATS
    q.stats = stats;
#else
    (void)stats;
#endif
    return vajra_searcher_search(s->vs, &q, r, err);
}

static int fuse(const VmpiQuery *q, VmpiHits *lex, VmpiHits *vec, VmpiHits *out, char *msg,
                size_t msglen)
{
    /* Fusion works on document numbers: use the global ordinals (a single index's numbers). */
    VajraHits a = {0}, b = {0}, f = {0};
    VajraError err = {0};
    vajra_status st = VAJRA_OK;
    for (size_t i = 0; st == VAJRA_OK && i < lex->count; i++)
        st = lex->items[i].ord > UINT32_MAX
                 ? vajra_error_set(&err, VAJRA_ERR_UNSUPPORTED, "ordinal beyond 2^32")
                 : vajra_hits_push(&a, (uint32_t)lex->items[i].ord, lex->items[i].score, &err);
    for (size_t i = 0; st == VAJRA_OK && i < vec->count; i++)
        st = vec->items[i].ord > UINT32_MAX
                 ? vajra_error_set(&err, VAJRA_ERR_UNSUPPORTED, "ordinal beyond 2^32")
                 : vajra_hits_push(&b, (uint32_t)vec->items[i].ord, vec->items[i].score, &err);
    const char *m = q->fusion.method;
    if (st == VAJRA_OK) {
        if (strcmp(m, "rrf") == 0)
            st = vajra_fuse_rrf(&a, &b, q->fusion.rrf_k, q->k, &f, &err);
        else
            st = vajra_fuse_convex(&a, &b, strcmp(m, "minmax") == 0 ? VAJRA_NORM_MINMAX
                                                                   : VAJRA_NORM_ZSCORE,
                                   q->fusion.weight, 1.0 - q->fusion.weight, q->k, &f, &err);
    }
    for (size_t i = 0; st == VAJRA_OK && i < f.count; i++) {
        const VmpiHit *src = NULL;
        for (size_t j = 0; j < lex->count && !src; j++)
            if (lex->items[j].ord == f.items[i].doc)
                src = &lex->items[j];
        for (size_t j = 0; j < vec->count && !src; j++)
            if (vec->items[j].ord == f.items[i].doc)
                src = &vec->items[j];
        push(out, f.items[i].score, f.items[i].doc, src->id, strlen(src->id), src->title,
             strlen(src->title));
    }
    if (st != VAJRA_OK)
        snprintf(msg, msglen, "%s", err.message);
    vajra_hits_clear(&a);
    vajra_hits_clear(&b);
    vajra_hits_clear(&f);
    return st != VAJRA_OK;
}

int vmpi_query(VmpiShard *s, const VmpiQuery *q, const char *text, const float *vec,
               VmpiHits *out)
{
    char msg[512] = "";
    int ok = 1;
    VajraQueryStats local = {0}, global = {0}, *gs = NULL;
    uint64_t *sums = NULL;
    (void)local;
    (void)global;
#ifdef VMPI_HAVE_QUERY_STATS
    if (q->mode != CLI_MODE_VECTOR) {
        if (global_stats(s, text ? text : "", &local, &global, &sums, msg, sizeof msg) != 0)
            ok = 0;
        else
            gs = &global;
    }
#endif
    VajraResults r[2] = {{0}, {0}};
    VajraError err = {0};
    int sides = q->mode == CLI_MODE_HYBRID ? 2 : 1;
    uint32_t depth = q->mode == CLI_MODE_HYBRID ? q->depth : q->k;
    if (ok && q->mode != CLI_MODE_VECTOR &&
        local_search(s, VAJRA_MODE_LEXICAL, text ? text : "", NULL, depth, q->ef, gs, &r[0],
                     &err) != VAJRA_OK)
        ok = 0;
    if (ok && q->mode != CLI_MODE_LEXICAL &&
        local_search(s, VAJRA_MODE_VECTOR, NULL, vec, depth, q->ef, NULL,
                     &r[q->mode == CLI_MODE_HYBRID], &err) != VAJRA_OK)
        ok = 0;
    if (!ok && msg[0] == '\0')
        snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : vajra_strerror(err.code));
#ifdef VMPI_HAVE_QUERY_STATS
    vajra_query_stats_clear(&local);
#endif
    free(sums);
    GByteArray *b = g_byte_array_new();
    uint32_t okw = (uint32_t)ok, len = ok ? 0 : (uint32_t)strlen(msg);
    put(b, &okw, 4);
    put(b, &len, 4);
    put(b, msg, len);
    for (int i = 0; ok && i < sides; i++)
        encode(b, s, &r[i]);
    vajra_results_clear(&r[0]);
    vajra_results_clear(&r[1]);
    VmpiHits side[2] = {{0}, {0}};
    const char *fault = getenv("VAJRA_MPI_TEST_FAULT"); /* tests: "hang:<rank>", "die:<rank>" */
    if (fault && strncmp(fault, "hang:", 5) == 0 && atoi(fault + 5) == vmpi_world_rank)
        for (;;)
            sleep(1);
    if (fault && strncmp(fault, "die:", 4) == 0 && atoi(fault + 4) == vmpi_world_rank)
        _exit(9);
    int verdict = gather_hits(s, b, sides, side);
    g_byte_array_free(b, TRUE);
    /* Rank 0 tells the group whether the query succeeded everywhere. */
    MPI_Request req;
    MPI_Ibcast(&verdict, 1, MPI_INT, 0, s->comm, &req);
    vmpi_wait(s->cmd, &req, "the query's outcome");
    int rank;
    MPI_Comm_rank(s->comm, &rank);
    if (verdict != 0 || rank != 0) {
        vmpi_hits_clear(&side[0]);
        vmpi_hits_clear(&side[1]);
        return verdict;
    }
    int bad = 0;
    for (int i = 0; i < sides; i++)
        keep_top(&side[i], depth);
    if (sides == 1) {
        *out = side[0];
        side[0] = (VmpiHits){0};
    } else if (fuse(q, &side[0], &side[1], out, msg, sizeof msg) != 0) {
        vmpi_error(s->cmd, "%s", msg);
        bad = 1;
    }
    vmpi_hits_clear(&side[0]);
    vmpi_hits_clear(&side[1]);
    return bad;
}
