#!/usr/bin/python3
"""Recover a trainable PyTorch checkpoint from an exported member, to continue training it.

  /usr/bin/python3 scripts/train/onnx_to_ckpt.py --config scripts/train/configs/cnet320.json \
      [--onnx models/cnet320.onnx] [--out work/train/cnet320/best.pt]

The export folds every BatchNorm into its convolution (W' = W*g/s, b' = b - m*g/s). Un-folding
keeps W' in the convolution and gives the BatchNorm the statistics of W'x measured on training
batches (mean m, std s) with g = s and b = m + b': the network computes exactly the same function
in eval mode, and in train mode its batch statistics start where the running ones are. Needs
Debian's python3-onnx. The result is checked against onnxruntime-node like an export.
"""
import argparse
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leukotrain.config import load_config, resolve  # noqa: E402
from leukotrain.data import ImageCache, TrainLoader, field_input, load_named_split  # noqa: E402
from leukotrain.models import build_model  # noqa: E402
from leukotrain.verify import verify_against_onnx  # noqa: E402


def module_name(node_name):
    """"/model/stem/stem.2/c1/c1.0/Conv" -> "stem.2.c1.0"; a shared module called again gets "_1"."""
    parts = []
    for comp in node_name.split("/")[2:-1]:
        comp = re.sub(r"_\d+$", "", comp)
        if parts and comp.startswith(parts[-1] + "."):
            parts[-1] = comp
        else:
            parts.append(comp)
    return ".".join(parts)


def onnx_conv_weights(path):
    """{module name: (output tensor name, weight, bias)} of the graph's convolutions (a shared module:
    its first call), and {tensor name: the scalar it is multiplied by}."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    consts = {}
    for n in m.graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    convs, muls = {}, []
    for n in m.graph.node:
        if n.op_type == "Conv":
            name = module_name(n.name)
            w = inits[n.input[1]]
            b = inits[n.input[2]] if len(n.input) > 2 else None
            convs.setdefault(name, (n.output[0], w, b))
        elif n.op_type == "Mul":
            muls.append(n)
    scalars = {}
    for n in muls:
        for i, j in ((0, 1), (1, 0)):
            v = inits.get(n.input[j], consts.get(n.input[j]))
            if v is not None and v.size == 1:
                scalars.setdefault(n.input[i], float(v.reshape(-1)[0]))
    return convs, scalars


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--onnx", default=None, help="default models/<id>.onnx")
    ap.add_argument("--out", default=None, help="default work/train/<id>/best.pt")
    ap.add_argument("--batches", type=int, default=8, help="training batches used to measure the statistics")
    return ap.parse_args()


def load_folded_weights(model, convs, scalars, onnx_path, config_path):
    """Copies the ONNX convolutions into the model; returns [(conv, its BatchNorm, fused bias)] for the
    convolutions whose BatchNorm the export folded."""
    modules = dict(model.named_modules())
    folded = []  # (conv module, bn module, fused bias)
    used = set()
    with torch.no_grad():
        for name, mod in modules.items():
            if not isinstance(mod, torch.nn.Conv2d):
                continue
            if name not in convs:
                sys.exit(f"{onnx_path}: no convolution for module {name}; is it the export of {config_path}?")
            _, w, b = convs[name]
            used.add(name)
            if tuple(w.shape) != tuple(mod.weight.shape):
                sys.exit(f"{name}: shape {w.shape} in the ONNX file, {tuple(mod.weight.shape)} in the model")
            mod.weight.copy_(torch.from_numpy(w.copy()))
            parent, _, idx = name.rpartition(".")
            bn = modules.get(f"{parent}.{int(idx) + 1}") if idx.isdigit() else None
            if isinstance(bn, torch.nn.BatchNorm2d):
                folded.append((mod, bn, torch.from_numpy(b.copy())))
            elif mod.bias is not None:
                mod.bias.copy_(torch.from_numpy(b.copy()))
        if set(convs) - used:
            sys.exit(f"{onnx_path}: convolutions without a module: {sorted(set(convs) - used)}")
        if hasattr(model, "scales"):
            # FCOS multiplies each level's distance logits by a learned scale.
            for i, suffix in enumerate(["", "_1"]):
                out_name = convs["reg"][0].replace("/reg/", f"/reg{suffix}/") if suffix else convs["reg"][0]
                if out_name not in scalars:
                    sys.exit(f"{onnx_path}: no scale for the distances of level {i}")
                model.scales[i] = scalars[out_name]
    return folded


def measure_folded_outputs(model, folded, cfg, train, batches):
    """Per folded convolution: [sum, sum of squares, count] of W'x per channel on training batches
    (the same augmentation as training)."""
    stats = {id(c): [0.0, 0.0, 0] for c, _, _ in folded}
    hooks = []
    for conv, _, _ in folded:
        def hook(mod, inp, out, key=id(conv)):
            y = out.detach().double()
            s = stats[key]
            s[0] = s[0] + y.sum((0, 2, 3))
            s[1] = s[1] + (y * y).sum((0, 2, 3))
            s[2] += y.numel() // y.shape[1]
        hooks.append(conv.register_forward_hook(hook))
    for _, bn, fb in folded:
        # Identity BatchNorm with the fused bias while measuring: eval output equals the ONNX graph.
        bn.weight.data.fill_(1.0)
        bn.bias.data.copy_(fb)
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
    hw = tuple(cfg["model"]["input_hw"])
    loader = TrainLoader(ImageCache(train[: batches * cfg["train"]["batch"]], hw, cfg["aug"].get("scale", [1, 1])[1], log=None),
                         hw, cfg["train"]["batch"], cfg["aug"], 0)
    with torch.no_grad():
        for x, _ in loader.epoch(0, torch.device("cpu")):
            model(x)
    for h in hooks:
        h.remove()
    return stats


def unfold_batch_norms(folded, stats):
    """Gives each BatchNorm the measured statistics of W'x, with g = s and b = m + b'."""
    with torch.no_grad():
        for conv, bn, fb in folded:
            s0, s1, n = stats[id(conv)]
            mean = s0 / n
            var = (s1 / n - mean * mean).clamp(min=1e-6)
            std = torch.sqrt(var + bn.eps)
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())
            bn.weight.copy_(std.float())
            bn.bias.copy_((mean + fb.double()).float())


def write_metrics_record(mid, onnx_path, out_path):
    """Keeps the shipped model's training record, so later stages add to it."""
    man_path = os.path.join(os.path.dirname(onnx_path), "manifest.json")
    entry = next((m for m in json.load(open(man_path))["models"] if m["id"] == mid), {}) if os.path.exists(man_path) else {}
    tr = entry.get("training", {})
    mpath = os.path.join(os.path.dirname(out_path), "metrics.json")
    if not os.path.exists(mpath):
        with open(mpath, "w") as f:
            json.dump({"id": mid, "recovered_from": os.path.basename(onnx_path), "epochs_done": tr.get("epochs"),
                       "minutes": tr.get("minutes"), "stages": tr.get("stages"), "init": None}, f, indent=2)


def main():
    args = parse_args()
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    cfg = load_config(args.config)
    mid = cfg.get("model_id", cfg["id"])
    onnx_path = resolve(args.onnx or os.path.join("models", mid + ".onnx"))
    out_path = resolve(args.out or os.path.join("work/train", mid, "best.pt"))
    model = build_model(cfg["model"]).eval()
    convs, scalars = onnx_conv_weights(onnx_path)
    folded = load_folded_weights(model, convs, scalars, onnx_path, args.config)

    d = cfg["data"]
    train = load_named_split(resolve(d.get("txl_dir")), resolve(d.get("bccd_dir")), "train", log=None)
    stats = measure_folded_outputs(model, folded, cfg, train, args.batches)
    unfold_batch_norms(folded, stats)
    model.eval()

    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    torch.save({"model": model.state_dict(), "config": cfg, "recovered_from": os.path.relpath(onnx_path, resolve("."))}, out_path)
    print(f"{out_path}: recovered from {onnx_path} ({len(folded)} batch norms unfolded)")
    write_metrics_record(mid, onnx_path, out_path)

    # Same check as an export; rounding in the un-folding moves boxes by a few thousandths of a pixel.
    hw = tuple(cfg["model"]["input_hw"])
    x = field_input(train[0]["path"], hw)
    with torch.no_grad():
        boxes, scores = model.export_outputs(x)
    verify_against_onnx(x, boxes, scores, onnx_path, os.path.join(os.path.dirname(out_path), "recovered"), 0.02)


if __name__ == "__main__":
    main()
