import AWDLSTM
import Foundation

/// The request bodies of the JSON endpoints, and what each computes.
enum Endpoints {
    /// `POST /score {"text"}`: every token's log-probability and the per-token loss (`TextScore`).
    struct Score: Decodable, Sendable {
        let text: String
    }

    /// `POST /next {"text", "k"}`: the `k` most likely next words (default 10).
    struct Next: Decodable, Sendable {
        let text: String
        let k: Int?
    }

    /// `POST /generate {"text", "words", "temperature", "top_k", "top_p", "no_unk", "stop", "seed"}`.
    struct Generate: Decodable, Sendable {
        let text: String
        let words: Int?
        let temperature: Double?
        let top_k: Int?
        let top_p: Double?
        let no_unk: Bool?
        let stop: String?
        let seed: UInt64?
    }

    /// `POST /classify {"text"}` or `{"texts": [...]}` (at most `maxTexts`).
    struct Classify: Decodable, Sendable {
        let text: String?
        let texts: [String]?
    }

    struct ClassifyResponse: Encodable, Sendable {
        let results: [Classification]
    }

    /// The most texts one `/classify` may hold.
    static let maxTexts = 1000

    static func classifyTexts(_ request: Classify) throws -> [String] {
        switch (request.text, request.texts) {
        case (let text?, nil): return [text]
        case (nil, let texts?):
            guard !texts.isEmpty && texts.count <= maxTexts else {
                throw APIError.badField("'texts' must hold between 1 and \(maxTexts) texts (got \(texts.count))")
            }
            return texts
        default: throw APIError.badField("give either 'text' or 'texts'")
        }
    }

    struct NextResponse: Encodable, Sendable {
        let words: [WordProbability]
    }

    struct GenerateResponse: Encodable, Sendable {
        let words: [String]
        let text: String
        let tokens: [GeneratedToken]
    }

    struct Health: Encodable, Sendable {
        let status: String
        let vocab_size: Int
        let tokenizer: String
        let workers: Int
    }

    /// The most words one `/generate` may ask for.
    static let maxWords = 10_000

    static func checkText(_ text: String) throws {
        guard text.contains(where: { !$0.isWhitespace }) else { throw APIError.badField("'text' has no words") }
    }

    static func score(_ request: Score, _ session: InferenceSession) throws -> TextScore {
        try checkText(request.text)
        return try session.score(request.text)
    }

    static func next(_ request: Next, _ session: InferenceSession) throws -> NextResponse {
        let k = request.k ?? 10
        guard k >= 1 && k <= session.model.config.vocabSize else {
            throw APIError.badField("'k' must be between 1 and the vocabulary size \(session.model.config.vocabSize) (got \(k))")
        }
        try checkText(request.text)
        return NextResponse(words: try session.nextWords(after: request.text, count: k))
    }

    static func generate(_ request: Generate, _ session: InferenceSession) throws -> GenerateResponse {
        let count = request.words ?? 20
        guard count >= 1 && count <= maxWords else { throw APIError.badField("'words' must be between 1 and \(maxWords) (got \(count))") }
        let options = SamplingOptions(temperature: request.temperature ?? 1, topK: request.top_k, topP: request.top_p,
                                      noUnknown: request.no_unk ?? true, stopWord: request.stop, seed: request.seed ?? 1111)
        do { try options.validate() } catch { throw APIError.badField("'\(error.field)' \(requirement(error))") }
        if let stop = request.stop, session.model.vocabulary.id(stop) == nil {
            throw APIError.badField("'stop' is not a word of the model's vocabulary (got '\(stop)')")
        }
        let tokens = try session.generate(after: request.text, count: count, options: options)
        // The text as `generate` writes it: <eos> (fastai: xxbos) as a line break.
        var text = try Generator.text(tokens.map(\.id), vocabulary: session.model.vocabulary)
        if text.hasSuffix("\n") { text.removeLast() }
        return GenerateResponse(words: tokens.map(\.word), text: text, tokens: tokens)
    }

    /// "must be in (0, 1] (got 2.0)" from a `ConfigurationError`.
    private static func requirement(_ error: ConfigurationError) -> String {
        switch error {
        case .invalid(_, let value, let allowed): "must be \(allowed) (got \(value))"
        default: error.description
        }
    }
}
