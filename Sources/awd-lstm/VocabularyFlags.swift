import ArgumentParser
import AWDLSTM
import Foundation

/// The words that go with weights brought in (`train --resume FILE`, `import`),
/// and whether to move the weights onto the data's vocabulary.
struct VocabularyFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The weights' words, one per line, line number = row (like a run folder's vocab.txt; fastai: its itos list), used as they are (default: the vocab.txt beside the weights).",
        valueName: "file"))
    var vocab: String?
    @Flag(name: .customLong("remap-vocab"), help: """
        Move the weights onto the data's vocabulary by word: shared words keep their rows, new words start at the mean \
        embedding row and bias, dropped words are left out.
        """)
    var remapVocab = false

    /// Whether a flag of this group was given.
    var given: Bool { vocab != nil || remapVocab }

    /// The weights' words: `--vocab`, else `beside` when that file exists; nil when none is known.
    /// `--vocab` wins over a `beside` file that lists other words, and the log says so.
    func words(beside: URL?) throws -> (words: Vocabulary, source: String)? {
        if let vocab {
            let given = try Vocabulary.read(from: URL(fileURLWithPath: vocab))
            if let beside, let found = try? Vocabulary.read(from: beside), found != given {
                logLine("--vocab \(vocab): used for the weights' words instead of \(beside.path) beside them, which lists other words")
            }
            return (given, vocab)
        }
        guard let beside, FileManager.default.fileExists(atPath: beside.path) else { return nil }
        return (try Vocabulary.read(from: beside), beside.path)
    }

    /// How `checkpoint`, whose words are `known` (nil: unknown), meets `data`
    /// (the vocabulary of `dataSource`): nil when each row already stands for the
    /// same word (or, words unknown, the sizes agree, which a notice line says is
    /// all that was checked); the remap with `--remap-vocab`; an error otherwise.
    func match(_ checkpoint: CheckpointImport, words known: (words: Vocabulary, source: String)?,
               data: Vocabulary, dataSource: String) throws -> VocabularyRemap? {
        guard let (words, source) = known else {
            if remapVocab { throw CLIError("--remap-vocab needs the weights' words: give them with --vocab FILE") }
            try checkpoint.requireVocabularySize(data.count, of: dataSource)
            logLine("notice: \(checkpoint.source) has no vocab.txt beside it and no --vocab was given, so its words cannot be "
                    + "checked: row i is taken to be word i of \(dataSource) in the authors' order (train, valid, test, first "
                    + "appearance); give the weights' word list with --vocab FILE to check them")
            return nil
        }
        try checkpoint.requireVocabularySize(words.count, of: source)
        let remap = VocabularyRemap(from: words, to: data)
        if remap.isIdentity { return nil }
        guard remapVocab else {
            throw CLIError("\(source) (the weights' words) differs from the vocabulary of \(dataSource): \(remap.shared) of its "
                           + "\(data.count) words are shared, \(remap.moved) of them on other rows; starting from these weights would "
                           + "give words the embeddings of others (--remap-vocab carries the shared words' rows over)")
        }
        return remap
    }
}
