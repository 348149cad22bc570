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
        // Errors name `url`, the file the user asked for, not the temporary one.
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError.cannotWrite(path: url.path, step: .create, reason: errnoText()) }
        var failure: Error?
        if !writeAll(fd, data) { failure = FileError.cannotWrite(path: url.path, step: .write, reason: errnoText()) }
        if failure == nil && fsync(fd) != 0 { failure = FileError.cannotWrite(path: url.path, step: .flush, reason: errnoText()) }
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

    /// Replaces `url`'s content by that of the file `source`, copied in chunks
    /// (never held in memory whole), with the same guarantees as `write(_:to:)`.
    /// Throws `FileError.unreadable` when `source` cannot be read.
    public static func copy(_ source: URL, to url: URL, chunkSize: Int = 1 << 20) throws {
        guard let input = FileHandle(forReadingAtPath: source.path) else { throw FileError.unreadable(path: source.path) }
        defer { try? input.close() }
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError.cannotWrite(path: url.path, step: .create, reason: errnoText()) }
        var failure: Error?
        while failure == nil {
            let chunk: Data
            do { chunk = try input.read(upToCount: chunkSize) ?? Data() } catch { failure = FileError.unreadable(path: source.path); break }
            if chunk.isEmpty { break }
            if !writeAll(fd, chunk) { failure = FileError.cannotWrite(path: url.path, step: .write, reason: errnoText()) }
        }
        if failure == nil && fsync(fd) != 0 { failure = FileError.cannotWrite(path: url.path, step: .flush, reason: errnoText()) }
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

    /// Appends `data` to the existing file `url`, all of it or nothing: when the
    /// disk is full or the write fails otherwise, the file is cut back to its
    /// previous length (so a log never ends in half a line) and this throws.
    public static func append(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw FileError.cannotWrite(path: url.path, step: .append, reason: errnoText()) }
        defer { close(fd) }
        let length = lseek(fd, 0, SEEK_END)
        guard writeAll(fd, data) else {
            let reason = errnoText()
            if length >= 0 { _ = ftruncate(fd, length) }
            throw FileError.cannotWrite(path: url.path, step: .append, reason: reason)
        }
    }

    /// Replaces `url`'s content by `text` in UTF-8, as `write(_:to:)` for data.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// Writes all of `data` to `fd` (retrying short writes and EINTR); false, with
/// `errno` set, when the system refuses (a full disk, a closed pipe, …).
func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
            #else
            let n = Darwin.write(fd, raw.baseAddress! + done, raw.count - done)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }
}
