import AWDLSTM
import Foundation

/// The text classifier behind `POST /classify`: one `ClassifierRun`, which
/// keeps workspaces from call to call, so its requests compute one at a time
/// (each on the engine's threads), on a thread of their own off the event loops.
final class ClassifierService: @unchecked Sendable {
    let run: ClassifierRun
    private let queue = DispatchQueue(label: "awd-lstm.classify")

    init(run: ClassifierRun) { self.run = run }

    /// The classes of `texts`, computed on the service's queue.
    func classify(_ texts: [String]) async throws -> [Classification] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in continuation.resume(with: Result { try run.classify(texts) }) }
        }
    }
}
