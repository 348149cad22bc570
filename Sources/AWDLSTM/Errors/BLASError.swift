import Foundation

/// Why the BLAS cannot be used (`BLAS.prepare()`); each message names the
/// remedy (another library through `AWDLSTM_BLAS_LIBRARY`, another OpenBLAS
/// core through `OPENBLAS_CORETYPE`, or installing OpenBLAS).
public enum BLASError: Error, Equatable, Sendable {
    /// The library `library` could not be opened; `reason` is the loader's.
    case cannotLoad(library: String, reason: String)
    /// `library` has no `cblas_sgemm` or `cblas_sgemv`.
    case missingEntryPoints(library: String)
    /// `library` (`version`, core `core`) computed `product` (e.g. "sgemm NT 67×93×131")
    /// wrong in the start-up check, its largest error `errorOverTolerance` times the
    /// rounding bound; `remedy` says which core or library to choose instead.
    case wrongResult(library: String, version: String, core: String, product: String, errorOverTolerance: Double, remedy: String)
}

extension BLASError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .cannotLoad(let library, let reason):
            "cannot load the BLAS library \(library) (\(reason)); install OpenBLAS (`make deps`, or apt-get install libopenblas0) "
                + "or name a CBLAS library with AWDLSTM_BLAS_LIBRARY"
        case .missingEntryPoints(let library): "\(library) has no cblas_sgemm/cblas_sgemv; name a CBLAS library with AWDLSTM_BLAS_LIBRARY"
        case .wrongResult(let library, let version, let core, let product, let error, let remedy):
            "BLAS \(library) \(version), core \(core): wrong result in the start-up check "
                + "(\(product), error \(String(format: "%.3g", error))× the rounding bound); \(remedy)"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
