import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash) only ever sees the old or the new
/// content: data goes to a temporary file in the same folder, is flushed to
/// disk with `fsync`, renamed over the target, and the folder entry is synced.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError("cannot create \(tmp.path): \(errnoText())") }
        var failure: Error?
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = IOError("cannot write \(tmp.path): \(errnoText())")
                    return
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = IOError("cannot flush \(tmp.path): \(errnoText())") }
        close(fd)
        if let failure { unlink(tmp.path); throw failure }
        guard rename(tmp.path, url.path) == 0 else {
            let message = errnoText()
            unlink(tmp.path)
            throw IOError("cannot replace \(url.path): \(message)")
        }
        let dfd = open(dir.path, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// A file-system or format error with a one-line message for the user.
public struct IOError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

func errnoText() -> String { String(cString: strerror(errno)) }

@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
