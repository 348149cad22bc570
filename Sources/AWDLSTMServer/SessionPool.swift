import AWDLSTM
import Foundation

/// At most `workers` requests computing at once on one `LanguageModel`, each
/// on its own `InferenceSession` (kept for the next request: a session's
/// workspace is allocated once). The computation runs on threads of its own,
/// off the server's event loops and Swift's cooperative pool, so that a long
/// forward pass never holds up the reading of other requests.
final class SessionPool: @unchecked Sendable {
    let model: LanguageModel
    let workers: Int
    private let lock = NSLock()
    private var free: [InferenceSession] = []
    private let slots: DispatchSemaphore
    private let queue = DispatchQueue(label: "awd-lstm.inference", attributes: .concurrent)

    init(model: LanguageModel, workers: Int) {
        precondition(workers >= 1)
        self.model = model
        self.workers = workers
        slots = DispatchSemaphore(value: workers)
    }

    /// `body` on a free session, once one of the `workers` slots is free.
    func run<T: Sendable>(_ body: @escaping @Sendable (InferenceSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                slots.wait()
                let session = lock.withLock { free.popLast() } ?? model.makeSession()
                let result = Result { try body(session) }
                lock.withLock { free.append(session) }
                slots.signal()
                continuation.resume(with: result)
            }
        }
    }
}
