"""cellcls/promote.py: the promotion rule on hand-made evaluate.py results."""
import json
import math
import os
import subprocess
import sys

import pytest

from test_exports import CELLCLS, load_cellcls

promote = load_cellcls("promote")
TYPES = ["neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte"]


def result(per_type):
    """evaluate.py's result for a split: per_type = {type: (cells, right)}; a wrong cell is called a lymphocyte
    (a monocyte for a lymphocyte)."""
    conf, recall = {}, {}
    for t, (n, right) in per_type.items():
        wrong_as = "monocyte" if t == "lymphocyte" else "lymphocyte"
        conf[t] = {k: v for k, v in ((t, right), (wrong_as, n - right)) if v}
        recall[t] = round(right / n, 4)
    cells = sum(n for n, _ in per_type.values())
    return dict(cells=cells, accuracy5=round(sum(r for _, r in per_type.values()) / cells, 4), recall=recall,
                unidentified=0, accuracy5_identified=None, confusion=conf)


def split(n_per_type, right_share):
    return result({t: (n_per_type, round(n_per_type * right_share)) for t in TYPES})


CURRENT = {"pbc:test": split(200, 0.95), "bccd:test": split(40, 0.8),
           "clinic-north-1:test": split(100, 0.7), "clinic-south-2:test": split(100, 0.75)}


def test_promotes_a_better_set():
    better = dict(CURRENT, **{"clinic-north-1:test": split(100, 0.85), "clinic-south-2:test": split(100, 0.8)})
    verdict = promote.judge(CURRENT, better)
    assert verdict["promote"] and verdict["reasons"] == []
    assert [r["split"] for r in verdict["rows"]] == list(CURRENT)
    assert "**PROMOTE**" in promote.markdown(verdict)


def test_a_fall_within_the_sampling_error_is_tolerated_but_not_beyond():
    # pbc:test, 1000 cells at 95 %: one-sided bound 1.645 * sqrt(p (1 - p) / 1000) with p = (950 + 1) / 1002
    p = 951 / 1002
    tol = 1.645 * math.sqrt(p * (1 - p) / 1000)
    tol_acc, tol_recall = promote.tolerances(CURRENT["pbc:test"])
    assert tol_acc == pytest.approx(tol, abs=1e-6)
    r = 191 / 202
    assert tol_recall == pytest.approx(1.645 / 5 * math.sqrt(5 * r * (1 - r) / 200), abs=1e-6)
    assert promote.tolerances(split(4, 0.5)) == (0.05, 0.05)  # a small split: the cap
    slightly = dict(CURRENT, **{"pbc:test": split(200, 0.94)})  # 1 point < 1.14
    assert promote.judge(CURRENT, slightly)["promote"]
    beyond = dict(CURRENT, **{"pbc:test": split(200, 0.93)})  # 2 points > 1.14
    assert not promote.judge(CURRENT, beyond)["promote"]


def test_refuses_a_set_that_falls_beyond_tolerance_on_one_clinic():
    worse = dict(CURRENT, **{"pbc:test": split(200, 0.97), "clinic-south-2:test": split(100, 0.65)})
    verdict = promote.judge(CURRENT, worse)
    assert not verdict["promote"]
    assert len(verdict["reasons"]) == 1 and verdict["reasons"][0].startswith("clinic-south-2:test: typed accuracy falls 10.0 points")
    row = next(r for r in verdict["rows"] if r["split"] == "clinic-south-2:test")
    assert not row["ok"] and row["acc"] == (0.75, 0.65)
    assert "| clinic-south-2:test | 500 | 75.0 % | 65.0 % |" in promote.markdown(verdict)


def test_refuses_a_fall_of_one_type_that_the_accuracy_hides():
    # the basophils (few) collapse while the accuracy over many neutrophils holds
    before = {"clinic-north-1:test": result({"neutrophil": (900, 810), "basophil": (20, 18), "lymphocyte": (80, 70)})}
    after = {"clinic-north-1:test": result({"neutrophil": (900, 830), "basophil": (20, 6), "lymphocyte": (80, 70)})}
    verdict = promote.judge(before, after)
    assert not verdict["promote"] and "mean recall falls" in verdict["reasons"][0]
    assert "typed accuracy" not in verdict["reasons"][0]


def test_refuses_a_missing_split_and_one_measured_on_other_cells():
    missing = {k: v for k, v in CURRENT.items() if k != "clinic-north-1:test"}
    verdict = promote.judge(CURRENT, missing)
    assert not verdict["promote"] and verdict["reasons"] == ["clinic-north-1:test: the candidate was not measured on this split"]
    extra = dict(CURRENT, **{"clinic-east-3:test": split(10, 0.9)})
    assert "current set was not measured" in promote.judge(CURRENT, extra)["reasons"][0]
    other = dict(CURRENT, **{"bccd:test": split(41, 0.9)})
    assert "other cells" in promote.judge(CURRENT, other)["reasons"][0]
    assert not promote.judge({}, {})["promote"]


def test_the_command_prints_the_table_and_exits_0_only_to_promote(tmp_path):
    before, after, md = tmp_path / "before.json", tmp_path / "after.json", tmp_path / "verdict.md"
    before.write_text(json.dumps(CURRENT))
    after.write_text(json.dumps(dict(CURRENT, **{"clinic-north-1:test": split(100, 0.5)})))
    cmd = [sys.executable, os.path.join(CELLCLS, "promote.py"), "--current", str(before)]
    ok = subprocess.run(cmd + ["--candidate", str(before), "--markdown", str(md)], capture_output=True, text=True)
    assert ok.returncode == 0 and "**PROMOTE**" in ok.stdout and "**PROMOTE**" in md.read_text()
    refused = subprocess.run(cmd + ["--candidate", str(after)], capture_output=True, text=True)
    assert refused.returncode == 1 and "**REFUSE**: clinic-north-1:test" in refused.stdout
    assert "| clinic-north-1:test | 500 | 70.0 % | 50.0 % |" in refused.stdout
