import AWDLSTM
import Foundation
import Hummingbird
import Logging

/// `awd-lstm serve`: one loaded `LanguageModel` behind a JSON HTTP API.
///
/// - `GET /health` → `{"status": "ok", "vocab_size", "tokenizer", "workers"}`
/// - `POST /score {"text"}` → `TextScore`: `tokens`, `ids`, `log_probabilities`, `loss`, `perplexity`, `unknown_words`
/// - `POST /next {"text", "k"}` → `{"words": [{"word", "id", "probability"}]}`, most likely first
/// - `POST /generate {"text", "words", "temperature", "top_k", "top_p", "no_unk", "stop", "seed"}`
///   → `{"words", "text", "tokens"}`
/// - `POST /classify {"text"}` → `Classification` (`label`, `probabilities`, `note`), or
///   `{"texts": [...]}` → `{"results": [Classification]}`, when a text classifier is loaded
///
/// Requests are served concurrently, `workers` of them computing at once, each
/// on its own session over the one model. A request that is not JSON, not of
/// content type `application/json`, larger than 1 MiB, or has a field out of
/// range gets a 4xx `{"error": "..."}` and the server goes on. SIGTERM or
/// SIGINT stops accepting connections, lets the requests in flight finish,
/// and returns.
public struct InferenceServer: Sendable {
    let pool: SessionPool
    let classifier: ClassifierService?
    /// The address to listen on (127.0.0.1 unless told otherwise).
    public let host: String
    /// The port; 0 lets the system choose one (the line `ready` prints says which).
    public let port: Int

    /// A server of `model` (and of `classifier`, when given) on `host:port`,
    /// computing at most `workers` language-model requests at once.
    public init(model: LanguageModel, classifier: ClassifierRun? = nil, host: String = "127.0.0.1", port: Int = 8080, workers: Int) {
        pool = SessionPool(model: model, workers: max(1, workers))
        self.classifier = classifier.map(ClassifierService.init)
        self.host = host
        self.port = port
    }

    /// Serves until SIGTERM or SIGINT, then drains the requests in flight and
    /// returns. `ready` is called once with the address listened on
    /// (`http://HOST:PORT`). Throws when the address cannot be bound.
    public func run(ready: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        let pool = self.pool
        let model = pool.model
        router.get("health") { _, _ in
            try JSONBody.response(Endpoints.Health(status: "ok", vocab_size: model.config.vocabSize,
                                                   tokenizer: model.tokenizer.rawValue, workers: pool.workers))
        }
        router.post("score") { request, _ in
            let body = try await JSONBody.decode(Endpoints.Score.self, from: request)
            return try JSONBody.response(try await pool.run { try Endpoints.score(body, $0) })
        }
        router.post("next") { request, _ in
            let body = try await JSONBody.decode(Endpoints.Next.self, from: request)
            return try JSONBody.response(try await pool.run { try Endpoints.next(body, $0) })
        }
        router.post("generate") { request, _ in
            let body = try await JSONBody.decode(Endpoints.Generate.self, from: request)
            return try JSONBody.response(try await pool.run { try Endpoints.generate(body, $0) })
        }
        let classifier = self.classifier
        router.post("classify") { request, _ in
            let body = try await JSONBody.decode(Endpoints.Classify.self, from: request)
            guard let classifier else { throw APIError.notFound("no text classifier is loaded (start serve with --classifier DIR)") }
            let texts = try Endpoints.classifyTexts(body)
            let results = try await classifier.classify(texts)
            return body.texts == nil ? try JSONBody.response(results[0]) : try JSONBody.response(Endpoints.ClassifyResponse(results: results))
        }
        var logger = Logger(label: "awd-lstm.serve")
        logger.logLevel = .error
        let host = self.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "awd-lstm"),
            onServerRunning: { channel in
                ready("http://\(host):\(channel.localAddress?.port ?? 0)")
            },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// `run(ready:)` from synchronous code (a command line's `main`): blocks
    /// the calling thread until the server has stopped; throws what `run` throws.
    public func runBlocking(ready: @escaping @Sendable (String) -> Void) throws {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await run(ready: ready) } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }
}

/// The error a server task ended with, read after it has finished.
private final class Outcome: @unchecked Sendable {
    var error: Error?
}
