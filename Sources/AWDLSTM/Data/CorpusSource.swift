import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

    /// Downloads (or takes `archive`), verifies and unpacks into `folder`.
    /// Files appear in `folder` only after all three checksums match. `log` gets
    /// one line per step. Throws when no URL can be fetched, a checksum differs,
    /// a member is missing, or `folder` cannot be written.
    public func install(to folder: URL, archive: URL? = nil, log: (String) -> Void) throws {
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
                log("downloading \(u)")
                do {
                    try Self.fetch(URL(string: u)!, to: archiveURL)
                    errors = []
                    break
                } catch { errors.append("\(error)") }
            }
            if !errors.isEmpty {
                throw CorpusError.downloadFailed(corpus: name, reasons: errors)
            }
        }
        if let expected = archiveMD5 {
            guard let data = fm.contents(atPath: archiveURL.path) else { throw FileError.unreadable(path: archiveURL.path) }
            let sum = MD5.hex(data)
            guard sum == expected else { throw CorpusError.checksumMismatch(corpus: name, file: archiveURL.path, member: nil, md5: sum, expected: expected) }
        }
        try Self.requireArchive(archiveURL, zip: isZip)
        let out = work.appendingPathComponent("out")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        if isZip {
            try Self.runTool("unzip", ["-q", "-o", "-j", archiveURL.path] + members + ["-d", out.path],
                             fallback: ("python3", ["-c", "import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1])\nfor m in sys.argv[3:]:\n  open(os.path.join(sys.argv[2],os.path.basename(m)),'wb').write(z.read(m))", archiveURL.path, out.path] + members))
        } else {
            try Self.runTool("tar", ["-xzf", archiveURL.path, "-C", out.path] + members, fallback: nil)
        }
        let targets = ["train.txt", "valid.txt", "test.txt"]
        var extracted: [URL] = []
        for (k, member) in members.enumerated() {
            let file = isZip ? out.appendingPathComponent((member as NSString).lastPathComponent) : out.appendingPathComponent(member)
            guard let data = fm.contents(atPath: file.path) else { throw CorpusError.missingMember(archive: archiveURL.path, member: member) }
            if !md5.isEmpty {
                let sum = MD5.hex(data)
                guard sum == md5[k] else {
                    throw CorpusError.checksumMismatch(corpus: name, file: archiveURL.path, member: member, md5: sum, expected: md5[k])
                }
            }
            extracted.append(file)
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for (file, target) in zip(extracted, targets) {
            let data = fm.contents(atPath: file.path)!
            try AtomicFile.write(data, to: folder.appendingPathComponent(target))
        }
        log("\(name): train.txt, valid.txt, test.txt verified and written to \(folder.path)")
    }

    /// Throws unless `file` starts as a zip archive (`zip`) or a gzip stream (a
    /// `.tgz`) does, so that a wrong `--archive` (or a downloaded error page) is
    /// named before `tar` or `unzip` fails on it.
    static func requireArchive(_ file: URL, zip: Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw FileError.unreadable(path: file.path) }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        let magic: [UInt8] = zip ? [0x50, 0x4B, 0x03, 0x04] : [0x1F, 0x8B]
        guard head.starts(with: magic) else { throw CorpusError.notAnArchive(path: file.path, kind: zip ? "a zip archive" : "a gzip-compressed tar archive (.tgz)") }
    }

    static func fetch(_ url: URL, to file: URL) throws {
        final class Box: @unchecked Sendable { var result: Result<Data, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { box.result = .failure(CorpusError.fetchFailed(url: url.absoluteString, reason: error.localizedDescription)) }
            else if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                box.result = .failure(CorpusError.fetchFailed(url: url.absoluteString, reason: "HTTP \(http.statusCode)"))
            } else { box.result = .success(data ?? Data()) }
            done.signal()
        }
        task.resume()
        done.wait()
        try AtomicFile.write(try box.result!.get(), to: file)
    }

    static func runTool(_ tool: String, _ args: [String], fallback: (String, [String])?) throws {
        func run(_ tool: String, _ args: [String]) -> Int32? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [tool] + args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            p.waitUntilExit()
            return p.terminationStatus
        }
        let status = run(tool, args)
        if status == 0 { return }
        if status == 127 || status == nil, let (f, fargs) = fallback, run(f, fargs) == 0 { return }
        throw CorpusError.unpackFailed(tool: tool, status: status)
    }
}
