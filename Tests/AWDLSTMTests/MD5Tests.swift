import Foundation
import XCTest
@testable import AWDLSTM

/// MD5 against the test suite of RFC 1321 (appendix A.5), which also covers
/// messages that end exactly where padding needs a second block, in memory and
/// streamed from a file in chunks smaller than the file.
final class MD5Tests: XCTestCase {
    static let suite: [(String, String)] = [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ]

    func testRFC1321TestSuite() {
        for (message, digest) in Self.suite {
            XCTAssertEqual(FileChecksum.md5(Array(message.utf8)), digest, "MD5(\"\(message)\")")
        }
    }

    /// The same messages read from files 7 bytes at a time (chunks that split
    /// MD5's 64-byte blocks), so the streaming update is checked, not only one call.
    func testFileInChunks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("md5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (k, (message, digest)) in Self.suite.enumerated() {
            let file = dir.appendingPathComponent("\(k).txt")
            try Data(message.utf8).write(to: file)
            XCTAssertEqual(try FileChecksum.md5(file: file, chunkSize: 7), digest, "MD5 of a file holding \"\(message)\"")
        }
        XCTAssertThrowsError(try FileChecksum.md5(file: dir.appendingPathComponent("missing")))
    }
}
