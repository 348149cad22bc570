#!/usr/bin/env bash
# A/B throughput of two awd-lstm binaries (say main before and after a refactor)
# on the same machine, runs alternating so that a change in load hits both:
#
#     scripts/bench/ab_compare.sh A_BIN B_BIN [ROUNDS]
#
# Each round runs `bench --json` once per binary and configuration, A then B in
# odd rounds and B then A in even ones. Configurations (V 10,000, bptt 70):
#   lstm  the paper's PTB LSTM (E 400, H 1150, 3 layers), train batch 20, eval batch 10
#   qrnn  the authors' PTB QRNN (E 400, H 1550, 4 layers), train batch 20, eval batch 10
# Prints, per configuration, the mean of each figure over the rounds for A and B,
# the change B against A in percent, and the lowest and highest round of each side:
# train and eval tokens/s, the step's parts (`breakdown`, ms per step or window)
# and the CPU seconds (user + system) of the whole process, which varies less than
# wall time on a loaded machine when THREADS=1.
#
# Environment: ROUNDS (3) if not given as an argument, THREADS (2, the engine's
# threads, AWDLSTM_THREADS), STEPS (2), EVAL_STEPS (10), CONFIGS ("lstm qrnn"),
# BENCH_LOCK (a file: each run holds `flock` on it, so runs of several people on one
# machine do not overlap). One round of both configurations takes about a minute
# on 2 quiet cores of an AMD EPYC (Zen 4), several on a loaded one.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 A_BIN B_BIN [ROUNDS]" >&2
    exit 2
fi
A=$1 B=$2 ROUNDS=${3:-${ROUNDS:-3}}
for bin in "$A" "$B"; do
    [ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 2; }
done
THREADS=${THREADS:-2} STEPS=${STEPS:-2} EVAL_STEPS=${EVAL_STEPS:-10}
CONFIGS=${CONFIGS:-lstm qrnn}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

args_for() {
    case $1 in
        lstm) echo --batch-size 20 --eval-batch-size 10 ;;
        qrnn) echo --model QRNN --emsize 400 --nhid 1550 --nlayers 4 --batch-size 20 --eval-batch-size 10 ;;
        *) echo "$0: unknown configuration $1 (lstm, qrnn)" >&2; return 2 ;;
    esac
}

# run SIDE BIN CONFIG ROUND: one bench run, its JSON and CPU seconds into $out.
run() {
    local side=$1 bin=$2 config=$3 round=$4 args
    args=$(args_for "$config")
    local cmd=(env AWDLSTM_THREADS="$THREADS" "$bin" bench $args --steps "$STEPS" --eval-steps "$EVAL_STEPS" --json)
    if [ -n "${BENCH_LOCK:-}" ]; then cmd=(flock "$BENCH_LOCK" "${cmd[@]}"); fi
    local TIMEFORMAT='%U %S'
    { time "${cmd[@]}" > "$out/$config.$side.$round.json" 2>/dev/null; } 2> "$out/$config.$side.$round.cpu"
}

echo "A: $A"
echo "B: $B"
echo "threads $THREADS, steps $STEPS, eval steps $EVAL_STEPS, rounds $ROUNDS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
for round in $(seq "$ROUNDS"); do
    for config in $CONFIGS; do
        if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
        for side in $order; do
            if [ "$side" = A ]; then run A "$A" "$config" "$round"; else run B "$B" "$config" "$round"; fi
        done
    done
    echo "round $round done; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" >&2
done

python3 - "$out" "$ROUNDS" $CONFIGS <<'PYEOF'
import json, os, sys
out, rounds, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def figures(config, side, r):
    d = json.load(open(os.path.join(out, f"{config}.{side}.{r}.json")))
    user, system = map(float, open(os.path.join(out, f"{config}.{side}.{r}.cpu")).read().split()[-2:])
    f = {"train tokens/s": d["train_tokens_per_s"], "eval tokens/s": d["eval_tokens_per_s"]}
    for part, key in (("embedding", "embedding_ms"), ("recurrent forward", "lstm_forward_ms"),
                      ("  of which recurrence", "recurrence_ms"), ("recurrent backward", "lstm_backward_ms"),
                      ("criterion", "softmax_ms"), ("optimizer", "optimizer_ms")):
        f["train " + part + ", ms"] = d["breakdown"][key]
    for part, key in (("recurrent forward", "lstm_forward_ms"), ("  of which recurrence", "recurrence_ms"),
                      ("criterion", "softmax_ms")):
        f["eval " + part + ", ms"] = d["eval_breakdown"][key]
    f["process CPU, s"] = user + system
    return f

for config in configs:
    runs = {s: [figures(config, s, r) for r in range(1, rounds + 1)] for s in "AB"}
    print(f"\n{config}: mean over {rounds} rounds (lowest..highest)")
    print(f"{'':32} {'A':>9} {'B':>9} {'change':>8}   {'A range':>17} {'B range':>17}")
    for key in runs["A"][0]:
        a = [f[key] for f in runs["A"]]; b = [f[key] for f in runs["B"]]
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        change = f"{(mb - ma) / ma:+8.1%}" if ma else f"{'':8}"
        print(f"{key:32} {ma:9.1f} {mb:9.1f} {change}   {min(a):8.1f}..{max(a):<8.1f} {min(b):8.1f}..{max(b):<8.1f}")
PYEOF
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
