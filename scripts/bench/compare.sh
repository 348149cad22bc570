#!/usr/bin/env bash
# Swift vs PyTorch on the same CPU, in one run: the paper model (E 400, H 1150,
# 3 layers, V 10,000, bptt 70) trained at batch 80 and 20, evaluated at batch 10 and 1,
# both on $THREADS threads (default 2).
# Prints the CPU and the BLAS core the Swift side used, then a table of tokens/s,
# the Swift/PyTorch ratio and the fraction of the GEMM ceiling.
#
# PyTorch comes from $BENCH_PYTHON (default .venv-bench/bin/python), made with
#   python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors
# Both programs run with the environment as it is: a pinned OPENBLAS_CORETYPE is
# obeyed (PyTorch uses MKL and is unaffected).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/pytorch_env.sh
BIN=.build/release/awd-lstm
STEPS=${STEPS:-3}
THREADS=${THREADS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for cfg in "80 10" "20 1"; do
    set -- $cfg
    AWDLSTM_THREADS="$THREADS" "$BIN" bench --batch-size "$1" --eval-batch-size "$2" --steps "$STEPS" --eval-steps 20 --json > "$out/swift-$1.json" 2>/dev/null
    "$PY" scripts/bench/pytorch_reference.py --batch-size "$1" --eval-batch-size "$2" --steps "$STEPS" --eval-steps 20 --threads "$THREADS" --json > "$out/torch-$1.json" 2>/dev/null
done
"$PY" - "$out" <<'PYEOF'
import json, sys, os
d = sys.argv[1]
load = lambda n: json.load(open(os.path.join(d, n)))
rows = []
for b, eb in ((80, 10), (20, 1)):
    s, t = load(f"swift-{b}.json"), load(f"torch-{b}.json")
    frac = s["fraction_of_sgemm"]
    rows.append((f"train, batch {b}", s["train_tokens_per_s"], t["train_tokens_per_s"], f"{frac:.0%}"))
    rows.append((f"eval, batch {eb}", s["eval_tokens_per_s"], t["eval_tokens_per_s"], f"{s['eval_fraction_of_sgemm']:.0%}"))
    rows.append((f"peak RSS (train {b}), MiB", s["peak_rss_bytes"] / 2**20, t["peak_rss_bytes"] / 2**20, ""))
s80 = load("swift-80.json")
cpu = {}
if os.path.exists("/proc/cpuinfo"):
    for line in open("/proc/cpuinfo"):
        k, _, v = line.partition(":")
        cpu.setdefault(k.strip(), v.strip())
print(f"CPU: {cpu.get('model name', '?')} (family {cpu.get('cpu family', '?')} model {cpu.get('model', '?')}); "
      f"{' '.join(s80['cpu_features'])}")
print(f"BLAS (Swift): {s80['blas_library']} {s80['blas_version']}, core {s80['blas_core']} ({s80['blas_selection']})")
print(f"sgemm ceiling here: {s80['sgemm_gflops']:.0f} GFLOP/s; {s80['train_flops_per_token']/1e6:.0f} MFLOP per trained token")
print(f"{'':28} {'Swift':>10} {'PyTorch':>10} {'ratio':>7} {'of sgemm':>9}")
for name, a, b, f in rows:
    print(f"{name:28} {a:10.0f} {b:10.0f} {a/b:7.2f} {f:>9}")
PYEOF

# Large vocabulary (LARGE_VOCAB=0 skips it): the paper's LSTM sizes on a
# WikiText-103-sized vocabulary of 267,735 words, tokens from Zipf's law
# (exponent 1, id = rank), batch 80 / eval batch 10, the authors' default splits
# 2800,20000,76000 on both sides (PyTorch: their split cross-entropy as
# splitcross.py computes it). The full softmax is timed on the Swift side only:
# PyTorch's [5600, 267735] logits, their log-softmax and gradient need about
# 18 GB. LV_STEPS timed steps after one warm-up step.
if [ "${LARGE_VOCAB:-1}" != 0 ]; then
    LV_STEPS=${LV_STEPS:-2}
    lv=(--vocab 267735 --zipf 1 --batch-size 80 --eval-batch-size 10 --steps "$LV_STEPS" --eval-steps 3)
    AWDLSTM_THREADS="$THREADS" "$BIN" bench "${lv[@]}" --json > "$out/swift-lv.json" 2>/dev/null
    "$PY" scripts/bench/pytorch_reference.py "${lv[@]}" --threads "$THREADS" --json > "$out/torch-lv.json" 2>/dev/null
    AWDLSTM_THREADS="$THREADS" "$BIN" bench "${lv[@]}" --splits none --json > "$out/swift-lv-full.json" 2>/dev/null
    "$PY" - "$out" <<'PYEOF'
import json, sys, os
d = sys.argv[1]
load = lambda n: json.load(open(os.path.join(d, n)))
s, t, f = load("swift-lv.json"), load("torch-lv.json"), load("swift-lv-full.json")
print(f"\nV 267,735 (Zipf tokens), splits {','.join(map(str, s['splits']))}; Swift full softmax for comparison")
print(f"{'':34} {'Swift':>10} {'PyTorch':>10} {'ratio':>7}")
print(f"{'train, batch 80, split':34} {s['train_tokens_per_s']:10.0f} {t['train_tokens_per_s']:10.0f} {s['train_tokens_per_s'] / t['train_tokens_per_s']:7.2f}")
print(f"{'eval, batch 10, split':34} {s['eval_tokens_per_s']:10.0f} {t['eval_tokens_per_s']:10.0f} {s['eval_tokens_per_s'] / t['eval_tokens_per_s']:7.2f}")
print(f"{'peak RSS (split), MiB':34} {s['peak_rss_bytes'] / 2**20:10.0f} {t['peak_rss_bytes'] / 2**20:10.0f}")
print(f"{'split loss share of the step':34} {s['softmax_share']:10.0%}")
print(f"{'train, batch 80, full softmax':34} {f['train_tokens_per_s']:10.0f}")
print(f"{'eval, batch 10, full softmax':34} {f['eval_tokens_per_s']:10.0f}")
print(f"{'full softmax share of the step':34} {f['softmax_share']:10.0%}")
print(f"{'peak RSS (full softmax), MiB':34} {f['peak_rss_bytes'] / 2**20:10.0f}")
PYEOF
fi
