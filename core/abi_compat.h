/* ABI 1.0 layouts that 1.1 did not merely extend at the end (private to the core).
 *
 * ABI 1.0 is the public headers as of commit 7c3eb22 (a copy lives in tests/abi/include-1.0).
 * Two 1.1 changes moved bytes rather than appending them, so binaries built against 1.0 would
 * read the wrong offsets unless the core translates:
 *   - VajraAnalyzerOptions grew `language`; it is embedded by value (not last) in
 *     VajraCollectionOptions and VajraLexicalOptions, so every field after it moved.
 *   - VajraDocument grew `attrs`; arrays of it (VajraDocBatch) carry no element size, so the
 *     stride changed from 40 to 48 bytes.
 *   - VajraCollectionInfo, which the core fills, gained a leading struct_size (every field moved,
 *     and a 1.0 caller's struct has no size to honour).
 * The core therefore takes 1.0 collection options by their struct_size, keeps the 1.0 entry
 * points for document arrays and for the collection info under their old names (collection.h
 * and io.h map the names to the 1.1 ones), and hands ABI 1.0 lexical plugins 1.0 options and 1.0 document arrays. Builds of
 * main between those two points were development snapshots and are not supported.
 */
#ifndef VAJRA_ABI_COMPAT_H
#define VAJRA_ABI_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/collection.h"
#include "vajra/lexical.h"
#include "vajra/types.h"

typedef struct VajraAnalyzerOptions10 {
    uint32_t stemmer, keep_stopwords, max_token_length, repair_utf8;
} VajraAnalyzerOptions10;

typedef struct VajraCollectionOptions10 {
    uint32_t struct_size;
    const char *lexical_plugin;
    const char *scorer_plugin;
    const VajraParam *scorer_params;
    size_t n_scorer_params;
    VajraAnalyzerOptions10 analyzer;
    uint32_t ignore_title;
    uint32_t dim;
    uint32_t metric;
    const char *vector_plugin;
    const char *profile;
    uint32_t M, ef_construction, ef_search;
    uint32_t threads;
} VajraCollectionOptions10;

typedef struct VajraLexicalOptions10 {
    uint32_t struct_size;
    VajraAnalyzerOptions10 analyzer;
    uint32_t ignore_title;
    VajraScorer scorer;
} VajraLexicalOptions10;

typedef struct VajraDocument10 {
    const char *id;
    const char *title;
    const char *text;
    const float *vector;
    uint32_t dim;
} VajraDocument10;

typedef struct VajraCollectionInfo10 {
    uint32_t doc_count;
    uint32_t dim;
    uint32_t metric;
    const char *lexical_plugin, *scorer_plugin, *vector_plugin;
    const char *profile;
    VajraVectorParams vector_params;
    const VajraParam *scorer_params;
    size_t n_scorer_params;
    const char *path;
    const char *storage_plugin;
} VajraCollectionInfo10;

/* Today's options from 1.0 ones (strings borrowed; fields 1.0 lacks are zero). */
void abi10_collection_options(const VajraCollectionOptions10 *in, VajraCollectionOptions *out);

/* 1.0 documents as today's (attrs NULL), in a new array (g_free), or NULL when n is 0. */
VajraDocument *abi10_documents_in(const VajraDocument10 *docs, size_t n);

/* Today's documents as 1.0 ones, into out[0 .. n). */
void abi10_documents_out(const VajraDocument *docs, size_t n, VajraDocument10 *out);

/* The lexical plugin calls whose arguments changed layout: each hands an ABI 1.0 plugin (its
 * descriptor's abi_minor is 0) the 1.0 layout, every other plugin today's. The options are the
 * collection's (analyzer, ignore_title, scorer). Errors: the plugin's; VAJRA_ERR_UNSUPPORTED (a
 * 1.0 plugin and an analyzer language, which 1.0 cannot express); VAJRA_ERR_NO_MEMORY. */
vajra_status coll_lex_create(const VajraCollection *c, VajraLexicalIndex **out, VajraError *err);
vajra_status coll_lex_load(const VajraCollection *c, const VajraSectionReader *reader,
                           VajraLexicalIndex **out, VajraError *err);
vajra_status coll_lex_add(const VajraCollection *c, VajraLexicalIndex *index,
                          const VajraDocument *docs, size_t n, VajraError *err);

#endif /* VAJRA_ABI_COMPAT_H */
