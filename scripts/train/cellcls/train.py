"""Trains the cell classifier on the crop cache of prepare.py (CPU; resumable from OUT/last.pt).

    /usr/bin/python3 scripts/train/cellcls/train.py --data work/cellcls/data --out work/cellcls/shipped \\
        --train-sources pbc,bccd,chula,txl-bccd,txl-bcd,txl-pbc,txl-raabin --val-sources pbc,bccd,chula --epochs 24

Sources: pbc, bccd, chula (typed cells) and txl-<source> (TXL-PBC train fields by their original source:
leukocytes of unknown type, and red cells or platelets away from them). Each epoch draws --epoch-size crops with class weights inverse to sqrt(frequency), so the rare
types (basophils) are seen often without one source's large classes drowning the rest. Sources
named in neither --train-sources nor --val-sources are never read: a held-out source stays unseen,
and the weights kept are those with the best mean recall over the five types on validation.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ALL_LABELS, CLASSES, INPUT_PX, LEUKOCYTE, MARGIN  # noqa: E402
from model import NORMS, CellNet, optical_density  # noqa: E402

TYPES5 = 5


def load(data_dir):
    """Every part of the cache (crops-<part>.npy + meta-<part>.json), in memory, in name order."""
    crops, items = [], []
    for name in sorted(os.listdir(data_dir)):
        if name.startswith("meta-") and name.endswith(".json"):
            part = name[len("meta-"):-len(".json")]
            with open(os.path.join(data_dir, name)) as f:
                items += json.load(f)["items"]
            crops.append(np.load(os.path.join(data_dir, f"crops-{part}.npy")))
    if not crops:
        sys.exit(f"no crop cache in {data_dir}: run scripts/train/cellcls/prepare.py first")
    return np.concatenate(crops), items


def loss_fn(logits, y):
    """Cross-entropy for typed crops; for a leukocyte of unknown type, -log P(not 'not_leukocyte')."""
    typed = y < LEUKOCYTE
    loss = logits.new_zeros(())
    if typed.any():
        loss = loss + F.cross_entropy(logits[typed], y[typed], label_smoothing=0.05, reduction="sum")
    if (~typed).any():
        logp = logits[~typed].log_softmax(1)
        keep = torch.ones(len(CLASSES), dtype=torch.bool)
        keep[CLASSES.index("not_leukocyte")] = False
        loss = loss - torch.logsumexp(logp[:, keep], 1).sum()
    return loss / len(y)


def affine_batch(x, gen, train):
    """Samples the centre INPUT_PX crop out of the CACHE_PX cache, with rotation/flip/scale/shift in training."""
    n = x.shape[0]
    base = 1.0 / MARGIN  # the crop is 1/MARGIN of the cache
    if train:
        ang = torch.rand(n, generator=gen) * 2 * math.pi
        scale = base * torch.exp((torch.rand(n, generator=gen) * 2 - 1) * math.log(1.18))
        flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
        shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.06
    else:
        ang = torch.zeros(n)
        scale = torch.full((n,), base)
        flip = torch.ones(n)
        shift = torch.zeros(n, 2)
    cos, sin = torch.cos(ang) * scale, torch.sin(ang) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1), torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 3, INPUT_PX, INPUT_PX), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


AUGMENTATIONS = {
    # channel mixing, overall intensity, per-channel gain, share of crops seen as one grey absorbance
    "base": dict(mix=0.15, intensity=(0.7, 1.4), gain=(0.8, 1.25), grey=0.0, low=(0.4, 2.6), blur=(0.5, 1.4)),
    # a new centre's stain and camera: wider mixing and gains, and some crops with no colour at all,
    # so that shape and texture must carry the type when the colours mislead
    "strong": dict(mix=0.3, intensity=(0.55, 1.6), gain=(0.65, 1.5), grey=0.2, low=(0.4, 2.6), blur=(0.5, 1.4)),
    # and a cheap camera: more crops with fewer pixels across the cell, and blurred further
    "strong-optics": dict(mix=0.3, intensity=(0.55, 1.6), gain=(0.65, 1.5), grey=0.2, low=(0.6, 3.5), blur=(0.7, 2.5)),
    # stains a third as dark as PBC's, and nuclei that absorb red more than green (measured: the
    # 95th-percentile optical density of a lymphocyte's middle is 1.4/2.2/0.5 (R/G/B) in PBC,
    # 0.6/0.8/0.1 in BCCD, 0.6/0.5/0.3 in Chula): intensity and channel gains drawn on a log scale
    "wide": dict(mix=0.3, intensity=(0.25, 1.6), gain=(0.5, 2.0), grey=0.3, low=(0.6, 3.5), blur=(0.7, 2.5), log=True),
    # strong, and half the crops through another camera's colour processing (white balance, a phone's
    # vivid mode): hue turned up to 40 degrees either way, saturation x0.6-1.8, before the optical density
    "camera": dict(mix=0.3, intensity=(0.55, 1.6), gain=(0.65, 1.5), grey=0.2, low=(0.4, 2.6), blur=(0.5, 1.4),
                   camera=dict(p=0.5, hue=40.0, saturation=(0.6, 1.8))),
}


def camera_matrices(n, gen, p):
    """n RGB maps: a turn of the hue about the grey axis, then saturation scaled about each pixel's
    grey (identity for the crops left as they are). Linear, so grey stays grey: the field's
    background keeps its meaning as the light through no stain."""
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)  # noqa: E731
    on = torch.rand(n, generator=gen) < p["p"]
    theta = torch.where(on, u(-p["hue"], p["hue"]) * math.pi / 180, torch.zeros(n))
    sat = torch.where(on, torch.exp(u(math.log(p["saturation"][0]), math.log(p["saturation"][1]))), torch.ones(n))
    k = torch.full((3,), 1 / math.sqrt(3))
    cross = torch.tensor([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    grey = torch.outer(k, k)
    c, s = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    turn = c * torch.eye(3) + s * cross + (1 - c) * grey
    scale = sat[:, None, None] * torch.eye(3) + (1 - sat[:, None, None]) * grey
    return scale @ turn


def camera(x, bg, gen, p):
    """x (N,3,H,W) RGB 0..1 and bg (N,3) through camera_matrices, clipped to what a camera records."""
    m = camera_matrices(x.shape[0], gen, p)
    x = torch.einsum("nij,njhw->nihw", m, x).clamp(0, 1)
    bg = torch.einsum("nij,nj->ni", m, bg).clamp(0, 1)
    return x, bg


def photometric(od, gen, aug=AUGMENTATIONS["base"]):
    """Stain and optics changes in optical-density space: intensity, hue mixing, blur, noise."""
    n = od.shape[0]
    u = lambda lo, hi, *s: lo + (hi - lo) * torch.rand(*s, generator=gen)  # noqa: E731
    mix = torch.eye(3)[None] + u(-aug["mix"], aug["mix"], n, 3, 3)
    od = torch.einsum("nij,njhw->nihw", mix, od)
    if aug.get("log"):
        logu = lambda lo, hi, *s: torch.exp(u(math.log(lo), math.log(hi), *s))  # noqa: E731
        od = od * logu(*aug["intensity"], n, 1, 1, 1) * logu(*aug["gain"], n, 3, 1, 1) + u(-0.05, 0.05, n, 3, 1, 1)
    else:
        od = od * u(*aug["intensity"], n, 1, 1, 1) * u(*aug["gain"], n, 3, 1, 1) + u(-0.05, 0.05, n, 3, 1, 1)
    if aug["grey"] > 0:
        grey = torch.rand(n, generator=gen) < aug["grey"]
        od = torch.where(grey[:, None, None, None], od.mean(1, keepdim=True).expand_as(od), od)
    # A poorer camera or objective: fewer pixels across the cell, then back to the input size.
    low = torch.rand(n, generator=gen) < aug["low"][0]
    if low.any():
        f = float(u(1.3, aug["low"][1], 1))
        small = F.interpolate(od[low], scale_factor=1 / f, mode="bilinear", align_corners=False, antialias=True)
        od = od.clone()
        od[low] = F.interpolate(small, size=od.shape[2:], mode="bilinear", align_corners=False)
    sigma = u(0.0, aug["blur"][1], n)
    blur = torch.rand(n, generator=gen) < aug["blur"][0]
    if blur.any():
        r = math.ceil(2.1 * aug["blur"][1])
        xs = torch.arange(-r, r + 1).float()
        k = torch.exp(-xs[None] ** 2 / (2 * sigma[blur, None].clamp(min=0.3) ** 2))
        k = k / k.sum(1, keepdim=True)
        b = od[blur]
        m = b.shape[0]
        kh = k[:, None, None, :].repeat_interleave(3, 0)
        kv = k[:, None, :, None].repeat_interleave(3, 0)
        b = F.conv2d(F.pad(b.reshape(1, m * 3, *b.shape[2:]), (r, r, 0, 0), mode="replicate"), kh, groups=m * 3)
        b = F.conv2d(F.pad(b, (0, 0, r, r), mode="replicate"), kv, groups=m * 3)
        od = od.clone()
        od[blur] = b.reshape(m, 3, *od.shape[2:])
    od = od + torch.randn(od.shape, generator=gen) * u(0.0, 0.04, n, 1, 1, 1)
    return od


def to_input(crops_u8, bg255, gen, train, aug=AUGMENTATIONS["base"]):
    """Crops (uint8 NHWC) and their fields' backgrounds (RGB 0..255) -> optical densities."""
    x = crops_u8.permute(0, 3, 1, 2).float() / 255
    bg = torch.as_tensor(bg255, dtype=torch.float32) / 255
    x = affine_batch(x, gen, train)
    if train and aug.get("camera"):
        x, bg = camera(x, bg, gen, aug["camera"])
    od = optical_density(x, bg)
    return photometric(od, gen, aug) if train else od


def backgrounds(items, idx):
    return np.array([items[i]["bg"] for i in idx], np.float32).reshape(-1, 3)


def evaluate(net, crops, items, idx, labels, batch=256):
    net.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(idx), batch):
            sel = idx[i:i + batch]
            b = torch.from_numpy(np.asarray(crops[sel]))
            preds.append(net(to_input(b, backgrounds(items, sel), None, False)).softmax(1))
    net.train()
    p = torch.cat(preds) if preds else torch.zeros(0, len(CLASSES))
    y = torch.as_tensor(labels)
    pred = p.argmax(1)
    recall = [float((pred[y == c] == c).float().mean()) if (y == c).any() else None for c in range(len(CLASSES))]
    five = [r for r in recall[:TYPES5] if r is not None]
    return dict(accuracy=float((pred == y).float().mean()) if len(y) else None,
                mean_recall5=sum(five) / len(five) if five else None, recall=recall, n=len(y)), p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-sources", default="pbc,bccd,chula,txl-bccd,txl-bcd,txl-pbc,txl-raabin")
    ap.add_argument("--val-sources", default="pbc,bccd,chula")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--epoch-size", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--norm", choices=NORMS, default="gn")
    ap.add_argument("--aug", choices=sorted(AUGMENTATIONS), default="strong")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    args_file = os.path.join(args.out, "args.json")
    if os.path.exists(os.path.join(args.out, "last.pt")) and os.path.exists(args_file):
        with open(args_file) as f:
            before = json.load(f)
        changed = [k for k in ("norm", "aug", "train_sources", "val_sources", "epochs", "epoch_size") if before.get(k) != vars(args)[k]]
        if changed:
            sys.exit(f"{args.out} holds a run with other {', '.join(changed)}: resume it with the same options or use another --out")
    with open(args_file, "w") as f:
        json.dump(vars(args), f, indent=1)
    crops, items = load(args.data)
    train_src = set(args.train_sources.split(","))
    val_src = set(args.val_sources.split(","))
    unknown = (train_src | val_src) - {m["source"] for m in items}
    if unknown:
        sys.exit(f"unknown source(s) {sorted(unknown)}; the cache has {sorted({m['source'] for m in items})}")
    tr = np.array([i for i, m in enumerate(items) if m["source"] in train_src and m["split"] == "train"])
    va = np.array([i for i, m in enumerate(items) if m["source"] in val_src and m["split"] == "val" and m["cls"] < LEUKOCYTE])
    ytr = np.array([items[i]["cls"] for i in tr])
    yva = np.array([items[i]["cls"] for i in va])
    freq = np.bincount(ytr, minlength=len(ALL_LABELS)).astype(np.float64)
    w = 1 / np.sqrt(np.maximum(freq[ytr], 1))
    w /= w.sum()
    print(f"train {len(tr)} per class {freq.astype(int).tolist()}; val {len(va)}", flush=True)

    torch.manual_seed(args.seed)
    net = CellNet(norm=args.norm)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.02)
    steps_per_epoch = args.epoch_size // args.batch
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.1)
    start, best, history = 0, -1.0, []
    last = os.path.join(args.out, "last.pt")
    if os.path.exists(last):
        ck = torch.load(last)
        net.load_state_dict(ck["net"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        start, best, history = ck["epoch"] + 1, ck["best"], ck["history"]
        print(f"resumed at epoch {start}", flush=True)
    rng = np.random.default_rng(args.seed)
    for e in range(start, args.epochs):
        rng = np.random.default_rng(args.seed * 1000 + e)
        gen = torch.Generator().manual_seed(args.seed * 1000 + e)
        t0 = time.time()
        order = rng.choice(len(tr), size=steps_per_epoch * args.batch, p=w)
        loss_sum = 0.0
        for s in range(steps_per_epoch):
            sel = np.sort(tr[order[s * args.batch:(s + 1) * args.batch]])
            x = to_input(torch.from_numpy(np.asarray(crops[sel])), backgrounds(items, sel), gen, True, AUGMENTATIONS[args.aug])
            y = torch.as_tensor([items[i]["cls"] for i in sel])
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss)
        val, _ = evaluate(net, crops, items, va, yva)
        rec = dict(epoch=e, loss=loss_sum / steps_per_epoch, minutes=(time.time() - t0) / 60, **val)
        history.append(rec)
        score = val["mean_recall5"] or 0.0
        if score > best:
            best = score
            torch.save(net.state_dict(), os.path.join(args.out, "best.pt"))
        torch.save(dict(net=net.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(), epoch=e, best=best,
                        history=history), last)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rec.items()}), flush=True)
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(dict(args=vars(args), history=history, best_mean_recall5=best), f, indent=1)


if __name__ == "__main__":
    main()
