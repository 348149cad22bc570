import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prepare a corpus from its archive: enwik8 as the authors' prep_enwik8.py does.",
        discussion: """
        enwik8: the member 'enwik8' of --from (enwik8.zip) is split into train (the first 90M bytes), valid \
        (the next 5M) and test (the last 5M); each byte is written as its decimal value, separated by spaces, \
        a newline byte as a line break, into DIR/{train,valid,test}.txt, and the raw bytes into *.txt.raw.
        """)

    @Argument(help: "enwik8") var corpus: String
    @Option(name: .customLong("from"), help: ArgumentHelp("The archive (enwik8.zip).", valueName: "file")) var archive: String
    @Option(help: ArgumentHelp("Folder to write.", valueName: "dir")) var to: String
    @Option(name: .customLong("held-out-bytes"), help: "Bytes each of valid and test (the authors' 5000000).")
    var heldOut = Enwik8.heldOutBytes

    func validate() throws {
        try FlagBounds.require([("--held-out-bytes", heldOut)])
    }

    func run() throws {
        try reportingErrors {
            guard corpus == "enwik8" else { throw CLIError("unknown corpus '\(corpus)' (expected enwik8)") }
            guard heldOut >= 1 else { throw CLIError("--held-out-bytes must be at least 1 (got \(heldOut))") }
            try Enwik8.prepare(zip: URL(fileURLWithPath: archive), to: URL(fileURLWithPath: to), heldOut: heldOut)
        }
    }
}
