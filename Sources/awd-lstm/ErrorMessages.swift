import AWDLSTM
import Foundation

/// The command line's wording of errors: one line per error, with the library's
/// field names spelt as the running command's flags (`evalBatchSize` →
/// `--eval-batch-size` in `bench`) or, where that command has no such flag, by
/// what they are (`train` validates at the authors' fixed evaluation batch
/// size), and the way on after a divergence spelt as a command. Every error
/// that reaches `reportingErrors` is printed through `line(for:)`.
enum ErrorMessages {
    /// The command being run and its long option names (no dashes), set before
    /// it is parsed; nil outside a subcommand, where every field is spelt as a flag.
    nonisolated(unsafe) static var command: (name: String, options: Set<String>)?

    static func line(for error: Error) -> String {
        switch error {
        case ImportError.wrongFormat(let source, let reason, let likely) where !has("format"):
            // `train --resume FILE` reads the authors' names only; other formats come in through `import`.
            return "\(source): \(reason) (the names are those of a \(likely.rawValue) checkpoint: bring it in with "
                + "`awd-lstm import --from \(shellWord(source)) --format \(likely.rawValue) --save DIR` and use DIR/model.safetensors)"
        case let e as ConfigurationError:
            return e.message(naming: flag)
        case let e as TrainingError:
            return e.message(naming: flag, next: nextStep, afterWriteFailure: afterWriteFailure)
        case CorpusError.downloadFailed:
            return "\(error). Fetch the archive elsewhere and pass it with --archive FILE"
        case let e as ImportError:
            return e.message(naming: flag)
        case RunFolderError.alreadyExists:
            return "\(error) (choose another --save folder)"
        case RunFolderError.invalidConfiguration(let path, let e):
            return "\(path): \(e.message(naming: jsonKey))"
        default:
            return "\(error)"
        }
    }

    /// The flag that sets a configuration field: the property name in kebab
    /// case (`maxBatches` → `--max-batches`) when the running command has that
    /// option; otherwise what the field is (`the evaluation batch size`) or its
    /// `config.json` key. The vocabulary size is no flag: it comes from the data.
    static func flag(_ field: String) -> String {
        let option = command.flatMap { renamed[$0.name]?[field] } ?? words(field, joinedBy: "-")
        if let fixed = fixedSettings[field], !has(option) { return fixed }
        return has(option) ? "--" + option : jsonKey(field)
    }

    /// Options named otherwise than their field, by command.
    private static let renamed = ["bench": ["vocabSize": "vocab"]]

    /// Fields some commands set without a flag: the authors' fixed batch sizes
    /// of validation (10) and test (1) in training, and the data's vocabulary size.
    private static let fixedSettings = [
        "evalBatchSize": "the evaluation batch size", "testBatchSize": "the test batch size", "vocabSize": "the vocabulary size",
    ]

    /// Whether the running command has the long option `name` (any command does, outside one).
    private static func has(_ name: String) -> Bool { command?.options.contains(name) ?? true }

    /// The `config.json` key of a configuration field: the property name in
    /// snake case (`evalBatchSize` → `eval_batch_size`), as `RunConfig` writes it.
    static func jsonKey(_ field: String) -> String { words(field, joinedBy: "_") }

    /// `camelCase` in lower case with `separator` before each word after the first.
    private static func words(_ camelCase: String, joinedBy separator: String) -> String {
        camelCase.reduce(into: "") { $0 += $1.isUppercase ? separator + $1.lowercased() : String($1) }
    }

    /// How to go on after a divergence, as commands of this tool.
    static func nextStep(_ recovery: TrainingError.Recovery, folder: String) -> String {
        switch recovery {
        case .fineTuneAgain: "model.safetensors keeps the best weights; fine-tune again with a smaller --lr"
        case .resume: "state.safetensors keeps the last good state; continue with \(resumeCommand(folder, then: " --lr <smaller>"))"
        case .startAgain: "no weights were saved yet; start again with the same --save and a smaller --lr (or --clip)"
        }
    }

    /// How to go on after the run folder could not be written (a full disk), as commands of this tool.
    static func afterWriteFailure(_ recovery: TrainingError.Recovery, folder: String) -> String {
        switch recovery {
        case .fineTuneAgain: "model.safetensors keeps the best weights; make room, then fine-tune again with "
            + "`awd-lstm finetune --checkpoint \(shellWord(folder)) --data \(runData(folder))`"
        case .resume: "state.safetensors keeps the last good state; make room, then continue with \(resumeCommand(folder))"
        case .startAgain: "nothing resumable was saved (no model is kept without its state); make room, then run the same command again"
        }
    }

    /// The command that continues the run in `folder` (followed by `more`), as it must run: with the run's data
    /// (config.json), each path shell-quoted (`shellWord`) so that it pastes as it is.
    static func resumeCommand(_ folder: String, then more: String = "") -> String {
        "`awd-lstm train --resume \(shellWord(folder)) --data \(runData(folder))\(more)`"
    }

    /// The data folder of the run in `folder` (config.json), shell-quoted for a
    /// printed command (`shellWord`), or DATA when it cannot be read.
    static func runData(_ folder: String) -> String {
        (try? RunFolder(URL(fileURLWithPath: folder)).readConfig().data).map(shellWord) ?? "DATA"
    }
}
