import Crypto
import Foundation

/// MD5 (RFC 1321) through swift-crypto's `Insecure.MD5`, only to check
/// downloaded corpora against their published checksums — not for anything
/// security-related.
enum FileChecksum {
    /// Bytes read from a file per step: the file is never held in memory whole.
    static let chunkSize = 1 << 20

    /// The MD5 of `bytes` as 32 lower-case hexadecimal digits.
    static func md5<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        hex(Insecure.MD5.hash(data: Array(bytes)))
    }

    /// The MD5 of the file at `url` as 32 lower-case hexadecimal digits, read in
    /// chunks of `chunkSize` bytes. Throws `FileError.unreadable` when the file
    /// cannot be opened or read.
    static func md5(file url: URL, chunkSize: Int = chunkSize) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw FileError.unreadable(path: url.path) }
        defer { try? handle.close() }
        var md5 = Insecure.MD5()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw FileError.unreadable(path: url.path) }
            if chunk.isEmpty { break }
            md5.update(data: chunk)
        }
        return hex(md5.finalize())
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
