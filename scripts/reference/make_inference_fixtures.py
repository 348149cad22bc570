#!/usr/bin/env python3
"""Inference parity fixture: a tiny random AWD-LSTM run folder and the PyTorch
loader's per-token log-probabilities on texts of several lengths.

Writes Tests/Fixtures/inference/ (a few KB):
  run/config.json, run/vocab.txt, run/model.safetensors
      a run folder as `awd-lstm train` writes one (V = 16, emsize 6, nhid 8,
      3 layers, tied), with random weights drawn N(0, 0.5) so that the
      next-word distributions are far from uniform;
  expected.json
      "texts": for each text (raw, whitespace-split, as the authors' corpora):
          "text", "ids" (the start token <eos> first, an <eos> after each line
          that ends with a line break, unknown words as <unk>),
          "log_probabilities" (log p of ids[1:], each given the ids before it);
      "forward": for the fourth text (11 ids), every position's log-probabilities
          [T, V] and every layer's raw output [T, H_l] ("layer_outputs").

The run folder is loaded back with scripts/pytorch/awd_lstm.py (`load_run`)
and everything is computed from that model in float64 (from the float32
weights), from a zero hidden state, batch size 1, in eval mode.

    .venv-bench/bin/python scripts/reference/make_inference_fixtures.py
"""

from __future__ import annotations

import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pytorch"))
import awd_lstm  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "Fixtures", "inference")
RUN = os.path.join(OUT, "run")

WORDS = ["<eos>", "<unk>", "the", "a", "cat", "dog", "sat", "ran", "on", "mat",
         "and", "then", "it", "slept", "big", "red"]
TEXTS = [
    "cat",
    "the cat",
    "the big red dog ran",
    "a cat sat on the mat and then it slept",
    "the dog ran on the mat\nthen a big cat sat and the dog slept\nit ran\n",
    "the zebra sat on a mat",  # 'zebra' is not a word of the vocabulary: <unk>
    " ".join(["the cat sat on the mat and the dog ran"] * 4),
]


def config() -> dict:
    return {
        "vocab_size": len(WORDS), "model": "LSTM", "emsize": 6, "nhid": 8, "nlayers": 3,
        "dropout": 0.4, "dropouth": 0.25, "dropouti": 0.65, "dropoute": 0.1, "wdrop": 0.5,
        "lr": 30, "clip": 0.25, "epochs": 1, "batch_size": 2, "bptt": 5, "seed": 1,
        "nonmono": 5, "log_interval": 200, "alpha": 2, "beta": 1, "wdecay": 1.2e-6,
        "optimizer": "sgd", "when": [-1], "fixed_bptt": False, "eval_batch_size": 10,
        "test_batch_size": 1, "tied": True, "tokenizer": "none",
    }


def encode(text: str, index: dict) -> list:
    """As `awd-lstm`: <eos> first, words split on whitespace, <eos> after each finished line."""
    ids = [index["<eos>"]]
    lines = text.split("\n")
    for n, line in enumerate(lines):
        ids += [index.get(w, index["<unk>"]) for w in line.split()]
        if n < len(lines) - 1:
            ids.append(index["<eos>"])
    return ids


def main() -> None:
    torch.manual_seed(22)
    cfg = config()
    model = awd_lstm.model_from_config(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    os.makedirs(RUN, exist_ok=True)
    state = {k: v.detach().clone().contiguous().float() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(RUN, "model.safetensors"))
    with open(os.path.join(RUN, "config.json"), "w", encoding="utf8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(RUN, "vocab.txt"), "w", encoding="utf8", newline="") as f:
        f.write("\n".join(WORDS) + "\n")

    loaded, vocab, _ = awd_lstm.load_run(RUN)
    loaded = loaded.double()
    index = {w: i for i, w in enumerate(vocab)}

    def run(ids: list):
        with torch.no_grad():
            x = torch.tensor(ids[:-1] if len(ids) > 1 else ids, dtype=torch.long).view(-1, 1)
            logits, _, raw, _ = loaded(x, loaded.init_hidden(1), return_h=True)
            return torch.log_softmax(logits.view(x.size(0), -1), dim=-1), [r.view(x.size(0), -1) for r in raw]

    texts = []
    for text in TEXTS:
        ids = encode(text, index)
        logp, _ = run(ids)
        scored = [float(logp[t, ids[t + 1]]) for t in range(len(ids) - 1)]
        texts.append({"text": text, "ids": ids, "log_probabilities": scored})

    longest = texts[3]["ids"]
    with torch.no_grad():
        x = torch.tensor(longest, dtype=torch.long).view(-1, 1)
        logits, _, raw, _ = loaded(x, loaded.init_hidden(1), return_h=True)
        logp = torch.log_softmax(logits.view(x.size(0), -1), dim=-1)
    forward = {"ids": longest, "log_probabilities": logp.tolist(),
               "layer_outputs": [r.view(x.size(0), -1).tolist() for r in raw]}

    # Self-check: each row is a distribution, and one pass equals the per-text pass.
    assert torch.allclose(logp.exp().sum(-1), torch.ones(len(longest), dtype=torch.float64))
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf8") as f:
        json.dump({"torch": torch.__version__, "texts": texts, "forward": forward}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(texts)} texts, forward over {len(longest)} tokens")


if __name__ == "__main__":
    main()
