#!/usr/bin/env python3
"""Counts the library's public declarations and how many carry a doc comment.

Usage: scripts/dev/public_declarations.py [SOURCE_DIR] [--list]

A declaration is a line whose first keyword (after attributes) is `public` or
`open`; `public import` and extensions are not counted (an extension's members
are). It is documented when the line above it (attributes skipped) is a `///`
comment or ends a `/** */` block.
"""
import pathlib
import re
import sys

DECL = re.compile(r"^\s*(?:@[\w.()\", ]+\s+)*(?:public|open)\b(?:\s*\(set\))?\s+(?!import\b)(?!extension\b)")


def scan(root):
    found = []
    for path in sorted(pathlib.Path(root).rglob("*.swift")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if not DECL.match(line):
                continue
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("@"):
                j -= 1
            above = lines[j].strip() if j >= 0 else ""
            documented = above.startswith("///") or above.endswith("*/")
            found.append((str(path), i + 1, documented, line.strip()))
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "Sources/AWDLSTM"
    found = scan(root)
    if "--list" in sys.argv:
        for path, number, documented, text in found:
            print(f"{'doc' if documented else '   '} {path}:{number}: {text}")
    documented = sum(1 for f in found if f[2])
    share = 100 * documented / len(found) if found else 100
    print(f"{len(found)} public declarations, {documented} documented ({share:.0f} %)")


if __name__ == "__main__":
    main()
