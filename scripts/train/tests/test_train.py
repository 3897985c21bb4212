"""train.py's pure parts and a Trainer run of two tiny epochs on synthetic fields (a few seconds)."""
import hashlib
import io
import json
import math
import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import train  # noqa: E402


def test_lr_warms_up_then_anneals_to_the_final_ratio():
    cfg = {"lr": 0.01, "final_lr_ratio": 0.1, "warmup_epochs": 1}
    steps, epochs = 10, 5
    lrs = [train.lr_at(s, steps, epochs, cfg) for s in range(steps * epochs + 1)]
    assert lrs[0] == pytest.approx(0.001)  # 0.1 x base at step 0
    assert lrs[steps] == pytest.approx(0.01)  # peak at the end of warm-up
    assert lrs[-1] == pytest.approx(0.001)  # base x final_lr_ratio at the end
    assert all(a >= b for a, b in zip(lrs[steps:], lrs[steps + 1:]))
    mid = steps + (steps * epochs - steps) // 2
    assert lrs[mid] == pytest.approx(0.001 + 0.5 * 0.009)  # cosine half-way


class Heads(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4))
        self.reg = torch.nn.Conv2d(4, 4, 1)
        self.reg_tower = torch.nn.Conv2d(4, 4, 1)


def test_set_trainable_freezes_the_rest_by_module_name():
    m = Heads()
    assert len(train.set_trainable(m, [])) == len(list(m.parameters()))
    got = train.set_trainable(m, ["reg"])
    assert [n for n, p in m.named_parameters() if p.requires_grad] == ["reg.weight", "reg.bias"]  # not reg_tower
    assert len(got) == 2
    train.train_mode(m)
    assert not m.body[1].training  # a frozen batch norm keeps its running statistics
    assert m.reg.training
    with pytest.raises(SystemExit):
        train.set_trainable(m, ["neck"])


def test_ema_follows_the_weights_with_a_ramped_decay():
    m = torch.nn.Linear(2, 1)
    ema = train.EMA(m, decay=0.9, tau=1.0)
    w0 = m.weight.detach().clone()
    with torch.no_grad():
        m.weight.add_(1.0)
    ema.update(m)
    d = 0.9 * (1 - math.exp(-1.0))
    torch.testing.assert_close(ema.model.weight, d * w0 + (1 - d) * (w0 + 1))
    assert ema.updates == 1 and not ema.model.weight.requires_grad


def test_config_from_args_applies_the_overrides():
    cfg_path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs", "cnet320.json")
    args = train.parse_args(["--config", cfg_path, "--epochs", "3", "--txl-dir", "/t", "--bccd-dir", "/b"])
    cfg = train.config_from_args(args)
    assert (cfg["train"]["epochs"], cfg["data"]["txl_dir"], cfg["data"]["bccd_dir"]) == (3, "/t", "/b")
    cfg = train.config_from_args(train.parse_args(["--config", cfg_path]))
    assert cfg["train"]["epochs"] == 120 and cfg["data"]["txl_dir"] == "datasets/build/txl-wbc"


def test_time_budget_plans_from_epoch_one_then_from_epochs_two_and_three(tmp_path):
    cfg = {"id": "b", "model": {"input_hw": [64, 64]}, "train": {"epochs": 20}}
    t = train.Trainer(cfg, str(tmp_path), time_budget_min=1.0)
    t.log = lambda msg: None
    t.state = {"epoch": 1, "elapsed_s": 10.0, "history": [{"epoch_s": 10.0}], "planned_epochs": 20}
    t.plan_from_budget(0, 10.0)
    assert (t.state["planned_epochs"], t.state["planned_at"], t.state["budget_s"]) == (6, 1, 60.0)
    t.state.update(epoch=3, elapsed_s=18.0)  # epochs 2 and 3 took 4 s each
    t.plan_from_budget(2, 4.0)
    assert (t.state["planned_epochs"], t.state["planned_at"]) == (15, 3)
    t.state.update(epoch=4, elapsed_s=22.0)
    t.plan_from_budget(3, 4.0)  # planned once more only: unchanged
    assert t.state["planned_epochs"] == 15


# ---------------------------------------------------------------- a tiny run

def write_coco(folder, name, fields, types):
    """fields: [(file, [xyxy boxes], [type or -1])]; types: whether categories are the five types."""
    os.makedirs(folder, exist_ok=True)
    images, anns = [], []
    for i, (path, boxes, tps) in enumerate(fields, 1):
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        w, h = Image.open(path).size
        images.append({"id": i, "file_name": os.path.basename(path), "width": w, "height": h, "sha256": sha})
        for (x1, y1, x2, y2), t in zip(boxes, tps):
            a = {"id": len(anns) + 1, "image_id": i, "bbox": [x1, y1, x2 - x1, y2 - y1]}
            a["category_id"] = (t + 1 if t >= 0 else 0) if types else 1
            anns.append(a)
    cats = [{"id": 0, "name": "leukocyte"}] + [{"id": k, "name": str(k)} for k in range(1, 6)] if types else [{"id": 1, "name": "WBC"}]
    with open(os.path.join(folder, name + ".json"), "w") as f:
        json.dump({"info": {"image_root": os.path.dirname(fields[0][0])}, "images": images, "annotations": anns,
                   "categories": cats}, f)


def synthetic_fields(folder, n, seed):
    """Pink fields with one or two dark purple discs (the leukocytes) each."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = Image.new("RGB", (96, 80), (230, 190, 200))
        d = ImageDraw.Draw(img)
        boxes = []
        for _ in range(1 + i % 2):
            r = int(rng.integers(9, 15))
            cx, cy = int(rng.integers(r, 96 - r)), int(rng.integers(r, 80 - r))
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(90, 40, 130))
            boxes.append([cx - r, cy - r, cx + r, cy + r])
        path = os.path.join(folder, f"f{seed}_{i}.png")
        img.save(path)
        out.append((path, boxes, [int(rng.integers(5)) if k == 0 else -1 for k in range(len(boxes))]))
    return out


@pytest.fixture(scope="module")
def tiny_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    img = str(root / "img")
    write_coco(str(root / "txl"), "train", [(p, b, [-1] * len(b)) for p, b, _ in synthetic_fields(img, 6, 1)], False)
    write_coco(str(root / "txl"), "val", [(p, b, [-1] * len(b)) for p, b, _ in synthetic_fields(img, 3, 2)], False)
    write_coco(str(root / "bccd"), "train", synthetic_fields(img, 4, 3), True)
    write_coco(str(root / "bccd"), "val", synthetic_fields(img, 2, 4), True)
    cfg = {"id": "tiny", "seed": 0,
           "model": {"arch": "centernet", "input_hw": [64, 64], "widths": [8, 8, 16, 16, 16], "neck": [16, 16], "head": 16},
           "data": {"txl_dir": str(root / "txl"), "bccd_dir": str(root / "bccd")},
           "train": {"epochs": 2, "batch": 4, "lr": 0.002, "ema_tau": 2, "val_every": 1},
           "aug": {"scale": [0.8, 1.2]}}
    cfg_path = str(root / "tiny.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    return root, cfg_path


class Interrupted(Exception):
    pass


def interrupt_after_first_epoch(trainer):
    run_epoch = trainer.run_epoch

    def once(e):
        run_epoch(e)
        raise Interrupted
    trainer.run_epoch = once
    return trainer


def test_trainer_runs_and_an_interrupted_run_resumes_to_the_same_weights(tiny_setup):
    root, cfg_path = tiny_setup
    straight, parts = str(root / "straight"), str(root / "parts")
    base = ["--config", cfg_path, "--threads", "1"]

    train.main(base + ["--out", straight])
    run = os.path.join(straight, "tiny")
    assert sorted(os.listdir(run)) == ["best.pt", "config.json", "last.pt", "metrics.json", "train.log"]
    ck = torch.load(os.path.join(run, "last.pt"))
    assert sorted(ck) == ["config", "ema", "ema_updates", "model", "opt", "state"]
    steps = (6 + 4) // 4  # fields (no shared sha) // batch
    assert ck["ema_updates"] == 2 * steps and ck["state"]["epoch"] == 2 and len(ck["state"]["history"]) == 2
    best = torch.load(os.path.join(run, "best.pt"))
    assert sorted(best) == ["config", "epoch", "metrics", "model", "weights"]
    assert best["weights"] in ("ema", "trained") and best["epoch"] == ck["state"]["best_epoch"]
    m = json.load(open(os.path.join(run, "metrics.json")))
    assert (m["epochs_done"], m["planned_epochs"], m["input"]) == (2, 2, [64, 64])
    assert m["best_val"]["AP"] == pytest.approx(best["metrics"]["AP"], abs=1e-4)
    assert sum(m["type_counts"]) == 4
    assert all(math.isfinite(h["loss_loss"]) and "AP_ema" in h for h in m["history"])

    # Killed after epoch 1, started again with the same command: continues from last.pt.
    args = train.parse_args(base + ["--out", parts])
    with pytest.raises(Interrupted):
        interrupt_after_first_epoch(train.Trainer(train.config_from_args(args), args.out, threads=1)).run()
    assert torch.load(os.path.join(parts, "tiny", "last.pt"))["state"]["epoch"] == 1
    train.main(base + ["--out", parts, "--resume"])
    ck2 = torch.load(os.path.join(parts, "tiny", "last.pt"))
    assert ck2["state"]["epoch"] == 2 and ck2["ema_updates"] == ck["ema_updates"]
    for key in ("model", "ema"):
        for name, v in ck[key].items():
            torch.testing.assert_close(ck2[key][name], v, rtol=1e-5, atol=1e-6, msg=f"{key} {name}")
    assert "resumed after epoch 1" in open(os.path.join(parts, "tiny", "train.log")).read()


def test_resume_without_a_checkpoint_stops(tiny_setup):
    root, cfg_path = tiny_setup
    with pytest.raises(SystemExit):
        train.main(["--config", cfg_path, "--threads", "1", "--out", str(root / "none"), "--resume"])


def test_extra_fields_join_the_train_split_untyped_and_not_val(tiny_setup):
    root, cfg_path = tiny_setup
    write_coco(str(root / "tiles"), "tiles", [(p, b, [-1] * len(b)) for p, b, _ in synthetic_fields(str(root / "img"), 3, 5)], False)
    args = train.parse_args(["--config", cfg_path, "--threads", "1", "--out", str(root / "extra")])
    cfg = train.config_from_args(args)
    trainer = train.Trainer(cfg, args.out, threads=1)
    trainer.log_f = io.StringIO()
    trainer.load_data()
    alone = (len(trainer.train_s), len(trainer.val_s))
    cfg["data"]["extra_train"] = [str(root / "tiles" / "tiles.json")]
    trainer = train.Trainer(cfg, args.out, threads=1)
    trainer.log_f = io.StringIO()
    trainer.load_data()
    assert (len(trainer.train_s), len(trainer.val_s)) == (alone[0] + 3, alone[1])
    extra = [s for s in trainer.train_s if s["source"] == "extra"]
    assert [len(s["boxes"]) for s in extra] == [1, 2, 1]
    assert all((s["types"] == -1).all() for s in extra)
    assert sum(trainer.counts) == 4  # the typed BCCD cells only
