import ArgumentParser
@_spi(CLI) import AWDLSTM
import AWDLSTMServer
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a run folder's model over HTTP (JSON: /score, /next, /generate, /classify, /health).",
        discussion: """
        Loads the model once and answers POST /score {"text"}, POST /next {"text","k"}, POST /generate \
        {"text","words","temperature","top_k","top_p","no_unk","stop","seed"}, POST /classify {"text"} or {"texts"} with \
        --classifier DIR, and GET /health, with text read by the \
        run's tokenizer. Requests are computed concurrently, --threads at a time (each on its own session over the one \
        model), and the engine computes on --threads threads. Bad requests get a \
        4xx {"error": "..."}; SIGTERM or Ctrl-C lets the requests in flight finish and exits 0. Prints \
        'serving on http://HOST:PORT' on stderr once it listens.
        """)

    @Option(help: "Run folder (config.json, vocab.txt, model.safetensors).") var checkpoint: String
    @Option(help: "A text classifier's run folder (classify train) to answer POST /classify {\"text\"} or {\"texts\": [...]}.")
    var classifier: String?
    @Option(help: "Address to listen on (default 127.0.0.1: this machine only).") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed when ready).") var port: Int = 8080
    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            guard (0...65535).contains(port) else { throw CLIError("--port must be between 0 and 65535 (got \(port))") }
            guard !host.isEmpty else { throw CLIError("--host must name an address (got '')") }
            let folder = try runFolder(checkpoint, flag: "--checkpoint")
            let model = try LanguageModel(runFolder: folder.url)
            let classifierRun = try classifier.map { try ClassifierRun(folder: URL(fileURLWithPath: $0)) }
            let report = try announceBLAS()
            let server = InferenceServer(model: model, classifier: classifierRun, host: host, port: port,
                                         workers: runtime.threads ?? report.threads)
            do {
                try server.runBlocking { address in
                    logLine("serving on \(address) (\(model.config.vocabSize) words, tokenizer \(model.tokenizer.rawValue))")
                }
            } catch {
                let reason = "\(error)".split(whereSeparator: \.isNewline).joined(separator: "; ")
                throw CLIError("cannot serve on \(host):\(port): \(reason)")
            }
        }
    }
}
