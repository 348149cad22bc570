import Foundation

/// Owned, 64-byte aligned `Float` storage with a stable address.
///
/// The hot loops of the engine work on raw pointers: a class with a fixed
/// allocation avoids copy-on-write checks and bounds checks that `Array`
/// would add in every inner loop. Buffers are allocated once per shape by the
/// workspaces and reused from step to step.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        pointer = raw.assumingMemoryBound(to: Float.self)
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "buffer size mismatch")
        pointer.update(from: other.pointer, count: count)
    }

    public func toArray() -> [Float] { Array(buffer) }
}

/// Grows `buffer` to at least `count` floats (contents not kept; `fill` for new ones).
func reserve(_ count: Int, _ buffer: inout FloatBuffer, fill: Float? = nil) {
    guard buffer.count < count else { return }
    buffer = FloatBuffer(count: count)
    if let fill { buffer.fill(fill) }
}
