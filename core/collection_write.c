/* Collections: staging writes (add, upsert, delete), commit, and compaction / promotion.
 *
 * Writers never touch what readers see. Staged documents are owned copies; commit builds them
 * into a new segment, derives new live maps for the segments that lost documents, saves the
 * result when the collection is file-backed, and only then publishes the new snapshot.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collection_internal.h"

static const char *doc_name(const VajraDocument *d)
{
    return d->id ? d->id : "(no id)";
}

static vajra_status check_text(const VajraCollection *c, const VajraDocument *d, const char *what,
                               const char *text, VajraError *err)
{
    const char *bad = NULL;
    if (text == NULL || c->analyzer.repair_utf8 || g_utf8_validate(text, -1, &bad))
        return VAJRA_OK;
    return vajra_error_set(err, VAJRA_ERR_ENCODING,
                           "document '%s': invalid UTF-8 in %s at byte %zu", doc_name(d), what,
                           (size_t)(bad - text));
}

/* Everything a segment build could refuse, checked before anything is staged. The vector rules
 * are the vector plugin's (finite, squared norm ≤ FLT_MAX/4, non-zero under cosine). */
static vajra_status check_doc(const VajraCollection *c, const VajraDocument *d, VajraError *err)
{
    if (d->id == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "a document has a NULL id");
    const char *bad = NULL;
    if (!g_utf8_validate(d->id, -1, &bad))
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "a document id is invalid UTF-8 at byte %zu",
                               (size_t)(bad - d->id));
    vajra_status st = check_text(c, d, "title", d->title, err);
    if (st == VAJRA_OK)
        st = check_text(c, d, "text", d->text, err);
    if (st != VAJRA_OK || c->dim == 0)
        return st;
    if (c->embedder_name != NULL) {
        if (d->vector != NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "document %s carries a vector, but this collection embeds "
                                   "its documents with %s (give text only)",
                                   doc_name(d), c->embedder_name);
        return VAJRA_OK;
    }
    if (d->vector == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "document %s has no vector (the collection has dim %u)",
                               doc_name(d), c->dim);
    if (d->dim != c->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "document %s: vector of dimension %u, the collection has %u",
                               doc_name(d), d->dim, c->dim);
    double norm = 0;
    for (uint32_t j = 0; j < c->dim; j++) {
        if (!isfinite(d->vector[j]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "document %s: vector component %u is not finite", doc_name(d),
                                   j);
        norm += (double)d->vector[j] * d->vector[j];
    }
    if (norm > (double)FLT_MAX / 4)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                               "document %s: vector squared norm %.3g is too large", doc_name(d),
                               norm);
    if (c->metric == VAJRA_METRIC_COSINE && norm == 0)
        return vajra_error_set(err, VAJRA_ERR_BAD_VALUE, "document %s: zero vector under cosine",
                               doc_name(d));
    return VAJRA_OK;
}

static vajra_status check_attrs(const VajraCollection *c, const VajraDocBatch *batch,
                                VajraAttrSchema **inferred, VajraError *err)
{
    const char **json = g_new0(const char *, batch->count), **ids = g_new0(const char *, batch->count);
    size_t with = 0;
    for (size_t i = 0; i < batch->count; i++) {
        json[i] = batch->docs[i].attrs;
        ids[i] = batch->docs[i].id;
        with += json[i] != NULL && json[i][0] != '\0';
    }
    vajra_status st = VAJRA_OK;
    if (with > 0 && c->schema == NULL)
        st = vajra_attr_schema_infer(json, ids, batch->count, inferred, err);
    const VajraAttrSchema *schema = c->schema ? c->schema : *inferred;
    if (st == VAJRA_OK && with > 0 && schema != NULL)
        st = vajra_attrs_check_json(schema, json, ids, batch->count, 0, err);
    if (st != VAJRA_OK) {
        vajra_attr_schema_free(*inferred);
        *inferred = NULL;
    }
    g_free(json);
    g_free(ids);
    return st;
}

static vajra_status writable(const VajraCollection *c, const char *verb, VajraError *err)
{
    if (!c->writable)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "collection %s: %s was opened read-only (open it writable)", verb,
                               c->path ? c->path : "(in memory)");
    return VAJRA_OK;
}

/* Is `id` live in the committed state and not already staged for deletion? */
static int committed_live(const VajraCollection *c, const Snapshot *s, const char *id)
{
    uint32_t local = 0;
    return snapshot_lookup(c, s, id, &local) != NULL &&
           !g_hash_table_contains(c->staged_deletes, id);
}

static void stage_doc(VajraCollection *c, const VajraDocument *d)
{
    StagedDoc *sd = g_new0(StagedDoc, 1);
    sd->id = g_strdup(d->id);
    sd->title = g_strdup(d->title);
    sd->text = g_strdup(d->text);
    if (c->dim > 0 && d->vector != NULL) /* an embedder collection embeds at commit */
        sd->vector = g_memdup2(d->vector, (gsize)c->dim * sizeof(float));
    if (c->schema != NULL && d->attrs != NULL && d->attrs[0] != '\0')
        sd->attrs = g_strdup(d->attrs);
    g_ptr_array_add(c->staged, sd);
    g_hash_table_replace(c->staged_ids, sd->id, sd);
    c->staged_live++;
}

static void drop_staged(VajraCollection *c, StagedDoc *sd)
{
    g_hash_table_remove(c->staged_ids, sd->id);
    sd->dropped = 1;
    c->staged_live--;
}

static vajra_status stage_batch(VajraCollection *c, const VajraDocBatch *batch, int upsert,
                                VajraError *err)
{
    const char *verb = upsert ? "upsert" : "add";
    if (c == NULL || batch == NULL || (batch->count > 0 && batch->docs == NULL))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection %s: NULL argument",
                               verb);
    vajra_status st = writable(c, verb, err);
    if (st != VAJRA_OK || batch->count == 0)
        return st;
    pthread_mutex_lock(&c->write_lock);
    Snapshot *s = coll_pin(c);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    uint64_t total = (uint64_t)s->total + c->staged_live;
    if (total + batch->count > UINT32_MAX)
        st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                             "collection %s: more than 2^32 - 1 documents", verb);
    /* Phase 1: check everything, change nothing (all or nothing). */
    for (size_t i = 0; st == VAJRA_OK && i < batch->count; i++) {
        const VajraDocument *d = &batch->docs[i];
        st = check_doc(c, d, err);
        if (st != VAJRA_OK)
            break;
        if (!g_hash_table_add(seen, (gpointer)d->id))
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE, "duplicate document id '%s' in the batch",
                                 d->id);
        else if (!upsert && (g_hash_table_contains(c->staged_ids, d->id) ||
                             committed_live(c, s, d->id)))
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE,
                                 "duplicate document id '%s' (already in the collection; use "
                                 "upsert to replace it)",
                                 d->id);
    }
    /* Attributes: checked against the schema (inferred from this batch if there is none yet and
     * it carries some; the schema is then fixed for the collection's life). */
    VajraAttrSchema *inferred = NULL;
    if (st == VAJRA_OK)
        st = check_attrs(c, batch, &inferred, err);
    if (st == VAJRA_OK && inferred != NULL)
        c->schema = inferred;
    /* Phase 2: stage. */
    for (size_t i = 0; st == VAJRA_OK && i < batch->count; i++) {
        const VajraDocument *d = &batch->docs[i];
        if (upsert) {
            StagedDoc *old = g_hash_table_lookup(c->staged_ids, d->id);
            if (old != NULL)
                drop_staged(c, old);
            if (committed_live(c, s, d->id))
                g_hash_table_add(c->staged_deletes, g_strdup(d->id));
        }
        stage_doc(c, d);
    }
    g_hash_table_unref(seen);
    snapshot_unref(s);
    coll_publish_staged(c);
    pthread_mutex_unlock(&c->write_lock);
    return st;
}

vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch, VajraError *err)
{
    return stage_batch(c, batch, 0, err);
}

vajra_status vajra_collection_upsert(VajraCollection *c, const VajraDocBatch *batch,
                                     VajraError *err)
{
    return stage_batch(c, batch, 1, err);
}

vajra_status vajra_collection_delete(VajraCollection *c, const char *const *ids, size_t count,
                                     VajraError *err)
{
    if (c == NULL || (count > 0 && ids == NULL))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection delete: NULL argument");
    vajra_status st = writable(c, "delete", err);
    if (st != VAJRA_OK || count == 0)
        return st;
    pthread_mutex_lock(&c->write_lock);
    Snapshot *s = coll_pin(c);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; st == VAJRA_OK && i < count; i++) {
        const char *id = ids[i];
        if (id == NULL)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "delete: id %zu is NULL", i);
        else if (!g_hash_table_contains(c->staged_ids, id) && !committed_live(c, s, id))
            st = vajra_error_set(err, VAJRA_ERR_NOT_FOUND,
                                 "delete: no document with id '%s' in collection %s", id,
                                 c->path ? c->path : "(in memory)");
        else if (!g_hash_table_add(seen, (gpointer)id))
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE, "delete: id '%s' given twice", id);
    }
    for (size_t i = 0; st == VAJRA_OK && i < count; i++) {
        StagedDoc *sd = g_hash_table_lookup(c->staged_ids, ids[i]);
        if (sd != NULL)
            drop_staged(c, sd);
        if (committed_live(c, s, ids[i]))
            g_hash_table_add(c->staged_deletes, g_strdup(ids[i]));
    }
    g_hash_table_unref(seen);
    snapshot_unref(s);
    coll_publish_staged(c);
    pthread_mutex_unlock(&c->write_lock);
    return st;
}

/* ---- commit ---- */

/* A copy of view `v` whose live map has `local` cleared (shared maps are never changed). */
static vajra_status kill_doc(SegView *v, uint32_t local, VajraError *err)
{
    if (v->live == NULL || g_atomic_int_get(&v->live->refs) > 1) {
        LiveMap *m = livemap_new(v->seg->n, 1);
        if (m == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for tombstones");
        if (v->live != NULL) {
            memcpy(m->words, v->live->words, ((size_t)v->seg->n + 63) / 64 * sizeof(uint64_t));
            m->filter.passing = v->live->filter.passing;
            livemap_unref(v->live);
        }
        v->live = m;
    }
    uint64_t bit = UINT64_C(1) << (local & 63);
    if (v->live->words[local >> 6] & bit) {
        v->live->words[local >> 6] &= ~bit;
        v->live->filter.passing--;
    }
    return VAJRA_OK;
}

/* A snapshot like `s` with its own references to every segment and live map. */
static Snapshot *snapshot_copy(const Snapshot *s, uint32_t extra)
{
    Snapshot *n = snapshot_new(s->nseg + extra);
    if (n == NULL)
        return NULL;
    n->nseg = s->nseg;
    for (uint32_t i = 0; i < s->nseg; i++) {
        n->segs[i].seg = segment_ref(s->segs[i].seg);
        n->segs[i].live = livemap_ref(s->segs[i].live);
    }
    n->generation = s->generation;
    return n;
}

/* Drop segments whose documents are all deleted: nothing of them can be found any more. */
static void drop_dead_segments(Snapshot *s)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < s->nseg; i++) {
        SegView *v = &s->segs[i];
        if (v->live != NULL && v->live->filter.passing == 0) {
            segment_unref(v->seg);
            livemap_unref(v->live);
            continue;
        }
        s->segs[w++] = *v;
    }
    s->nseg = w;
}

/* Save (when file-backed) and publish `next`; on error `next` is freed and nothing changes.
 * Caller holds write_lock. */
static vajra_status publish(VajraCollection *c, Snapshot *next, VajraError *err)
{
    snapshot_finish(next);
    if (c->file_backed) {
        vajra_status st = coll_save_snapshot(c, next, c->path, c->storage_name, err);
        if (st != VAJRA_OK) {
            snapshot_unref(next);
            return st;
        }
    }
    coll_publish(c, next);
    return VAJRA_OK;
}

vajra_status vajra_collection_commit(VajraCollection *c, VajraError *err)
{
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "collection commit: NULL");
    if (!c->writable)
        return VAJRA_OK; /* nothing can be staged: idempotent as before */
    pthread_mutex_lock(&c->write_lock);
    if (c->staged->len == 0 && g_hash_table_size(c->staged_deletes) == 0) {
        pthread_mutex_unlock(&c->write_lock);
        return VAJRA_OK;
    }
    Snapshot *cur = coll_pin(c);
    Snapshot *next = snapshot_copy(cur, 1);
    vajra_status st = next ? VAJRA_OK
                           : vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "commit: out of memory");
    /* Tombstones for the committed documents deleted or replaced. */
    GHashTableIter it;
    gpointer key;
    if (st == VAJRA_OK)
        g_hash_table_iter_init(&it, c->staged_deletes);
    while (st == VAJRA_OK && g_hash_table_iter_next(&it, &key, NULL)) {
        uint32_t local = 0;
        const SegView *v = snapshot_lookup(c, next, key, &local);
        if (v != NULL)
            st = kill_doc(&next->segs[v - next->segs], local, err);
    }
    /* The new segment. */
    if (st == VAJRA_OK && c->staged_live > 0) {
        VajraDocument *docs = g_new0(VajraDocument, c->staged_live);
        size_t n = 0;
        for (guint i = 0; i < c->staged->len; i++) {
            const StagedDoc *sd = g_ptr_array_index(c->staged, i);
            if (!sd->dropped)
                docs[n++] = (VajraDocument){sd->id, sd->title, sd->text, sd->vector, c->dim,
                                            sd->attrs};
        }
        /* An embedder makes the vectors now (training the model on the first batch). */
        float *rows = NULL;
        if (c->embedder_name != NULL) {
            st = coll_embed_docs(c, docs, n, &rows, err);
            for (size_t i = 0; st == VAJRA_OK && i < n; i++)
                docs[i].vector = rows + i * c->dim;
        }
        Segment *seg = NULL;
        if (st == VAJRA_OK)
            st = segment_build(c, docs, n, &c->vparams, c->vkv, c->n_vkv, c->threads, &seg,
                               err);
        g_free(rows);
        g_free(docs);
        if (st == VAJRA_OK)
            next->segs[next->nseg++] = (SegView){.seg = seg};
    }
    if (st == VAJRA_OK) {
        drop_dead_segments(next);
        next->generation = cur->generation + 1;
        st = publish(c, next, err);
        next = NULL;
    }
    if (st == VAJRA_OK)
        coll_staged_clear(c);
    snapshot_unref(next);
    snapshot_unref(cur);
    coll_publish_staged(c);
    pthread_mutex_unlock(&c->write_lock);
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "commit");
    return st;
}

/* ---- compaction and promotion ---- */

static char *row_json(const VajraAttrStore *store, uint32_t row)
{
    size_t len = vajra_attrs_row_json(store, row, NULL, 0);
    char *buf = g_malloc(len + 1);
    vajra_attrs_row_json(store, row, buf, len + 1);
    return buf;
}

/* Free what gather_live made (the attribute texts and the vector copies are its own). */
static void free_docs(VajraDocument *docs, size_t n, float *vecs)
{
    g_free(vecs);
    for (size_t i = 0; docs != NULL && i < n; i++)
        g_free((char *)docs[i].attrs);
    g_free(docs);
}

/* The live documents of `s`, in snapshot order, as documents pointing into its segments
 * (the stored vectors, unit length under cosine: copied into *vecs, or borrowed through the
 * graph accessor from a plugin without get_vector). */
static vajra_status gather_live(VajraCollection *c, const Snapshot *s, VajraDocument **out,
                                size_t *n_out, float **vecs, VajraError *err)
{
    VajraDocument *docs = g_new0(VajraDocument, s->live ? s->live : 1);
    size_t n = 0;
    vajra_status st = VAJRA_OK;
    for (uint32_t i = 0; st == VAJRA_OK && i < s->nseg; i++) {
        const SegView *v = &s->segs[i];
        const Segment *seg = v->seg;
        if (!seg->has_texts) {
            st = vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                                 "segment %u was written by format 1 without document texts: "
                                 "re-index to compact",
                                 i);
            break;
        }
        /* Vectors: copied out with get_vector (version 3), else borrowed from the graph. */
        VajraHnswGraph g = {.struct_size = sizeof g};
        int copy = seg->vec != NULL && VAJRA_VECTOR_HAS(c->vvt, 3, get_vector);
        if (seg->vec != NULL && !copy) {
            st = vajra_vector_graph(c->vvt, seg->vec, &g, err);
            if (st == VAJRA_ERR_UNSUPPORTED)
                vajra_error_set(err, st, "vector plugin %s cannot hand out its vectors",
                                c->vector_name);
        }
        if (copy && *vecs == NULL) {
            *vecs = g_try_malloc((size_t)s->live * c->dim * sizeof **vecs + 1);
            if (*vecs == NULL)
                st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %u vectors",
                                     s->live);
        }
        for (uint32_t d = 0; st == VAJRA_OK && d < seg->n; d++) {
            if (!segview_live(v, d))
                continue;
            const float *row = NULL;
            if (copy) {
                float *dst = *vecs + n * c->dim;
                if ((st = c->vvt->get_vector(seg->vec, d, dst, err)) != VAJRA_OK)
                    break;
                row = dst;
            } else if (seg->vec != NULL) {
                row = g.vector(g.self, d);
            }
            docs[n++] = (VajraDocument){
                .id = c->lvt->doc_id(seg->lex, d),
                .title = strtab_get(&seg->titles, d),
                .text = strtab_get(&seg->texts, d),
                .vector = row,
                .dim = c->dim,
                .attrs = seg->attrs ? row_json(seg->attrs, d) : NULL, /* owned: see free_docs */
            };
        }
    }
    if (st != VAJRA_OK) {
        free_docs(docs, n, *vecs);
        *vecs = NULL;
        return st;
    }
    *out = docs;
    *n_out = n;
    return VAJRA_OK;
}

static int snapshot_holds(const Snapshot *s, const Segment *seg, const SegView **view)
{
    for (uint32_t i = 0; i < s->nseg; i++)
        if (s->segs[i].seg == seg) {
            *view = &s->segs[i];
            return 1;
        }
    return 0;
}

/* Swap the merged segment in for the segments of `base` (consecutive in the snapshot it was
 * taken from), keeping everything committed since: the merged segment takes the place of the
 * first of them still present. Caller holds write_lock. */
static vajra_status swap_merged(VajraCollection *c, const Snapshot *base, Segment *merged,
                                VajraError *err)
{
    Snapshot *cur = coll_pin(c);
    Snapshot *next = snapshot_new(cur->nseg + 1);
    vajra_status st = next ? VAJRA_OK
                           : vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "compact: out of memory");
    if (next != NULL)
        next->nseg = 0; /* filled below */
    SegView mv = {.seg = segment_ref(merged)};
    if (st == VAJRA_OK && merged != NULL) {
        /* Documents of the merged segment deleted while it was being built. */
        uint32_t m = 0;
        for (uint32_t i = 0; st == VAJRA_OK && i < base->nseg; i++) {
            const SegView *old = &base->segs[i], *now = NULL;
            int present = snapshot_holds(cur, old->seg, &now);
            for (uint32_t d = 0; st == VAJRA_OK && d < old->seg->n; d++) {
                if (!segview_live(old, d))
                    continue;
                if (!present || !segview_live(now, d))
                    st = kill_doc(&mv, m, err);
                m++;
            }
        }
    }
    int placed = merged == NULL;
    for (uint32_t i = 0; st == VAJRA_OK && i < cur->nseg; i++) {
        const SegView *v = NULL;
        if (snapshot_holds(base, cur->segs[i].seg, &v)) {
            if (!placed) {
                next->segs[next->nseg++] = mv;
                mv = (SegView){0};
                placed = 1;
            }
            continue;
        }
        next->segs[next->nseg++] = (SegView){segment_ref(cur->segs[i].seg),
                                             livemap_ref(cur->segs[i].live), 0};
    }
    /* Every merged segment was dropped meanwhile (all deleted): so is everything in M. */
    segment_unref(mv.seg);
    livemap_unref(mv.live);
    if (st == VAJRA_OK) {
        drop_dead_segments(next);
        next->generation = cur->generation + 1;
        st = publish(c, next, err);
        next = NULL;
    }
    snapshot_unref(next);
    snapshot_unref(cur);
    return st;
}

/* The segments to merge: all of them, or — with max_segments — the consecutive run of
 * nseg - max + 1 segments holding the fewest live documents (merging the small ones keeps the
 * work per document logarithmic, as a tiered policy does). Returns a snapshot of just those. */
static Snapshot *choose_run(const Snapshot *full, uint32_t max_segments)
{
    uint32_t first = 0, len = full->nseg;
    if (max_segments > 0) {
        if (full->nseg <= max_segments)
            len = 0;
        else {
            len = full->nseg - max_segments + 1;
            uint64_t best = UINT64_MAX;
            for (uint32_t a = 0; a + len <= full->nseg; a++) {
                uint64_t live = 0;
                for (uint32_t i = a; i < a + len; i++)
                    live += full->segs[i].live ? full->segs[i].live->filter.passing
                                               : full->segs[i].seg->n;
                if (live < best) {
                    best = live;
                    first = a;
                }
            }
        }
    }
    Snapshot *run = snapshot_new(len);
    if (run == NULL)
        return NULL;
    for (uint32_t i = 0; i < len; i++) {
        run->segs[i].seg = segment_ref(full->segs[first + i].seg);
        run->segs[i].live = livemap_ref(full->segs[first + i].live);
    }
    snapshot_finish(run);
    return run;
}

/* The keys a promote's vector_params may not carry: VajraCompactOptions has fields for them (two
 * ways to say one thing would need a precedence rule, and "profile" would leave c->profile
 * naming the wrong one). */
static const char *const promote_fields[] = {"profile", "M", "ef_construction", "ef_search"};

/* The parameters of a promoted index: every current key kept (storage, rerank, seed, …) with
 * the graph numbers replaced by the promoted ones and the caller's `extra` keys last (replacing
 * the current ones of the same name, so no plugin has to pick among duplicates), settled through
 * the plugin's create_kv. (A version-1 create from VajraVectorParams would silently drop keys it
 * has no field for, e.g. a quantised storage.) */
static vajra_status promote_settle(VajraCollection *c, int graph, VajraVectorParams *params,
                                   const VajraKeyValue *extra, size_t n_extra,
                                   VajraKeyValue **kv, size_t *n_kv, VajraError *err)
{
    if (!VAJRA_VECTOR_HAS(c->vvt, 3, create_kv))
        return coll_vector_settle(c, NULL, 0, params, params, kv, n_kv, err);
    char num[3][16];
    snprintf(num[0], sizeof num[0], "%u", params->M);
    snprintf(num[1], sizeof num[1], "%u", params->ef_construction);
    snprintf(num[2], sizeof num[2], "%u", params->ef_search);
    VajraKeyValue *in = g_new0(VajraKeyValue, *n_kv + 3 + n_extra);
    size_t n = 0;
    for (size_t i = 0; i < *n_kv; i++) {
        int skip = 0;
        for (size_t r = 0; r < G_N_ELEMENTS(promote_fields); r++)
            skip |= graph && strcmp((*kv)[i].key, promote_fields[r]) == 0;
        for (size_t e = 0; e < n_extra; e++)
            skip |= strcmp((*kv)[i].key, extra[e].key) == 0;
        if (!skip)
            in[n++] = (*kv)[i];
    }
    if (graph) { /* without profiles the current keys hold the plugin's own numbers */
        in[n++] = (VajraKeyValue){"M", num[0]};
        in[n++] = (VajraKeyValue){"ef_construction", num[1]};
        in[n++] = (VajraKeyValue){"ef_search", num[2]};
    }
    for (size_t e = 0; e < n_extra; e++)
        in[n++] = extra[e];
    /* settle replaces *kv: hand it a copy so `in` never points into freed strings */
    size_t m = 0;
    VajraKeyValue *keep = coll_kv_copy(in, n, &m);
    g_free(in);
    vajra_status st = coll_vector_settle(c, keep, m, NULL, params, kv, n_kv, err);
    coll_kv_free(keep, m);
    return st;
}

/* The caller's extra vector keys, checked before anything is locked or built: compact refuses
 * them (a rebuild with the old keys would silently ignore them), a plugin without create_kv has
 * no way to take them, and (with profiles) the keys with their own option field are refused.
 * The values are the plugin's to check (promote_settle). */
static vajra_status check_extra_keys(const VajraCollection *c, const VajraCompactOptions *o,
                                     int promote, VajraError *err)
{
    const char *verb = promote ? "promote" : "compact";
    if (o->n_vector_params == 0)
        return VAJRA_OK;
    if (!promote)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "compact: vector_params need promote");
    if (o->vector_params == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: vector_params is NULL",
                               verb);
    if (!VAJRA_VECTOR_HAS(c->vvt, 3, create_kv))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "%s: the vector plugin %s takes no build keys (no create_kv); "
                               "vector_params must be empty",
                               verb, c->vector_name);
    for (size_t i = 0; i < o->n_vector_params; i++) {
        const VajraKeyValue *e = &o->vector_params[i];
        if (e->key == NULL || e->value == NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "%s: vector parameter %zu has a NULL key or value", verb, i);
        for (size_t r = 0; c->vvt->profile != NULL && r < G_N_ELEMENTS(promote_fields); r++)
            if (strcmp(e->key, promote_fields[r]) == 0)
                return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                       "%s: vector parameter \"%s\" has its own option "
                                       "(VajraCompactOptions.%s; vajra promote --%s)",
                                       verb, e->key, e->key,
                                       r == 2   ? "ef-construction"
                                       : r == 3 ? "ef-search"
                                                : e->key);
    }
    return VAJRA_OK;
}

static vajra_status rebuild(VajraCollection *c, const VajraCompactOptions *opts, int promote,
                            VajraError *err)
{
    const char *verb = promote ? "promote" : "compact";
    if (c == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: NULL collection", verb);
    if (opts != NULL && opts->struct_size < sizeof(uint32_t) * 2)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "%s: bad options struct_size",
                               verb);
    VajraCompactOptions o = {.struct_size = sizeof o};
    if (opts != NULL)
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
    vajra_status st = writable(c, verb, err);
    if (st != VAJRA_OK)
        return st;
    if (promote && c->dim == 0)
        return vajra_error_set(err, VAJRA_ERR_STATE, "promote: this collection has no vectors");
    st = check_extra_keys(c, &o, promote, err);
    if (st != VAJRA_OK)
        return st;
    pthread_mutex_lock(&c->compact_lock);
    VajraVectorParams params = {0};
    char *profile = NULL;
    VajraKeyValue *kv = NULL;
    size_t n_kv = 0;
    pthread_mutex_lock(&c->write_lock);
    params = c->vparams;
    profile = g_strdup(c->profile);
    kv = coll_kv_copy(c->vkv, c->n_vkv, &n_kv);
    pthread_mutex_unlock(&c->write_lock);
    /* A plugin without profiles (vector-flat, vector-ivf) promotes through its keys alone. */
    const int graph = promote && c->vvt->profile != NULL && c->vvt->create != NULL;
    const int numbers = o.profile != NULL || o.M || o.ef_construction || o.ef_search;
    if (st == VAJRA_OK && promote && !graph &&
        (numbers || !VAJRA_VECTOR_HAS(c->vvt, 3, create_kv)))
        st = vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                             "the vector plugin %s has no profiles to promote to%s",
                             c->vector_name,
                             VAJRA_VECTOR_HAS(c->vvt, 3, create_kv) ? " (give vector_params)"
                                                                    : "");
    if (st == VAJRA_OK && graph) {
        const char *p = o.profile ? o.profile : profile;
        VajraVectorParams cur = params;
        st = coll_vector_params(c, p, o.M, o.ef_construction, o.ef_search, &params, err);
        if (st == VAJRA_OK && o.profile == NULL) { /* keep the current values not overridden */
            params.M = o.M ? o.M : cur.M;
            params.ef_construction = o.ef_construction ? o.ef_construction : cur.ef_construction;
            params.ef_search = o.ef_search ? o.ef_search : cur.ef_search;
        }
        if (st == VAJRA_OK && o.profile != NULL) {
            g_free(profile);
            profile = g_strdup(o.profile);
        }
    }
    if (st == VAJRA_OK && promote)
        st = promote_settle(c, graph, &params, o.vector_params, o.n_vector_params, &kv, &n_kv,
                            err);
    Snapshot *full = coll_pin(c);
    Snapshot *base = choose_run(full, promote ? 0 : o.max_segments);
    snapshot_unref(full);
    if (base == NULL && st == VAJRA_OK)
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
    if (st == VAJRA_OK && !promote && o.max_segments > 0 && base->nseg == 0) {
        snapshot_unref(base); /* already within the bound: nothing to merge */
        g_free(profile);
        coll_kv_free(kv, n_kv);
        pthread_mutex_unlock(&c->compact_lock);
        return VAJRA_OK;
    }
    VajraDocument *docs = NULL;
    size_t n = 0;
    Segment *merged = NULL;
    float *vecs = NULL;
    if (st == VAJRA_OK)
        st = gather_live(c, base, &docs, &n, &vecs, err);
    /* Built without any lock: readers and the writer go on meanwhile. */
    if (st == VAJRA_OK && n > 0)
        st = segment_build(c, docs, n, &params, kv, n_kv,
                           coll_default_threads(o.threads ? o.threads : c->threads), &merged,
                           err);
    free_docs(docs, n, vecs);
    if (st == VAJRA_OK) {
        pthread_mutex_lock(&c->write_lock);
        /* The new parameters must be in place when swap_merged saves the file. */
        VajraVectorParams old_params = c->vparams;
        char *old_profile = c->profile;
        VajraKeyValue *old_kv = c->vkv;
        size_t old_n_kv = c->n_vkv;
        if (promote) {
            c->vparams = params;
            c->profile = profile;
            c->vkv = kv;
            c->n_vkv = n_kv;
        }
        st = swap_merged(c, base, merged, err);
        if (promote && st != VAJRA_OK) {
            c->vparams = old_params;
            c->profile = old_profile;
            c->vkv = old_kv;
            c->n_vkv = old_n_kv;
        } else if (promote) {
            profile = old_profile; /* freed below */
            kv = old_kv;
            n_kv = old_n_kv;
        }
        pthread_mutex_unlock(&c->write_lock);
    }
    segment_unref(merged);
    snapshot_unref(base);
    g_free(profile);
    coll_kv_free(kv, n_kv);
    pthread_mutex_unlock(&c->compact_lock);
    if (st != VAJRA_OK)
        vajra_error_prefix(err, "%s", verb);
    return st;
}

vajra_status vajra_collection_compact(VajraCollection *c, const VajraCompactOptions *opts,
                                      VajraError *err)
{
    return rebuild(c, opts, 0, err);
}

vajra_status vajra_collection_promote(VajraCollection *c, const VajraCompactOptions *opts,
                                      VajraError *err)
{
    return rebuild(c, opts, 1, err);
}
