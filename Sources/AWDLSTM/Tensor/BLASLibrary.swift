import Foundation
#if canImport(Darwin)
import CBLAS
#endif

/// The BLAS the process computes with, as every report states it: the `train`
/// header, `bench` (text and JSON), `config.json`, `--version`.
public struct BLASReport: Codable, Equatable, Sendable {
    /// "OpenBLAS", "BLIS", "MKL", "Accelerate", or the file name of another CBLAS.
    public var library: String
    /// The version the library reports (OpenBLAS's `openblas_get_config`, BLIS's,
    /// MKL's; for Accelerate the macOS version), "?" when it reports none.
    public var version: String
    /// The kernel set in use (OpenBLAS's core name, BLIS's configuration).
    public var core: String
    /// How the core was chosen, e.g. "auto; the library chose Prescott".
    public var selection: String
    /// Threads of the engine's pool; BLAS runs on each calling thread.
    public var threads: Int
    /// The instruction-set family this program was built for: "x86_64", "aarch64" or "other".
    public var architecture: String
    /// The CPU's vector extensions, as Linux's /proc/cpuinfo names them (`avx2`, `avx512_bf16`).
    public var cpuFeatures: [String]
    /// Milliseconds the self-check took (`BLASSelfCheck`).
    public var selfCheckMs: Double

    enum CodingKeys: String, CodingKey {
        case library, version, core, selection, threads, architecture
        case cpuFeatures = "cpu_features", selfCheckMs = "self_check_ms"
    }

    /// One line for stderr, e.g. `BLAS: OpenBLAS 0.3.21, core SkylakeX (auto; the
    /// library chose Prescott), 2 threads; CPU x86_64: sse3 … avx512_bf16`.
    public var line: String {
        "BLAS: \(library) \(version), core \(core) (\(selection)), \(threads) thread\(threads == 1 ? "" : "s"); "
            + "CPU \(architecture): \(cpuFeatures.isEmpty ? "no vector extensions found" : cpuFeatures.joined(separator: " "))"
    }
}

/// Loading the BLAS, choosing its core, checking it, and the two entry points
/// the engine uses (`GEMM` calls them).
///
/// On Linux the library is opened at run time (`dlopen`), not linked: OpenBLAS
/// fixes its core in a load-time constructor from `OPENBLAS_CORETYPE`, so a
/// linked library has chosen before any of our code runs, and a better choice
/// would mean re-executing the process (`/proc/self/exe` with the same argv,
/// a guard variable against loops) — which would restart every program that
/// uses this library, tests included, and repeat whatever it did first. Opened
/// at run time, the library is read (`openblas_get_corename`), and when it fell
/// back to generic kernels it is closed and opened again with the variable
/// set: about 3 ms, in-process, for every command and every library user alike.
///
/// `AWDLSTM_BLAS_LIBRARY` names another CBLAS to open instead (a path or a
/// soname: BLIS's `libblis.so.4`, oneMKL's `libmkl_rt.so.2`); it must pass the
/// same self-check. On macOS the engine links Accelerate.
///
/// Test hooks (environment): `AWDLSTM_BLAS_PRETEND_CORE=Prescott` makes the
/// selection treat the library's choice as that core, so the re-selection path
/// runs on any machine; `AWDLSTM_BLAS_TEST_WRONG_PRODUCT=1` spoils one element of
/// every sgemm result, which the self-check must catch.
public enum BLAS {
    /// Loads, selects and checks the BLAS (once per process) and describes it.
    /// Throws `BLASError` when the library is missing or computes wrong products.
    @discardableResult
    public static func prepare() throws -> BLASReport { try state.get().report }

    private static let state = Result { () throws(BLASError) in try Library.load(ProcessInfo.processInfo.environment) }

    /// The library for a product. A library user that never called `prepare()`
    /// gets the same loading and check here; a failure then ends the process
    /// with the one-line reason, as no product may run on a broken BLAS.
    @inline(__always)
    static var library: Library {
        switch state {
        case .success(let l): return l
        case .failure(let e):
            _ = writeAll(2, Data("error: \(e.description)\n".utf8))  // never traps, even when stderr cannot be written
            exit(1)
        }
    }

    /// `C = alpha·op(A)·op(B) + beta·C`, row-major, on the calling thread.
    @inline(__always)
    static func sgemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        library.sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// `y = alpha·op(A)·x + beta·y` for a row-major `rows × columns` A, on the calling thread.
    @inline(__always)
    static func sgemv(_ trans: Bool, _ rows: Int, _ columns: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
                      _ lda: Int, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        library.sgemv(trans, rows, columns, alpha, a, lda, x, beta, y)
    }
}

/// A loaded, checked BLAS.
final class Library: Sendable {
    let sgemm: BLASSelfCheck.Sgemm
    let sgemv: BLASSelfCheck.Sgemv
    let report: BLASReport

    private init(sgemm: @escaping BLASSelfCheck.Sgemm, sgemv: @escaping BLASSelfCheck.Sgemv, report: BLASReport) {
        (self.sgemm, self.sgemv, self.report) = (sgemm, sgemv, report)
    }

    static func load(_ environment: [String: String]) throws(BLASError) -> Library {
        var (sgemm, sgemv, description) = try open(environment)
        if environment["AWDLSTM_BLAS_TEST_WRONG_PRODUCT"] != nil {
            let right = sgemm
            sgemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                right(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                c[0] += 1
            }
        }
        let start = monotonicMilliseconds()
        let failure = BLASSelfCheck.run(sgemm: sgemm, sgemv: sgemv)
        let report = BLASReport(
            library: description.library, version: description.version, core: description.core,
            selection: description.selection, threads: ParallelFor.workers,
            architecture: CPUFeatures.architecture.rawValue, cpuFeatures: CPUFeatures.current.names,
            selfCheckMs: monotonicMilliseconds() - start)
        if let f = failure {
            throw BLASError.wrongResult(library: report.library, version: report.version, core: report.core, product: f.product,
                                        errorOverTolerance: f.errorOverTolerance, remedy: remedy(core: report.core, library: report.library))
        }
        return Library(sgemm: sgemm, sgemv: sgemv, report: report)
    }

    /// How to choose another core or library.
    static func remedy(core: String, library: String) -> String {
        guard library == "OpenBLAS" else {
            return "use OpenBLAS (unset AWDLSTM_BLAS_LIBRARY) or another library with AWDLSTM_BLAS_LIBRARY"
        }
        let lower = BLASCoreSelection.level(ofCore: core).flatMap { level in
            BLASCoreSelection.coreForLevel.filter { $0.key < level }.max { $0.key < $1.key }?.value
        } ?? "Prescott"
        return "choose another core, e.g. OPENBLAS_CORETYPE=\(lower), or another library with AWDLSTM_BLAS_LIBRARY"
    }

    struct Description {
        var library, version, core, selection: String
    }

    #if canImport(Darwin)
    static func open(_ environment: [String: String]) throws(BLASError) -> (BLASSelfCheck.Sgemm, BLASSelfCheck.Sgemv, Description) {
        let sgemm: BLASSelfCheck.Sgemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        let sgemv: BLASSelfCheck.Sgemv = { trans, rows, columns, alpha, a, lda, x, beta, y in
            cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
                        alpha, a, Int32(lda), x, 1, beta, y, 1)
        }
        let os = ProcessInfo.processInfo.operatingSystemVersion
        return (sgemm, sgemv, Description(library: "Accelerate", version: "macOS \(os.majorVersion).\(os.minorVersion)",
                                          core: "system", selection: "the system's choice"))
    }
    #else
    typealias CSgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                       UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias CSgemv = @convention(c) (Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                       UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias CString = @convention(c) () -> UnsafePointer<CChar>?
    typealias CSetInt32 = @convention(c) (Int32) -> Void
    typealias CSetInt64 = @convention(c) (Int64) -> Void
    typealias CArchId = @convention(c) () -> Int32
    typealias CArchName = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias CVersionInto = @convention(c) (UnsafeMutablePointer<CChar>?, Int32) -> Void

    /// CBLAS's enumerations (`cblas.h`).
    static let (rowMajor, noTrans, trans): (Int32, Int32, Int32) = (101, 111, 112)

    static func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, as: T.Type) -> T? {
        dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
    }

    static func text(_ f: CString?) -> String? { f?().map { String(cString: $0) } }

    static func open(_ environment: [String: String]) throws(BLASError) -> (BLASSelfCheck.Sgemm, BLASSelfCheck.Sgemv, Description) {
        let name = environment["AWDLSTM_BLAS_LIBRARY"].flatMap { $0.isEmpty ? nil : $0 } ?? "libopenblas.so.0"
        func openLibrary() throws(BLASError) -> UnsafeMutableRawPointer {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                let why = dlerror().map { String(cString: $0) } ?? "not found"
                throw BLASError.cannotLoad(library: name, reason: why)
            }
            return h
        }
        var handle = try openLibrary()
        var description: Description
        if let corename = symbol(handle, "openblas_get_corename", as: CString.self) {
            let loaded = text(corename) ?? "Unknown"
            let config = text(symbol(handle, "openblas_get_config", as: CString.self)) ?? ""
            let version = config.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
            let chosen = environment["AWDLSTM_BLAS_PRETEND_CORE"].flatMap { $0.isEmpty ? nil : $0 } ?? loaded
            let action = BLASCoreSelection.decide(
                chosenCore: chosen, features: CPUFeatures.current, architecture: CPUFeatures.architecture,
                environment: environment, dynamicArch: config.contains("DYNAMIC_ARCH"))
            description = Description(library: "OpenBLAS", version: version, core: loaded, selection: selection(action, loaded: loaded))
            if case .select(let core) = action {
                // Closed for good only when nothing else in the process holds it.
                dlclose(handle)
                if let still = dlopen(name, RTLD_NOW | RTLD_NOLOAD) {
                    handle = still
                    description.selection = "the library's choice; \(core) wanted, but the library stays loaded elsewhere in the process"
                } else {
                    // Set only for the constructor of the copy about to load, then
                    // removed again: the environment stays as the user gave it.
                    setenv("OPENBLAS_CORETYPE", core, 1)
                    defer { unsetenv("OPENBLAS_CORETYPE") }
                    handle = try openLibrary()
                    let now = text(symbol(handle, "openblas_get_corename", as: CString.self)) ?? "Unknown"
                    description.core = now
                    description.selection = now.lowercased() == core.lowercased()
                        ? "auto; the library chose \(chosen)" : "\(core) wanted, the library kept \(now)"
                }
            }
            symbol(handle, "openblas_set_num_threads", as: CSetInt32.self)?(1)
        } else if let version = symbol(handle, "bli_info_get_version_str", as: CString.self) {
            let core = symbol(handle, "bli_arch_query_id", as: CArchId.self).flatMap { id in
                symbol(handle, "bli_arch_string", as: CArchName.self)?(id()).map { String(cString: $0) }
            } ?? "?"
            description = Description(library: "BLIS", version: text(version) ?? "?", core: core, selection: "the library's choice")
            symbol(handle, "bli_thread_set_num_threads", as: CSetInt64.self)?(1)
        } else if let version = symbol(handle, "MKL_Get_Version_String", as: CVersionInto.self) {
            var buffer = [CChar](repeating: 0, count: 256)
            version(&buffer, Int32(buffer.count))
            let full = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            // "Intel(R) oneAPI Math Kernel Library Version 2026.2-Product Build …"
            let number = full.split(separator: " ").first { $0.first?.isNumber == true }
                .map { String($0.split(separator: "-")[0]) } ?? full
            description = Description(library: "MKL", version: number, core: environment["MKL_ENABLE_INSTRUCTIONS"] ?? "auto",
                                      selection: "the library's choice")
            symbol(handle, "MKL_Set_Num_Threads", as: CSetInt32.self)?(1)
        } else {
            description = Description(library: (name as NSString).lastPathComponent, version: "?", core: "?", selection: "the library's choice")
        }
        guard let gemm = symbol(handle, "cblas_sgemm", as: CSgemm.self),
              let gemv = symbol(handle, "cblas_sgemv", as: CSgemv.self) else {
            throw BLASError.missingEntryPoints(library: name)
        }
        let sgemm: BLASSelfCheck.Sgemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            gemm(rowMajor, ta ? trans : noTrans, tb ? trans : noTrans, Int32(m), Int32(n), Int32(k),
                 alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        let sgemv: BLASSelfCheck.Sgemv = { t, rows, columns, alpha, a, lda, x, beta, y in
            gemv(rowMajor, t ? trans : noTrans, Int32(rows), Int32(columns), alpha, a, Int32(lda), x, 1, beta, y, 1)
        }
        return (sgemm, sgemv, description)
    }

    /// The parenthesis of the report line for a kept core.
    static func selection(_ action: BLASCoreSelection.Action, loaded: String) -> String {
        switch action {
        case .select: return "auto"
        case .keep(.setByEnvironment(let pinned)):
            return pinned.lowercased() == loaded.lowercased()
                ? "OPENBLAS_CORETYPE" : "OPENBLAS_CORETYPE=\(pinned), which this build does not accept"
        case .keep(.disabled): return "the library's choice; selection off by AWDLSTM_BLAS_SELECT"
        case .keep: return "the library's choice"
        }
    }
    #endif
}
