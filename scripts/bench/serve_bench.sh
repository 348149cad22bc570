#!/usr/bin/env bash
# `awd-lstm serve` against PyTorch in-process, in one run, on the paper-size
# model (emsize 400, nhid 1150, 3 layers, vocabulary 10,000 words; random
# weights after one training batch on a synthetic Zipf corpus):
#   * HTTP: requests/s and p50/p99 latency of POST /score for one 20-word
#     sentence, first one request at a time (latency), then $CONNECTIONS at once
#     (throughput), from a Python client over loopback (serve_bench.py);
#   * PyTorch: the time scripts/pytorch/awd_lstm.py's model takes, in process,
#     to score the same sentence (forward + log_softmax, the same ids).
# Both on $THREADS threads (default 2). Prints the CPU, then a table.
#
# PyTorch comes from $BENCH_PYTHON (default .venv-bench/bin/python; see pytorch_env.sh).
# Build first: swift build -c release.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/pytorch_env.sh
BIN=.build/release/awd-lstm
THREADS=${THREADS:-2}
REQUESTS=${REQUESTS:-200}
CONNECTIONS=${CONNECTIONS:-4}
SECONDS_LOAD=${SECONDS_LOAD:-10}
work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A corpus in which each of 9,999 words appears: with <eos>, a 10,000-word vocabulary.
"$PY" - "$work/data" <<'PYEOF'
import os, random, sys
d = sys.argv[1]; os.makedirs(d)
rng = random.Random(1)
words = [f"w{i}" for i in range(9999)]
rng.shuffle(words)
lines = lambda ws: "".join(" ".join(ws[i:i + 20]) + "\n" for i in range(0, len(ws), 20))
open(os.path.join(d, "train.txt"), "w").write(lines(words))
for split in ("valid", "test"):
    open(os.path.join(d, f"{split}.txt"), "w").write(lines([rng.choice(words) for _ in range(400)]))
PYEOF
AWDLSTM_THREADS="$THREADS" "$BIN" train --data "$work/data" --save "$work/run" --emsize 400 --nhid 1150 --nlayers 3 \
    --batch-size 20 --bptt 70 --epochs 1 --max-batches 1 >/dev/null 2>"$work/train.log" \
    || { echo "serve_bench: training the model failed:" >&2; tail -3 "$work/train.log" >&2; exit 1; }

"$BIN" serve --checkpoint "$work/run" --port 0 --threads "$THREADS" 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 600); do
    grep -q '^serving on ' "$work/serve.log" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { echo "serve_bench: serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/^serving on \([^ ]*\).*/\1/p' "$work/serve.log" | head -1)

"$PY" scripts/bench/serve_bench.py --url "$url" --run "$work/run" --threads "$THREADS" \
    --requests "$REQUESTS" --connections "$CONNECTIONS" --seconds "$SECONDS_LOAD"
