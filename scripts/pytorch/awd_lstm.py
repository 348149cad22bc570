#!/usr/bin/env python3
"""Load a Swift `awd-lstm` run folder into PyTorch and evaluate it.

This is the way to continue in PyTorch from a run folder written by
`awd-lstm train`.  It holds the AWD-LSTM language model of Merity, Keskar &
Socher (2017), "Regularizing and Optimizing LSTM Language Models", with the
architecture and the state_dict names of the authors' salesforce/awd-lstm-lm
code (model.py with rnn_type LSTM, weight_drop.py, locked_dropout.py,
embed_regularize.py), so the weights the Swift tool saves load into it with
`load_state_dict(..., strict=True)`, and the same state_dict loads into the
authors' own RNNModel.

A run folder holds
  * config.json        flat JSON object: model (LSTM or QRNN; absent means
                       LSTM), vocab_size, emsize, nhid, nlayers,
                       dropout, dropouth, dropouti, dropoute, wdrop, bptt,
                       tied, data, and the other training options;
  * vocab.txt          one token per line, line number = token id;
  * model.safetensors  float32 weights named
                         encoder.weight                       [V, E]
                         rnns.{l}.module.weight_ih_l0         [4H_l, In_l]
                         rnns.{l}.module.weight_hh_l0_raw     [4H_l, H_l]
                         rnns.{l}.module.bias_ih_l0           [4H_l]
                         rnns.{l}.module.bias_hh_l0           [4H_l]
                         decoder.weight                       [V, E] (tied)
                         decoder.bias                         [V]
                       In_l = E for l = 0 else nhid; H_l = nhid except the last
                       layer, whose hidden size is E when tied.  LSTM gates
                       are in torch.nn.LSTM order: i, f, g, o.  A QRNN run
                       has, instead of the rnns.{l}.module.* tensors,
                         rnns.{l}.linear.module.weight_raw    [3H_l, w_l*In_l]
                         rnns.{l}.linear.module.bias          [3H_l]
                       (torchqrnn's QRNNLayer with the authors' WeightDrop on
                       its linear map; gate blocks z, f, o; window w_0 = 2
                       with input [x_t, x_{t-1}], w_l = 1 after).

Library use:

    import awd_lstm                      # with scripts/pytorch on sys.path
    model, vocab, config = awd_lstm.load_run("runs/ptb")   # eval mode
    tokens = awd_lstm.load_corpus("data/ptb", vocab, "valid")
    loss = awd_lstm.evaluate(model, tokens, batch_size=10, bptt=config["bptt"])
    model.train()                        # ... and go on training in PyTorch

Command line (the same numbers as `awd-lstm evaluate`):

    python scripts/pytorch/awd_lstm.py --checkpoint RUN --data DIR \\
        [--split valid|test] [--batch-size N] [--bptt N] [--threads N] [--json]

    --split defaults to test; --batch-size to 10 for valid and 1 for test
    (the authors' eval_batch_size and test_batch_size, as the Swift tool);
    --bptt to the run's bptt.  Prints loss, perplexity and bits per character
    (loss / ln 2); with --json exactly one JSON object
    {"loss", "ppl", "bpc", "tokens"} on stdout (the readable line goes to
    stderr).  Uses 2 CPU threads unless --threads says otherwise.

Export back (a PyTorch AWD-LSTM, this one or the authors', to the weight file
of a run folder; clone() because the tied encoder and decoder weights share
memory, which safetensors refuses to save):

    safetensors.torch.save_file({k: v.clone().contiguous() for k, v in model.state_dict().items()}, "model.safetensors")

Requires torch and safetensors (numpy is not needed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# (h, c) per LSTM layer; c per QRNN layer.
Hidden = List

SPLITS = ("train", "valid", "test")


# ---------------------------------------------------------------------------
# Regularisers (the authors' semantics)
# ---------------------------------------------------------------------------

def embedded_dropout(embed: nn.Embedding, words: torch.Tensor, dropout: float) -> torch.Tensor:
    """Embedding lookup with whole vocabulary rows dropped (the authors' embedded_dropout).

    One Bernoulli(1 - dropout) draw per vocabulary row, scaled by
    1 / (1 - dropout), applied to the full weight before the lookup, so a
    dropped word is zero at every position of the batch.  dropout == 0 is a
    plain lookup.
    """
    weight = embed.weight
    if dropout:
        mask = weight.new_empty((weight.size(0), 1)).bernoulli_(1 - dropout) / (1 - dropout)
        weight = mask * weight
    return F.embedding(words, weight, embed.padding_idx, embed.max_norm,
                       embed.norm_type, embed.scale_grad_by_freq, embed.sparse)


class LockedDropout(nn.Module):
    """Variational dropout: one mask [1, B, C] shared by every time step of x [T, B, C]."""

    def forward(self, x: torch.Tensor, dropout: float) -> torch.Tensor:
        if not self.training or not dropout:
            return x
        mask = x.new_empty((1, x.size(1), x.size(2))).bernoulli_(1 - dropout) / (1 - dropout)
        return mask * x


class WeightDrop(nn.Module):
    """DropConnect on the recurrent matrix of a one-layer nn.LSTM (the authors' WeightDrop).

    The wrapped LSTM is kept as `self.module`; its `weight_hh_l0` parameter is
    replaced by a parameter `weight_hh_l0_raw` registered on that same LSTM,
    so the state_dict key reads `<prefix>.module.weight_hh_l0_raw`.  Each
    forward draws F.dropout(weight_hh_l0_raw, wdrop) (identity in eval mode),
    puts the result back under the name `weight_hh_l0` as a plain tensor
    attribute and runs the stock LSTM kernel with it.
    """

    def __init__(self, module: nn.LSTM, dropout: float, weight: str = "weight_hh_l0"):
        super().__init__()
        self.module = module
        self.dropout = dropout
        self.weight = weight
        raw = getattr(module, weight)
        del module._parameters[weight]
        module.register_parameter(weight + "_raw", nn.Parameter(raw.detach().clone()))
        self._put(getattr(module, weight + "_raw").detach())

    def _put(self, w: torch.Tensor) -> None:
        # A plain tensor (never a Parameter, which nn.Module would register
        # under `weight_hh_l0` and so add to the state_dict); nn.LSTM's
        # __setattr__ also refreshes its _flat_weights with it.
        setattr(self.module, self.weight, w)

    def forward(self, *args, **kwargs):
        raw = getattr(self.module, self.weight + "_raw")
        # view_as: a plain-Tensor alias of the Parameter, so that eval mode
        # (where F.dropout returns its input) still passes a non-Parameter.
        self._put(F.dropout(raw.view_as(raw), p=self.dropout, training=self.training))
        try:
            return self.module(*args, **kwargs)
        finally:
            # Keep only a detached alias of the raw matrix between calls: the
            # module holds no autograd graph (copy.deepcopy(model) keeps working)
            # and no dropped copy (the next call draws its own).
            self._put(raw.detach())


def forget_mult(f: torch.Tensor, z: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """QRNN pooling (torchqrnn's ForgetMult): c_t = f_t*z_t + (1 - f_t)*c_{t-1}, all [T, B, H].

    The time loop is written in PyTorch (torchqrnn's fast kernel is CUDA only).
    """
    c = c0
    cs = []
    for t in range(f.size(0)):
        c = f[t] * z[t] + (1 - f[t]) * c
        cs.append(c)
    return torch.stack(cs)


class QRNNLayer(nn.Module):
    """torchqrnn's QRNNLayer as the authors' model.py builds it (Bradbury et al. 2016).

    save_prev_x=True, zoneout=0, output_gate=True, and WeightDrop(wdrop) on
    `linear` (state_dict: `linear.module.weight_raw [3H, window*In]`,
    `linear.module.bias [3H]`).  With window 2 the input at t is
    [x_t, x_{t-1}]; the last x of a call is kept for the next one until
    reset().  forward(X [T, B, In], c0 [1, B, H]) returns (H [T, B, H],
    c [1, B, H]) with z = tanh, f = sigmoid, H = sigmoid(o) * C.
    """

    def __init__(self, input_size: int, hidden_size: int, window: int, wdrop: float):
        super().__init__()
        self.input_size, self.hidden_size, self.window = input_size, hidden_size, window
        self.linear = WeightDrop(nn.Linear(window * input_size, 3 * hidden_size), wdrop, weight="weight")
        self.prevX: Optional[torch.Tensor] = None

    def reset(self) -> None:
        self.prevX = None

    def forward(self, X: torch.Tensor, hidden: torch.Tensor):
        source = X
        if self.window == 2:
            prev = self.prevX if self.prevX is not None else X[:1] * 0
            source = torch.cat([X, torch.cat([prev, X[:-1]], 0)], 2)
        Z, Fg, O = self.linear(source).chunk(3, dim=2)
        C = forget_mult(torch.sigmoid(Fg), torch.tanh(Z), hidden[0])
        if self.window > 1:
            self.prevX = X[-1:].detach()
        return torch.sigmoid(O) * C, C[-1:]


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

class AWDLSTM(nn.Module):
    """The authors' RNNModel with rnn_type 'LSTM' (or 'QRNN': QRNNLayer instead of the LSTMs).

    encoder (Embedding V x E) -> embedded dropout `dropoute` -> locked dropout
    `dropouti` -> L one-layer LSTMs wrapped in WeightDrop(`wdrop`), locked
    dropout `dropouth` between layers -> locked dropout `dropout` on the last
    output -> decoder Linear(E -> V) whose weight is the encoder weight when
    tied.  All dropout is off in eval mode.

    forward(input [T, B] long, hidden) returns (logits [T, B, V], new hidden);
    with `splits` (the authors' split cross-entropy, their WikiText-103 setting)
    the "logits" are the model's exact log-probabilities, head softmax and tail
    clusters combined (SplitSoftmax below), which cross_entropy and softmax
    treat like logits since they are already normalised;
    with return_h=True also the per-layer raw outputs and dropped outputs the
    authors' AR/TAR terms use.  (The authors' later model.py returns the
    pre-decoder output and applies the decoder inside SplitCrossEntropyLoss;
    the weights are the same.)
    """

    def __init__(self, vocab_size: int, emsize: int = 400, nhid: int = 1150, nlayers: int = 3,
                 dropout: float = 0.4, dropouth: float = 0.3, dropouti: float = 0.65,
                 dropoute: float = 0.1, wdrop: float = 0.5, tied: bool = True, rnn_type: str = "LSTM",
                 splits: Sequence[int] = ()):
        super().__init__()
        if rnn_type not in ("LSTM", "QRNN"):
            raise ValueError(f"rnn_type must be LSTM or QRNN (got {rnn_type!r})")
        self.rnn_type = rnn_type
        self.vocab_size, self.emsize, self.nhid, self.nlayers = vocab_size, emsize, nhid, nlayers
        self.dropout, self.dropouth, self.dropouti, self.dropoute = dropout, dropouth, dropouti, dropoute
        self.wdrop, self.tied = wdrop, tied

        self.lockdrop = LockedDropout()
        self.encoder = nn.Embedding(vocab_size, emsize)
        if rnn_type == "QRNN":
            self.rnns = nn.ModuleList(
                QRNNLayer(self.layer_input_size(l), self.layer_hidden_size(l), 2 if l == 0 else 1, wdrop)
                for l in range(nlayers))
        else:
            self.rnns = nn.ModuleList(
                WeightDrop(nn.LSTM(self.layer_input_size(l), self.layer_hidden_size(l), 1), wdrop)
                for l in range(nlayers))
        self.decoder = nn.Linear(self.layer_hidden_size(nlayers - 1), vocab_size)
        if tied:
            self.decoder.weight = self.encoder.weight
        # Saved as criterion.tail_vectors / criterion.tail_bias, as in the run folder.
        self.criterion = SplitSoftmax(emsize, splits) if splits else None
        self.init_weights()

    def layer_input_size(self, l: int) -> int:
        return self.emsize if l == 0 else self.nhid

    def layer_hidden_size(self, l: int) -> int:
        return self.emsize if (l == self.nlayers - 1 and self.tied) else self.nhid

    def init_weights(self) -> None:
        """The authors' init: encoder and decoder U(-0.1, 0.1), decoder bias 0 (LSTMs: torch default)."""
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        if not self.tied:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def reset(self) -> None:
        """Forget the QRNN layers' previous inputs (the authors call it before every evaluation and epoch)."""
        if self.rnn_type == "QRNN":
            for rnn in self.rnns:
                rnn.reset()

    def init_hidden(self, bsz: int) -> Hidden:
        """Zero (h, c) per layer (c alone for the QRNN), each [1, bsz, H_l], on the model's device and dtype."""
        w = self.encoder.weight
        if self.rnn_type == "QRNN":
            return [w.new_zeros(1, bsz, self.layer_hidden_size(l)) for l in range(self.nlayers)]
        return [(w.new_zeros(1, bsz, self.layer_hidden_size(l)),
                 w.new_zeros(1, bsz, self.layer_hidden_size(l)))
                for l in range(self.nlayers)]

    def forward(self, input: torch.Tensor, hidden: Hidden, return_h: bool = False):
        output, new_hidden, raw_outputs, outputs = self.encode(input, hidden)
        if self.criterion is not None:
            logits = self.criterion.log_probs(self.decoder.weight, self.decoder.bias, output)
        else:
            logits = self.decoder(output)
        if return_h:
            return logits, new_hidden, raw_outputs, outputs
        return logits, new_hidden

    def encode(self, input: torch.Tensor, hidden: Hidden):
        """Everything before the decoder: (output [T, B, E], the decoder's input after
        the last locked dropout; new hidden; per-layer raw outputs; per-layer dropped outputs)."""
        emb = embedded_dropout(self.encoder, input, self.dropoute if self.training else 0.0)
        output = self.lockdrop(emb, self.dropouti)

        new_hidden: Hidden = []
        raw_outputs: List[torch.Tensor] = []
        outputs: List[torch.Tensor] = []
        for l, rnn in enumerate(self.rnns):
            output, h = rnn(output, hidden[l])
            new_hidden.append(h)
            raw_outputs.append(output)
            if l != self.nlayers - 1:
                output = self.lockdrop(output, self.dropouth)
                outputs.append(output)
        output = self.lockdrop(output, self.dropout)
        outputs.append(output)
        return output, new_hidden, raw_outputs, outputs

    def loss(self, output: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of `targets` [T, B] given the decoder's input `output`
        [T, B, E] (from `encode`): the full softmax, or with `splits` the authors' split
        cross-entropy as their training computes it (SplitSoftmax.cross_entropy)."""
        output, targets = output.reshape(-1, output.size(-1)), targets.reshape(-1)
        if self.criterion is not None:
            return self.criterion.cross_entropy(self.decoder.weight, self.decoder.bias, output, targets)
        return F.cross_entropy(self.decoder(output), targets)


def repackage_hidden(hidden: Hidden) -> Hidden:
    """Detach the hidden state from its history (carried from one window to the next)."""
    return [h.detach() if torch.is_tensor(h) else tuple(t.detach() for t in h) for h in hidden]


# ---------------------------------------------------------------------------
# Run folders and corpora
# ---------------------------------------------------------------------------

def read_vocab(path: str) -> List[str]:
    """vocab.txt: one token per line, line number = id."""
    with open(path, encoding="utf8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [w[:-1] if w.endswith("\r") else w for w in lines]
    if len(set(lines)) != len(lines):
        raise ValueError(f"{path}: duplicate tokens in the vocabulary")
    return lines


class SplitSoftmax(nn.Module):
    """The distribution of the authors' split cross-entropy (splitcross.py):
    a head softmax over the first splits[0] words plus one tombstone per tail
    cluster (tail_vectors [k, E], tail_bias [k]); a word of cluster i (1-based)
    has log p = log p_head(column -i, counted from the end) + log softmax over
    its cluster's rows of the tied decoder."""

    def __init__(self, emsize: int, splits: Sequence[int]):
        super().__init__()
        self.splits = list(splits)
        self.tail_vectors = nn.Parameter(torch.zeros(len(self.splits), emsize))
        self.tail_bias = nn.Parameter(torch.zeros(len(self.splits)))

    def log_probs(self, weight: torch.Tensor, bias: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """log p(w) for every word: [..., V] for hidden [..., E]."""
        bounds = [0] + self.splits + [weight.size(0)]
        head = F.log_softmax(F.linear(hidden, torch.cat([weight[:bounds[1]], self.tail_vectors]),
                                      torch.cat([bias[:bounds[1]], self.tail_bias])), dim=-1)
        parts = [head[..., :bounds[1]]]
        for i in range(1, len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            tail = F.log_softmax(F.linear(hidden, weight[a:b], bias[a:b]), dim=-1)
            parts.append(head[..., head.size(-1) - i:head.size(-1) - i + 1] + tail)
        return torch.cat(parts, dim=-1)

    def cross_entropy(self, weight: torch.Tensor, bias: torch.Tensor, hidden: torch.Tensor,
                      targets: torch.Tensor) -> torch.Tensor:
        """Mean of -log p(target) for hidden [N, E] and targets [N], computed the way the
        authors' training does: the head softmax for every row, each tail cluster's
        softmax only for the rows whose target falls in it (no [N, V] matrix)."""
        bounds = [0] + self.splits + [weight.size(0)]
        s1 = bounds[1]
        head = F.log_softmax(F.linear(hidden, torch.cat([weight[:s1], self.tail_vectors]),
                                      torch.cat([bias[:s1], self.tail_bias])), dim=-1)
        cluster = torch.bucketize(targets, torch.tensor(self.splits), right=True)
        in_head = cluster == 0
        total = -head[in_head].gather(1, targets[in_head][:, None]).sum()
        for i in range(1, len(bounds) - 1):
            rows = (cluster == i).nonzero().squeeze(1)
            if len(rows) == 0:
                continue
            a, b = bounds[i], bounds[i + 1]
            tail = F.log_softmax(F.linear(hidden[rows], weight[a:b], bias[a:b]), dim=-1)
            total = total - (head[rows, head.size(1) - i]
                             + tail.gather(1, (targets[rows] - a)[:, None]).squeeze(1)).sum()
        return total / targets.numel()


def model_from_config(config: Dict) -> AWDLSTM:
    """An AWDLSTM with the sizes and dropout rates of a run's config.json."""
    keys = ("dropout", "dropouth", "dropouti", "dropoute", "wdrop")
    return AWDLSTM(int(config["vocab_size"]), int(config["emsize"]), int(config["nhid"]),
                   int(config["nlayers"]), tied=bool(config.get("tied", True)),
                   rnn_type=str(config.get("model", "LSTM")), splits=[int(x) for x in config.get("splits", [])],
                   **{k: float(config[k]) for k in keys if k in config})


def load_run(folder: str) -> Tuple[AWDLSTM, List[str], Dict]:
    """Read a run folder; returns (model in eval mode, vocabulary, config dict)."""
    from safetensors.torch import load_file

    with open(os.path.join(folder, "config.json"), encoding="utf8") as f:
        config = json.load(f)
    vocab = read_vocab(os.path.join(folder, "vocab.txt"))
    if len(vocab) != int(config["vocab_size"]):
        raise ValueError(f"{folder}: vocab.txt has {len(vocab)} tokens, config.json says "
                         f"vocab_size {config['vocab_size']}")

    state = load_file(os.path.join(folder, "model.safetensors"))
    model = model_from_config(config)
    if model.tied and "encoder.weight" in state and "decoder.weight" in state \
            and not torch.equal(state["encoder.weight"], state["decoder.weight"]):
        raise ValueError(f"{folder}: tied model but encoder.weight != decoder.weight")
    model.load_state_dict(state, strict=True)
    model.eval()
    return model, vocab, config


def split_path(folder: str, split: str) -> str:
    """train.txt/valid.txt/test.txt, or else wiki.{train,valid,test}.tokens."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} (got {split!r})")
    plain = os.path.join(folder, f"{split}.txt")
    if os.path.exists(plain):
        return plain
    wiki = os.path.join(folder, f"wiki.{split}.tokens")
    if os.path.exists(wiki):
        return wiki
    raise FileNotFoundError(f"{folder}: neither {split}.txt nor wiki.{split}.tokens")


def tokenize_file(path: str, index: Dict[str, int]) -> torch.Tensor:
    """The authors' data.py rules: each line's str.split() words plus '<eos>'."""
    ids: List[int] = []
    with open(path, encoding="utf8") as f:
        for n, line in enumerate(f, 1):
            for word in line.split() + ["<eos>"]:
                try:
                    ids.append(index[word])
                except KeyError:
                    raise ValueError(f"{path}:{n}: word {word!r} is not in the vocabulary") from None
    return torch.tensor(ids, dtype=torch.long)


def load_corpus(folder: str, vocab: Sequence[str], split: str = "test") -> torch.Tensor:
    """Token ids (1-D long tensor) of one split of a corpus folder, with the given vocabulary."""
    index = {w: i for i, w in enumerate(vocab)}
    return tokenize_file(split_path(folder, split), index)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------

def batchify(tokens: torch.Tensor, bsz: int) -> torch.Tensor:
    """[N] -> time-major [N // bsz, bsz]; the tail that does not fill a row is dropped."""
    nbatch = tokens.size(0) // bsz
    return tokens.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


@torch.no_grad()
def evaluate(model: AWDLSTM, tokens: torch.Tensor, batch_size: int, bptt: int) -> float:
    """Mean cross-entropy (nats) with the authors' main.py `evaluate` procedure.

    Windows of `bptt` rows (the last may be shorter), fresh zero hidden state,
    carried between windows; each window adds seq_len * (its mean loss); the
    sum is divided by the number of rows (not rows - 1), as the authors do.
    The model is put in eval mode.
    """
    if batch_size < 1 or bptt < 1:
        raise ValueError("batch_size and bptt must be at least 1")
    data = batchify(tokens, batch_size)
    rows = data.size(0)
    if rows < 2:
        raise ValueError(f"batch size {batch_size} is too large for {tokens.size(0)} tokens")
    device = next(model.parameters()).device
    data = data.to(device)
    model.eval()
    model.reset()
    hidden = model.init_hidden(batch_size)
    total = 0.0
    for i in range(0, rows - 1, bptt):
        seq_len = min(bptt, rows - 1 - i)
        inputs = data[i:i + seq_len]
        targets = data[i + 1:i + 1 + seq_len].reshape(-1)
        logits, hidden = model(inputs, hidden)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets)
        total += seq_len * loss.item()
        hidden = repackage_hidden(hidden)
    return total / rows


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Evaluate a Swift awd-lstm run folder with PyTorch "
                    "(fixed windows, the authors' normalisation).")
    parser.add_argument("--checkpoint", required=True,
                        help="run folder (config.json, vocab.txt, model.safetensors)")
    parser.add_argument("--data", required=True,
                        help="folder with train.txt, valid.txt, test.txt (or wiki.{train,valid,test}.tokens)")
    parser.add_argument("--split", choices=("valid", "test"), default="test",
                        help="split to evaluate (default test)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="evaluation batch size (default 10 for valid, 1 for test)")
    parser.add_argument("--bptt", type=int, default=None, help="window length (default: the run's bptt)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with loss, ppl, bpc, tokens on stdout")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model, vocab, config = load_run(args.checkpoint)
    tokens = load_corpus(args.data, vocab, args.split)
    batch_size = args.batch_size if args.batch_size is not None else (1 if args.split == "test" else 10)
    bptt = args.bptt if args.bptt is not None else int(config["bptt"])
    if batch_size < 1 or bptt < 1:
        parser.error("--batch-size and --bptt must be at least 1")
    if tokens.size(0) // batch_size < 2:
        parser.error(f"--batch-size {batch_size} is larger than the {args.split} data allows "
                     f"({tokens.size(0)} tokens)")

    loss = evaluate(model, tokens, batch_size, bptt)
    result = {"loss": loss, "ppl": math.exp(loss), "bpc": loss / math.log(2), "tokens": int(tokens.size(0))}
    line = (f"| {args.split} | loss {loss:5.2f} | ppl {result['ppl']:8.2f} | bpc {result['bpc']:8.3f} "
            f"| {result['tokens']} tokens")
    if args.json:
        print(line, file=sys.stderr)
        print(json.dumps(result))
    else:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
