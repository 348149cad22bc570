#!/usr/bin/env python3
"""Client half of serve_bench.sh: times POST /score of one 20-word sentence
against a running `awd-lstm serve`, and PyTorch scoring the same sentence in
process with scripts/pytorch/awd_lstm.py; prints one table.

    serve_bench.py --url http://127.0.0.1:PORT --run RUN_FOLDER [--threads 2]
                   [--requests 200] [--connections 4] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pytorch"))


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def post(conn: http.client.HTTPConnection, body: bytes) -> dict:
    conn.request("POST", "/score", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"/score answered {r.status}: {data[:200]!r}")
    return json.loads(data)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--seconds", type=float, default=10)
    a = p.parse_args()

    import torch
    import awd_lstm

    torch.set_num_threads(a.threads)
    model, vocab, _ = awd_lstm.load_run(a.run)
    rng = random.Random(20)
    # 20 words of the vocabulary (none of them <eos>), as one line of text.
    words = [vocab[rng.randrange(1, len(vocab))] for _ in range(20)]
    words = [w if w != "<eos>" else vocab[1] for w in words]
    sentence = " ".join(words)
    body = json.dumps({"text": sentence}).encode()
    u = urlparse(a.url)

    # HTTP, one request at a time: latency.
    conn = http.client.HTTPConnection(u.hostname, u.port)
    reply = post(conn, body)
    for _ in range(10):
        post(conn, body)
    latencies = []
    for _ in range(a.requests):
        t0 = time.perf_counter()
        post(conn, body)
        latencies.append(time.perf_counter() - t0)
    conn.close()

    # HTTP, `connections` clients at once for `seconds`: throughput and latency under load.
    stop = time.perf_counter() + a.seconds
    loaded: list = []
    lock = threading.Lock()

    def client():
        c = http.client.HTTPConnection(u.hostname, u.port)
        mine = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            post(c, body)
            mine.append(time.perf_counter() - t0)
        c.close()
        with lock:
            loaded.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start

    # PyTorch in process: the same ids (<eos> first), forward + log_softmax.
    index = {w: i for i, w in enumerate(vocab)}
    ids = [index["<eos>"]] + [index[w] for w in words]
    x = torch.tensor(ids[:-1], dtype=torch.long).view(-1, 1)
    y = torch.tensor(ids[1:], dtype=torch.long)

    def score():
        with torch.no_grad():
            logits, _ = model(x, model.init_hidden(1))
            return torch.log_softmax(logits.view(len(ids) - 1, -1), -1).gather(1, y.view(-1, 1)).view(-1)

    for _ in range(10):
        logp = score()
    torch_times = []
    for _ in range(a.requests):
        t0 = time.perf_counter()
        score()
        torch_times.append(time.perf_counter() - t0)

    diff = max(abs(float(a_) - b) for a_, b in zip(logp.tolist(), reply["log_probabilities"]))
    ms = lambda s: f"{s * 1000:8.2f}"
    print(f"CPU: {cpu_name()}; {os.cpu_count()} logical CPUs; threads {a.threads}; torch {torch.__version__}")
    print(f"sentence: 20 words, {len(reply['tokens'])} tokens scored; |log p (serve) - log p (PyTorch)| max {diff:.2e}")
    print(f"{'measure':44s} {'p50 ms':>8s} {'p99 ms':>8s} {'req/s':>8s}")
    print(f"{'serve /score, 1 connection (' + str(a.requests) + ' requests)':44s} {ms(statistics.median(latencies))} "
          f"{ms(percentile(latencies, 99))} {len(latencies) / sum(latencies):8.1f}")
    print(f"{'serve /score, ' + str(a.connections) + ' connections (' + str(len(loaded)) + ' requests)':44s} "
          f"{ms(statistics.median(loaded))} {ms(percentile(loaded, 99))} {len(loaded) / elapsed:8.1f}")
    print(f"{'PyTorch in process (' + str(a.requests) + ' scorings)':44s} {ms(statistics.median(torch_times))} "
          f"{ms(percentile(torch_times, 99))} {len(torch_times) / sum(torch_times):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
