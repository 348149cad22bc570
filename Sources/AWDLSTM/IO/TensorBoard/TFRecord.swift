import Foundation

/// TFRecord framing, the container of TensorBoard's event files (TensorFlow's
/// `tensorflow/core/lib/io/record_writer.cc`): each record is
///
///     uint64 length            little-endian
///     uint32 masked CRC-32C of the 8 length bytes
///     byte   data[length]
///     uint32 masked CRC-32C of the data
///
/// with the masking of `CRC32C.masked`.
enum TFRecord {
    /// `data` framed as one record.
    static func frame(_ data: Data) -> Data {
        var out = Data(capacity: data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Data($0) }
        out.append(length)
        append(CRC32C.masked(length), to: &out)
        out.append(data)
        append(CRC32C.masked(data), to: &out)
        return out
    }

    /// Appends `word` little-endian.
    private static func append(_ word: UInt32, to data: inout Data) {
        withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) }
    }

    /// The records of a TFRecord file's bytes, each checked against both of its
    /// CRCs. Throws `TFRecordError` naming the record (0-based) at fault.
    static func records(_ bytes: Data) throws(TFRecordError) -> [Data] {
        let b = [UInt8](bytes)
        var records: [Data] = []
        var i = 0
        func word32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
        while i < b.count {
            guard b.count - i >= 12 else { throw .truncated(record: records.count) }
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) }
            guard CRC32C.masked(b[i..<i + 8]) == word32(i + 8) else { throw .badLengthCRC(record: records.count) }
            guard length <= UInt64(b.count - i - 16) else { throw .truncated(record: records.count) }
            let start = i + 12, end = start + Int(length)
            guard CRC32C.masked(b[start..<end]) == word32(end) else { throw .badDataCRC(record: records.count) }
            records.append(Data(b[start..<end]))
            i = end + 4
        }
        return records
    }
}

/// A TFRecord file that does not read back (`TFRecord.records`).
enum TFRecordError: Error, Equatable {
    case truncated(record: Int)
    case badLengthCRC(record: Int)
    case badDataCRC(record: Int)
}
