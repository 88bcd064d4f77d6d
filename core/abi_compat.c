/* ABI 1.0 compatibility: translating the layouts 1.1 moved (see abi_compat.h). */
#include <string.h>

#include <glib.h>

#include "abi_compat.h"
#include "collection_internal.h"

/* The 1.0 layouts, pinned: these are what a binary built against tests/abi/include-1.0 sees. */
_Static_assert(sizeof(VajraAnalyzerOptions10) == 16, "1.0 analyzer options");
_Static_assert(offsetof(VajraCollectionOptions10, analyzer) == 40, "1.0 collection options");
_Static_assert(offsetof(VajraCollectionOptions10, ignore_title) == 56, "1.0 collection options");
_Static_assert(sizeof(VajraCollectionOptions10) == 104, "1.0 collection options");
_Static_assert(offsetof(VajraLexicalOptions10, scorer) == 24, "1.0 lexical options");
_Static_assert(sizeof(VajraDocument10) == 40, "1.0 document");
_Static_assert(sizeof(VajraCollectionInfo10) == 112, "1.0 collection info");
/* What did not move: the fields before the analyzer, and a document's 1.0 fields. */
_Static_assert(offsetof(VajraCollectionOptions, analyzer) == 40, "collection options prefix");
_Static_assert(offsetof(VajraDocument, dim) == offsetof(VajraDocument10, dim), "document prefix");

static void analyzer_in(const VajraAnalyzerOptions10 *in, VajraAnalyzerOptions *out)
{
    *out = (VajraAnalyzerOptions){.stemmer = in->stemmer,
                                  .keep_stopwords = in->keep_stopwords,
                                  .max_token_length = in->max_token_length,
                                  .repair_utf8 = in->repair_utf8};
}

void abi10_collection_options(const VajraCollectionOptions10 *in, VajraCollectionOptions *out)
{
    *out = (VajraCollectionOptions){.struct_size = sizeof *out,
                                    .lexical_plugin = in->lexical_plugin,
                                    .scorer_plugin = in->scorer_plugin,
                                    .scorer_params = in->scorer_params,
                                    .n_scorer_params = in->n_scorer_params,
                                    .ignore_title = in->ignore_title,
                                    .dim = in->dim,
                                    .metric = in->metric,
                                    .vector_plugin = in->vector_plugin,
                                    .profile = in->profile,
                                    .M = in->M,
                                    .ef_construction = in->ef_construction,
                                    .ef_search = in->ef_search,
                                    .threads = in->threads};
    analyzer_in(&in->analyzer, &out->analyzer);
}

VajraDocument *abi10_documents_in(const VajraDocument10 *docs, size_t n)
{
    if (n == 0)
        return NULL;
    VajraDocument *out = g_new0(VajraDocument, n);
    for (size_t i = 0; i < n; i++)
        out[i] = (VajraDocument){docs[i].id, docs[i].title, docs[i].text, docs[i].vector,
                                 docs[i].dim, NULL};
    return out;
}

void abi10_documents_out(const VajraDocument *docs, size_t n, VajraDocument10 *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (VajraDocument10){docs[i].id, docs[i].title, docs[i].text, docs[i].vector,
                                   docs[i].dim};
}

/* ---- vtable checks ---- */

vajra_status vajra_lexical_vtable_check(const VajraLexicalVtable *vt, VajraError *err)
{
    if (vt == NULL || vt->version < 1)
        return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH, "lexical: vtable version %u",
                               vt ? vt->version : 0);
    /* Version 1's slots, all required (a NULL one would crash its first caller). */
    const struct {
        const char *name;
        int present;
    } slots[] = {
        {"create", vt->create != NULL},       {"free", vt->free != NULL},
        {"add_batch", vt->add_batch != NULL}, {"commit", vt->commit != NULL},
        {"scratch_new", vt->scratch_new != NULL}, {"scratch_free", vt->scratch_free != NULL},
        {"search", vt->search != NULL},       {"analyze", vt->analyze != NULL},
        {"doc_count", vt->doc_count != NULL}, {"doc_length", vt->doc_length != NULL},
        {"postings", vt->postings != NULL},   {"scorer", vt->scorer != NULL},
        {"doc_id", vt->doc_id != NULL},       {"doc_number", vt->doc_number != NULL},
        {"save", vt->save != NULL},           {"load", vt->load != NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(slots); i++)
        if (!slots[i].present)
            return vajra_error_set(err, VAJRA_ERR_ABI_MISMATCH,
                                   "lexical: the required slot %s (vtable version 1) is NULL",
                                   slots[i].name);
    return VAJRA_OK;
}

/* ---- lexical plugins built against 1.0 ---- */

static int lex_is_1_0(const VajraCollection *c)
{
    return vajra_plugin_descriptor(c->lex_plugin)->abi_minor == 0;
}

/* The options as the plugin reads them: *cur, or *old for a 1.0 plugin. */
static vajra_status lex_options(const VajraCollection *c, VajraLexicalOptions *cur,
                                VajraLexicalOptions10 *old, const void **out, VajraError *err)
{
    *cur = (VajraLexicalOptions){.struct_size = sizeof *cur, .analyzer = c->analyzer,
                                 .ignore_title = c->ignore_title, .scorer = c->scorer};
    *out = cur;
    if (!lex_is_1_0(c))
        return VAJRA_OK;
    if (c->analyzer.language != NULL)
        return vajra_error_set(err, VAJRA_ERR_UNSUPPORTED,
                               "lexical plugin %s was built for plugin ABI 1.0, which has no "
                               "analyzer languages (language \"%s\" asked for)",
                               c->lexical_name, c->analyzer.language);
    *old = (VajraLexicalOptions10){.struct_size = sizeof *old,
                                   .analyzer = {c->analyzer.stemmer, c->analyzer.keep_stopwords,
                                                c->analyzer.max_token_length,
                                                c->analyzer.repair_utf8},
                                   .ignore_title = c->ignore_title,
                                   .scorer = c->scorer};
    *out = old;
    return VAJRA_OK;
}

vajra_status coll_lex_create(const VajraCollection *c, VajraLexicalIndex **out, VajraError *err)
{
    VajraLexicalOptions cur;
    VajraLexicalOptions10 old;
    const void *lo = NULL;
    vajra_status st = lex_options(c, &cur, &old, &lo, err);
    return st != VAJRA_OK ? st : c->lvt->create(vajra_plugin_state(c->lex_plugin), lo, out, err);
}

vajra_status coll_lex_load(const VajraCollection *c, const VajraSectionReader *reader,
                           VajraLexicalIndex **out, VajraError *err)
{
    VajraLexicalOptions cur;
    VajraLexicalOptions10 old;
    const void *lo = NULL;
    vajra_status st = lex_options(c, &cur, &old, &lo, err);
    return st != VAJRA_OK ? st
                          : c->lvt->load(vajra_plugin_state(c->lex_plugin), lo, reader, out, err);
}

vajra_status coll_lex_add(const VajraCollection *c, VajraLexicalIndex *index,
                          const VajraDocument *docs, size_t n, VajraError *err)
{
    if (!lex_is_1_0(c)) {
        VajraDocBatch batch = {docs, n};
        return c->lvt->add_batch(index, &batch, err);
    }
    /* A 1.0 plugin walks the array with a 40-byte stride: give it one. */
    VajraDocument10 *old = n > 0 ? g_try_new(VajraDocument10, n) : NULL;
    if (n > 0 && old == NULL)
        return vajra_error_set(err, VAJRA_ERR_NO_MEMORY, "out of memory for %zu documents", n);
    abi10_documents_out(docs, n, old);
    VajraDocBatch batch = {(const VajraDocument *)(const void *)old, n};
    vajra_status st = c->lvt->add_batch(index, &batch, err);
    g_free(old);
    return st;
}

/* ---- the 1.0 entry points whose structs moved (collection.h maps the names for 1.1) ---- */

#undef vajra_collection_add
VAJRA_API vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch,
                                            VajraError *err);
vajra_status vajra_collection_add(VajraCollection *c, const VajraDocBatch *batch, VajraError *err)
{
    if (batch == NULL || (batch->count > 0 && batch->docs == NULL))
        return vajra_collection_add_v1_1(c, batch, err); /* reports the bad argument */
    VajraDocument *docs =
        abi10_documents_in((const VajraDocument10 *)(const void *)batch->docs, batch->count);
    VajraDocBatch b = {docs, batch->count};
    vajra_status st = vajra_collection_add_v1_1(c, &b, err);
    g_free(docs);
    return st;
}

#undef vajra_collection_info
VAJRA_API void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo10 *out);
void vajra_collection_info(const VajraCollection *c, VajraCollectionInfo10 *out)
{
    if (c == NULL || out == NULL)
        return;
    VajraCollectionInfo in = {.struct_size = sizeof in};
    vajra_collection_info_v1_1(c, &in);
    *out = (VajraCollectionInfo10){in.doc_count,      in.dim,           in.metric,
                                   in.lexical_plugin, in.scorer_plugin, in.vector_plugin,
                                   in.profile,        in.vector_params, in.scorer_params,
                                   in.n_scorer_params, in.path,         in.storage_plugin};
}
