/* Helpers shared by the vector tests and benchmarks: an in-memory section writer/reader (the
 * storage plugins are not needed to test save/load), the wordnet/glove data, recall@k. */
#ifndef VAJRA_TEST_VECTOR_FIXTURE_H
#define VAJRA_TEST_VECTOR_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/io.h"
#include "vajra/sections.h"
#include "vajra/types.h"

/* Named sections kept in memory, each copied into its own 64-byte aligned buffer. */
typedef struct MemSections MemSections;
MemSections *mem_sections_new(void);
void mem_sections_free(MemSections *m);
VajraSectionWriter mem_sections_writer(MemSections *m);
VajraSectionReader mem_sections_reader(MemSections *m);
size_t mem_sections_count(const MemSections *m);
/* Section i's name, bytes and length (in write order). */
const char *mem_sections_at(const MemSections *m, size_t i, void **data, size_t *len);
/* 1 when both hold the same names with the same bytes in the same order. */
int mem_sections_equal(const MemSections *a, const MemSections *b);

/* A vector set: `base` (the first n rows of the file), `queries`, and ground truth (ids and
 * scores, rows × gt_k) when a file for exactly this n exists, else gt_k == 0. */
typedef struct VecSet {
    VajraMatrixF32 base, queries, gt_scores;
    VajraMatrixI32 gt_ids;
} VecSet;

/* Load "wordnet" (lsa384, n in {1k..50k}) or "glove" (glove100, n up to 100k) from
 * $VAJRA_DATA_DIR. Returns 0 on success, -1 (with a message on stderr) when the data is missing. */
int vecset_load(VecSet *v, const char *set, size_t n);
void vecset_clear(VecSet *v);

/* Recall@k of `hits` for query q against the ground truth, counting a hit as correct when its
 * score is >= the k-th true score − 1e-6 (ties, as the data README says). */
double vecset_recall(const VecSet *v, size_t q, const VajraHits *hits, size_t k);

/* vecset_recall with every hit's score replaced by its exact inner product with the query
 * (double, from the base rows): for indexes whose scores are approximate (quantised rows), so
 * the tie rule does not count an over-estimated score as a correct hit. IP data only. */
double vecset_recall_exact(const VecSet *v, size_t q, const VajraHits *hits, size_t k);

/* n × dim deterministic pseudo-random floats in [-1, 1) from `seed` (malloc'd; caller frees). */
float *vec_random_rows(size_t n, uint32_t dim, uint64_t seed);

/* 1 when VAJRA_TEST_LIGHT is set, as the valgrind test setup (top meson.build) sets it: the
 * vector tests' data sweeps then run on fewer rows and queries, still covering every storage
 * mode, metric, kernel, filtered/unfiltered search and save/load (memcheck finds a bad access
 * on the first row it touches; the full sweeps run plain and under ASan). */
int vec_test_light(void);

#endif
