import Foundation
import XCTest
@testable import AWDLSTM

/// `awd-lstm serve` driven over loopback by curl: each endpoint, concurrent
/// requests, bad requests answered with a 4xx while the server goes on, and
/// SIGTERM with requests in flight.
final class ServeTests: XCTestCase {
    /// A running `serve` on the inference fixture, on a port the system chose.
    struct Server {
        let running: CLI.Running
        let url: String

        static func start(checkpoint: URL = LanguageModelTests.run, arguments: [String] = []) throws -> Server {
            let running = try CLI.start(["serve", "--checkpoint", checkpoint.path, "--port", "0", "--threads", "2"] + arguments)
            var url: String?
            waitUntil("serve to listen", timeout: 60) {
                if let line = running.stderrSoFar.split(separator: "\n").first(where: { $0.hasPrefix("serving on ") }) {
                    url = String(line.dropFirst("serving on ".count).split(separator: " ")[0])
                }
                return url != nil || !running.process.isRunning
            }
            guard let url else {
                let r = running.finish()
                throw XCTSkip("serve did not start: \(r.stderr)")
            }
            return Server(running: running, url: url)
        }

        func stop() -> CLI.Result {
            if running.process.isRunning { kill(running.process.processIdentifier, SIGTERM) }
            return running.finish()
        }
    }

    struct Reply {
        let status: Int
        let body: String
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
    }

    /// curl's reply to one request (`-w` appends the status on its own line).
    final class Curl {
        let process = Process()
        let output = Pipe()

        init(_ url: String, method: String = "POST", body: Data? = nil, contentType: String = "application/json") throws {
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).body")
            var args = ["-s", "-S", "--max-time", "120", "-X", method, "-w", "\n%{http_code}", "-H", "Expect:"]
            if let body {
                try body.write(to: tmp)
                args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@\(tmp.path)"]
            }
            process.executableURL = URL(fileURLWithPath: CLI.onPath("curl")!)
            process.arguments = args + [url]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func reply() -> Reply {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            guard let cut = text.lastIndex(of: "\n") else { return Reply(status: 0, body: text) }
            return Reply(status: Int(text[text.index(after: cut)...]) ?? 0, body: String(text[..<cut]))
        }
    }

    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    override func setUpWithError() throws {
        guard CLI.onPath("curl") != nil else { throw XCTSkip("curl is not installed") }
    }

    func testEndpointsAnswerAsTheLibrary() throws {
        let server = try Server.start()
        defer { _ = server.stop() }
        let model = try LanguageModel(runFolder: LanguageModelTests.run)

        let health = try Curl(server.url + "/health", method: "GET").reply()
        XCTAssertEqual(health.status, 200, health.body)
        XCTAssertEqual(health.json?["status"] as? String, "ok")
        XCTAssertEqual(health.json?["vocab_size"] as? Int, 16)

        let text = "the cat sat on the mat"
        let score = try Curl(server.url + "/score", body: Self.json(["text": text])).reply()
        XCTAssertEqual(score.status, 200, score.body)
        let expected = try model.score(text)
        XCTAssertEqual(score.json?["tokens"] as? [String], expected.tokens)
        let served = try XCTUnwrap(score.json?["log_probabilities"] as? [Double])
        XCTAssertEqual(served.count, expected.logProbabilities.count)
        for (a, b) in zip(served, expected.logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(try XCTUnwrap(score.json?["loss"] as? Double), expected.loss, accuracy: 1e-12)

        let next = try Curl(server.url + "/next", body: Self.json(["text": "the cat", "k": 3])).reply()
        XCTAssertEqual(next.status, 200, next.body)
        let words = try XCTUnwrap(next.json?["words"] as? [[String: Any]])
        XCTAssertEqual(words.map { $0["word"] as? String }, try model.nextWords(after: "the cat", count: 3).map(\.word))

        let generate = try Curl(server.url + "/generate", body: Self.json(
            ["text": "the", "words": 7, "temperature": 0.9, "top_k": 5, "top_p": 0.9, "seed": 2])).reply()
        XCTAssertEqual(generate.status, 200, generate.body)
        let drawn = try model.makeSession().generate(after: "the", count: 7, options: SamplingOptions(temperature: 0.9, topK: 5, topP: 0.9, seed: 2))
        XCTAssertEqual(generate.json?["words"] as? [String], drawn.map(\.word))
    }

    /// `POST /classify` answers as `ClassifierRun.classify`, for one text and for
    /// several; without `--classifier` it is a 404, and a body with neither
    /// field a 422.
    func testClassifyAnswersAsTheLibrary() throws {
        let dir = try TemporaryFolder()
        let words = FastaiRules.specialTokens + ["good", "bad", "movie", "the", "."]
        var config = ClassifierConfig(vocabSize: words.count, classes: ["neg", "pos"], emsize: 6, nhid: 8, nlayers: 2,
                                      bptt: 5, maxLength: 20, linearFeatures: [4])
        config.encoder.dropout = 0
        var rng = RandomSource(seed: 5)
        let run = ClassifierRun(classifier: try TextClassifier(config: config, rng: &rng),
                                vocabulary: try Vocabulary(words: words), tokenizer: .fastai)
        let folder = dir.url.appendingPathComponent("clf")
        try run.save(to: folder)
        let texts = ["the movie was good .", "Bad, bad movie!", "the"]
        let expected = try ClassifierRun(folder: folder).classify(texts)

        let bare = try Server.start()
        let missing = try Curl(bare.url + "/classify", body: Self.json(["text": "good"])).reply()
        XCTAssertEqual(missing.status, 404, missing.body)
        XCTAssertTrue((missing.json?["error"] as? String ?? "").contains("--classifier"), missing.body)
        _ = bare.stop()

        let server = try Server.start(arguments: ["--classifier", folder.path])
        defer { _ = server.stop() }
        let one = try Curl(server.url + "/classify", body: Self.json(["text": texts[0]])).reply()
        XCTAssertEqual(one.status, 200, one.body)
        XCTAssertEqual(one.json?["label"] as? String, expected[0].label)
        let p = try XCTUnwrap(one.json?["probabilities"] as? [String: Double])
        for (label, value) in expected[0].probabilities { XCTAssertEqual(p[label] ?? -1, value, accuracy: 1e-12) }

        let many = try Curl(server.url + "/classify", body: Self.json(["texts": texts])).reply()
        XCTAssertEqual(many.status, 200, many.body)
        let results = try XCTUnwrap(many.json?["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["label"] as? String }, expected.map(\.label))

        let neither = try Curl(server.url + "/classify", body: Self.json(["words": 3])).reply()
        XCTAssertEqual(neither.status, 422, neither.body)
        XCTAssertEqual(try Curl(server.url + "/health", method: "GET").reply().status, 200)
    }

    /// Bad requests get a 4xx JSON error, and the server answers /health after each.
    func testBadRequestsGet4xxAndTheServerGoesOn() throws {
        let server = try Server.start()
        defer { _ = server.stop() }
        let cases: [(String, Curl, Int)] = [
            ("malformed JSON", try Curl(server.url + "/score", body: Data("{\"text\": ".utf8)), 400),
            ("a missing field", try Curl(server.url + "/score", body: Self.json(["txt": "the"])), 400),
            ("a wrong type", try Curl(server.url + "/score", body: Self.json(["text": 5])), 400),
            ("a huge body", try Curl(server.url + "/score", body: Data(repeating: UInt8(ascii: "a"), count: 3 << 20)), 413),
            ("a wrong content type", try Curl(server.url + "/score", body: Self.json(["text": "the"]), contentType: "text/plain"), 415),
            ("k out of range", try Curl(server.url + "/next", body: Self.json(["text": "the", "k": 0])), 422),
            ("top_p out of range", try Curl(server.url + "/generate", body: Self.json(["text": "the", "top_p": 1.5])), 422),
            ("too many words", try Curl(server.url + "/generate", body: Self.json(["text": "the", "words": 1_000_000])), 422),
            ("an unknown stop word", try Curl(server.url + "/generate", body: Self.json(["text": "the", "stop": "zebra"])), 422),
            ("an empty text", try Curl(server.url + "/score", body: Self.json(["text": "  "])), 422),
            ("an unknown path", try Curl(server.url + "/nowhere", body: Self.json(["text": "the"])), 404),
        ]
        for (what, curl, status) in cases {
            let reply = curl.reply()
            XCTAssertEqual(reply.status, status, "\(what): \(reply.body)")
            XCTAssertNotNil(reply.json?["error"] as? String, "\(what): \(reply.body)")
            let health = try Curl(server.url + "/health", method: "GET").reply()
            XCTAssertEqual(health.status, 200, "after \(what)")
        }
        XCTAssertTrue(server.running.process.isRunning)
    }

    /// A body that is JSON but not of the request's shape gets a 400 whose message
    /// names the field at fault (or says the body must be an object); a GET on a
    /// POST path is not found; text that is not UTF-8 is refused.
    func testFieldErrorsNameTheField() throws {
        let server = try Server.start()
        defer { _ = server.stop() }
        let cases: [(String, Curl, Int, String)] = [
            ("a null text", try Curl(server.url + "/score", body: Data(#"{"text": null}"#.utf8)), 400, "field 'text' has the wrong type"),
            ("an array body", try Curl(server.url + "/score", body: Data("[1, 2]".utf8)), 400, "the body must be a JSON object"),
            ("bytes that are not UTF-8", try Curl(server.url + "/score", body: Data([0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D])), 400, "not valid JSON"),
            ("a GET on a POST path", try Curl(server.url + "/score", method: "GET"), 404, "not found"),
        ]
        for (what, curl, status, message) in cases {
            let reply = curl.reply()
            XCTAssertEqual(reply.status, status, "\(what): \(reply.body)")
            let error = try XCTUnwrap(reply.json?["error"] as? String, "\(what): \(reply.body)")
            XCTAssertTrue(error.contains(message), "\(what): \(error)")
            let health = try Curl(server.url + "/health", method: "GET").reply()
            XCTAssertEqual(health.status, 200, "after \(what)")
        }
        XCTAssertTrue(server.running.process.isRunning)
    }

    /// 16 requests at once give what they give one at a time.
    func testConcurrentRequestsEqualSequentialOnes() throws {
        let server = try Server.start()
        defer { _ = server.stop() }
        let texts = try LanguageModelTests.expected().texts.map(\.text)
        let bodies = (0..<16).map { Self.json(["text": texts[$0 % texts.count]]) }
        let sequential = try bodies.map { try Curl(server.url + "/score", body: $0).reply() }
        let concurrent = try bodies.map { try Curl(server.url + "/score", body: $0) }.map { $0.reply() }
        for (s, c) in zip(sequential, concurrent) {
            XCTAssertEqual(s.status, 200, s.body)
            XCTAssertEqual(c.status, 200, c.body)
            XCTAssertEqual(s.body, c.body)
        }
    }

    /// SIGTERM while requests are computing: every one of them gets its 200 and
    /// whole answer, and serve exits 0. The model is wider than the fixture's
    /// (nhid 512) so that each request computes for a few seconds.
    func testSIGTERMDrainsRequestsInFlight() throws {
        let tmp = try TemporaryFolder()
        let data = try writeTinyCorpus(tmp, lines: 40)
        let run = tmp.url.appendingPathComponent("wide")
        let train = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "1", "--max-batches", "1",
                                 "--emsize", "32", "--nhid", "512", "--nlayers", "3", "--batch-size", "4", "--bptt", "10"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let server = try Server.start(checkpoint: run)
        let body = Self.json(["text": "w1 w2", "words": 3000, "temperature": 1.0])
        let inFlight = try (0..<4).map { _ in try Curl(server.url + "/generate", body: body) }
        // Two compute (--threads 2) and two wait for a session: all four have been accepted.
        usleep(1_000_000)
        XCTAssertTrue(inFlight.allSatisfy { $0.process.isRunning }, "the requests must still be computing when SIGTERM is sent")
        let result = server.stop()
        for curl in inFlight {
            let reply = curl.reply()
            XCTAssertEqual(reply.status, 200, String(reply.body.prefix(200)))
            XCTAssertEqual((reply.json?["words"] as? [String])?.count, 3000)
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        // The server is gone: a new connection is refused (curl's status 000).
        XCTAssertEqual(try Curl(server.url + "/health", method: "GET").reply().status, 0)
    }

    func testRefusesBadFlags() throws {
        let r = try CLI.run(["serve", "--checkpoint", LanguageModelTests.run.path, "--port", "70000"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("--port must be between 0 and 65535"), r.stderr)
        let missing = try CLI.run(["serve", "--checkpoint", "/nonexistent/run"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        // A port another server holds.
        let server = try Server.start()
        defer { _ = server.stop() }
        let port = try XCTUnwrap(server.url.split(separator: ":").last)
        let taken = try CLI.run(["serve", "--checkpoint", LanguageModelTests.run.path, "--port", String(port)], timeout: 60)
        XCTAssertEqual(taken.status, 1, taken.stderr)
        XCTAssertTrue(taken.stderr.contains("awd-lstm: error: cannot serve on 127.0.0.1:\(port)"), taken.stderr)
    }
}
