#!/usr/bin/env bash
# Train members' two stages (CONFIG, then CONFIG's -polish.json beside it when there is one) side by
# side on one bigger machine (a lent GPU with many cores). The configs fix the epochs, so a run
# here follows the same schedule as on the 2-core CPU, only sooner. Everything stops at DEADLINE_S
# seconds from the start; then pack_runs.py packs logs and each stage's best.pt under OUT, to fit
# a transfer limit.
#
#   DEADLINE_S=500 THREADS=4 scripts/train/stages-parallel.sh OUT DATA CONFIG...
#
# DATA is a folder made by bundle_data.py. Run folders go to work/train (a polish stage starts from
# work/train/<id>/best.pt). PYTHON picks the interpreter (default python3).
set -u
out=$1 data=$2
shift 2
py=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
runs=$here/../../work/train
end=$(( $(date +%s) + ${DEADLINE_S:-500} ))
mkdir -p "$runs" "$out"

stage() {  # config: train it within what is left of the deadline
  local left=$(( end - $(date +%s) ))
  [ "$left" -gt 10 ] || return 1
  PYTHONUNBUFFERED=1 timeout "$left" "$py" "$here/train.py" --config "$1" --txl-dir "$data/txl-wbc" \
    --bccd-dir "$data/bccd-typed" --threads "${THREADS:-4}" --restart >> "$runs/$(basename "$1" .json).out" 2>&1
}

ids=()
for c in "$@"; do
  id=$(basename "$c" .json)
  polish=${c%.json}-polish.json
  ids+=("$id")
  [ -f "$polish" ] && ids+=("$id-polish")
  ( stage "$c" && { [ ! -f "$polish" ] || stage "$polish"; } ) &
done
wait
for id in "${ids[@]}"; do
  echo "== $id: $(grep -E '^.{9}done' "$runs/$id.out" 2>/dev/null || echo 'not finished')"
done
"$py" "$here/pack_runs.py" "$out" "$runs" "${ids[@]}"
