"""cellcls/finetune.py end to end on a tiny public cache and a synthetic export (a few seconds on the CPU)."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
np = pytest.importorskip("numpy")

from test_exports import CELLCLS, make_export, many_samples  # noqa: E402


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
    assert "+ " in done.stdout and "public (replay)" in done.stdout
    assert (out / "best.pt").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already holds" in again.stderr
