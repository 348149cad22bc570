import CKernels

/// The instruction-set features of the CPU, as the operating system enables
/// them (`awd_cpu.h`: CPUID and XGETBV on x86-64, hwcaps on aarch64). The BLAS
/// core selection reads them, and every report names them.
struct CPUFeatures: OptionSet, Sendable, Hashable {
    let rawValue: UInt
    init(rawValue: UInt) { self.rawValue = rawValue }

    static let sse3 = CPUFeatures(rawValue: UInt(AWD_CPU_SSE3))
    static let sse4_2 = CPUFeatures(rawValue: UInt(AWD_CPU_SSE4_2))
    static let avx = CPUFeatures(rawValue: UInt(AWD_CPU_AVX))
    static let avx2 = CPUFeatures(rawValue: UInt(AWD_CPU_AVX2))
    static let fma = CPUFeatures(rawValue: UInt(AWD_CPU_FMA))
    static let avx512f = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512F))
    static let avx512dq = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512DQ))
    static let avx512cd = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512CD))
    static let avx512bw = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512BW))
    static let avx512vl = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512VL))
    static let avx512bf16 = CPUFeatures(rawValue: UInt(AWD_CPU_AVX512BF16))
    static let asimd = CPUFeatures(rawValue: UInt(AWD_CPU_ASIMD))
    static let asimddp = CPUFeatures(rawValue: UInt(AWD_CPU_ASIMDDP))
    static let sve = CPUFeatures(rawValue: UInt(AWD_CPU_SVE))
    static let sve2 = CPUFeatures(rawValue: UInt(AWD_CPU_SVE2))

    /// What OpenBLAS's x86-64 AVX-512 kernels (its SkylakeX core) need.
    static let avx512: CPUFeatures = [.avx512f, .avx512dq, .avx512cd, .avx512bw, .avx512vl]

    /// Names as Linux's /proc/cpuinfo spells them, in a fixed order.
    static let names: [(CPUFeatures, String)] = [
        (.sse3, "sse3"), (.sse4_2, "sse4_2"), (.avx, "avx"), (.avx2, "avx2"), (.fma, "fma"),
        (.avx512f, "avx512f"), (.avx512dq, "avx512dq"), (.avx512cd, "avx512cd"), (.avx512bw, "avx512bw"),
        (.avx512vl, "avx512vl"), (.avx512bf16, "avx512_bf16"),
        (.asimd, "asimd"), (.asimddp, "asimddp"), (.sve, "sve"), (.sve2, "sve2"),
    ]

    /// The features present, by name (`["sse3", …, "avx512_bf16"]`).
    var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// The features of the CPU this process runs on.
    static let current = CPUFeatures(rawValue: UInt(awd_cpu_features()))

    /// The instruction-set family this program was built for.
    enum Architecture: String, Sendable, Codable {
        case x86_64, aarch64, other
    }

    static let architecture = Architecture(rawValue: String(cString: awd_cpu_architecture())) ?? .other
}
