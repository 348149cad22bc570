"""fastai 2.8's ULMFiT classifier on a --data folder, from a fastai LM's weights.

usage: fastai_classifier.py DATA LM_DIR --seed S [--bs 64] [--threads 2] [--out result.json]

LM_DIR holds lm.safetensors (a fastai AWD-LSTM language model's state_dict) and
vocab.txt (its itos), as train_lm.py writes them; the sizes (emb_sz, n_hid,
n_layers) are read from the tensors. The recipe is fastai's text tutorial:

  TextDataLoaders.from_folder(DATA, valid='valid', text_vocab=vocab, bs=bs, seed=S)
  text_classifier_learner(dls, AWD_LSTM, config=sizes, drop_mult=0.5, pretrained=False, metrics=accuracy)
  encoder <- the LM's encoder weights; learn.freeze()
  fit_one_cycle(1, 2e-2)
  freeze_to(-2); fit_one_cycle(1, slice(1e-2/(2.6**4), 1e-2))
  freeze_to(-3); fit_one_cycle(1, slice(5e-3/(2.6**4), 5e-3))
  unfreeze();    fit_one_cycle(2, slice(1e-3/(2.6**4), 1e-3))

with torch.set_num_threads(threads) and set_seed(S). from_folder tokenizes DATA
into DATA_tok beside it (once; later runs reuse it). Prints and writes one JSON
object: per-epoch valid loss and accuracy, the final ones, the time of the five
epochs (train_seconds: the fit calls only) and of the whole run.
"""

import argparse, json, os, time

T0 = time.time()
import torch
from fastai.text.all import *  # noqa: F401,F403
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("lm")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    set_seed(a.seed)

    with open(os.path.join(a.lm, "vocab.txt"), encoding="utf-8") as f:
        vocab = [l.rstrip("\n") for l in f]
    sd = load_file(os.path.join(a.lm, "lm.safetensors"))
    n_layers = len({k.split(".")[2] for k in sd if k.startswith("0.rnns.")})
    emb_sz = sd["0.encoder.weight"].shape[1]
    n_hid = sd["0.rnns.0.module.weight_ih_l0"].shape[0] // 4
    assert sd["0.encoder.weight"].shape[0] == len(vocab)

    t = time.time()
    dls = TextDataLoaders.from_folder(a.data, valid="valid", text_vocab=vocab, bs=a.bs, seed=a.seed)
    data_s = time.time() - t
    assert list(dls.vocab[0]) == vocab, "from_folder changed the vocabulary"
    config = dict(awd_lstm_clas_config, emb_sz=emb_sz, n_hid=n_hid, n_layers=n_layers)
    learn = text_classifier_learner(dls, AWD_LSTM, config=config, drop_mult=0.5, pretrained=False,
                                    metrics=accuracy)
    enc = {k[2:]: v for k, v in sd.items() if k.startswith("0.")}
    learn.model[0].module.load_state_dict(enc)
    learn.freeze()

    vals = []  # one [train_loss, valid_loss, accuracy] per epoch (recorder.values restarts at each fit)
    t = time.time()
    learn.fit_one_cycle(1, 2e-2)
    vals += learn.recorder.values
    learn.freeze_to(-2)
    learn.fit_one_cycle(1, slice(1e-2 / (2.6 ** 4), 1e-2))
    vals += learn.recorder.values
    learn.freeze_to(-3)
    learn.fit_one_cycle(1, slice(5e-3 / (2.6 ** 4), 5e-3))
    vals += learn.recorder.values
    learn.unfreeze()
    learn.fit_one_cycle(2, slice(1e-3 / (2.6 ** 4), 1e-3))
    vals += learn.recorder.values
    train_s = time.time() - t
    res = dict(side="fastai", seed=a.seed, bs=a.bs, threads=a.threads,
               classes=list(dls.vocab[1]), train_docs=len(dls.train_ds), valid_docs=len(dls.valid_ds),
               epochs=[dict(epoch=i + 1, train_loss=float(v[0]), valid_loss=float(v[1]), accuracy=float(v[2]))
                       for i, v in enumerate(vals)],
               valid_loss=float(vals[-1][1]), accuracy=float(vals[-1][2]),
               data_seconds=round(data_s, 1), train_seconds=round(train_s, 1),
               total_seconds=round(time.time() - T0, 1))
    print(json.dumps(res), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
