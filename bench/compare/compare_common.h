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

/* A positive integer from the environment (e.g. VAJRA_COMPARE_MAX_QUERIES), else `fallback`;
 * scripts/bench-all.sh uses these to keep a full run short. */
static inline size_t compare_env_size(const char *name, size_t fallback)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        return fallback;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    return *end == '\0' && x > 0 ? (size_t)x : fallback;
}

/* The list of positive integers in $name ("16,32,64"), at most `cap`, into out; returns how
 * many (0 when unset or empty: the caller keeps its defaults). */
static inline size_t compare_env_list(const char *name, int *out, size_t cap)
{
    const char *s = getenv(name);
    size_t n = 0;
    while (s != NULL && *s != '\0' && n < cap) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s)
            break;
        if (x > 0)
            out[n++] = (int)x;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
    return n;
}

#endif /* VAJRA_COMPARE_COMMON_H */
