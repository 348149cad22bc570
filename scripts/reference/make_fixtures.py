#!/usr/bin/env python3
"""Generate AWD-LSTM forward/backward parity fixtures for the Swift tests.

This is an independent PyTorch reference for the AWD-LSTM language model of
Merity, Keskar & Socher (2017), "Regularizing and Optimizing LSTM Language
Models".  It reproduces the semantics of the authors' implementation
(salesforce/awd-lstm-lm: model.py, weight_drop.py, locked_dropout.py,
embed_regularize.py and the loss in main.py), but with every source of
randomness made explicit: all dropout masks are sampled up front and passed
in, already scaled (entries are 0 or 1/(1-p); all ones when p == 0).

For each case it builds parameters, inputs, initial hidden states and masks
from a fixed seed, runs the forward pass and the backward pass in float64,
and writes one .safetensors file (all tensors float32) into Tests/Fixtures/.

Every input tensor (parameters, hidden states, masks) is rounded to float32
*before* the float64 computation, so the stored float32 inputs are exactly the
values the expected outputs were computed from.

Regenerate (from the repository root):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install torch numpy safetensors \
        && /tmp/v/bin/python scripts/reference/make_fixtures.py

File layout (names follow the authors' state_dict):
  metadata: vocab emsize nhid nlayers T B alpha beta
            dropout dropouth dropouti dropoute wdrop          (str of numbers)
            splits (comma-separated; only in split cross-entropy cases)
  encoder.weight [V,E]; decoder.weight [V,E] (tied, same values); decoder.bias [V]
  rnns.{l}.module.weight_ih_l0 [4H_l,In_l], .weight_hh_l0_raw [4H_l,H_l],
  rnns.{l}.module.bias_ih_l0 [4H_l], .bias_hh_l0 [4H_l]   (gates i,f,g,o)
  input, target [T,B] (token ids as float32)
  hidden_in.{l}.h / .c [B,H_l]
  mask.embedding [V], mask.input [B,E], mask.hidden.{l} [B,H_l] (l < L-1),
  mask.output [B,E], mask.weight_hh.{l} [4H_l,H_l]
  expected.loss [1], expected.raw_loss [1], expected.output [T,B,E],
  expected.hidden_out.{l}.h / .c [B,H_l]
  grad.<param> for encoder.weight, every rnns.* parameter, decoder.bias
where In_l = E if l == 0 else H and H_l = H for l < L-1, E for the last layer.

Split cross-entropy cases (the authors' splitcross.py, k = len(splits) tail
clusters) add criterion.tail_vectors [k,E], criterion.tail_bias [k], their
grad.* entries, and expected.logprob [T*B,V]: log p(w) of every word at every
position, computed from expected.output.
"""

import json
import math
import os
import struct
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

torch.set_default_dtype(torch.float64)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "Tests", "Fixtures")


@dataclass
class Case:
    name: str
    seed: int
    vocab: int
    emsize: int
    nhid: int
    nlayers: int
    T: int
    B: int
    alpha: float
    beta: float
    dropout: float = 0.0   # locked dropout on the last layer's output
    dropouth: float = 0.0  # locked dropout between LSTM layers
    dropouti: float = 0.0  # locked dropout on the embedding output
    dropoute: float = 0.0  # embedding (whole-row) dropout
    wdrop: float = 0.0     # DropConnect on each layer's hidden-to-hidden matrix
    splits: tuple = ()     # split cross-entropy cluster boundaries; () = full softmax


MASKED = dict(dropout=0.4, dropouth=0.25, dropouti=0.65, dropoute=0.1, wdrop=0.5)

CASES = [
    Case("tiny_nodrop", seed=1001, vocab=20, emsize=6, nhid=8, nlayers=3,
         T=5, B=3, alpha=2.0, beta=1.0),
    Case("tiny_masks", seed=1002, vocab=20, emsize=6, nhid=8, nlayers=3,
         T=5, B=3, alpha=2.0, beta=1.0, **MASKED),
    Case("small_masks", seed=1003, vocab=50, emsize=10, nhid=16, nlayers=2,
         T=7, B=4, alpha=2.0, beta=1.0, **MASKED),
    Case("single_layer_eval", seed=1004, vocab=30, emsize=12, nhid=12, nlayers=1,
         T=6, B=2, alpha=0.0, beta=0.0),
    # Head of 10 words + 3 tombstones; tail clusters of 8, 9 and 13 words.
    Case("split_masks", seed=1005, vocab=40, emsize=6, nhid=8, nlayers=3,
         T=5, B=3, alpha=2.0, beta=1.0, splits=(10, 18, 27), **MASKED),
]


# ---------------------------------------------------------------------------
# Sizes and random construction
# ---------------------------------------------------------------------------

def layer_sizes(c: Case, l: int):
    """(input size, hidden size) of layer l; the last layer outputs emsize (tied)."""
    n_in = c.emsize if l == 0 else c.nhid
    n_hid = c.nhid if l < c.nlayers - 1 else c.emsize
    return n_in, n_hid


def f32(x: torch.Tensor) -> torch.Tensor:
    """Round to float32 and back, so the stored fixture holds the exact input."""
    return x.float().double()


def uniform(gen, shape, a, b):
    return f32(torch.rand(shape, generator=gen) * (b - a) + a)


def bernoulli_mask(gen, shape, p):
    """Scaled dropout mask: 0 with probability p, else 1/(1-p); ones if p == 0."""
    if p == 0:
        return torch.ones(shape)
    keep = (torch.rand(shape, generator=gen) < 1.0 - p).double()
    return f32(keep / (1.0 - p))


def make_params(c: Case, gen):
    """Parameters keyed by the authors' state_dict names (decoder.weight omitted: tied)."""
    p = {
        "encoder.weight": uniform(gen, (c.vocab, c.emsize), -0.1, 0.1),
        # The authors zero the decoder bias; it is non-zero here so its
        # gradient and its contribution to the logits are actually tested.
        "decoder.bias": uniform(gen, (c.vocab,), -0.1, 0.1),
    }
    for l in range(c.nlayers):
        n_in, n_hid = layer_sizes(c, l)
        k = 1.0 / math.sqrt(n_hid)  # torch.nn.LSTM's default init range
        pre = f"rnns.{l}.module."
        p[pre + "weight_ih_l0"] = uniform(gen, (4 * n_hid, n_in), -k, k)
        p[pre + "weight_hh_l0_raw"] = uniform(gen, (4 * n_hid, n_hid), -k, k)
        p[pre + "bias_ih_l0"] = uniform(gen, (4 * n_hid,), -k, k)
        p[pre + "bias_hh_l0"] = uniform(gen, (4 * n_hid,), -k, k)
    if c.splits:
        # The authors initialise these to zero; random values test them properly.
        p["criterion.tail_vectors"] = uniform(gen, (len(c.splits), c.emsize), -0.5, 0.5)
        p["criterion.tail_bias"] = uniform(gen, (len(c.splits),), -0.5, 0.5)
    return p


# ---------------------------------------------------------------------------
# Split cross-entropy (semantics of the authors' splitcross.py)
# ---------------------------------------------------------------------------

def split_head(hidden, weight, bias, tail_vectors, tail_bias, splits):
    """Head log-softmax over the first splits[0] words and one tombstone per
    tail cluster (tail_vectors / tail_bias appended after the words)."""
    s1 = splits[0]
    head_w = torch.cat([weight[:s1], tail_vectors])
    head_b = torch.cat([bias[:s1], tail_bias])
    return F.log_softmax(hidden @ head_w.t() + head_b, dim=-1)


def split_log_probs(hidden, weight, bias, tail_vectors, tail_bias, splits):
    """log p(w | hidden) for every word: [N, V].  Cluster i (1-based) takes its
    tombstone from head column -i, counted from the end, as the reference does."""
    bounds = [0] + list(splits) + [weight.shape[0]]
    head = split_head(hidden, weight, bias, tail_vectors, tail_bias, splits)
    parts = [head[:, :splits[0]]]
    for i in range(1, len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        tail = F.log_softmax(hidden @ weight[a:b].t() + bias[a:b], dim=-1)
        parts.append(head[:, -i:][:, :1] + tail)
    return torch.cat(parts, dim=1)


def split_cross_entropy(hidden, targets, weight, bias, tail_vectors, tail_bias, splits):
    """Mean -log p(target), computing each tail cluster only on the rows whose
    target falls in it (the reference's training path)."""
    bounds = [0] + list(splits) + [weight.shape[0]]
    head = split_head(hidden, weight, bias, tail_vectors, tail_bias, splits)
    total = hidden.new_zeros(())
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        rows = ((targets >= a) & (targets < b)).nonzero().flatten()
        if len(rows) == 0:
            continue
        if i == 0:
            total = total - head[rows, targets[rows]].sum()
        else:
            h = hidden[rows]
            tail = F.log_softmax(h @ weight[a:b].t() + bias[a:b], dim=-1)
            within = tail.gather(1, (targets[rows] - a)[:, None]).squeeze(1)
            total = total - (head[rows, head.shape[1] - i] + within).sum()
    return total / len(targets)


def make_masks(c: Case, gen, input_ids):
    m = {}
    # Embedding dropout drops whole vocabulary rows.  Resample (deterministically,
    # from the same generator) until at least one token present in `input` is
    # dropped and at least one is kept, so both paths are exercised.
    present = torch.unique(input_ids)
    for _ in range(1000):
        m["mask.embedding"] = bernoulli_mask(gen, (c.vocab,), c.dropoute)
        kept = m["mask.embedding"][present] != 0
        if c.dropoute == 0 or (not kept.all() and kept.any()):
            break
    else:
        raise RuntimeError("could not sample a suitable embedding mask")
    m["mask.input"] = bernoulli_mask(gen, (c.B, c.emsize), c.dropouti)
    for l in range(c.nlayers - 1):
        m[f"mask.hidden.{l}"] = bernoulli_mask(gen, (c.B, layer_sizes(c, l)[1]), c.dropouth)
    m["mask.output"] = bernoulli_mask(gen, (c.B, c.emsize), c.dropout)
    for l in range(c.nlayers):
        n_hid = layer_sizes(c, l)[1]
        m[f"mask.weight_hh.{l}"] = bernoulli_mask(gen, (4 * n_hid, n_hid), c.wdrop)
    return m


# ---------------------------------------------------------------------------
# Forward pass (explicit masks) and loss
# ---------------------------------------------------------------------------

def forward(c: Case, params, input_ids, target_ids, hidden, masks):
    """AWD-LSTM forward + regularised loss.

    params: dict of float64 tensors (may require grad); hidden: list of (h, c),
    each [B, H_l]; masks: dict of scaled masks.  Returns a dict of results.
    """
    enc = params["encoder.weight"]

    # 1. Embedding dropout (embed_regularize.embedded_dropout): scale whole rows.
    masked_enc = enc * masks["mask.embedding"][:, None]
    emb = F.embedding(input_ids, masked_enc)                      # [T, B, E]

    # 2. Locked (variational) dropout on the embeddings: one mask for all steps.
    x = emb * masks["mask.input"][None]

    hidden_out = []
    raw_output = None
    for l in range(c.nlayers):
        n_in, n_hid = layer_sizes(c, l)
        pre = f"rnns.{l}.module."
        # 3. WeightDrop: DropConnect on the raw hidden-to-hidden matrix; the
        #    gradient flows back to weight_hh_l0_raw through the mask.
        w_hh = params[pre + "weight_hh_l0_raw"] * masks[f"mask.weight_hh.{l}"]
        lstm = torch.nn.LSTM(n_in, n_hid)  # shell only; its own weights are unused
        layer_params = {
            "weight_ih_l0": params[pre + "weight_ih_l0"],
            "weight_hh_l0": w_hh,
            "bias_ih_l0": params[pre + "bias_ih_l0"],
            "bias_hh_l0": params[pre + "bias_hh_l0"],
        }
        h0, c0 = hidden[l]
        raw_output, (hT, cT) = torch.func.functional_call(
            lstm, layer_params, (x, (h0[None], c0[None])))
        hidden_out.append((hT[0], cT[0]))
        if l < c.nlayers - 1:
            # Locked dropout between layers (dropouth).
            x = raw_output * masks[f"mask.hidden.{l}"][None]

    # 4. Locked dropout on the last layer's output.
    raw_last = raw_output                                         # [T, B, E]
    dropped_last = raw_last * masks["mask.output"][None]

    # 5. Tied decoder: uses the parameter itself, not the embedding-dropped copy.
    T, B, E = dropped_last.shape
    logits = dropped_last.reshape(T * B, E) @ enc.t() + params["decoder.bias"]

    # 6-7. Cross-entropy plus activation regularisation (AR, on the dropped
    #      output) and temporal activation regularisation (TAR, on the raw one).
    flat_out, flat_targets = dropped_last.reshape(T * B, E), target_ids.reshape(-1)
    if c.splits:
        raw_loss = split_cross_entropy(flat_out, flat_targets, enc, params["decoder.bias"],
                                       params["criterion.tail_vectors"], params["criterion.tail_bias"], c.splits)
    else:
        raw_loss = F.cross_entropy(logits, flat_targets)
    loss = (raw_loss
            + c.alpha * dropped_last.pow(2).mean()
            + c.beta * (raw_last[1:] - raw_last[:-1]).pow(2).mean())
    return dict(loss=loss, raw_loss=raw_loss, output=dropped_last, hidden_out=hidden_out)


def reference_lstm(x, h, cs, w_ih, w_hh, b_ih, b_hh):
    """Plain, hand-written LSTM (gate order i, f, g, o) used to cross-check torch."""
    outs = []
    for t in range(x.shape[0]):
        gates = x[t] @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh
        i, f, g, o = gates.chunk(4, dim=1)
        cs = torch.sigmoid(f) * cs + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(cs)
        outs.append(h)
    return torch.stack(outs), h, cs


def run_case(c: Case, params, input_ids, target_ids, hidden, masks):
    """Forward + backward; returns results and gradients (all float64)."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    res = forward(c, leaves, input_ids, target_ids, hidden, masks)
    res["loss"].backward()
    grads = {k: v.grad.detach().clone() for k, v in leaves.items()}
    return res, grads


# ---------------------------------------------------------------------------
# Writing and self-checking fixtures
# ---------------------------------------------------------------------------

def build_case(c: Case):
    gen = torch.Generator().manual_seed(c.seed)
    params = make_params(c, gen)
    input_ids = torch.randint(0, c.vocab, (c.T, c.B), generator=gen)
    target_ids = torch.randint(0, c.vocab, (c.T, c.B), generator=gen)
    if c.splits:
        # At least one target in every cluster, the last included.
        bounds = [0] + list(c.splits) + [c.vocab]
        flat = target_ids.view(-1)
        for i in range(len(bounds) - 1):
            flat[2 * i] = torch.randint(bounds[i], bounds[i + 1], (1,), generator=gen)
    hidden = []
    for l in range(c.nlayers):
        n_hid = layer_sizes(c, l)[1]
        hidden.append((uniform(gen, (c.B, n_hid), -0.5, 0.5),
                       uniform(gen, (c.B, n_hid), -0.5, 0.5)))
    masks = make_masks(c, gen, input_ids)
    return params, input_ids, target_ids, hidden, masks


def write_case(c: Case, path: str):
    params, input_ids, target_ids, hidden, masks = build_case(c)
    res, grads = run_case(c, params, input_ids, target_ids, hidden, masks)

    t = {}
    for k, v in params.items():
        t[k] = v
    t["decoder.weight"] = params["encoder.weight"].clone()  # tied
    t["input"] = input_ids.double()
    t["target"] = target_ids.double()
    for l, (h, cc) in enumerate(hidden):
        t[f"hidden_in.{l}.h"] = h
        t[f"hidden_in.{l}.c"] = cc
    t.update(masks)
    t["expected.loss"] = res["loss"].detach().reshape(1)
    t["expected.raw_loss"] = res["raw_loss"].detach().reshape(1)
    t["expected.output"] = res["output"].detach()
    for l, (h, cc) in enumerate(res["hidden_out"]):
        t[f"expected.hidden_out.{l}.h"] = h.detach()
        t[f"expected.hidden_out.{l}.c"] = cc.detach()
    for k, g in grads.items():
        t["grad." + k] = g
    if c.splits:
        t["expected.logprob"] = split_log_probs(
            res["output"].detach().reshape(c.T * c.B, c.emsize), params["encoder.weight"], params["decoder.bias"],
            params["criterion.tail_vectors"], params["criterion.tail_bias"], c.splits)

    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in t.items()}
    metadata = {
        "vocab": str(c.vocab), "emsize": str(c.emsize), "nhid": str(c.nhid),
        "nlayers": str(c.nlayers), "T": str(c.T), "B": str(c.B),
        "alpha": str(c.alpha), "beta": str(c.beta),
        "dropout": str(c.dropout), "dropouth": str(c.dropouth),
        "dropouti": str(c.dropouti), "dropoute": str(c.dropoute),
        "wdrop": str(c.wdrop),
    }
    if c.splits:
        metadata["splits"] = ",".join(map(str, c.splits))
    save_file(tensors, path, metadata=metadata)
    canonicalise_metadata_order(path)


def canonicalise_metadata_order(path: str):
    """Make regeneration byte-for-byte reproducible.

    safetensors serialises the metadata from a Rust HashMap, so its key order
    changes from run to run (the tensor data and the rest of the header do not).
    Rewrite just the "__metadata__" object with sorted keys; it has the same
    length, so nothing else in the file moves.
    """
    with open(path, "rb") as fh:
        blob = bytearray(fh.read())
    n = struct.unpack("<Q", bytes(blob[:8]))[0]
    header = bytes(blob[8:8 + n])
    prefix = b'{"__metadata__":'
    assert header.startswith(prefix)
    end = header.index(b"}", len(prefix)) + 1  # metadata values contain no braces
    old = header[len(prefix):end]
    new = json.dumps(dict(sorted(json.loads(old).items())),
                     separators=(",", ":")).encode()
    assert len(new) == len(old) and json.loads(new) == json.loads(old)
    blob[8 + len(prefix):8 + end] = new
    with open(path, "wb") as fh:
        fh.write(blob)


def self_check(c: Case, path: str):
    """Reload the file, recompute from the stored float32 inputs, compare."""
    t = {k: v.double() for k, v in load_file(path).items()}
    params = {k: t[k] for k in t
              if k == "encoder.weight" or k == "decoder.bias" or k.startswith(("rnns.", "criterion."))}
    assert torch.equal(t["decoder.weight"], t["encoder.weight"])
    input_ids = t["input"].long()
    target_ids = t["target"].long()
    hidden = [(t[f"hidden_in.{l}.h"], t[f"hidden_in.{l}.c"]) for l in range(c.nlayers)]
    masks = {k: v for k, v in t.items() if k.startswith("mask.")}

    # The embedding-dropout path must actually be exercised when dropoute > 0.
    if c.dropoute > 0:
        kept = masks["mask.embedding"][torch.unique(input_ids)] != 0
        assert (~kept).any() and kept.any()

    res, grads = run_case(c, params, input_ids, target_ids, hidden, masks)

    def close(name, a, b):
        # Tolerance only covers the float32 rounding of the stored expectations.
        if not torch.allclose(a.float().double(), b, rtol=1e-6, atol=1e-7):
            raise AssertionError(f"{c.name}: self-check mismatch in {name}")

    close("expected.loss", res["loss"].detach().reshape(1), t["expected.loss"])
    close("expected.raw_loss", res["raw_loss"].detach().reshape(1), t["expected.raw_loss"])
    close("expected.output", res["output"].detach(), t["expected.output"])
    for l, (h, cc) in enumerate(res["hidden_out"]):
        close(f"hidden_out.{l}.h", h.detach(), t[f"expected.hidden_out.{l}.h"])
        close(f"hidden_out.{l}.c", cc.detach(), t[f"expected.hidden_out.{l}.c"])
    for k, g in grads.items():
        close("grad." + k, g, t["grad." + k])
    assert set(k for k in t if k.startswith("grad.")) == {"grad." + k for k in grads}

    # Independent cross-check of torch.nn.LSTM via functional_call against a
    # hand-written cell, layer by layer, with the same masks.
    x = F.embedding(input_ids, params["encoder.weight"] * masks["mask.embedding"][:, None])
    x = x * masks["mask.input"][None]
    for l in range(c.nlayers):
        pre = f"rnns.{l}.module."
        out, h, cc = reference_lstm(
            x, *hidden[l], params[pre + "weight_ih_l0"],
            params[pre + "weight_hh_l0_raw"] * masks[f"mask.weight_hh.{l}"],
            params[pre + "bias_ih_l0"], params[pre + "bias_hh_l0"])
        close(f"manual hidden_out.{l}.h", h, t[f"expected.hidden_out.{l}.h"])
        close(f"manual hidden_out.{l}.c", cc, t[f"expected.hidden_out.{l}.c"])
        x = out * masks[f"mask.hidden.{l}"][None] if l < c.nlayers - 1 else out
    close("manual expected.output", x * masks["mask.output"][None], t["expected.output"])

    if c.splits:
        # Every cluster has a target; the restricted loss equals the gathered full
        # distribution, which sums to one over the vocabulary.
        bounds = [0] + list(c.splits) + [c.vocab]
        assert all(((target_ids >= a) & (target_ids < b)).any() for a, b in zip(bounds, bounds[1:]))
        logp = split_log_probs(t["expected.output"].reshape(c.T * c.B, c.emsize), params["encoder.weight"],
                               params["decoder.bias"], params["criterion.tail_vectors"],
                               params["criterion.tail_bias"], c.splits)
        close("expected.logprob", logp, t["expected.logprob"])
        assert torch.allclose(logp.exp().sum(1), torch.ones(c.T * c.B), atol=1e-12)
        gathered = -logp.gather(1, target_ids.reshape(-1, 1)).mean()
        close("gathered split loss", gathered.reshape(1), t["expected.raw_loss"])

    return t["expected.loss"].item()


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"torch {torch.__version__}; writing to {OUT_DIR}")
    for c in CASES:
        path = os.path.join(OUT_DIR, c.name + ".safetensors")
        write_case(c, path)
        loss = self_check(c, path)
        print(f"{c.name}: loss={loss:.9g} ({os.path.getsize(path)} bytes) self-check OK")


if __name__ == "__main__":
    main()
