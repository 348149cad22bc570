#!/usr/bin/env python3
"""ULMFiT classifier parity fixtures: a tiny fastai 2.8 text classifier
(`get_text_classifier(AWD_LSTM, ...)`), its forward and backward passes on a
padded batch, fastai's Adam over the classifier's parameter groups, and the
one-cycle learning-rate and momentum schedule of a fastai `Learner`.

Regenerate (from the repository root, with a Python that has fastai 2.8):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install torch numpy safetensors fastai \
        && /tmp/v/bin/python scripts/reference/make_ulmfit_fixtures.py

Seeds are fixed, so a second run writes identical files for a given PyTorch
and fastai (both versions are recorded in classifier.json).

Writes Tests/Fixtures/ulmfit/:

  classifier.safetensors (all float32 except the two num_batches_tracked, int64)
    the model's state_dict under fastai's exact names (V = 24, emb_sz 6, n_hid 10,
    3 layers, 3 classes, bptt 4, max_len 12, lin_ftrs [5], drop_mult 0.5):
      0.module.encoder.weight [24,6], 0.module.encoder_dp.emb.weight [24,6] (same tensor),
      0.module.rnns.{l}.weight_hh_l0_raw [4H_l,H_l],
      0.module.rnns.{l}.module.weight_ih_l0 [4H_l,In_l], .bias_ih_l0 [4H_l], .bias_hh_l0 [4H_l]
          (H_l = 10, 10, 6; In_l = 6, 10, 10; gates i, f, g, o),
      1.layers.{j}.0.weight / .bias / .running_mean / .running_var / .num_batches_tracked
          (BatchNorm1d over 18 then 5 features),
      1.layers.{j}.2.weight (Linear without bias, [5,18] then [3,5]; index 1 is the Dropout);
    input [6,14] (the padded batch, token ids as floats), lengths [6], labels [6]
      (documents of 14, 9, 6, 5, 5 and 1 ids: several windows, one longer than
      max_len, chunked padding, a one-token document);
    eval mode: eval.outputs [6,10,6] and eval.mask [6,10] (1 = pad) from the
      SentenceEncoder, eval.pooled [6,18] (masked_concat_pool), eval.logits [6,3];
    train mode with every dropout probability set to 0 (BatchNorm on batch
      statistics): train.logits [6,3], train.loss [1] (CrossEntropyLossFlat, mean),
      grad.<parameter> for every named parameter, and train.<bn>.running_mean /
      running_var after the pass;
    the same pass with the AR/TAR terms that TextLearner's RNNRegularizer adds
      (alpha 2, beta 1): reg.ar [1], reg.tar [1], reg.loss [1] = loss + 2 ar + tar,
      reg.grad.<parameter>;
    a second batch (13, 10, 7, 5 and 1 ids) where real_bs feeds two pad rows in
      place of two rows with a token at the last window: quirk.input [5,13],
      quirk.lengths [5], quirk.eval.outputs [5,9,6], quirk.eval.mask [5,9],
      quirk.eval.pooled [5,18], quirk.eval.logits [5,3].
  classifier.json
    sizes, fastai's special tokens, the dropout probabilities and how fastai
    derives them from drop_mult, BatchNorm eps and momentum, the documents of
    both batches before and after sorting, each window's real_bs and whether
    its output is kept, the names that get a gradient, and the versions.
  optimizer.safetensors (float32)
    step0.param.<name> (the classifier's parameters), and for k = 1, 2, 3:
    step{k}.grad.<name> (random gradients) and step{k}.param.<name> (after fastai
    Adam's k-th step).
  optimizer.json
    the parameter groups (awd_lstm_clas_split), each name's group and do_wd
    flag (Learner.create_opt turns weight decay off for BatchNorm), the lr and
    mom of every group at every step, sqr_mom, eps, wd.
  schedule.json
    lr and mom of every group at every training batch of
    `fit_one_cycle(2, slice(1e-2/2.6**4, 1e-2), moms=(0.8, 0.7, 0.8))` on a
    TextLearner with 7 batches per epoch, unfrozen and after freeze_to(-1) and
    freeze_to(-2), with which groups were trainable and which the step changed.

Documents are sorted by fastai's SortedDL (longest first, ties in dataset
order) and padded by fastai's pad_input_chunk (pad_first, seq_len = bptt): whole
chunks of bptt pads before a document, the remainder after it.

The forward and backward passes run fastai's own modules in float64 from the
float32 parameters (stored values are rounded to float32 at the end); the
optimizer runs fastai's Adam in float64 from float32 parameters and gradients.
The self-check reloads the files and compares them with an explicit float64
re-implementation of the classifier and of Adam, and with the one-cycle formula.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

warnings.filterwarnings("ignore")

import fastai  # noqa: E402
from fastai.callback.core import CancelFitException  # noqa: E402
from fastai.text.all import (  # noqa: E402
    AWD_LSTM, Adam, Callback, CrossEntropyLossFlat, DataLoader, DataLoaders, SortedDL,
    TensorCategory, TensorText, TextLearner, awd_lstm_clas_config, awd_lstm_clas_split,
    defaults, get_text_classifier, masked_concat_pool, norm_bias_params, pad_input_chunk,
)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "Tests", "Fixtures", "ulmfit")

SPECIALS = list(defaults.text_spec_tok)  # xxunk xxpad xxbos xxeos xxfld xxrep xxwrep xxup xxmaj
PAD, BOS = SPECIALS.index("xxpad"), SPECIALS.index("xxbos")
V, N_CLASS, BPTT, MAXLEN = 24, 3, 4, 12
EMB, HID, LAYERS = 6, 10, 3
LIN_FTRS = [5]
DROP_MULT = 0.5  # text_classifier_learner's default
CONFIG = {**awd_lstm_clas_config, "emb_sz": EMB, "n_hid": HID, "n_layers": LAYERS}

# Document lengths in dataset order.  MAIN: the sorted batch is 14, 9, 6, 5, 5, 1 (two
# equal lengths keep their dataset order); 14 > MAXLEN drops the first window's output,
# 9 and 5 get a leading chunk of 4 or 8 pads and one trailing pad, 1 is a one-token
# document.  QUIRK: sorted 13, 10, 7, 5, 1; at column 12 (the last window's start) the
# 10- and 7-token rows are trailing pads while the 5- and 1-token rows have tokens, so
# real_bs = 3 feeds rows 0-2 and drops rows 3 and 4 from that window.
MAIN_LENGTHS = [6, 14, 5, 1, 9, 5]
QUIRK_LENGTHS = [10, 5, 13, 1, 7]

OPT_LR = 0.1  # top learning rate of the optimizer fixture (large enough that every group moves visibly)
OPT_STEPS = [(OPT_LR, 0.9), (OPT_LR * 0.5, 0.8), (OPT_LR * 0.8, 0.75)]  # (top lr, mom) per step
SCHED_LR = 1e-2
SCHED_MOMS = (0.8, 0.7, 0.8)
SCHED_EPOCHS, SCHED_BS, SCHED_ITEMS, SCHED_SL = 2, 2, 14, 8


# ---------------------------------------------------------------------------
# Model and data
# ---------------------------------------------------------------------------

def build_classifier(seed: int):
    torch.manual_seed(seed)
    return get_text_classifier(AWD_LSTM, V, N_CLASS, seq_len=BPTT, config=dict(CONFIG),
                               drop_mult=DROP_MULT, lin_ftrs=LIN_FTRS, max_len=MAXLEN)


def randomise(model, gen):
    """Every parameter N(0, 0.5); BatchNorm weight in [0.5, 1.5], bias N(0, 0.5),
    running_mean N(0, 0.5), running_var in [0.5, 1.5]."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
    model.reset()


def zero_dropout(model):
    """Set every dropout probability of the classifier to 0 (eval mode ignores them anyway)."""
    enc = model[0].module
    enc.encoder_dp.embed_p = 0.0
    enc.input_dp.p = 0.0
    for dp in enc.hidden_dps:
        dp.p = 0.0
    for rnn in enc.rnns:
        rnn.weight_p = 0.0
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0


def copy_of(state, dtype=torch.float32):
    """A new classifier holding `state`, every dropout probability 0, in `dtype`.
    (Modules that have run hold non-leaf weight copies, which deepcopy refuses.)"""
    model = build_classifier(1)
    model.load_state_dict(state)
    zero_dropout(model)
    model = model.to(dtype)
    model.reset()
    return model


def dropout_probabilities(model):
    enc = model[0].module
    return {
        "embed_p": enc.encoder_dp.embed_p, "input_p": enc.input_dp.p,
        "hidden_p": enc.hidden_dps[0].p, "weight_p": enc.rnns[0].weight_p,
        "head_ps": [m.p for m in model[1].modules() if isinstance(m, nn.Dropout)],
    }


def make_documents(lengths, gen):
    """xxbos then random ids (never the pad id); the one-token document is just xxbos."""
    body = torch.tensor([0] + list(range(3, V)))
    docs = []
    for n in lengths:
        ids = body[torch.randint(len(body), (n - 1,), generator=gen)]
        docs.append(torch.cat([torch.tensor([BOS]), ids]))
    return docs


def sorted_padded_batch(docs, labels):
    """fastai's SortedDL (longest first, stable) with pad_input_chunk (pad_first, seq_len = bptt)."""
    items = [(TensorText(d), TensorCategory(int(y))) for d, y in zip(docs, labels)]
    dl = SortedDL(items, bs=len(items), shuffle=False,
                  before_batch=partial(pad_input_chunk, pad_idx=PAD, pad_first=True, seq_len=BPTT))
    order = list(dl.get_idxs())
    x, y = dl.one_batch()
    return torch.as_tensor(x).clone(), torch.as_tensor(y).clone(), order


def windows(x):
    """SentenceEncoder's windows: start, width, real_bs and whether the output is kept."""
    bs, sl = x.shape
    out = []
    for i in range(0, sl, BPTT):
        real_bs = int((x[:, i] != PAD).long().sum())
        out.append({"start": i, "width": min(i + BPTT, sl) - i, "real_bs": real_bs,
                    "rows_with_token_at_start": [r for r in range(bs) if x[r, i] != PAD],
                    "kept": sl - i <= MAXLEN})
    return out


# ---------------------------------------------------------------------------
# Passes through fastai's modules
# ---------------------------------------------------------------------------

def eval_pass(model, x):
    model.eval()
    captured = {}
    hook = model[1].layers.register_forward_pre_hook(lambda m, inp: captured.setdefault("pooled", inp[0].clone()))
    with torch.no_grad():
        outs, mask = model[0](x)
        logits = model(x)[0]
    hook.remove()
    pooled = masked_concat_pool(outs, mask, BPTT)
    assert torch.equal(pooled, captured["pooled"])
    return {"outputs": outs, "mask": mask, "pooled": pooled, "logits": logits}


def bn_modules(model):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.BatchNorm1d)]


def train_pass(model, x, y, alpha=0.0, beta=0.0):
    """A training-mode forward and backward; alpha/beta add RNNRegularizer's terms."""
    model.train()
    model.zero_grad()
    logits, raw_out, out = model(x)
    loss = CrossEntropyLossFlat()(logits, y)
    ar = out.pow(2).mean()
    tar = (raw_out[:, 1:] - raw_out[:, :-1]).pow(2).mean()
    total = loss + alpha * ar + beta * tar
    total.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}
    stats = {n: (m.running_mean.clone(), m.running_var.clone(), int(m.num_batches_tracked))
             for n, m in bn_modules(model)}
    return {"logits": logits.detach(), "loss": loss.detach(), "ar": ar.detach(), "tar": tar.detach(),
            "total": total.detach(), "grads": grads, "bn": stats}


def learner_regularised_pass(model, x, y):
    """One batch through a TextLearner (its RNNRegularizer, alpha 2 and beta 1), capturing
    the loss and gradients before the optimizer step; checks reg.* against fastai itself."""
    got = {}

    class Capture(Callback):
        order = 100

        def after_backward(self):
            got["loss_grad"] = self.learn.loss_grad.detach().clone()
            got["grads"] = {n: p.grad.detach().clone() for n, p in self.learn.model.named_parameters()
                            if p.grad is not None}
            # With weight_p = 0, F.dropout returns the raw Parameter itself, which WeightDropout
            # then registers on the LSTM as `weight_hh_l0`; the next reset() would refuse to
            # replace it with a plain tensor.  Unregister it so the Learner can finish.
            for rnn in self.learn.model[0].module.rnns:
                rnn.module._parameters.pop("weight_hh_l0", None)
            raise CancelFitException()

    items = [(x[i], y[i]) for i in range(len(x))]
    dls = DataLoaders(DataLoader(items, bs=len(items)), DataLoader(items, bs=len(items)), device="cpu")
    learn = TextLearner(dls, model, loss_func=CrossEntropyLossFlat(), splitter=awd_lstm_clas_split,
                        cbs=[Capture()])
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, lr=0.0)
    return got


# ---------------------------------------------------------------------------
# Explicit float64 re-implementation (self-check only)
# ---------------------------------------------------------------------------

def reference_classifier(P, x, training):
    """The classifier written out: SentenceEncoder windows with the real_bs rule and the
    carried state (detached) resized to each window's rows, the LSTM stack, masked_concat_pool, then
    BatchNorm -> Linear -> ReLU -> BatchNorm -> Linear.  Returns outputs, mask, pooled,
    logits and (training) the BatchNorm batch statistics."""
    bs, sl = x.shape
    sizes = [HID, HID, EMB]
    h = [torch.zeros(0, n, dtype=torch.float64) for n in sizes]
    c = [torch.zeros(0, n, dtype=torch.float64) for n in sizes]
    pad = x == PAD
    outs, masks = [], []
    for i in range(0, sl, BPTT):
        rb = int((x[:, i] != PAD).sum())
        for l in range(LAYERS):
            # AWD_LSTM stores its final state detached: no gradient crosses a window boundary.
            h[l], c[l] = h[l].detach(), c[l].detach()
            if h[l].shape[0] < rb:
                extra = torch.zeros(rb - h[l].shape[0], sizes[l], dtype=torch.float64)
                h[l], c[l] = torch.cat([h[l], extra]), torch.cat([c[l], extra])
            else:
                h[l], c[l] = h[l][:rb], c[l][:rb]
        # padding_idx: the pad row is looked up like any other but gets no gradient
        seq = F.embedding(x[:rb, i:i + BPTT], P["0.module.encoder.weight"], padding_idx=PAD)  # [rb, w, E]
        for l in range(LAYERS):
            pre = f"0.module.rnns.{l}."
            w_ih, w_hh = P[pre + "module.weight_ih_l0"], P[pre + "weight_hh_l0_raw"]
            b = P[pre + "module.bias_ih_l0"] + P[pre + "module.bias_hh_l0"]
            steps = []
            for t in range(seq.shape[1]):
                gates = seq[:, t] @ w_ih.T + h[l] @ w_hh.T + b
                gi, gf, gg, go = gates.chunk(4, dim=1)
                c[l] = torch.sigmoid(gf) * c[l] + torch.sigmoid(gi) * torch.tanh(gg)
                h[l] = torch.sigmoid(go) * torch.tanh(c[l])
                steps.append(h[l])
            seq = torch.stack(steps, dim=1)
        if sl - i <= MAXLEN:
            outs.append(torch.cat([seq, torch.zeros(bs - rb, *seq.shape[1:], dtype=torch.float64)]))
            masks.append(pad[:, i:i + BPTT])
    out, mask = torch.cat(outs, dim=1), torch.cat(masks, dim=1)
    kept = out.shape[1]
    n_real = (~mask).sum(1)
    last_pads = mask[:, -BPTT:].sum(1)
    last = out[torch.arange(bs), kept - last_pads - 1]
    mx = out.masked_fill(mask[:, :, None], -math.inf).max(dim=1)[0]
    avg = out.masked_fill(mask[:, :, None], 0).sum(1) / n_real[:, None]
    pooled = torch.cat([last, mx, avg], 1)

    z, batch_stats = pooled, []
    for j in range(len(LIN_FTRS) + 1):
        bn = f"1.layers.{j}.0."
        if training:
            mean, var = z.mean(0), z.var(0, unbiased=False)
            batch_stats.append((mean, z.var(0, unbiased=True)))
        else:
            mean, var = P[bn + "running_mean"], P[bn + "running_var"]
        z = (z - mean) / torch.sqrt(var + 1e-5) * P[bn + "weight"] + P[bn + "bias"]
        z = z @ P[f"1.layers.{j}.2.weight"].T
        if j < len(LIN_FTRS):
            z = torch.relu(z)
    return {"outputs": out, "mask": mask, "pooled": pooled, "logits": z, "batch_stats": batch_stats}


def reference_adam(params, grads, hypers, group_of, do_wd, state):
    """fastai's Adam step: decoupled weight decay p *= 1 - lr wd (unless do_wd is False),
    grad_avg = mom grad_avg + (1 - mom) g, sqr_avg = sqr_mom sqr_avg + (1 - sqr_mom) g^2,
    p -= lr / (1 - mom^step) * grad_avg / (sqrt(sqr_avg / (1 - sqr_mom^step)) + eps),
    with the current mom in the debiasing."""
    out = {}
    for n, p in params.items():
        hp = hypers[group_of[n]]
        lr, mom, sqr_mom, eps, wd = hp["lr"], hp["mom"], hp["sqr_mom"], hp["eps"], hp["wd"]
        g = grads[n]
        s = state.setdefault(n, {"avg": torch.zeros_like(p), "sqr": torch.zeros_like(p), "step": 0})
        if do_wd[n]:
            p = p * (1 - lr * wd)
        s["avg"] = s["avg"] * mom + (1 - mom) * g
        s["sqr"] = s["sqr"] * sqr_mom + (1 - sqr_mom) * g * g
        s["step"] += 1
        d1, d2 = 1 - mom ** s["step"], 1 - sqr_mom ** s["step"]
        out[n] = p - lr / d1 * s["avg"] / ((s["sqr"] / d2).sqrt() + eps)
    return out


def reference_one_cycle(pos, start, middle, end, pct_start):
    """combined_cos as fastai evaluates it: the phase position is computed in float32
    (combine_scheds keeps its boundaries in a float32 tensor), the cosine in float64."""
    bounds = np.array([0.0, pct_start, 1.0], dtype=np.float32)
    idx = 0 if pos < bounds[1] else 1
    actual = float((np.float32(pos) - bounds[idx]) / (bounds[idx + 1] - bounds[idx]))
    a, b = (start, middle) if idx == 0 else (middle, end)
    return a + (1 + math.cos(math.pi * (1 - actual))) * (b - a) / 2


# ---------------------------------------------------------------------------
# Fixture 1: the classifier
# ---------------------------------------------------------------------------

def f32(t):
    return t.detach().to(torch.float32).contiguous()


def make_classifier():
    model = build_classifier(3001)
    probs = dropout_probabilities(model)
    randomise(model, torch.Generator().manual_seed(3002))
    zero_dropout(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    param_names = [n for n, _ in model.named_parameters()]

    gen = torch.Generator().manual_seed(3003)
    main_docs = make_documents(MAIN_LENGTHS, gen)
    main_labels = [0, 1, 2, 2, 0, 1]
    quirk_docs = make_documents(QUIRK_LENGTHS, gen)
    quirk_labels = [1, 0, 2, 1, 2]
    for d in main_docs + quirk_docs:
        assert PAD not in d.tolist()
    x, y, order = sorted_padded_batch(main_docs, main_labels)
    qx, qy, qorder = sorted_padded_batch(quirk_docs, quirk_labels)
    fed_as_marked = [w["rows_with_token_at_start"] == list(range(w["real_bs"])) for w in windows(x)]
    assert all(fed_as_marked) and x.shape[1] > MAXLEN and 1 in MAIN_LENGTHS
    assert not all(w["rows_with_token_at_start"] == list(range(w["real_bs"])) for w in windows(qx))

    m64 = copy_of(state, torch.float64)
    ev = eval_pass(m64, x)
    qev = eval_pass(m64, qx)
    tr = train_pass(copy_of(state, torch.float64), x, y)
    reg = train_pass(copy_of(state, torch.float64), x, y, alpha=2.0, beta=1.0)

    # The same passes in float32 (fastai as it normally runs), for the record.
    ev32 = eval_pass(copy_of(state), x)
    tr32 = train_pass(copy_of(state), x, y)
    dev32 = {  # one significant digit, so that the record does not depend on the machine's rounding
        "eval.logits": float((ev32["logits"].double() - ev["logits"]).abs().max()),
        "train.logits": float((tr32["logits"].double() - tr["logits"]).abs().max()),
        "grad": max(float((tr32["grads"][n].double() - tr["grads"][n]).abs().max()) for n in tr["grads"]),
    }
    dev32 = {k: float(f"{v:.0e}") for k, v in dev32.items()}

    # RNNRegularizer inside a real TextLearner agrees with reg.*.
    fl = learner_regularised_pass(copy_of(state, torch.float64), x, y)
    # (RNNRegularizer takes .float() of the outputs, so its AR/TAR terms are float32.)
    assert torch.allclose(fl["loss_grad"].double(), reg["total"], rtol=0, atol=1e-6), (fl["loss_grad"], reg["total"])
    for n, g in reg["grads"].items():
        assert torch.allclose(fl["grads"][n], g, rtol=0, atol=1e-6), n

    t = {k: v.clone().contiguous() if v.dtype == torch.int64 else f32(v) for k, v in state.items()}
    t["input"], t["lengths"], t["labels"] = f32(x), f32((x != PAD).sum(1)), f32(y)
    for k in ("logits", "pooled", "outputs"):
        t[f"eval.{k}"] = f32(ev[k])
        t[f"quirk.eval.{k}"] = f32(qev[k])
    t["eval.mask"], t["quirk.eval.mask"] = f32(ev["mask"]), f32(qev["mask"])
    t["quirk.input"], t["quirk.lengths"] = f32(qx), f32((qx != PAD).sum(1))
    t["train.logits"], t["train.loss"] = f32(tr["logits"]), f32(tr["loss"].reshape(1))
    for n, g in tr["grads"].items():
        t[f"grad.{n}"] = f32(g)
    for n, (mean, var, _) in tr["bn"].items():
        t[f"train.{n}.running_mean"], t[f"train.{n}.running_var"] = f32(mean), f32(var)
    t["reg.ar"], t["reg.tar"], t["reg.loss"] = (f32(reg[k].reshape(1)) for k in ("ar", "tar", "total"))
    for n, g in reg["grads"].items():
        t[f"reg.grad.{n}"] = f32(g)
    path = os.path.join(OUT_DIR, "classifier.safetensors")
    save_file(t, path, metadata={"format": "ulmfit-classifier-fixture-1"})

    enc = model[0].module
    head_ps_formula = ("[awd_lstm_clas_config['output_p'] * drop_mult] + (ps or [0.1] * len(lin_ftrs)); "
                       "only output_p is scaled by drop_mult")
    meta = {
        "fastai": fastai.__version__, "torch": torch.__version__.split("+")[0],
        "vocab_size": V, "n_class": N_CLASS, "bptt": BPTT, "max_len": MAXLEN,
        "emb_sz": EMB, "n_hid": HID, "n_layers": LAYERS, "lin_ftrs": LIN_FTRS,
        "head_dims": [3 * EMB] + LIN_FTRS + [N_CLASS],
        "special_tokens": SPECIALS, "pad_id": PAD, "bos_id": BOS,
        "drop_mult": DROP_MULT,
        "config_before_drop_mult": {k: v for k, v in CONFIG.items()},
        "dropout_probabilities_built": probs,
        "dropout_formulas": {
            "encoder": "each *_p of awd_lstm_clas_config times drop_mult "
                       "(hidden_p 0.3, input_p 0.4, embed_p 0.05, weight_p 0.5)",
            "head_ps": head_ps_formula,
        },
        "dropout_probabilities_in_passes": dropout_probabilities(model),
        "head_layout": "1.layers.j = LinBnDrop: 0 BatchNorm1d, 1 Dropout (only when its p != 0 at "
                       "construction; without it the Linear is at index 1), 2 Linear(bias=False), "
                       "3 ReLU (not on the last)",
        "state_dict_names_when_head_ps_are_zero": {"1.layers.0.2.weight": "1.layers.0.1.weight",
                                                   "1.layers.1.2.weight": "1.layers.1.1.weight"},
        "batchnorm": {"eps": 1e-5, "momentum": 0.1, "fastai_init": {"weight": 1.0, "bias": 1e-3},
                      "num_batches_tracked_after_train_pass": sorted({v[2] for v in tr["bn"].values()})},
        "embedding_padding_idx": enc.encoder.padding_idx,
        "state_dict_names": list(state.keys()),
        "parameter_names": param_names,
        "names_with_gradient": sorted(tr["grads"].keys(), key=param_names.index),
        "names_without_gradient": [k for k in state if k not in tr["grads"]],
        "loss": "CrossEntropyLossFlat (mean over the batch)",
        "regulariser": {"alpha": 2.0, "beta": 1.0,
                        "ar": "mean(outputs^2) over [bs, kept_len, emb_sz], pads and unfed rows included",
                        "tar": "mean((outputs[:,1:] - outputs[:,:-1])^2)",
                        "loss": "loss + alpha * ar + beta * tar (training batches only)"},
        "float32_fastai_max_abs_deviation": dev32,
        "semantics": {
            "windows": "SentenceEncoder: windows of bptt columns from column 0; each window feeds only "
                       "rows [0, real_bs) with real_bs = number of non-pad ids in the window's first column; "
                       "a window's output is kept when sl - start <= max_len; rows not fed get zeros",
            "state": "zero at the start of the batch; carried between windows detached (no gradient "
                     "crosses a window boundary); rows beyond the previous window's rows start from zeros, "
                     "rows beyond real_bs are cut",
            "pool": "masked_concat_pool: [outputs[r, kept_len - p_r - 1], max over non-pad positions, "
                    "mean over non-pad positions] with p_r = pads among the last bptt kept columns of row r",
            "head": "BatchNorm1d(18) -> Linear(18, 5, bias=False) -> ReLU -> BatchNorm1d(5) -> "
                    "Linear(5, 3, bias=False) (Dropouts between BatchNorm and Linear, identity here)",
            "embedding": "padding_idx 1: the pad row is looked up like any other row but gets no gradient",
            "weight_p_zero": "with weight_p = 0 in training, F.dropout returns the raw Parameter itself and "
                             "WeightDropout registers it on the LSTM as module.weight_hh_l0; the next reset() "
                             "(the start of the next forward) then raises TypeError, so every training pass "
                             "here runs on a fresh model",
        },
        "cases": {
            "main": "several windows; 14 > max_len drops window 0's output; chunked padding (9: 4 pads "
                    "before, 1 after; 5: 8 before, 1 after); two 5-token documents keep dataset order; "
                    "the one-token document is fed only in window 12, and its 'last' pooled entry is "
                    "input column 10 (kept index 6; p_r = 3 counts 2 leading pads), a zero row; no row "
                    "is fed in place of another (real_bs equals the rows with a token in every window)",
            "quirk": "at column 12, rows 1 and 2 are trailing pads while rows 3 and 4 have tokens: "
                     "real_bs = 3 feeds rows 0-2 (two of them pads) and rows 3 and 4 get zero outputs "
                     "for that window; row 4 (one token) is never fed, so its pooled vector is zero",
        },
        "main": {"dataset_lengths": MAIN_LENGTHS, "dataset_labels": main_labels,
                 "documents": [d.tolist() for d in main_docs], "sorted_order": order,
                 "input": x.tolist(), "labels": y.tolist(), "windows": windows(x)},
        "quirk": {"dataset_lengths": QUIRK_LENGTHS, "dataset_labels": quirk_labels,
                  "documents": [d.tolist() for d in quirk_docs], "sorted_order": qorder,
                  "input": qx.tolist(), "labels": qy.tolist(), "windows": windows(qx)},
    }
    write_json(os.path.join(OUT_DIR, "classifier.json"), meta)
    return state


# ---------------------------------------------------------------------------
# Fixture 2: Adam over the parameter groups
# ---------------------------------------------------------------------------

def schedule_dls():
    gen = torch.Generator().manual_seed(3101)
    items = [(TensorText(torch.randint(2, V, (SCHED_SL,), generator=gen)),
              TensorCategory(int(torch.randint(N_CLASS, (1,), generator=gen)))) for _ in range(SCHED_ITEMS)]
    return DataLoaders(DataLoader(items, bs=SCHED_BS, shuffle=False),
                       DataLoader(items[:SCHED_BS], bs=SCHED_BS, shuffle=False), device="cpu")


def make_learner(model, dls):
    return TextLearner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=Adam, splitter=awd_lstm_clas_split)


def group_names(model, opt):
    name_of = {id(p): n for n, p in model.named_parameters()}
    return [[name_of[id(p)] for p in pg] for pg in opt.param_lists]


def make_optimizer(state):
    m64 = copy_of(state, torch.float64)
    learn = make_learner(m64, schedule_dls())
    learn.create_opt()  # Adam with fastai's defaults; BatchNorm parameters get do_wd False
    opt = learn.opt
    groups = group_names(m64, opt)
    params = dict(m64.named_parameters())
    group_of = {n: g for g, names in enumerate(groups) for n in names}
    do_wd = {n: opt.state[p].get("do_wd", True) for n, p in params.items()}
    bn_params = {id(p) for p in norm_bias_params(m64, True) if isinstance(p, torch.Tensor)}
    assert all(do_wd[n] == (id(p) not in bn_params) for n, p in params.items())

    t = {f"step0.param.{n}": f32(p) for n, p in params.items()}
    gen = torch.Generator().manual_seed(3201)
    steps = []
    for k, (lr, mom) in enumerate(OPT_STEPS, 1):
        opt.set_hyper("lr", slice(lr / 2.6 ** 4, lr))
        opt.set_hyper("mom", mom)
        for n, p in params.items():
            g = torch.randn(p.shape, generator=gen)
            t[f"step{k}.grad.{n}"] = g.contiguous()
            p.grad = g.double()
        opt.step()
        for n, p in params.items():
            t[f"step{k}.param.{n}"] = f32(p)
        steps.append([{key: float(h[key]) for key in ("lr", "mom", "sqr_mom", "eps", "wd")} for h in opt.hypers])
    save_file(t, os.path.join(OUT_DIR, "optimizer.safetensors"), metadata={"format": "ulmfit-optimizer-fixture-1"})
    write_json(os.path.join(OUT_DIR, "optimizer.json"), {
        "optimizer": "fastai.optimizer.Adam (decouple_wd=True) as Learner.create_opt builds it",
        "splitter": "awd_lstm_clas_split: [encoder], [rnns.0], [rnns.1], [rnns.2], [head]",
        "groups": groups, "group_of": group_of, "do_wd": do_wd,
        "lr_rule": "set_hyper('lr', slice(lr/2.6**4, lr)) = even_mults(lr/2.6**4, lr, 5): "
                   "start * step**i with step = (stop/start)**(1/(n-1)), n = 5 groups",
        "top_lr_and_mom_per_step": [list(s) for s in OPT_STEPS],
        "hypers_per_step": steps,
        "update": reference_adam.__doc__.strip().replace("\n   ", ""),
        "computation": "float64 from the float32 step0 parameters and the float32 gradients",
    })


# ---------------------------------------------------------------------------
# Fixture 3: the one-cycle schedule of a Learner
# ---------------------------------------------------------------------------

class HyperRecorder(Callback):
    """Reads the hypers ParamScheduler set for each training batch, and which groups the
    optimizer step changed."""
    order = 61

    def before_fit(self):
        self.rows = []

    def before_batch(self):
        if not self.training:
            return
        opt = self.learn.opt
        self.rows.append({
            "iter": self.learn.train_iter, "epoch": self.learn.epoch, "pct_train": self.learn.pct_train,
            "lr": [float(h["lr"]) for h in opt.hypers], "mom": [float(h["mom"]) for h in opt.hypers],
            "wd": [float(h["wd"]) for h in opt.hypers],
            "trainable": [any(p.requires_grad for p in pg) for pg in opt.param_lists],
        })

    def before_step(self):
        self.before = [[p.detach().clone() for p in pg] for pg in self.learn.opt.param_lists]

    def after_step(self):
        self.rows[-1]["stepped"] = [any(not torch.equal(a, p.detach()) for a, p in zip(old, pg))
                                    for old, pg in zip(self.before, self.learn.opt.param_lists)]


def make_schedule():
    lr_max = slice(SCHED_LR / 2.6 ** 4, SCHED_LR)
    variants = {}
    for name, freeze in [("unfrozen", None), ("freeze_to_-1", -1), ("freeze_to_-2", -2)]:
        model = build_classifier(3301)
        learn = make_learner(model, schedule_dls())
        if freeze is not None:
            learn.freeze_to(freeze)
        rec = HyperRecorder()
        with learn.no_bar(), learn.no_logging():
            learn.fit_one_cycle(SCHED_EPOCHS, lr_max, moms=SCHED_MOMS, cbs=[rec])
        variants[name] = {"freeze_to": freeze, "n_groups": len(learn.opt.param_lists),
                          "lr_max": [float(v) for v in even(lr_max)],
                          "steps": rec.rows}
    data = {
        "call": "learn.fit_one_cycle(2, slice(1e-2/2.6**4, 1e-2), moms=(0.8,0.7,0.8))",
        "learner": "TextLearner(dls, get_text_classifier(...), loss_func=CrossEntropyLossFlat(), "
                   "splitter=awd_lstm_clas_split), Adam",
        "n_epoch": SCHED_EPOCHS, "batches_per_epoch": SCHED_ITEMS // SCHED_BS, "lr_top": SCHED_LR,
        "div": 25.0, "div_final": 1e5, "pct_start": 0.25, "moms": list(SCHED_MOMS), "wd": 0.01,
        "formula": {
            "lr": "combined_cos(pct_start, lr_max/div, lr_max, lr_max/div_final) per group",
            "mom": "combined_cos(pct_start, 0.8, 0.7, 0.8), the same for every group",
            "combined_cos": "phase 0 for pos < pct_start, else phase 1; actual = (pos - lo)/(hi - lo) in "
                            "float32 (lo, hi from [0, pct_start, 1] as float32); "
                            "value = a + (1 + cos(pi*(1 - actual))) * (b - a)/2 in float64",
            "pos": "pct_train: epoch/n_epoch at each epoch's start, += 1/(n_iter*n_epoch) after each "
                   "training batch (float64 accumulation)",
            "lr_max": "even_mults(lr/2.6**4, lr, 5): start * step**i, step = (stop/start)**(1/4)",
        },
        "frozen_groups": "freeze_to(n) sets requires_grad False on the groups before n (BatchNorm "
                         "parameters stay trainable: train_bn); ParamScheduler still sets every group's "
                         "lr and mom, but frozen parameters have no gradient, so Optimizer.step skips "
                         "them (no update, no weight decay)",
        "variants": variants,
    }
    write_json(os.path.join(OUT_DIR, "schedule.json"), data)


def even(lr_max):
    from fastcore.basics import even_mults
    return even_mults(lr_max.start, lr_max.stop, 5)


def write_json(path, obj):
    with open(path, "w", encoding="utf8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------

def self_check():
    t = load_file(os.path.join(OUT_DIR, "classifier.safetensors"))
    meta = json.load(open(os.path.join(OUT_DIR, "classifier.json")))
    P = {k: v.double() for k, v in t.items() if k in meta["state_dict_names"]}
    assert torch.equal(t["0.module.encoder.weight"], t["0.module.encoder_dp.emb.weight"])

    # fastai's classifier loaded from the file reproduces the eval outputs.
    model = build_classifier(1)
    model.load_state_dict({k: t[k] for k in meta["state_dict_names"]})
    model = model.double()
    ev = eval_pass(model, t["input"].long())
    assert torch.allclose(ev["logits"], t["eval.logits"].double(), atol=1e-6)

    def close(a, b, what, tol=1e-6):
        err = float((a.double() - b.double()).abs().max())
        assert err <= tol, (what, err)
        return err

    worst = 0.0
    for prefix in ("", "quirk."):
        x = t[prefix + "input"].long()
        ref = reference_classifier(P, x, training=False)
        assert torch.equal(ref["mask"].double(), t[prefix + "eval.mask"].double())
        for k in ("outputs", "pooled", "logits"):
            worst = max(worst, close(ref[k], t[f"{prefix}eval.{k}"], prefix + k))

    # Training pass: logits, loss, gradients and running statistics from the explicit version.
    x, y = t["input"].long(), t["labels"].long()
    names = meta["parameter_names"]
    leaves = {n: P[n].clone().requires_grad_(True) for n in names}
    ref = reference_classifier({**P, **leaves}, x, training=True)
    loss = F.cross_entropy(ref["logits"], y)
    grads = torch.autograd.grad(loss, [leaves[n] for n in names], retain_graph=True)
    worst = max(worst, close(ref["logits"], t["train.logits"], "train.logits"))
    worst = max(worst, close(loss, t["train.loss"][0], "train.loss"))
    for n, g in zip(names, grads):
        worst = max(worst, close(g, t[f"grad.{n}"], n))
    assert (t["grad.0.module.encoder.weight"][PAD] == 0).all()  # padding_idx: no gradient for the pad row
    for j, (mean, var) in enumerate(ref["batch_stats"]):
        bn = f"1.layers.{j}.0."
        close(0.9 * P[bn + "running_mean"] + 0.1 * mean, t[f"train.{bn}running_mean"], "running_mean")
        close(0.9 * P[bn + "running_var"] + 0.1 * var, t[f"train.{bn}running_var"], "running_var")
    out = ref["outputs"]
    ar, tar = out.pow(2).mean(), (out[:, 1:] - out[:, :-1]).pow(2).mean()
    close(ar, t["reg.ar"][0], "ar")
    close(tar, t["reg.tar"][0], "tar")
    reg_grads = torch.autograd.grad(loss + 2 * ar + tar, [leaves[n] for n in names])
    for n, g in zip(names, reg_grads):
        worst = max(worst, close(g, t[f"reg.grad.{n}"], "reg " + n))

    # Adam, written out.
    o = load_file(os.path.join(OUT_DIR, "optimizer.safetensors"))
    om = json.load(open(os.path.join(OUT_DIR, "optimizer.json")))
    params = {n: o[f"step0.param.{n}"].double() for n in names}
    state = {}
    for k in range(1, 4):
        grads = {n: o[f"step{k}.grad.{n}"].double() for n in names}
        params = reference_adam(params, grads, om["hypers_per_step"][k - 1], om["group_of"], om["do_wd"], state)
        for n in names:
            close(params[n], o[f"step{k}.param.{n}"], f"adam step {k} {n}")
            params[n] = o[f"step{k}.param.{n}"].double()  # carry on from the stored values

    # The one-cycle schedule from its formula.
    s = json.load(open(os.path.join(OUT_DIR, "schedule.json")))
    sched_err = 0.0
    for name, v in s["variants"].items():
        assert len(v["steps"]) == s["n_epoch"] * s["batches_per_epoch"]
        frozen = 0 if v["freeze_to"] is None else v["n_groups"] + v["freeze_to"]
        for row in v["steps"]:
            for g, top in enumerate(v["lr_max"]):
                lr = reference_one_cycle(row["pct_train"], top / s["div"], top, top / s["div_final"], s["pct_start"])
                sched_err = max(sched_err, abs(lr - row["lr"][g]) / top)
                mom = reference_one_cycle(row["pct_train"], *s["moms"], s["pct_start"])
                sched_err = max(sched_err, abs(mom - row["mom"][g]))
            assert row["trainable"] == [g >= frozen for g in range(v["n_groups"])], (name, row)
            assert row["stepped"] == row["trainable"], (name, row)
    assert sched_err < 1e-15, sched_err
    return worst


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    state = make_classifier()
    make_optimizer(state)
    make_schedule()
    worst = self_check()
    meta = json.load(open(os.path.join(OUT_DIR, "classifier.json")))
    for part in ("main", "quirk"):
        print(part, "windows (start, real_bs, kept):",
              [(w["start"], w["real_bs"], w["kept"]) for w in meta[part]["windows"]])
    print("float32 fastai vs float64:", meta["float32_fastai_max_abs_deviation"])
    print(f"self-check passed (explicit re-implementation within {worst:.2e} of the stored values)")
    for f in sorted(os.listdir(OUT_DIR)):
        print(f"  {f}: {os.path.getsize(os.path.join(OUT_DIR, f))} bytes")


if __name__ == "__main__":
    main()
