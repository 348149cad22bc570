import Foundation

/// Owned, 64-byte aligned `Float` storage with a stable address: the model's
/// parameters and gradients (`AWDLSTMModel.weights`, `.gradients`) and the
/// statistics of dynamic evaluation.
///
/// The hot loops of the engine work on raw pointers: a class with a fixed
/// allocation avoids copy-on-write checks and bounds checks that `Array`
/// would add in every inner loop. Buffers are allocated once per shape by the
/// workspaces and reused from step to step. Clients read and write values
/// through `subscript` and `toArray()`; the pointer stays inside the library.
///
/// Synchronisation contract (why `@unchecked Sendable`): a buffer does no
/// locking. The engine hands disjoint ranges of one buffer to the threads of
/// its pool during a call and joins them before returning, so a buffer is only
/// ever touched by one thread outside those calls. Callers must do the same:
/// never write a buffer, or use a model that owns it, from two threads at once,
/// nor read it while another thread writes it.
public final class FloatBuffer: @unchecked Sendable {
    /// The number of floats.
    public let count: Int
    let pointer: UnsafeMutablePointer<Float>

    /// A zero-filled buffer of `count` floats (`count` ≥ 0; 0 gives an empty
    /// buffer). Internal: the library sizes its buffers itself, and a client
    /// makes one from values (`init(_:)`), which cannot be given a bad size.
    init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        pointer = raw.assumingMemoryBound(to: Float.self)
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The float at `i`; traps unless `0 ≤ i < count`.
    public subscript(i: Int) -> Float {
        get { precondition(i >= 0 && i < count, "index \(i) outside a buffer of \(count)"); return pointer[i] }
        set { precondition(i >= 0 && i < count, "index \(i) outside a buffer of \(count)"); pointer[i] = newValue }
    }

    var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    func zero() { pointer.update(repeating: 0, count: count) }

    func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer size mismatch")
        pointer.update(from: other.pointer, count: count)
    }

    /// A copy of the values, in order.
    public func toArray() -> [Float] { Array(buffer) }
}

/// Grows `buffer` to at least `count` floats (contents not kept; `fill` for new ones).
func reserve(_ count: Int, _ buffer: inout FloatBuffer, fill: Float? = nil) {
    guard buffer.count < count else { return }
    buffer = FloatBuffer(count: count)
    if let fill { buffer.fill(fill) }
}
