#!/usr/bin/env python3
"""Counts the library's public declarations and how many carry a doc comment.

Usage: scripts/dev/public_declarations.py [SOURCE_DIR] [--list] [--spi]

A declaration is a line whose first keyword (after attributes) is `public` or
`open`; `public import` and extensions are not counted (an extension's members
are). It is documented when the line above it (attributes skipped) is a `///`
comment or ends a `/** */` block.

Declarations of an `@_spi(...)` group, and the members of an `@_spi` type, are
not part of the public API (a client sees them only with `@_spi import`): they
are left out, or counted apart with `--spi`.
"""
import pathlib
import re
import sys

DECL = re.compile(r"^\s*(?:@[\w.()\", ]+\s+)*(?:public|open)\b(?:\s*\(set\))?\s+(?!import\b)(?!extension\b)")
SPI = re.compile(r"^\s*@_spi\(")
# String literals and line comments, whose braces do not nest declarations.
NOT_CODE = re.compile(r'"(?:\\.|[^"\\])*"|//.*')


def scan(root):
    """(path, line, documented, text, spi) of every public declaration under root."""
    found = []
    for path in sorted(pathlib.Path(root).rglob("*.swift")):
        lines = path.read_text().splitlines()
        depth = 0
        spi_until = None  # the brace depth at which the enclosing @_spi declaration ends
        pending_spi = False  # an @_spi attribute on a line of its own
        for i, line in enumerate(lines):
            spi = spi_until is not None or pending_spi or bool(SPI.match(line))
            if DECL.match(line):
                j = i - 1
                while j >= 0 and lines[j].strip().startswith("@"):
                    j -= 1
                above = lines[j].strip() if j >= 0 else ""
                documented = above.startswith("///") or above.endswith("*/")
                found.append((str(path), i + 1, documented, line.strip(), spi))
            code = NOT_CODE.sub("", line)
            if (SPI.match(line) or pending_spi) and spi_until is None:
                pending_spi = "{" not in code and not DECL.match(line)
                if "{" in code:
                    spi_until = depth
            depth += code.count("{") - code.count("}")
            if spi_until is not None and depth <= spi_until:
                spi_until = None
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "Sources/AWDLSTM"
    spi = "--spi" in sys.argv
    found = [f for f in scan(root) if f[4] == spi]
    if "--list" in sys.argv:
        for path, number, documented, text, _ in found:
            print(f"{'doc' if documented else '   '} {path}:{number}: {text}")
    documented = sum(1 for f in found if f[2])
    share = 100 * documented / len(found) if found else 100
    kind = "SPI (`@_spi`)" if spi else "public"
    print(f"{len(found)} {kind} declarations, {documented} documented ({share:.0f} %)")


if __name__ == "__main__":
    main()
