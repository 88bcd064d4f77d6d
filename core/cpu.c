/* CPU feature detection, run once and published through g_once. */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "vajra/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t detect(void)
{
    uint64_t f = 0;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (d & bit_SSE2)
        f |= VAJRA_CPU_SSE2;
    /* AVX state must be enabled by the OS (OSXSAVE + XCR0 bits), not only present in silicon. */
    int osxsave = (c & bit_OSXSAVE) != 0;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    int ymm_ok = (xcr0 & 0x6) == 0x6;            /* SSE + AVX state */
    int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0; /* opmask + ZMM_Hi256 + Hi16_ZMM */
    if (ymm_ok && (c & bit_AVX))
        f |= VAJRA_CPU_AVX;
    if (ymm_ok && (c & bit_FMA))
        f |= VAJRA_CPU_FMA;
    if (ymm_ok && (c & bit_F16C))
        f |= VAJRA_CPU_F16C;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (ymm_ok && (b & bit_AVX2))
            f |= VAJRA_CPU_AVX2;
        if (zmm_ok) {
            if (b & bit_AVX512F)
                f |= VAJRA_CPU_AVX512F;
            if (b & bit_AVX512BW)
                f |= VAJRA_CPU_AVX512BW;
            if (b & bit_AVX512VL)
                f |= VAJRA_CPU_AVX512VL;
            if (b & bit_AVX512DQ)
                f |= VAJRA_CPU_AVX512DQ;
            if (c & (1u << 11)) /* CPUID.(7,0):ECX.AVX512_VNNI (bit_AVX512VNNI in newer cpuid.h) */
                f |= VAJRA_CPU_AVX512VNNI;
        }
    }
    return f;
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
static uint64_t detect(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? VAJRA_CPU_NEON : 0;
}
#else
static uint64_t detect(void) { return 0; }
#endif

uint64_t vajra_cpu_features(void)
{
    /* g_once_init_enter needs a non-zero value; bit 63 marks "detected". */
    static gsize cached = 0;
    if (g_once_init_enter(&cached)) {
        gsize value = (gsize)(detect() | (UINT64_C(1) << 63));
        g_once_init_leave(&cached, value);
    }
    return (uint64_t)cached & ~(UINT64_C(1) << 63);
}

size_t vajra_cpu_features_describe(uint64_t features, char *buf, size_t size)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {VAJRA_CPU_SSE2, "sse2"},         {VAJRA_CPU_AVX, "avx"},
        {VAJRA_CPU_AVX2, "avx2"},         {VAJRA_CPU_FMA, "fma"},
        {VAJRA_CPU_F16C, "f16c"},         {VAJRA_CPU_AVX512F, "avx512f"},
        {VAJRA_CPU_AVX512BW, "avx512bw"}, {VAJRA_CPU_AVX512VL, "avx512vl"},
        {VAJRA_CPU_AVX512DQ, "avx512dq"}, {VAJRA_CPU_AVX512VNNI, "avx512vnni"},
        {VAJRA_CPU_NEON, "neon"},
    };
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(features & names[i].bit))
            continue;
        int n = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0, "%s%s",
                         len ? " " : "", names[i].name);
        len += (size_t)n;
    }
    return len;
}
