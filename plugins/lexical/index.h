/* lexical-bm25: the index's internal layout, shared by build, search and persistence.
 *
 * Committed state ("flat"): plain arrays that are either owned (built here) or borrowed from a
 * section reader (zero copy after load). The same arrays are the saved sections:
 *
 *   doc_len[N]            tokens per document                      lex.doclen
 *   id_off[N+1], id_blob  external ids, NUL-terminated, concatenated lex.ids.off / lex.ids
 *   id_hash[Hd]           open addressing: slot = number + 1, 0 empty lex.ids.hash
 *   term_off[T+1], term_blob, term_hash[Ht]                        lex.terms.off / lex.terms / lex.terms.hash
 *   post_off[T+1]         postings of term t: [post_off[t], post_off[t+1])  lex.post.off
 *   post_docs[P], post_tfs[P]                                      lex.post.docs / lex.post.tfs
 *
 * Files of formats 3 and 4 save post_docs/post_tfs bit-packed instead (lex.post.pack, see
 * postpack.c); load decodes them into owned arrays, so only formats 1 and 2 borrow them.
 *
 * Derived state (always owned, recomputed at commit and load for the bound scorer):
 *   impact[P]             the scorer's score of each posting
 *   term_ub[T]            max(0, max impact) of each term: the exact MaxScore bound
 *   blk_off[T+1]          blocks of LEX_BLOCK postings of term t: [blk_off[t], blk_off[t+1])
 *   blk_last[B], blk_max[B]  last document and max(0, max impact) of each block
 *   term_cf[T]            Σ tf of each term (its collection frequency)
 *   blk_max_tf[B], blk_min_len[B]  largest tf and smallest document length in each block: what
 *                         a bound needs that does not depend on statistics, so search_stats can
 *                         bound a block under moved statistics with the scorer's upper_bound
 *
 * Pending state (building): documents added since the last commit.
 */
#ifndef VAJRA_LEX_INDEX_H
#define VAJRA_LEX_INDEX_H

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "analyzer.h"
#include "vajra/lexical.h"

typedef struct LexFlat {
    uint64_t n_docs, n_terms, n_postings, total_length;
    uint64_t id_hash_size, term_hash_size; /* powers of two */
    const uint32_t *doc_len;
    const uint64_t *id_off;
    const char *id_blob;
    const uint32_t *id_hash;
    const uint64_t *term_off;
    const char *term_blob;
    const uint32_t *term_hash;
    const uint64_t *post_off;
    const uint32_t *post_docs;
    const uint32_t *post_tfs;
} LexFlat;

/* Postings per block of the block-max bounds. */
#define LEX_BLOCK 64
/* Postings per bit-packed block of the saved postings (postpack.c). */
#define LEX_PACK_BLOCK 128

/* One posting waiting for commit. */
typedef struct LexPending {
    uint32_t term;
    uint32_t doc;
    uint32_t tf;
} LexPending;

struct VajraLexicalIndex {
    VajraAnalyzerOptions analyzer_opts; /* resolved */
    uint32_t ignore_title;
    VajraScorer scorer;

    LexFlat flat;
    void *owned[16]; /* buffers of `flat` this index allocated (freed at the next commit/free) */
    size_t n_owned;
    int committed;   /* flat is valid */

    float *impact;
    float *term_ub;
    uint64_t *blk_off;
    uint32_t *blk_last;
    float *blk_max;
    uint64_t *term_cf;
    uint32_t *blk_max_tf;
    uint32_t *blk_min_len;
    VajraCollectionStats coll;

    /* ---- building (exclusive access) ---- */
    LexAnalyzer analyzer;
    GHashTable *term_ids; /* term (owned copy) → id + 1, all terms; built lazily */
    GPtrArray *new_terms; /* the owned strings of terms ≥ flat.n_terms, in id order */
    GHashTable *doc_ids;  /* external id (owned copy) → number + 1, all docs; built lazily */
    GPtrArray *new_ids;   /* the owned ids of pending documents, in number order */
    GArray *new_len;      /* uint32 length of each pending document */
    GArray *pending;      /* LexPending, in (doc, first occurrence) order */
    uint64_t pending_length;
    /* Per-document tf counting: term_stamp[t] == doc + 1 when t was seen in doc; term_slot[t]
     * is then its index in `pending`. Sized to the number of terms. */
    GArray *term_stamp;
    GArray *term_slot;
};

/* FNV-1a 64 over bytes: the hash of both dictionaries (part of the file format). */
static inline uint64_t lex_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* Look a string up in a flat dictionary (offsets + blob + hash). Returns the id or UINT32_MAX. */
static inline uint32_t lex_dict_find(const uint64_t *off, const char *blob, const uint32_t *hash,
                                     uint64_t hash_size, const char *s, size_t len)
{
    if (hash_size == 0)
        return UINT32_MAX;
    uint64_t mask = hash_size - 1;
    for (uint64_t i = lex_hash(s, len) & mask;; i = (i + 1) & mask) {
        uint32_t slot = hash[i];
        if (slot == 0)
            return UINT32_MAX;
        uint32_t id = slot - 1;
        if (off[id + 1] - off[id] == len + 1 && memcmp(blob + off[id], s, len) == 0)
            return id;
    }
}

/* Term id of an analysed term in the committed index, or UINT32_MAX. */
static inline uint32_t lex_term_find(const VajraLexicalIndex *ix, const char *s, size_t len)
{
    return lex_dict_find(ix->flat.term_off, ix->flat.term_blob, ix->flat.term_hash,
                         ix->flat.term_hash_size, s, len);
}

/* build.c */
vajra_status lex_create(void *plugin_state, const VajraLexicalOptions *opts,
                        VajraLexicalIndex **out, VajraError *err);
void lex_free(VajraLexicalIndex *ix);
vajra_status lex_add_batch(VajraLexicalIndex *ix, const VajraDocBatch *batch, VajraError *err);
vajra_status lex_commit(VajraLexicalIndex *ix, VajraError *err);
/* Allocate an index with options checked and the analyzer ready (used by create and load). */
vajra_status lex_index_alloc(const VajraAnalyzerOptions *analyzer, uint32_t ignore_title,
                             const VajraScorer *scorer, VajraLexicalIndex **out, VajraError *err);
/* Recompute impacts, bounds and stats from `flat` with the bound scorer. */
vajra_status lex_derive(VajraLexicalIndex *ix, VajraError *err);
/* Size of an open-addressing table for n entries (a power of two with at least one empty slot). */
uint64_t lex_hash_size_for(uint64_t n);

/* search.c */
vajra_status lex_scratch_new(const VajraLexicalIndex *ix, VajraLexicalScratch **out,
                             VajraError *err);
void lex_scratch_free(VajraLexicalScratch *s);
vajra_status lex_search(const VajraLexicalIndex *ix, VajraLexicalScratch *s, const char *query,
                        uint32_t k, VajraHits *out, VajraError *err);
/* search restricted to `filter` (NULL = all); search is this with NULL. */
vajra_status lex_search_filtered(const VajraLexicalIndex *ix, VajraLexicalScratch *s,
                                 const char *query, uint32_t k, const VajraDocFilter *filter,
                                 VajraHits *out, VajraError *err);
/* search_filtered scored with collection-wide statistics (NULL = own: search_filtered). */
vajra_status lex_search_stats(const VajraLexicalIndex *ix, VajraLexicalScratch *s,
                              const char *query, uint32_t k, const VajraDocFilter *filter,
                              const VajraLexicalStats *stats, VajraHits *out, VajraError *err);
vajra_status lex_analyze(const VajraLexicalIndex *ix, VajraLexicalScratch *s, const char *text,
                         VajraTermBag *out, VajraError *err);

/* postpack.c: the saved, bit-packed form of post_docs/post_tfs ("lex.post.pack").
 * pack: encode f's postings into a new malloc'd buffer (*out, *out_len; the caller frees).
 * unpack: decode `len` bytes for the terms and posting counts of f (post_off, n_postings, n_docs
 * and doc_len must already be validated) into two new malloc'd arrays of n_postings entries;
 * every width, length, document number and tf is checked (VAJRA_ERR_CORRUPT, nothing allocated). */
vajra_status lex_pack_postings(const LexFlat *f, uint8_t **out, size_t *out_len, VajraError *err);
vajra_status lex_unpack_postings(const LexFlat *f, const uint8_t *pack, size_t len,
                                 uint32_t **docs, uint32_t **tfs, VajraError *err);

/* persist.c */
vajra_status lex_save(const VajraLexicalIndex *ix, const VajraSectionWriter *w, VajraError *err);
vajra_status lex_load(void *plugin_state, const VajraLexicalOptions *opts,
                      const VajraSectionReader *r, VajraLexicalIndex **out, VajraError *err);

#endif /* VAJRA_LEX_INDEX_H */
