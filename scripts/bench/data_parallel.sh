#!/usr/bin/env bash
# Data parallelism on this machine: the paper model (E 400, H 1150, 3 layers,
# V 10,000, bptt 70) trained at batch 80 by `mpirun -np $RANKS` with one thread
# per rank, against one process with $RANKS threads, in one run.
# Prints tokens/s of both, their ratio and the allreduce's share of the step.
# Needs Open MPI's mpirun (Debian: openmpi-bin); as root, Open MPI also needs
# OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/awd-lstm
STEPS=${STEPS:-3}
RANKS=${RANKS:-2}
BATCH=${BATCH:-80}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(bench --batch-size "$BATCH" --steps "$STEPS" --eval-steps 5 --json)
AWDLSTM_THREADS="$RANKS" "$BIN" "${args[@]}" > "$out/one.json" 2>/dev/null
mpirun --oversubscribe -np "$RANKS" -x AWDLSTM_THREADS=1 "$BIN" "${args[@]}" > "$out/ranks.json" 2>/dev/null
python3 - "$out" <<'PYEOF'
import json, sys, os
one, ranks = (json.load(open(os.path.join(sys.argv[1], f))) for f in ("one.json", "ranks.json"))
n, b = ranks["ranks"], ranks["batch_size"]
print(f"paper model, batch {b}, {ranks['parameters']:,} parameters ({4 * ranks['parameters'] / 1e6:.1f} MB of gradients per step)")
print(f"{'':34} {'train tok/s':>12} {'ms/step':>9} {'eval tok/s':>11}")
print(f"{'1 process, ' + str(one['threads']) + ' threads':34} {one['train_tokens_per_s']:12.0f} {one['train_ms_per_step']:9.0f} {one['eval_tokens_per_s']:11.0f}")
print(f"{f'mpirun -np {n}, 1 thread per rank':34} {ranks['train_tokens_per_s']:12.0f} {ranks['train_ms_per_step']:9.0f} {ranks['eval_tokens_per_s']:11.0f}")
ar = ranks["breakdown"]["allreduce_ms"]
print(f"ratio (ranks / one process): train {ranks['train_tokens_per_s'] / one['train_tokens_per_s']:.2f}, eval {ranks['eval_tokens_per_s'] / one['eval_tokens_per_s']:.2f}")
print(f"allreduce: {ar:.1f} ms per step, {100 * ar / ranks['train_ms_per_step']:.1f} % of the step")
PYEOF
