import Foundation
import XCTest
import ZIPFoundation
@testable import AWDLSTM

/// Archives built here, in Swift, as the published corpora are packed: a
/// gzip-compressed ustar archive (PTB's `.tgz`) and a zip (WikiText's).
enum TestArchive {
    /// A ustar archive of `members` (name → content), with a directory entry
    /// first as GNU tar writes one; names over 100 bytes use the `prefix` field.
    static func tar(_ members: [(String, Data)]) -> Data {
        var out = Data()
        func header(_ name: String, size: Int, type: UInt8) -> Data {
            var h = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (k, b) in text.utf8.enumerated() { h[offset + k] = b } }
            var name = name, prefix = ""
            if name.utf8.count > 100, let cut = name.lastIndex(of: "/") {
                prefix = String(name[..<cut])
                name = String(name[name.index(after: cut)...])
            }
            put(name, at: 0)
            put("0000644", at: 100); put("0001750", at: 108); put("0001750", at: 116)
            put(String(format: "%011o", size), at: 124)
            put(String(format: "%011o", 1_500_000_000), at: 136)
            h[156] = type
            put("ustar", at: 257); put("00", at: 263)
            put(prefix, at: 345)
            for k in 148..<156 { h[k] = 32 }
            let sum = h.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o", sum), at: 148)
            h[154] = 0
            return Data(h)
        }
        out.append(header("./simple-examples/", size: 0, type: UInt8(ascii: "5")))
        for (name, content) in members {
            out.append(header(name, size: content.count, type: UInt8(ascii: "0")))
            out.append(content)
            out.append(Data(count: (512 - content.count % 512) % 512))
        }
        out.append(Data(count: 1024))
        return out
    }

    /// `data` as a gzip file (RFC 1952): header with a file name, deflate data
    /// from ZIPFoundation, then CRC-32 and length.
    static func gzip(_ data: Data) throws -> Data {
        var out = Data([0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3])
        out.append(Data("simple-examples.tar".utf8) + [0])
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 1 << 16, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { out.append($0) })
        for word in [crc, UInt32(truncatingIfNeeded: data.count)] {
            out.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) })
        }
        return out
    }

    /// A zip archive of `members` at `url`, deflated, made with ZIPFoundation.
    static func zip(_ members: [(String, Data)], to url: URL) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (name, content) in members {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(content.count), compressionMethod: .deflate,
                                 provider: { position, size in content.subdata(in: Int(position)..<Int(position) + size) })
        }
    }
}

/// Unpacking without `tar`, `unzip` or Python: the ustar reader fed in chunks
/// of any size, gzip's trailer checks, ZIPFoundation's members, and
/// `download --archive` end to end.
final class ArchiveTests: XCTestCase {
    static let ptbMembers = ["ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"].map { "./simple-examples/data/" + $0 }

    /// Every wanted member comes out whole whatever the chunk size (1 byte, a
    /// block, a prime), including one whose name needs ustar's prefix field;
    /// unwanted members are skipped.
    func testTarReaderInChunks() throws {
        let dir = try TemporaryFolder()
        let long = "./" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 40) + ".txt"
        let members: [(String, Data)] = [("./a/skip.txt", Data(repeating: 7, count: 1000)), ("./a/one.txt", Data("one\n".utf8)),
                                         (long, Data((0..<1300).map { UInt8($0 % 251) })), ("./a/empty.txt", Data())]
        let tar = TestArchive.tar(members)
        for chunk in [1, 512, 997, tar.count] {
            let targets = ["a/one.txt": dir.url.appendingPathComponent("one-\(chunk)"),
                           long: dir.url.appendingPathComponent("long-\(chunk)"),
                           "./a/empty.txt": dir.url.appendingPathComponent("empty-\(chunk)")]
            var reader = TarReader(members: targets, archivePath: "test.tar")
            for start in stride(from: 0, to: tar.count, by: chunk) { try reader.consume(tar.subdata(in: start..<min(tar.count, start + chunk))) }
            try reader.finish()
            XCTAssertTrue(reader.ended)
            XCTAssertEqual(reader.extracted.count, 3, "chunk \(chunk)")
            XCTAssertEqual(FileManager.default.contents(atPath: targets["a/one.txt"]!.path), members[1].1)
            XCTAssertEqual(FileManager.default.contents(atPath: targets[long]!.path), members[2].1)
            XCTAssertEqual(FileManager.default.contents(atPath: targets["./a/empty.txt"]!.path), Data())
        }
    }

    /// A header whose checksum is wrong, and a stream cut inside a member, are damage.
    func testTarReaderRejectsDamage() throws {
        let dir = try TemporaryFolder()
        var tar = TestArchive.tar([("./a.txt", Data("abc".utf8))])
        var reader = TarReader(members: ["a.txt": dir.url.appendingPathComponent("a")], archivePath: "t.tar")
        try reader.consume(tar.prefix(512 + 512 + 1))
        XCTAssertThrowsError(try reader.finish())
        tar[512 + 3] ^= 1  // a byte of the member's name
        var damaged = TarReader(members: [:], archivePath: "t.tar")
        XCTAssertThrowsError(try damaged.consume(tar)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    }

    /// Gzip data inflates to what went in; a changed byte or a cut file is named, never a hang or a trap.
    func testGzipChecksAndTruncation() throws {
        let dir = try TemporaryFolder()
        let content = Data((0..<200_000).map { (k: Int) -> UInt8 in UInt8(truncatingIfNeeded: k * 7 + k / 13) })
        let gz = try TestArchive.gzip(content)
        let file = dir.url.appendingPathComponent("x.gz")
        try gz.write(to: file)
        var out = Data()
        try Gzip.inflate(file, bufferSize: 4096) { out.append($0) }
        XCTAssertEqual(out, content)
        XCTAssertEqual(Gzip.announcedSize(file), Int64(content.count))

        var badCRC = gz
        badCRC[badCRC.count - 6] ^= 0xFF
        try badCRC.write(to: file)
        XCTAssertThrowsError(try Gzip.inflate(file) { _ in }) { XCTAssertTrue("\($0)".contains("CRC-32"), "\($0)") }
        try gz.prefix(gz.count / 2).write(to: file)
        XCTAssertThrowsError(try Gzip.inflate(file) { _ in }) { XCTAssertTrue("\($0)".contains("damaged archive"), "\($0)") }
        try Data("plain text".utf8).write(to: file)
        XCTAssertThrowsError(try Gzip.inflate(file) { _ in }) { XCTAssertTrue("\($0)".contains("not a gzip"), "\($0)") }
    }

    /// A .tgz with the PTB layout but other content: unpacked, then refused by
    /// its MD5 (through the executable), and nothing is written.
    func testPTBArchiveWithOtherContentFailsMD5() throws {
        let dir = try TemporaryFolder()
        let archive = dir.url.appendingPathComponent("simple-examples.tgz")
        try TestArchive.gzip(TestArchive.tar(Self.ptbMembers.map { ($0, Data("not the real corpus\n".utf8)) })).write(to: archive)
        let target = dir.url.appendingPathComponent("ptb")
        let r = try CLI.run(["download", "ptb", "--to", target.path, "--archive", archive.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("./simple-examples/data/ptb.train.txt has MD5 "), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("error") }.count, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent("train.txt").path))
    }

    /// A zip without the WikiText members, and a .tgz cut short: one line each, exit 1.
    func testMissingMemberAndTruncatedArchive() throws {
        let dir = try TemporaryFolder()
        let zip = dir.url.appendingPathComponent("wikitext-2-v1.zip")
        try TestArchive.zip([("wikitext-2/wiki.train.tokens", Data("x\n".utf8))], to: zip)
        let target = dir.url.appendingPathComponent("wt2")
        let r = try CLI.run(["download", "wikitext-2", "--to", target.path, "--archive", zip.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("no member 'wikitext-2/wiki.test.tokens'") || r.stderr.contains("no member 'wikitext-2/wiki.valid.tokens'"), r.stderr)

        let tgz = dir.url.appendingPathComponent("simple-examples.tgz")
        let whole = try TestArchive.gzip(TestArchive.tar(Self.ptbMembers.map { ($0, Data(repeating: 65, count: 5000)) }))
        try whole.prefix(whole.count - 40).write(to: tgz)
        let cut = try CLI.run(["download", "ptb", "--to", target.path, "--archive", tgz.path])
        XCTAssertEqual(cut.status, 1, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("damaged archive"), cut.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }

    /// `download --archive` end to end with archives packed here from the real
    /// corpora (`AWDLSTM_DATA`): PTB from a .tgz, WikiText-2 from a zip; each
    /// passes the published MD5s and comes out byte for byte.
    func testDownloadFromLocalArchives() throws {
        guard let root = ProcessInfo.processInfo.environment["AWDLSTM_DATA"] else {
            throw XCTSkip("AWDLSTM_DATA is not set (a folder with ptb/ and wikitext-2/)")
        }
        let data = URL(fileURLWithPath: root)
        let dir = try TemporaryFolder()
        let splits = ["train", "valid", "test"]
        let ptb = try splits.map { try Data(contentsOf: data.appendingPathComponent("ptb/\($0).txt")) }
        let tgz = dir.url.appendingPathComponent("simple-examples.tgz")
        try TestArchive.gzip(TestArchive.tar(Array(zip(Self.ptbMembers, ptb)))).write(to: tgz)
        let wt2 = try splits.map { try Data(contentsOf: data.appendingPathComponent("wikitext-2/\($0).txt")) }
        let zipFile = dir.url.appendingPathComponent("wikitext-2-v1.zip")
        try TestArchive.zip(Array(zip(splits.map { "wikitext-2/wiki.\($0).tokens" }, wt2)), to: zipFile)

        for (corpus, archive, expected) in [("ptb", tgz, ptb), ("wikitext-2", zipFile, wt2)] {
            let target = dir.url.appendingPathComponent(corpus)
            let r = try CLI.run(["download", corpus, "--to", target.path, "--archive", archive.path],
                                environment: ["AWDLSTM_PROGRESS": "lines", "AWDLSTM_PROGRESS_AFTER": "0"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("\(corpus): train.txt, valid.txt, test.txt verified and written to \(target.path)"), r.stderr)
            XCTAssertTrue(r.stderr.contains("unpacking "), "progress lines: \(r.stderr)")
            for (split, content) in zip(splits, expected) {
                XCTAssertEqual(FileManager.default.contents(atPath: target.appendingPathComponent("\(split).txt").path), content, "\(corpus) \(split)")
            }
        }
    }
}
