import Foundation
import Logging
import ZIPFoundation

/// The enwik8 character-level corpus (the first 10⁸ bytes of an English
/// Wikipedia dump, Hutter Prize) prepared as the authors'
/// `data/enwik8/prep_enwik8.py` does:
///
/// - the member `enwik8` of `enwik8.zip` is split into train (all but the last
///   2 × 5,000,000 bytes: the first 90 M), valid (the next 5 M) and test (the
///   last 5 M);
/// - each split is written as `{train,valid,test}.txt`: every byte as its
///   decimal value, the values separated by single spaces, except that a
///   newline byte (10) is written as a line break (Python's
///   `' '.join(str(c) if c != ord('\n') else '\n' for c in part)`), so each
///   byte is one token and each line ends in `<eos>` when the corpus is read;
/// - the raw bytes of each split go to `{train,valid,test}.txt.raw`.
@_spi(CLI) public enum Enwik8 {
    /// Bytes held out for each of valid and test (the authors' `num_test_chars`).
    public static let heldOutBytes = 5_000_000

    /// The authors' split: `[train, valid, test]`.
    static func split(_ data: Data, heldOut n: Int = heldOutBytes) throws -> [Data] {
        // `data.count > 2 * n` written without the product, which overflows for a huge `n`.
        guard n >= 1, n <= (data.count - 1) / 2 else {
            throw CorpusError.tooSmallToSplit(name: "enwik8", bytes: data.count, heldOut: n)
        }
        let a = data.startIndex, b = data.endIndex - 2 * n, c = data.endIndex - n
        return [data[a..<b], data[b..<c], data[c...]].map { Data($0) }
    }

    /// One split in the authors' text format (see the type's description).
    static func text(_ bytes: Data) -> Data {
        let names: [[UInt8]] = (0..<256).map { $0 == 10 ? [10] : Array(String($0).utf8) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 4)
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for (k, byte) in raw.enumerated() {
                if k > 0 { out.append(32) }
                out.append(contentsOf: names[Int(byte)])
            }
        }
        return Data(out)
    }

    /// Reads `enwik8` from `zip` (with ZIPFoundation, its CRC-32 checked) and
    /// writes the six files into `folder`, each atomically. `logger` gets one
    /// line per file. Throws when `zip` is missing, unreadable or not a zip
    /// archive, has no member `enwik8`, holds fewer than 2·`n` + 1 bytes, or
    /// `folder` cannot be written.
    public static func prepare(zip: URL, to folder: URL, heldOut n: Int = heldOutBytes,
                               logger: Logger = LibraryLog.logger) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: zip.path) else { throw FileError.missing(path: zip.path) }
        let data = try ZipMembers.read("enwik8", from: zip)
        logger.info("Length of enwik8: \(data.count)")
        let parts = try split(data, heldOut: n)
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: folder.path)
        }
        for (name, part) in Swift.zip(["train.txt", "valid.txt", "test.txt"], parts) {
            logger.info("\(name) will have \(part.count) bytes")
            try AtomicFile.write(text(part), to: folder.appendingPathComponent(name))
            try AtomicFile.write(part, to: folder.appendingPathComponent(name + ".raw"))
        }
    }
}
