import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash) only ever sees the old or the new
/// content: data goes to a temporary file in the same folder, is flushed to
/// disk with `fsync`, renamed over the target, and the folder entry is synced.
@_spi(CLI) public enum AtomicFile {
    /// Replaces `url`'s content by `data`; throws with the system's reason when the
    /// temporary file cannot be created, written, flushed or renamed (the target is then unchanged).
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError.cannotWrite(path: tmp.path, step: .create, reason: errnoText()) }
        var failure: Error?
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileError.cannotWrite(path: tmp.path, step: .write, reason: errnoText())
                    return
                }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = FileError.cannotWrite(path: tmp.path, step: .flush, reason: errnoText()) }
        close(fd)
        if let failure { unlink(tmp.path); throw failure }
        guard rename(tmp.path, url.path) == 0 else {
            let message = errnoText()
            unlink(tmp.path)
            throw FileError.cannotWrite(path: url.path, step: .replace, reason: message)
        }
        let dfd = open(dir.path, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Replaces `url`'s content by `text` in UTF-8, as `write(_:to:)` for data.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
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
