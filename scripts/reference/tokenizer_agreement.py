"""Token-for-token agreement of `awd-lstm tokenize` with fastai 2.8 + spaCy 3.8 on
English text that nobody here wrote:

- licences:   /usr/share/common-licenses/*
- copyright:  /usr/share/doc/*/copyright
- readme:     /usr/share/doc/*/README* (gzip-compressed ones too)
- wikitext-2: $AWDLSTM_DATA/wikitext-2/{test,valid,train}.txt (or --wikitext DIR),
              rebuilt as raw text (` @-@ ` → `-`, no space before punctuation, ...)

Each line is one document (empty lines and repeated lines of a source are left
out). fastai runs here (`tokenize1(line, SpacyTokenizer())`, the pipeline of
`tokenize_texts`); our binary tokenizes the same lines from a temporary file. Per
source it prints the documents, the tokens of each side, the tokens in
difflib's matching blocks (autojunk off) and the agreement 2·matched / (fastai +
ours), the documents tokenized identically, and the most frequent differing
spans. Nothing is written into the repository.

    swift build -c release
    AWDLSTM_DATA=../shared/data .venv-bench/bin/python scripts/reference/tokenizer_agreement.py
"""
import argparse
import collections
import difflib
import glob
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read(path):
    data = Path(path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.lstrip("\ufeff")


def documents(paths):
    """The lines of `paths` as `awd-lstm tokenize` reads them (\\n, \\r\\n, \\r end a line), non-empty, each once."""
    seen, out = set(), []
    for path in paths:
        text = read(path)
        if text is None:
            continue
        for line in re.split(r"\r\n|\r|\n", text):
            if line.strip() and line not in seen:
                seen.add(line)
                out.append(line)
    return out


def detokenize_wikitext(line):
    """WikiText's tokenised line as raw text, roughly as it was before tokenisation."""
    s = line.strip()
    s = s.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
    s = re.sub(r" ([.,;:!?%)\]}])", r"\1", s)
    s = re.sub(r"([(\[{$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = re.sub(r'" (.*?) "', r'"\1"', s)
    return s


def wikitext(folder):
    out = []
    for split in ["test", "valid", "train"]:
        path = Path(folder) / f"{split}.txt"
        if path.exists():
            out += [detokenize_wikitext(l) for l in path.read_text(encoding="utf-8").split("\n") if l.strip()]
    return list(dict.fromkeys(l for l in out if l))


def ours(binary, lines):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        name = f.name
    try:
        start = time.perf_counter()
        out = subprocess.run([binary, "tokenize", "--file", name], check=True, capture_output=True).stdout
        seconds = time.perf_counter() - start
    finally:
        os.unlink(name)
    rows = out.decode("utf-8").split("\n")[:-1]
    assert len(rows) == len(lines), (len(rows), len(lines))
    return [r.split(" ") for r in rows], seconds


def escape(token):
    return token.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def compare(name, lines, binary, tok, tokenize1, examples):
    start = time.perf_counter()
    reference = [[escape(t) for t in tokenize1(l, tok)] for l in lines]
    fastai_seconds = time.perf_counter() - start
    mine, our_seconds = ours(binary, lines)
    matched = same = 0
    spans = collections.Counter()
    for ref, got in zip(reference, mine):
        if ref == got:
            same += 1
            matched += len(ref)
            continue
        sm = difflib.SequenceMatcher(a=ref, b=got, autojunk=False)
        matched += sum(b.size for b in sm.get_matching_blocks())
        for op, a0, a1, b0, b1 in sm.get_opcodes():
            if op != "equal":
                spans[(" ".join(ref[a0:a1]), " ".join(got[b0:b1]))] += 1
    n_ref, n_got = sum(map(len, reference)), sum(map(len, mine))
    mb = sum(len(l.encode("utf-8")) + 1 for l in lines) / 1e6
    print(f"{name}: {len(lines)} documents, {mb:.2f} MB; fastai {n_ref} tokens, ours {n_got}; matched {matched}; "
          f"agreement {100 * 2 * matched / (n_ref + n_got):.3f} %; identical documents {100 * same / len(lines):.2f} %; "
          f"time fastai {fastai_seconds:.1f} s, ours {our_seconds:.1f} s ({mb / our_seconds * 60:.1f} MB/min)")
    for (a, b), count in spans.most_common(examples):
        print(f"    {count:5d} x  fastai [{a}]  ours [{b}]")
    return matched, n_ref, n_got


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "awd-lstm"))
    parser.add_argument("--wikitext", default=os.path.join(os.environ.get("AWDLSTM_DATA", ""), "wikitext-2"))
    parser.add_argument("--examples", type=int, default=12, help="differing spans shown per source")
    parser.add_argument("--sources", default="licences,copyright,readme,wikitext-2")
    args = parser.parse_args()

    import fastai
    import spacy
    from fastai.text.core import SpacyTokenizer, tokenize1
    print(f"fastai {fastai.__version__}, spaCy {spacy.__version__}")
    tok = SpacyTokenizer()
    sources = {
        "licences": lambda: documents(sorted(glob.glob("/usr/share/common-licenses/*"))),
        "copyright": lambda: documents(sorted(glob.glob("/usr/share/doc/*/copyright"))),
        "readme": lambda: documents(sorted(p for p in glob.glob("/usr/share/doc/*/README*") if os.path.isfile(p))),
        "wikitext-2": lambda: wikitext(args.wikitext),
    }
    total = [0, 0, 0]
    for name in args.sources.split(","):
        lines = sources[name]()
        if not lines:
            print(f"{name}: no text found, skipped")
            continue
        for i, v in enumerate(compare(name, lines, args.binary, tok, tokenize1, args.examples)):
            total[i] += v
    print(f"all: agreement {100 * 2 * total[0] / (total[1] + total[2]):.3f} %")


if __name__ == "__main__":
    sys.exit(main())
