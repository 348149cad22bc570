#!/usr/bin/env python3
"""A text classifier moving between awd-lstm and fastai 2.8, both ways.

    fastai_classifier_interop.py predict RUN_DIR TEXTS_FILE
        Builds fastai's classifier (`get_text_classifier(AWD_LSTM, ...)`) with the
        sizes of RUN_DIR/config.json (written by `awd-lstm classify train`), loads
        RUN_DIR/model.safetensors with `load_state_dict(strict=True)` and prints,
        as JSON, the class probabilities of each line of TEXTS_FILE: fastai's
        tokenizer, numericalised with RUN_DIR/vocab.txt, one batch sorted longest
        first and padded with fastai's `pad_input_chunk`, eval mode.

    fastai_classifier_interop.py export OUT_DIR TEXTS_FILE
        Writes a fastai classifier with random weights (seeded; vocabulary of the
        special tokens and the words of TEXTS_FILE; 3 classes; emb_sz 8, n_hid 12,
        2 layers, lin_ftrs [6], seq_len 5, max_len 20) as OUT_DIR/model.safetensors
        (its state_dict), OUT_DIR/vocab.txt, and prints the probabilities of each
        line of TEXTS_FILE computed by fastai as above.

The Swift test `FastaiClassifierInteropTests` runs both.
"""

import json
import sys

import torch
from safetensors.torch import load_file, save_file
from fastai.text.all import AWD_LSTM, Tokenizer, WordTokenizer, get_text_classifier, pad_input_chunk


def probabilities(model, vocab, texts, bptt, pad):
    tok = Tokenizer(WordTokenizer())
    index = {w: i for i, w in enumerate(vocab)}
    ids = [[index.get(t, 0) for t in tok(text)] for text in texts]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
    samples = [(torch.tensor(ids[i]),) for i in order]
    batch = torch.stack([s[0] for s in pad_input_chunk(samples, pad_idx=pad, seq_len=bptt)])
    model.eval()
    with torch.no_grad():
        p = torch.softmax(model(batch)[0], dim=-1)
    out = [None] * len(ids)
    for row, i in enumerate(order):
        out[i] = p[row].tolist()
    return out


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def predict(run_dir, texts_file):
    config = json.load(open(f"{run_dir}/config.json"))["classifier"]
    enc = config["encoder"]
    vocab = read_lines(f"{run_dir}/vocab.txt")
    model = get_text_classifier(
        AWD_LSTM, enc["vocab_size"], len(config["classes"]), seq_len=config["bptt"],
        config=dict(emb_sz=enc["emsize"], n_hid=enc["nhid"], n_layers=enc["nlayers"], output_p=config["ps"][0]),
        lin_ftrs=config["lin_ftrs"], ps=config["ps"][1:], max_len=config["max_len"],
        pad_idx=config["pad_idx"])
    # output_p (the first head dropout) decides whether fastai builds the first
    # block's Dropout module, which shifts the saved names; the others are eval-mode no-ops.
    model.load_state_dict(load_file(f"{run_dir}/model.safetensors"), strict=True)
    print(json.dumps(probabilities(model, vocab, read_lines(texts_file), config["bptt"], config["pad_idx"])))


def export(out_dir, texts_file):
    from fastai.text.all import defaults
    torch.manual_seed(7)
    texts = read_lines(texts_file)
    tok = Tokenizer(WordTokenizer())
    words = sorted({t for text in texts for t in tok(text)} - set(defaults.text_spec_tok))
    vocab = list(defaults.text_spec_tok) + words
    model = get_text_classifier(AWD_LSTM, len(vocab), 3, seq_len=5, config=dict(emb_sz=8, n_hid=12, n_layers=2),
                                drop_mult=0.5, lin_ftrs=[6], max_len=20)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * 0.5)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
                m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "0.module.encoder_dp.emb.weight"}
    save_file(state, f"{out_dir}/model.safetensors")
    with open(f"{out_dir}/vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    print(json.dumps(probabilities(model, vocab, texts, 5, 1)))


if __name__ == "__main__":
    {"predict": predict, "export": export}[sys.argv[1]](*sys.argv[2:])
