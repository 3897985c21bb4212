#!/usr/bin/env bash
# Train several configs side by side on one machine (a lent GPU with many cores), then pack what
# came out so that it fits a transfer limit: logs and metrics in one archive, EMA weights in
# archives of at most ~15 MB each.
#
#   scripts/train/sweep.sh OUT DATA BUDGET_MIN CONFIG...
#
# DATA is a folder made by bundle_data.py; the run folders go to RUNS (default OUT/runs). Each
# run gets two CPU threads and a time budget of BUDGET_MIN minutes (the configs' epochs stay the
# upper bound); RUN_TIMEOUT=s kills a run that outlasts it, so that packing still happens.
# EPOCHS=n overrides the epochs (smoke tests); PYTHON picks the interpreter (default python3).
set -u
out=$1 data=$2 budget=$3
shift 3
py=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-$out/runs}
mkdir -p "$runs" "$out"
ids=()
for c in "$@"; do
  id=$(basename "$c" .json)
  ids+=("$id")
  PYTHONUNBUFFERED=1 timeout "${RUN_TIMEOUT:-0}" "$py" "$here/train.py" --config "$c" --txl-dir "$data/txl-wbc" --bccd-dir "$data/bccd-typed" \
    --out "$runs" --threads 2 --time-budget-min "$budget" --restart ${EPOCHS:+--epochs "$EPOCHS"} > "$runs/$id.out" 2>&1 &
done
wait
for id in "${ids[@]}"; do
  echo "== $id: $(grep -E '^.{9}(done|time budget)' "$runs/$id.out" | tr '\n' ' ')"
  grep -E 'Error|error' "$runs/$id.out" | tail -n 3
done
"$py" "$here/pack_runs.py" "$out" "$runs" "${ids[@]}"
