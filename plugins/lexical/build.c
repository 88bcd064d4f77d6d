/* lexical-bm25: building — create, add_batch (all or nothing), commit (merge pending postings
 * into fresh flat arrays), and the derived per-scorer arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* malloc for n elements of `size`, never 0 bytes, NULL on overflow or failure. */
static void *alloc_array(uint64_t n, size_t size)
{
    if (n > SIZE_MAX / size)
        return NULL;
    return malloc(n ? (size_t)n * size : 1);
}

uint64_t lex_hash_size_for(uint64_t n)
{
    uint64_t size = 8;
    while (size < 2 * n)
        size *= 2;
    return size;
}

vajra_status lex_index_alloc(const VajraAnalyzerOptions *analyzer, uint32_t ignore_title,
                             const VajraScorer *scorer, VajraLexicalIndex **out, VajraError *err)
{
    if (scorer == NULL || scorer->vtable == NULL || scorer->vtable->version < 1 ||
        scorer->vtable->term_weight == NULL || scorer->vtable->score == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: options need a scorer (vtable with term_weight "
                               "and score)");
    VajraAnalyzerOptions resolved;
    vajra_status st = lex_analyzer_options_resolve(analyzer, &resolved, err);
    if (st != VAJRA_OK)
        return st;
    VajraLexicalIndex *ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    ix->analyzer_opts = resolved;
    ix->ignore_title = ignore_title ? 1 : 0;
    ix->scorer = *scorer;
    st = lex_analyzer_init(&ix->analyzer, &resolved, err);
    if (st != VAJRA_OK) {
        free(ix);
        return st;
    }
    *out = ix;
    return VAJRA_OK;
}

vajra_status lex_create(void *plugin_state, const VajraLexicalOptions *opts,
                        VajraLexicalIndex **out, VajraError *err)
{
    (void)plugin_state;
    if (opts == NULL || out == NULL || opts->struct_size < sizeof(VajraLexicalOptions))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: create needs options (struct_size %u)",
                               (unsigned)sizeof(VajraLexicalOptions));
    return lex_index_alloc(&opts->analyzer, opts->ignore_title, &opts->scorer, out, err);
}

static void free_owned(VajraLexicalIndex *ix)
{
    for (size_t i = 0; i < ix->n_owned; i++)
        free(ix->owned[i]);
    ix->n_owned = 0;
}

void lex_free(VajraLexicalIndex *ix)
{
    if (ix == NULL)
        return;
    free_owned(ix);
    free(ix->impact);
    free(ix->term_ub);
    free(ix->blk_off);
    free(ix->blk_last);
    free(ix->blk_max);
    free(ix->term_cf);
    free(ix->blk_max_tf);
    free(ix->blk_min_len);
    lex_analyzer_clear(&ix->analyzer);
    if (ix->term_ids != NULL) {
        g_hash_table_destroy(ix->term_ids);
        g_hash_table_destroy(ix->doc_ids);
        g_ptr_array_free(ix->new_terms, TRUE);
        g_ptr_array_free(ix->new_ids, TRUE);
        g_array_free(ix->new_len, TRUE);
        g_array_free(ix->pending, TRUE);
        g_array_free(ix->term_stamp, TRUE);
        g_array_free(ix->term_slot, TRUE);
    }
    free(ix);
}

/* The build-side tables, created on the first add_batch (from the flat dictionaries when the
 * index was committed or loaded before). */
static void ensure_build_state(VajraLexicalIndex *ix)
{
    if (ix->term_ids != NULL)
        return;
    ix->term_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ix->doc_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ix->new_terms = g_ptr_array_new();
    ix->new_ids = g_ptr_array_new();
    ix->new_len = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    ix->pending = g_array_new(FALSE, FALSE, sizeof(LexPending));
    ix->term_stamp = g_array_new(FALSE, TRUE, sizeof(uint32_t));
    ix->term_slot = g_array_new(FALSE, TRUE, sizeof(uint32_t));
    const LexFlat *f = &ix->flat;
    for (uint64_t t = 0; t < f->n_terms; t++)
        g_hash_table_insert(ix->term_ids, g_strdup(f->term_blob + f->term_off[t]),
                            GUINT_TO_POINTER((guint)(t + 1)));
    for (uint64_t d = 0; d < f->n_docs; d++)
        g_hash_table_insert(ix->doc_ids, g_strdup(f->id_blob + f->id_off[d]),
                            GUINT_TO_POINTER((guint)(d + 1)));
    g_array_set_size(ix->term_stamp, (guint)f->n_terms);
    g_array_set_size(ix->term_slot, (guint)f->n_terms);
}

/* ---- add_batch ---- */

typedef struct AddCtx {
    VajraLexicalIndex *ix;
    uint32_t doc;
    uint32_t length;
    char *key; /* NUL-terminated copy of the term for the hash lookup */
    size_t key_cap;
} AddCtx;

static vajra_status add_term(void *user, const char *term, size_t len, VajraError *err)
{
    AddCtx *c = user;
    VajraLexicalIndex *ix = c->ix;
    if (len + 1 > c->key_cap) {
        char *k = realloc(c->key, len + 64);
        if (k == NULL)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
        c->key = k;
        c->key_cap = len + 64;
    }
    memcpy(c->key, term, len);
    c->key[len] = '\0';
    guint slot = GPOINTER_TO_UINT(g_hash_table_lookup(ix->term_ids, c->key));
    uint32_t id;
    if (slot == 0) {
        uint64_t n_terms = ix->flat.n_terms + ix->new_terms->len;
        if (n_terms >= UINT32_MAX - 1)
            return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: too many terms");
        id = (uint32_t)n_terms;
        char *owned = g_strndup(term, len);
        g_hash_table_insert(ix->term_ids, owned, GUINT_TO_POINTER(id + 1));
        g_ptr_array_add(ix->new_terms, owned);
        g_array_set_size(ix->term_stamp, id + 1);
        g_array_set_size(ix->term_slot, id + 1);
    } else {
        id = slot - 1;
    }
    uint32_t *stamp = &g_array_index(ix->term_stamp, uint32_t, id);
    if (*stamp != c->doc + 1) {
        *stamp = c->doc + 1;
        g_array_index(ix->term_slot, uint32_t, id) = ix->pending->len;
        LexPending p = {id, c->doc, 1};
        g_array_append_val(ix->pending, p);
    } else {
        g_array_index(ix->pending, LexPending, g_array_index(ix->term_slot, uint32_t, id)).tf++;
    }
    c->length++;
    return VAJRA_OK;
}

/* Analyse one field, repairing invalid UTF-8 when asked (validity was checked in phase 1). */
static vajra_status add_field(VajraLexicalIndex *ix, AddCtx *c, const char *text,
                              VajraError *err)
{
    if (text == NULL || text[0] == '\0')
        return VAJRA_OK;
    size_t len = strlen(text);
    if (g_utf8_validate(text, (gssize)len, NULL))
        return lex_analyze_text(&ix->analyzer, text, len, add_term, c, err);
    char *fixed = g_utf8_make_valid(text, (gssize)len);
    vajra_status st = lex_analyze_text(&ix->analyzer, fixed, strlen(fixed), add_term, c, err);
    g_free(fixed);
    return st;
}

static vajra_status check_utf8(const VajraLexicalIndex *ix, const char *id, const char *what,
                               const char *text, VajraError *err)
{
    const char *bad = NULL;
    if (text == NULL || ix->analyzer_opts.repair_utf8 || g_utf8_validate(text, -1, &bad))
        return VAJRA_OK;
    return vajra_error_set(err, VAJRA_ERR_ENCODING,
                           "lexical-bm25: document '%s': invalid UTF-8 in %s at byte %zu", id,
                           what, (size_t)(bad - text));
}

/* Undo a failed batch: forget its ids, terms and postings. */
static void rollback(VajraLexicalIndex *ix, guint ids_before, guint terms_before,
                     guint pending_before)
{
    for (guint i = ids_before; i < ix->new_ids->len; i++)
        g_hash_table_remove(ix->doc_ids, g_ptr_array_index(ix->new_ids, i));
    for (guint i = terms_before; i < ix->new_terms->len; i++)
        g_hash_table_remove(ix->term_ids, g_ptr_array_index(ix->new_terms, i));
    g_ptr_array_set_size(ix->new_ids, ids_before);
    g_ptr_array_set_size(ix->new_terms, terms_before);
    g_array_set_size(ix->new_len, ids_before);
    g_array_set_size(ix->pending, pending_before);
    /* Stamps of the rolled-back documents may remain; those numbers will be reused by the next
     * batch, so clear every stamp that names one of them. */
    uint32_t first = (uint32_t)(ix->flat.n_docs + ids_before) + 1;
    g_array_set_size(ix->term_stamp, (guint)(ix->flat.n_terms + terms_before));
    g_array_set_size(ix->term_slot, (guint)(ix->flat.n_terms + terms_before));
    for (guint t = 0; t < ix->term_stamp->len; t++) {
        uint32_t *s = &g_array_index(ix->term_stamp, uint32_t, t);
        if (*s >= first)
            *s = 0;
    }
}

vajra_status lex_add_batch(VajraLexicalIndex *ix, const VajraDocBatch *batch, VajraError *err)
{
    if (ix == NULL || batch == NULL || (batch->docs == NULL && batch->count > 0))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL batch");
    if (batch->count == 0)
        return VAJRA_OK;
    ensure_build_state(ix);
    lex_analyzer_memo(&ix->analyzer); /* indexing repeats words: skip their stemming */

    /* Phase 1: check everything, change nothing. */
    vajra_status st = VAJRA_OK;
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < batch->count && st == VAJRA_OK; i++) {
        const VajraDocument *d = &batch->docs[i];
        if (d->id == NULL)
            st = vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                 "lexical-bm25: document %zu of the batch has no id", i);
        else if (g_hash_table_contains(ix->doc_ids, d->id))
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE,
                                 "lexical-bm25: document id '%s' is already in the index", d->id);
        else if (!g_hash_table_add(seen, (gpointer)d->id))
            st = vajra_error_set(err, VAJRA_ERR_DUPLICATE,
                                 "lexical-bm25: document id '%s' appears twice in the batch",
                                 d->id);
        if (st == VAJRA_OK && !ix->ignore_title)
            st = check_utf8(ix, d->id, "title", d->title, err);
        if (st == VAJRA_OK)
            st = check_utf8(ix, d->id, "text", d->text, err);
    }
    g_hash_table_destroy(seen);
    if (st != VAJRA_OK)
        return st;
    if (ix->flat.n_docs + ix->new_ids->len + batch->count >= UINT32_MAX)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: too many documents");

    /* Phase 2: apply; only running out of memory can fail now, and that rolls back. */
    guint ids_before = ix->new_ids->len, terms_before = ix->new_terms->len;
    guint pending_before = ix->pending->len;
    AddCtx c = {.ix = ix};
    for (size_t i = 0; i < batch->count && st == VAJRA_OK; i++) {
        const VajraDocument *d = &batch->docs[i];
        c.doc = (uint32_t)(ix->flat.n_docs + ix->new_ids->len);
        c.length = 0;
        char *id = g_strdup(d->id);
        g_hash_table_insert(ix->doc_ids, id, GUINT_TO_POINTER(c.doc + 1));
        g_ptr_array_add(ix->new_ids, id);
        if (!ix->ignore_title)
            st = add_field(ix, &c, d->title, err);
        if (st == VAJRA_OK)
            st = add_field(ix, &c, d->text, err);
        g_array_append_val(ix->new_len, c.length);
    }
    free(c.key);
    if (st != VAJRA_OK) {
        rollback(ix, ids_before, terms_before, pending_before);
        return st;
    }
    for (guint i = ids_before; i < ix->new_len->len; i++)
        ix->pending_length += g_array_index(ix->new_len, uint32_t, i);
    return VAJRA_OK;
}

/* ---- commit ---- */

/* Build an open-addressing table over strings blob + off[i], i < n. */
static void fill_hash(uint32_t *hash, uint64_t size, const uint64_t *off, const char *blob,
                      uint64_t n)
{
    memset(hash, 0, (size_t)size * sizeof *hash);
    uint64_t mask = size - 1;
    for (uint64_t i = 0; i < n; i++) {
        const char *s = blob + off[i];
        uint64_t h = lex_hash(s, (size_t)(off[i + 1] - off[i] - 1)) & mask;
        while (hash[h] != 0)
            h = (h + 1) & mask;
        hash[h] = (uint32_t)(i + 1);
    }
}

/* Concatenate the old strings and the new ones into a fresh blob + offsets. */
static vajra_status merge_strings(const uint64_t *old_off, const char *old_blob, uint64_t n_old,
                                  GPtrArray *added, uint64_t **off_out, char **blob_out,
                                  VajraError *err)
{
    uint64_t old_bytes = n_old ? old_off[n_old] : 0, bytes = old_bytes;
    for (guint i = 0; i < added->len; i++)
        bytes += strlen(g_ptr_array_index(added, i)) + 1;
    uint64_t n = n_old + added->len;
    uint64_t *off = alloc_array(n + 1, sizeof *off);
    char *blob = alloc_array(bytes, 1);
    if (off == NULL || blob == NULL) {
        free(off);
        free(blob);
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    }
    if (n_old)
        memcpy(off, old_off, (size_t)(n_old + 1) * sizeof *off);
    else
        off[0] = 0;
    if (old_bytes)
        memcpy(blob, old_blob, (size_t)old_bytes);
    uint64_t pos = old_bytes;
    for (guint i = 0; i < added->len; i++) {
        const char *s = g_ptr_array_index(added, i);
        size_t len = strlen(s) + 1;
        memcpy(blob + pos, s, len);
        pos += len;
        off[n_old + i + 1] = pos;
    }
    *off_out = off;
    *blob_out = blob;
    return VAJRA_OK;
}

vajra_status lex_commit(VajraLexicalIndex *ix, VajraError *err)
{
    if (ix == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL index");
    if (ix->committed && (ix->term_ids == NULL || ix->new_ids->len == 0))
        return VAJRA_OK;
    ensure_build_state(ix);
    const LexFlat *old = &ix->flat;
    LexFlat f = {0};
    f.n_docs = old->n_docs + ix->new_ids->len;
    f.n_terms = old->n_terms + ix->new_terms->len;
    f.n_postings = old->n_postings + ix->pending->len;
    f.total_length = old->total_length + ix->pending_length;
    f.id_hash_size = lex_hash_size_for(f.n_docs);
    f.term_hash_size = lex_hash_size_for(f.n_terms);

    uint32_t *doc_len = alloc_array(f.n_docs, sizeof *doc_len);
    uint32_t *id_hash = alloc_array(f.id_hash_size, sizeof *id_hash);
    uint32_t *term_hash = alloc_array(f.term_hash_size, sizeof *term_hash);
    uint64_t *post_off = alloc_array(f.n_terms + 1, sizeof *post_off);
    uint64_t *cursor = alloc_array(f.n_terms, sizeof *cursor);
    uint32_t *post_docs = alloc_array(f.n_postings, sizeof *post_docs);
    uint32_t *post_tfs = alloc_array(f.n_postings, sizeof *post_tfs);
    uint64_t *id_off = NULL, *term_off = NULL;
    char *id_blob = NULL, *term_blob = NULL;
    vajra_status st = VAJRA_OK;
    if (!doc_len || !id_hash || !term_hash || !post_off || !cursor || !post_docs || !post_tfs)
        st = vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    if (st == VAJRA_OK)
        st = merge_strings(old->id_off, old->id_blob, old->n_docs, ix->new_ids, &id_off, &id_blob,
                           err);
    if (st == VAJRA_OK)
        st = merge_strings(old->term_off, old->term_blob, old->n_terms, ix->new_terms, &term_off,
                           &term_blob, err);
    if (st != VAJRA_OK) {
        free(doc_len), free(id_hash), free(term_hash), free(post_off), free(cursor);
        free(post_docs), free(post_tfs), free(id_off), free(id_blob), free(term_off);
        free(term_blob);
        return st;
    }

    if (old->n_docs)
        memcpy(doc_len, old->doc_len, (size_t)old->n_docs * sizeof *doc_len);
    if (ix->new_len->len)
        memcpy(doc_len + old->n_docs, ix->new_len->data, ix->new_len->len * sizeof *doc_len);

    /* Postings: each term's old postings, then its pending ones (pending documents are all
     * numbered after every committed one, so each list stays sorted). */
    for (uint64_t t = 0; t < f.n_terms; t++)
        cursor[t] = t < old->n_terms ? old->post_off[t + 1] - old->post_off[t] : 0;
    const LexPending *pend = (const LexPending *)(void *)ix->pending->data;
    for (guint i = 0; i < ix->pending->len; i++)
        cursor[pend[i].term]++;
    post_off[0] = 0;
    for (uint64_t t = 0; t < f.n_terms; t++)
        post_off[t + 1] = post_off[t] + cursor[t];
    for (uint64_t t = 0; t < f.n_terms; t++) {
        uint64_t n_old = t < old->n_terms ? old->post_off[t + 1] - old->post_off[t] : 0;
        if (n_old) {
            memcpy(post_docs + post_off[t], old->post_docs + old->post_off[t], n_old * 4);
            memcpy(post_tfs + post_off[t], old->post_tfs + old->post_off[t], n_old * 4);
        }
        cursor[t] = post_off[t] + n_old;
    }
    for (guint i = 0; i < ix->pending->len; i++) {
        uint64_t pos = cursor[pend[i].term]++;
        post_docs[pos] = pend[i].doc;
        post_tfs[pos] = pend[i].tf;
    }
    free(cursor);
    fill_hash(id_hash, f.id_hash_size, id_off, id_blob, f.n_docs);
    fill_hash(term_hash, f.term_hash_size, term_off, term_blob, f.n_terms);

    free_owned(ix);
    f.doc_len = doc_len, f.id_off = id_off, f.id_blob = id_blob, f.id_hash = id_hash;
    f.term_off = term_off, f.term_blob = term_blob, f.term_hash = term_hash;
    f.post_off = post_off, f.post_docs = post_docs, f.post_tfs = post_tfs;
    void *bufs[] = {doc_len, id_off, id_blob, id_hash, term_off, term_blob, term_hash, post_off,
                    post_docs, post_tfs};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ix->owned[ix->n_owned++] = bufs[i];
    ix->flat = f;

    g_ptr_array_set_size(ix->new_ids, 0);
    g_ptr_array_set_size(ix->new_terms, 0);
    g_array_set_size(ix->new_len, 0);
    g_array_set_size(ix->pending, 0);
    ix->pending_length = 0;
    ix->committed = 1;
    return lex_derive(ix, err);
}

vajra_status lex_derive(VajraLexicalIndex *ix, VajraError *err)
{
    const LexFlat *f = &ix->flat;
    vajra_collection_stats_init(&ix->coll, f->n_docs, f->total_length);
    free(ix->impact);
    free(ix->term_ub);
    free(ix->blk_off);
    free(ix->blk_last);
    free(ix->blk_max);
    free(ix->term_cf);
    free(ix->blk_max_tf);
    free(ix->blk_min_len);
    uint64_t n_blocks = 0;
    for (uint64_t t = 0; t < f->n_terms; t++)
        n_blocks += (f->post_off[t + 1] - f->post_off[t] + LEX_BLOCK - 1) / LEX_BLOCK;
    ix->impact = alloc_array(f->n_postings, sizeof *ix->impact);
    ix->term_ub = alloc_array(f->n_terms, sizeof *ix->term_ub);
    ix->blk_off = alloc_array(f->n_terms + 1, sizeof *ix->blk_off);
    ix->blk_last = alloc_array(n_blocks, sizeof *ix->blk_last);
    ix->blk_max = alloc_array(n_blocks, sizeof *ix->blk_max);
    ix->term_cf = alloc_array(f->n_terms, sizeof *ix->term_cf);
    ix->blk_max_tf = alloc_array(n_blocks, sizeof *ix->blk_max_tf);
    ix->blk_min_len = alloc_array(n_blocks, sizeof *ix->blk_min_len);
    if (!ix->impact || !ix->term_ub || !ix->blk_off || !ix->blk_last || !ix->blk_max ||
        !ix->term_cf || !ix->blk_max_tf || !ix->blk_min_len) {
        ix->committed = 0;
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "lexical-bm25: out of memory");
    }
    const VajraScorerVtable *sv = ix->scorer.vtable;
    const void *inst = ix->scorer.instance;
    for (uint64_t t = 0; t < f->n_terms; t++) {
        uint64_t lo = f->post_off[t], hi = f->post_off[t + 1];
        VajraTermStats ts = {.doc_freq = hi - lo, .collection_freq = 0};
        for (uint64_t p = lo; p < hi; p++)
            ts.collection_freq += f->post_tfs[p];
        ix->term_cf[t] = ts.collection_freq;
        double w = sv->term_weight(inst, &ix->coll, &ts);
        float ub = 0.0f;
        for (uint64_t p = lo; p < hi; p++) {
            float s = sv->score(inst, &ix->coll, w, f->post_tfs[p], f->doc_len[f->post_docs[p]]);
            if (!isfinite(s)) {
                ix->committed = 0;
                return vajra_error_set(err, VAJRA_ERR_BAD_VALUE,
                                       "lexical-bm25: scorer %s gave %g for term '%s'",
                                       ix->scorer.name ? ix->scorer.name : "(unnamed)", (double)s,
                                       f->term_blob + f->term_off[t]);
            }
            ix->impact[p] = s;
            if (s > ub)
                ub = s;
        }
        ix->term_ub[t] = ub;
        /* Block bounds: max(0, max impact) and last document of each LEX_BLOCK postings. */
        uint64_t b = t ? ix->blk_off[t] : (ix->blk_off[0] = 0);
        for (uint64_t p = lo; p < hi; p += LEX_BLOCK, b++) {
            uint64_t e = p + LEX_BLOCK < hi ? p + LEX_BLOCK : hi;
            float bm = 0.0f;
            uint32_t max_tf = 0, min_len = UINT32_MAX;
            for (uint64_t q = p; q < e; q++) {
                bm = ix->impact[q] > bm ? ix->impact[q] : bm;
                uint32_t tf = f->post_tfs[q], len = f->doc_len[f->post_docs[q]];
                max_tf = tf > max_tf ? tf : max_tf;
                min_len = len < min_len ? len : min_len;
            }
            ix->blk_max[b] = bm;
            ix->blk_max_tf[b] = max_tf;
            ix->blk_min_len[b] = min_len;
            ix->blk_last[b] = f->post_docs[e - 1];
        }
        ix->blk_off[t + 1] = b;
    }
    if (f->n_terms == 0)
        ix->blk_off[0] = 0;
    return VAJRA_OK;
}
