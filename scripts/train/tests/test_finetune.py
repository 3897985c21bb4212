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


def test_the_epoch_kept_gains_for_the_clinics_without_a_public_source_falling_beyond_the_rule():
    choose = load_cellcls("selection").choose
    r = lambda v, n: dict(mean_recall5=v, n=n)  # noqa: E731
    public = ["public:pbc", "public:chula"]
    start = {"clinic-b": r(0.70, 100), "public:pbc": r(0.93, 1300), "public:chula": r(0.67, 150)}
    assert choose(start, start, public) == 0.70
    # Chula may fall 1.645 standard errors of 0.67 on 150 cells (6.3 points), capped at 5 points.
    assert choose(start, {**start, "clinic-b": r(0.85, 100), "public:chula": r(0.63, 150)}, public) == 0.85
    assert choose(start, {**start, "clinic-b": r(0.85, 100), "public:chula": r(0.61, 150)}, public) is None
    # On PBC's 1,300 cells the allowed fall is 1.2 points.
    assert choose(start, {**start, "clinic-b": r(0.85, 100), "public:pbc": r(0.91, 1300)}, public) is None
    # Without clinic val cells, every group's mean.
    assert abs(choose({"public:pbc": r(0.9, 10)}, {"public:pbc": r(0.9, 10)}, ["public:pbc"]) - 0.9) < 1e-9


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
