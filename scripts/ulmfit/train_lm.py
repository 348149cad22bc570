"""Train a small fastai AWD-LSTM language model on WikiText-2 for a wall-clock budget.

usage: train_lm.py WIKITEXT_DIR WORK_DIR [--minutes 15] [--threads 2] [--seed 42]

Every non-empty line of train.txt (valid.txt for validation) is one document,
detokenized lightly (wikitext_text.detok) and tokenized by fastai's default
Tokenizer (spaCy, default rules); fastai's vocabulary (min_freq 3, max_vocab
60000, specials first: xxunk, xxpad, xxbos, ...). Model: AWD_LSTM with emb_sz
200, n_hid 400, n_layers 3, drop_mult 0.2; Adam (fastai defaults, wd 0.01),
one-cycle at lr 1e-2, moms (0.8, 0.7, 0.8), gradient clip 0.1, bs 64, seq_len 72.

Budget: after 20 batches the time per batch is measured and the number of
batches B that fits the budget is fixed; the one-cycle schedule is stretched
over exactly B batches (its usual shape, ending at its usual low rate) and
training stops after B batches, then one validation pass. So the schedule is
complete even when B is a fraction of an epoch.

Writes to WORK_DIR/lm/: lm.safetensors (learn.model.state_dict(); the tied
decoder weight is a clone of the embedding), vocab.txt (fastai's itos, one a
line), lm_stats.json (sizes, batches, tokens seen, train time, valid loss and
perplexity; train_seconds is the fit: the B batches and its one validation pass).
"""

import argparse, json, math, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wikitext_text import detok

import pandas as pd
import torch
from fastai.text.all import *  # noqa: F401,F403
from fastai.callback.schedule import combined_cos
from safetensors.torch import save_file


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [detok(l) for l in f if l.strip()]


class BudgetSchedule(Callback):
    """One-cycle over B batches, B fixed from the measured speed of the first batches."""
    order = 60  # like ParamScheduler

    def __init__(self, lr, budget_s, moms=(0.8, 0.7, 0.8), div=25., div_final=1e5, pct_start=0.25, probe=20):
        self.lr, self.budget_s, self.moms, self.probe = lr, budget_s, moms, probe
        self.lr_s = combined_cos(pct_start, lr / div, lr, lr / div_final)
        self.mom_s = combined_cos(pct_start, *moms)
        self.B = None
        self.done = 0

    def before_fit(self):
        self.t0 = time.time()
        self.guess = len(self.dls.train) * self.n_epoch

    def _set(self):
        B = self.B or self.guess
        p = min(self.done / B, 1.0)
        for h in self.opt.hypers:
            h["lr"] = self.lr_s(p)
            h["mom"] = self.mom_s(p)

    def before_batch(self):
        if self.training:
            self._set()

    def after_batch(self):
        if not self.training:
            return
        self.done += 1
        if self.done == self.probe:
            per = (time.time() - self.t0) / self.probe
            self.B = max(self.probe + 1, int(self.budget_s / per))
            print(f"{per:.3f} s/batch -> {self.B} batches in the budget "
                  f"({self.B / len(self.dls.train):.2f} epochs)", flush=True)
        if self.B is not None and self.done >= self.B:
            self.stop = True
            raise CancelTrainException()

    def after_epoch(self):
        if getattr(self, "stop", False):
            raise CancelFitException()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wikitext")
    ap.add_argument("work")
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--lr", type=float, default=1e-2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    set_seed(a.seed)
    out = os.path.join(a.work, "lm")
    os.makedirs(out, exist_ok=True)

    train = read_lines(os.path.join(a.wikitext, "train.txt"))
    valid = read_lines(os.path.join(a.wikitext, "valid.txt"))
    df = pd.DataFrame({"text": train + valid, "is_valid": [False] * len(train) + [True] * len(valid)})
    t = time.time()
    dls = TextDataLoaders.from_df(df, path=out, text_col="text", is_lm=True, valid_col="is_valid",
                                  bs=64, seq_len=72, seed=a.seed)
    tok_s = time.time() - t
    vocab = dls.vocab
    print(f"tokenized in {tok_s:.0f}s; vocab {len(vocab)}; train batches/epoch {len(dls.train)}", flush=True)

    config = dict(awd_lstm_lm_config, emb_sz=200, n_hid=400, n_layers=3)
    learn = language_model_learner(dls, AWD_LSTM, config=config, pretrained=False, drop_mult=0.2,
                                   metrics=[accuracy, Perplexity()], cbs=[GradientClip(0.1)])
    # Epochs the budget could need at most; the callback stops at B batches.
    sched = BudgetSchedule(a.lr, a.minutes * 60)
    t = time.time()
    learn.fit(8, cbs=[sched])
    train_s = time.time() - t
    vloss = float(learn.validate()[0])

    sd = {k: v.detach().clone().contiguous().float() for k, v in learn.model.state_dict().items()}
    save_file(sd, os.path.join(out, "lm.safetensors"))
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8") as f:
        for w in vocab:
            f.write(w + "\n")

    stats = dict(emb_sz=200, n_hid=400, n_layers=3, vocab=len(vocab), drop_mult=0.2, lr=a.lr,
                 bs=64, seq_len=72, threads=a.threads, seed=a.seed, budget_minutes=a.minutes,
                 batches=sched.done, batches_per_epoch=len(dls.train),
                 epochs=sched.done / len(dls.train), tokens_seen=sched.done * 64 * 72,
                 tokenize_seconds=round(tok_s, 1), train_seconds=round(train_s, 1),
                 valid_loss=vloss, valid_perplexity=math.exp(vloss),
                 train_docs=len(train), valid_docs=len(valid))
    with open(os.path.join(out, "lm_stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
