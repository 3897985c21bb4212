"""Exports a trained cell classifier to ONNX and registers it in models/manifest.json (cellClassifier).

    /usr/bin/python3 scripts/train/cellcls/export.py --run work/cellcls/shipped \\
        --data work/cellcls/data [--models models] [--file cellcls72.onnx] [--unidentified-below P]

Graph (opset 17): crops float32 [N,3,S,S] RGB 0..1 and background float32 [N,3] RGB 0..1 ->
probs [N,8] (softmax, CLASSES order). Checks onnxruntime-node against torch on the validation
crops (scripts/train/cellcls/verify_onnx.mjs) before touching the manifest.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# leukotrain, after cellcls: the detectors' train.py must not shadow cellcls/train.py.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common import CLASSES, CROP_RBC, INPUT_PX, sha256_file  # noqa: E402
from leukotrain.flops import count_flops, count_params  # noqa: E402
from model import Exported, load_trained  # noqa: E402
from train import affine_batch, backgrounds, load  # noqa: E402


REGISTER = """
const fs = require('fs');
const [file, entryFile] = process.argv.slice(1);
const m = JSON.parse(fs.readFileSync(file, 'utf8'));
m.cellClassifier = JSON.parse(fs.readFileSync(entryFile, 'utf8'));
fs.writeFileSync(file + '.tmp', JSON.stringify(m, null, 2) + '\\n');
fs.renameSync(file + '.tmp', file);
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="training folder holding best.pt and history.json")
    ap.add_argument("--data", required=True, help="crop cache, for the torch-vs-onnxruntime check")
    ap.add_argument("--models", default="models")
    ap.add_argument("--file", default=f"cellcls{INPUT_PX}.onnx")
    ap.add_argument("--unidentified-below", type=float,
                    help="below this top probability a cell is unidentified (default: the manifest's current value, else 0.5)")
    ap.add_argument("--metrics", help="JSON of scripts/train/cellcls/evaluate.py to record in the manifest")
    args = ap.parse_args()
    torch.set_num_threads(2)
    net = load_trained(os.path.join(args.run, "best.pt")).eval()
    model = Exported(net).eval()
    out_path = os.path.join(args.models, args.file)
    dummy = (torch.rand(2, 3, INPUT_PX, INPUT_PX), torch.rand(2, 3))
    torch.onnx.export(model, dummy, out_path, input_names=["crops", "background"], output_names=["probs"],
                      dynamic_axes={"crops": {0: "n"}, "background": {0: "n"}, "probs": {0: "n"}}, opset_version=17)

    crops, items = load(args.data)
    idx = np.array([i for i, m in enumerate(items) if m["split"] == "val"])[:64]
    x = affine_batch(torch.from_numpy(np.asarray(crops[idx])).permute(0, 3, 1, 2).float() / 255, None, False)
    bg = torch.from_numpy(backgrounds(items, idx)) / 255
    with torch.no_grad():
        want = model(x, bg).numpy()
    check_dir = os.path.join(args.run, "export")
    os.makedirs(check_dir, exist_ok=True)
    x.numpy().astype("<f4").tofile(os.path.join(check_dir, "crops.f32"))
    bg.numpy().astype("<f4").tofile(os.path.join(check_dir, "background.f32"))
    want.astype("<f4").tofile(os.path.join(check_dir, "probs.f32"))
    with open(os.path.join(check_dir, "io.json"), "w") as f:
        json.dump({"crops": list(x.shape), "background": list(bg.shape), "probs": list(want.shape)}, f)
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run(["node", os.path.join(here, "verify_onnx.mjs"), out_path, check_dir], capture_output=True, text=True)
    print(res.stdout.strip())
    if res.returncode != 0:
        sys.exit(f"onnxruntime does not match torch: {res.stderr.strip()}")
    max_diff = json.loads(res.stdout.strip().splitlines()[-1])["probs"]

    with open(os.path.join(args.run, "history.json")) as f:
        hist = json.load(f)
    if args.unidentified_below is None:
        # A retrained classifier keeps the threshold chosen for the set it replaces unless told otherwise.
        with open(os.path.join(args.models, "manifest.json")) as f:
            args.unidentified_below = json.load(f).get("cellClassifier", {}).get("unidentifiedBelow", 0.5)
    entry = {
        "file": args.file,
        "sha256": sha256_file(out_path),
        "inputPx": INPUT_PX,
        "cropRbc": CROP_RBC,
        "classes": CLASSES,
        "unidentifiedBelow": args.unidentified_below,
        "sizeBytes": os.path.getsize(out_path),
        "gflops": round(count_flops(net, (INPUT_PX, INPUT_PX)) / 1e9, 4),
        "params": count_params(net),
        "architecture": f"residual CNN ({'group' if hist['args'].get('norm') == 'gn' else 'batch'} norm) on optical densities against the field's background (Beer-Lambert), 72x72 crop of 3.6 red-cell diameters",
        "training": {
            "args": hist["args"],
            "epochs": len(hist["history"]),
            "minutes": round(sum(h["minutes"] for h in hist["history"]), 1),
            "bestValMeanRecall5": round(hist["best_mean_recall5"], 4),
            # finetune.py chooses on the clinics' val splits, train.py on the public ones.
            "selectedOn": hist.get("selected_on") or "mean recall over the five types on the val splits of "
            + (", ".join(hist["args"]["clinics"]) if "clinics" in hist["args"] else str(hist["args"].get("val_sources"))),
        },
        "onnxMaxAbsDiff": max_diff,
    }
    if args.metrics:
        with open(args.metrics) as f:
            entry["metrics"] = json.load(f)
    entry_path = os.path.join(check_dir, "manifest-entry.json")
    with open(entry_path, "w") as f:
        json.dump(entry, f)
    # Node writes the manifest, so that its numbers keep the form the rest of the file has.
    subprocess.run(["node", "-e", REGISTER, os.path.join(args.models, "manifest.json"), entry_path], check=True)
    print(f"{out_path}: sha256 {entry['sha256'][:12]}..., {entry['gflops']} GFLOPs per cell; manifest updated")


if __name__ == "__main__":
    main()
