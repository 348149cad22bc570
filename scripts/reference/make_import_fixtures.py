#!/usr/bin/env python3
"""Generate the fixtures of the `import` tests (Tests/Fixtures/import/).

Regenerate (from the repository root):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install torch numpy safetensors \
        && /tmp/v/bin/python scripts/reference/make_import_fixtures.py

Seeds are fixed, so the output is reproducible for a given PyTorch version
(generated with the version recorded in expected.json).

Writes:
  corpus/{train,valid,test}.txt   a tiny corpus: 11 distinct words + <eos> = 12 types
  salesforce.safetensors          state_dict of a model named like the authors'
                                  RNNModel (salesforce/awd-lstm-lm): encoder.weight,
                                  rnns.{l}.module.weight_ih_l0 / weight_hh_l0_raw /
                                  bias_ih_l0 / bias_hh_l0, decoder.weight (tied), decoder.bias
  fastai.safetensors              state_dict of a model named like fastai's
                                  SequentialRNN(AWD_LSTM, LinearDecoder): 0.encoder.weight,
                                  0.encoder_dp.emb.weight (same tensor),
                                  0.rnns.{l}.weight_hh_l0_raw, 0.rnns.{l}.module.weight_ih_l0,
                                  0.rnns.{l}.module.bias_ih_l0 / bias_hh_l0,
                                  0.rnns.{l}.module.weight_hh_l0 (a weight-dropped copy, to be
                                  ignored), 1.decoder.weight (tied), 1.decoder.bias
  expected.json                   sizes and the expected evaluation loss of each model on
                                  valid.txt (batch size 2, bptt 5)

Both models have V=12, E=6, H=8, L=3 (last layer of width E, decoder tied to
the embedding; gates i, f, g, o). The modules below only reproduce the two
projects' parameter naming (which submodule holds which tensor); the
evaluation is a separate functional forward pass in float64 over the float32
weights read back from the written files.

Evaluation follows the authors' `evaluate` (main.py): the valid stream is
batchified into B=2 contiguous columns ([rows, 2], the tail dropped), the
hidden state starts at zero and is carried across windows of bptt rows
starting at 0, bptt, 2*bptt, ... (length min(bptt, rows-1-i)); each window's
mean cross-entropy is weighted by its length, and the sum is divided by the
number of rows of the batchified data.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "Tests", "Fixtures", "import")

V, E, H, L = 12, 6, 8, 3
BATCH_SIZE, BPTT = 2, 5

# 11 distinct words; with <eos> the vocabulary has 12 types.
CORPUS = {
    "train": [
        "the cat sat on the mat",
        "a dog ran fast",
        "the big dog sat on a red mat",
        "a cat ran",
        "the red cat sat",
    ],
    "valid": [
        "the dog sat on the mat",
        "a big cat ran fast",
        "the red dog ran on a mat",
        "a cat sat",
        "the big red cat ran fast on the mat",
    ],
    "test": [
        "a dog sat on the big mat",
        "the cat ran fast",
    ],
}


def layer_sizes(l):
    """(input size, hidden size) of layer l; the last layer outputs E (tied decoder)."""
    return (E if l == 0 else H), (H if l < L - 1 else E)


# ---------------------------------------------------------------------------
# Modules with each project's parameter naming
# ---------------------------------------------------------------------------

class SalesforceWeightDrop(nn.Module):
    """The authors' WeightDrop naming: the wrapped LSTM's hidden-to-hidden
    matrix is re-registered on the LSTM itself as `weight_hh_l0_raw`."""

    def __init__(self, lstm):
        super().__init__()
        raw = lstm.weight_hh_l0.data
        del lstm._parameters["weight_hh_l0"]
        lstm.register_parameter("weight_hh_l0_raw", nn.Parameter(raw))
        self.module = lstm


class SalesforceRNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.rnns = nn.ModuleList(
            [SalesforceWeightDrop(nn.LSTM(*layer_sizes(l))) for l in range(L)])
        self.decoder = nn.Linear(E, V)
        self.decoder.weight = self.encoder.weight  # tied
        with torch.no_grad():
            self.encoder.weight.uniform_(-0.1, 0.1)
            # The authors zero the decoder bias; non-zero here so it is tested.
            self.decoder.bias.uniform_(-0.1, 0.1)


class FastaiWeightDropout(nn.Module):
    """fastai's WeightDropout naming: the raw matrix is a parameter of the
    wrapper (`weight_hh_l0_raw`), the LSTM keeps a weight-dropped copy under
    `module.weight_hh_l0` (kept here as a buffer so the export holds it)."""

    def __init__(self, lstm, weight_p, gen):
        super().__init__()
        raw = lstm.weight_hh_l0.data
        del lstm._parameters["weight_hh_l0"]
        self.register_parameter("weight_hh_l0_raw", nn.Parameter(raw))
        keep = (torch.rand(raw.shape, generator=gen) >= weight_p).to(raw.dtype)
        lstm.register_buffer("weight_hh_l0", raw * keep / (1 - weight_p))
        self.module = lstm


class FastaiEmbeddingDropout(nn.Module):
    def __init__(self, emb):
        super().__init__()
        self.emb = emb  # the encoder itself: its weight appears under two names


class FastaiAWDLSTM(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.encoder_dp = FastaiEmbeddingDropout(self.encoder)
        self.rnns = nn.ModuleList(
            [FastaiWeightDropout(nn.LSTM(*layer_sizes(l)), 0.5, gen) for l in range(L)])
        with torch.no_grad():
            self.encoder.weight.uniform_(-0.1, 0.1)


class FastaiLinearDecoder(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.decoder = nn.Linear(E, V)
        self.decoder.weight = encoder.weight  # tied
        with torch.no_grad():
            self.decoder.bias.uniform_(-0.1, 0.1)


def fastai_language_model(gen):
    body = FastaiAWDLSTM(gen)
    return nn.Sequential(body, FastaiLinearDecoder(body.encoder))


# fastai name -> salesforce name (the dropped copy and the embedding alias are dropped).
def fastai_to_salesforce(name):
    fixed = {
        "0.encoder.weight": "encoder.weight",
        "1.decoder.weight": "decoder.weight",
        "1.decoder.bias": "decoder.bias",
    }
    if name in fixed:
        return fixed[name]
    if name == "0.encoder_dp.emb.weight" or name.endswith(".module.weight_hh_l0"):
        return None
    l, rest = name[len("0.rnns."):].split(".", 1)
    if rest == "weight_hh_l0_raw":
        return f"rnns.{l}.module.weight_hh_l0_raw"
    assert rest.startswith("module."), name
    return f"rnns.{l}.{rest}"


# ---------------------------------------------------------------------------
# Corpus and evaluation
# ---------------------------------------------------------------------------

def write_corpus():
    folder = os.path.join(OUT_DIR, "corpus")
    os.makedirs(folder, exist_ok=True)
    for split, lines in CORPUS.items():
        with open(os.path.join(folder, f"{split}.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in lines))


def tokenize():
    """The authors' data.py: words of each line plus <eos>, vocabulary in order of
    first appearance over train, valid, test."""
    vocab, streams = {}, {}
    for split, lines in CORPUS.items():
        ids = []
        for line in lines:
            for w in line.split() + ["<eos>"]:
                ids.append(vocab.setdefault(w, len(vocab)))
        streams[split] = ids
    return vocab, streams


def batchify(ids, bsz):
    data = torch.tensor(ids, dtype=torch.long)
    rows = data.size(0) // bsz
    return data[: rows * bsz].view(bsz, rows).t().contiguous()  # [rows, bsz]


def evaluate(params, valid_ids):
    """The authors' evaluate, in float64, from parameters under salesforce names."""
    p = {k: v.double() for k, v in params.items()}
    data = batchify(valid_ids, BATCH_SIZE)
    rows = data.size(0)
    hidden = [(torch.zeros(1, BATCH_SIZE, layer_sizes(l)[1], dtype=torch.float64),) * 2 for l in range(L)]
    shells = [nn.LSTM(*layer_sizes(l)).double() for l in range(L)]
    total, windows = 0.0, []
    for i in range(0, rows - 1, BPTT):
        seq_len = min(BPTT, rows - 1 - i)
        windows.append(seq_len)
        x, y = data[i: i + seq_len], data[i + 1: i + 1 + seq_len]
        out = F.embedding(x, p["encoder.weight"])
        for l in range(L):
            pre = f"rnns.{l}.module."
            weights = {
                "weight_ih_l0": p[pre + "weight_ih_l0"],
                "weight_hh_l0": p[pre + "weight_hh_l0_raw"],  # no weight drop at evaluation
                "bias_ih_l0": p[pre + "bias_ih_l0"],
                "bias_hh_l0": p[pre + "bias_hh_l0"],
            }
            out, hidden[l] = torch.func.functional_call(shells[l], weights, (out, hidden[l]))
        logits = out @ p["decoder.weight"].t() + p["decoder.bias"]
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        total += seq_len * loss.item()
    return total / rows, rows, windows


def export(module, path):
    # Tied tensors share memory, which save_file refuses: clone each one.
    save_file({k: v.clone().contiguous() for k, v in module.state_dict().items()}, path)
    loaded = load_file(path)
    state = module.state_dict()
    assert loaded.keys() == state.keys()
    for k in state:
        assert loaded[k].dtype == torch.float32 and torch.equal(loaded[k], state[k]), k
    return loaded


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    write_corpus()
    vocab, streams = tokenize()
    assert len(vocab) == V, len(vocab)

    torch.manual_seed(2001)
    salesforce = SalesforceRNNModel()
    sf = export(salesforce, os.path.join(OUT_DIR, "salesforce.safetensors"))

    torch.manual_seed(2002)
    fastai = fastai_language_model(torch.Generator().manual_seed(2003))
    fa = export(fastai, os.path.join(OUT_DIR, "fastai.safetensors"))
    for l in range(L):
        assert not torch.equal(fa[f"0.rnns.{l}.module.weight_hh_l0"], fa[f"0.rnns.{l}.weight_hh_l0_raw"])
    assert torch.equal(fa["0.encoder.weight"], fa["0.encoder_dp.emb.weight"])
    fa_renamed = {fastai_to_salesforce(k): v for k, v in fa.items() if fastai_to_salesforce(k)}
    assert fa_renamed.keys() == sf.keys()

    expected = {"vocab_size": V, "emsize": E, "nhid": H, "nlayers": L,
                "batch_size": BATCH_SIZE, "bptt": BPTT, "torch": torch.__version__}
    for name, params in [("salesforce", sf), ("fastai", fa_renamed)]:
        assert torch.equal(params["decoder.weight"], params["encoder.weight"])
        loss, rows, windows = evaluate(params, streams["valid"])
        expected[name] = {"valid_loss": loss}
        print(f"{name}: valid loss {loss:.10f} over {rows} rows, windows {windows}")
    expected["valid_rows"] = rows

    # A QRNN under the authors' names (rnns.{l}.linear.module.weight_raw / .bias), built with
    # the QRNN of scripts/pytorch/awd_lstm.py and evaluated there in float64.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
    import awd_lstm
    torch.manual_seed(2004)
    qrnn = awd_lstm.AWDLSTM(V, E, H, L, rnn_type="QRNN")
    with torch.no_grad():
        qrnn.decoder.bias.uniform_(-0.1, 0.1)
    export(qrnn, os.path.join(OUT_DIR, "salesforce_qrnn.safetensors"))
    loss = awd_lstm.evaluate(qrnn.double(), torch.tensor(streams["valid"]), BATCH_SIZE, BPTT)
    expected["salesforce_qrnn"] = {"valid_loss": loss}
    print(f"salesforce_qrnn: valid loss {loss:.10f}")
    assert windows[-1] < BPTT, "the last window should be a short one"
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
