"""Tests for scripts/pytorch/awd_lstm.py (the PyTorch loader for Swift run folders).

Run with `python -m pytest Tests/pytorch` or `python Tests/pytorch/test_awd_lstm.py`.
Skipped when torch or safetensors cannot be imported.  Tiny models only; a
few seconds on one CPU core.
"""

import contextlib
import io
import json
import math
import os
import sys
import tempfile
import unittest

try:
    import torch
    import torch.nn.functional as F
    import safetensors.torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_TORCH = False

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pytorch"))

if HAVE_TORCH:
    import awd_lstm

V, E, H, L = 23, 6, 10, 3
CONFIG = {
    "vocab_size": V, "emsize": E, "nhid": H, "nlayers": L,
    "dropout": 0.4, "dropouth": 0.3, "dropouti": 0.5, "dropoute": 0.1, "wdrop": 0.5,
    "bptt": 5, "tied": True, "data": "unused", "lr": 30, "batch_size": 4,
}
VOCAB = ["<eos>", "<unk>", "the", "a", "N"] + [f"w{i}" for i in range(V - 5)]


def tiny_model(seed=0):
    torch.manual_seed(seed)
    model = awd_lstm.model_from_config(CONFIG)
    with torch.no_grad():  # non-zero decoder bias, so it is checked too
        model.decoder.bias.uniform_(-0.5, 0.5)
    return model.eval()


def write_run(folder, model, config=CONFIG, vocab=VOCAB):
    """A run folder as `awd-lstm train` writes it (the files awd_lstm.load_run reads)."""
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("".join(w + "\n" for w in vocab))
    # clone(): the tied encoder/decoder weights share memory, which safetensors refuses.
    state = {k: v.clone().contiguous() for k, v in model.state_dict().items()}
    safetensors.torch.save_file(state, os.path.join(folder, "model.safetensors"))


def random_hidden(bsz, generator):
    return [(torch.randn(1, bsz, s, generator=generator), torch.randn(1, bsz, s, generator=generator))
            for s in [H] * (L - 1) + [E]]


def reference_logits(state, inputs, hidden):
    """Eval-mode forward written out by hand: gate order i, f, g, o; tied decoder."""
    x = F.embedding(inputs, state["encoder.weight"])
    for l in range(L):
        p = f"rnns.{l}.module."
        w_ih, w_hh = state[p + "weight_ih_l0"], state[p + "weight_hh_l0_raw"]
        b = state[p + "bias_ih_l0"] + state[p + "bias_hh_l0"]
        h, c = hidden[l][0][0], hidden[l][1][0]
        outs = []
        for t in range(x.size(0)):
            i, f, g, o = (x[t] @ w_ih.t() + h @ w_hh.t() + b).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        x = torch.stack(outs)
    return x @ state["encoder.weight"].t() + state["decoder.bias"]


@unittest.skipUnless(HAVE_TORCH, "torch and safetensors are needed")
class AWDLSTMTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)

    def test_state_dict_names_and_shapes(self):
        shapes = {k: tuple(v.shape) for k, v in tiny_model().state_dict().items()}
        expected = {"encoder.weight": (V, E), "decoder.weight": (V, E), "decoder.bias": (V,)}
        for l in range(L):
            inp, hid = (E if l == 0 else H), (E if l == L - 1 else H)
            p = f"rnns.{l}.module."
            expected.update({p + "weight_ih_l0": (4 * hid, inp), p + "weight_hh_l0_raw": (4 * hid, hid),
                             p + "bias_ih_l0": (4 * hid,), p + "bias_hh_l0": (4 * hid,)})
        self.assertEqual(shapes, expected)

    def test_split_model(self):
        """config.json's splits give the criterion's tensors; the log-probabilities are
        those of the reference fixture and sum to one."""
        fixture = safetensors.torch.load_file(os.path.join(ROOT, "Tests", "Fixtures", "split_masks.safetensors"))
        v, e = fixture["encoder.weight"].shape
        config = dict(CONFIG, vocab_size=v, emsize=e, splits=[10, 18, 27])
        model = awd_lstm.model_from_config(config)
        shapes = {k: tuple(t.shape) for k, t in model.state_dict().items() if k.startswith("criterion.")}
        self.assertEqual(shapes, {"criterion.tail_vectors": (3, e), "criterion.tail_bias": (3,)})
        crit = model.criterion
        with torch.no_grad():
            crit.tail_vectors.copy_(fixture["criterion.tail_vectors"])
            crit.tail_bias.copy_(fixture["criterion.tail_bias"])
            got = crit.log_probs(fixture["encoder.weight"], fixture["decoder.bias"],
                                 fixture["expected.output"].reshape(-1, e))
        self.assertLess((got - fixture["expected.logprob"]).abs().max().item(), 1e-5)
        self.assertTrue(torch.allclose(got.exp().sum(-1), torch.ones(got.size(0)), atol=1e-5))
        # The training loss, restricted to each target's clusters, is the mean -log p of the targets.
        targets = fixture["target"].long().reshape(-1)
        with torch.no_grad():
            loss = crit.cross_entropy(fixture["encoder.weight"], fixture["decoder.bias"],
                                      fixture["expected.output"].reshape(-1, e), targets)
        self.assertAlmostEqual(loss.item(), F.nll_loss(got, targets).item(), places=5)

    def test_qrnn_state_dict_names_and_carry(self):
        """The authors' QRNN names; the previous input and the cell carry across calls until reset()."""
        config = dict(CONFIG, model="QRNN")
        torch.manual_seed(0)
        model = awd_lstm.model_from_config(config).eval()
        shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        expected = {"encoder.weight": (V, E), "decoder.weight": (V, E), "decoder.bias": (V,)}
        for l in range(L):
            inp, hid = (E if l == 0 else H), (E if l == L - 1 else H)
            p = f"rnns.{l}.linear.module."
            expected.update({p + "weight_raw": (3 * hid, (2 if l == 0 else 1) * inp), p + "bias": (3 * hid,)})
        self.assertEqual(shapes, expected)
        g = torch.Generator().manual_seed(3)
        inputs = torch.randint(0, V, (6, 2), generator=g)
        with torch.no_grad():
            whole, _ = model(inputs, model.init_hidden(2))
            model.reset()
            first, hidden = model(inputs[:4], model.init_hidden(2))
            second, _ = model(inputs[4:], hidden)
            model.reset()
            fresh, _ = model(inputs[4:], hidden)
        torch.testing.assert_close(torch.cat([first, second]), whole, rtol=1e-6, atol=1e-6)
        self.assertFalse(torch.allclose(fresh, second))
        with tempfile.TemporaryDirectory() as folder:
            write_run(folder, model, config=config)
            loaded, _, _ = awd_lstm.load_run(folder)
        self.assertEqual(loaded.rnn_type, "QRNN")

    def test_round_trip_through_run_folder(self):
        model = tiny_model()
        g = torch.Generator().manual_seed(1)
        inputs = torch.randint(0, V, (7, 3), generator=g)
        hidden = random_hidden(3, g)
        with torch.no_grad():
            want, want_hidden = model(inputs, hidden)
        with tempfile.TemporaryDirectory() as folder:
            write_run(folder, model)
            loaded, vocab, config = awd_lstm.load_run(folder)
        self.assertEqual(vocab, VOCAB)
        self.assertEqual(config, CONFIG)
        self.assertFalse(loaded.training)
        self.assertIs(loaded.decoder.weight, loaded.encoder.weight)
        with torch.no_grad():
            got, got_hidden = loaded(inputs, hidden)
        self.assertTrue(torch.equal(got, want))
        for (gh, gc), (wh, wc) in zip(got_hidden, want_hidden):
            self.assertTrue(torch.equal(gh, wh) and torch.equal(gc, wc))

    def test_eval_forward_matches_hand_written_lstm(self):
        model = tiny_model()
        g = torch.Generator().manual_seed(2)
        inputs = torch.randint(0, V, (4, 2), generator=g)
        hidden = random_hidden(2, g)
        with torch.no_grad():
            got, _ = model(inputs, hidden)
            want = reference_logits(model.state_dict(), inputs, hidden)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)

    def test_training_mode_drops_and_keeps_names(self):
        model = tiny_model()
        keys = list(model.state_dict().keys())
        inputs = torch.randint(0, V, (5, 4), generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            clean, _ = model(inputs, model.init_hidden(4))
        model.train()
        noisy, _ = model(inputs, model.init_hidden(4))
        self.assertFalse(torch.allclose(noisy, clean))
        noisy.sum().backward()
        self.assertGreater(model.rnns[0].module.weight_hh_l0_raw.grad.abs().sum().item(), 0)
        self.assertEqual(list(model.state_dict().keys()), keys)
        model.eval()
        with torch.no_grad():
            again, _ = model(inputs, model.init_hidden(4))
        self.assertTrue(torch.equal(again, clean))

    def test_corpus_rules(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "valid.txt"), "w") as f:
                f.write(" the  a\tN \n\nw0 w1\n")
            ids = awd_lstm.load_corpus(folder, VOCAB, "valid").tolist()
            self.assertEqual([VOCAB[i] for i in ids],
                             ["the", "a", "N", "<eos>", "<eos>", "w0", "w1", "<eos>"])
            with open(os.path.join(folder, "wiki.test.tokens"), "w") as f:
                f.write("the zebra\n")
            with self.assertRaises(ValueError):
                awd_lstm.load_corpus(folder, VOCAB, "test")

    def test_evaluate_normalisation(self):
        """Windowed evaluation == one pass over all rows, summed per column, / rows."""
        model = tiny_model()
        tokens = torch.randint(0, V, (103,), generator=torch.Generator().manual_seed(4))
        bsz, bptt = 4, 6
        rows = 103 // bsz  # the tail of 3 tokens is dropped
        data = tokens[:rows * bsz].view(bsz, rows).t()
        with torch.no_grad():
            logits, _ = model(data[:-1], model.init_hidden(bsz))
            total = F.cross_entropy(logits.reshape(-1, V), data[1:].reshape(-1), reduction="sum").item()
        want = total / bsz / rows
        self.assertAlmostEqual(awd_lstm.evaluate(model, tokens, bsz, bptt), want, places=5)

    def test_cli_json(self):
        model = tiny_model()
        with tempfile.TemporaryDirectory() as run, tempfile.TemporaryDirectory() as data:
            write_run(run, model)
            with open(os.path.join(data, "valid.txt"), "w") as f:
                f.write("the a N w1 w2\nw3 the w4\n" * 6)
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                awd_lstm.main(["--checkpoint", run, "--data", data, "--split", "valid",
                               "--batch-size", "2", "--threads", "1", "--json"])
            result = json.loads(out.getvalue())
            loss = awd_lstm.evaluate(model, awd_lstm.load_corpus(data, VOCAB, "valid"), 2, CONFIG["bptt"])
        self.assertEqual(set(result), {"loss", "ppl", "bpc", "tokens"})
        self.assertEqual(result["tokens"], 60)
        self.assertAlmostEqual(result["loss"], loss, places=10)
        self.assertAlmostEqual(result["ppl"], math.exp(loss), places=6)
        self.assertAlmostEqual(result["bpc"], loss / math.log(2), places=10)


if __name__ == "__main__":
    unittest.main()
