#!/usr/bin/env bash
# BLAS libraries and cores on the model's own products: `awd-lstm bench
# --gemm-shapes` (every GEMM of one training step of the paper model, timed shape
# by shape) under each configuration, ROUNDS times in turn, best round kept.
# Prints, per configuration, the BLAS time of a training step and the rate on
# the largest shapes.
#
# Configurations: OpenBLAS as it loads, OpenBLAS with its AVX2 kernels
# (OPENBLAS_CORETYPE=Haswell: an AVX2-only machine as far as the BLAS goes),
# and, when given, BLIS=/path/libblis.so.4 and MKL=/path/libmkl_rt.so.N, the
# latter also with MKL_ENABLE_INSTRUCTIONS=AVX2. For example, with Debian's BLIS
# unpacked and oneMKL from PyPI in a scratch venv:
#   apt-get download libblis4-pthread && dpkg -x libblis4-pthread_*.deb /tmp/blis
#   python3 -m venv /tmp/mkl && /tmp/mkl/bin/pip install mkl
#   BLIS=/tmp/blis/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4 \
#   MKL=/tmp/mkl/lib/libmkl_rt.so.3 scripts/bench/blas_compare.sh
# BATCH (default 80), ROUNDS (default 3), THREADS (default 2) and REPEATS (calls
# per shape, fastest kept; default 3) can be set. On a busy machine, small
# products timed many times show the kernels best:
#   THREADS=1 BATCH=4 REPEATS=40 ROUNDS=1 scripts/bench/blas_compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/awd-lstm
BATCH=${BATCH:-80}
ROUNDS=${ROUNDS:-3}
REPEATS=${REPEATS:-3}
export AWDLSTM_THREADS=${THREADS:-2}
configs=("OpenBLAS|" "OpenBLAS Haswell (AVX2)|OPENBLAS_CORETYPE=Haswell")
if [ -n "${BLIS:-}" ]; then configs+=("BLIS|AWDLSTM_BLAS_LIBRARY=$BLIS"); fi
if [ -n "${MKL:-}" ]; then
    configs+=("MKL|AWDLSTM_BLAS_LIBRARY=$MKL" "MKL AVX2|AWDLSTM_BLAS_LIBRARY=$MKL MKL_ENABLE_INSTRUCTIONS=AVX2")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$ROUNDS"); do
    for i in "${!configs[@]}"; do
        vars=${configs[$i]#*|}
        env $vars "$BIN" bench --gemm-shapes --batch-size "$BATCH" --repeats "$REPEATS" --json > "$out/$i-$r.json" 2>/dev/null
    done
done
python3 - "$out" "$ROUNDS" "${configs[@]}" <<'PYEOF'
import json, sys, os
d, rounds, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{'':26} {'core':>12} {'BLAS ms/step':>13} {'worst round':>12} {'GFLOP/s, big shapes':>20}")
for i, c in enumerate(configs):
    runs = [json.load(open(os.path.join(d, f"{i}-{r}.json"))) for r in range(1, rounds + 1)]
    best = min(runs, key=lambda x: x["blas_ms_per_step"])
    big = [s for s in best["shapes"] if s["calls_per_step"] == 1]
    flops = sum(2 * s["m"] * s["n"] * s["k"] for s in big)
    rate = flops / (sum(s["ms"] for s in big) / 1e3) / 1e9
    b = best["blas"]
    print(f"{c.split('|')[0]:26} {b['core']:>12} {best['blas_ms_per_step']:13.1f} "
          f"{max(x['blas_ms_per_step'] for x in runs):12.1f} {rate:20.0f}")
print(f"CPU {b['architecture']}: {' '.join(b['cpu_features'])}; {b['threads']} threads")
PYEOF
