/* Collections: string tables, segments, live maps and snapshots (the immutable parts). */
#include <stdlib.h>
#include <string.h>

#include "collection_internal.h"

/* ---- string tables ---- */

vajra_status strtab_build(StrTab *t, const char *const *strings, size_t n, VajraError *err)
{
    memset(t, 0, sizeof *t);
    size_t blob = 0;
    for (size_t i = 0; i < n; i++)
        blob += strlen(strings[i] ? strings[i] : "") + 1;
    size_t head = sizeof(uint64_t) * (n + 2);
    unsigned char *buf = malloc(head + blob + 1);
    if (buf == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %zu strings", n);
    uint64_t count = n, pos = 0;
    memcpy(buf, &count, sizeof count);
    uint64_t *off = (uint64_t *)(void *)(buf + sizeof(uint64_t));
    char *dst = (char *)buf + head;
    for (size_t i = 0; i < n; i++) {
        const char *s = strings[i] ? strings[i] : "";
        size_t len = strlen(s) + 1;
        off[i] = pos;
        memcpy(dst + pos, s, len);
        pos += len;
    }
    off[n] = pos;
    t->n = n;
    t->off = off;
    t->blob = dst;
    t->owned = buf;
    t->owned_len = head + blob;
    return VAJRA_OK;
}

vajra_status strtab_view(StrTab *t, const void *data, size_t len, uint64_t n, const char *what,
                         VajraError *err)
{
    memset(t, 0, sizeof *t);
    uint64_t count;
    if (len < sizeof count)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: too short", what);
    memcpy(&count, data, sizeof count);
    if (count != n)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: %llu strings for %llu documents",
                               what, (unsigned long long)count, (unsigned long long)n);
    if (n > (len / sizeof(uint64_t)))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: truncated table", what);
    size_t head = sizeof(uint64_t) * ((size_t)n + 2);
    if (len < head)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: truncated table", what);
    const uint64_t *off = (const uint64_t *)data + 1;
    const char *blob = (const char *)data + head;
    uint64_t blob_len = len - head;
    if (off[0] != 0 || off[n] != blob_len)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: offsets do not span the text", what);
    for (uint64_t i = 0; i < n; i++)
        if (off[i + 1] <= off[i] || off[i + 1] > blob_len || blob[off[i + 1] - 1] != '\0')
            return vajra_error_set(err, VAJRA_ERR_CORRUPT, "%s: bad entry %llu", what,
                                   (unsigned long long)i);
    t->n = n;
    t->off = off;
    t->blob = blob;
    return VAJRA_OK;
}

const char *strtab_get(const StrTab *t, uint64_t i)
{
    return i < t->n ? t->blob + t->off[i] : NULL;
}

const void *strtab_bytes(const StrTab *t, size_t *len)
{
    if (t->owned != NULL) {
        *len = t->owned_len;
        return t->owned;
    }
    *len = sizeof(uint64_t) * ((size_t)t->n + 2) + (size_t)t->off[t->n];
    return (const uint64_t *)(const void *)t->off - 1;
}

void strtab_free(StrTab *t)
{
    free(t->owned);
    memset(t, 0, sizeof *t);
}

/* ---- containers ---- */

ContainerRef *container_ref(ContainerRef *r)
{
    if (r != NULL)
        g_atomic_int_inc(&r->refs);
    return r;
}

void container_unref(ContainerRef *r)
{
    if (r == NULL || !g_atomic_int_dec_and_test(&r->refs))
        return;
    if (r->container != NULL)
        r->ops->close(r->container);
    vajra_plugin_unref(r->plugin);
    free(r);
}

/* ---- segments ---- */

Segment *segment_ref(Segment *s)
{
    if (s != NULL)
        g_atomic_int_inc(&s->refs);
    return s;
}

void segment_unref(Segment *s)
{
    if (s == NULL || !g_atomic_int_dec_and_test(&s->refs))
        return;
    if (s->lex != NULL)
        s->owner->lvt->free(s->lex);
    if (s->vec != NULL)
        s->owner->vvt->destroy(s->vec);
    strtab_free(&s->titles);
    strtab_free(&s->texts);
    vajra_attrs_free(s->attrs);
    container_unref(s->container);
    free(s);
}

vajra_status segment_build(VajraCollection *c, const VajraDocument *docs, size_t n,
                           const VajraVectorParams *params, const VajraKeyValue *kv,
                           size_t n_kv, uint32_t threads, Segment **out, VajraError *err)
{
    *out = NULL;
    Segment *s = calloc(1, sizeof *s);
    const char **strings = calloc(n ? n : 1, sizeof *strings);
    float *vectors = NULL;
    if (s == NULL || strings == NULL) {
        free(s);
        free(strings);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory building a segment");
    }
    s->refs = 1;
    s->owner = c;
    s->n = (uint32_t)n;
    s->has_texts = 1;
    VajraLexicalOptions lo = {.struct_size = sizeof lo, .analyzer = c->analyzer,
                              .ignore_title = c->ignore_title, .scorer = c->scorer};
    VajraDocBatch batch = {docs, n};
    vajra_status st = c->lvt->create(vajra_plugin_state(c->lex_plugin), &lo, &s->lex, err);
    if (st == VAJRA_OK)
        st = c->lvt->add_batch(s->lex, &batch, err);
    if (st == VAJRA_OK)
        st = c->lvt->commit(s->lex, err);
    if (st == VAJRA_OK && c->dim > 0) {
        st = coll_vector_new(c, params, kv, n_kv, &s->vec, err);
        size_t dim = c->dim;
        if (st == VAJRA_OK && n > 0) {
            vectors = malloc(n * dim * sizeof *vectors);
            if (vectors == NULL)
                st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %zu vectors",
                                     n);
            for (size_t i = 0; st == VAJRA_OK && i < n; i++)
                memcpy(vectors + i * dim, docs[i].vector, dim * sizeof *vectors);
        }
        uint32_t first = 0;
        if (st == VAJRA_OK && n > 0)
            st = c->vvt->add(s->vec, vectors, c->dim, n, threads, &first, err);
        if (st == VAJRA_OK && first != 0)
            st = vajra_error_set(err, VAJRA_ERR_INTERNAL, "segment vectors start at %u", first);
    }
    for (size_t i = 0; st == VAJRA_OK && i < n; i++)
        strings[i] = docs[i].title;
    if (st == VAJRA_OK)
        st = strtab_build(&s->titles, strings, n, err);
    for (size_t i = 0; st == VAJRA_OK && i < n; i++)
        strings[i] = docs[i].text;
    if (st == VAJRA_OK)
        st = strtab_build(&s->texts, strings, n, err);
    if (st == VAJRA_OK && c->schema != NULL) {
        st = vajra_attrs_new(c->schema, &s->attrs, err);
        for (size_t i = 0; st == VAJRA_OK && i < n; i++) {
            strings[i] = docs[i].attrs;
        }
        if (st == VAJRA_OK) {
            const char **ids = calloc(n ? n : 1, sizeof *ids);
            for (size_t i = 0; ids != NULL && i < n; i++)
                ids[i] = docs[i].id;
            st = ids ? vajra_attrs_append_json(s->attrs, strings, ids, n, 0, err)
                     : vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory");
            free(ids);
        }
    }
    free(strings);
    free(vectors);
    if (st != VAJRA_OK) {
        segment_unref(s);
        return st;
    }
    *out = s;
    return VAJRA_OK;
}

/* ---- live maps ---- */

LiveMap *livemap_new(uint32_t nbits, int all_set)
{
    size_t words = ((size_t)nbits + 63) / 64;
    LiveMap *m = calloc(1, sizeof *m + words * sizeof(uint64_t));
    if (m == NULL)
        return NULL;
    m->refs = 1;
    m->filter = (VajraDocFilter){.struct_size = sizeof(VajraDocFilter), .nbits = nbits,
                                 .passing = all_set ? nbits : 0, .words = m->words};
    if (all_set) {
        memset(m->words, 0xff, words * sizeof(uint64_t));
        if (nbits % 64)
            m->words[words - 1] = (UINT64_C(1) << (nbits % 64)) - 1;
    }
    return m;
}

LiveMap *livemap_ref(LiveMap *m)
{
    if (m != NULL)
        g_atomic_int_inc(&m->refs);
    return m;
}

void livemap_unref(LiveMap *m)
{
    if (m != NULL && g_atomic_int_dec_and_test(&m->refs))
        free(m);
}

/* ---- snapshots ---- */

Snapshot *snapshot_new(uint32_t nseg)
{
    Snapshot *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->segs = calloc(nseg ? nseg : 1, sizeof *s->segs);
    if (s->segs == NULL) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->nseg = nseg;
    return s;
}

void snapshot_finish(Snapshot *s)
{
    uint32_t base = 0, live = 0;
    for (uint32_t i = 0; i < s->nseg; i++) {
        s->segs[i].base = base;
        base += s->segs[i].seg->n;
        live += s->segs[i].live ? s->segs[i].live->filter.passing : s->segs[i].seg->n;
    }
    s->total = base;
    s->live = live;
}

Snapshot *snapshot_ref(Snapshot *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

void snapshot_unref(Snapshot *s)
{
    if (s == NULL || !g_atomic_int_dec_and_test(&s->refs))
        return;
    for (uint32_t i = 0; i < s->nseg; i++) {
        segment_unref(s->segs[i].seg);
        livemap_unref(s->segs[i].live);
    }
    free(s->segs);
    free(s);
}

Snapshot *coll_pin(const VajraCollection *c)
{
    VajraCollection *m = (VajraCollection *)c; /* the lock is not part of the logical state */
    pthread_mutex_lock(&m->snap_lock);
    Snapshot *s = snapshot_ref(m->current);
    pthread_mutex_unlock(&m->snap_lock);
    return s;
}

void coll_publish(VajraCollection *c, Snapshot *s)
{
    pthread_mutex_lock(&c->snap_lock);
    Snapshot *old = c->current;
    c->current = s;
    pthread_mutex_unlock(&c->snap_lock);
    snapshot_unref(old); /* outside the lock: freeing segments may take a while */
}

const SegView *snapshot_find(const Snapshot *s, uint32_t doc, uint32_t *local)
{
    uint32_t lo = 0, hi = s->nseg;
    while (lo < hi) { /* the last segment whose base <= doc */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->segs[mid].base <= doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const SegView *v = &s->segs[lo - 1];
    if (doc - v->base >= v->seg->n)
        return NULL;
    *local = doc - v->base;
    return v;
}

const SegView *snapshot_lookup(const VajraCollection *c, const Snapshot *s, const char *id,
                               uint32_t *local)
{
    /* Newest first: an id deleted in an old segment may be live again in a newer one. */
    for (uint32_t i = s->nseg; i-- > 0;) {
        const SegView *v = &s->segs[i];
        uint32_t d = 0;
        if (c->lvt->doc_number(v->seg->lex, id, &d, NULL) == VAJRA_OK && segview_live(v, d)) {
            *local = d;
            return v;
        }
    }
    return NULL;
}
