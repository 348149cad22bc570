"""Check an imported fastai LM: fastai's loss on a few texts vs `awd-lstm evaluate --file`.

usage: check_import.py WIKITEXT_DIR LM_DIR RUN_DIR AWD_LSTM_BINARY [--n 5] [--threads 2]

LM_DIR: lm.safetensors + vocab.txt (train_lm.py); RUN_DIR: the run folder that
`awd-lstm import --format fastai` made of them. Takes the first --n paragraphs of
40-120 words of WikiText-2 valid.txt (detokenized as for training), writes them
raw, one a line, to LM_DIR/check_raw.txt, and as fastai's tokens (without the
leading xxbos, which evaluate adds per line) to LM_DIR/check_tokens.txt.
fastai side: the texts tokenized by fastai's Tokenizer (xxbos first), numericalized
with the vocabulary, joined into one stream, the LM in eval mode from a zero state,
mean cross-entropy of every token after the first. Our side: `awd-lstm evaluate
--checkpoint RUN_DIR --file F --score-first-word --batch-size 1 --bptt 100000 --json`
on both files. Prints and writes LM_DIR/check_import.json.
"""

import argparse, json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wikitext_text import detok

import torch
import torch.nn.functional as F
from fastai.text.all import *  # noqa: F401,F403
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wikitext")
    ap.add_argument("lm")
    ap.add_argument("run")
    ap.add_argument("binary")
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    with open(os.path.join(a.wikitext, "valid.txt"), encoding="utf-8") as f:
        texts = [detok(l) for l in f if l.strip() and not l.strip().startswith("=")]
    texts = [t for t in texts if 40 < len(t.split()) < 120][:a.n]
    with open(os.path.join(a.lm, "vocab.txt"), encoding="utf-8") as f:
        vocab = [l.rstrip("\n") for l in f]
    stoi = {w: i for i, w in enumerate(vocab)}
    tok = Tokenizer(WordTokenizer())
    toks = [list(tok(t)) for t in texts]
    assert all(t[0] == "xxbos" for t in toks)
    raw_path = os.path.join(a.lm, "check_raw.txt")
    tok_path = os.path.join(a.lm, "check_tokens.txt")
    with open(raw_path, "w", encoding="utf-8") as f:
        f.writelines(t + "\n" for t in texts)
    with open(tok_path, "w", encoding="utf-8") as f:
        f.writelines(" ".join(t[1:]) + "\n" for t in toks)

    sd = load_file(os.path.join(a.lm, "lm.safetensors"))
    n_layers = len({k.split(".")[2] for k in sd if k.startswith("0.rnns.")})
    config = dict(awd_lstm_lm_config, emb_sz=sd["0.encoder.weight"].shape[1],
                  n_hid=sd["0.rnns.0.module.weight_ih_l0"].shape[0] // 4, n_layers=n_layers)
    model = get_language_model(AWD_LSTM, len(vocab), config=config)
    model.load_state_dict(sd)
    model.eval()
    model.reset()
    ids = torch.tensor([[stoi.get(w, 0) for t in toks for w in t]])
    with torch.no_grad():
        logits = model(ids[:, :-1])[0]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[0, 1:]).item()
    fastai = dict(loss=loss, scored_tokens=ids.shape[1] - 1, unknown=int(sum(stoi.get(w) is None for t in toks for w in t)))

    ours = {}
    for name, path in [("raw_text", raw_path), ("fastai_tokens", tok_path)]:
        cmd = [a.binary, "evaluate", "--checkpoint", a.run, "--file", path, "--score-first-word",
               "--batch-size", "1", "--bptt", "100000", "--json", "--threads", str(a.threads)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            ours[name] = dict(error=p.stderr.strip()[-2000:], command=" ".join(cmd))
            continue
        j = json.loads(p.stdout.strip().splitlines()[-1])
        j.pop("per_token_loss", None) if isinstance(j.get("per_token_loss"), list) else None
        ours[name] = j
    res = dict(texts=len(texts), fastai=fastai, ours=ours)
    print(json.dumps(res, indent=1))
    with open(os.path.join(a.lm, "check_import.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
