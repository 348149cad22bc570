#!/usr/bin/env bash
# ULMFiT end to end: `awd-lstm classify train` against fastai 2.8 on the same
# WikiText-2 section data, from the same fastai-trained language model.
#
# usage: scripts/ulmfit/run_comparison.sh DATA_DIR WORK_DIR
#
#   DATA_DIR  the labelled set (train/<class>/*.txt, valid/<class>/*.txt); made
#             by make_wikitext_sections.py when it does not exist yet
#   WORK_DIR  language model, run folders, logs and results
#
# environment (defaults in brackets):
#   WIKITEXT   WikiText-2 folder with train.txt valid.txt test.txt [/work/shared/data/wikitext-2]
#   PYTHON     Python with torch, fastai 2.8, spaCy, safetensors [python3]
#   AWD_LSTM   the awd-lstm binary [WORK_DIR/awd-lstm, else awd-lstm on PATH]
#   SEEDS      classifier seeds ["1 2 3"]
#   BS         batch size, both sides [64]
#   THREADS    threads, both sides [2]
#   LM_MINUTES wall-clock budget of the language model [15]
#   MAX_TRAIN / MAX_VALID  paragraphs per class kept when DATA_DIR is made [150 / 60]
#
# Steps, each skipped when its output exists (so a run can be resumed):
#   1. DATA_DIR        make_wikitext_sections.py (seed 1, article-level 80/20 split)
#   2. WORK/lm/        train_lm.py: fastai AWD-LSTM LM, emb 200, hid 400, 3 layers
#   3. WORK/lm_run/    awd-lstm import --format fastai (config.json must say "tokenizer": "fastai")
#   4. WORK/lm/check_import.json  check_import.py: fastai's loss vs awd-lstm evaluate --file
#   5. per seed, one after the other (never at the same time):
#        WORK/results/ours_sS.jsonl    awd-lstm classify train ... --json (+ ours_sS.time)
#        WORK/results/fastai_sS.json   fastai_classifier.py
#   6. WORK/results/table.md           summarize.py
set -euo pipefail

[ $# -eq 2 ] || { sed -n 2,30p "$0"; exit 2; }
DATA=$(realpath -m "$1"); WORK=$(realpath -m "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
WIKITEXT=${WIKITEXT:-/work/shared/data/wikitext-2}
PYTHON=${PYTHON:-python3}
SEEDS=${SEEDS:-"1 2 3"}
BS=${BS:-64}
THREADS=${THREADS:-2}
LM_MINUTES=${LM_MINUTES:-15}
MAX_TRAIN=${MAX_TRAIN:-150}
MAX_VALID=${MAX_VALID:-60}
if [ -z "${AWD_LSTM:-}" ]; then
  if [ -x "$WORK/awd-lstm" ]; then AWD_LSTM="$WORK/awd-lstm"; else AWD_LSTM=$(command -v awd-lstm); fi
fi
mkdir -p "$WORK/logs" "$WORK/results"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ ! -d "$DATA" ]; then
  log "making $DATA"
  "$PYTHON" "$HERE/make_wikitext_sections.py" "$WIKITEXT" "$DATA" --seed 1 \
    --max-train-per-class "$MAX_TRAIN" --max-valid-per-class "$MAX_VALID"
fi

if [ ! -f "$WORK/lm/lm_stats.json" ]; then
  log "training the language model ($LM_MINUTES min)"
  "$PYTHON" "$HERE/train_lm.py" "$WIKITEXT" "$WORK" --minutes "$LM_MINUTES" --threads "$THREADS" \
    2>&1 | tr '\r' '\n' > "$WORK/logs/train_lm.log"
fi

if [ ! -f "$WORK/lm_run/model.safetensors" ]; then
  log "importing the language model"
  "$AWD_LSTM" import --from "$WORK/lm/lm.safetensors" --format fastai \
    --vocab "$WORK/lm/vocab.txt" --save "$WORK/lm_run"
fi
tokenizer=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("tokenizer","absent"))' "$WORK/lm_run/config.json")
if [ "$tokenizer" != fastai ]; then
  echo "error: $WORK/lm_run/config.json records tokenizer \"$tokenizer\", not \"fastai\"" >&2
  exit 1
fi

if [ ! -f "$WORK/lm/check_import.json" ]; then
  log "checking the import"
  "$PYTHON" "$HERE/check_import.py" "$WIKITEXT" "$WORK/lm" "$WORK/lm_run" "$AWD_LSTM" --threads "$THREADS"
fi

for S in $SEEDS; do
  if [ ! -f "$WORK/results/ours_s$S.time" ]; then
    log "ours, seed $S"
    rm -rf "$WORK/clas_ours_s$S"
    t0=$(date +%s.%N)
    "$AWD_LSTM" classify train --lm "$WORK/lm_run" --data "$DATA" --save "$WORK/clas_ours_s$S" \
      --seed "$S" --batch-size "$BS" --threads "$THREADS" --json \
      > "$WORK/results/ours_s$S.jsonl" 2> "$WORK/logs/ours_s$S.log"
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.1f\n", $2 - $1}' > "$WORK/results/ours_s$S.time"
  fi
  if [ ! -f "$WORK/results/fastai_s$S.json" ]; then
    log "fastai, seed $S"
    "$PYTHON" "$HERE/fastai_classifier.py" "$DATA" "$WORK/lm" --seed "$S" --bs "$BS" --threads "$THREADS" \
      --out "$WORK/results/fastai_s$S.json" 2>&1 | tr '\r' '\n' > "$WORK/logs/fastai_s$S.log"
  fi
done

"$PYTHON" "$HERE/summarize.py" "$DATA" "$WORK" | tee "$WORK/results/table.md"
