"""Decides whether a candidate cell classifier replaces the current one, and prints why.

    /usr/bin/python3 scripts/train/cellcls/evaluate.py --data work/cellcls/data --weights CURRENT/best.pt \\
        --on pbc:test --on bccd:test --on chula:val --on clinic-north-1:test --on clinic-south-2:test --json before.json
    (the same with --weights CANDIDATE/best.pt --json after.json)
    /usr/bin/python3 scripts/train/cellcls/promote.py --current before.json --candidate after.json [--markdown verdict.md]

Exit status 0 only for PROMOTE. Inputs are evaluate.py's --json output (several files per side are
merged): per split `cells`, `accuracy5` (typed accuracy: cells of the five types typed right),
`recall` per class and `confusion` (labelled class -> predicted class -> cells).

The rule. The candidate is promoted only if, on every split the current set was measured on (the
public test splits and every clinic's held-out fields), measured on the same cells:
  - its typed accuracy is at least the current's minus tol_acc, and
  - its mean recall over the five types (those with cells in the split) is at least the current's
    minus tol_recall,
where the tolerances are one-sided 95 % bounds of the sampling error of the current set's figure on
that split, capped at --max-tolerance:
  tol_acc    = min(cap, z * sqrt(p (1 - p) / n)),  n the split's cells of the five types,
  tol_recall = min(cap, z / K * sqrt(sum_c r_c (1 - r_c) / n_c)),  over the K types with n_c cells,
z = 1.645, and p, r_c taken as (right + 1) / (cells + 2), so that a perfect score on few cells still
has an error. A fall within that bound is what drawing the split's cells again would give by
chance (one time in twenty it would exceed it); a fall beyond it is taken as real and refuses the
candidate. The bound is for the current figure alone, wider than the paired difference of two
models typing the same cells, so it errs towards promoting a model that is truly equal; the cap
(default 0.05, five points) keeps a small clinic's split from letting a large fall through: there
a small split refuses rather than waves through. A split missing on either side, or measured on
other cells (cell counts differ), refuses: both sets must be measured on the same data. A split
with no cell of the five types is shown and not judged.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CLASSES  # noqa: E402

TYPES = CLASSES[:5]
Z_ONE_SIDED_95 = 1.645
MAX_TOLERANCE = 0.05
EPS = 1e-9


def load_results(paths):
    """evaluate.py --json files merged into one {split: result}; a split in two files is an error."""
    out = {}
    for p in paths:
        with open(p) as f:
            data = json.load(f)
        if not isinstance(data, dict) or not all(isinstance(v, dict) and "accuracy5" in v for v in data.values()):
            sys.exit(f"{p} is not evaluate.py --json output ({{split: {{cells, accuracy5, recall, confusion}}}})")
        for split, r in data.items():
            if split in out:
                sys.exit(f"split {split} is in two files of one side ({p}): measure each split once")
            out[split] = r
    return out


def type_counts(result):
    """Cells of each of the five types in a split, from its confusion matrix."""
    conf = result.get("confusion", {})
    return {t: sum(conf.get(t, {}).values()) for t in TYPES}


def _smoothed(rate, n):
    return (rate * n + 1) / (n + 2)


def mean_recall5(result):
    counts = type_counts(result)
    rs = [result["recall"][t] for t in TYPES if counts[t] and result["recall"].get(t) is not None]
    return sum(rs) / len(rs) if rs else None


def tolerances(result, z=Z_ONE_SIDED_95, cap=MAX_TOLERANCE):
    """(tol_acc, tol_recall) of a split from the current set's result on it (see the module's rule)."""
    counts = type_counts(result)
    n = sum(counts.values())
    p = _smoothed(result["accuracy5"], n)
    tol_acc = min(cap, z * math.sqrt(p * (1 - p) / n))
    present = [t for t in TYPES if counts[t]]
    var = sum(_smoothed(result["recall"][t], counts[t]) * (1 - _smoothed(result["recall"][t], counts[t])) / counts[t] for t in present)
    tol_recall = min(cap, z / len(present) * math.sqrt(var))
    return tol_acc, tol_recall


def judge_split(split, before, after, z=Z_ONE_SIDED_95, cap=MAX_TOLERANCE):
    row = dict(split=split, n5=None, acc=(None, None), recall=(None, None), tol=(None, None), ok=False, reason="")
    if before is None:
        row["reason"] = "the current set was not measured on this split"
        return row
    row["n5"] = sum(type_counts(before).values())
    row["acc"] = (before.get("accuracy5"), None)
    row["recall"] = (mean_recall5(before), None)
    if after is None:
        row["reason"] = "the candidate was not measured on this split"
        return row
    row["acc"] = (before.get("accuracy5"), after.get("accuracy5"))
    row["recall"] = (mean_recall5(before), mean_recall5(after))
    if before.get("cells") != after.get("cells") or type_counts(before) != type_counts(after):
        row["reason"] = f"measured on other cells ({before.get('cells')} and {after.get('cells')}): evaluate both on the same data"
        return row
    if not row["n5"] or before.get("accuracy5") is None:
        row.update(ok=True, reason="no cell of the five types: not judged")
        return row
    tol_acc, tol_recall = tolerances(before, z, cap)
    row["tol"] = (tol_acc, tol_recall)
    falls = []
    if after["accuracy5"] < before["accuracy5"] - tol_acc - EPS:
        falls.append(f"typed accuracy falls {100 * (before['accuracy5'] - after['accuracy5']):.1f} points (allowed {100 * tol_acc:.1f})")
    if row["recall"][1] < row["recall"][0] - tol_recall - EPS:
        falls.append(f"mean recall falls {100 * (row['recall'][0] - row['recall'][1]):.1f} points (allowed {100 * tol_recall:.1f})")
    row["ok"] = not falls
    row["reason"] = "; ".join(falls) if falls else "within tolerance"
    return row


def judge(current, candidate, z=Z_ONE_SIDED_95, cap=MAX_TOLERANCE):
    """{promote, rows, reasons}: the rule applied to every split either side was measured on."""
    if not current:
        return dict(promote=False, rows=[], reasons=["no split measured: evaluate both sets on the public test splits and every clinic's held-out fields"])
    splits = list(current) + [s for s in candidate if s not in current]
    rows = [judge_split(s, current.get(s), candidate.get(s), z, cap) for s in splits]
    reasons = [f"{r['split']}: {r['reason']}" for r in rows if not r["ok"]]
    return dict(promote=not reasons, rows=rows, reasons=reasons)


def markdown(verdict):
    def pct(v):
        return "-" if v is None else f"{100 * v:.1f} %"

    def pts(v):
        return "-" if v is None else f"{100 * v:.1f}"

    lines = ["| split | cells of the five types | typed accuracy before | after | allowed fall (points) "
             "| mean recall (5) before | after | allowed fall (points) | verdict | reason |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in verdict["rows"]:
        lines.append(f"| {r['split']} | {'-' if r['n5'] is None else r['n5']} | {pct(r['acc'][0])} | {pct(r['acc'][1])} | {pts(r['tol'][0])} "
                     f"| {pct(r['recall'][0])} | {pct(r['recall'][1])} | {pts(r['tol'][1])} | {'pass' if r['ok'] else 'REFUSE'} | {r['reason']} |")
    lines.append("")
    if verdict["promote"]:
        lines.append("**PROMOTE**: no worse than the current set beyond tolerance on any split.")
    else:
        lines.append("**REFUSE**: " + "; ".join(verdict["reasons"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--current", nargs="+", required=True, help="evaluate.py --json of the current (shipped) set")
    ap.add_argument("--candidate", nargs="+", required=True, help="evaluate.py --json of the candidate, on the same splits")
    ap.add_argument("--z", type=float, default=Z_ONE_SIDED_95)
    ap.add_argument("--max-tolerance", type=float, default=MAX_TOLERANCE)
    ap.add_argument("--markdown", help="also write the table here")
    args = ap.parse_args()
    verdict = judge(load_results(args.current), load_results(args.candidate), args.z, args.max_tolerance)
    table = markdown(verdict)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    sys.exit(0 if verdict["promote"] else 1)


if __name__ == "__main__":
    main()
