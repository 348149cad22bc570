import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash) only ever sees the old or the new
/// content: data goes to a temporary file in the same folder, is flushed to
/// disk with `fsync`, renamed over the target, and the folder entry is synced.
///
/// Only a regular file (or a new one) is replaced that way. A path naming
/// something else is written through, as `open` and `write` would: a FIFO's
/// reader gets the data, `/dev/null` swallows it, `/dev/stdout` (and every path
/// under `/dev` or `/proc`) reaches the stream it names, and none of them is
/// ever replaced by a regular file. A symbolic link is followed: its target is
/// replaced atomically when it is a regular file (or created when missing), and
/// the link stays a link.
@_spi(CLI) public enum AtomicFile {
    /// Replaces `url`'s content by `data` (or writes it through, see above);
    /// throws with the system's reason when the temporary file cannot be
    /// created, written, flushed or renamed (the target is then unchanged), or
    /// when the path names a folder.
    public static func write(_ data: Data, to url: URL) throws {
        switch destination(of: url) {
        case .stream:
            try writeThrough(data, to: url)
        case .file(let target):
            try replace(target, by: data, naming: url)
        }
    }

    /// What a write to `url` reaches: a stream written in place, or the regular
    /// file (possibly not there yet) at the end of its symbolic links.
    public enum Destination: Equatable {
        case stream
        case file(URL)
    }

    public static func destination(of url: URL) -> Destination {
        // Device files and the process's own descriptors (`/dev/stdout` is a link to
        // `/proc/self/fd/1`, which may name a pipe, a terminal or the file the shell
        // opened): replacing one would lose the output or break the system.
        let devices = ["/dev/", "/proc/"]
        if devices.contains(where: { url.standardizedFileURL.path.hasPrefix($0) }) { return .stream }
        var info = stat()
        if stat(url.path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFREG else { return .stream }
            let resolved = url.resolvingSymlinksInPath()
            return devices.contains(where: { resolved.path.hasPrefix($0) }) ? .stream : .file(resolved)
        }
        // Missing: a new file, or a link whose target does not exist yet (created where it points).
        var target = url
        for _ in 0..<40 {
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: target.path) else { break }
            target = link.hasPrefix("/") ? URL(fileURLWithPath: link)
                : target.deletingLastPathComponent().appendingPathComponent(link).standardizedFileURL
        }
        return .file(target)
    }

    /// Writes `data` into what `url` names without replacing it (a FIFO, a
    /// device, a terminal). The process's own streams (`/dev/stdout`,
    /// `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`) are written on their open
    /// descriptor, not opened again: a new opening would start at the beginning of
    /// a file the shell opened for appending (`>>`). Nothing is truncated or created.
    private static func writeThrough(_ data: Data, to url: URL) throws {
        if let fd = openDescriptor(url) {
            fflush(nil)  // what stdio holds for the same stream comes first
            guard writeAll(fd, data) else { throw FileError.cannotWrite(path: url.path, step: .write, reason: errnoText()) }
            return
        }
        var info = stat()
        if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError.cannotWrite(path: url.path, step: .create, reason: String(cString: strerror(EISDIR)))
        }
        let fd = open(url.path, O_WRONLY)
        guard fd >= 0 else { throw FileError.cannotWrite(path: url.path, step: .create, reason: errnoText()) }
        defer { close(fd) }
        guard writeAll(fd, data) else { throw FileError.cannotWrite(path: url.path, step: .write, reason: errnoText()) }
    }

    /// The descriptor `url` names when it is one of this process's own streams.
    static func openDescriptor(_ url: URL) -> Int32? {
        let path = url.standardizedFileURL.path
        switch path {
        case "/dev/stdin": return 0
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                return Int32(path.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// The atomic replacement of the regular file `url`; errors name `asked`, the path the user gave.
    private static func replace(_ url: URL, by data: Data, naming asked: URL) throws {
        try replace(url, naming: asked) { fd in
            writeAll(fd, data) ? nil : FileError.cannotWrite(path: asked.path, step: .write, reason: errnoText())
        }
    }

    /// Replaces `url`'s content by that of the file `source`, copied in chunks
    /// (never held in memory whole), with the same guarantees as `write(_:to:)`.
    /// Throws `FileError.unreadable` when `source` cannot be read.
    public static func copy(_ source: URL, to url: URL, chunkSize: Int = 1 << 20) throws {
        guard let input = FileHandle(forReadingAtPath: source.path) else { throw FileError.unreadable(path: source.path) }
        defer { try? input.close() }
        try replace(url, naming: url) { fd in
            while true {
                let chunk: Data
                do { chunk = try input.read(upToCount: chunkSize) ?? Data() } catch { return FileError.unreadable(path: source.path) }
                if chunk.isEmpty { return nil }
                if !writeAll(fd, chunk) { return FileError.cannotWrite(path: url.path, step: .write, reason: errnoText()) }
            }
        }
    }

    /// The temporary file beside `url` that `fill` writes (returning the error
    /// that stops it, or nil), flushed and renamed over `url`, then the folder
    /// flushed: a reader sees the old file or the whole new one, never a part.
    /// A failure removes the temporary file; errors name `asked`.
    private static func replace(_ url: URL, naming asked: URL, fill: (Int32) -> Error?) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        // Errors name the file the user asked for, not the temporary one.
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileError.cannotWrite(path: asked.path, step: .create, reason: errnoText()) }
        var failure = fill(fd)
        if failure == nil && fsync(fd) != 0 { failure = FileError.cannotWrite(path: asked.path, step: .flush, reason: errnoText()) }
        close(fd)
        if let failure { unlink(tmp.path); throw failure }
        guard rename(tmp.path, url.path) == 0 else {
            let message = errnoText()
            unlink(tmp.path)
            throw FileError.cannotWrite(path: asked.path, step: .replace, reason: message)
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
