/* lexical-bm25: the plugin descriptor, the vtable and the small accessor functions. */
#include "index.h"
#include "vajra/plugin.h"

static uint32_t lex_doc_count(const VajraLexicalIndex *ix)
{
    return ix->committed ? (uint32_t)ix->flat.n_docs : 0;
}

static uint32_t lex_doc_length(const VajraLexicalIndex *ix, uint32_t doc)
{
    return doc < lex_doc_count(ix) ? ix->flat.doc_len[doc] : 0;
}

static void lex_postings(const VajraLexicalIndex *ix, const char *term, VajraPostingsView *out)
{
    *out = (VajraPostingsView){0};
    if (!ix->committed || term == NULL)
        return;
    uint32_t t = lex_term_find(ix, term, strlen(term));
    if (t == UINT32_MAX)
        return;
    uint64_t lo = ix->flat.post_off[t], hi = ix->flat.post_off[t + 1];
    out->docs = ix->flat.post_docs + lo;
    out->tfs = ix->flat.post_tfs + lo;
    out->count = (size_t)(hi - lo);
}

static void lex_term_stats(const VajraLexicalIndex *ix, const char *term, VajraTermStats *out)
{
    *out = (VajraTermStats){0};
    if (ix == NULL || !ix->committed || term == NULL)
        return;
    uint32_t t = lex_term_find(ix, term, strlen(term));
    if (t == UINT32_MAX)
        return;
    out->doc_freq = ix->flat.post_off[t + 1] - ix->flat.post_off[t];
    out->collection_freq = ix->term_cf[t];
}

static void lex_collection_stats(const VajraLexicalIndex *ix, VajraCollectionStats *out)
{
    if (ix != NULL && ix->committed)
        *out = ix->coll;
    else
        vajra_collection_stats_init(out, 0, 0);
}

static const VajraScorer *lex_scorer(const VajraLexicalIndex *ix) { return &ix->scorer; }

static const char *lex_doc_id(const VajraLexicalIndex *ix, uint32_t doc)
{
    return doc < lex_doc_count(ix) ? ix->flat.id_blob + ix->flat.id_off[doc] : NULL;
}

static vajra_status lex_doc_number(const VajraLexicalIndex *ix, const char *id, uint32_t *out,
                                   VajraError *err)
{
    if (ix == NULL || id == NULL || out == NULL)
        return vajra_error_set(err, VAJRA_ERR_INVALID_ARGUMENT, "lexical-bm25: NULL argument");
    const LexFlat *f = &ix->flat;
    uint32_t d = ix->committed ? lex_dict_find(f->id_off, f->id_blob, f->id_hash,
                                               f->id_hash_size, id, strlen(id))
                               : UINT32_MAX;
    if (d == UINT32_MAX)
        return vajra_error_set(err, VAJRA_ERR_NOT_FOUND, "lexical-bm25: no document '%s'", id);
    *out = d;
    return VAJRA_OK;
}

static const VajraLexicalVtable lex_vtable = {
    .version = VAJRA_LEXICAL_VTABLE_VERSION,
    .create = lex_create,
    .free = lex_free,
    .add_batch = lex_add_batch,
    .commit = lex_commit,
    .scratch_new = lex_scratch_new,
    .scratch_free = lex_scratch_free,
    .search = lex_search,
    .analyze = lex_analyze,
    .doc_count = lex_doc_count,
    .doc_length = lex_doc_length,
    .postings = lex_postings,
    .scorer = lex_scorer,
    .doc_id = lex_doc_id,
    .doc_number = lex_doc_number,
    .save = lex_save,
    .load = lex_load,
    .search_filtered = lex_search_filtered,
    .search_stats = lex_search_stats,
    .term_stats = lex_term_stats,
    .collection_stats = lex_collection_stats,
};

static const VajraPluginDescriptor desc = {
    .struct_size = sizeof(VajraPluginDescriptor),
    .abi_major = VAJRA_ABI_MAJOR,
    .abi_minor = VAJRA_ABI_MINOR,
    .kind = VAJRA_PLUGIN_LEXICAL,
    .name = "lexical-bm25",
    .version = "1.0.0",
    .description = "inverted index with Snowball analyzer and exact MaxScore top-k",
    .vtable = &lex_vtable,
};

VAJRA_DEFINE_PLUGIN(desc)
