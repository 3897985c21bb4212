import glob
import json
import os

from leukotrain.config import REPO, load_config, resolve

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    return str(path)


def test_resolve_is_relative_to_the_repository():
    assert resolve(None) is None
    assert resolve("/abs/x") == "/abs/x"
    assert resolve("work/train") == os.path.join(REPO, "work/train")
    assert os.path.exists(os.path.join(REPO, "scripts", "train", "train.py"))


def test_extends_merges_nested_keys_and_keeps_the_model_id(tmp_path):
    write(tmp_path / "base.json", {"id": "base", "model": {"arch": "centernet", "input_hw": [64, 64]},
                                   "train": {"lr": 0.002, "batch": 16}, "aug": {"hue_deg": 20, "rot90": True}})
    cfg = load_config(write(tmp_path / "stage2.json", {"extends": "base.json", "train": {"lr": 0.001}, "aug": {"hue_deg": 8}}))
    assert cfg["id"] == "stage2"  # from the file name: the base's id names the other run
    assert cfg["model_id"] == "base"
    assert cfg["train"] == {"lr": 0.001, "batch": 16}
    assert cfg["aug"] == {"hue_deg": 8, "rot90": True}
    assert "extends" not in cfg
    assert cfg["data"] == {} and cfg["loss"] == {}


def test_a_second_extension_keeps_the_first_model_id(tmp_path):
    write(tmp_path / "a.json", {"id": "a", "train": {"epochs": 10}})
    write(tmp_path / "b.json", {"extends": "a.json", "id": "b", "train": {"epochs": 5}})
    cfg = load_config(write(tmp_path / "c.json", {"extends": "b.json", "id": "c"}))
    assert (cfg["id"], cfg["model_id"], cfg["train"]["epochs"]) == ("c", "a", 5)


def test_shipped_configs_load_and_name_what_training_needs():
    paths = sorted(glob.glob(os.path.join(CONFIGS, "*.json")) + glob.glob(os.path.join(CONFIGS, "sweep", "*.json")))
    assert len(paths) >= 6
    for p in paths:
        cfg = load_config(p)
        assert cfg["model"]["arch"] in ("centernet", "yolo", "fcos"), p
        h, w = cfg["model"]["input_hw"]
        assert h % 32 == 0 and w % 32 == 0, p
        for k in ("epochs", "batch", "lr"):
            assert cfg["train"][k] > 0, (p, k)
        lo, hi = cfg["aug"].get("scale", [0.75, 1.25])
        assert 0 < lo <= hi, p


def test_polish_stage_changes_only_its_keys():
    base = load_config(os.path.join(CONFIGS, "cnet320.json"))
    polish = load_config(os.path.join(CONFIGS, "cnet320-polish.json"))
    assert polish["id"] == "cnet320-polish" and polish["model_id"] == "cnet320"
    assert polish["model"] == base["model"]
    assert polish["train"]["lr"] == base["train"]["lr"] / 2
    assert polish["train"]["batch"] == base["train"]["batch"]
    assert polish["train"]["init"] == "work/train/cnet320/best.pt"
