/* Shared bits of the comparison programs (C and C++): where the data is, a monotonic clock,
 * latency percentiles, and the machine-readable result line format.
 *
 * Every figure is printed twice: a human line starting with '#', and a JSON object on one line
 * starting with '{' (keys: "peer", "set", then the figures), so scripts can grep '^{'. */
#ifndef VAJRA_COMPARE_COMMON_H
#define VAJRA_COMPARE_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The data directory: argv[1] if given, else $VAJRA_DATA_DIR, else ../shared/data. */
static inline const char *compare_data_dir(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] != '\0')
        return argv[1];
    const char *env = getenv("VAJRA_DATA_DIR");
    if (env && env[0] != '\0')
        return env;
    return "../shared/data";
}

static inline double compare_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int compare_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n samples by the nearest-rank method; sorts `v` in place. */
static inline double compare_percentile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, compare_cmp_double);
    size_t rank = (size_t)(q * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

#endif /* VAJRA_COMPARE_COMMON_H */
