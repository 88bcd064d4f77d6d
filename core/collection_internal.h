/* Collections, inside: segments, snapshots and the writer's staging area.
 *
 * A Segment is immutable once built or loaded: one lexical index, one vector index (or none),
 * and the documents' titles and texts (string tables). Which of its documents are still live
 * is not part of the segment but of the snapshot that holds it (a LiveMap per segment, shared
 * between snapshots while unchanged), so a delete never touches a segment that readers use.
 *
 * A Snapshot is an immutable list of (segment, live map, base) with reference counts; the
 * collection's `current` pointer changes only under `snap_lock`, which readers hold just long
 * enough to take a reference. Everything else a search touches is immutable.
 */
#ifndef VAJRA_COLLECTION_INTERNAL_H
#define VAJRA_COLLECTION_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <glib.h>

#include "abi_compat.h"
#include "vajra/attrs.h"
#include "vajra/collection.h"
#include "vajra/embedder.h"
#include "vajra/filter_expr.h"
#include "vajra/storage.h"

/* A read-only string table: n strings; string i is blob + off[i], NUL-terminated. Either views a
 * container section or an owned buffer in the same layout (u64 n, u64 off[n+1], blob). */
typedef struct StrTab {
    uint64_t n;
    const uint64_t *off;
    const char *blob;
    void *owned; /* the buffer when built; NULL when it views a container */
    size_t owned_len;
} StrTab;

/* Build the section layout of a string table from n strings (NULL = ""). Errors: NO_MEMORY. */
vajra_status strtab_build(StrTab *t, const char *const *strings, size_t n, VajraError *err);
/* Validate a section's bytes as a string table of exactly `n` strings and view them. */
vajra_status strtab_view(StrTab *t, const void *data, size_t len, uint64_t n, const char *what,
                         VajraError *err);
const char *strtab_get(const StrTab *t, uint64_t i);
void strtab_free(StrTab *t);
/* The bytes to save (the owned buffer or the viewed section). */
const void *strtab_bytes(const StrTab *t, size_t *len);

/* An opened container shared by the segments loaded from it. */
typedef struct ContainerRef {
    gint refs;
    VajraPlugin *plugin;
    const VajraStorageOps *ops;
    VajraStorageContainer *container;
} ContainerRef;

ContainerRef *container_ref(ContainerRef *r);
void container_unref(ContainerRef *r);

typedef struct Segment {
    gint refs;
    uint32_t n;                /* documents, live or deleted */
    VajraLexicalIndex *lex;    /* committed */
    VajraVectorIndex *vec;     /* NULL without a vector side */
    StrTab titles;
    StrTab texts;              /* n == 0 && blob == NULL: a format-1 segment without texts */
    int has_texts;
    VajraAttrStore *attrs;     /* NULL when the collection had no schema when it was built */
    ContainerRef *container;   /* what lex/vec/titles/texts point into; NULL when built */
    const struct VajraCollection *owner; /* for the vtables (never outlived by a segment) */
} Segment;

/* Live documents of a segment: bit d set = document d is live. Shared, immutable. */
typedef struct LiveMap {
    gint refs;
    VajraDocFilter filter; /* words point at `words` below */
    uint64_t words[];
} LiveMap;

typedef struct SegView {
    Segment *seg;   /* a reference */
    LiveMap *live;  /* a reference; NULL = every document live */
    uint32_t base;  /* snapshot-relative number of the segment's document 0 */
} SegView;

typedef struct Snapshot {
    gint refs;
    uint32_t nseg;
    SegView *segs;
    uint32_t total;     /* documents in all segments, deleted included */
    uint32_t live;      /* live documents */
    uint64_t generation;
} Snapshot;

/* A staged document: owned copies. */
typedef struct StagedDoc {
    char *id, *title, *text;
    float *vector; /* dim floats, or NULL */
    char *attrs;   /* JSON object text, or NULL */
    int dropped;   /* deleted or replaced again before the commit */
} StagedDoc;

struct VajraCollection {
    VajraRegistry *reg; /* borrowed */

    VajraPlugin *lex_plugin;
    const VajraLexicalVtable *lvt;
    VajraAnalyzerOptions analyzer; /* analyzer.language points at `language` (or is NULL) */
    char *language;                /* owned copy of the analyzer language */

    VajraPlugin *scorer_plugin;
    const VajraScorerVtable *svt;
    void *scorer_instance;
    VajraScorer scorer;
    VajraParam *scorer_params; /* names owned */
    size_t n_scorer_params;

    VajraPlugin *vec_plugin; /* NULL without vectors */
    const VajraVectorVtable *vvt;
    VajraVectorParams vparams; /* for new segments (promote changes them) */
    VajraKeyValue *vkv;        /* the same as key/values (params_kv; strings owned) */
    size_t n_vkv;

    char *lexical_name, *scorer_name, *vector_name, *profile;
    uint32_t dim, metric, threads, ignore_title;
    VajraAttrSchema *schema; /* declared at create, or inferred from the first batch with
                              * attributes; NULL until then. Fixed once set. */

    /* The committed state. */
    pthread_mutex_t snap_lock;  /* guards `current` only: held for a pointer copy and a refcount */
    Snapshot *current;

    /* Writers. */
    pthread_mutex_t write_lock; /* add/upsert/delete/commit, and the swap at the end of a compaction */
    pthread_mutex_t compact_lock; /* one compaction or promotion at a time */
    GPtrArray *staged;         /* StagedDoc*, in order */
    GHashTable *staged_ids;    /* id → StagedDoc* (live staged documents only) */
    GHashTable *staged_deletes; /* id → id: committed documents to delete at commit */
    uint32_t staged_live;      /* staged documents not dropped */
    /* Copies of staged_live and |staged_deletes| for vajra_collection_counts, published by each
     * writer before it releases write_lock (coll_publish_staged), so counts never waits for a
     * commit that is building its segment. */
    atomic_uint staged_adds_pub, staged_deletes_pub;

    int writable;      /* 0 for collections opened read-only */
    int file_backed;   /* commit saves to `path` durably */
    int lock_fd;       /* the writer lock on "<path>.lock", or -1 */

    char *path, *storage_name;

    /* The embedder (collection_embed.c), when the vector side is made from the text. */
    char *embedder_name;        /* NULL: vectors come with the documents */
    VajraKeyValue *emb_params;  /* owned copies, as given at create (saved in coll.meta) */
    size_t n_emb_params;
    VajraEmbedderRef emb;       /* the instance; trained at the first commit or loaded */
    gint emb_ready;             /* 1 once trained or loaded: embed may run (atomic) */
    ContainerRef *emb_container; /* what a loaded model points into; NULL when built */
};

/* ---- collection.c ---- */
vajra_status coll_load_plugin(VajraCollection *c, VajraPluginKind kind, const char *name,
                              uint32_t min_vtable_version, VajraPlugin **out, const void **vt,
                              VajraError *err);
int coll_plugin_name_ok(const char *name);
const char *coll_metric_name(uint32_t metric);
uint32_t coll_metric_from_name(const char *name);
vajra_status coll_make_scorer(VajraCollection *c, VajraError *err);
VajraCollection *coll_alloc(VajraRegistry *reg);
void coll_staged_clear(VajraCollection *c);
vajra_status coll_load_lexical(VajraCollection *c, VajraError *err);
vajra_status coll_load_vector(VajraCollection *c, VajraError *err);
/* Vector parameters from a profile with overrides (0 = keep), validated by the plugin. */
vajra_status coll_vector_params(VajraCollection *c, const char *profile, uint32_t M,
                                uint32_t efc, uint32_t efs, VajraVectorParams *out,
                                VajraError *err);
uint32_t coll_default_threads(uint32_t requested);
/* Settle vector settings by making (and dropping) an empty index, from key/values `in` (v1 NULL)
 * or from the version-1 parameters *v1: *params gets the index's params, *kv / *n_kv owned copies
 * of its params_kv (of `in` when the plugin has no params_kv; replacing what they held). Keys
 * and values must fit coll.meta (no space in a key, no newline). */
vajra_status coll_vector_settle(VajraCollection *c, const VajraKeyValue *in, size_t n_in,
                                const VajraVectorParams *v1, VajraVectorParams *params,
                                VajraKeyValue **kv, size_t *n_kv, VajraError *err);
void coll_kv_free(VajraKeyValue *kv, size_t n);
/* An owned copy (NULL when n == 0); *n_out = n. */
VajraKeyValue *coll_kv_copy(const VajraKeyValue *kv, size_t n, size_t *n_out);
/* A new empty vector index for a segment: create_kv with kv when the plugin has it, else the
 * version-1 create with params. */
vajra_status coll_vector_new(const VajraCollection *c, const VajraVectorParams *params,
                             const VajraKeyValue *kv, size_t n_kv, VajraVectorIndex **out,
                             VajraError *err);

/* ---- collection_snapshot.c ---- */
Segment *segment_ref(Segment *s);
void segment_unref(Segment *s);
LiveMap *livemap_new(uint32_t nbits, int all_set);
LiveMap *livemap_ref(LiveMap *m);
void livemap_unref(LiveMap *m);
static inline int segview_live(const SegView *v, uint32_t local)
{
    return v->live == NULL || vajra_filter_pass(&v->live->filter, local);
}
/* A new snapshot of `nseg` views (references taken by the caller into segs[]). */
Snapshot *snapshot_new(uint32_t nseg);
void snapshot_finish(Snapshot *s); /* computes bases, total and live */
Snapshot *snapshot_ref(Snapshot *s);
void snapshot_unref(Snapshot *s);
/* The current snapshot, referenced (never NULL). The only lock a reader takes. */
Snapshot *coll_pin(const VajraCollection *c);
/* Publish `s` (its reference passes to the collection). Caller holds write_lock. */
void coll_publish(VajraCollection *c, Snapshot *s);
/* The view holding snapshot-relative document `doc`, or NULL. */
const SegView *snapshot_find(const Snapshot *s, uint32_t doc, uint32_t *local);
/* The view and local number of the live document with external id `id`, or NULL. */
const SegView *snapshot_lookup(const VajraCollection *c, const Snapshot *s, const char *id,
                               uint32_t *local);

/* Build a segment from documents (ids unique; vectors checked). threads: vector build threads;
 * params / kv: the vector settings (coll_vector_new; ignored without vectors). */
vajra_status segment_build(VajraCollection *c, const VajraDocument *docs, size_t n,
                           const VajraVectorParams *params, const VajraKeyValue *kv,
                           size_t n_kv, uint32_t threads, Segment **out, VajraError *err);

/* ---- collection_embed.c ---- */
/* Set up the embedder named in options (create): load, create, fix c->dim. */
vajra_status coll_embedder_create(VajraCollection *c, const char *name,
                                  const VajraKeyValue *params, size_t n, uint32_t dim,
                                  VajraError *err);
/* Vectors for docs[0..n) (which carry none) into a new array of n × dim floats (g_free), training
 * the model first on these documents if it is not ready. Caller holds write_lock. */
vajra_status coll_embed_docs(VajraCollection *c, const VajraDocument *docs, size_t n,
                             float **out, VajraError *err);
/* Embed a query text into row[dim]. Errors: VAJRA_ERR_STATE (no model yet), the plugin's. */
vajra_status coll_embed_query(const VajraCollection *c, const char *text, float *row,
                              VajraError *err);
/* coll.meta lines for the embedder, and its model as "coll.emb.*" sections. */
void coll_embedder_meta(const VajraCollection *c, GString *t);
vajra_status coll_embedder_save(const VajraCollection *c, const VajraSectionWriter *w,
                                VajraError *err);
/* A coll.meta line the embedder owns ("embedder", "embedder-param", "embedder-saved"):
 * 1 = consumed (st set on error), 0 = not an embedder key. */
int coll_embedder_meta_line(VajraCollection *c, const char *key, const char *val,
                            int *saved, vajra_status *st, VajraError *err);
/* After the meta is parsed: load the saved model (or recreate an untrained one). */
vajra_status coll_embedder_open(VajraCollection *c, ContainerRef *cref,
                                const VajraSectionReader *sr, int saved, VajraError *err);
void coll_embedder_free(VajraCollection *c);

/* ---- collection_persist.c ---- */
/* Save snapshot `s` to `path` through `storage_plugin` (atomic, durable). */
vajra_status coll_save_snapshot(VajraCollection *c, const Snapshot *s, const char *path,
                                const char *storage_plugin, VajraError *err);
/* Open `path` into a new collection object (read-only; the caller may make it writable). */
vajra_status coll_open_file(VajraRegistry *reg, const char *path, const char *storage_plugin,
                            VajraCollection **out, VajraError *err);

/* Publish the staged counts for vajra_collection_counts. Caller holds write_lock. */
void coll_publish_staged(VajraCollection *c);

#endif /* VAJRA_COLLECTION_INTERNAL_H */
