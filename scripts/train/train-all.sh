#!/bin/sh
# Trains the three ensemble members one after another, each in two stages (<id>.json from scratch,
# then <id>-polish.json from its weights) and, where the member has one, a third (<id>-phone.json:
# the phone-microscope photos added as the daemon's tiles), then exports the last stage of each into models/.
#   nohup scripts/train/train-all.sh > work/train/train-all.log 2>&1 &
# Re-running continues where it stopped (each run resumes from work/train/<id>/last.pt; a finished
# run only re-exports). Options through the environment:
#   BUDGET_MIN   first-stage training minutes per member (default 30)
#   NICE         niceness of the training processes (default 19: the box stays responsive)
#   MEMBERS      config ids (default "cnet320 yolo384 fcos416")
#   TRAIN_ARGS   extra train.py arguments, e.g. "--txl-dir D --bccd-dir D"
#   PHONE_SET    the phone-microscope set (FrancescaIE/WBC-detection-dataset, a data.yaml with
#                "names: [WBC]" in its train/), needed once for the third stages: its train split is
#                cut into tiles (scripts/detector-tiles.ts) in work/phone-tiles/train
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
TILES=work/phone-tiles/train/tiles.json
for id in $MEMBERS; do
  if [ -f "scripts/train/configs/$id-phone.json" ] && [ ! -f "$TILES" ]; then
    if [ -z "${PHONE_SET:-}" ]; then
      echo "train-all.sh: $id-phone.json trains on $TILES: give PHONE_SET=<WBC-detection-dataset folder>" >&2
      exit 2
    fi
    echo "=== $(date '+%F %T') tiles of $PHONE_SET/train"
    nice -n "$NICE" node bin/run-ts.mjs scripts/detector-tiles.ts --dataset "$PHONE_SET/train" --out work/phone-tiles/train --calibrate
  fi
done
for id in $MEMBERS; do
  echo "=== $(date '+%F %T') train $id (budget ${BUDGET_MIN} min)"
  # shellcheck disable=SC2086
  nice -n "$NICE" $PY scripts/train/train.py --config "scripts/train/configs/$id.json" --time-budget-min "$BUDGET_MIN" $TRAIN_ARGS
  if [ -f "scripts/train/configs/$id-polish.json" ]; then
    echo "=== $(date '+%F %T') second stage $id-polish (its budget is in its config)"
    # shellcheck disable=SC2086
    nice -n "$NICE" $PY scripts/train/train.py --config "scripts/train/configs/$id-polish.json" $TRAIN_ARGS
  fi
  if [ -f "scripts/train/configs/$id-phone.json" ]; then
    echo "=== $(date '+%F %T') third stage $id-phone"
    # shellcheck disable=SC2086
    nice -n "$NICE" $PY scripts/train/train.py --config "scripts/train/configs/$id-phone.json" $TRAIN_ARGS
  fi
done
for id in $MEMBERS; do
  cfg="scripts/train/configs/$id.json"
  [ -f "scripts/train/configs/$id-polish.json" ] && cfg="scripts/train/configs/$id-polish.json"
  [ -f "scripts/train/configs/$id-phone.json" ] && cfg="scripts/train/configs/$id-phone.json"
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
