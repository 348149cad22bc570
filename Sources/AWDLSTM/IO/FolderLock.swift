#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The advisory lock that makes one process at a time the writer of a run
/// folder: `flock` on `DIR/.lock`, taken before the first write and held until
/// the process exits (the kernel releases it then, however the process ends,
/// so a killed run never leaves a stale lock). Readers (`evaluate`, `generate`,
/// …) do not lock: every file is replaced atomically.
extension RunFolder {
    var lockFile: URL { url.appendingPathComponent(".lock") }

    /// Creates the folder if needed and takes its lock, or throws when another
    /// process holds it (naming that process). Taking it again in the same process does nothing.
    public func lockForWriting() throws {
        try create()
        let path = lockFile.standardizedFileURL.path
        try FolderLocks.shared.take(path) {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw RunFolderError.lockUnavailable(path: path) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                throw RunFolderError.locked(folder: url.path, holder: holder.isEmpty ? nil : holder)
            }
            // The holder's pid, for the message above; the lock, not this text, is what counts.
            let pid = "\(getpid())\n"
            _ = ftruncate(fd, 0)
            _ = pid.withCString { write(fd, $0, strlen($0)) }
            return fd
        }
    }
}

/// The lock files this process holds, open until it exits.
final class FolderLocks: @unchecked Sendable {
    static let shared = FolderLocks()
    private var held: [String: Int32] = [:]
    private let mutex = NSLock()

    func take(_ path: String, _ acquire: () throws -> Int32) throws {
        mutex.lock()
        defer { mutex.unlock() }
        if held[path] == nil { held[path] = try acquire() }
    }
}
