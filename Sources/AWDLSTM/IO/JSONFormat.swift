import Foundation

/// The one JSON dialect of every file and `--json` output of the toolkit.
///
/// JSON has no numbers for infinity and NaN (a diverged run's perplexity, a NaN
/// loss), so they are written as the strings `"Infinity"`, `"-Infinity"` and
/// `"NaN"` — Python's spellings, which `float()` parses — and read back the same
/// way. Keys are sorted so that files diff cleanly.
@_spi(CLI) public enum JSONFormat {
    /// How +∞ is written.
    public static let positiveInfinity = "Infinity"
    /// How −∞ is written.
    public static let negativeInfinity = "-Infinity"
    /// How NaN is written.
    public static let notANumber = "NaN"

    /// An encoder of this dialect; `pretty` indents (as `config.json`).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: notANumber)
        return encoder
    }

    /// A decoder of this dialect.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: notANumber)
        return decoder
    }
}
