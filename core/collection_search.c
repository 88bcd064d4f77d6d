/* Collections: searching a snapshot. Each segment is searched with its live map as the filter
 * (inside the index when the plugin has the filtered slot; otherwise by asking for k + deleted
 * hits and dropping the deleted, which is exact for exact searches), the per-segment top-k are
 * merged exactly in the canonical order (score desc, snapshot-relative doc asc), and hybrid fuses
 * the two merged sides. The retriever morphisms run the same code one side at a time, so
 * fuse ∘ ⟨lexical ∘ π₀, vector ∘ π₁⟩ stays the reference the one-call search must equal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collection_internal.h"
#include "vajra/fusion.h"

typedef struct SegScratch {
    Segment *seg; /* a reference: the scratch must be freed before the index */
    VajraLexicalScratch *lex;
    /* The last attribute filter compiled for this segment (its canonical text) and its bitmap;
     * `both` is that bitmap AND the live map, what the search gets. */
    char *filter_key;
    uint64_t *filter_words, *both;
    uint32_t filter_passing;
    VajraDocFilter eff;
} SegScratch;

struct VajraSearcher {
    VajraCollection *c;
    GHashTable *scratch;     /* Segment* → SegScratch* */
    VajraVectorSearch *vctx; /* one context serves every index of the plugin */
    VajraHits part, lex, vec, fused;
    const VajraDocFilter **eff; /* per segment of the current search: NULL = every doc passes */
    uint32_t eff_cap;
    GString *key;               /* the request filter's canonical text */
    /* Collection-wide lexical statistics for the current query (several segments, or a
     * caller's from other shards). */
    VajraLexicalStatsBuilder *sb;
    const VajraLexicalIndex **parts;
    uint32_t parts_cap;
    GArray *term_table;        /* VajraLexicalTermStats, from a caller's VajraQueryStats */
    const VajraQueryStats *ext; /* the request's statistics, or NULL */
    float *qvec;               /* a text query embedded by the collection's embedder (dim) */
};

static void seg_scratch_free(gpointer p)
{
    SegScratch *s = p;
    if (s->lex != NULL)
        s->seg->owner->lvt->scratch_free(s->lex);
    g_free(s->filter_key);
    g_free(s->filter_words);
    g_free(s->both);
    segment_unref(s->seg);
    g_free(s);
}

vajra_status vajra_searcher_new(VajraCollection *c, VajraSearcher **out, VajraError *err)
{
    if (c == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "searcher: NULL argument");
    VajraSearcher *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "searcher: out of memory");
    s->c = c;
    s->scratch = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, seg_scratch_free);
    s->key = g_string_new(NULL);
    *out = s;
    return VAJRA_OK;
}

void vajra_searcher_free(VajraSearcher *s)
{
    if (s == NULL)
        return;
    g_hash_table_unref(s->scratch);
    if (s->vctx != NULL)
        s->c->vvt->search_free(s->vctx);
    vajra_hits_clear(&s->part);
    vajra_hits_clear(&s->lex);
    vajra_hits_clear(&s->vec);
    vajra_hits_clear(&s->fused);
    g_free(s->eff);
    g_string_free(s->key, TRUE);
    vajra_lexical_stats_builder_free(s->sb);
    g_free(s->parts);
    g_free(s->qvec);
    if (s->term_table != NULL)
        g_array_unref(s->term_table);
    free(s);
}

/* Forget scratch of segments the snapshot no longer holds (after compactions). */
static void prune_scratch(VajraSearcher *s, const Snapshot *snap)
{
    if (g_hash_table_size(s->scratch) <= 2 * (guint)snap->nseg + 4)
        return;
    GHashTable *keep = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (uint32_t i = 0; i < snap->nseg; i++)
        g_hash_table_add(keep, snap->segs[i].seg);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, s->scratch);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(keep, key))
            g_hash_table_iter_remove(&it);
    g_hash_table_unref(keep);
}

static vajra_status seg_scratch(VajraSearcher *s, Segment *seg, SegScratch **out,
                                VajraError *err)
{
    SegScratch *sc = g_hash_table_lookup(s->scratch, seg);
    if (sc == NULL) {
        sc = g_new0(SegScratch, 1);
        vajra_status st = s->c->lvt->scratch_new(seg->lex, &sc->lex, err);
        if (st != VAJRA_OK) {
            g_free(sc);
            return st;
        }
        sc->seg = segment_ref(seg);
        g_hash_table_insert(s->scratch, seg, sc);
    }
    *out = sc;
    return VAJRA_OK;
}

/* ---- filters: the live map AND the request's attribute filter, per segment ---- */

static int find_id(void *ctx, const char *id, uint32_t *doc)
{
    const Segment *seg = ctx;
    return seg->owner->lvt->doc_number(seg->lex, id, doc, NULL) == VAJRA_OK;
}

/* The request filter compiled for one segment (cached while the same filter text comes back). */
static vajra_status compile_for(VajraSearcher *s, SegScratch *sc, const VajraFilterExpr *expr,
                                VajraError *err)
{
    const Segment *seg = sc->seg;
    if (sc->filter_key != NULL && strcmp(sc->filter_key, s->key->str) == 0)
        return VAJRA_OK;
    size_t words = ((size_t)seg->n + 63) / 64;
    g_free(sc->filter_key);
    sc->filter_key = NULL;
    sc->filter_words = g_realloc(sc->filter_words, (words ? words : 1) * sizeof(uint64_t));
    sc->both = g_realloc(sc->both, (words ? words : 1) * sizeof(uint64_t));
    VajraFilterContext ctx = {.struct_size = sizeof ctx, .attrs = seg->attrs,
                              .schema = s->c->schema, .id_ctx = (void *)seg, .find_id = find_id};
    vajra_status st = vajra_filter_compile(expr, &ctx, seg->n, sc->filter_words,
                                           &sc->filter_passing, err);
    if (st == VAJRA_OK)
        sc->filter_key = g_strdup(s->key->str);
    return st;
}

/* Fill s->eff[i] for every segment of snap: NULL when every document passes. */
static vajra_status prepare_filters(VajraSearcher *s, const Snapshot *snap,
                                    const VajraFilterExpr *expr, VajraError *err)
{
    if (s->eff_cap < snap->nseg) {
        s->eff = g_renew(const VajraDocFilter *, s->eff, snap->nseg);
        s->eff_cap = snap->nseg;
    }
    if (expr != NULL) {
        vajra_status st = vajra_filter_check(expr, s->c->schema, err);
        if (st != VAJRA_OK)
            return st;
        size_t len = vajra_filter_print(expr, NULL, 0);
        g_string_set_size(s->key, len);
        vajra_filter_print(expr, s->key->str, len + 1);
    }
    for (uint32_t i = 0; i < snap->nseg; i++) {
        const SegView *v = &snap->segs[i];
        s->eff[i] = v->live ? &v->live->filter : NULL;
        if (expr == NULL)
            continue;
        SegScratch *sc = NULL;
        vajra_status st = seg_scratch(s, v->seg, &sc, err);
        if (st == VAJRA_OK)
            st = compile_for(s, sc, expr, err);
        if (st != VAJRA_OK)
            return st;
        const uint64_t *words = sc->filter_words;
        uint32_t passing = sc->filter_passing;
        if (v->live != NULL) {
            size_t nw = ((size_t)v->seg->n + 63) / 64;
            for (size_t w = 0; w < nw; w++)
                sc->both[w] = sc->filter_words[w] & v->live->words[w];
            words = sc->both;
            passing = vajra_filter_count(words, v->seg->n);
        }
        sc->eff = (VajraDocFilter){sizeof(VajraDocFilter), v->seg->n, passing, 0, words};
        s->eff[i] = &sc->eff;
    }
    return VAJRA_OK;
}

/* Keep the hits of `part` that pass `f` (NULL = all), shifted by base, appended to `all`; at
 * most k. (With the plugins' filtered slots every hit passes already; this is the fallback's
 * filter and a cheap guarantee.) */
static vajra_status append_passing(const SegView *v, const VajraDocFilter *f,
                                   const VajraHits *part, uint32_t k, VajraHits *all,
                                   VajraError *err)
{
    uint32_t kept = 0;
    for (size_t i = 0; i < part->count && kept < k; i++) {
        if (!vajra_filter_pass(f, part->items[i].doc))
            continue;
        vajra_status st = vajra_hits_push(all, v->base + part->items[i].doc,
                                          part->items[i].score, err);
        if (st != VAJRA_OK)
            return st;
        kept++;
    }
    return VAJRA_OK;
}

static void cut(VajraHits *h, uint32_t k)
{
    vajra_hits_sort(h);
    if (h->count > k)
        h->count = k;
}

static uint32_t failing_count(const SegView *v, const VajraDocFilter *f)
{
    return f ? v->seg->n - f->passing : 0;
}

static uint32_t plus(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Lexical top-k over every segment of `snap`, into out (snapshot-relative numbers). */
static int has_stats_slots(const VajraLexicalVtable *vt)
{
    return vt->version >= 3 && vt->search_stats != NULL && vt->term_stats != NULL &&
           vt->collection_stats != NULL;
}

/* The statistics this query is scored with: the caller's (other shards included), else the sums
 * over the snapshot's segments when there are several (one segment: its own, the fast path).
 * *out NULL = each segment's own. */
static vajra_status query_stats(VajraSearcher *s, const Snapshot *snap, const char *text,
                                VajraLexicalStats *buf, const VajraLexicalStats **out,
                                VajraError *err)
{
    const VajraLexicalVtable *vt = s->c->lvt;
    *out = NULL;
    if ((s->ext == NULL && snap->nseg <= 1) || snap->nseg == 0)
        return VAJRA_OK;
    /* A plugin without the statistics slots (vtable version < 3, e.g. built against ABI 1.0)
     * cannot score as one index over several segments, nor with another collection's
     * statistics: say so rather than rank with each segment's own statistics. */
    if (!has_stats_slots(vt))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "lexical plugin %s (vtable version %u) has no search_stats slot "
                               "(version 3), needed %s; %s",
                               s->c->lexical_name, vt->version,
                               s->ext != NULL ? "to score with statistics from elsewhere"
                                              : "to score several segments as one index",
                               s->ext != NULL ? "search without them"
                                              : "compact the collection to one segment");
    if (s->ext != NULL) {
        const VajraQueryStats *q = s->ext;
        if (q->struct_size < sizeof(VajraQueryStats) || (q->n_terms > 0 && q->terms == NULL))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: bad stats");
        if (s->term_table == NULL)
            s->term_table = g_array_new(FALSE, FALSE, sizeof(VajraLexicalTermStats));
        g_array_set_size(s->term_table, 0);
        for (size_t i = 0; i < q->n_terms; i++) {
            VajraLexicalTermStats t = {q->terms[i], {q->doc_freq[i], q->coll_freq[i]}};
            g_array_append_val(s->term_table, t);
        }
        *buf = (VajraLexicalStats){.struct_size = sizeof *buf,
                                   .terms = (const VajraLexicalTermStats *)(void *)
                                                s->term_table->data,
                                   .n_terms = q->n_terms};
        vajra_collection_stats_init(&buf->collection, q->doc_count, q->total_length);
        *out = buf;
        return VAJRA_OK;
    }
    if (s->sb == NULL) {
        vajra_status st = vajra_lexical_stats_builder_new(&s->sb, err);
        if (st != VAJRA_OK)
            return st;
    }
    if (s->parts_cap < snap->nseg) {
        s->parts = g_renew(const VajraLexicalIndex *, s->parts, snap->nseg);
        s->parts_cap = snap->nseg;
    }
    for (uint32_t i = 0; i < snap->nseg; i++)
        s->parts[i] = snap->segs[i].seg->lex;
    SegScratch *sc = NULL;
    vajra_status st = seg_scratch(s, snap->segs[0].seg, &sc, err);
    if (st == VAJRA_OK)
        st = vajra_lexical_stats_gather(s->sb, vt, s->parts, snap->nseg, sc->lex, text, buf, err);
    if (st == VAJRA_OK)
        *out = buf;
    return st;
}

static vajra_status search_lexical(VajraSearcher *s, const Snapshot *snap, const char *text,
                                   uint32_t k, VajraHits *out, VajraError *err)
{
    const VajraCollection *c = s->c;
    const VajraLexicalVtable *vt = c->lvt;
    int filtered = vt->version >= 2 && vt->search_filtered != NULL;
    out->count = 0;
    VajraLexicalStats buf;
    const VajraLexicalStats *stats = NULL;
    vajra_status qst = query_stats(s, snap, text, &buf, &stats, err);
    if (qst != VAJRA_OK)
        return qst;
    for (uint32_t i = 0; i < snap->nseg; i++) {
        const SegView *v = &snap->segs[i];
        const VajraDocFilter *f = s->eff[i];
        SegScratch *sc = NULL;
        vajra_status st = seg_scratch(s, v->seg, &sc, err);
        if (st == VAJRA_OK) {
            if (f != NULL && f->passing == 0)
                s->part.count = 0;
            else if (stats != NULL) /* collection-wide statistics: scores as one index's */
                st = vt->search_stats(v->seg->lex, sc->lex, text, k, f, stats, &s->part, err);
            else if (f == NULL)
                st = vt->search(v->seg->lex, sc->lex, text, k, &s->part, err);
            else if (filtered)
                st = vt->search_filtered(v->seg->lex, sc->lex, text, k, f, &s->part, err);
            else /* k + failing hits always hold the passing top k */
                st = vt->search(v->seg->lex, sc->lex, text, plus(k, failing_count(v, f)),
                                &s->part, err);
        }
        if (st == VAJRA_OK)
            st = append_passing(v, f, &s->part, k, out, err);
        if (st != VAJRA_OK)
            return st;
    }
    cut(out, k);
    return VAJRA_OK;
}

static vajra_status check_query_vector(const VajraCollection *c, const float *values,
                                       uint32_t dim, VajraError *err)
{
    if (c->dim == 0)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "this collection has no vectors (it was indexed without them)");
    if (values == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "the query vector is NULL");
    if (dim != c->dim)
        return vajra_error_set(err, VAJRA_ERR_DIMENSION,
                               "query vector of dimension %u, the collection has %u", dim,
                               c->dim);
    for (uint32_t j = 0; j < dim; j++)
        if (!isfinite(values[j]))
            return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                   "query vector component %u is not finite", j);
    return VAJRA_OK;
}

static vajra_status search_vector(VajraSearcher *s, const Snapshot *snap,
                                  const VajraVectorQuery *q, uint32_t ef, VajraHits *out,
                                  VajraError *err)
{
    const VajraCollection *c = s->c;
    const VajraVectorVtable *vt = c->vvt;
    vajra_status st = check_query_vector(c, q->values, q->dim, err);
    if (st != VAJRA_OK)
        return st;
    int filtered = vt->version >= 2 && vt->search_filtered != NULL;
    out->count = 0;
    for (uint32_t i = 0; i < snap->nseg; i++) {
        const SegView *v = &snap->segs[i];
        if (s->vctx == NULL) {
            st = vt->search_new(v->seg->vec, &s->vctx, err);
            if (st != VAJRA_OK)
                return st;
        }
        VajraVectorQuery sq = *q;
        const VajraDocFilter *f = s->eff[i];
        if (f != NULL && f->passing == 0) {
            s->part.count = 0;
        } else if (f != NULL && filtered) {
            st = vt->search_filtered(v->seg->vec, s->vctx, q, ef, f, &s->part, err);
        } else {
            uint32_t dead = failing_count(v, f);
            sq.k = plus(q->k, dead);
            if (ef == VAJRA_EF_EXACT) {
                st = vt->search_exact(v->seg->vec, s->vctx, &sq, &s->part, err);
            } else {
                /* Widen an HNSW beam (M != 0) by the deleted count too, so the live answers
                 * keep their quality (the plugin raises ef to k anyway). Other indexes' effort
                 * knobs (IVF's lists probed) do not scale with k: left as given. */
                uint32_t e = ef;
                if (dead > 0) {
                    VajraVectorParams p = {.struct_size = sizeof p};
                    vt->params(v->seg->vec, &p);
                    if (p.M != 0)
                        e = plus(ef ? ef : p.ef_search, dead);
                }
                st = vt->search(v->seg->vec, s->vctx, &sq, e, &s->part, err);
            }
        }
        if (st == VAJRA_OK)
            st = append_passing(v, f, &s->part, q->k, out, err);
        if (st != VAJRA_OK)
            return st;
    }
    cut(out, q->k);
    return VAJRA_OK;
}

/* ---- the one-call search ---- */

void vajra_results_clear(VajraResults *r)
{
    if (r == NULL)
        return;
    free(r->items);
    free(r->text);
    snapshot_unref(r->pin);
    memset(r, 0, sizeof *r);
}

/* Attribute texts of the hits, one after another in r->text (offsets first, then pointers:
 * the buffer may move while it grows). */
static vajra_status fill_attrs(Snapshot *snap, VajraResults *r, VajraError *err)
{
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) {
        used = 0;
        for (size_t i = 0; i < r->count; i++) {
            uint32_t local = 0;
            const SegView *v = snapshot_find(snap, r->items[i].doc, &local);
            size_t room = pass ? r->text_cap - used : 0;
            size_t need = v->seg->attrs ? vajra_attrs_row_json(v->seg->attrs, local,
                                                                pass ? r->text + used : NULL,
                                                                room)
                                        : 2;
            if (pass && v->seg->attrs == NULL)
                memcpy(r->text + used, "{}", 3);
            if (pass)
                r->items[i].attrs = (const char *)(uintptr_t)used; /* offset for now */
            used += need + 1;
        }
        if (!pass && used > r->text_cap) {
            char *p = realloc(r->text, used);
            if (p == NULL)
                return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for attributes");
            r->text = p;
            r->text_cap = used;
        }
    }
    for (size_t i = 0; i < r->count; i++)
        r->items[i].attrs = r->text + (uintptr_t)r->items[i].attrs;
    return VAJRA_OK;
}

static vajra_status fill_results(const VajraCollection *c, Snapshot *snap, const VajraHits *h,
                                 uint32_t with_attrs, VajraResults *r, VajraError *err)
{
    if (r->capacity < h->count) {
        VajraResult *p = realloc(r->items, h->count * sizeof *p);
        if (p == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for results");
        r->items = p;
        r->capacity = h->count;
    }
    for (size_t i = 0; i < h->count; i++) {
        uint32_t local = 0;
        const SegView *v = snapshot_find(snap, h->items[i].doc, &local);
        if (v == NULL)
            return vajra_error_set(err, VAJRA_ERR_INTERNAL, "hit %u outside the snapshot",
                                   h->items[i].doc);
        r->items[i] = (VajraResult){c->lvt->doc_id(v->seg->lex, local),
                                    strtab_get(&v->seg->titles, local), h->items[i].score,
                                    h->items[i].doc, NULL};
    }
    r->count = h->count;
    r->pin = snapshot_ref(snap);
    return with_attrs ? fill_attrs(snap, r, err) : VAJRA_OK;
}

/* A vector or hybrid search with a text and no vector, on a collection with an embedder: the
 * query vector is the text embedded by the collection's model (into the searcher's scratch). */
static vajra_status embed_text_query(VajraSearcher *s, VajraSearchRequest *q, VajraError *err)
{
    const VajraCollection *c = s->c;
    if (c->embedder_name == NULL || q->vector != NULL || q->text == NULL ||
        (q->mode != VAJRA_MODE_VECTOR && q->mode != VAJRA_MODE_HYBRID))
        return VAJRA_OK;
    if (s->qvec == NULL && (s->qvec = g_try_malloc_n(c->dim, sizeof(float))) == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "search: out of memory");
    vajra_status st = coll_embed_query(c, q->text, s->qvec, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "search");
    q->vector = s->qvec;
    q->dim = c->dim;
    return VAJRA_OK;
}

static vajra_status resolve_mode(const VajraSearchRequest *q, uint32_t *mode, VajraError *err)
{
    *mode = q->mode;
    if (*mode == VAJRA_MODE_AUTO) {
        if (q->text != NULL && q->vector != NULL)
            *mode = VAJRA_MODE_HYBRID;
        else if (q->vector != NULL)
            *mode = VAJRA_MODE_VECTOR;
        else if (q->text != NULL)
            *mode = VAJRA_MODE_LEXICAL;
        else
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "search: give a text, a vector or both");
    }
    if (*mode > VAJRA_MODE_HYBRID)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: unknown mode %u", *mode);
    if ((*mode == VAJRA_MODE_LEXICAL || *mode == VAJRA_MODE_HYBRID) && q->text == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "search: this mode needs a text query");
    if ((*mode == VAJRA_MODE_VECTOR || *mode == VAJRA_MODE_HYBRID) && q->vector == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "search: this mode needs a query vector");
    return VAJRA_OK;
}

static vajra_status fuse(VajraSearcher *s, const VajraSearchRequest *q, uint32_t k,
                         VajraError *err)
{
    switch (q->fusion) {
    case VAJRA_FUSE_RRF:
        return vajra_fuse_rrf(&s->lex, &s->vec, q->rrf_k > 0 ? q->rrf_k : VAJRA_RRF_K_DEFAULT, k,
                              &s->fused, err);
    case VAJRA_FUSE_MINMAX:
    case VAJRA_FUSE_ZSCORE: {
        double w = q->weight;
        if (!(w >= 0 && w <= 1))
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "search: weight %g is outside [0, 1]", w);
        if (w == 0)
            w = 0.5;
        return vajra_fuse_convex(&s->lex, &s->vec,
                                 q->fusion == VAJRA_FUSE_MINMAX ? VAJRA_NORM_MINMAX
                                                                : VAJRA_NORM_ZSCORE,
                                 w, 1 - w, k, &s->fused, err);
    }
    }
    return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: unknown fusion %u",
                           q->fusion);
}

vajra_status vajra_searcher_search(VajraSearcher *s, const VajraSearchRequest *q,
                                   VajraResults *results, VajraError *err)
{
    if (s == NULL || q == NULL || results == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "search: NULL argument");
    snapshot_unref(results->pin);
    results->pin = NULL;
    results->count = 0;
    if (q->struct_size < offsetof(VajraSearchRequest, filter))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "search: request struct_size %u is too small", q->struct_size);
    VajraSearchRequest req = {0};
    memcpy(&req, q, q->struct_size < sizeof req ? q->struct_size : sizeof req);
    uint32_t mode = 0;
    vajra_status st = embed_text_query(s, &req, err);
    if (st == VAJRA_OK)
        st = resolve_mode(&req, &mode, err);
    if (st != VAJRA_OK)
        return st;
    uint32_t k = req.k ? req.k : 10;
    uint32_t depth = mode == VAJRA_MODE_HYBRID ? (req.depth ? req.depth
                                                         : (k > VAJRA_HYBRID_DEPTH_DEFAULT
                                                                ? k
                                                                : VAJRA_HYBRID_DEPTH_DEFAULT))
                                               : k;
    Snapshot *snap = coll_pin(s->c);
    prune_scratch(s, snap);
    const VajraHits *answer = NULL;
    s->ext = req.stats;
    st = prepare_filters(s, snap, req.filter, err);
    if (st == VAJRA_OK && mode != VAJRA_MODE_VECTOR) {
        st = search_lexical(s, snap, req.text, depth, &s->lex, err);
        answer = &s->lex;
    }
    if (st == VAJRA_OK && mode != VAJRA_MODE_LEXICAL) {
        VajraVectorQuery vq = {req.vector, req.dim, depth};
        st = search_vector(s, snap, &vq, req.ef, &s->vec, err);
        answer = &s->vec;
    }
    if (st == VAJRA_OK && mode == VAJRA_MODE_HYBRID) {
        st = fuse(s, &req, k, err);
        answer = &s->fused;
    }
    if (st == VAJRA_OK)
        st = fill_results(s->c, snap, answer, req.with_attrs, results, err);
    snapshot_unref(snap);
    if (st != VAJRA_OK) {
        snapshot_unref(results->pin);
        results->pin = NULL;
        results->count = 0;
    }
    return st;
}

vajra_status vajra_collection_search(VajraCollection *c, const VajraSearchRequest *req,
                                     VajraResults *results, VajraError *err)
{
    VajraSearcher *s = NULL;
    vajra_status st = vajra_searcher_new(c, &s, err);
    if (st == VAJRA_OK)
        st = vajra_searcher_search(s, req, results, err);
    vajra_searcher_free(s);
    return st;
}

/* ---- retrievers: the same searches as morphisms ---- */

typedef struct Retriever {
    VajraSearcher *s;
    uint32_t ef;
} Retriever;

static vajra_status lex_apply(void *self, const void *in, void *out, VajraError *err)
{
    const Retriever *r = self;
    const VajraTextQuery *q = in;
    Snapshot *snap = coll_pin(r->s->c);
    r->s->ext = NULL;
    vajra_status st = prepare_filters(r->s, snap, NULL, err);
    if (st == VAJRA_OK)
        st = search_lexical(r->s, snap, q->text ? q->text : "", q->k, out, err);
    snapshot_unref(snap);
    return st;
}

static vajra_status vec_apply(void *self, const void *in, void *out, VajraError *err)
{
    const Retriever *r = self;
    Snapshot *snap = coll_pin(r->s->c);
    vajra_status st = prepare_filters(r->s, snap, NULL, err);
    if (st == VAJRA_OK)
        st = search_vector(r->s, snap, in, r->ef, out, err);
    snapshot_unref(snap);
    return st;
}

static void retriever_destroy(void *self)
{
    Retriever *r = self;
    vajra_searcher_free(r->s);
    free(r);
}

static vajra_status retriever_new(VajraCollection *c, uint32_t ef, Retriever **out,
                                  VajraError *err)
{
    Retriever *r = calloc(1, sizeof *r);
    if (r == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "retriever: out of memory");
    r->ef = ef;
    vajra_status st = vajra_searcher_new(c, &r->s, err);
    if (st != VAJRA_OK) {
        free(r);
        return st;
    }
    *out = r;
    return VAJRA_OK;
}

vajra_status vajra_collection_lexical_retriever(VajraCollection *c, VajraMorphism **out,
                                                VajraError *err)
{
    if (c == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical retriever: NULL");
    *out = NULL;
    Retriever *r = NULL;
    vajra_status st = retriever_new(c, 0, &r, err);
    if (st != VAJRA_OK)
        return st;
    char name[96];
    snprintf(name, sizeof name, "lexical(%s)", c->scorer_name);
    return vajra_morphism_new(name, vajra_type_text_query(), vajra_type_hits(), lex_apply, r,
                              retriever_destroy, out, err);
}

vajra_status vajra_collection_vector_retriever(VajraCollection *c, uint32_t ef,
                                               VajraMorphism **out, VajraError *err)
{
    if (c == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "vector retriever: NULL");
    *out = NULL;
    if (c->dim == 0)
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "vector retriever: this collection has no vectors");
    Retriever *r = NULL;
    vajra_status st = retriever_new(c, ef, &r, err);
    if (st != VAJRA_OK)
        return st;
    char name[96];
    if (ef == VAJRA_EF_EXACT)
        snprintf(name, sizeof name, "vector(exact)");
    else if (ef == 0)
        snprintf(name, sizeof name, "vector(%s)", c->vector_name);
    else
        snprintf(name, sizeof name, "vector(%s,ef=%u)", c->vector_name, ef);
    return vajra_morphism_new(name, vajra_type_vector_query(), vajra_type_hits(), vec_apply, r,
                              retriever_destroy, out, err);
}

vajra_status vajra_collection_hybrid_retriever(VajraCollection *c, VajraMorphism *fuse_m,
                                               uint32_t ef, VajraMorphism **out, VajraError *err)
{
    if (c == NULL || fuse_m == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "hybrid retriever: NULL");
    *out = NULL;
    const VajraType *hq = vajra_type_hybrid_query();
    VajraMorphism *lex = NULL, *vec = NULL, *p0 = NULL, *p1 = NULL, *lex0 = NULL, *vec1 = NULL,
                  *both = NULL;
    /* hybrid = fuse ∘ ⟨lex ∘ π₀, vec ∘ π₁⟩ */
    vajra_status st = vajra_collection_lexical_retriever(c, &lex, err);
    if (st == VAJRA_OK)
        st = vajra_collection_vector_retriever(c, ef, &vec, err);
    if (st == VAJRA_OK)
        st = vajra_projection(hq, 0, &p0, err);
    if (st == VAJRA_OK)
        st = vajra_projection(hq, 1, &p1, err);
    if (st == VAJRA_OK)
        st = vajra_compose(p0, lex, &lex0, err);
    if (st == VAJRA_OK)
        st = vajra_compose(p1, vec, &vec1, err);
    if (st == VAJRA_OK)
        st = vajra_pair(lex0, vec1, &both, err);
    if (st == VAJRA_OK)
        st = vajra_compose(both, fuse_m, out, err);
    VajraMorphism *parts[] = {lex, vec, p0, p1, lex0, vec1, both};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        vajra_morphism_unref(parts[i]);
    return st;
}

/* ---- statistics for summing across collections (shards) ---- */

void vajra_query_stats_clear(VajraQueryStats *q)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < q->n_terms; i++)
        g_free(q->terms[i]);
    g_free(q->terms);
    g_free(q->doc_freq);
    g_free(q->coll_freq);
    uint32_t size = q->struct_size;
    memset(q, 0, sizeof *q);
    q->struct_size = size;
}

vajra_status vajra_collection_query_stats(VajraCollection *c, const char *text,
                                          VajraQueryStats *out, VajraError *err)
{
    if (c == NULL || text == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "query stats: NULL argument");
    const VajraLexicalVtable *vt = c->lvt;
    if (!has_stats_slots(vt))
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "query stats: lexical plugin %s has no statistics slots",
                               c->lexical_name);
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    Snapshot *snap = coll_pin(c);
    /* Analyse with any index of the collection (an empty one when it has no segment yet): the
     * analyzer options are the collection's, so every shard lists the same terms. */
    VajraLexicalIndex *tmp = NULL;
    const VajraLexicalIndex *any = snap->nseg > 0 ? snap->segs[0].seg->lex : NULL;
    VajraLexicalScratch *scratch = NULL;
    VajraTermBag bag = {0};
    vajra_status st = VAJRA_OK;
    if (any == NULL) {
        st = coll_lex_create(c, &tmp, err);
        any = tmp;
    }
    if (st == VAJRA_OK)
        st = vt->scratch_new(any, &scratch, err);
    if (st == VAJRA_OK)
        st = vt->analyze(any, scratch, text, &bag, err);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *terms = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; st == VAJRA_OK && i < bag.count; i++)
        if (g_hash_table_add(seen, bag.terms[i]))
            g_ptr_array_add(terms, g_strdup(bag.terms[i]));
    if (st == VAJRA_OK) {
        out->n_terms = terms->len;
        out->doc_freq = g_new0(uint64_t, terms->len + 1);
        out->coll_freq = g_new0(uint64_t, terms->len + 1);
        for (uint32_t s = 0; s < snap->nseg; s++) {
            const VajraLexicalIndex *ix = snap->segs[s].seg->lex;
            VajraCollectionStats cs;
            vt->collection_stats(ix, &cs);
            out->doc_count += cs.doc_count;
            out->total_length += cs.total_length;
            for (guint t = 0; t < terms->len; t++) {
                VajraTermStats ts = {0};
                vt->term_stats(ix, g_ptr_array_index(terms, t), &ts);
                out->doc_freq[t] += ts.doc_freq;
                out->coll_freq[t] += ts.collection_freq;
            }
        }
        g_ptr_array_add(terms, NULL);
        out->terms = (char **)g_ptr_array_free(terms, FALSE);
        terms = NULL;
    }
    if (terms != NULL)
        g_ptr_array_free(terms, TRUE);
    g_hash_table_unref(seen);
    vajra_term_bag_clear(&bag);
    if (scratch != NULL)
        vt->scratch_free(scratch);
    if (tmp != NULL)
        vt->free(tmp);
    snapshot_unref(snap);
    if (st != VAJRA_OK)
        vajra_query_stats_clear(out);
    return st;
}
