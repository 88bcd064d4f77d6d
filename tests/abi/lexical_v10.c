/* "lexical-v10": a lexical plugin built against the ABI 1.0 headers (tests/abi/include-1.0), to
 * show today's core still loads and uses a plugin with the older, shorter vtable (version 1: no
 * search_filtered, no search_stats / term_stats / collection_stats) and the 1.0 layouts of
 * VajraLexicalOptions and VajraDocument.
 *
 * A deliberately plain in-memory index: tokens are maximal runs of ASCII letters and digits
 * (other bytes too, so UTF-8 letters stay inside words), lower-cased, no stemming, no stopwords,
 * tokens longer than max_token_length (default 64) dropped — what lexical-bm25 does with
 * stemmer NONE and keep_stopwords on ASCII text. Search is the core's reference (exhaustive
 * BM25 under the collection's scorer), so on ASCII text its hits equal lexical-bm25's.
 * Any other analyzer setting is refused: it also proves the options arrive in the 1.0 layout
 * (the stemmer, keep_stopwords and the scorer are read at their 1.0 offsets). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vajra/lexical.h"
#include "vajra/plugin.h"

#if VAJRA_ABI_MINOR != 0 || VAJRA_LEXICAL_VTABLE_VERSION != 1
#error "lexical_v10.c must be built against tests/abi/include-1.0"
#endif

typedef struct Postings {
    GArray *docs, *tfs; /* uint32_t each */
} Postings;

struct VajraLexicalIndex {
    VajraScorer scorer;
    uint32_t ignore_title, max_len;
    GHashTable *terms;  /* term → Postings* */
    GPtrArray *ids;     /* char* */
    GArray *lengths;    /* uint32_t */
    GHashTable *by_id;  /* id (borrowed from ids) → doc + 1 */
    uint32_t committed; /* documents visible to search */
};

struct VajraLexicalScratch {
    int unused;
};

static void postings_free(gpointer p)
{
    Postings *ps = p;
    g_array_free(ps->docs, TRUE);
    g_array_free(ps->tfs, TRUE);
    g_free(ps);
}

static vajra_status ix_create(void *plugin_state, const VajraLexicalOptions *opts,
                              VajraLexicalIndex **out, VajraError *err)
{
    (void)plugin_state;
    if (opts == NULL || out == NULL || opts->struct_size < sizeof(VajraLexicalOptions) ||
        opts->scorer.vtable == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-v10: bad options (struct_size %u, scorer %s)",
                               opts ? opts->struct_size : 0,
                               opts && opts->scorer.vtable ? "set" : "missing");
    if (opts->analyzer.stemmer != VAJRA_STEMMER_NONE || opts->analyzer.keep_stopwords != 1 ||
        opts->analyzer.max_token_length > 1024)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "lexical-v10: only stemmer none with stopwords kept (got stemmer "
                               "%u, keep_stopwords %u, max_token_length %u)",
                               opts->analyzer.stemmer, opts->analyzer.keep_stopwords,
                               opts->analyzer.max_token_length);
    VajraLexicalIndex *ix = g_new0(VajraLexicalIndex, 1);
    ix->scorer = opts->scorer;
    ix->ignore_title = opts->ignore_title;
    ix->max_len = opts->analyzer.max_token_length ? opts->analyzer.max_token_length : 64;
    ix->terms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, postings_free);
    ix->ids = g_ptr_array_new_with_free_func(g_free);
    ix->lengths = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    ix->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    *out = ix;
    return VAJRA_OK;
}

static void ix_free(VajraLexicalIndex *ix)
{
    if (ix == NULL)
        return;
    g_hash_table_destroy(ix->by_id);
    g_hash_table_destroy(ix->terms);
    g_ptr_array_free(ix->ids, TRUE);
    g_array_free(ix->lengths, TRUE);
    g_free(ix);
}

static int is_word_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch >= 0x80;
}

/* Call fn(term) for each token of text (NULL = none). */
static void tokens(const VajraLexicalIndex *ix, const char *text,
                   void (*fn)(void *user, const char *term), void *user)
{
    for (const char *p = text; p != NULL && *p != '\0';) {
        while (*p != '\0' && !is_word_byte((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p != '\0' && is_word_byte((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || g_utf8_strlen(start, (gssize)len) > (glong)ix->max_len)
            continue;
        char *term = g_ascii_strdown(start, (gssize)len);
        fn(user, term);
        g_free(term);
    }
}

static void count_term(void *user, const char *term)
{
    GHashTable *tf = user;
    gpointer old = g_hash_table_lookup(tf, term);
    g_hash_table_replace(tf, g_strdup(term), GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
}

static vajra_status ix_add_batch(VajraLexicalIndex *ix, const VajraDocBatch *batch,
                                 VajraError *err)
{
    /* All or nothing: check first. The walk over batch->docs uses the 1.0 stride. */
    for (size_t i = 0; i < batch->count; i++) {
        const VajraDocument *d = &batch->docs[i];
        if (d->id == NULL)
            return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                                   "lexical-v10: document %zu has no id", i);
        if (g_hash_table_contains(ix->by_id, d->id))
            return vajra_error_set(err, VAJRA_ERR_DUPLICATE, "lexical-v10: duplicate id '%s'",
                                   d->id);
        if (!g_utf8_validate(d->id, -1, NULL) ||
            (d->title && !g_utf8_validate(d->title, -1, NULL)) ||
            (d->text && !g_utf8_validate(d->text, -1, NULL)))
            return vajra_error_set(err, VAJRA_ERR_ENCODING,
                                   "lexical-v10: document '%s' is not UTF-8", d->id);
    }
    for (size_t i = 0; i < batch->count; i++) {
        const VajraDocument *d = &batch->docs[i];
        uint32_t doc = ix->ids->len;
        GHashTable *tf = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (!ix->ignore_title)
            tokens(ix, d->title, count_term, tf);
        tokens(ix, d->text, count_term, tf);
        uint32_t len = 0;
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, tf);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            Postings *ps = g_hash_table_lookup(ix->terms, k);
            if (ps == NULL) {
                ps = g_new0(Postings, 1);
                ps->docs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
                ps->tfs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
                g_hash_table_insert(ix->terms, g_strdup(k), ps);
            }
            uint32_t n = GPOINTER_TO_UINT(v);
            g_array_append_val(ps->docs, doc);
            g_array_append_val(ps->tfs, n);
            len += n;
        }
        g_hash_table_destroy(tf);
        g_ptr_array_add(ix->ids, g_strdup(d->id));
        g_array_append_val(ix->lengths, len);
        g_hash_table_insert(ix->by_id, g_ptr_array_index(ix->ids, doc), GUINT_TO_POINTER(doc + 1));
    }
    return VAJRA_OK;
}

static vajra_status ix_commit(VajraLexicalIndex *ix, VajraError *err)
{
    (void)err;
    ix->committed = ix->ids->len;
    return VAJRA_OK;
}

static vajra_status ix_scratch_new(const VajraLexicalIndex *ix, VajraLexicalScratch **out,
                                   VajraError *err)
{
    (void)ix;
    (void)err;
    *out = g_new0(VajraLexicalScratch, 1);
    return VAJRA_OK;
}

static void ix_scratch_free(VajraLexicalScratch *s) { g_free(s); }

typedef struct BagSink {
    VajraTermBag *bag;
    vajra_status st;
    VajraError *err;
} BagSink;

static void push_term(void *user, const char *term)
{
    BagSink *s = user;
    if (s->st == VAJRA_OK)
        s->st = vajra_term_bag_push(s->bag, term, strlen(term), s->err);
}

static vajra_status ix_analyze(const VajraLexicalIndex *ix, VajraLexicalScratch *scratch,
                               const char *text, VajraTermBag *out, VajraError *err)
{
    (void)scratch;
    if (text != NULL && !g_utf8_validate(text, -1, NULL))
        return vajra_error_set(err, VAJRA_ERR_ENCODING, "lexical-v10: the text is not UTF-8");
    BagSink s = {out, VAJRA_OK, err};
    tokens(ix, text, push_term, &s);
    return s.st;
}

static const VajraLexicalVtable vtable;

static vajra_status ix_search(const VajraLexicalIndex *ix, VajraLexicalScratch *scratch,
                              const char *query, uint32_t k, VajraHits *out, VajraError *err)
{
    (void)scratch;
    if (ix->committed == 0 && ix->ids->len > 0)
        return vajra_error_set(err, VAJRA_ERR_STATE, "lexical-v10: never committed");
    return vajra_reference_lexical_search(&vtable, ix, &ix->scorer, query, k, out, err);
}

static uint32_t ix_doc_count(const VajraLexicalIndex *ix) { return ix->committed; }

static uint32_t ix_doc_length(const VajraLexicalIndex *ix, uint32_t doc)
{
    return doc < ix->committed ? g_array_index(ix->lengths, uint32_t, doc) : 0;
}

static void ix_postings(const VajraLexicalIndex *ix, const char *term, VajraPostingsView *out)
{
    const Postings *ps = g_hash_table_lookup(ix->terms, term);
    *out = (VajraPostingsView){0};
    if (ps == NULL)
        return;
    size_t n = ps->docs->len; /* only committed documents: they come first */
    while (n > 0 && g_array_index(ps->docs, uint32_t, n - 1) >= ix->committed)
        n--;
    *out = (VajraPostingsView){(const uint32_t *)(void *)ps->docs->data,
                               (const uint32_t *)(void *)ps->tfs->data, n};
}

static const VajraScorer *ix_scorer(const VajraLexicalIndex *ix) { return &ix->scorer; }

static const char *ix_doc_id(const VajraLexicalIndex *ix, uint32_t doc)
{
    return doc < ix->committed ? g_ptr_array_index(ix->ids, doc) : NULL;
}

static vajra_status ix_doc_number(const VajraLexicalIndex *ix, const char *id, uint32_t *out,
                                  VajraError *err)
{
    gpointer v = g_hash_table_lookup(ix->by_id, id);
    if (v == NULL || GPOINTER_TO_UINT(v) - 1 >= ix->committed)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "lexical-v10: no document '%s'", id);
    *out = GPOINTER_TO_UINT(v) - 1;
    return VAJRA_OK;
}

#ifndef V10_NO_SAVE
static vajra_status ix_save(const VajraLexicalIndex *ix, const VajraSectionWriter *w,
                            VajraError *err)
{
    (void)ix;
    (void)w;
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "lexical-v10 does not save");
}
#endif

static vajra_status ix_load(void *plugin_state, const VajraLexicalOptions *opts,
                            const VajraSectionReader *r, VajraLexicalIndex **out, VajraError *err)
{
    (void)plugin_state;
    (void)opts;
    (void)r;
    (void)out;
    return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED, "lexical-v10 does not load");
}

static const VajraLexicalVtable vtable = {
    .version = VAJRA_LEXICAL_VTABLE_VERSION,
    .create = ix_create,
    .free = ix_free,
    .add_batch = ix_add_batch,
    .commit = ix_commit,
    .scratch_new = ix_scratch_new,
    .scratch_free = ix_scratch_free,
    .search = ix_search,
    .analyze = ix_analyze,
    .doc_count = ix_doc_count,
    .doc_length = ix_doc_length,
    .postings = ix_postings,
    .scorer = ix_scorer,
    .doc_id = ix_doc_id,
    .doc_number = ix_doc_number,
#ifndef V10_NO_SAVE
    .save = ix_save,
#endif
    .load = ix_load,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_LEXICAL,
#ifdef V10_NO_SAVE
    .name = "lexical-v10-nosave", /* a required slot missing: refused when a collection loads it */
#else
    .name = "lexical-v10",
#endif
    .version = "1.0.0",
    .description = "test: a lexical plugin built against the ABI 1.0 headers",
    .vtable = &vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
