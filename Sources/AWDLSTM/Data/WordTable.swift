/// Word → id by UTF-8 bytes, for tokenising large corpora: an open-addressing
/// hash table over one byte arena, so that looking a word up costs a hash and a
/// comparison of bytes, never a `String` (a corpus of 103 M tokens would
/// otherwise allocate 103 M of them). Ids are dense, in order of insertion.
struct WordTable {
    /// Word index + 1 per slot (0: empty); the capacity is a power of two.
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    /// Word i's bytes are `arena[starts[i]..<starts[i + 1]]`.
    private var starts: [Int] = [0]
    private var arena: [UInt8] = []

    var count: Int { hashes.count }

    init(words: [String]) {
        slots = [Int32](repeating: 0, count: 1 << 10)
        for w in words {
            var bytes = Array(w.utf8)
            let isNew = bytes.withUnsafeMutableBufferPointer { b in insert(UnsafeBufferPointer(b)).isNew }
            // A repeated word (fastai's `xxfake` padding) keeps its line's id
            // taken, so that the ids after it stay line numbers; lookups find
            // its first occurrence.
            if !isNew { reserveID() }
        }
    }

    /// FNV-1a, 64 bits.
    @inline(__always)
    private static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The slot holding `word`, or the empty slot where it would go.
    @inline(__always)
    private func slot(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[s])
            if entry == 0 { return s }
            let i = entry - 1
            if hashes[i] == h && starts[i + 1] - starts[i] == word.count {
                let same = arena.withUnsafeBufferPointer { a in
                    word.count == 0 || memcmp(a.baseAddress! + starts[i], word.baseAddress!, word.count) == 0
                }
                if same { return s }
            }
            s = (s + 1) & mask
        }
    }

    /// The id of `word`, or nil when it is not in the table.
    @inline(__always)
    func id(_ word: UnsafeBufferPointer<UInt8>) -> Int32? {
        let entry = slots[slot(word, hash: Self.hash(word))]
        return entry == 0 ? nil : entry - 1
    }

    /// The id of `word`, adding it when new (`isNew`).
    @inline(__always)
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>) -> (id: Int32, isNew: Bool) {
        let h = Self.hash(word)
        let s = slot(word, hash: h)
        if slots[s] != 0 { return (slots[s] - 1, false) }
        let id = Int32(count)
        hashes.append(h)
        arena.append(contentsOf: word)
        starts.append(arena.count)
        slots[s] = id + 1
        if count * 2 > slots.count { grow() }
        return (id, true)
    }

    /// Takes the next id without a word that can be found under it: an empty
    /// entry in no slot (no word is empty, so `grow` leaves it out too).
    private mutating func reserveID() {
        hashes.append(0)
        starts.append(arena.count)
    }

    /// Doubles the slots and re-places every word (kept at most half full).
    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for i in 0..<count where starts[i + 1] > starts[i] {
            var s = Int(truncatingIfNeeded: hashes[i]) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(i + 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
