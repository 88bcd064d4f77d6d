/* Shared helpers of the 'lexical' suite: load lexical-bm25 and a scorer through the registry,
 * build an index from documents, and a tiny in-memory section store for save/load. */
#ifndef VAJRA_TEST_LEX_FIXTURE_H
#define VAJRA_TEST_LEX_FIXTURE_H

#include <stddef.h>

#include "vajra/io.h"
#include "vajra/lexical.h"
#include "vajra/registry.h"

typedef struct LexFixture {
    VajraRegistry *reg;
    VajraPlugin *lex_plugin;
    const VajraLexicalVtable *vt;
    VajraPlugin *scorer_plugin;
    void *scorer_instance;
    VajraScorer scorer;
} LexFixture;

/* Load lexical-bm25 and `scorer_name` with params; aborts the test (ck_assert) on failure. */
void lex_fixture_open(LexFixture *fx, const char *scorer_name, const VajraParam *params,
                      size_t n_params);
void lex_fixture_close(LexFixture *fx);

/* Create an index with the fixture's scorer and analyzer options (NULL = defaults). */
VajraLexicalIndex *lex_fixture_index(LexFixture *fx, const VajraAnalyzerOptions *an);
/* Create + add `batch` + commit. */
VajraLexicalIndex *lex_fixture_build(LexFixture *fx, const VajraAnalyzerOptions *an,
                                     VajraDocBatch batch);

/* The fast path's hits equal the reference's: same count, documents and order, scores within
 * 1e-5 relative (ck_assert, naming `what` and the query). */
void lex_assert_same_hits(const VajraHits *fast, const VajraHits *ref, const char *what,
                          const char *query);

/* $VAJRA_DATA_DIR/<rel> (a static buffer per call site is not safe: returns g_malloc'd). */
char *lex_data_path(const char *rel);

/* In-memory sections: 64-byte aligned copies, looked up by name. */
typedef struct MemSections MemSections;
MemSections *mem_sections_new(void);
void mem_sections_free(MemSections *m);
VajraSectionWriter mem_sections_writer(MemSections *m);
VajraSectionReader mem_sections_reader(MemSections *m);
/* Concatenate all sections (name, length, bytes) in write order: for byte-equality checks. */
size_t mem_sections_bytes(MemSections *m, unsigned char **out);
/* Mutable access to a section (for corruption tests); NULL if absent. */
void *mem_sections_data(MemSections *m, const char *name, size_t *len);

/* Change a section's length (shorter, or up to its 64-byte padding longer) for corruption tests. */
void mem_sections_set_len(MemSections *m, const char *name, size_t len);
/* Save `ix` as the flat format before packed postings (1, or 2 with a language) wrote it: the
 * saved sections, with lex.meta's format 3/4 turned into 1/2 and lex.post.pack replaced by
 * lex.post.docs + lex.post.tfs (every term's postings, in term order). */
MemSections *lex_fixture_save_flat(LexFixture *fx, VajraLexicalIndex *ix);

#endif
