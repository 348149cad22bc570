import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation
import Logging

@main
struct AWDLSTMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "awd-lstm",
        abstract: "AWD-LSTM language models (Merity, Keskar & Socher 2017): train, evaluate and more.",
        subcommands: [Train.self, Finetune.self, Evaluate.self, Pointer.self, DynamicEval.self, Generate.self, Serve.self, Classify.self, Bench.self, Download.self, Prepare.self, Import.self, Plot.self, SynthCorpus.self, LoadCorpus.self, Tokenize.self])

    static let toolVersion = "0.1.0"

    @Flag(help: "Print the version and the BLAS in use (library, version, core, threads, CPU features).")
    var version = false

    func run() throws {
        guard version else {
            print(Self.helpMessage())
            return
        }
        print("awd-lstm \(Self.toolVersion)")
        try reportingErrors { print(try BLAS.prepare().line) }
    }

    /// Parses the command line after rewriting the authors' option spellings
    /// (`OptionSpelling`), then runs the command. A command line the parser
    /// refuses (unknown option, missing or malformed value, failed validation)
    /// ends like every other fault: one line on stderr and exit status 1;
    /// `--help` and `--version` (also after a subcommand) print and exit 0.
    static func main() {
        StandardStreams.ignoreClosedPipes()
        atexit(StandardStreams.requireOutputWritten)
        LoggingSystem.bootstrap { _ in LogLineHandler() }
        var arguments = Array(CommandLine.arguments.dropFirst())
        let subcommandType = arguments.first.flatMap { name in configuration.subcommands.first { commandName($0) == name } }
        let subcommand = subcommandType.map(commandName)
        if let subcommand, let names = subcommandType.map(OptionSpelling.longNames(of:)) {
            ErrorMessages.command = (subcommand, names.all)
            do { arguments = [subcommand] + (try OptionSpelling.normalize(Array(arguments.dropFirst()), names: names)) } catch {
                fail("\(error) (see `awd-lstm \(subcommand) --help`)")
            }
            // `--version` after a subcommand prints the version as the root does.
            if OptionSpelling.asksForVersion(arguments.dropFirst(), names: names) { arguments = ["--version"] }
        }
        var command: ParsableCommand
        do { command = try parseAsRoot(arguments) } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            fail(parseErrorLine(error, subcommand: subcommand))
        }
        do { try command.run() } catch { exit(withError: error) }
    }

    /// The name a subcommand is called by: its configuration's, else its type's
    /// name in lower case (ArgumentParser's default for our one-word type names).
    static func commandName(_ command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    /// The parser's message for `error` on one line, with where to read the usage.
    static func parseErrorLine(_ error: Error, subcommand: String?) -> String {
        let message = message(for: error).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
        return "\(message) (see `awd-lstm \(subcommand.map { $0 + " " } ?? "")--help`)"
    }
}

/// Loads and checks the BLAS before a command computes, and says once on
/// stderr which one runs (library, version, core and how it was chosen,
/// threads, CPU features). A BLAS that fails its check stops the command here.
@discardableResult
func announceBLAS() throws -> BLASReport {
    let report = try BLAS.prepare()
    logLine(report.line)
    return report
}

/// Runs `body`, turning every error into one line on stderr (`ErrorMessages`) and exit status 1.
/// Only `dataParallel` commands run under `mpirun -np N` (N > 1); the others
/// would do the same work N times and write the same files at once, so they refuse.
func reportingErrors(dataParallel: Bool = false, _ body: () throws -> Void) throws {
    do {
        if !dataParallel && MPICommunicator.launchedRanks > 1 {
            throw CLIError("only train and bench run under mpirun with several ranks; run this command as one process")
        }
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        fail(ErrorMessages.line(for: error))
    }
}

/// Refuses a flag's value unless `valid`: "--lr must be non-negative and finite (got nan)".
func requireFlag(_ valid: Bool, _ flag: String, _ value: some CustomStringConvertible,
                 _ allowed: ConfigurationError.Requirement) throws {
    if !valid { throw CLIError("\(flag) must be \(allowed) (got \(value))") }
}

/// Runs a library setting's `validate`, naming a field at fault by its flag:
/// `names` where the flag is not the field's name in kebab case (`lambda` is `--lamb`).
func checkFlags(_ validate: () throws(ConfigurationError) -> Void, naming names: [String: String]) throws {
    do { try validate() } catch { throw CLIError(error.message { names[$0] ?? ErrorMessages.flag($0) }) }
}

func fail(_ message: String) -> Never {
    logLine("awd-lstm: error: \(Job.errorPrefix)\(message)")
    exit(1)
}

/// The command line's own refusals: flag combinations and values that only the
/// command line checks (the library's errors are worded by `ErrorMessages`).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Writes a line to stderr (logs and progress never go to stdout), clearing
/// any progress status line first (`ProgressDisplay`).
func logLine(_ text: String) {
    ProgressDisplay.shared.log(text)
}

/// Prints one JSON object on stdout (machine-readable output; infinity and NaN
/// as the strings of `JSONFormat`).
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONFormat.encoder().encode(value), as: UTF8.self))
}

/// The authors' evaluate divides a column's summed loss by its rows while
/// scoring rows − 1 of them (the first token has no prediction); below 100 rows
/// that lowers the figure by more than 1 %. The figure stays the authors' (so
/// that it compares), and one line on stderr gives the loss per scored token.
func noteNormalisation(_ result: EvaluationResult, rows: Int, name: String, advice: String) {
    guard rows > 1, rows < 100, result.loss.isFinite else { return }
    let perToken = Evaluator.perScoredToken(result.loss, rows: rows)
    logLine(logFormat("note: %@ has %d rows per column; the authors' normalisation divides by the rows, not by the tokens "
                      + "scored (rows − 1), which lowers the loss by %.1f %%: per scored token it is %.3f (ppl %.2f); %@",
                      name, rows, 100 / Double(rows), perToken, exp(perToken), advice))
}

/// The same for a training run's validation (at `evalBatchSize`) and final test
/// (at `testBatchSize`), said once before it starts, since the loss is not known yet.
func noteNormalisation(of trainer: Trainer) {
    let o = trainer.options
    for (split, columns) in [(Corpus.Split.valid, o.evalBatchSize), (.test, o.testBatchSize)] {
        let rows = trainer.corpus.tokens(split).count / columns
        guard rows > 1, rows < 100 else { continue }
        logLine(logFormat("note: %@ has %d rows per column at batch size %d; the authors' normalisation divides by the rows, "
                          + "not by the tokens scored (rows − 1), so its losses read %.1f %% low (multiply by %d/%d for the "
                          + "loss per scored token)", split.rawValue, rows, columns, 100 / Double(rows), rows, rows - 1))
    }
}

/// The end of an evaluation command: the JSON object when asked for, then an
/// error (exit 1) when the loss is NaN, which is no result. An infinite loss or
/// perplexity is one (some token had probability 0) and exits 0.
func report(_ result: EvaluationResult, json: Bool) throws {
    if json { try printJSON(result) }
    if result.loss.isNaN { throw CLIError("the loss is NaN: the model's output is not a number on this text") }
}
