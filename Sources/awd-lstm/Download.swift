import ArgumentParser
import AWDLSTM
import Foundation

struct Download: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a corpus (ptb, wikitext-2 or wikitext-103), verify its checksums and unpack it.")

    @Argument(help: "ptb, wikitext-2 or wikitext-103") var corpus: String
    @Option(help: "Folder to write train.txt, valid.txt, test.txt into.") var to: String
    @Option(help: "Use an already downloaded archive instead of fetching it.") var archive: String?

    func run() throws {
        try reportingErrors {
            guard let source = CorpusSource.named(corpus) else {
                throw CLIError("unknown corpus '\(corpus)' (expected ptb, wikitext-2 or wikitext-103)")
            }
            let tasks = (download: ProgressTask("downloading", unit: "MB"), unpack: ProgressTask("unpacking", unit: "MB"))
            try source.install(to: URL(fileURLWithPath: to), archive: archive.map { URL(fileURLWithPath: $0) }) { step, done, total in
                let task = step == .downloading ? tasks.download : tasks.unpack
                let megabytes = { (bytes: Int64) in Int(bytes / 1_000_000) }
                // Without a length from the server the total is an estimate that grows with the download.
                task.update(megabytes(done), of: total.map { megabytes($0 + 999_999) } ?? megabytes(done), estimated: total == nil)
            }
        }
    }
}
