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
PY=${BENCH_PYTHON:-.venv-bench/bin/python}
BIN=.build/release/awd-lstm
STEPS=${STEPS:-3}
THREADS=${THREADS:-2}
if ! "$PY" -c "import torch" 2>/dev/null; then
    echo "bench: no PyTorch at $PY; create it with: python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors" >&2
    exit 1
fi
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
