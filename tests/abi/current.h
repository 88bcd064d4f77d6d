/* The ABI fixture test's two halves share only this header, which includes no Vajra header:
 * caller_v10.c is built against the ABI 1.0 headers (include-1.0), current.c against today's.
 * Collections pass between them as opaque pointers (VajraCollection is opaque in both). */
#ifndef VAJRA_TEST_ABI_CURRENT_H
#define VAJRA_TEST_ABI_CURRENT_H

#include <stddef.h>

/* The parameters both halves build with (values chosen away from the defaults, so a field read
 * at a wrong offset shows). */
#define ABI_K1 0.9
#define ABI_B 0.4
#define ABI_MAX_TOKEN 32u
#define ABI_DIM 128u
#define ABI_M 12u
#define ABI_EFC 64u
#define ABI_EFS 40u
#define ABI_QUERIES 60u /* Cranfield queries compared */
#define ABI_K 10u
#define ABI_FIRST_BATCH 1000u /* the lexical-v10 collections commit twice: 1000 + 400 */

typedef struct AbiHits {
    unsigned count;
    char ids[ABI_K][16];
    float scores[ABI_K];
} AbiHits;

/* The Cranfield file `name` under $VAJRA_DATA_DIR (g_free). */
char *abi_data_path(const char *name);

/* Build Cranfield as a 1.1 caller: lexical-bm25 (Porter, max_token_length ABI_MAX_TOKEN,
 * ignore_title, BM25 ABI_K1/ABI_B) plus vector-hnsw (IP, "fast", ABI_M/ABI_EFC/ABI_EFS, one
 * thread) over lsa128. Returns the VajraCollection. */
void *cur_build_hybrid(void);
/* The same collection built by the old caller, for the 1.1 half to search. */
void cur_lexical(void *collection, const char *query, AbiHits *out);
void cur_vector(void *collection, const float *q, AbiHits *out);
void cur_compact(void *collection);
/* Compaction refused with VAJRA_ERR_UNSUPPORTED, the message containing `needle`. */
void cur_compact_refused(void *collection, const char *needle);
void cur_free(void *collection);

/* Today's API on a collection using the ABI 1.0 plugin lexical-v10: filtered search equals
 * lexical-bm25's, the slots it lacks are VAJRA_ERR_UNSUPPORTED (external statistics, statistics
 * gathering, analyzer languages), never a crash. Check assertions inside. */
void cur_check_old_plugin(void);

/* Today's filtered vector search on a collection using the ABI 1.0 plugin vector-v10 equals
 * vector-hnsw's exact filtered search. Check assertions inside. */
void cur_check_old_vector_plugin(void);

/* A plugin built for plugin ABI 2 is refused, the message naming both versions. */
void cur_check_newer_major(void);

#endif
