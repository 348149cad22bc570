import Foundation
import Logging

/// The public corpora the authors train on, fetched from their canonical
/// archives, checked against published MD5 sums and unpacked into the
/// `{train,valid,test}.txt` layout.
public struct CorpusSource: Sendable {
    /// The name `download` takes: `ptb`, `wikitext-2`, `wikitext-103`.
    public let name: String
    let urls: [String]
    /// Archive member for train, valid and test.
    let members: [String]
    /// MD5 of the extracted train, valid and test files (empty: not published).
    let md5: [String]
    let isZip: Bool
    /// MD5 of the archive itself, checked before unpacking when known.
    var archiveMD5: String? = nil

    /// Every corpus that can be downloaded.
    public static let all: [CorpusSource] = [
        CorpusSource(name: "ptb",
                     urls: ["http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz"],
                     members: ["./simple-examples/data/ptb.train.txt", "./simple-examples/data/ptb.valid.txt",
                               "./simple-examples/data/ptb.test.txt"],
                     md5: ["f26c4b92c5fdc7b3f8c7cdcb991d8420", "aa0affc06ff7c36e977d7cd49e3839bf",
                           "8b80168b89c18661a38ef683c0dc3721"],
                     isZip: false),
        CorpusSource(name: "wikitext-2",
                     urls: ["https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
                            "https://wikitext.smerity.com/wikitext-2-v1.zip"],
                     members: ["wikitext-2/wiki.train.tokens", "wikitext-2/wiki.valid.tokens", "wikitext-2/wiki.test.tokens"],
                     md5: ["34a77ebe59551b3a3b3d8c0a2797c976", "d756d22ab2310e7e60c094bea5c5a8eb",
                           "781c9418ab9414bd09e4aad825aae752"],
                     isZip: true),
        // The archive's MD5 is the one torchtext and others check; MD5s of the
        // extracted files are not published, so the archive's stands for them.
        CorpusSource(name: "wikitext-103",
                     urls: ["https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip",
                            "https://wikitext.smerity.com/wikitext-103-v1.zip"],
                     members: ["wikitext-103/wiki.train.tokens", "wikitext-103/wiki.valid.tokens", "wikitext-103/wiki.test.tokens"],
                     md5: [], isZip: true, archiveMD5: "9ddaacaf6af0710eda8c456decff7832"),
    ]

    /// The corpus called `name`, or nil.
    public static func named(_ name: String) -> CorpusSource? { all.first { $0.name == name } }

    /// What `install` reports while it works: bytes of the archive downloaded,
    /// then bytes of the members unpacked (the total is nil when the server
    /// announced no length).
    public enum Step: Sendable { case downloading, unpacking }

    /// Downloads (or takes `archive`), verifies and unpacks into `folder`.
    /// The archive is streamed to a temporary file (never held in memory) and
    /// unpacked with ZIPFoundation (zip) or `Gzip` and `TarReader` (.tgz); MD5
    /// sums are computed over the files in chunks (swift-crypto).
    /// Files appear in `folder` only after all three checksums match. `logger`
    /// gets one line per step (info level), `progress` the bytes done and the
    /// total of each step. Throws when no URL can be fetched, the archive is not
    /// one or is damaged, a checksum differs, a member is missing, or `folder`
    /// cannot be written.
    public func install(to folder: URL, archive: URL? = nil, logger: Logger = LibraryLog.logger,
                        progress: @escaping @Sendable (Step, Int64, Int64?) -> Void = { _, _, _ in }) throws {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("awd-lstm-download-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let archiveURL: URL
        if let a = archive {
            guard fm.fileExists(atPath: a.path) else { throw FileError.missing(path: a.path) }
            archiveURL = a
        } else {
            archiveURL = work.appendingPathComponent(isZip ? "archive.zip" : "archive.tgz")
            var errors: [String] = []
            for u in urls {
                logger.info("downloading \(u)")
                do {
                    try FileDownload.fetch(URL(string: u)!, to: archiveURL) { progress(.downloading, $0, $1) }
                    errors = []
                    break
                } catch { errors.append("\(error)") }
            }
            if !errors.isEmpty {
                throw CorpusError.downloadFailed(corpus: name, reasons: errors)
            }
        }
        if let expected = archiveMD5 {
            let sum = try FileChecksum.md5(file: archiveURL)
            guard sum == expected else { throw CorpusError.checksumMismatch(corpus: name, file: archiveURL.path, member: nil, md5: sum, expected: expected) }
        }
        try Self.requireArchive(archiveURL, zip: isZip)
        let out = work.appendingPathComponent("out")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let extracted = members.indices.map { out.appendingPathComponent("member-\($0)") }
        let targets = Dictionary(uniqueKeysWithValues: zip(members, extracted))
        if isZip {
            try ZipMembers.extract(targets, from: archiveURL) { progress(.unpacking, $0, $1) }
        } else {
            var tar = TarReader(members: targets, archivePath: archiveURL.path)
            var unpacked: Int64 = 0
            let total = Gzip.announcedSize(archiveURL)
            try Gzip.inflate(archiveURL) { data in
                try tar.consume(data)
                unpacked += Int64(data.count)
                progress(.unpacking, unpacked, total)
            }
            try tar.finish()
            if let member = members.first(where: { !tar.extracted.contains(TarReader.normalized($0)) }) {
                throw CorpusError.missingMember(archive: archiveURL.path, member: member)
            }
        }
        for (k, member) in members.enumerated() where !md5.isEmpty {
            let sum = try FileChecksum.md5(file: extracted[k])
            guard sum == md5[k] else {
                throw CorpusError.checksumMismatch(corpus: name, file: archiveURL.path, member: member, md5: sum, expected: md5[k])
            }
        }
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: folder.path)
        }
        for (file, target) in zip(extracted, ["train.txt", "valid.txt", "test.txt"]) {
            try AtomicFile.copy(file, to: folder.appendingPathComponent(target))
        }
        logger.info("\(name): train.txt, valid.txt, test.txt verified and written to \(folder.path)")
    }

    /// Throws unless `file` starts as a zip archive (`zip`) or a gzip stream (a
    /// `.tgz`) does, so that a wrong `--archive` (or a downloaded error page) is
    /// named before it is unpacked.
    static func requireArchive(_ file: URL, zip: Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw FileError.unreadable(path: file.path) }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        let magic: [UInt8] = zip ? [0x50, 0x4B, 0x03, 0x04] : [0x1F, 0x8B]
        guard head.starts(with: magic) else { throw CorpusError.notAnArchive(path: file.path, kind: zip ? "a zip archive" : "a gzip-compressed tar archive (.tgz)") }
    }
}
