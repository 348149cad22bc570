import Foundation
import XCTest
@testable import AWDLSTM

final class SafeTensorsTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("awd-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func testModelWeightsRoundTripBitIdentical() throws {
        var rng = RandomSource(seed: 3)
        let config = ModelConfig(vocabSize: 37, emsize: 5, nhid: 7, nlayers: 2)
        let a = try AWDLSTMModel(config: config, rng: &rng)
        // Awkward values must survive too.
        a.weights[0] = -0.0
        a.weights[1] = .leastNonzeroMagnitude
        a.weights[2] = .greatestFiniteMagnitude
        let url = tmp.appendingPathComponent("model.safetensors")
        try a.saveWeights(to: url, metadata: ["note": "round \"trip\""])
        let b = try AWDLSTMModel(config: config, rng: &rng)
        let file = try SafeTensors(contentsOf: url)
        try b.loadWeights(from: file, source: url.path)
        XCTAssertEqual(a.weights.toArray().map(\.bitPattern), b.weights.toArray().map(\.bitPattern))
        XCTAssertEqual(file.metadata["note"], "round \"trip\"")
        // The tied decoder matrix is saved under its PyTorch name too.
        XCTAssertEqual(try file.floats("decoder.weight"), try file.floats("encoder.weight"))
        XCTAssertEqual(file.info("rnns.1.module.weight_hh_l0_raw")?.shape, [20, 5])
        XCTAssertEqual(file.info("rnns.0.module.weight_ih_l0")?.shape, [28, 5])
    }

    /// The fixtures were written by Python's `safetensors.torch.save_file`.
    func testReadsFileWrittenByPython() throws {
        let file = try Fixtures.load("tiny_nodrop")
        XCTAssertEqual(file.info("encoder.weight")?.shape, [20, 6])
        XCTAssertEqual(file.metadata["nlayers"], "3")
        let enc = try file.floats("encoder.weight")
        XCTAssertEqual(enc.count, 120)
        XCTAssertTrue(enc.allSatisfy { abs($0) <= 0.1 })
    }

    // MARK: malformed input: a clear error, never a trap

    func bytes(header: String, data: Int) -> Data {
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(Data(header.utf8))
        d.append(Data(count: data))
        return d
    }

    func assertRejects(_ data: Data, _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors(data: data, source: "x.safetensors"), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(fragment), "message '\(text)' lacks '\(fragment)'", line: line)
            XCTAssertTrue(text.hasPrefix("x.safetensors: "), line: line)
        }
    }

    func testRejectsMalformedFiles() {
        assertRejects(Data([1, 2, 3]), "truncated")
        assertRejects(bytes(header: "{}", data: 0).prefix(9), "truncated")
        var lying = bytes(header: "{}", data: 0)
        lying[0] = 0xFF
        assertRejects(lying, "header claims 255 bytes")
        lying[7] = 0x7F
        assertRejects(lying, "exceeds")
        assertRejects(bytes(header: "{\"a\":", data: 0), "malformed JSON")
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: 8), "outside")
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8), "needs 12 bytes")
        assertRejects(bytes(header: #"{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: 8), "unknown dtype")
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 8), "negative")
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, data: 8), "impossible shape")
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: 12), "overlap")
    }

    /// Found with the round trip of `make fuzz` (FuzzSafeTensors): an empty tensor at the
    /// offset where another starts was taken for an overlap, so writing the tensors of
    /// this file gave one that could not be read.
    func testEmptyTensorWhereAnotherStartsReadsBack() throws {
        let file = try SafeTensors(data: bytes(header: #"{"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8))
        XCTAssertEqual(file.tensors.map(\.name), ["z", "a"])
        XCTAssertEqual(try file.floats("z"), [])
        let one: [Float] = [2.5]
        let written = one.withUnsafeBufferPointer { a in
            let empty = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
            defer { empty.deallocate() }
            return SafeTensors.encode([
                SafeTensors.Tensor(name: "z", shape: [0], values: UnsafeBufferPointer(empty)),
                SafeTensors.Tensor(name: "a", shape: [1], values: a),
            ])
        }
        let back = try SafeTensors(data: written)
        XCTAssertEqual(back.tensors.map(\.name), ["z", "a"])
        XCTAssertEqual(back.info("z")?.range, 0..<0)
        XCTAssertEqual(try back.floats("a"), one)
        XCTAssertEqual(try back.floats("z"), [])
        // An empty tensor inside another one's bytes is still rejected.
        assertRejects(bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#, data: 8), "overlap")
    }

    func testNonF32TensorIsRejectedOnRead() throws {
        let file = try SafeTensors(data: bytes(header: #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: 8))
        XCTAssertThrowsError(try file.floats("a")) { XCTAssertTrue("\($0)".contains("only F32")) }
    }

    func testWrongShapeForConfigIsRejected() throws {
        var rng = RandomSource(seed: 1)
        let a = try AWDLSTMModel(config: ModelConfig(vocabSize: 10, emsize: 4, nhid: 6, nlayers: 2), rng: &rng)
        let url = tmp.appendingPathComponent("m.safetensors")
        try a.saveWeights(to: url)
        let b = try AWDLSTMModel(config: ModelConfig(vocabSize: 10, emsize: 4, nhid: 5, nlayers: 2), rng: &rng)
        let before = b.weights.toArray()
        XCTAssertThrowsError(try b.loadWeights(from: SafeTensors(contentsOf: url), source: "m")) {
            XCTAssertTrue("\($0)".contains("has shape [24, 4], the configuration expects [20, 4]"), "\($0)")
        }
        XCTAssertEqual(b.weights.toArray(), before, "a failed load must not change the model")
    }
}
