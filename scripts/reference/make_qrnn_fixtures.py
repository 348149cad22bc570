#!/usr/bin/env python3
"""Generate QRNN parity fixtures for the Swift tests.

An independent PyTorch reference for the authors' `--model QRNN`
(salesforce/awd-lstm-lm model.py: torchqrnn's QRNNLayer with
save_prev_x=True, zoneout=0, output_gate=True, window 2 on the first layer
and 1 after, and WeightDrop on each layer's `linear`), around the same
embedding dropout, locked dropouts, tied decoder and AR/TAR loss as
make_fixtures.py (whose helpers it uses).  Every dropout mask is explicit,
already scaled (0 or 1/(1-p); all ones when p == 0).

QRNN layer l, input x [T, B, In], carried cell c0 [B, H] and, at window 2,
carried previous input xprev [B, In]:
    source_t = [x_t, x_{t-1}] (x_{-1} = xprev)     or x_t at window 1
    z, f, o  = split(source_t @ (W_raw * mask_l)^T + b, 3)
    z = tanh(z), f = sigmoid(f), o = sigmoid(o)
    c_t = f_t * z_t + (1 - f_t) * c_{t-1},   h_t = o_t * c_t
and the layer carries (c_{T-1}, x_{T-1}) to the next call.

Each case runs two consecutive windows: the first from non-zero carried
state, the second (a different length, its own masks) from the state the
first one left, as training carries it; gradients are those of each call
alone (the state is detached between calls, as the authors do).

File layout (all float32; metadata: model=QRNN, vocab emsize nhid nlayers
T T2 B alpha beta dropout dropouth dropouti dropoute wdrop):
  encoder.weight [V,E]; decoder.weight (tied copy); decoder.bias [V]
  rnns.{l}.linear.module.weight_raw [3H_l, w_l*In_l], rnns.{l}.linear.module.bias [3H_l]
  input, target [T,B]; input2, target2 [T2,B] (token ids as floats)
  hidden_in.{l}.c [B,H_l]; hidden_in.0.x [B,E]
  mask.embedding [V], mask.input [B,E], mask.hidden.{l} [B,H_l] (l < L-1),
  mask.output [B,E], mask.weight_raw.{l} [3H_l, w_l*In_l]; mask2.* likewise
  expected.{loss,raw_loss} [1], expected.output [T,B,E] (dropped),
  expected.hidden_out.{l}.c, expected.hidden_out.0.x; grad.<param>;
  expected2.*, grad2.* for the second window.

Also checks the pooling loop against a closed form, and the QRNN of
scripts/pytorch/awd_lstm.py (the run-folder loader) against this reference.

Regenerate (from the repository root; torch, safetensors):
    python scripts/reference/make_qrnn_fixtures.py
"""

import math
import os
import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "pytorch"))
import make_fixtures as ref  # noqa: E402  (sets float64 as the default dtype)
import awd_lstm  # noqa: E402

OUT_DIR = ref.OUT_DIR


@dataclass
class Case(ref.Case):
    """A make_fixtures case plus the length of the second window."""
    T2: int = 4


MASKED = dict(dropout=0.4, dropouth=0.25, dropouti=0.65, dropoute=0.1, wdrop=0.5)

CASES = [
    Case("qrnn_nodrop", seed=2001, vocab=20, emsize=6, nhid=8, nlayers=3, T=5, T2=4, B=3, alpha=2.0, beta=1.0),
    Case("qrnn_masks", seed=2002, vocab=20, emsize=6, nhid=8, nlayers=3, T=5, T2=4, B=3, alpha=2.0, beta=1.0,
         **MASKED),
    Case("qrnn_two_layers", seed=2003, vocab=40, emsize=10, nhid=16, nlayers=2, T=7, T2=3, B=4, alpha=2.0,
         beta=1.0, **MASKED),
]


def window(l):
    return 2 if l == 0 else 1


def make_params(c, gen):
    p = {"encoder.weight": ref.uniform(gen, (c.vocab, c.emsize), -0.1, 0.1),
         "decoder.bias": ref.uniform(gen, (c.vocab,), -0.1, 0.1)}
    for l in range(c.nlayers):
        n_in, n_hid = ref.layer_sizes(c, l)
        k = 1.0 / math.sqrt(window(l) * n_in)  # torch.nn.Linear's default init range
        pre = f"rnns.{l}.linear.module."
        p[pre + "weight_raw"] = ref.uniform(gen, (3 * n_hid, window(l) * n_in), -k, k)
        p[pre + "bias"] = ref.uniform(gen, (3 * n_hid,), -k, k)
    return p


def make_masks(c, gen, input_ids, prefix):
    m = {}
    present = torch.unique(input_ids)
    for _ in range(1000):
        emb = ref.bernoulli_mask(gen, (c.vocab,), c.dropoute)
        kept = emb[present] != 0
        if c.dropoute == 0 or (not kept.all() and kept.any()):
            break
    else:
        raise RuntimeError("could not sample a suitable embedding mask")
    m[prefix + ".embedding"] = emb
    m[prefix + ".input"] = ref.bernoulli_mask(gen, (c.B, c.emsize), c.dropouti)
    for l in range(c.nlayers - 1):
        m[f"{prefix}.hidden.{l}"] = ref.bernoulli_mask(gen, (c.B, ref.layer_sizes(c, l)[1]), c.dropouth)
    m[prefix + ".output"] = ref.bernoulli_mask(gen, (c.B, c.emsize), c.dropout)
    for l in range(c.nlayers):
        n_in, n_hid = ref.layer_sizes(c, l)
        m[f"{prefix}.weight_raw.{l}"] = ref.bernoulli_mask(gen, (3 * n_hid, window(l) * n_in), c.wdrop)
    return m


def pool(f, z, c0):
    """The QRNN recurrence as a loop over time."""
    c, cs = c0, []
    for t in range(f.shape[0]):
        c = f[t] * z[t] + (1 - f[t]) * c
        cs.append(c)
    return torch.stack(cs)


def pool_closed_form(f, z, c0):
    """c_t = sum_{s<=t} f_s z_s prod_{s<r<=t} (1 - f_r) + prod_{r<=t} (1 - f_r) c0, independently of `pool`."""
    T = f.shape[0]
    out = []
    for t in range(T):
        acc = c0 * torch.prod(1 - f[:t + 1], 0)
        for s in range(t + 1):
            acc = acc + f[s] * z[s] * torch.prod(1 - f[s + 1:t + 1], 0)
        out.append(acc)
    return torch.stack(out)


def qrnn_layer(x, c0, xprev, weight, bias, win):
    source = torch.cat([x, torch.cat([xprev[None], x[:-1]], 0)], 2) if win == 2 else x
    z, f, o = (source @ weight.t() + bias).chunk(3, dim=2)
    z, f, o = torch.tanh(z), torch.sigmoid(f), torch.sigmoid(o)
    cs = pool(f, z, c0)
    return o * cs, cs[-1], x[-1]


def forward(c, params, input_ids, target_ids, hidden, masks, prefix):
    enc = params["encoder.weight"]
    emb = F.embedding(input_ids, enc * masks[prefix + ".embedding"][:, None])
    x = emb * masks[prefix + ".input"][None]
    hidden_out = []
    for l in range(c.nlayers):
        pre = f"rnns.{l}.linear.module."
        w = params[pre + "weight_raw"] * masks[f"{prefix}.weight_raw.{l}"]
        raw, cT, xT = qrnn_layer(x, hidden[l]["c"], hidden[l].get("x"), w, params[pre + "bias"], window(l))
        hidden_out.append({"c": cT, "x": xT} if window(l) == 2 else {"c": cT})
        x = raw * masks[f"{prefix}.hidden.{l}"][None] if l < c.nlayers - 1 else raw
    raw_last = raw
    dropped = raw_last * masks[prefix + ".output"][None]
    T, B, E = dropped.shape
    logits = dropped.reshape(T * B, E) @ enc.t() + params["decoder.bias"]
    raw_loss = F.cross_entropy(logits, target_ids.reshape(-1))
    loss = (raw_loss + c.alpha * dropped.pow(2).mean()
            + c.beta * (raw_last[1:] - raw_last[:-1]).pow(2).mean())
    return dict(loss=loss, raw_loss=raw_loss, output=dropped, hidden_out=hidden_out)


def run(c, params, input_ids, target_ids, hidden, masks, prefix):
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    res = forward(c, leaves, input_ids, target_ids, hidden, masks, prefix)
    res["loss"].backward()
    detached = [{k: v.detach() for k, v in h.items()} for h in res["hidden_out"]]
    return res, {k: v.grad.detach().clone() for k, v in leaves.items()}, detached


def build(c):
    gen = torch.Generator().manual_seed(c.seed)
    params = make_params(c, gen)
    inputs = [torch.randint(0, c.vocab, (T, c.B), generator=gen) for T in (c.T, c.T2)]
    targets = [torch.randint(0, c.vocab, (T, c.B), generator=gen) for T in (c.T, c.T2)]
    hidden = []
    for l in range(c.nlayers):
        n_in, n_hid = ref.layer_sizes(c, l)
        h = {"c": ref.uniform(gen, (c.B, n_hid), -0.5, 0.5)}
        if window(l) == 2:
            h["x"] = ref.uniform(gen, (c.B, n_in), -0.5, 0.5)
        hidden.append(h)
    masks = make_masks(c, gen, inputs[0], "mask")
    masks.update(make_masks(c, gen, inputs[1], "mask2"))
    return params, inputs, targets, hidden, masks


def compute(c, params, inputs, targets, hidden, masks):
    """Both windows; returns [(results, grads, state after)] per window."""
    out = []
    for k, prefix in enumerate(("mask", "mask2")):
        res, grads, hidden = run(c, params, inputs[k], targets[k], hidden, masks, prefix)
        out.append((res, grads, hidden))
    return out


def tensors_of(c, params, inputs, targets, hidden, masks, results):
    t = dict(params)
    t["decoder.weight"] = params["encoder.weight"].clone()
    t["input"], t["target"] = inputs[0].double(), targets[0].double()
    t["input2"], t["target2"] = inputs[1].double(), targets[1].double()
    for l, h in enumerate(hidden):
        for name, v in h.items():
            t[f"hidden_in.{l}.{name}"] = v
    t.update(masks)
    for (res, grads, after), exp, gr in zip(results, ("expected", "expected2"), ("grad", "grad2")):
        t[exp + ".loss"] = res["loss"].detach().reshape(1)
        t[exp + ".raw_loss"] = res["raw_loss"].detach().reshape(1)
        t[exp + ".output"] = res["output"].detach()
        for l, h in enumerate(after):
            for name, v in h.items():
                t[f"{exp}.hidden_out.{l}.{name}"] = v
        for k, g in grads.items():
            t[f"{gr}.{k}"] = g
    return t


def write_case(c, path):
    params, inputs, targets, hidden, masks = build(c)
    results = compute(c, params, inputs, targets, hidden, masks)
    t = tensors_of(c, params, inputs, targets, hidden, masks, results)
    metadata = {"model": "QRNN", "vocab": str(c.vocab), "emsize": str(c.emsize), "nhid": str(c.nhid),
                "nlayers": str(c.nlayers), "T": str(c.T), "T2": str(c.T2), "B": str(c.B),
                "alpha": str(c.alpha), "beta": str(c.beta), "dropout": str(c.dropout),
                "dropouth": str(c.dropouth), "dropouti": str(c.dropouti), "dropoute": str(c.dropoute),
                "wdrop": str(c.wdrop)}
    save_file({k: v.detach().to(torch.float32).contiguous() for k, v in t.items()}, path, metadata=metadata)
    ref.canonicalise_metadata_order(path)


def self_check(c, path):
    """Recompute from the stored float32 inputs; check the loop against the closed form and the loader's QRNN."""
    t = {k: v.double() for k, v in load_file(path).items()}
    params = {k: t[k] for k in t if k in ("encoder.weight", "decoder.bias") or k.startswith("rnns.")}
    inputs = [t["input"].long(), t["input2"].long()]
    targets = [t["target"].long(), t["target2"].long()]
    hidden = [{n: t[f"hidden_in.{l}.{n}"] for n in ("c", "x") if f"hidden_in.{l}.{n}" in t}
              for l in range(c.nlayers)]
    masks = {k: v for k, v in t.items() if k.startswith("mask")}
    results = compute(c, params, inputs, targets, hidden, masks)
    fresh = tensors_of(c, params, inputs, targets, hidden, masks, results)
    assert set(fresh) == set(t), set(fresh) ^ set(t)
    for k, v in fresh.items():
        if not torch.allclose(v.detach().float().double(), t[k], rtol=1e-6, atol=1e-7):
            raise AssertionError(f"{c.name}: self-check mismatch in {k}")

    gen = torch.Generator().manual_seed(c.seed + 1)
    f, z, c0 = torch.rand(6, 2, 3, generator=gen), torch.rand(6, 2, 3, generator=gen) * 2 - 1, torch.rand(2, 3, generator=gen)
    assert torch.allclose(pool(f, z, c0), pool_closed_form(f, z, c0), rtol=1e-12, atol=1e-12)

    # The loader's module (eval mode, weight drop off) against this reference, two windows, masks all ones.
    model = awd_lstm.AWDLSTM(c.vocab, c.emsize, c.nhid, c.nlayers, rnn_type="QRNN").double()
    model.load_state_dict({k: v for k, v in t.items() if k in model.state_dict()}, strict=True)
    model.eval()
    ones = {k: torch.ones_like(v) for k, v in masks.items()}
    state = [{"c": torch.zeros(c.B, ref.layer_sizes(c, l)[1]), **({"x": torch.zeros(c.B, c.emsize)} if l == 0 else {})}
             for l in range(c.nlayers)]
    hidden_t = model.init_hidden(c.B)
    model.reset()
    for k, prefix in enumerate(("mask", "mask2")):
        res = forward(c, params, inputs[k], targets[k], state, ones, prefix)
        state = [{n: v.detach() for n, v in h.items()} for h in res["hidden_out"]]
        logits, hidden_t = model(inputs[k], hidden_t)
        want = res["output"].reshape(-1, c.emsize) @ params["encoder.weight"].t() + params["decoder.bias"]
        assert torch.allclose(logits.reshape(-1, c.vocab), want, rtol=1e-10, atol=1e-12), f"{c.name}: loader differs"
    return t["expected.loss"].item(), t["expected2.loss"].item()


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}; writing to {OUT_DIR}")
    for c in CASES:
        path = os.path.join(OUT_DIR, c.name + ".safetensors")
        write_case(c, path)
        loss, loss2 = self_check(c, path)
        print(f"{c.name}: loss={loss:.9g}, second window {loss2:.9g} ({os.path.getsize(path)} bytes) self-check OK")


if __name__ == "__main__":
    main()
