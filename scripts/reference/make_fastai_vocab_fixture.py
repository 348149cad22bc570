#!/usr/bin/env python3
"""Generate the fixture of the fastai word-list import test (Tests/Fixtures/import/fastai_itos.*).

fastai's pretrained language models (AWD_LSTM, e.g. the 60,000-word WikiText-103
model) come with their own word list, `itos`, which starts with fastai's special
tokens (xxunk, xxpad, xxbos, ...) and has no `<eos>`. `awd-lstm import --format
fastai --vocab itos.txt` must take that list as it is. This script writes a small
model of that shape:

  fastai_itos.safetensors  state_dict named like fastai's SequentialRNN(AWD_LSTM,
                           LinearDecoder): 0.encoder.weight, 0.encoder_dp.emb.weight
                           (the same tensor), 0.rnns.{l}.weight_hh_l0_raw,
                           0.rnns.{l}.module.weight_ih_l0 / bias_ih_l0 / bias_hh_l0,
                           0.rnns.{l}.module.weight_hh_l0 (a weight-dropped copy, to be
                           ignored), 1.decoder.weight (tied), 1.decoder.bias
  fastai_itos.txt          its itos, one token per line (V = 16: fastai's 9 special
                           tokens and 7 words)
  fastai_itos.json         a stream of token ids (starting with xxbos) and the
                           expected evaluation loss on it (batch size 2, bptt 5)

Sizes V=16, E=6, H=8, L=3 (last layer of width E, decoder tied). The model is the
AWDLSTM of scripts/pytorch/awd_lstm.py (the authors' architecture) with its
state_dict renamed to fastai's names; the loss is awd_lstm.evaluate in float64
over the float32 weights (the authors' evaluate procedure).

Regenerate (from the repository root, with torch and safetensors installed):

    python scripts/reference/make_fastai_vocab_fixture.py
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pytorch"))
import awd_lstm  # noqa: E402

OUT_DIR = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "import")
SPECIAL = ["xxunk", "xxpad", "xxbos", "xxeos", "xxfld", "xxrep", "xxwrep", "xxup", "xxmaj"]
WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog"]
E, H, L = 6, 8, 3
BATCH_SIZE, BPTT, TOKENS = 2, 5, 41


def fastai_state_dict(model, gen, wdrop=0.5):
    """The model's tensors under fastai's names, plus the copies fastai's state_dict holds."""
    out = {}
    for name, value in model.state_dict().items():
        v = value.detach().clone().contiguous()
        if name == "encoder.weight":
            out["0.encoder.weight"] = v
            out["0.encoder_dp.emb.weight"] = v.clone()
            out["1.decoder.weight"] = v.clone()
        elif name == "decoder.weight":
            continue  # tied: written above
        elif name == "decoder.bias":
            out["1.decoder.bias"] = v
        elif name.endswith(".module.weight_hh_l0_raw"):
            layer = name.split(".")[1]
            out[f"0.rnns.{layer}.weight_hh_l0_raw"] = v
            keep = (torch.rand(v.shape, generator=gen) >= wdrop).to(v.dtype)
            out[f"0.rnns.{layer}.module.weight_hh_l0"] = v * keep / (1 - wdrop)
        else:
            assert name.startswith("rnns."), name
            out["0." + name] = v
    return out


def main():
    itos = SPECIAL + WORDS
    torch.manual_seed(3001)
    model = awd_lstm.AWDLSTM(len(itos), E, H, L)
    with torch.no_grad():
        model.decoder.bias.uniform_(-0.1, 0.1)  # the authors zero it; non-zero so that it is tested
    gen = torch.Generator().manual_seed(3002)
    save_file(fastai_state_dict(model, gen), os.path.join(OUT_DIR, "fastai_itos.safetensors"))
    with open(os.path.join(OUT_DIR, "fastai_itos.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(w + "\n" for w in itos))

    ids = [itos.index("xxbos")] + torch.randint(len(itos), (TOKENS - 1,), generator=gen).tolist()
    loss = awd_lstm.evaluate(model.double(), torch.tensor(ids), BATCH_SIZE, BPTT)
    expected = {"ids": ids, "batch_size": BATCH_SIZE, "bptt": BPTT, "valid_loss": loss,
                "vocab_size": len(itos), "emsize": E, "nhid": H, "nlayers": L, "torch": torch.__version__}
    with open(os.path.join(OUT_DIR, "fastai_itos.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"fastai_itos: V={len(itos)}, loss {loss:.10f} over {len(ids)} tokens")


if __name__ == "__main__":
    main()
