/* `vajra-mpi`: one collection sharded over the ranks of an MPI job (docs/scale-out.md).
 *
 * A sharded collection is a directory: shard-<i>.vjr (an ordinary Vajra collection file),
 * shard-<i>.ord (each document's global ordinal: its position in the order the documents were
 * given, which is what a single index breaks score ties by) and `manifest` (shard count,
 * collection id, per-shard live counts and id fingerprints, build options).
 *
 * Routing: document id → shard FNV-1a-64(id bytes) mod N. Rank r of a group of N ranks serves
 * shard r. With --replicas R the job has N × R ranks: R groups of N, each group a full copy.
 *
 * Every collective waits with a deadline (--timeout, default 60 s): a rank that dies or hangs
 * makes rank 0 print which rank/shard did not answer and abort the job (MPI_Abort), never print
 * a partial answer.
 */
#ifndef VAJRA_MPI_H
#define VAJRA_MPI_H

#include <mpi.h>
#include <stdint.h>

#include <glib.h>

#include "cli.h"

#define VMPI_MANIFEST_VERSION 1

int vmpi_index(int argc, char **argv);
int vmpi_search(int argc, char **argv);
int vmpi_eval(int argc, char **argv);
int vmpi_bench(int argc, char **argv);
int vmpi_add(int argc, char **argv);
int vmpi_delete(int argc, char **argv);
int vmpi_info(int argc, char **argv);

/* ---- process-wide ---- */
extern int vmpi_world_rank, vmpi_world_size;
extern double vmpi_timeout_s;
extern long vmpi_spin_limit; /* polls before each wait sleeps 20-50 us */

/* "vajra-mpi <cmd>: ..." on stderr (any rank). */
void vmpi_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print (rank 0 only when all = 0) and MPI_Abort the whole job. */
_Noreturn void vmpi_abort(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Wait for a non-blocking operation with the deadline; on timeout abort naming `what`. */
void vmpi_wait(const char *cmd, MPI_Request *req, const char *what);
/* Broadcast `len` bytes from rank 0 of comm (the buffer is allocated on the others: caller frees).
 * With a deadline. */
void vmpi_bcast_bytes(const char *cmd, MPI_Comm comm, char **buf, uint64_t *len, const char *what);
/* Allreduce with a deadline. */
void vmpi_allreduce(const char *cmd, const void *in, void *out, int count, MPI_Datatype type,
                    MPI_Op op, MPI_Comm comm, const char *what);
/* Every rank's ok flag and message reach rank 0 of comm; returns 1 on every rank when all were
 * ok. Rank 0 prints each failure as "shard <i>: <message>". */
int vmpi_all_ok(const char *cmd, MPI_Comm comm, int ok, const char *msg);

/* ---- routing and manifest ---- */
uint64_t vmpi_fnv1a(const void *data, size_t len, uint64_t h);
#define VMPI_FNV_SEED 0xcbf29ce484222325ULL
uint32_t vmpi_route(const char *id, uint32_t nshards);

typedef struct VmpiShardInfo {
    uint64_t docs;        /* live documents */
    uint64_t fingerprint; /* Σ FNV-1a-64(id) over the live ids, mod 2^64 */
} VmpiShardInfo;

typedef struct VmpiManifest {
    uint32_t shards;
    uint64_t id;           /* collection id: FNV-1a-64 of the inputs (ids in order, N, options) */
    uint64_t next_ordinal; /* the ordinal the next added document gets */
    uint32_t dim;
    VmpiShardInfo *shard;  /* [shards] */
    char *options;         /* the build options, one line */
} VmpiManifest;

int vmpi_manifest_read(const char *dir, VmpiManifest *m, char *msg, size_t msglen);
int vmpi_manifest_write(const char *dir, const VmpiManifest *m, char *msg, size_t msglen);
void vmpi_manifest_clear(VmpiManifest *m);
char *vmpi_shard_path(const char *dir, uint32_t shard, const char *ext);

/* ---- an open shard ---- */
typedef struct VmpiShard {
    const char *cmd;
    MPI_Comm comm;       /* the ranks holding one copy of the collection: rank = shard */
    int shard, nshards;  /* this rank's shard, the shard count */
    int group, ngroups;  /* replica group of this rank */
    char *dir;
    VmpiManifest man;
    VajraRegistry *reg;
    VajraCollection *c;
    VajraSearcher *vs;
    GHashTable *ord;     /* id → ordinal+1 (owned keys) */
    uint64_t *ord_of_doc;/* document number → ordinal */
    uint32_t span;
    uint32_t dim;
} VmpiShard;

/* Open the shards of `dir` over the world with `replicas` groups (world size = shards ×
 * replicas): manifest, shard file, ordinals, checks (count, fingerprint, routing). Collective;
 * failures are printed by rank 0 naming each shard. writable: open for writing. Returns 0 ok. */
int vmpi_shard_open(VmpiShard *s, const char *cmd, const char *dir, uint32_t replicas,
                    int writable, const char *storage);
void vmpi_shard_close(VmpiShard *s);
/* Compute this shard's live count and fingerprint, checking that every live id routes here. */
int vmpi_shard_scan(VmpiShard *s, VmpiShardInfo *out, char *msg, size_t msglen);
/* Rebuild ord_of_doc from the ordinals table (after a commit). */
int vmpi_shard_map_ordinals(VmpiShard *s, char *msg, size_t msglen);

/* ---- distributed queries ---- */

/* One hit after the global merge. */
typedef struct VmpiHit {
    float score;
    uint64_t ord;
    char *id, *title;
} VmpiHit;

typedef struct VmpiHits {
    VmpiHit *items;
    size_t count, cap;
} VmpiHits;
void vmpi_hits_clear(VmpiHits *h);

typedef struct VmpiQuery {
    CliMode mode;
    uint32_t k, depth, ef;
    CliFusion fusion;
} VmpiQuery;

/* Run one query on every rank of s->comm (collective; text and vec must be the same on every
 * rank). Rank 0 of the group gets the merged top-k in *out; other ranks get nothing.
 * Returns 0, or non-zero after printing the error (all ranks agree). */
int vmpi_query(VmpiShard *s, const VmpiQuery *q, const char *text, const float *vec,
               VmpiHits *out);
/* 1 when the lexical scores use the exact global statistics (built with query stats). */
int vmpi_have_global_stats(void);

/* ---- queries (rank 0 reads the files and broadcasts them; every rank parses) ---- */
typedef struct VmpiQueries {
    VajraDocSet *set;  /* NULL without --queries */
    float *vec;        /* rows x dim, NULL without vectors */
    size_t rows, dim;
    size_t n;          /* queries */
} VmpiQueries;
int vmpi_queries_load(const char *cmd, const char *queries_path, const char *qv_path,
                      VmpiQueries *out);
void vmpi_queries_clear(VmpiQueries *q);
/* Query i's text (title + text; caller frees) or NULL when there are no text queries. */
char *vmpi_query_text(const VmpiQueries *q, size_t i);
/* Query i's id: its "_id", or the row number for vector-only queries (buf of 24 bytes). */
const char *vmpi_query_id(const VmpiQueries *q, size_t i, char *buf);

/* Run queries [0, n) split across the replica groups (query i on group i mod R); world rank 0
 * gets every query's hits in res[0..n) (others: untouched) and the wall time of the slowest
 * group in *wall_s; lat (world rank 0, may be NULL) gets each query's latency on its group.
 * Returns 0 or non-zero after an error (every rank agrees). */
int vmpi_run_batch(VmpiShard *s, const VmpiQuery *q, const VmpiQueries *qs, size_t n,
                   VmpiHits *res, double *lat, double *wall_s);

/* Parse --replicas / --timeout shared options: 1 handled, 0 not, -1 bad. */
enum { VMPI_OPT_TIMEOUT = 800, VMPI_OPT_REPLICAS };
#define VMPI_LONGOPTS                                                                          \
    {"timeout", required_argument, NULL, VMPI_OPT_TIMEOUT},                                    \
    {"replicas", required_argument, NULL, VMPI_OPT_REPLICAS}
#define VMPI_HELP                                                                              \
    "  --timeout SECONDS          give up (abort the job, naming the rank) when a rank does\n" \
    "                             not answer within this time (default 60)\n"                 \
    "  --replicas R               the job holds R copies of the collection (mpirun -np\n"     \
    "                             SHARDS x R); queries are split between the copies\n"
int vmpi_common_option(const char *cmd, int ch, const char *arg, uint32_t *replicas);

#endif /* VAJRA_MPI_H */
