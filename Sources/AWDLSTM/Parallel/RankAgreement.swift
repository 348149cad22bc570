import Foundation

/// The start-up check of a data-parallel job: every rank must train the same
/// model on the same data with the same settings and program, since the
/// collectives assume it. Ranks that differ in sizes corrupt the collectives'
/// buffers (a crash, or a heap quietly overwritten); ranks that differ only in
/// word order or a learning rate train a model that is no one's, with exit 0.
///
/// Each rank describes itself as named facts (`RankFacts`: the program's
/// version and digest, the options, the token counts, digests of the
/// vocabulary and of the tokens); rank 0's are broadcast and compared on every
/// rank, and the lowest rank that differs broadcasts the first difference, so
/// that every rank stops with the same error before any training collective.
public enum RankAgreement {
    /// Returns when every rank of `communicator` holds the same `facts` (names
    /// and values, in the same order); otherwise throws, on every rank,
    /// `DataParallelError.ranksDisagree` naming the lowest differing rank, the
    /// fact, its value there and rank 0's. Every rank must call it. With one
    /// rank it returns at once.
    public static func require(_ facts: [(name: String, value: String)], communicator: Communicator) throws {
        guard communicator.size > 1 else { return }
        let mine = facts.map { "\($0.name)\u{1F}\($0.value)" }.joined(separator: "\u{1E}")
        let root = broadcast(mine, from: 0, communicator)
        let rootFacts = decode(root)
        let difference = difference(facts, rootFacts)
        // The lowest rank that differs: the maximum of size − rank over the ranks that do.
        var flag = [difference == nil ? 0 : Double(communicator.size - communicator.rank)]
        communicator.maximum(&flag)
        guard flag[0] > 0 else { return }
        let rank = communicator.size - Int(flag[0])
        let mine2 = difference.map { "\($0.name)\u{1F}\($0.value)\u{1F}\($0.rootValue)" } ?? ""
        let parts = broadcast(mine2, from: rank, communicator).components(separatedBy: "\u{1F}")
        throw DataParallelError.ranksDisagree(rank: rank, fact: parts[0], value: parts.count > 1 ? parts[1] : "",
                                              rootValue: parts.count > 2 ? parts[2] : "")
    }

    /// The first fact of `mine` that rank 0 does not hold with the same value (or at all).
    static func difference(_ mine: [(name: String, value: String)], _ root: [(name: String, value: String)])
        -> (name: String, value: String, rootValue: String)? {
        for (k, fact) in mine.enumerated() {
            let other = k < root.count && root[k].name == fact.name ? root[k].value : (root.first { $0.name == fact.name }?.value ?? "(none)")
            if other != fact.value { return (fact.name, fact.value, other) }
        }
        if root.count > mine.count { return (root[mine.count].name, "(none)", root[mine.count].value) }
        return nil
    }

    private static func decode(_ text: String) -> [(name: String, value: String)] {
        text.isEmpty ? [] : text.components(separatedBy: "\u{1E}").map { item in
            let parts = item.components(separatedBy: "\u{1F}")
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// `text` of rank `root` on every rank: its length first, then its bytes (a broadcast needs the same count everywhere).
    private static func broadcast(_ text: String, from root: Int, _ communicator: Communicator) -> String {
        var bytes = Array(text.utf8)
        var length = withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) }
        communicator.broadcast(&length, from: root)
        let count = Int(length.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
        if communicator.rank != root { bytes = [UInt8](repeating: 0, count: count) }
        communicator.broadcast(&bytes, from: root)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The facts `RankAgreement` compares, as one rank sees them.
public enum RankFacts {
    /// A 64-bit FNV-1a digest of `bytes`, in hexadecimal: enough to tell two
    /// ranks' data apart (not a cryptographic hash; nobody forges a corpus here).
    public static func digest<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// The digest of token ids.
    public static func digest(_ tokens: [Int32]) -> String {
        tokens.withUnsafeBytes { digest($0) }
    }

    /// The digest of this process's executable (`/proc/self/exe`), or its path
    /// where it cannot be read: ranks started from different builds differ here.
    public static func executableDigest() -> String {
        let path = "/proc/self/exe"
        guard let data = FileManager.default.contents(atPath: path) else { return CommandLine.arguments.first ?? "" }
        return data.withUnsafeBytes { digest($0) }
    }

    /// Sizes and digests of `corpus`: tokens per split, the vocabulary's size
    /// and words, and the tokens themselves.
    public static func of(_ corpus: Corpus) -> [(name: String, value: String)] {
        [("train tokens", "\(corpus.train.count)"), ("valid tokens", "\(corpus.valid.count)"), ("test tokens", "\(corpus.test.count)"),
         ("vocabulary size", "\(corpus.vocabulary.count)"),
         ("vocabulary digest", digest(Array(corpus.vocabulary.words.joined(separator: "\n").utf8))),
         ("train digest", digest(corpus.train)), ("valid digest", digest(corpus.valid)), ("test digest", digest(corpus.test))]
    }
}
