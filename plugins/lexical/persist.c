/* lexical-bm25: save and load through sections ("lex.*").
 *
 * The flat arrays are written as they are (see index.h), except the postings' documents and tfs,
 * which are written bit-packed (lex.post.pack, postpack.c). Load validates every count, offset,
 * hash slot and posting before the index trusts any of them, then keeps pointers into the
 * reader's bytes (zero copy) for everything but the packed postings, which it decodes into owned
 * arrays. Impacts and bounds are not saved: they depend on the scorer, which the loader supplies,
 * and are recomputed (one pass over the postings).
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

#define LEX_MAGIC "VJRLEX1"
/* Format 1: every index with language NULL (what all indexes were before languages existed;
 * still written byte for byte). Format 2: the same plus a "lex.lang" section holding the
 * canonical language name (NUL-terminated); a plugin that reads only format 1 refuses it with
 * VAJRA_ERR_VERSION rather than analysing queries in the wrong language. */
#define LEX_FORMAT_VERSION 1u
#define LEX_FORMAT_VERSION_LANG 2u
/* Formats 3 and 4: formats 1 and 2 with the postings bit-packed: "lex.post.pack" replaces
 * "lex.post.docs" and "lex.post.tfs" (lex.post.off is unchanged). What save writes; 1 and 2 still
 * load. A plugin that reads only 1 and 2 refuses them with VAJRA_ERR_VERSION. */
#define LEX_FORMAT_PACKED 3u
#define LEX_FORMAT_PACKED_LANG 4u
#define LEX_LANG_MAX 64
#define LEX_BYTE_ORDER 0x01020304u

typedef struct LexMeta {
    char magic[8];           /* LEX_MAGIC, NUL-padded */
    uint32_t format_version; /* LEX_FORMAT_VERSION */
    uint32_t byte_order;     /* LEX_BYTE_ORDER as the writer stored it */
    uint64_t n_docs, n_terms, n_postings, total_length;
    uint64_t id_blob_len, term_blob_len, id_hash_size, term_hash_size;
    uint32_t stemmer, keep_stopwords, max_token_length, repair_utf8;
    uint32_t ignore_title, reserved[3];
} LexMeta;

vajra_status lex_save(const VajraLexicalIndex *ix, const VajraSectionWriter *w, VajraError *err)
{
    if (ix == NULL || w == NULL || w->write == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL argument");
    if (!ix->committed || (ix->new_ids != NULL && ix->new_ids->len > 0))
        return vajra_error_set(err, VAJRA_ERR_STATE,
                               "lexical-bm25: save needs a commit after the last add_batch");
    const LexFlat *f = &ix->flat;
    LexMeta m;
    memset(&m, 0, sizeof m);
    memcpy(m.magic, LEX_MAGIC, sizeof LEX_MAGIC);
    const char *lang = ix->analyzer_opts.language;
    m.format_version = lang != NULL ? LEX_FORMAT_PACKED_LANG : LEX_FORMAT_PACKED;
    m.byte_order = LEX_BYTE_ORDER;
    m.n_docs = f->n_docs, m.n_terms = f->n_terms, m.n_postings = f->n_postings;
    m.total_length = f->total_length;
    m.id_blob_len = f->id_off[f->n_docs], m.term_blob_len = f->term_off[f->n_terms];
    m.id_hash_size = f->id_hash_size, m.term_hash_size = f->term_hash_size;
    m.stemmer = ix->analyzer_opts.stemmer;
    m.keep_stopwords = ix->analyzer_opts.keep_stopwords;
    m.max_token_length = ix->analyzer_opts.max_token_length;
    m.repair_utf8 = ix->analyzer_opts.repair_utf8;
    m.ignore_title = ix->ignore_title;
    uint8_t *pack = NULL;
    size_t pack_len = 0;
    vajra_status st = lex_pack_postings(f, &pack, &pack_len, err);
    if (st != VAJRA_OK)
        return st;
    struct {
        const char *name;
        const void *data;
        uint64_t len;
    } sec[] = {
        {"lex.meta", &m, sizeof m},
        {"lex.doclen", f->doc_len, f->n_docs * 4},
        {"lex.ids.off", f->id_off, (f->n_docs + 1) * 8},
        {"lex.ids", f->id_blob, m.id_blob_len},
        {"lex.ids.hash", f->id_hash, f->id_hash_size * 4},
        {"lex.terms.off", f->term_off, (f->n_terms + 1) * 8},
        {"lex.terms", f->term_blob, m.term_blob_len},
        {"lex.terms.hash", f->term_hash, f->term_hash_size * 4},
        {"lex.post.off", f->post_off, (f->n_terms + 1) * 8},
        {"lex.post.pack", pack, pack_len},
        {"lex.lang", lang, lang != NULL ? strlen(lang) + 1 : 0},
    };
    for (size_t i = 0; i < sizeof sec / sizeof sec[0] && st == VAJRA_OK; i++) {
        if (sec[i].data == NULL && strcmp(sec[i].name, "lex.lang") == 0)
            continue;
        st = w->write(w->self, sec[i].name, sec[i].data, (size_t)sec[i].len, err);
        if (st != VAJRA_OK)
            vajra_error_prefix(err, "lexical-bm25: saving %s", sec[i].name);
    }
    free(pack);
    return st;
}

/* Find a section of exactly `len` bytes, aligned for `align`. */
static vajra_status need(const VajraSectionReader *r, const char *name, uint64_t len,
                         size_t align, const void **out, VajraError *err)
{
    size_t got = 0;
    const void *data = NULL;
    vajra_status st = r->find(r->self, name, &data, &got, err);
    if (st != VAJRA_OK)
        return vajra_error_prefix(err, "lexical-bm25: loading %s", name);
    if ((uint64_t)got != len)
        return vajra_error_set(err, VAJRA_ERR_CORRUPT,
                               "lexical-bm25: section %s has %zu bytes, expected %llu", name, got,
                               (unsigned long long)len);
    if (len > 0 && (data == NULL || (uintptr_t)data % align != 0))
        return vajra_error_set(err, VAJRA_ERR_CORRUPT, "lexical-bm25: section %s is misaligned",
                               name);
    *out = data;
    return VAJRA_OK;
}

static vajra_status corrupt(VajraError *err, const char *what)
{
    return vajra_error_set(err, VAJRA_ERR_CORRUPT, "lexical-bm25: corrupt index: %s", what);
}

/* Offsets of n NUL-terminated strings (no NUL inside) in a blob. */
static int strings_ok(const uint64_t *off, const char *blob, uint64_t n, uint64_t blob_len)
{
    if (off[0] != 0 || off[n] != blob_len)
        return 0;
    for (uint64_t i = 0; i < n; i++)
        if (off[i + 1] <= off[i] || off[i + 1] > blob_len ||
            memchr(blob + off[i], '\0', (size_t)(off[i + 1] - off[i])) != blob + off[i + 1] - 1)
            return 0; /* exactly one NUL, at the end */
    return 1;
}

/* An open-addressing table: a power of two, entries ≤ n, exactly n used (so one is empty). */
static int hash_ok(const uint32_t *hash, uint64_t size, uint64_t n)
{
    if (size < 8 || (size & (size - 1)) != 0 || size <= n)
        return 0;
    uint64_t used = 0;
    for (uint64_t i = 0; i < size; i++) {
        if (hash[i] > n)
            return 0;
        used += hash[i] != 0;
    }
    return used == n;
}

vajra_status lex_load(void *plugin_state, const VajraLexicalOptions *opts,
                      const VajraSectionReader *r, VajraLexicalIndex **out, VajraError *err)
{
    (void)plugin_state;
    if (opts == NULL || r == NULL || r->find == NULL || out == NULL ||
        opts->struct_size < sizeof(VajraLexicalOptions))
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT,
                               "lexical-bm25: load needs options and a reader");
    const LexMeta *m;
    vajra_status st = need(r, "lex.meta", sizeof(LexMeta), 8, (const void **)&m, err);
    if (st != VAJRA_OK)
        return st;
    if (memcmp(m->magic, LEX_MAGIC, sizeof LEX_MAGIC) != 0)
        return corrupt(err, "bad magic in lex.meta");
    if (m->byte_order != LEX_BYTE_ORDER)
        return corrupt(err, "written with another byte order");
    if (m->format_version < LEX_FORMAT_VERSION || m->format_version > LEX_FORMAT_PACKED_LANG)
        return vajra_error_set(err, VAJRA_ERR_VERSION,
                               "lexical-bm25: index format %u, this plugin reads %u to %u",
                               m->format_version, LEX_FORMAT_VERSION, LEX_FORMAT_PACKED_LANG);
    int packed = m->format_version >= LEX_FORMAT_PACKED;
    const char *lang = NULL;
    if (m->format_version == LEX_FORMAT_VERSION_LANG ||
        m->format_version == LEX_FORMAT_PACKED_LANG) {
        size_t got = 0;
        const void *data = NULL;
        if ((st = r->find(r->self, "lex.lang", &data, &got, err)) != VAJRA_OK)
            return vajra_error_prefix(err, "lexical-bm25: loading lex.lang");
        if (got < 2 || got > LEX_LANG_MAX || data == NULL ||
            memchr(data, '\0', got) != (const char *)data + got - 1)
            return corrupt(err, "lex.lang is not a language name");
        lang = data;
    }
    if (m->n_docs >= UINT32_MAX || m->n_terms >= UINT32_MAX || m->n_postings >= (UINT64_C(1) << 40) ||
        m->id_hash_size > (UINT64_C(1) << 34) || m->term_hash_size > (UINT64_C(1) << 34) ||
        m->id_blob_len > (UINT64_C(1) << 40) || m->term_blob_len > (UINT64_C(1) << 40))
        return corrupt(err, "implausible counts");

    LexFlat f = {0};
    f.n_docs = m->n_docs, f.n_terms = m->n_terms, f.n_postings = m->n_postings;
    f.total_length = m->total_length;
    f.id_hash_size = m->id_hash_size, f.term_hash_size = m->term_hash_size;
    struct {
        const char *name;
        uint64_t len;
        size_t align;
        const void **dst;
    } sec[] = {
        {"lex.doclen", f.n_docs * 4, 4, (const void **)&f.doc_len},
        {"lex.ids.off", (f.n_docs + 1) * 8, 8, (const void **)&f.id_off},
        {"lex.ids", m->id_blob_len, 1, (const void **)&f.id_blob},
        {"lex.ids.hash", f.id_hash_size * 4, 4, (const void **)&f.id_hash},
        {"lex.terms.off", (f.n_terms + 1) * 8, 8, (const void **)&f.term_off},
        {"lex.terms", m->term_blob_len, 1, (const void **)&f.term_blob},
        {"lex.terms.hash", f.term_hash_size * 4, 4, (const void **)&f.term_hash},
        {"lex.post.off", (f.n_terms + 1) * 8, 8, (const void **)&f.post_off},
        {"lex.post.docs", f.n_postings * 4, 4, (const void **)&f.post_docs},
        {"lex.post.tfs", f.n_postings * 4, 4, (const void **)&f.post_tfs},
    };
    /* Packed files have no lex.post.docs/.tfs: those two are decoded below instead. */
    for (size_t i = 0; i < sizeof sec / sizeof sec[0] - (packed ? 2 : 0); i++)
        if ((st = need(r, sec[i].name, sec[i].len, sec[i].align, sec[i].dst, err)) != VAJRA_OK)
            return st;

    if (!strings_ok(f.id_off, f.id_blob, f.n_docs, m->id_blob_len))
        return corrupt(err, "document id offsets");
    if (!strings_ok(f.term_off, f.term_blob, f.n_terms, m->term_blob_len))
        return corrupt(err, "term offsets");
    if (!hash_ok(f.id_hash, f.id_hash_size, f.n_docs))
        return corrupt(err, "document id hash");
    if (!hash_ok(f.term_hash, f.term_hash_size, f.n_terms))
        return corrupt(err, "term hash");
    /* Every string must be found at its own position: this rejects duplicate ids or terms and
     * tables that do not index what they claim to. */
    for (uint64_t d = 0; d < f.n_docs; d++)
        if (lex_dict_find(f.id_off, f.id_blob, f.id_hash, f.id_hash_size, f.id_blob + f.id_off[d],
                          (size_t)(f.id_off[d + 1] - f.id_off[d] - 1)) != d)
            return corrupt(err, "document ids do not match their hash (or repeat)");
    for (uint64_t t = 0; t < f.n_terms; t++)
        if (lex_dict_find(f.term_off, f.term_blob, f.term_hash, f.term_hash_size,
                          f.term_blob + f.term_off[t],
                          (size_t)(f.term_off[t + 1] - f.term_off[t] - 1)) != t)
            return corrupt(err, "terms do not match their hash (or repeat)");
    uint64_t total = 0;
    for (uint64_t d = 0; d < f.n_docs; d++)
        total += f.doc_len[d];
    if (total != f.total_length)
        return corrupt(err, "document lengths do not sum to the total");
    if (f.post_off[0] != 0 || f.post_off[f.n_terms] != f.n_postings)
        return corrupt(err, "postings offsets");
    for (uint64_t t = 0; t < f.n_terms; t++)
        if (f.post_off[t + 1] <= f.post_off[t] || f.post_off[t + 1] > f.n_postings)
            return corrupt(err, "postings offsets");
    uint32_t *docs = NULL, *tfs = NULL; /* decoded (owned) postings of a packed file */
    if (packed) {
        const void *pack = NULL;
        size_t pack_len = 0;
        if ((st = r->find(r->self, "lex.post.pack", &pack, &pack_len, err)) != VAJRA_OK)
            return vajra_error_prefix(err, "lexical-bm25: loading lex.post.pack");
        if (pack == NULL && pack_len > 0)
            return corrupt(err, "lex.post.pack has no bytes");
        if ((st = lex_unpack_postings(&f, pack, pack_len, &docs, &tfs, err)) != VAJRA_OK)
            return st;
        f.post_docs = docs, f.post_tfs = tfs; /* every posting checked while decoding */
    }
    for (uint64_t t = 0; t < f.n_terms && !packed; t++) {
        uint64_t lo = f.post_off[t], hi = f.post_off[t + 1];
        for (uint64_t p = lo; p < hi; p++) {
            uint32_t d = f.post_docs[p];
            if (d >= f.n_docs || (p > lo && d <= f.post_docs[p - 1]))
                return corrupt(err, "postings not increasing or out of range");
            if (f.post_tfs[p] == 0 || f.post_tfs[p] > f.doc_len[d])
                return corrupt(err, "term frequency out of range");
        }
    }

    VajraAnalyzerOptions an = {
        .stemmer = m->stemmer,
        .keep_stopwords = m->keep_stopwords,
        .max_token_length = m->max_token_length,
        .repair_utf8 = m->repair_utf8,
        .language = lang,
    };
    VajraAnalyzerOptions resolved;
    VajraLexicalIndex *ix = NULL;
    if (an.max_token_length == 0 || lex_analyzer_options_resolve(&an, &resolved, NULL) != VAJRA_OK)
        st = corrupt(err, "analyzer options");
    /* A saved language is always canonical and never one of the stemmer-value three. */
    else if (lang != NULL && (resolved.language == NULL || strcmp(resolved.language, lang) != 0))
        st = corrupt(err, "lex.lang is not a canonical language name");
    else
        st = lex_index_alloc(&an, m->ignore_title, &opts->scorer, &ix, err);
    if (st != VAJRA_OK) {
        free(docs);
        free(tfs);
        return st;
    }
    if (packed) {
        ix->owned[ix->n_owned++] = docs;
        ix->owned[ix->n_owned++] = tfs;
    }
    ix->flat = f;
    ix->committed = 1;
    if ((st = lex_derive(ix, err)) != VAJRA_OK) {
        lex_free(ix);
        return st;
    }
    *out = ix;
    return VAJRA_OK;
}
