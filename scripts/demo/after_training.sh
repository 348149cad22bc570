#!/usr/bin/env bash
# A short PTB demonstration of what comes after training: a small AWD-LSTM
# trained for a few minutes, then fine-tuned, then evaluated with the cache
# pointer and with dynamic evaluation. Prints the four test perplexities.
#   scripts/demo/after_training.sh [DATA_DIR] [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${AWDLSTM_DATA:-../shared/data}/ptb}
RUN=${2:-runs/ptb-demo}
BIN=.build/release/awd-lstm
swift build -c release >/dev/null
$BIN train --data "$DATA" --save "$RUN" --emsize 200 --nhid 600 --batch-size 20 --dropouti 0.4 --dropouth 0.25 \
    --seed 141 --epochs 3 --json > "$RUN.train.json"
$BIN evaluate --checkpoint "$RUN" --data "$DATA" --split test --json > "$RUN.base.json"
$BIN finetune --checkpoint "$RUN" --data "$DATA" --epochs 2 --json > "$RUN.finetune.json"
$BIN evaluate --checkpoint "$RUN" --data "$DATA" --split test --json > "$RUN.finetuned.json"
$BIN pointer --checkpoint "$RUN" --data "$DATA" --lambdasm 0.1 --theta 1.0 --window 500 --bptt 5000 --json > "$RUN.pointer.json"
$BIN dynamic-eval --checkpoint "$RUN" --data "$DATA" --json > "$RUN.dynamic.json"
for k in base finetuned pointer dynamic; do
    printf '%-10s test ppl %s\n' "$k" "$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['ppl'], 2))" "$RUN.$k.json")"
done
