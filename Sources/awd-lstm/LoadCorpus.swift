import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

/// Loads a corpus folder the way `train` does (tokens and vocabulary) and says
/// what it holds, how long it took and the process's peak memory: the
/// measurement of the corpus pipeline.
struct LoadCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-corpus",
        abstract: "Load a corpus folder and report its size, the time taken and the peak memory.",
        shouldDisplay: false)

    @OptionGroup var data: DataFlags
    @Flag(help: "Print one JSON object on stdout.") var json = false

    struct Report: Encodable {
        var trainTokens: Int, validTokens: Int, testTokens: Int, vocabulary: Int, seconds: Double, peakRSSBytes: Int
        enum CodingKeys: String, CodingKey {
            case trainTokens = "train_tokens", validTokens = "valid_tokens", testTokens = "test_tokens"
            case vocabulary, seconds, peakRSSBytes = "peak_rss_bytes"
        }
    }

    func run() throws {
        try reportingErrors {
            let start = Date()
            let corpus = try loadCorpus(data.url)
            let r = Report(trainTokens: corpus.train.count, validTokens: corpus.valid.count, testTokens: corpus.test.count,
                           vocabulary: corpus.vocabulary.count, seconds: Date().timeIntervalSince(start),
                           peakRSSBytes: Benchmark.peakResidentBytes())
            if json { return try printJSON(r) }
            print(String(format: "%@: %d + %d + %d tokens, vocabulary %d, loaded in %.1f s, peak RSS %.0f MiB",
                         data.data, r.trainTokens, r.validTokens, r.testTokens, r.vocabulary, r.seconds,
                         Double(r.peakRSSBytes) / 1_048_576))
        }
    }
}
