/// Which OpenBLAS core (kernel set) to run, decided from the core the library
/// chose when it loaded, the CPU's features and the environment: a pure
/// function, so every case is testable on any machine.
///
/// Why: an OpenBLAS built with DYNAMIC_ARCH picks its kernels from a table of
/// known CPU models. A CPU newer than the table gets the generic Prescott
/// (SSE3) kernels: OpenBLAS 0.3.21 (Debian 12, Ubuntu 22.04) does this on
/// Intel Xeon family 6 model 207, where sgemm then runs 5× below the
/// SkylakeX kernels that the CPU supports. The library reads
/// `OPENBLAS_CORETYPE` only when it loads, so a better choice means loading
/// it again with the variable set (see `BLASLibrary`).
enum BLASCoreSelection {
    /// What to do with the loaded library.
    enum Action: Equatable, Sendable {
        /// Keep the library's core.
        case keep(Reason)
        /// Load the library again with `OPENBLAS_CORETYPE` set to this core.
        case select(core: String)
    }

    enum Reason: Equatable, Sendable {
        /// `OPENBLAS_CORETYPE` is set (by the user or the machine): obeyed.
        case setByEnvironment(String)
        /// `AWDLSTM_BLAS_SELECT=0` turned the selection off.
        case disabled
        /// The library's core uses the widest vectors the CPU has.
        case matchesCPU
        /// Not x86-64: OpenBLAS picks aarch64 cores by CPU part, not by
        /// feature, and this table covers x86-64 only.
        case notX86
        /// The library was built for one core (no DYNAMIC_ARCH) and cannot switch.
        case fixedBuild
        /// A core this table does not know (newer than OpenBLAS 0.3.21): trusted.
        case unknownCore
    }

    /// Vector-instruction levels of OpenBLAS's x86-64 cores, lowest first.
    enum Level: Int, Comparable, Sendable {
        case sse, avx, avx2, avx512
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The level each x86-64 core name of OpenBLAS's DYNAMIC_ARCH builds is written for
    /// (`driver/others/dynamic.c`); names compare case-insensitively, as OpenBLAS does.
    static let coreLevels: [String: Level] = {
        var t: [String: Level] = [:]
        for name in ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
                     "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat"] {
            t[name.lowercased()] = .sse
        }
        for name in ["Sandybridge", "Bulldozer", "Piledriver", "Steamroller", "Excavator"] { t[name.lowercased()] = .avx }
        for name in ["Haswell", "Zen"] { t[name.lowercased()] = .avx2 }
        for name in ["SkylakeX", "Cooperlake", "SapphireRapids"] { t[name.lowercased()] = .avx512 }
        return t
    }()

    static func level(ofCore name: String) -> Level? { coreLevels[name.lowercased()] }

    /// The widest level the CPU supports.
    static func level(of features: CPUFeatures) -> Level {
        if features.isSuperset(of: .avx512) { return .avx512 }
        if features.isSuperset(of: [.avx2, .fma]) { return .avx2 }
        if features.contains(.avx) { return .avx }
        return .sse
    }

    /// The core to ask for at each level: names every DYNAMIC_ARCH OpenBLAS
    /// since 0.3.0 accepts in `OPENBLAS_CORETYPE`. Not Cooperlake: 0.3.21
    /// answers "Core not found" to it (its name table stops before it) and
    /// detects again; its single-precision GEMM is SkylakeX's anyway.
    static let coreForLevel: [Level: String] = [.avx512: "SkylakeX", .avx2: "Haswell", .avx: "Sandybridge"]

    /// Whether `AWDLSTM_BLAS_SELECT` turns the selection off.
    static func isDisabled(_ environment: [String: String]) -> Bool {
        guard let v = environment["AWDLSTM_BLAS_SELECT"]?.lowercased() else { return false }
        return ["0", "off", "no", "false"].contains(v)
    }

    /// The decision. `chosenCore`: what `openblas_get_corename()` returned;
    /// `dynamicArch`: whether `openblas_get_config()` names DYNAMIC_ARCH.
    static func decide(
        chosenCore: String, features: CPUFeatures, architecture: CPUFeatures.Architecture,
        environment: [String: String], dynamicArch: Bool
    ) -> Action {
        if let pinned = environment["OPENBLAS_CORETYPE"], !pinned.isEmpty { return .keep(.setByEnvironment(pinned)) }
        if isDisabled(environment) { return .keep(.disabled) }
        guard architecture == .x86_64 else { return .keep(.notX86) }
        guard dynamicArch else { return .keep(.fixedBuild) }
        guard let chosen = level(ofCore: chosenCore) else { return .keep(.unknownCore) }
        let cpu = level(of: features)
        guard chosen < cpu, let better = coreForLevel[cpu] else { return .keep(.matchesCPU) }
        return .select(core: better)
    }
}
