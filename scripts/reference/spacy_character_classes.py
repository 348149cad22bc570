"""Prints spaCy's character classes (spacy/lang/char_classes.py: ALPHA, ALPHA_LOWER,
ALPHA_UPPER and the symbols of LIST_ICONS) as merged code point ranges, in the Swift
form of Sources/AWDLSTM/Text/SpacyCharacterClasses.swift.

Each class is tested one code point at a time with Python's `re`, as spaCy compiles it,
so the ranges are the classes' meaning rather than their spelling.

    .venv-bench/bin/python scripts/reference/spacy_character_classes.py
"""
import re

from spacy.lang import char_classes as cc


def ranges(body):
    pattern = re.compile("[" + body + "]")
    out, start = [], None
    for cp in range(0x110000):
        inside = bool(pattern.fullmatch(chr(cp)))
        if inside and start is None:
            start = cp
        if not inside and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def swift(name, body):
    items = [f"0x{a:X}...0x{b:X}" for a, b in ranges(body)]
    lines = []
    for i in range(0, len(items), 6):
        lines.append("        " + ", ".join(items[i:i + 6]) + ",")
    return f"    static let {name}: [ClosedRange<UInt32>] = [\n" + "\n".join(lines) + "\n    ]"


print(swift("alpha", cc.ALPHA))
print(swift("alphaLower", cc.ALPHA_LOWER))
print(swift("alphaUpper", cc.ALPHA_UPPER))
print(swift("icons", cc.ICONS))
