#!/usr/bin/env bash
# QRNN against PyTorch and against the LSTM, on the same CPU, in one run: the
# authors' PTB QRNN (--model QRNN, E 400, H 1550, 4 layers) and the paper's PTB
# LSTM (E 400, H 1150, 3 layers), V 10,000, bptt 70, trained at batch 20 and
# evaluated at batch 10, Swift and PyTorch each on $THREADS threads (default 2).
# PyTorch has no CPU QRNN kernel: scripts/bench/pytorch_reference.py runs the
# QRNN of scripts/pytorch/awd_lstm.py, whose pooling is a PyTorch time loop.
# Prints tokens/s, the Swift/PyTorch ratio, the share of the sgemm ceiling and
# the QRNN/LSTM throughput ratio of each program.
#
# PyTorch comes from $BENCH_PYTHON (default .venv-bench/bin/python), as for compare.sh.
# Both programs run with the environment as it is (a pinned OPENBLAS_CORETYPE is obeyed).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/pytorch_env.sh
BIN=.build/release/awd-lstm
STEPS=${STEPS:-3}
EVAL_STEPS=${EVAL_STEPS:-10}
THREADS=${THREADS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(--batch-size 20 --eval-batch-size 10 --steps "$STEPS" --eval-steps "$EVAL_STEPS")
for model in QRNN LSTM; do
    if [ "$model" = QRNN ]; then sizes=(--emsize 400 --nhid 1550 --nlayers 4); else sizes=(--emsize 400 --nhid 1150 --nlayers 3); fi
    env AWDLSTM_THREADS="$THREADS" "$BIN" bench --model "$model" "${sizes[@]}" "${common[@]}" --json > "$out/swift-$model.json" 2>/dev/null
    "$PY" scripts/bench/pytorch_reference.py --model "$model" "${sizes[@]}" "${common[@]}" --threads "$THREADS" --json > "$out/torch-$model.json" 2>/dev/null
done
"$PY" - "$out" <<'PYEOF'
import json, sys, os
d = sys.argv[1]
load = lambda n: json.load(open(os.path.join(d, n)))
s, t = {m: load(f"swift-{m}.json") for m in ("QRNN", "LSTM")}, {m: load(f"torch-{m}.json") for m in ("QRNN", "LSTM")}
print(f"sgemm ceiling here: {s['QRNN']['sgemm_gflops']:.0f} GFLOP/s; MFLOP per trained token: "
      f"QRNN {s['QRNN']['train_flops_per_token']/1e6:.0f}, LSTM {s['LSTM']['train_flops_per_token']/1e6:.0f}")
print(f"{'':26} {'Swift':>9} {'PyTorch':>9} {'ratio':>7} {'of sgemm':>9}")
for m in ("QRNN", "LSTM"):
    for kind, key, frac in (("train, batch 20", "train_tokens_per_s", "fraction_of_sgemm"),
                            ("eval, batch 10", "eval_tokens_per_s", "eval_fraction_of_sgemm")):
        a, b = s[m][key], t[m][key]
        print(f"{m + ' ' + kind:26} {a:9.0f} {b:9.0f} {a / b:7.2f} {s[m][frac]:9.0%}")
for kind, key in (("train", "train_tokens_per_s"), ("eval", "eval_tokens_per_s")):
    print(f"QRNN / LSTM tokens/s, {kind}: Swift {s['QRNN'][key] / s['LSTM'][key]:.2f}, "
          f"PyTorch {t['QRNN'][key] / t['LSTM'][key]:.2f}")
PYEOF
