#!/usr/bin/python3
"""Export a trained detector to ONNX per the detector contract and register it in models/.

  /usr/bin/python3 scripts/train/export.py --config scripts/train/configs/cnet320.json \
      [--run-dir work/train/cnet320] [--weights best.pt] [--models models] [--no-manifest] [--no-verify]

Graph: images float32 [1,3,H,W] RGB 0..1 letterboxed -> boxes [1,N,4] x1,y1,x2,y2 input pixels,
scores [1,N,5] = objectness x type softmax; opset 17, no threshold or NMS.
Beside the weights (<run-dir>/export/) it leaves input.f32, boxes.f32, scores.f32 (raw float32,
little-endian) and io.json for verify_onnx.mjs, which it runs unless --no-verify.
"""
import argparse
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leukotrain import TYPES  # noqa: E402
from leukotrain.config import load_config, resolve  # noqa: E402
from leukotrain.data import field_input, load_eval_set, load_named_split  # noqa: E402
from leukotrain.flops import count_flops, count_params  # noqa: E402
from leukotrain.metrics import evaluate  # noqa: E402
from leukotrain.models import build_model  # noqa: E402
from leukotrain.verify import verify_against_onnx  # noqa: E402


class ContractWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        return self.model.export_outputs(images)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def r4(v):
    return None if v is None else round(float(v), 4)


def training_stages(cfg, runs_dir):
    """The run and the runs it started from (train.init), oldest first, from their metrics.json."""
    stages, run_id = [], cfg["id"]
    while run_id:
        mpath = os.path.join(runs_dir, run_id, "metrics.json")
        tm = json.load(open(mpath)) if os.path.exists(mpath) else {}
        if tm.get("stages"):  # recovered from a shipped model (onnx_to_ckpt.py): its manifest's stages
            return tm["stages"] + stages
        stages.insert(0, {"run": run_id, "epochs": tm.get("epochs_done") or 0, "minutes": tm.get("minutes") or 0.0,
                          "device": tm.get("device", "cpu")})
        init = tm.get("init")
        run_id = os.path.basename(os.path.dirname(init)) if init else None
    return stages


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--run-dir", default=None, help="default work/train/<id>")
    ap.add_argument("--weights", default="best.pt", help="checkpoint file in the run dir (best.pt: the best validated weights, EMA or trained)")
    ap.add_argument("--models", default="models", help="models folder holding manifest.json")
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--not-member", action="store_true", help="do not add the model to the ensemble's members")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--no-eval", action="store_true", help="skip measuring val/test metrics for the manifest")
    ap.add_argument("--txl-dir", default=None)
    ap.add_argument("--bccd-dir", default=None)
    return ap.parse_args()


def load_trained(cfg, ckpt_path):
    """The checkpoint's model (its EMA weights where it has them) in eval mode, and the run's config."""
    ck = torch.load(ckpt_path, map_location="cpu")
    if "ema" in ck:
        weights = ck["ema"]
    else:
        weights = ck["model"]
    cfg_run = ck.get("config", cfg)
    model = build_model(cfg_run["model"])
    model.load_state_dict(weights)
    model.eval()
    return model, cfg_run


def export_onnx(wrapper, x, models_dir, mid):
    """Writes <models>/<id>.onnx through a temporary file; returns its path and size."""
    os.makedirs(models_dir, exist_ok=True)
    onnx_path = os.path.join(models_dir, mid + ".onnx")
    tmp = onnx_path + ".tmp"
    torch.onnx.export(wrapper, x, tmp, opset_version=17, input_names=["images"], output_names=["boxes", "scores"],
                      do_constant_folding=True)
    os.replace(tmp, onnx_path)
    return onnx_path, os.path.getsize(onnx_path)


def eval_metrics(model, split, hw):
    """The manifest's metrics of the val and test splits (the splits that are not empty)."""
    metrics = {}
    for name in ("val", "test"):
        s = split(name)
        if not s:
            continue
        imgs, gts = load_eval_set(s, hw, log=None)
        m = evaluate(model, imgs, gts, torch.device("cpu"))
        metrics[name] = {"AP50": r4(m["AP50"]), "AP75": r4(m["AP75"]), "AP": r4(m["AP"]), "typeAccuracy": r4(m["type_acc"]),
                         "typeRecall": [r4(v) for v in m["type_recall"]], "typedBoxes": m["typed_gt"],
                         "bestF1": {k: r4(v) for k, v in m["best_f1"].items()},
                         "fields": len(s), "note": "class-agnostic leukocyte AP on merged TXL-PBC+BCCD split, quick evaluator"}
        print(name, metrics[name])
    return metrics


def training_record(cfg, run_dir, config_path):
    """The manifest's training section: the data, and the stages summed over the run and its inits."""
    stages = training_stages(cfg, os.path.dirname(run_dir))
    data = "TXL-PBC (WBC boxes, 4 sources) merged by sha256 with BCCD typed boxes; splits of datasets/build"
    extra = cfg.get("data", {}).get("extra_train", [])
    if extra:
        data += "; plus the training fields of " + ", ".join(extra)
    return {"data": data,
            "epochs": sum(st["epochs"] for st in stages), "minutes": round(sum(st["minutes"] for st in stages), 1),
            "stages": stages, "config": os.path.relpath(resolve(config_path), resolve("."))}


def manifest_entry(cfg, cfg_run, model, onnx_path, size, metrics, training):
    # Unless the config fixes it, the threshold is the one with the best F1 on validation.
    score_thr = cfg.get("export", {}).get("scoreThreshold")
    if score_thr is None:
        score_thr = metrics.get("val", {}).get("bestF1", {}).get("threshold", 0.25)
    mid = cfg.get("model_id", cfg["id"])
    H, W = cfg_run["model"]["input_hw"]
    return {
        "id": mid, "file": mid + ".onnx", "sha256": sha256_file(onnx_path), "input": [H, W], "classes": TYPES,
        "scoreThreshold": score_thr, "nmsIou": cfg.get("export", {}).get("nmsIou", 0.5),
        "nmsClassAware": False, "maxDetections": 100, "sizeBytes": size,
        "gflops": round(count_flops(model, (H, W)) / 1e9, 3), "params": count_params(model),
        "architecture": cfg.get("description", cfg_run["model"]["arch"]),
        "training": training,
        "metrics": metrics,
    }


def update_manifest(models_dir, entry, member):
    """Replaces the model's entry in <models>/manifest.json (made if absent) and, if member, adds it to
    the ensemble's members; written through a temporary file."""
    mid = entry["id"]
    man_path = os.path.join(models_dir, "manifest.json")
    man = json.load(open(man_path)) if os.path.exists(man_path) else {"version": 1, "models": [], "ensemble": {"members": [], "mode": "paper", "iou": 0.55}}
    man["models"] = [m for m in man["models"] if m["id"] != mid] + [entry]
    man["models"].sort(key=lambda m: m["id"])
    ens = man.setdefault("ensemble", {"members": [], "mode": "paper", "iou": 0.55})
    if member and mid not in ens.get("members", []):
        ens["members"] = ens.get("members", []) + [mid]
    tmpm = man_path + ".tmp"
    with open(tmpm, "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    os.replace(tmpm, man_path)
    print(f"manifest updated: {man_path}")


def main():
    args = parse_args()
    torch.set_num_threads(os.cpu_count())

    cfg = load_config(args.config)
    mid = cfg.get("model_id", cfg["id"])
    run_dir = resolve(args.run_dir or os.path.join("work/train", cfg["id"]))
    model, cfg_run = load_trained(cfg, os.path.join(run_dir, args.weights))
    H, W = cfg_run["model"]["input_hw"]

    d = cfg.get("data", {})
    txl_dir = resolve(args.txl_dir or d.get("txl_dir"))
    bccd_dir = resolve(args.bccd_dir or d.get("bccd_dir"))

    def split(name):
        return load_named_split(txl_dir, bccd_dir, name, log=None)

    # The verification input is a real validation field, so scores are not all near zero.
    val = split("val")
    x = field_input(val[0]["path"], (H, W)) if val else torch.rand(1, 3, H, W, generator=torch.Generator().manual_seed(0))
    wrapper = ContractWrapper(model).eval()
    with torch.no_grad():
        boxes, scores = wrapper(x)

    models_dir = resolve(args.models)
    onnx_path, size = export_onnx(wrapper, x, models_dir, mid)
    print(f"{onnx_path}: {size / 1e6:.2f} MB, boxes {tuple(boxes.shape)}, scores {tuple(scores.shape)}")

    diffs = None if args.no_verify else verify_against_onnx(x, boxes, scores, onnx_path, os.path.join(run_dir, "export"))

    if args.no_manifest:
        return
    metrics = {}
    if diffs:
        metrics["onnxMaxAbsDiff"] = {"boxes": diffs["boxes"], "scores": diffs["scores"]}
    if not args.no_eval:
        metrics.update(eval_metrics(model, split, (H, W)))
    entry = manifest_entry(cfg, cfg_run, model, onnx_path, size, metrics, training_record(cfg, run_dir, args.config))
    update_manifest(models_dir, entry, not args.not_member)


if __name__ == "__main__":
    main()
