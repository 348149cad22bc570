#!/usr/bin/env python3
"""PyTorch CPU reference benchmark for the AWD-LSTM training step and evaluation.

This is the baseline that the Swift `awd-lstm` bench command is compared
against (`make bench` runs both and prints the ratios).  The model is the
AWD-LSTM language model of Merity, Keskar & Socher (2017), "Regularizing and
Optimizing LSTM Language Models", as scripts/pytorch/awd_lstm.py holds it:
the semantics of the authors' salesforce/awd-lstm-lm code (model.py,
weight_drop.py, locked_dropout.py, embed_regularize.py; with `--model QRNN`
torchqrnn's QRNNLayer as their model.py builds it, its pooling a time loop of
PyTorch element-wise ops since PyTorch has no CPU QRNN kernel; with splits
their split cross-entropy, splitcross.py, restricted to the rows of each tail
cluster as their training computes it).  This script adds the training loss
of the authors' main.py and the timing:

  * raw loss = mean cross-entropy over the B * bptt tokens (AWDLSTM.loss);
  * AR  = alpha * mean(dropped_last_output ** 2),
    TAR = beta  * mean((raw_last_output[1:] - raw_last_output[:-1]) ** 2);
  * SGD (lr, weight decay wdecay), global-norm clipping clip_grad_norm_(clip);
  * hidden state carried, detached, from one window to the next.

Data: token ids drawn uniformly over the vocabulary from a fixed seed, cut into
fixed windows of `bptt` steps (no variable sequence length, so the authors'
lr * seq_len / bptt rescaling is always 1).

Timing (time.perf_counter):
  * training: `--warmup` untimed steps, then `--steps` timed full steps, each
    = forward, loss, backward, clipping, optimiser step;
    train_tokens_per_s = batch_size * bptt * steps / (sum of step times);
  * evaluation: model.eval(), torch.no_grad(), fresh hidden state for
    `--eval-batch-size`, one untimed warm-up window, then `--eval-steps`
    timed windows of `bptt` tokens (forward + decoder + cross-entropy, hidden
    carried); eval_tokens_per_s = eval_batch_size * bptt * eval_steps / secs.

Output: with --json exactly one JSON object on stdout (train_tokens_per_s,
eval_tokens_per_s, train_ms_per_step, eval_ms_per_window, peak_rss_bytes,
threads, torch_version, the sizes and more); otherwise a short readable
summary.  Progress and torch.__config__.parallel_info() go to stderr.

Setup (from the repository root):

    python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors

Examples:

    # medium AWD-LSTM (PTB sizes, 10k vocabulary), 2 threads, JSON
    .venv-bench/bin/python scripts/bench/pytorch_reference.py --json

    # smaller batch, fewer steps, readable summary
    .venv-bench/bin/python scripts/bench/pytorch_reference.py \\
        --batch-size 20 --steps 3

    # single-stream evaluation speed
    .venv-bench/bin/python scripts/bench/pytorch_reference.py \\
        --steps 1 --eval-batch-size 1 --json
"""

import argparse
import json
import os
import platform
import re
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
from awd_lstm import AWDLSTM, repackage_hidden  # noqa: E402


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- benchmark

def make_windows(gen, vocab, n_windows, bptt, bsz, zipf=None):
    shape = (n_windows * bptt + 1, bsz)
    if zipf is None:
        data = torch.randint(vocab, shape, generator=gen)
    else:  # Zipf's law over ids: P(id r) proportional to 1 / (r + 1)^s
        p = 1.0 / torch.arange(1, vocab + 1, dtype=torch.float64).pow(zipf)
        data = torch.multinomial(p, shape[0] * shape[1], replacement=True, generator=gen).view(shape)
    return [(data[i * bptt:(i + 1) * bptt], data[i * bptt + 1:(i + 1) * bptt + 1])
            for i in range(n_windows)]


def init_hidden(model, bsz):
    """Zero state; for the QRNN also forgets the previous inputs (the authors' model.reset())."""
    model.reset()
    return model.init_hidden(bsz)


def train_step(model, opt, params, a, x, y, hidden):
    hidden = repackage_hidden(hidden)
    opt.zero_grad(set_to_none=True)
    out, hidden, raw_outputs, _ = model.encode(x, hidden)
    raw_last = raw_outputs[-1]
    raw_loss = model.loss(out, y)
    loss = raw_loss
    if a.alpha:
        loss = loss + a.alpha * out.pow(2).mean()
    if a.beta:
        loss = loss + a.beta * (raw_last[1:] - raw_last[:-1]).pow(2).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, a.clip)
    opt.step()
    return raw_loss.detach(), hidden


def peak_rss_bytes():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024   # macOS: bytes, Linux: KiB


def config_field(key):
    """A KEY=value build setting from torch.__config__.show(), e.g. BLAS_INFO."""
    m = re.search(re.escape(key) + r"=([^,\s]+)", torch.__config__.show())
    return m.group(1) if m else None


def parallel_backend():
    for line in torch.__config__.parallel_info().splitlines():
        if line.startswith("ATen parallel backend:"):
            return line.split(":", 1)[1].strip()
    return None


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch CPU reference benchmark of the AWD-LSTM training step and evaluation.")
    p.add_argument("--model", choices=("LSTM", "QRNN"), default="LSTM")
    p.add_argument("--batch-size", type=int, default=80)
    p.add_argument("--bptt", type=int, default=70)
    p.add_argument("--emsize", type=int, default=400)
    p.add_argument("--nhid", type=int, default=1150)
    p.add_argument("--nlayers", type=int, default=3)
    p.add_argument("--vocab", type=int, default=10000)
    p.add_argument("--splits", default=None,
                   help="split cross-entropy boundaries A,B,C, or none (default: the authors' main.py "
                        "defaults for --vocab: none up to 75,000 words, 2800,20000,76000 above, "
                        "4200,35000,180000 above 500,000)")
    p.add_argument("--zipf", type=float, default=None,
                   help="draw tokens from Zipf's law with this exponent (id = rank) instead of uniformly")
    p.add_argument("--steps", type=int, default=5, help="timed training steps")
    p.add_argument("--warmup", type=int, default=1, help="untimed training steps first")
    p.add_argument("--eval-batch-size", type=int, default=10)
    p.add_argument("--eval-steps", type=int, default=5, help="timed eval windows (0: skip eval)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=30.0)
    p.add_argument("--clip", type=float, default=0.25)
    p.add_argument("--dropout", type=float, default=0.4)
    p.add_argument("--dropouth", type=float, default=0.3)
    p.add_argument("--dropouti", type=float, default=0.65)
    p.add_argument("--dropoute", type=float, default=0.1)
    p.add_argument("--wdrop", type=float, default=0.5)
    p.add_argument("--alpha", type=float, default=2.0)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--wdecay", type=float, default=1.2e-6)
    p.add_argument("--seed", type=int, default=1111)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    a = p.parse_args(argv)
    if a.splits is None:
        defaults = [4200, 35000, 180000] if a.vocab > 500000 else [2800, 20000, 76000] if a.vocab > 75000 else []
        a.splits = [x for x in defaults if x < a.vocab]
    else:
        a.splits = [] if a.splits == "none" else [int(x) for x in a.splits.split(",")]
    if a.steps < 1 or a.warmup < 0 or a.eval_steps < 0 or a.threads < 1:
        p.error("need --steps >= 1, --warmup >= 0, --eval-steps >= 0, --threads >= 1")
    return a


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    log(torch.__config__.parallel_info().rstrip())
    env = {k: v for k, v in sorted(os.environ.items())
           if k.startswith(("OMP_", "MKL_", "OPENBLAS_", "KMP_", "GOMP_", "DNNL_", "ONEDNN_"))}
    log(f"[bench] threading/BLAS env: {env or '(none)'}; "
        f"BLAS_INFO={config_field('BLAS_INFO')}, mkldnn enabled={torch.backends.mkldnn.enabled}")

    model = AWDLSTM(a.vocab, a.emsize, a.nhid, a.nlayers, dropout=a.dropout, dropouth=a.dropouth,
                    dropouti=a.dropouti, dropoute=a.dropoute, wdrop=a.wdrop, rnn_type=a.model, splits=a.splits)
    params = list(model.parameters())                 # tied weight counted once
    n_params = sum(p.numel() for p in params)
    opt = torch.optim.SGD(params, lr=a.lr, weight_decay=a.wdecay)
    log(f"[bench] model V={a.vocab} E={a.emsize} H={a.nhid} L={a.nlayers} "
        f"layer sizes={[model.layer_hidden_size(l) for l in range(a.nlayers)]} params={n_params}")

    gen = torch.Generator().manual_seed(a.seed)
    train_windows = make_windows(gen, a.vocab, a.warmup + a.steps, a.bptt, a.batch_size, a.zipf)
    eval_windows = (make_windows(gen, a.vocab, 1 + a.eval_steps, a.bptt, a.eval_batch_size, a.zipf)
                    if a.eval_steps else [])

    # training
    model.train()
    hidden = init_hidden(model, a.batch_size)
    step_s, losses = [], []
    for i, (x, y) in enumerate(train_windows):
        t0 = time.perf_counter()
        loss, hidden = train_step(model, opt, params, a, x, y, hidden)
        dt = time.perf_counter() - t0
        timed = i >= a.warmup
        if timed:
            step_s.append(dt)
        losses.append(loss.item())
        log(f"[bench] train {'step' if timed else 'warmup'} {i + 1}/{len(train_windows)}: "
            f"{dt * 1e3:.1f} ms, raw loss {losses[-1]:.4f}")
    train_s = sum(step_s)
    train_tokens = a.batch_size * a.bptt * a.steps

    # evaluation
    eval_win_s, eval_loss = [], None
    if a.eval_steps:
        model.eval()
        with torch.no_grad():
            hidden = init_hidden(model, a.eval_batch_size)
            total = 0.0
            for i, (x, y) in enumerate(eval_windows):
                t0 = time.perf_counter()
                out, hidden, _, _ = model.encode(x, hidden)
                l = model.loss(out, y)
                dt = time.perf_counter() - t0
                if i >= 1:
                    eval_win_s.append(dt)
                    total += l.item()
                log(f"[bench] eval {'window' if i else 'warmup'} {i + 1}/{len(eval_windows)}: "
                    f"{dt * 1e3:.1f} ms")
            eval_loss = total / a.eval_steps
    eval_s = sum(eval_win_s)
    eval_tokens = a.eval_batch_size * a.bptt * a.eval_steps

    ms = lambda xs: [round(x * 1e3, 3) for x in xs]
    res = {
        "train_tokens_per_s": train_tokens / train_s,
        "eval_tokens_per_s": (eval_tokens / eval_s) if eval_s > 0 else None,
        "train_ms_per_step": train_s * 1e3 / a.steps,
        "eval_ms_per_window": (eval_s * 1e3 / a.eval_steps) if a.eval_steps else None,
        "train_ms_per_step_median": statistics.median(step_s) * 1e3,
        "eval_ms_per_window_median": (statistics.median(eval_win_s) * 1e3) if eval_win_s else None,
        "train_step_ms": ms(step_s),
        "eval_window_ms": ms(eval_win_s),
        "peak_rss_bytes": peak_rss_bytes(),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "batch_size": a.batch_size,
        "bptt": a.bptt,
        "eval_batch_size": a.eval_batch_size,
        "model": a.model,
        "emsize": a.emsize,
        "nhid": a.nhid,
        "nlayers": a.nlayers,
        "vocab": a.vocab,
        "splits": a.splits,
        "zipf": a.zipf,
        "steps": a.steps,
        "warmup": a.warmup,
        "eval_steps": a.eval_steps,
        "params": n_params,
        "lr": a.lr, "clip": a.clip, "wdecay": a.wdecay, "alpha": a.alpha, "beta": a.beta,
        "dropout": a.dropout, "dropouth": a.dropouth, "dropouti": a.dropouti,
        "dropoute": a.dropoute, "wdrop": a.wdrop,
        "seed": a.seed,
        "final_train_raw_loss": losses[-1],
        "eval_loss": eval_loss,
        "parallel_backend": parallel_backend(),
        "blas": config_field("BLAS_INFO"),
        "mkldnn_enabled": bool(torch.backends.mkldnn.enabled),
        "env": env,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }
    if a.json:
        print(json.dumps(res))
    else:
        print(f"AWD-LSTM PyTorch {torch.__version__} CPU reference, {res['threads']} threads "
              f"(V={a.vocab} E={a.emsize} H={a.nhid} L={a.nlayers}, {n_params / 1e6:.1f}M params)")
        print(f"  train  B={a.batch_size} bptt={a.bptt}: {res['train_ms_per_step']:.1f} ms/step "
              f"(median {res['train_ms_per_step_median']:.1f}), "
              f"{res['train_tokens_per_s']:.0f} tokens/s over {a.steps} steps")
        if a.eval_steps:
            print(f"  eval   B={a.eval_batch_size} bptt={a.bptt}: {res['eval_ms_per_window']:.1f} "
                  f"ms/window, {res['eval_tokens_per_s']:.0f} tokens/s over {a.eval_steps} windows")
        print(f"  peak RSS {res['peak_rss_bytes'] / 2**20:.0f} MiB")
    return res


if __name__ == "__main__":
    main()
