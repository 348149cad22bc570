import Foundation

/// Python's `html.unescape` (3.11), which fastai's `fix_html` ends with:
/// character references (`&#39;`, `&#x27;`) and named ones (`&eacute;`,
/// `&copy` without its semicolon where HTML5 allows it) become the characters
/// they name; one that names nothing stays as it is.
///
/// Numeric references follow HTML5 as Python does: 0 and the surrogates or
/// numbers above U+10FFFF give U+FFFD, 0x80–0x9F are read as Windows-1252, and
/// the code points HTML forbids (controls, noncharacters) are dropped. Named
/// references are HTML5's (`HTMLEntities`).
enum HTMLUnescape {
    /// `text` with its character references replaced.
    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        let matches = reference.matches(text)
        guard !matches.isEmpty else { return text }
        let ns = text as NSString
        var out = "", last = 0
        for match in matches {
            out += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            let body = ns.substring(with: match.range(at: 1))
            out += replacement(body)
            last = match.range.location + match.range.length
        }
        out += ns.substring(from: last)
        return out
    }

    /// Python's `_charref`: `&` then a decimal or hexadecimal number or up to 32
    /// characters of a name, each with an optional `;`.
    private static let reference = SendableRegex(try! NSRegularExpression(
        pattern: #"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)"#))

    private static func replacement(_ body: String) -> String {
        if body.hasPrefix("#") {
            var digits = body.dropFirst()
            var radix = 10
            if let x = digits.first, x == "x" || x == "X" { digits = digits.dropFirst(); radix = 16 }
            if digits.hasSuffix(";") { digits = digits.dropLast() }
            // A number too long for UInt32 is above U+10FFFF too.
            let number = UInt32(digits, radix: radix) ?? UInt32.max
            if let windows = invalidReferences[number] { return windows }
            if (0xD800...0xDFFF).contains(number) || number > 0x10FFFF { return "\u{FFFD}" }
            if isForbidden(number) { return "" }
            return String(Character(Unicode.Scalar(number)!))
        }
        if body.hasSuffix(";") {
            if let value = HTMLEntities.values[String(body.dropLast())] { return value }
        } else if HTMLEntities.withoutSemicolon.contains(body), let value = HTMLEntities.values[body] {
            return value
        }
        // The longest leading name that HTML5 accepts without a semicolon ("&copy2024" → "©2024").
        let scalars = Array(body.unicodeScalars)
        if scalars.count > 2 {
            for length in stride(from: scalars.count - 1, through: 2, by: -1) {
                let name = String(String.UnicodeScalarView(scalars[..<length]))
                if HTMLEntities.withoutSemicolon.contains(name), let value = HTMLEntities.values[name] {
                    return value + String(String.UnicodeScalarView(scalars[length...]))
                }
            }
        }
        return "&" + body
    }

    /// HTML5's reading of numeric references that name no usable character: NUL,
    /// carriage return and the C1 range, read as Windows-1252 (Python's `_invalid_charrefs`).
    private static let invalidReferences: [UInt32: String] = [
        0x00: "\u{FFFD}", 0x0D: "\r", 0x80: "\u{20AC}", 0x81: "\u{81}", 0x82: "\u{201A}", 0x83: "\u{192}",
        0x84: "\u{201E}", 0x85: "\u{2026}", 0x86: "\u{2020}", 0x87: "\u{2021}", 0x88: "\u{2C6}", 0x89: "\u{2030}",
        0x8A: "\u{160}", 0x8B: "\u{2039}", 0x8C: "\u{152}", 0x8D: "\u{8D}", 0x8E: "\u{17D}", 0x8F: "\u{8F}",
        0x90: "\u{90}", 0x91: "\u{2018}", 0x92: "\u{2019}", 0x93: "\u{201C}", 0x94: "\u{201D}", 0x95: "\u{2022}",
        0x96: "\u{2013}", 0x97: "\u{2014}", 0x98: "\u{2DC}", 0x99: "\u{2122}", 0x9A: "\u{161}", 0x9B: "\u{203A}",
        0x9C: "\u{153}", 0x9D: "\u{9D}", 0x9E: "\u{17E}", 0x9F: "\u{178}",
    ]

    /// Code points a reference may not produce (Python's `_invalid_codepoints`):
    /// C0 controls but tab, line feed, form feed and carriage return; DEL and C1;
    /// the noncharacters U+FDD0–U+FDEF and U+xFFFE, U+xFFFF of every plane.
    private static func isForbidden(_ c: UInt32) -> Bool {
        (0x1...0x8).contains(c) || c == 0xB || (0xE...0x1F).contains(c) || (0x7F...0x9F).contains(c)
            || (0xFDD0...0xFDEF).contains(c) || c & 0xFFFE == 0xFFFE
    }
}
