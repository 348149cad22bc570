import Foundation
import ZIPFoundation

/// Members of a zip archive (the WikiText and enwik8 archives) read through
/// ZIPFoundation, each one streamed and its CRC-32 checked by the library.
enum ZipMembers {
    /// Writes each member `members[name]` names (a path inside the archive) to
    /// its file, chunk by chunk. Throws `CorpusError.notAnArchive` when `zip` is
    /// not a zip archive, `CorpusError.missingMember` for a name it lacks, and
    /// `CorpusError.corruptArchive` when a member cannot be inflated or fails
    /// its CRC-32.
    static func extract(_ members: [String: URL], from zip: URL, progress: (Int64, Int64) -> Void = { _, _ in }) throws {
        let archive = try open(zip)
        let entries = try members.keys.sorted().map { name in
            guard let entry = archive[name] else { throw CorpusError.missingMember(archive: zip.path, member: name) }
            return (name, entry)
        }
        let total = entries.reduce(Int64(0)) { $0 + Int64($1.1.uncompressedSize) }
        var done: Int64 = 0
        for (name, entry) in entries {
            let target = members[name]!
            try? FileManager.default.removeItem(at: target)
            do {
                _ = try archive.extract(entry, to: target, skipCRC32: false)
            } catch let error as Archive.ArchiveError {
                throw CorpusError.corruptArchive(path: zip.path, reason: "\(name): \(describe(error))")
            } catch let error as CocoaError {
                throw FileError.cannotWrite(path: target.path, step: .write, reason: error.localizedDescription)
            } catch {
                throw CorpusError.corruptArchive(path: zip.path, reason: "\(name): \(error)")
            }
            done += Int64(entry.uncompressedSize)
            progress(done, total)
        }
    }

    /// The content of the member `name` of `zip`, in memory (for enwik8, which
    /// is split in memory anyway). Throws as `extract`.
    static func read(_ name: String, from zip: URL) throws -> Data {
        let archive = try open(zip)
        guard let entry = archive[name] else { throw CorpusError.missingMember(archive: zip.path, member: name) }
        var data = Data()
        data.reserveCapacity(Int(clamping: entry.uncompressedSize))
        do {
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
        } catch let error as Archive.ArchiveError {
            throw CorpusError.corruptArchive(path: zip.path, reason: "\(name): \(describe(error))")
        } catch {
            throw CorpusError.corruptArchive(path: zip.path, reason: "\(name): \(error)")
        }
        return data
    }

    private static func open(_ zip: URL) throws -> Archive {
        guard FileManager.default.isReadableFile(atPath: zip.path) else { throw FileError.unreadable(path: zip.path) }
        do { return try Archive(url: zip, accessMode: .read) } catch {
            throw CorpusError.notAnArchive(path: zip.path, kind: "a zip archive")
        }
    }

    private static func describe(_ error: Archive.ArchiveError) -> String {
        switch error {
        case .invalidCRC32: "its CRC-32 does not match its content"
        case .invalidCompressionMethod: "compressed with a method other than deflate or none"
        default: "cannot be read (\(error))"
        }
    }
}
