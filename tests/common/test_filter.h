/* Test helper shared by the lexical and vector suites: document filters (vajra/filter.h) built
 * from a seeded generator, so every run sees the same bitmaps. Header-only, test code only. */
#ifndef VAJRA_TEST_FILTER_H
#define VAJRA_TEST_FILTER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vajra/filter.h"

typedef struct TestFilter {
    VajraDocFilter f;
    uint64_t *words; /* owned */
} TestFilter;

/* A filter over nbits documents with no bit set (call tf_done after setting bits). */
static inline void tf_init(TestFilter *t, uint32_t nbits)
{
    size_t n = ((size_t)nbits + 63) / 64;
    t->words = calloc(n ? n : 1, sizeof(uint64_t));
    t->f = (VajraDocFilter){.struct_size = sizeof(VajraDocFilter), .nbits = nbits,
                            .words = t->words};
}

static inline void tf_set(TestFilter *t, uint32_t doc)
{
    t->words[doc >> 6] |= UINT64_C(1) << (doc & 63);
}

/* Fill `passing` from the bits (vajra_filter_count), return the filter. */
static inline const VajraDocFilter *tf_done(TestFilter *t)
{
    t->f.passing = vajra_filter_count(t->words, t->f.nbits);
    return &t->f;
}

static inline void tf_free(TestFilter *t)
{
    free(t->words);
    t->words = NULL;
}

static inline uint64_t tf_splitmix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Each of nbits documents passes with probability `p` (seeded). Also sets a bit or two beyond
 * nbits inside the last word, which must be ignored. */
static inline const VajraDocFilter *tf_random(TestFilter *t, uint32_t nbits, double p,
                                              uint64_t seed)
{
    tf_init(t, nbits);
    uint64_t st = seed;
    for (uint32_t d = 0; d < nbits; d++)
        if ((double)(tf_splitmix(&st) >> 11) * (1.0 / 9007199254740992.0) < p)
            tf_set(t, d);
    const VajraDocFilter *f = tf_done(t);
    if (nbits % 64 != 0)
        t->words[nbits / 64] |= ~UINT64_C(0) << (nbits % 64); /* garbage past nbits */
    return f;
}

/* The first `prefix` of nbits documents pass (prefix == nbits: all). */
static inline const VajraDocFilter *tf_prefix(TestFilter *t, uint32_t nbits, uint32_t prefix)
{
    tf_init(t, nbits);
    for (uint32_t d = 0; d < prefix; d++)
        tf_set(t, d);
    return tf_done(t);
}

#endif /* VAJRA_TEST_FILTER_H */
