/* Queries for every rank (read once on rank 0, broadcast) and batches of queries split across
 * replica groups, their results collected on world rank 0. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmpi.h"

#define TAG_BATCH 23

int vmpi_queries_load(const char *cmd, const char *queries_path, const char *qv_path,
                      VmpiQueries *out)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    uint64_t len = 0, shape[2] = {0, 0};
    VajraMatrixF32 m = {0};
    VajraError err = {0};
    int ok = 1;
    if (vmpi_world_rank == 0) {
        if (queries_path != NULL && (text = cli_read_text(cmd, queries_path)) == NULL)
            ok = 0;
        if (ok && qv_path != NULL && vajra_vectors_read(qv_path, &m, &err) != VAJRA_OK) {
            cli_error_vajra(cmd, &err);
            ok = 0;
        }
        len = text ? strlen(text) : 0;
        shape[0] = m.rows;
        shape[1] = m.dim;
    }
    MPI_Request req;
    MPI_Ibcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    vmpi_wait(cmd, &req, "reading the queries");
    if (!ok) {
        free(text);
        vajra_matrix_f32_clear(&m);
        return 1;
    }
    if (queries_path != NULL) {
        vmpi_bcast_bytes(cmd, MPI_COMM_WORLD, &text, &len, "broadcasting the queries");
        ok = vajra_docset_parse_jsonl(text, len, strcmp(queries_path, "-") == 0
                                                     ? "standard input" : queries_path,
                                      NULL, &out->set, &err) == VAJRA_OK;
        if (!ok && vmpi_world_rank == 0)
            cli_error_vajra(cmd, &err);
        free(text);
        if (!ok)
            return 1; /* every rank parsed the same bytes: all fail alike */
        out->n = vajra_docset_count(out->set);
    }
    if (qv_path != NULL) {
        MPI_Ibcast(shape, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD, &req);
        vmpi_wait(cmd, &req, "broadcasting the query vectors");
        out->rows = shape[0];
        out->dim = shape[1];
        uint64_t bytes = out->rows * out->dim * sizeof(float);
        char *buf = NULL;
        if (vmpi_world_rank == 0) {
            buf = malloc(bytes + 1);
            if (buf == NULL)
                vmpi_abort(cmd, "out of memory");
            memcpy(buf, m.data, bytes);
        }
        vmpi_bcast_bytes(cmd, MPI_COMM_WORLD, &buf, &bytes, "broadcasting the query vectors");
        out->vec = (float *)buf;
        if (out->set == NULL)
            out->n = out->rows;
    }
    vajra_matrix_f32_clear(&m);
    return 0;
}

void vmpi_queries_clear(VmpiQueries *q)
{
    vajra_docset_free(q->set);
    free(q->vec);
    memset(q, 0, sizeof *q);
}

char *vmpi_query_text(const VmpiQueries *q, size_t i)
{
    if (q->set == NULL)
        return NULL;
    char *t = cli_query_text(vajra_docset_doc(q->set, i));
    if (t == NULL)
        vmpi_abort("search", "out of memory");
    return t;
}

const char *vmpi_query_id(const VmpiQueries *q, size_t i, char *buf)
{
    if (q->set != NULL)
        return vajra_docset_doc(q->set, i)->id;
    snprintf(buf, 24, "%zu", i);
    return buf;
}

static void put(GByteArray *b, const void *p, size_t n)
{
    g_byte_array_append(b, p, (guint)n);
}

int vmpi_run_batch(VmpiShard *s, const VmpiQuery *q, const VmpiQueries *qs, size_t n,
                   VmpiHits *res, double *lat, double *wall_s)
{
    int rank;
    MPI_Comm_rank(s->comm, &rank);
    int leader = rank == 0;
    /* Start together so that the wall time measures the batch. */
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    vmpi_wait(s->cmd, &req, "the start of the batch");
    double t0 = MPI_Wtime();
    GByteArray *b = g_byte_array_new();
    int bad = 0;
    size_t mine = 0;
    for (size_t i = (size_t)s->group; i < n && !bad; i += (size_t)s->ngroups) {
        char *text = vmpi_query_text(qs, i);
        const float *vec = qs->vec && i < qs->rows ? qs->vec + i * qs->dim : NULL;
        VmpiHits h = {0};
        double tq = MPI_Wtime();
        if (vmpi_query(s, q, text, vec, &h) != 0) {
            if (leader) {
                char idb[24];
                vmpi_error(s->cmd, "query %s failed", vmpi_query_id(qs, i, idb));
            }
            bad = 1;
        }
        double dt = MPI_Wtime() - tq;
        free(text);
        if (leader && !bad) {
            uint64_t qi = i, cnt = h.count;
            put(b, &qi, 8);
            put(b, &dt, 8);
            put(b, &cnt, 8);
            for (size_t j = 0; j < h.count; j++) {
                uint32_t il = (uint32_t)strlen(h.items[j].id),
                         tl = (uint32_t)strlen(h.items[j].title);
                put(b, &h.items[j].score, 4);
                put(b, &h.items[j].ord, 8);
                put(b, &il, 4);
                put(b, &tl, 4);
                put(b, h.items[j].id, il);
                put(b, h.items[j].title, tl);
            }
            mine++;
        }
        vmpi_hits_clear(&h);
    }
    double wall = MPI_Wtime() - t0, wall_max = 0;
    /* A failing group stops early: agree on the outcome before collecting. */
    int all_bad = 0;
    vmpi_allreduce(s->cmd, &bad, &all_bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD,
                   "the end of the batch");
    vmpi_allreduce(s->cmd, &wall, &wall_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD,
                   "the end of the batch");
    if (all_bad) {
        g_byte_array_free(b, TRUE);
        return 1;
    }
    if (wall_s)
        *wall_s = wall_max;
    /* Group leaders send their part to world rank 0. */
    if (leader && vmpi_world_rank != 0) {
        MPI_Isend(b->data, (int)b->len, MPI_BYTE, 0, TAG_BATCH, MPI_COMM_WORLD, &req);
        vmpi_wait(s->cmd, &req, "sending the batch's results");
    }
    if (vmpi_world_rank == 0) {
        for (int g = 0; g < s->ngroups; g++) {
            unsigned char *buf = b->data;
            int len = (int)b->len;
            if (g > 0) {
                int from = g * s->nshards;
                MPI_Status st;
                double tw = MPI_Wtime();
                for (int flag = 0; !flag;) {
                    MPI_Iprobe(from, TAG_BATCH, MPI_COMM_WORLD, &flag, &st);
                    if (!flag && MPI_Wtime() - tw > vmpi_timeout_s)
                        vmpi_abort(s->cmd, "replica group %d (rank %d) sent no results within "
                                   "%.0f s", g, from, vmpi_timeout_s);
                    if (!flag) {
                        struct timespec ts = {0, 50000};
                        nanosleep(&ts, NULL);
                    }
                }
                MPI_Get_count(&st, MPI_BYTE, &len);
                buf = malloc(len ? (size_t)len : 1);
                MPI_Recv(buf, len, MPI_BYTE, from, TAG_BATCH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            }
            const unsigned char *p = buf, *end = buf + len;
            while (p < end) {
                uint64_t qi, cnt;
                double dt;
                memcpy(&qi, p, 8);
                memcpy(&dt, p + 8, 8);
                memcpy(&cnt, p + 16, 8);
                p += 24;
                if (lat)
                    lat[qi] = dt;
                VmpiHits *h = &res[qi];
                for (uint64_t j = 0; j < cnt; j++) {
                    VmpiHit x = {0};
                    uint32_t il, tl;
                    memcpy(&x.score, p, 4);
                    memcpy(&x.ord, p + 4, 8);
                    memcpy(&il, p + 12, 4);
                    memcpy(&tl, p + 16, 4);
                    p += 20;
                    x.id = g_strndup((const char *)p, il);
                    x.title = g_strndup((const char *)p + il, tl);
                    p += il + tl;
                    if (h->count == h->cap) {
                        h->cap = h->cap ? 2 * h->cap : 16;
                        h->items = realloc(h->items, h->cap * sizeof *h->items);
                    }
                    h->items[h->count++] = x;
                }
            }
            if (g > 0)
                free(buf);
        }
    }
    (void)mine;
    g_byte_array_free(b, TRUE);
    return 0;
}
