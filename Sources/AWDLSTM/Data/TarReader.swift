import Foundation

/// Reads a tar stream (POSIX.1-1988 "ustar", as GNU tar writes it) fed to it
/// in chunks of any size, and writes the members asked for to files: the
/// stream is never held in memory whole, so a decompressed `.tgz` can flow
/// through it (`Gzip.inflate`).
///
/// A tar stream is a sequence of 512-byte blocks: each member is a header
/// block followed by its content padded to whole blocks, and two zero blocks
/// end the archive. The header fields used here (POSIX.1-1988, IEEE Std
/// 1003.1-1988 §10.1.1): `name` (bytes 0-99), `size` (124-135, octal, or
/// base-256 when its first byte has the top bit set, a GNU extension),
/// `chksum` (148-155, the sum of the header's bytes with this field read as
/// spaces), `typeflag` (156) and `prefix` (345-499, ustar's leading part of a
/// long name). GNU's long-name member (typeflag `L`) names the member after
/// it; pax headers (`x`, `g`) and every other kind of member are skipped.
struct TarReader {
    static let blockSize = 512

    /// Member name (with any leading `./` removed) → the file to write it to.
    private let wanted: [String: URL]
    private let archivePath: String
    /// The names of the wanted members written so far.
    private(set) var extracted: Set<String> = []
    /// Whether the two zero blocks that end an archive were read.
    private(set) var ended = false

    private var header = [UInt8]()
    /// Bytes of the current member's content still to come, then its padding.
    private var contentLeft = 0, paddingLeft = 0
    private var output: FileHandle?
    private var outputName: String?
    private var longName: [UInt8]?
    /// A GNU long-name member's content, gathered while it is read.
    private var collectingLongName = false
    private var zeroBlocks = 0

    /// `members` maps archive names (`./simple-examples/data/ptb.train.txt`, a
    /// leading `./` optional) to the files they are written to.
    init(members: [String: URL], archivePath: String) {
        wanted = Dictionary(members.map { (Self.normalized($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.archivePath = archivePath
    }

    static func normalized(_ name: String) -> String {
        var n = Substring(name)
        while n.hasPrefix("./") { n = n.dropFirst(2) }
        return String(n)
    }

    /// Consumes the next bytes of the stream. Throws `CorpusError.corruptArchive`
    /// on a header whose checksum or size is wrong, and `FileError` when a
    /// member cannot be written.
    mutating func consume(_ data: Data) throws {
        var bytes = data[...]
        while !bytes.isEmpty && !ended {
            if contentLeft > 0 {
                let part = bytes.prefix(contentLeft)
                if collectingLongName { longName!.append(contentsOf: part) }
                else if let output { try write(part, to: output) }
                contentLeft -= part.count
                bytes = bytes.dropFirst(part.count)
                if contentLeft == 0 { try finishMember() }
            } else if paddingLeft > 0 {
                let n = min(paddingLeft, bytes.count)
                paddingLeft -= n
                bytes = bytes.dropFirst(n)
            } else {
                let n = min(Self.blockSize - header.count, bytes.count)
                header.append(contentsOf: bytes.prefix(n))
                bytes = bytes.dropFirst(n)
                if header.count == Self.blockSize {
                    try startMember(header)
                    header.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    /// Throws `CorpusError.corruptArchive` unless the stream ended on a whole
    /// member (a truncated archive stops inside one).
    func finish() throws {
        if contentLeft > 0 || !header.isEmpty || (outputName != nil) {
            throw CorpusError.corruptArchive(path: archivePath, reason: "the tar stream ends inside a member")
        }
    }

    private mutating func startMember(_ block: [UInt8]) throws {
        if block.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks == 2 { ended = true }
            return
        }
        zeroBlocks = 0
        func corrupt(_ reason: String) -> CorpusError { .corruptArchive(path: archivePath, reason: reason) }
        let stored = Self.octal(block[148..<156])
        let sum = block.enumerated().reduce(0) { $0 + ((148..<156).contains($1.offset) ? 32 : Int($1.element)) }
        guard stored == sum else { throw corrupt("a tar header's checksum is \(stored.map(String.init) ?? "unreadable"), its bytes sum to \(sum)") }
        guard let size = Self.size(block[124..<136]), size >= 0 else { throw corrupt("a tar header's size is unreadable") }
        let type = block[156]
        var name = Self.text(block[0..<100])
        if block[257..<262].elementsEqual("ustar".utf8) {
            let prefix = Self.text(block[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        if let long = longName {
            name = Self.text(long[...])
            longName = nil
        }
        contentLeft = size
        paddingLeft = (Self.blockSize - size % Self.blockSize) % Self.blockSize
        switch type {
        case UInt8(ascii: "L"):
            longName = []
            collectingLongName = true
        case UInt8(ascii: "0"), 0:
            let key = Self.normalized(name)
            if let target = wanted[key] {
                guard FileManager.default.createFile(atPath: target.path, contents: nil),
                      let handle = FileHandle(forWritingAtPath: target.path) else {
                    throw FileError.cannotWrite(path: target.path, step: .create, reason: errnoText())
                }
                output = handle
                outputName = key
            }
        default:
            break  // directories, links, pax headers: nothing to write
        }
        if contentLeft == 0 { try finishMember() }
    }

    private mutating func finishMember() throws {
        collectingLongName = false
        if let output, let outputName {
            do { try output.close() } catch { throw FileError.cannotWrite(path: wanted[outputName]!.path, step: .write, reason: "\(error)") }
            extracted.insert(outputName)
        }
        output = nil
        outputName = nil
    }

    private func write(_ bytes: Data.SubSequence, to handle: FileHandle) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw FileError.cannotWrite(path: outputName.flatMap { wanted[$0]?.path } ?? archivePath, step: .write, reason: "\(error)")
        }
    }

    /// A NUL- or space-terminated octal field; nil when it holds other characters.
    static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        let digits = field.drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
        guard !digits.isEmpty, digits.count <= 21 else { return digits.isEmpty ? 0 : nil }
        var value = 0
        for d in digits {
            guard (48...55).contains(d) else { return nil }
            value = value * 8 + Int(d - 48)
        }
        return value
    }

    /// The size field: octal, or GNU's base-256 (top bit of the first byte set)
    /// for members of 8 GiB and more.
    static func size(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first, first & 0x80 != 0 else { return octal(field) }
        var value = Int(first & 0x7F)
        for b in field.dropFirst() {
            guard value <= Int.max >> 8 else { return nil }
            value = value << 8 | Int(b)
        }
        return value
    }

    /// A NUL-terminated name field, as UTF-8 (an invalid byte becomes U+FFFD,
    /// so such a name matches no member asked for).
    static func text(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}
