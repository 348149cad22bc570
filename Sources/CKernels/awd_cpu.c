#include "awd_cpu.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// XCR0, the register state the operating system saves (0 when XGETBV is unavailable).
static unsigned long long enabled_state(unsigned ecx1) {
    if (!(ecx1 & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

unsigned long awd_cpu_features(void) {
    unsigned a, b, c, d, max;
    if (!__get_cpuid(0, &max, &b, &c, &d)) return 0;
    __cpuid(1, a, b, c, d);
    const unsigned ecx1 = c;
    unsigned long f = 0;
    if (ecx1 & (1u << 0)) f |= AWD_CPU_SSE3;
    if (ecx1 & (1u << 20)) f |= AWD_CPU_SSE4_2;
    const unsigned long long xcr0 = enabled_state(ecx1);
    const int ymm = (xcr0 & 0x6) == 0x6;           // SSE and AVX state
    const int zmm = ymm && (xcr0 & 0xe0) == 0xe0;  // opmask and both halves of ZMM
    if (ymm && (ecx1 & (1u << 28))) f |= AWD_CPU_AVX;
    if (ymm && (ecx1 & (1u << 12))) f |= AWD_CPU_FMA;
    if (max < 7) return f;
    unsigned eax7;
    __cpuid_count(7, 0, eax7, b, c, d);
    if (ymm && (b & (1u << 5))) f |= AWD_CPU_AVX2;
    if (zmm) {
        if (b & (1u << 16)) f |= AWD_CPU_AVX512F;
        if (b & (1u << 17)) f |= AWD_CPU_AVX512DQ;
        if (b & (1u << 28)) f |= AWD_CPU_AVX512CD;
        if (b & (1u << 30)) f |= AWD_CPU_AVX512BW;
        if (b & (1u << 31)) f |= AWD_CPU_AVX512VL;
        if (eax7 >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if (a & (1u << 5)) f |= AWD_CPU_AVX512BF16;
        }
    }
    return f;
}

const char *awd_cpu_architecture(void) { return "x86_64"; }

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

unsigned long awd_cpu_features(void) {
    // Bits of AT_HWCAP / AT_HWCAP2 (linux/arch/arm64/include/uapi/asm/hwcap.h).
    const unsigned long cap = getauxval(AT_HWCAP), cap2 = getauxval(AT_HWCAP2);
    unsigned long f = 0;
    if (cap & (1ul << 1)) f |= AWD_CPU_ASIMD;
    if (cap & (1ul << 20)) f |= AWD_CPU_ASIMDDP;
    if (cap & (1ul << 22)) f |= AWD_CPU_SVE;
    if (cap2 & (1ul << 1)) f |= AWD_CPU_SVE2;
    return f;
}

const char *awd_cpu_architecture(void) { return "aarch64"; }

#elif defined(__aarch64__)

unsigned long awd_cpu_features(void) { return AWD_CPU_ASIMD; }  // Advanced SIMD is part of AArch64
const char *awd_cpu_architecture(void) { return "aarch64"; }

#else

unsigned long awd_cpu_features(void) { return 0; }
const char *awd_cpu_architecture(void) { return "other"; }

#endif
