#!/usr/bin/env bash
# PTB characters under a fixed wall-clock budget, QRNN against LSTM: the authors'
# PTB-character command (3 layers, E 200, H 1000, Adam 2e-3, bptt 150, batch 128),
# once with the LSTM and once with --model QRNN (the same flags: the authors give
# no character recipe for the QRNN), each stopped after MINUTES of training
# (default 20; the running epoch is then validated), then tested at batch 1.
# Prints the validation and test bits per character of each.
#   scripts/demo/char_budget.sh [MINUTES] [DATA_DIR] [RUN_PREFIX]
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-20}
DATA=${2:-${AWDLSTM_DATA:-../shared/data}/ptb-char}
RUN=${3:-runs/ptb-char-budget}
BIN=.build/release/awd-lstm
swift build -c release >/dev/null
RECIPE=(--epochs 500 --nlayers 3 --emsize 200 --nhid 1000 --alpha 0 --beta 0 --dropoute 0 --dropouth 0.25
        --dropouti 0.1 --dropout 0.1 --wdrop 0.5 --wdecay 1.2e-6 --bptt 150 --batch-size 128 --optimizer adam
        --lr 2e-3 --when 300 400)
for model in LSTM QRNN; do
    rm -rf "$RUN-$model"
    start=$(date +%s)
    $BIN train --data "$DATA" --model "$model" "${RECIPE[@]}" --max-minutes "$MINUTES" --save "$RUN-$model" --json \
        > "$RUN-$model.json"
    echo "$model: $(( $(date +%s) - start )) s in all (training, validation and the batch-1 test)" >&2
done
for model in LSTM QRNN; do
    python3 - "$RUN-$model" "$model" <<'PYEOF'
import json, sys
run, model = sys.argv[1], sys.argv[2]
s = json.load(open(run + ".json"))
log = [json.loads(l) for l in open(run + "/metrics.jsonl")]
batches = sum(r.get("batch", 0) for r in log if r["kind"] == "epoch")
print(f"{model}: {batches} batches, valid bpc {s['valid']['bpc']:.3f}, test bpc {s['test']['bpc']:.3f}")
PYEOF
done
