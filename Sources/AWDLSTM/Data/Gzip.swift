import Foundation
import ZIPFoundation

/// Reads a gzip file (RFC 1952), such as the `.tgz` PTB ships in, as a stream:
/// the header (RFC 1952 §2.3) is parsed here, the deflate data (RFC 1951) is
/// inflated by ZIPFoundation's zlib stream (`Data.decompress`), and the
/// trailer's CRC-32 and length are checked against what was inflated.
/// Only one member is read, as `gzip` writes; neither file is held in memory.
enum Gzip {
    /// Flag bits of the header's FLG byte (RFC 1952 §2.3.1).
    private static let fhcrc: UInt8 = 0x02, fextra: UInt8 = 0x04, fname: UInt8 = 0x08, fcomment: UInt8 = 0x10

    /// The length of the inflated data modulo 2³², as the trailer of the gzip
    /// file `url` gives it (for progress: exact below 4 GiB); nil when `url` is
    /// shorter than a trailer.
    static func announcedSize(_ url: URL) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 18, (try? handle.seek(toOffset: size - 4)) != nil,
              let tail = try? handle.read(upToCount: 4), tail.count == 4 else { return nil }
        return Int64(tail.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// Inflates the gzip file `url` chunk by chunk into `consumer`. Throws
    /// `CorpusError.notAnArchive` when `url` is not gzip data, and
    /// `CorpusError.corruptArchive` when it is truncated, its deflate data is
    /// damaged, or the inflated bytes do not match the trailer's CRC-32 or length.
    static func inflate(_ url: URL, bufferSize: Int = 1 << 16, into consumer: (Data) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw FileError.unreadable(path: url.path) }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        func corrupt(_ reason: String) -> CorpusError { .corruptArchive(path: url.path, reason: reason) }
        func read(_ count: Int) throws -> [UInt8] {
            let bytes = [UInt8](try handle.read(upToCount: count) ?? Data())
            guard bytes.count == count else { throw corrupt("the gzip header is truncated") }
            return bytes
        }
        // Header: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields FLG names.
        let header = try read(10)
        guard header[0] == 0x1F, header[1] == 0x8B else {
            throw CorpusError.notAnArchive(path: url.path, kind: "a gzip-compressed tar archive (.tgz)")
        }
        guard header[2] == 8 else { throw corrupt("gzip compression method \(header[2]) is not deflate") }
        let flags = header[3]
        if flags & fextra != 0 {
            let length = try read(2)
            _ = try read(Int(length[0]) | Int(length[1]) << 8)
        }
        for field in [fname, fcomment] where flags & field != 0 {
            while try read(1)[0] != 0 {}  // zero-terminated ISO 8859-1 text
        }
        if flags & fhcrc != 0 { _ = try read(2) }
        guard size >= handle.offsetInFile + 8 else { throw corrupt("the gzip stream is truncated") }
        let dataEnd = size - 8
        // ZIPFoundation's zlib loop gives `inflate` a whole buffer each time, so
        // every chunk is `bufferSize` long: the file's last bytes are padded with
        // zeros, and a stream that asks for more after the file ended is truncated.
        var inflated: UInt64 = 0
        var exhausted = false
        let crc: UInt32
        do {
            crc = try Data.decompress(size: Int64(dataEnd), bufferSize: bufferSize, skipCRC32: false, provider: { _, count in
                guard !exhausted else { throw corrupt("the deflate stream is truncated") }
                var chunk = try handle.read(upToCount: count) ?? Data()
                if chunk.count < count {
                    exhausted = true
                    chunk.append(Data(count: count - chunk.count))
                }
                return chunk
            }, consumer: { data in
                inflated += UInt64(data.count)
                try consumer(data)
            })
        } catch let error as CorpusError {
            throw error
        } catch let error as FileError {
            throw error
        } catch {
            throw corrupt("the deflate data is damaged (\(error))")
        }
        // Trailer: CRC-32 and ISIZE (the length modulo 2³²), both little-endian.
        try handle.seek(toOffset: dataEnd)
        let trailer = try read(8)
        let expectedCRC = trailer[0..<4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let expectedSize = trailer[4..<8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard crc == expectedCRC else {
            throw corrupt(String(format: "CRC-32 %08x of the inflated data, the gzip trailer says %08x", crc, expectedCRC))
        }
        guard UInt32(truncatingIfNeeded: inflated) == expectedSize else {
            throw corrupt("\(inflated) bytes inflated, the gzip trailer says \(expectedSize) (mod 2^32)")
        }
    }
}
