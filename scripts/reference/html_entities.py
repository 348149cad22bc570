"""Prints HTML5's named character references (Python's `html.entities.html5`, the
table `html.unescape` uses) in the form of Sources/AWDLSTM/Text/HTMLEntities.swift:
one line per name, the name (without its semicolon), a `+` when HTML5 also accepts
it without the semicolon, then the code points of its value in hexadecimal.

    python3 scripts/reference/html_entities.py > /tmp/entities.txt
"""
from html.entities import html5

names = sorted({n.rstrip(";") for n in html5})
for n in names:
    assert n + ";" in html5
    legacy = "+" if n in html5 else ""
    print(n + legacy + " " + " ".join(f"{ord(c):X}" for c in html5[n + ";"]))
