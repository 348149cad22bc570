"""Make a three-class text classification set from WikiText-2: paragraphs labelled
by the level-2 section they sit in.

usage: make_wikitext_sections.py WIKITEXT_DIR OUT_DIR [--seed 1] [--valid-frac 0.2] [--min-words 10]
                                 [--max-train-per-class N] [--max-valid-per-class M]

Reads train.txt, valid.txt and test.txt of WikiText-2 (all three pooled). An
article starts at a ` = Title = ` line; a level-2 heading ` = = Name = = ` opens
a section, which lasts until the next level-2 heading or article (level-3 and
deeper headings stay inside it). Every other non-empty line is a paragraph and
takes its section's class:

  history    History
  reception  Reception, Critical reception, Critical response
  plot       Plot, Synopsis, Plot summary

Paragraphs of other sections, and paragraphs under fewer than --min-words words,
are left out. Text is detokenized lightly (wikitext_text.detok: ` @-@ ` -> `-`,
` @,@ ` -> `,`, ` @.@ ` -> `.`, `<unk>` -> `xxunk`). The split is by article:
articles with any kept paragraph are shuffled with --seed and the first 20% go to
valid, so no article has paragraphs on both sides. Writes OUT_DIR/train/<class>/
and OUT_DIR/valid/<class>/, one paragraph per .txt file (the layout of fastai's
TextDataLoaders.from_folder and of `awd-lstm classify train --data`), and
OUT_DIR/counts.json (counts before and after the caps). OUT_DIR must not exist yet.
--max-train-per-class / --max-valid-per-class keep at most that many paragraphs
of each class on each side, drawn with --seed after the article split (0: all).
"""

import argparse, json, os, random, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wikitext_text import detok

CLASSES = {
    "history": {"History"},
    "reception": {"Reception", "Critical reception", "Critical response"},
    "plot": {"Plot", "Synopsis", "Plot summary"},
}
LABEL = {name: c for c, names in CLASSES.items() for name in names}
HEADING = re.compile(r"^((?:= )+)(.*?)((?: =)+)$")  # "= = Name = =": level 2


def articles(path):
    """Yield (title, [(section, paragraph)]) for each article of a WikiText file."""
    title, paras, section = None, [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line:
                continue
            m = HEADING.match(line)
            if m:
                level = m.group(1).count("=")
                if level != m.group(3).count("="):
                    paras.append((section, line))
                    continue
                if level == 1:
                    if title is not None:
                        yield title, paras
                    title, paras, section = m.group(2), [], None
                elif level == 2:
                    section = m.group(2)
                continue
            paras.append((section, line))
    if title is not None:
        yield title, paras


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wikitext")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--valid-frac", type=float, default=0.2)
    ap.add_argument("--min-words", type=int, default=10)
    ap.add_argument("--max-train-per-class", type=int, default=0)
    ap.add_argument("--max-valid-per-class", type=int, default=0)
    a = ap.parse_args()
    if os.path.exists(a.out):
        sys.exit(f"{a.out} exists")

    kept = []  # (article id, [(class, text)])
    for split in ("train", "valid", "test"):
        for i, (title, paras) in enumerate(articles(os.path.join(a.wikitext, f"{split}.txt"))):
            items = [(LABEL[s], detok(p)) for s, p in paras
                     if s in LABEL and len(p.split()) >= a.min_words]
            if items:
                kept.append((f"{split}{i:04d}", items))

    rng = random.Random(a.seed)
    order = list(range(len(kept)))
    rng.shuffle(order)
    n_valid = round(a.valid_frac * len(kept))
    valid_ids = set(order[:n_valid])

    by = {(part, c): [] for part in ("train", "valid") for c in CLASSES}
    articles_n = {"train": 0, "valid": 0}
    for k, (aid, items) in enumerate(kept):
        part = "valid" if k in valid_ids else "train"
        articles_n[part] += 1
        for j, (c, text) in enumerate(items):
            by[(part, c)].append((f"{aid}_{j:03d}", text))
    all_counts = {part: {c: len(by[(part, c)]) for c in CLASSES} for part in ("train", "valid")}
    cap = {"train": a.max_train_per_class, "valid": a.max_valid_per_class}
    counts = {"train": {}, "valid": {}}
    for (part, c), docs in by.items():
        if cap[part] and len(docs) > cap[part]:
            docs = sorted(rng.sample(docs, cap[part]))
        os.makedirs(os.path.join(a.out, part, c))
        for name, text in docs:
            with open(os.path.join(a.out, part, c, name + ".txt"), "w", encoding="utf-8") as f:
                f.write(text + "\n")
        counts[part][c] = len(docs)
    summary = {"seed": a.seed, "min_words": a.min_words, "classes": {c: sorted(v) for c, v in CLASSES.items()},
               "articles": articles_n, "paragraphs_before_caps": all_counts,
               "caps": cap, "paragraphs": counts}
    with open(os.path.join(a.out, "counts.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
