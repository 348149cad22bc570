// The CPU's instruction-set features, read once: CPUID (with the operating
// system's consent through XGETBV) on x86-64, the kernel's hwcaps on aarch64.
// The BLAS core selection and the reports use them.
#ifndef AWD_CPU_H
#define AWD_CPU_H

/// Feature bits of `awd_cpu_features()`.
enum {
    AWD_CPU_SSE3 = 1 << 0,
    AWD_CPU_SSE4_2 = 1 << 1,
    AWD_CPU_AVX = 1 << 2,
    AWD_CPU_AVX2 = 1 << 3,
    AWD_CPU_FMA = 1 << 4,
    AWD_CPU_AVX512F = 1 << 5,
    AWD_CPU_AVX512DQ = 1 << 6,
    AWD_CPU_AVX512CD = 1 << 7,
    AWD_CPU_AVX512BW = 1 << 8,
    AWD_CPU_AVX512VL = 1 << 9,
    AWD_CPU_AVX512BF16 = 1 << 10,
    AWD_CPU_ASIMD = 1 << 16,
    AWD_CPU_ASIMDDP = 1 << 17,
    AWD_CPU_SVE = 1 << 18,
    AWD_CPU_SVE2 = 1 << 19,
};

/// The features this CPU has and the operating system enables (AVX and
/// AVX-512 count only when their register state is saved on context switches).
unsigned long awd_cpu_features(void);

/// "x86_64", "aarch64" or "other": the instruction-set family of this build.
const char *awd_cpu_architecture(void);

#endif
