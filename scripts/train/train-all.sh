#!/bin/sh
# Trains the three ensemble members one after another, each in two stages (<id>.json from scratch,
# then <id>-polish.json from its weights), then exports the last stage of each into models/.
#   nohup scripts/train/train-all.sh > work/train/train-all.log 2>&1 &
# Re-running continues where it stopped (each run resumes from work/train/<id>/last.pt; a finished
# run only re-exports). Options through the environment:
#   BUDGET_MIN   first-stage training minutes per member (default 30)
#   NICE         niceness of the training processes (default 19: the box stays responsive)
#   MEMBERS      config ids (default "cnet320 yolo384 fcos416")
#   TRAIN_ARGS   extra train.py arguments, e.g. "--txl-dir D --bccd-dir D"
set -eu
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
BUDGET_MIN=${BUDGET_MIN:-30}
NICE=${NICE:-19}
MEMBERS=${MEMBERS:-"cnet320 yolo384 fcos416"}
TRAIN_ARGS=${TRAIN_ARGS:-}
mkdir -p work/train
exec 9>work/train/.train-all.lock
if ! flock -n 9; then
  echo "train-all.sh is already running" >&2
  exit 1
fi
for id in $MEMBERS; do
  echo "=== $(date '+%F %T') train $id (budget ${BUDGET_MIN} min)"
  # shellcheck disable=SC2086
  nice -n "$NICE" $PY scripts/train/train.py --config "scripts/train/configs/$id.json" --time-budget-min "$BUDGET_MIN" $TRAIN_ARGS
  if [ -f "scripts/train/configs/$id-polish.json" ]; then
    echo "=== $(date '+%F %T') second stage $id-polish (its budget is in its config)"
    # shellcheck disable=SC2086
    nice -n "$NICE" $PY scripts/train/train.py --config "scripts/train/configs/$id-polish.json" $TRAIN_ARGS
  fi
done
for id in $MEMBERS; do
  cfg="scripts/train/configs/$id.json"
  [ -f "scripts/train/configs/$id-polish.json" ] && cfg="scripts/train/configs/$id-polish.json"
  echo "=== $(date '+%F %T') export $id from $cfg"
  nice -n "$NICE" $PY scripts/train/export.py --config "$cfg"
done
# New models: choose the colour normalisation and then each model's box voting (an export writes its
# model's manifest entry afresh) again on val.
echo "=== $(date '+%F %T') colour normalisation (BCCD and TXL-PBC val)"
nice -n "$NICE" node bin/run-ts.mjs scripts/tune-colour.ts --write
echo "=== $(date '+%F %T') box voting per model (TXL-PBC val)"
nice -n "$NICE" node bin/run-ts.mjs scripts/tune-decoding.ts --write
echo "=== $(date '+%F %T') all done"
