import ArgumentParser
import AWDLSTM
import Foundation

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize text as fastai 2.8 does (its default rules, then spaCy 3.8's English tokenizer).",
        discussion: """
        Each line of --file is one document; its tokens are printed on one line, separated by spaces, \
        starting with xxbos. A token holding a line break or tab is written \\n or \\t.
        """)

    @Option(help: "The text to tokenize, one document per line (a pipe such as /dev/stdin is read to its end).")
    var file: String

    func run() throws {
        try reportingErrors {
            let documents = try FastaiTokenizer.documents(fileData: try readText(file), source: file)
            let tokenizer = FastaiTokenizer()
            // stdout is buffered; a failed write is reported at exit (StandardStreams).
            for document in documents { print(FastaiTokenizer.line(tokenizer.tokenize(document))) }
        }
    }
}
