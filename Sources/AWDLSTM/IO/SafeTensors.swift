import Foundation

/// Reader and writer for the safetensors format (Hugging Face): an 8-byte
/// little-endian header length, a JSON header mapping each tensor name to its
/// dtype, shape and byte range, then the raw little-endian data.
///
/// Reading never trusts the file: the header length, every offset and every
/// shape is checked against the file size and against each other before any
/// byte of data is read, and only F32 tensors can be read as floats.
public struct SafeTensors: Sendable {
    /// The header entry of one tensor.
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name (a `state_dict` key).
        public let name: String
        /// The element type as the format spells it (`F32`, `F16`, `I64`, …).
        public let dtype: String
        /// The dimensions, outermost first (row-major).
        public let shape: [Int]
        /// Byte range within the data section.
        let range: Range<Int>
        /// The product of `shape`.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Tensors in file order (by data offset).
    public let tensors: [TensorInfo]
    /// The header's `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int
    let source: String

    /// Largest header accepted (the format's own readers use 100 MB).
    static let maxHeaderBytes = 100_000_000
    static let dtypeSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// Reads (memory-maps) a file; throws when it cannot be read or is not a valid safetensors file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FileError.unreadable(path: url.path)
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses `data`; `source` names it in errors. Throws on a truncated file, a malformed
    /// header, unknown dtypes, or offsets and shapes that disagree or overlap.
    public init(data: Data, source: String = "safetensors data") throws {
        func fail(_ why: String) -> CheckpointError { .malformed(source: source, reason: why) }
        self.source = source
        bytes = data
        // torch.save writes a zip archive ("PK\u{3}\u{4}"), or a pickle (0x80, then protocol 2 to 5) in older
        // versions; read as safetensors, its first bytes are a header length, and no JSON header ("{") follows.
        let startsHeader = data.count > 8 && data[data.startIndex + 8] == UInt8(ascii: "{")
        if !startsHeader && data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw CheckpointError.pytorchFile(source: source, format: "a zip archive")
        }
        if !startsHeader && data.count > 1 && data.first == 0x80 && (2...5).contains(data[data.startIndex + 1]) {
            throw CheckpointError.pytorchFile(source: source, format: "a pickle")
        }
        guard data.count >= 8 else { throw fail("truncated file (\(data.count) bytes, no header length)") }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(data[data.startIndex + i]) }
        guard n >= 2 else { throw fail("header length \(n) is too small") }
        guard n <= UInt64(Self.maxHeaderBytes) else { throw fail("header length \(n) exceeds \(Self.maxHeaderBytes) bytes") }
        guard n <= UInt64(data.count - 8) else {
            throw fail("truncated file: header claims \(n) bytes but only \(data.count - 8) follow")
        }
        let headerLength = Int(n)
        dataStart = 8 + headerLength
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + dataStart))
        let header: [String: HeaderValue]
        do { header = try JSONDecoder().decode([String: HeaderValue].self, from: headerBytes) } catch {
            throw fail("malformed JSON header")
        }
        let dataLength = data.count - dataStart
        var infos: [TensorInfo] = []
        var meta: [String: String] = [:]
        for (name, value) in header {
            switch value {
            case .metadata(let m):
                guard name == "__metadata__" else { throw fail("entry '\(name)' is not a tensor description") }
                meta = m
            case .tensor(let dtype, let shape, let offsets):
                guard name != "__metadata__" else { throw fail("__metadata__ must map strings to strings") }
                guard let size = Self.dtypeSizes[dtype] else { throw fail("tensor '\(name)' has unknown dtype \(dtype)") }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                    throw fail("tensor '\(name)' has data offsets \(offsets) outside the \(dataLength)-byte data section (truncated file?)")
                }
                var elements = 1
                for d in shape {
                    guard d >= 0 else { throw fail("tensor '\(name)' has a negative dimension in \(shape)") }
                    let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                    guard !overflow else { throw fail("tensor '\(name)' has an impossible shape \(shape)") }
                    elements = p
                }
                let (byteCount, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow, byteCount == offsets[1] - offsets[0] else {
                    throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtype) needs \(overflow ? "too many" : String(byteCount)) bytes but its offsets span \(offsets[1] - offsets[0])")
                }
                infos.append(TensorInfo(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1]))
            }
        }
        // An empty tensor sorts before a tensor that starts where it is, so it overlaps nothing.
        infos.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        for (a, b) in zip(infos, infos.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw fail("tensors '\(a.name)' and '\(b.name)' overlap")
        }
        tensors = infos
        metadata = meta
    }

    /// The header entry named `name`, or nil.
    public func info(_ name: String) -> TensorInfo? { tensors.first { $0.name == name } }

    /// The values of an F32 tensor, in row-major order.
    /// A one-element tensor (shape `[]` or `[1]`) of dtype I64, I32, F64 or F32
    /// as a Double: PyTorch's `num_batches_tracked` is an I64 scalar. Throws
    /// `CheckpointError` when it is missing, larger or of another dtype.
    func scalar(_ name: String) throws -> Double {
        guard let t = info(name) else { throw CheckpointError.missingTensor(source: source, tensor: name) }
        guard t.elementCount == 1 else {
            throw CheckpointError.valueCountMismatch(source: source, tensor: name, count: t.elementCount, expected: 1)
        }
        return try bytes.withUnsafeBytes { raw throws -> Double in
            let src = raw.baseAddress! + dataStart + t.range.lowerBound
            switch t.dtype {
            case "I64": return Double(Int64(littleEndian: src.loadUnaligned(as: Int64.self)))
            case "I32": return Double(Int32(littleEndian: src.loadUnaligned(as: Int32.self)))
            case "F64": return Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(as: UInt64.self)))
            case "F32": return Double(Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(as: UInt32.self))))
            default: throw CheckpointError.unsupportedDType(source: source, tensor: name, dtype: t.dtype)
            }
        }
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let t = info(name) else { throw CheckpointError.missingTensor(source: source, tensor: name) }
        var out = [Float](repeating: 0, count: t.elementCount)
        try read(name, into: &out)
        return out
    }

    /// Copies an F32 tensor into `destination`, which must hold exactly its elements.
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let t = info(name) else { throw CheckpointError.missingTensor(source: source, tensor: name) }
        guard t.dtype == "F32" else { throw CheckpointError.unsupportedDType(source: source, tensor: name, dtype: t.dtype) }
        guard destination.count == t.elementCount else {
            throw CheckpointError.valueCountMismatch(source: source, tensor: name, count: t.elementCount, expected: destination.count)
        }
        bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + dataStart + t.range.lowerBound
            #if _endian(little)
            UnsafeMutableRawPointer(destination.baseAddress!).copyMemory(from: src, byteCount: t.range.count)
            #else
            for i in 0..<t.elementCount {
                destination[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            #endif
        }
    }

    /// The index of the first infinite or NaN value of an F32 tensor, or nil when
    /// every value is finite (a diverged run's weights are not).
    func firstNonFinite(_ name: String) -> Int? {
        guard let t = info(name), t.dtype == "F32" else { return nil }
        return bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + dataStart + t.range.lowerBound
            for i in 0..<t.elementCount {
                // All exponent bits set: infinity or NaN.
                if UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) & 0x7F80_0000 == 0x7F80_0000 {
                    return i
                }
            }
            return nil
        }
    }

    /// Throws when the tensor holds an infinite or NaN value.
    func requireFinite(_ name: String) throws {
        if let i = firstNonFinite(name) {
            throw CheckpointError.nonFinite(source: source, tensor: name, index: i)
        }
    }

    /// Copies an F32 tensor into `destination`, which must hold exactly its elements;
    /// throws when the tensor is missing, not F32, or of another size.
    public func read(_ name: String, into destination: inout [Float]) throws {
        try destination.withUnsafeMutableBufferPointer { try read(name, into: $0) }
    }

    // MARK: writing

    /// A tensor to write: a name, a shape and its float values.
    struct Tensor {
        let name: String
        let shape: [Int]
        let values: UnsafeBufferPointer<Float>
        init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            precondition(shape.reduce(1, *) == values.count, "shape does not match value count for \(name)")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Serialises F32 tensors (in the given order) and string metadata.
    static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> Data {
        var header = "{"
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header += "\"__metadata__\":{\(pairs.joined(separator: ","))}"
        }
        var offset = 0
        for t in tensors {
            if header.count > 1 { header += "," }
            let bytes = t.values.count * 4
            header += "\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerData = Data(header.utf8)
        while headerData.count % 8 != 0 { headerData.append(0x20) }
        var out = Data(capacity: 8 + headerData.count + offset)
        var n = UInt64(headerData.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(headerData)
        for t in tensors {
            #if _endian(little)
            if let base = t.values.baseAddress {
                out.append(UnsafeBufferPointer(start: UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self), count: t.values.count * 4))
            }
            #else
            for v in t.values { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) } }
            #endif
        }
        return out
    }

    /// Serialises F32 tensors given as arrays, in order, with string metadata:
    /// the bytes of a `.safetensors` file. Throws `CheckpointError.valueCountMismatch`
    /// when a tensor's `values.count` is not the product of its `shape`, and
    /// `CheckpointError.malformed` for a negative or overflowing shape or a name
    /// given twice (the header is a JSON object keyed by them); `source` is "encode".
    public static func encode(_ tensors: [(name: String, shape: [Int], values: [Float])],
                              metadata: [String: String] = [:]) throws(CheckpointError) -> Data {
        var names = Set<String>()
        for t in tensors {
            let (count, overflow) = t.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard t.shape.allSatisfy({ $0 >= 0 }) else {
                throw .malformed(source: "encode", reason: "tensor '\(t.name)' has a negative dimension in \(t.shape)")
            }
            guard !overflow else { throw .malformed(source: "encode", reason: "tensor '\(t.name)' has an impossible shape \(t.shape)") }
            guard count == t.values.count else {
                throw .valueCountMismatch(source: "encode", tensor: t.name, count: t.values.count, expected: count)
            }
            guard names.insert(t.name).inserted else {
                throw .malformed(source: "encode", reason: "tensor '\(t.name)' is given twice")
            }
        }
        let all = tensors.flatMap(\.values)
        return all.withUnsafeBufferPointer { buffer in
            var offset = 0
            let views = tensors.map { t -> Tensor in
                defer { offset += t.values.count }
                return Tensor(name: t.name, shape: t.shape, values: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + t.values.count)]))
            }
            return encode(views, metadata: metadata)
        }
    }

    /// Writes tensors to `url` atomically.
    static func write(_ tensors: [Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// One value of the JSON header: a tensor description or the metadata map.
private enum HeaderValue: Decodable {
    case tensor(dtype: String, shape: [Int], offsets: [Int])
    case metadata([String: String])

    private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

    init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: Keys.self), c.contains(.dtype) {
            self = .tensor(dtype: try c.decode(String.self, forKey: .dtype),
                           shape: try c.decode([Int].self, forKey: .shape),
                           offsets: try c.decode([Int].self, forKey: .data_offsets))
        } else {
            self = .metadata(try decoder.singleValueContainer().decode([String: String].self))
        }
    }
}
