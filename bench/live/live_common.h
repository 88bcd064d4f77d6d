/* Shared bits of the live-collection benchmarks (issue 11): the WordNet 50k data, a clock,
 * percentiles, seeded sampling, recall by external id, and resident memory.
 *
 * The clock and percentiles are bench/compare/compare_common.h's (include it first).
 *
 * Recall@10 follows ../shared/data/README.md: a returned document counts when it is in the exact
 * top 10, or when its score is >= the 10th exact score - 1e-6 (LSA vectors tie). */
#ifndef VAJRA_BENCH_LIVE_COMMON_H
#define VAJRA_BENCH_LIVE_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Median of n values (copies). */
static inline double live_median(const double *v, size_t n)
{
    double tmp[64];
    if (n == 0)
        return 0.0;
    if (n > 64)
        n = 64;
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, compare_cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* splitmix64: the same sample in the C and C++ programs. */
static inline uint64_t live_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The first m entries of a seeded Fisher-Yates shuffle of items[0..n): a uniform sample. */
static inline void live_sample(uint32_t *items, size_t n, size_t m, uint64_t seed)
{
    uint64_t st = seed;
    for (size_t i = 0; i < m && i + 1 < n; i++) {
        size_t j = i + (size_t)(live_rand(&st) % (uint64_t)(n - i));
        uint32_t t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}

/* Resident memory in kB (VmRSS of /proc/self/status), 0 when unknown. */
static inline long live_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_BENCH_LIVE_COMMON_H */
