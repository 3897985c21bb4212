"""export.py's training record: the stages a model went through, also when a later stage starts from
weights recovered from a shipped model (onnx_to_ckpt.py)."""
import json
import os

import pytest

pytest.importorskip("torch")
import export  # noqa: E402


def metrics(runs, run, **record):
    os.makedirs(os.path.join(runs, run), exist_ok=True)
    with open(os.path.join(runs, run, "metrics.json"), "w") as f:
        json.dump(record, f)


def test_stages_follow_the_inits_oldest_first(tmp_path):
    runs = str(tmp_path)
    metrics(runs, "m", epochs_done=40, minutes=30.0, init=None)
    metrics(runs, "m-polish", epochs_done=20, minutes=15.5, init="work/train/m/best.pt", device="cuda")
    assert export.training_stages({"id": "m-polish"}, runs) == [
        {"run": "m", "epochs": 40, "minutes": 30.0, "device": "cpu"},
        {"run": "m-polish", "epochs": 20, "minutes": 15.5, "device": "cuda"}]


def test_a_stage_from_recovered_weights_keeps_the_shipped_models_stages(tmp_path):
    runs = str(tmp_path)
    shipped = [{"run": "m", "epochs": 40, "minutes": 30.0, "device": "cpu"},
               {"run": "m-polish", "epochs": 20, "minutes": 15.5, "device": "cpu"}]
    metrics(runs, "m-polish", recovered_from="m.onnx", epochs_done=60, minutes=45.5, stages=shipped, init=None)
    metrics(runs, "m-phone", epochs_done=11, minutes=14.7, init="work/train/m-polish/best.pt")
    assert export.training_stages({"id": "m-phone"}, runs) == shipped + [
        {"run": "m-phone", "epochs": 11, "minutes": 14.7, "device": "cpu"}]
