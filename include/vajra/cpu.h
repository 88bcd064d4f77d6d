/* Vajra — CPU feature detection (x86: CPUID + OSXSAVE + XGETBV; Arm: getauxval(AT_HWCAP)).
 * Detection runs once per process and is published with a one-time initialiser.
 * Thread-safe. Never fails (an unknown CPU reports no features). */
#ifndef VAJRA_CPU_H
#define VAJRA_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "vajra/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feature bits. Pinned: never renumber. AVX bits are set only when the OS saves the YMM/ZMM
 * state (XGETBV), so a set bit means "safe to execute". */
#define VAJRA_CPU_SSE2 (UINT64_C(1) << 0)
#define VAJRA_CPU_AVX (UINT64_C(1) << 1)
#define VAJRA_CPU_AVX2 (UINT64_C(1) << 2)
#define VAJRA_CPU_FMA (UINT64_C(1) << 3)
#define VAJRA_CPU_AVX512F (UINT64_C(1) << 4)
#define VAJRA_CPU_AVX512BW (UINT64_C(1) << 5)
#define VAJRA_CPU_AVX512VL (UINT64_C(1) << 6)
#define VAJRA_CPU_AVX512DQ (UINT64_C(1) << 7)
#define VAJRA_CPU_F16C (UINT64_C(1) << 8)
#define VAJRA_CPU_AVX512VNNI (UINT64_C(1) << 9)
#define VAJRA_CPU_NEON (UINT64_C(1) << 16)

/* The features of the running CPU (and OS). */
VAJRA_API uint64_t vajra_cpu_features(void);

/* Write a space-separated list of the names of the bits in `features` ("avx2 fma ...") into
 * buf (always NUL-terminated when size > 0). Returns the length the full text needs. */
VAJRA_API size_t vajra_cpu_features_describe(uint64_t features, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* VAJRA_CPU_H */
