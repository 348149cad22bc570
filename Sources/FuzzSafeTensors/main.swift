// libFuzzer target for the safetensors reader (`make fuzz`).
//
// Any bytes must either be rejected with an error or give a file whose every
// F32 tensor reads, and which encodes back to a file that reads the same.
// Anything else (a trap, an out-of-bounds access found by the address
// sanitizer) is a bug.
import AWDLSTM
import Foundation
import FuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    var shifted = Data([0])
    shifted.append(bytes)
    // The same bytes as a slice that does not start at index 0.
    let slice = shifted[1...]
    guard let file = try? SafeTensors(data: bytes, source: "fuzz") else {
        precondition((try? SafeTensors(data: slice, source: "fuzz")) == nil, "a slice reads differently")
        return 0
    }
    let other = try! SafeTensors(data: slice, source: "fuzz")
    precondition(other.tensors == file.tensors && other.metadata == file.metadata, "a slice reads differently")

    var tensors: [(SafeTensors.TensorInfo, [Float])] = []
    for t in file.tensors {
        if t.dtype == "F32" {
            let values = try! file.floats(t.name)
            precondition(values.count == t.elementCount)
            precondition(try! other.floats(t.name).map(\.bitPattern) == values.map(\.bitPattern))
            tensors.append((t, values))
        } else {
            precondition((try? file.floats(t.name)) == nil, "a \(t.dtype) tensor read as floats")
        }
    }
    // Writing what was read gives a file with the same F32 tensors and metadata.
    let encoded = try! SafeTensors.encode(tensors.map { (name: $0.0.name, shape: $0.0.shape, values: $0.1) }, metadata: file.metadata)
    let back = try! SafeTensors(data: encoded, source: "fuzz re-encoded")
    precondition(back.metadata == file.metadata)
    precondition(back.tensors.count == tensors.count)
    for (t, values) in tensors {
        precondition(back.info(t.name)?.shape == t.shape)
        precondition(try! back.floats(t.name).map(\.bitPattern) == values.map(\.bitPattern))
    }
    return 0
}

exit(awd_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv, testOneInput))
