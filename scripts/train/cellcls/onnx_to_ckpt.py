"""Recovers a trainable checkpoint of the shipped cell classifier from its ONNX export, so that
finetune.py can start from it where the training run's files are not.

    /usr/bin/python3 scripts/train/cellcls/onnx_to_ckpt.py --out work/cellcls/shipped \\
        [--onnx models/cellcls72.onnx] [--manifest models/manifest.json] [--data work/cellcls/data]

OUT gets best.pt (a CellNet state_dict, as model.load_trained reads it) and args.json (the training
args of the manifest's cellClassifier entry, whose sha256 the ONNX file must have: load_trained and
finetune.py take the norm from it). The graph's parameters are matched to CellNet by structure: its
convolutions in the order the network runs them, the normalisation that follows each, the Gemm.

Group norm is exported as Reshape, InstanceNormalization, Reshape, Mul (weight), Add (bias): the
weight and bias go back unchanged. Batch norm is folded into the convolution (W' = W*g/s,
b' = b - m*g/s): W' stays in the convolution and the BatchNorm gets mean m and std s of W'x with
g = s and b = m + b', which computes the same function in eval mode. m and s are measured on --data's
validation crops (so that train mode's batch statistics start near the running ones); without
--data they are 0 and 1 (running variance 1 - eps: an identity BatchNorm with bias b').

Before writing, the recovered model is run (Exported, torch) on --data's validation crops, or on
seeded random crops, and compared with the ONNX file under onnxruntime-node (verify_onnx.mjs);
above --tolerance nothing is written. Needs Debian's python3-onnx.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import INPUT_PX, sha256_file  # noqa: E402
from model import CellNet, Exported, optical_density  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class GraphError(Exception):
    """The ONNX graph is not the export of a CellNet."""


class Graph:
    """An ONNX graph's nodes, constant values (initializers, Constant nodes and their Identity
    aliases: the export dedupes equal initializers) and each tensor's consumers."""

    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        model = onnx.load(path)
        g = model.graph
        self.nodes = list(g.node)
        self.inputs = [i.name for i in g.input]
        self.outputs = [o.name for o in g.output]
        self.values = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        self.source = {name: name for name in self.values}  # alias -> initializer it reads
        for n in self.nodes:
            if n.op_type == "Constant":
                for a in n.attribute:
                    if a.name == "value":
                        self.values[n.output[0]] = numpy_helper.to_array(a.t)
            elif n.op_type == "Identity" and n.input[0] in self.values:
                self.values[n.output[0]] = self.values[n.input[0]]
                if n.input[0] in self.source:
                    self.source[n.output[0]] = self.source[n.input[0]]
        self.consumers = {}
        for n in self.nodes:
            for t in n.input:
                self.consumers.setdefault(t, []).append(n)
        self.used = set()

    def param(self, name, what):
        """The initializer behind a tensor, recorded as used."""
        if name not in self.source:
            raise GraphError(f"{what}: {name!r} is not a stored parameter")
        self.used.add(self.source[name])
        return self.values[name]

    def next_op(self, tensor, op, what):
        """The single node of type op that reads tensor."""
        found = [n for n in self.consumers.get(tensor, []) if n.op_type == op]
        if len(found) != 1:
            seen = sorted({n.op_type for n in self.consumers.get(tensor, [])})
            raise GraphError(f"{what}: expected {op} after {tensor!r}, found {seen or 'nothing'}")
        return found[0]

    def other_input(self, node, tensor, what):
        rest = [t for t in node.input if t != tensor]
        if len(rest) != 1:
            raise GraphError(f"{what}: {node.op_type} {node.name!r} has no single parameter input")
        return rest[0]


def attr(node, name, default=None):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def conv_pairs(net):
    """[(name, Conv2d, the norm module after it)] in the order CellNet runs them (stem, s1, then each
    ResBlock's a, b, skip: each a Sequential of conv, norm[, relu])."""
    modules = dict(net.named_modules())
    out = []
    for name, mod in modules.items():
        if isinstance(mod, nn.Conv2d):
            parent, _, idx = name.rpartition(".")
            out.append((name, mod, modules[f"{parent}.{int(idx) + 1}"]))
    return out


def load_group_norm(graph, tensor, gn, what):
    """Reshape -> InstanceNormalization (scale 1, bias 0) -> Reshape -> Mul(weight) -> Add(bias)."""
    reshape = graph.next_op(tensor, "Reshape", what)
    inorm = graph.next_op(reshape.output[0], "InstanceNormalization", what)
    scale, bias = (graph.values.get(t) for t in inorm.input[1:3])
    if scale is None or bias is None or not np.all(scale == 1) or not np.all(bias == 0):
        raise GraphError(f"{what}: InstanceNormalization with a scale or bias other than the group norm export's")
    if scale.size != gn.num_groups:
        raise GraphError(f"{what}: {scale.size} groups in the graph, {gn.num_groups} in CellNet")
    if abs(attr(inorm, "epsilon", 1e-5) - gn.eps) > 1e-9:
        raise GraphError(f"{what}: epsilon {attr(inorm, 'epsilon')} in the graph, {gn.eps} in CellNet")
    back = graph.next_op(inorm.output[0], "Reshape", what)
    mul = graph.next_op(back.output[0], "Mul", what)
    add = graph.next_op(mul.output[0], "Add", what)
    c = gn.num_channels
    for node, t, dst in ((mul, back.output[0], gn.weight), (add, mul.output[0], gn.bias)):
        v = graph.param(graph.other_input(node, t, what), what)
        if v.size != c or v.shape not in ((c,), (c, 1, 1)):
            raise GraphError(f"{what}: group norm {node.op_type} parameter of shape {v.shape}, expected ({c}, 1, 1)")
        dst.data.copy_(torch.from_numpy(v.reshape(c).astype(np.float32)))


def load_weights(graph, net, norm):
    """Copies the graph's parameters into net (a CellNet built with norm); returns [(conv, bn, folded
    bias)] for batch norm. Raises GraphError where the graph is not a CellNet export."""
    if graph.inputs != ["crops", "background"] or graph.outputs != ["probs"]:
        raise GraphError(f"inputs {graph.inputs} -> outputs {graph.outputs}, not crops, background -> probs")
    convs = [n for n in graph.nodes if n.op_type == "Conv"]
    pairs = conv_pairs(net)
    if len(convs) != len(pairs):
        raise GraphError(f"{len(convs)} convolutions in the graph, {len(pairs)} in CellNet")
    folded = []
    with torch.no_grad():
        for node, (name, conv, nm) in zip(convs, pairs):
            what = f"convolution {name} (node {node.name!r})"
            w = graph.param(node.input[1], what)
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise GraphError(f"{what}: weight {tuple(w.shape)} in the graph, {tuple(conv.weight.shape)} in CellNet")
            stride = tuple(attr(node, "strides", [1, 1]))
            pads = tuple(attr(node, "pads", [0, 0, 0, 0]))
            if stride != conv.stride or pads != conv.padding * 2 or attr(node, "group", 1) != conv.groups:
                raise GraphError(f"{what}: strides {stride}, pads {pads} in the graph, {conv.stride}, {conv.padding * 2} in CellNet")
            conv.weight.copy_(torch.from_numpy(w.astype(np.float32)))
            has_bias = len(node.input) > 2 and node.input[2] != ""
            if norm == "gn":
                if has_bias:
                    raise GraphError(f"{what}: a bias, as batch norm folded into the convolution leaves (manifest says gn)")
                load_group_norm(graph, node.output[0], nm, what)
            else:
                readers = {n.op_type for n in graph.consumers.get(node.output[0], [])}
                if not has_bias or not readers <= {"Relu", "Add"}:
                    raise GraphError(f"{what}: expected a batch norm folded into the convolution (bias, then Relu or Add), "
                                     f"found {'a' if has_bias else 'no'} bias and {sorted(readers)} after it")
                b = graph.param(node.input[2], what)
                if b.shape != (conv.out_channels,):
                    raise GraphError(f"{what}: bias of shape {b.shape}")
                folded.append((conv, nm, torch.from_numpy(b.astype(np.float32))))
        gemms = [n for n in graph.nodes if n.op_type == "Gemm"]
        if len(gemms) != 1:
            raise GraphError(f"{len(gemms)} Gemm nodes in the graph, CellNet's classifier is one")
        gemm, fc = gemms[0], net.fc
        if attr(gemm, "alpha", 1.0) != 1.0 or attr(gemm, "beta", 1.0) != 1.0 or attr(gemm, "transA", 0) or len(gemm.input) != 3:
            raise GraphError(f"Gemm {gemm.name!r} is not a Linear layer's")
        w = graph.param(gemm.input[1], "classifier")
        if not attr(gemm, "transB", 0):
            w = w.T
        b = graph.param(gemm.input[2], "classifier")
        if w.shape != tuple(fc.weight.shape) or b.shape != tuple(fc.bias.shape):
            raise GraphError(f"classifier: weight {w.shape}, bias {b.shape} in the graph, {tuple(fc.weight.shape)} in CellNet")
        fc.weight.copy_(torch.from_numpy(np.array(w, dtype=np.float32)))
        fc.bias.copy_(torch.from_numpy(b.astype(np.float32)))
    unused = sorted(set(graph.source.values()) - graph.used)
    if unused:
        raise GraphError(f"parameters CellNet has no place for: {', '.join(unused[:6])}{' ...' if len(unused) > 6 else ''}")
    return folded


def unfold_batch_norms(net, folded, od=None):
    """Gives each BatchNorm the mean m and std s of W'x (measured on od, or 0 and 1) with g = s and
    b = m + b'."""
    stats = {}
    with torch.no_grad():
        for conv, bn, fb in folded:
            bn.weight.fill_(1.0)
            bn.bias.copy_(fb)
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        if od is None:
            return
        # With identity BatchNorms the eval-mode network is the graph's, so each W'x is the exported one.
        hooks = [conv.register_forward_hook(lambda mod, inp, out: stats.__setitem__(id(mod), out.double()))
                 for conv, _, _ in folded]
        net.eval()(od)
        for h in hooks:
            h.remove()
        for conv, bn, fb in folded:
            y = stats[id(conv)]
            mean = y.mean((0, 2, 3))
            var = y.var((0, 2, 3), unbiased=False).clamp(min=1e-6)
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())
            bn.weight.copy_(torch.sqrt(var + bn.eps).float())
            bn.bias.copy_((mean + fb.double()).float())


def check_inputs(data, n_random, seed):
    """(crops, background, description): the first 64 validation crops of a crop cache as export.py
    takes them, or seeded random crops on bright backgrounds."""
    if data:
        from train import affine_batch, backgrounds, load
        crops, items = load(data)
        idx = np.array([i for i, m in enumerate(items) if m["split"] == "val"])[:64]
        if not len(idx):
            sys.exit(f"{data}: no validation crops")
        x = affine_batch(torch.from_numpy(np.asarray(crops[idx])).permute(0, 3, 1, 2).float() / 255, None, False)
        return x, torch.from_numpy(backgrounds(items, idx)) / 255, f"{len(idx)} validation crops of {data}"
    gen = torch.Generator().manual_seed(seed)
    bg = 0.75 + 0.25 * torch.rand(n_random, 3, generator=gen)
    # Smooth colour fields with some grain: plain noise is 'not_leukocyte' with near certainty, which
    # would hide differences behind saturated probabilities.
    smooth = F.interpolate(torch.rand(n_random, 3, 6, 6, generator=gen), size=(INPUT_PX, INPUT_PX), mode="bicubic",
                           align_corners=False).clamp(0, 1)
    grain = torch.rand(n_random, 3, INPUT_PX, INPUT_PX, generator=gen)
    x = (0.15 + 0.85 * (0.8 * smooth + 0.2 * grain)) * bg[:, :, None, None]
    return x, bg, f"{n_random} random crops (seed {seed})"


def compare_with_onnx(model, onnx_path, x, bg, tolerance):
    """Max abs difference of the probabilities between torch and onnxruntime-node."""
    with torch.no_grad():
        want = model(x, bg).numpy()
    with tempfile.TemporaryDirectory() as d:
        x.numpy().astype("<f4").tofile(os.path.join(d, "crops.f32"))
        bg.numpy().astype("<f4").tofile(os.path.join(d, "background.f32"))
        want.astype("<f4").tofile(os.path.join(d, "probs.f32"))
        with open(os.path.join(d, "io.json"), "w") as f:
            json.dump({"crops": list(x.shape), "background": list(bg.shape), "probs": list(want.shape)}, f)
        try:
            res = subprocess.run(["node", os.path.join(HERE, "verify_onnx.mjs"), onnx_path, d, str(tolerance)],
                                 capture_output=True, text=True)
        except FileNotFoundError:
            sys.exit("node is not installed: it runs the ONNX file (onnxruntime-node) for the check")
    try:
        return json.loads(res.stdout.strip().splitlines()[-1])["probs"]
    except (IndexError, ValueError, KeyError):
        err = (res.stderr.strip().splitlines() or ["no output"])[-1]
        sys.exit(f"onnxruntime-node could not run {onnx_path}: {err}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", default="models/cellcls72.onnx")
    ap.add_argument("--manifest", default="models/manifest.json")
    ap.add_argument("--out", required=True, help="folder for best.pt and args.json")
    ap.add_argument("--data", help="crop cache (prepare.py's --out): check on its validation crops")
    ap.add_argument("--random", type=int, default=32, help="random crops to check on without --data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max abs difference of the probabilities")
    args = ap.parse_args()
    torch.set_num_threads(2)

    for path in (args.onnx, args.manifest):
        if not os.path.isfile(path):
            sys.exit(f"{path}: no such file")
    with open(args.manifest) as f:
        entry = json.load(f).get("cellClassifier")
    if not entry:
        sys.exit(f"{args.manifest}: no cellClassifier entry")
    if sha256_file(args.onnx) != entry.get("sha256"):
        sys.exit(f"{args.onnx} is not the file {args.manifest} registers as cellClassifier ({entry.get('file')}): sha256 differs")
    train_args = (entry.get("training") or {}).get("args")
    if not isinstance(train_args, dict):
        sys.exit(f"{args.manifest}: cellClassifier has no training.args, so the norm is unknown")
    norm = train_args.get("norm", "bn")  # load_trained's rule for runs without the key
    if os.path.exists(os.path.join(args.out, "best.pt")):
        sys.exit(f"{args.out} already holds best.pt: use another --out")

    net = CellNet(norm=norm).eval()
    try:
        folded = load_weights(Graph(args.onnx), net, norm)
    except GraphError as e:
        sys.exit(f"{args.onnx} is not a CellNet export ({norm}): {e}")
    x, bg, described = check_inputs(args.data, args.random, args.seed)
    model = Exported(net).eval()
    if folded:
        with torch.no_grad():
            unfold_batch_norms(net, folded, optical_density(x, bg) if args.data else None)
    diff = compare_with_onnx(model, args.onnx, x, bg, args.tolerance)
    if not diff <= args.tolerance:
        sys.exit(f"recovered model differs from {args.onnx} by {diff:.3g} (above {args.tolerance:g}) on {described}: nothing written")

    os.makedirs(args.out, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(args.out, "best.pt"))
    with open(os.path.join(args.out, "args.json"), "w") as f:
        json.dump(train_args, f, indent=1)
    stats = ("measured on the validation crops" if args.data else "identity (no --data)") if folded else None
    print(f"{os.path.join(args.out, 'best.pt')}: CellNet ({norm}) from {args.onnx}; max abs diff {diff:.3g} "
          f"against onnxruntime on {described}" + (f"; {len(folded)} batch norms unfolded, statistics {stats}" if folded else ""))


if __name__ == "__main__":
    main()
