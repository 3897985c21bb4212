"""cellcls/finetune.py end to end on a tiny public cache and a synthetic export (a few seconds on the CPU)."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
np = pytest.importorskip("numpy")

from test_exports import CELLCLS, load_cellcls, make_export, many_samples  # noqa: E402


def public_cache(folder, n=24):
    rng = np.random.default_rng(3)
    os.makedirs(folder)
    np.save(os.path.join(folder, "crops-pub.npy"), rng.integers(0, 255, (n, 112, 112, 3), dtype=np.uint8))
    items = [dict(cls=i % 5, source="pbc", split="val" if i % 4 == 0 else "train", ref=str(i), bg=[230.0, 230.0, 230.0])
             for i in range(n)]
    with open(os.path.join(folder, "meta-pub.json"), "w") as f:
        json.dump(dict(items=items), f)


def start_weights(folder):
    os.makedirs(folder)
    code = (f"import sys, torch; sys.path.insert(0, {CELLCLS!r}); from model import CellNet; torch.manual_seed(0); "
            f"torch.save(CellNet(norm='gn').state_dict(), {os.path.join(folder, 'best.pt')!r})")
    subprocess.run([sys.executable, "-c", code], check=True)
    with open(os.path.join(folder, "args.json"), "w") as f:
        json.dump(dict(norm="gn"), f)
    return os.path.join(folder, "best.pt")


def test_finetune_trains_on_the_exports_with_replay_and_holds_a_clinic_out(tmp_path):
    export, _ = make_export(str(tmp_path / "export"), many_samples(("north-1", "south-2"), samples=8))
    public_cache(str(tmp_path / "data"))
    weights = start_weights(str(tmp_path / "start"))
    out = tmp_path / "ft"
    cmd = [sys.executable, os.path.join(CELLCLS, "finetune.py"), "--weights", weights, "--exports", export,
           "--data", str(tmp_path / "data"), "--out", str(out), "--epochs", "1", "--epoch-size", "16", "--batch", "8",
           "--threads", "1", "--hold-out", "south-2"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(out / "hub-data" / "meta-hub.json") as f:
        assert {m["source"] for m in json.load(f)["items"]} == {"clinic-north-1"}
    with open(out / "history.json") as f:
        hist = json.load(f)
    assert len(hist["history"]) == 1 and hist["args"]["norm"] == "gn" and hist["hold_out_source"] == "clinic-south-2"
    assert hist["selected_on"].startswith("mean recall over the five types on the val splits of clinic-north-1,")
    assert "+ " in done.stdout and "public (replay)" in done.stdout
    assert (out / "best.pt").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already holds" in again.stderr
    negative = subprocess.run(cmd[:cmd.index("--out") + 1] + [str(tmp_path / "ft-neg")] + cmd[cmd.index("--out") + 2:] + ["--distill", "-1"],
                              capture_output=True, text=True, timeout=60)
    assert negative.returncode != 0 and "--distill -1.0: give a weight of 0 or more" in negative.stderr


def test_replay_gives_a_small_source_as_much_as_a_large_one():
    finetune = load_cellcls("selection")
    sizes = dict(big=100, tiny=5, mid=20)
    items = [dict(cls=0, source=src, split=split, ref=f"{src}{i}") for src, n in sizes.items()
             for i in range(n) for split in ("train", "val")]
    got = finetune.draw_replay(items, ["big", "tiny", "mid"], 30, "source", np.random.default_rng(0))
    drawn = [items[i] for i in got]
    per = {src: sum(m["source"] == src for m in drawn) for src in sizes}
    assert len(got) == 30 and len(set(got.tolist())) == 30 and all(m["split"] == "train" for m in drawn)
    # The tiny source gives all it has; the other two share the rest.
    assert per == dict(big=13, tiny=5, mid=12)
    # Uniform over crops, the large source takes most of them.
    uniform = [items[i]["source"] for i in finetune.draw_replay(items, ["big", "tiny", "mid"], 30, "crop", np.random.default_rng(0))]
    assert len(uniform) == 30 and uniform.count("big") > 15
    # Never more than the sources hold.
    assert len(finetune.draw_replay(items, ["tiny"], 30, "source", np.random.default_rng(0))) == 5


def result(**types):
    """evaluate.py's form of a split from (right, cells) per type; the wrong ones called neutrophil (eosinophil for neutrophils)."""
    conf = {t: {t: r, ("eosinophil" if t == "neutrophil" else "neutrophil"): n - r} for t, (r, n) in types.items()}
    cells = sum(n for _, n in types.values())
    return dict(cells=cells, accuracy5=sum(r for r, _ in types.values()) / cells,
                recall={t: r / n for t, (r, n) in types.items()}, confusion=conf)


def test_the_epoch_kept_gains_for_the_clinics_by_the_promotion_rule_on_every_val_split():
    choose = load_cellcls("selection").choose
    pbc = result(neutrophil=(480, 500), eosinophil=(95, 100), lymphocyte=(90, 100))
    clinic_b = result(neutrophil=(18, 20), eosinophil=(10, 20), lymphocyte=(14, 20))
    clinic_a = result(neutrophil=(19, 20), eosinophil=(19, 20), lymphocyte=(18, 20))
    start = {"clinic-a": clinic_a, "clinic-b": clinic_b, "public:pbc": pbc}
    assert choose(start, start) == pytest.approx(((0.95 + 0.95 + 0.9) / 3 + (0.9 + 0.5 + 0.7) / 3) / 2)
    better_b = result(neutrophil=(18, 20), eosinophil=(17, 20), lymphocyte=(16, 20))
    assert choose(start, {**start, "clinic-b": better_b}) == pytest.approx(((0.95 + 0.95 + 0.9) / 3 + (0.9 + 0.85 + 0.8) / 3) / 2)
    # PBC's mean recall holds (the eosinophils gain what the neutrophils lose) but its typed accuracy
    # falls 2.9 points on 700 cells, beyond its 1.4-point tolerance: not kept.
    pbc_worse = result(neutrophil=(455, 500), eosinophil=(100, 100), lymphocyte=(90, 100))
    assert choose(start, {**start, "clinic-b": better_b, "public:pbc": pbc_worse}) is None
    # Clinic A losing what B gains is not kept either: every clinic is judged on its own.
    a_worse = result(neutrophil=(19, 20), eosinophil=(12, 20), lymphocyte=(18, 20))
    assert choose(start, {**start, "clinic-b": better_b, "clinic-a": a_worse}) is None
    # Without clinic val cells, every group's mean.
    assert choose({"public:pbc": pbc}, {"public:pbc": pbc}) == pytest.approx((0.96 + 0.95 + 0.9) / 3)


def test_distillation_holds_the_replayed_crops_to_the_current_classifier_and_leaves_the_export_crops_to_the_labels():
    torch = pytest.importorskip("torch")
    distill_loss = load_cellcls("distill").distill_loss
    teacher = torch.tensor([[4.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 5.0]])
    replayed = torch.tensor([True, True, False])
    assert float(distill_loss(teacher.clone(), teacher, replayed)) == pytest.approx(0.0, abs=1e-6)
    # An export crop (the third row) may move anywhere: it adds nothing.
    moved_export = teacher.clone()
    moved_export[2] = torch.tensor([9.0, 0.0, 0.0])
    assert float(distill_loss(moved_export, teacher, replayed)) == pytest.approx(0.0, abs=1e-6)
    assert float(distill_loss(teacher, teacher, torch.zeros(3, dtype=torch.bool))) == 0.0
    # A replayed crop that drifts costs, and the gradient pulls it back towards the current outputs.
    student = teacher.clone()
    student[0] = torch.tensor([0.0, 4.0, 0.0])
    student.requires_grad_(True)
    loss = distill_loss(student, teacher, replayed)
    loss.backward()
    assert float(loss) > 0.1
    assert student.grad[0, 0] < 0 < student.grad[0, 1] and float(student.grad[2].abs().sum()) == 0.0
    # KL(teacher || student) at temperature 2, times 2^2, over the whole batch: by hand.
    s, t, m = torch.randn(6, 8), torch.randn(6, 8), torch.tensor([1, 1, 0, 1, 0, 0], dtype=torch.bool)
    q, log_p = (t[m] / 2).softmax(1), (s[m] / 2).log_softmax(1)
    assert float(distill_loss(s, t, m)) == pytest.approx(float((q * (q.log() - log_p)).sum() * 4 / 6), rel=1e-5)


def test_the_replayed_crops_are_the_public_ones():
    replayed = load_cellcls("selection").replayed
    # The public cache's 6 crops come first, the exports' after them.
    assert replayed(np.array([0, 5, 6, 9]), 6).tolist() == [True, True, False, False]
