"""Builds the cell classifier's crop cache from PBC, BCCD and Chula typed cells and TXL-PBC negatives.

Writes crops-<part>.npy and meta-<part>.json for each part (pbc, bccd, txl, chula), so one part can be
rebuilt alone. Every crop is centred on a cell and spans CROP_RBC red-cell diameters times MARGIN (the margin is
room for the training-time rotation and scale jitter), resized to CACHE_PX. The red-cell diameter
of a source is what src/core/analysis/scale.ts measures on it (`scripts/measure-scale.ts`), given per
source on the command line, so the classifier sees micrometres, not a source's pixels.

Splits (data hygiene, see models/README.md "Cell classifier"):
- a PBC image byte-identical to a TXL-PBC val or test field (the built txl-wbc splits) is left
  out entirely; one identical to a TXL-PBC train field is PBC train; the rest are split 85/7.5/7.5
  by their sha256, so the split never depends on the order of files;
- BCCD cells keep their bccd-typed split;
- from txl-wbc train fields only: untyped leukocytes, and red cells or platelets whose crop holds
  no leukocyte (negatives), each tagged with the field's original source.

    /usr/bin/python3 scripts/train/cellcls/prepare.py --pbc <PBC_dataset_normal_DIB> \\
        --bccd-coco datasets/build/bccd-typed --txl-coco datasets/build/txl-wbc --chula <WBC_Samples> --out work/cellcls/data
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ALL_LABELS, CACHE_PX, CROP_RBC, MARGIN, background_rgb  # noqa: E402

PBC_FOLDERS = {
    "neutrophil": "neutrophil", "eosinophil": "eosinophil", "basophil": "basophil",
    "lymphocyte": "lymphocyte", "monocyte": "monocyte", "ig": "immature_granulocyte",
    "erythroblast": "erythroblast", "platelet": "not_leukocyte",
}
TXL_SOURCES = {(640, 480): "bccd", (416, 416): "bcd", (360, 363): "pbc", (366, 369): "pbc", (575, 575): "raabin"}
BCCD_TYPES = ["neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def crop(rgb, bg, cx, cy, rbc_px):
    """CACHE_PX square crop of side CROP_RBC * MARGIN * rbc_px centred on (cx, cy), background-padded."""
    side = CROP_RBC * MARGIN * rbc_px
    h, w, _ = rgb.shape
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = int(round(side))
    canvas = np.empty((s, s, 3), np.uint8)
    canvas[:] = np.asarray(bg, np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + s), min(h, y0 + s)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    t = torch.from_numpy(canvas).permute(2, 0, 1)[None].float()
    t = F.interpolate(t, size=(CACHE_PX, CACHE_PX), mode="bilinear", align_corners=False, antialias=True)
    return t[0].round().clamp(0, 255).byte().permute(1, 2, 0).numpy()


def split_by_hash(sha):
    v = int(sha[:8], 16) / 0xFFFFFFFF
    return "train" if v < 0.85 else ("val" if v < 0.925 else "test")


def coco(path):
    with open(path) as f:
        d = json.load(f)
    root = d["info"]["image_root"]
    anns = {}
    for a in d["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    return [(os.path.join(root, im["file_name"]), im, anns.get(im["id"], [])) for im in d["images"]]


def pbc_part(args, txl_split, add):
    left_out = 0
    for folder, cls in sorted(PBC_FOLDERS.items()):
        d = os.path.join(args.pbc, folder)
        for name in sorted(os.listdir(d)):
            if name.startswith(".") or not name.lower().endswith((".jpg", ".jpeg", ".png")):
                continue  # the mirror carries macOS metadata files named .DS_*.jpg
            path = os.path.join(d, name)
            sha = sha256(path)
            in_txl = txl_split.get(sha)
            if in_txl in ("val", "test"):
                left_out += 1
                continue
            rgb = load_rgb(path)
            bg = background_rgb(rgb)
            h, w, _ = rgb.shape
            add(crop(rgb, bg, w / 2, h / 2, args.rbc_pbc), cls, "pbc", "train" if in_txl else split_by_hash(sha),
                f"{folder}/{name}", bg)
        print(f"pbc {folder} done", flush=True)
    print(f"pbc images left out (byte-identical to a TXL-PBC val/test field): {left_out}")


def bccd_part(args, add):
    for split in ("train", "val", "test"):
        for path, im, anns in coco(os.path.join(args.bccd_coco, f"{split}.json")):
            typed = [a for a in anns if a["category_id"] >= 1]
            if not typed:
                continue
            rgb = load_rgb(path)
            bg = background_rgb(rgb)
            for a in typed:
                x, y, bw, bh = a["bbox"]
                add(crop(rgb, bg, x + bw / 2, y + bh / 2, args.rbc_bccd), BCCD_TYPES[a["category_id"] - 1], "bccd", split,
                    f"{im['file_name']}#{a['id']}", bg)


def txl_part(args, add):
    """Untyped leukocytes (class 'leukocyte') and red cells or platelets far from any leukocyte
    ('not_leukocyte') of TXL-PBC train fields, tagged with the field's original source: every source
    then shows both leukocytes and non-leukocytes, so the classifier cannot learn a source's look as
    a class."""
    rng = np.random.default_rng(0)
    for path, im, anns in coco(os.path.join(args.txl_coco, "train.json")):
        source = f"txl-{TXL_SOURCES.get((im['width'], im['height']), 'other')}"
        rbcs = [a for a in anns if a["category_id"] == 2]
        full = [a["bbox"] for a in rbcs if min(a["bbox"][2], a["bbox"][3]) > 0.77 * max(a["bbox"][2], a["bbox"][3])]
        if len(full) < 2:
            continue
        rbc_px = 0.9 * float(np.median([(b[2] + b[3]) / 2 for b in full]))  # measured/labelled ~0.9 (measure-scale.ts)
        wbcs = [a["bbox"] for a in anns if a["category_id"] == 1]
        half = CROP_RBC * rbc_px / 2

        def clear_of_wbcs(b):
            cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
            return all(cx + half <= x or cx - half >= x + w or cy + half <= y or cy - half >= y + h for x, y, w, h in wbcs)

        others = [a for a in anns if a["category_id"] in (2, 3) and clear_of_wbcs(a["bbox"])]
        picks = [others[i] for i in rng.permutation(len(others))[: args.negatives_per_field]]
        if not picks and not wbcs:
            continue
        rgb = load_rgb(path)
        bg = background_rgb(rgb)
        for a in picks:
            x, y, bw, bh = a["bbox"]
            add(crop(rgb, bg, x + bw / 2, y + bh / 2, rbc_px), "not_leukocyte", source, "train", f"{im['file_name']}#{a['id']}", bg)
        for x, y, bw, bh in wbcs:
            add(crop(rgb, bg, x + bw / 2, y + bh / 2, rbc_px), "leukocyte", source, "train", f"{im['file_name']}#wbc", bg)


def chula_part(args, add):
    """Chula WBC fields (YOLO boxes typed 0-4 in the project's order; `train` and `valid` folders):
    every box as its type, and a few points whose crop holds no leukocyte as not a leukocyte, so
    that this centre shows the classifier both (it has no red-cell or platelet boxes). The slides
    of its two folders overlap, so its val split is optimistic; the held-out fold is what counts."""
    rng = np.random.default_rng(0)
    # The set gives no class file: its fields are named after the type they were taken for
    # (N-3B_0001.jpg), which checks the order 0-4 assumed here.
    prefix_type = {"N": 0, "E": 1, "B": 2, "L": 3, "M": 4}
    named, agree = 0, 0
    for folder, split in (("train", "train"), ("valid", "val")):
        img_dir = os.path.join(args.chula, folder, "images")
        for name in sorted(os.listdir(img_dir)):
            label = os.path.join(args.chula, folder, "labels", os.path.splitext(name)[0] + ".txt")
            if not os.path.exists(label):
                continue  # a few fields have no label file: their cells are not known
            rgb = load_rgb(os.path.join(img_dir, name))
            h, w, _ = rgb.shape
            bg = background_rgb(rgb)
            boxes = []
            with open(label) as f:
                for line in f:
                    if line.strip():
                        c, cx, cy, bw, bh = line.split()
                        if not 0 <= int(c) < len(BCCD_TYPES):
                            sys.exit(f"{label}: class {c} is not one of the five types (0-4)")
                        boxes.append((int(c), float(cx) * w, float(cy) * h, float(bw) * w, float(bh) * h))
            if name[0] in prefix_type and name[1] == "-":
                named += 1
                agree += any(c == prefix_type[name[0]] for c, *_ in boxes)
            for c, cx, cy, _, _ in boxes:
                add(crop(rgb, bg, cx, cy, args.rbc_chula), BCCD_TYPES[c], "chula", split, f"{folder}/{name}", bg)
            half = CROP_RBC * args.rbc_chula / 2
            placed = 0
            for _ in range(50):
                if placed == args.negatives_per_field:
                    break
                px, py = rng.uniform(half, w - half), rng.uniform(half, h - half)
                if all(abs(px - cx) >= half + bw / 2 or abs(py - cy) >= half + bh / 2 for _, cx, cy, bw, bh in boxes):
                    add(crop(rgb, bg, px, py, args.rbc_chula), "not_leukocyte", "chula", split, f"{folder}/{name}#neg", bg)
                    placed += 1
    if agree < 0.9 * named:
        sys.exit(f"chula: only {agree} of {named} fields hold a box of the type their name gives: is the class order 0-4 N, E, B, L, M?")
    print(f"chula: {agree} of {named} fields hold a box of the type their name gives")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pbc", help="PBC_dataset_normal_DIB folder (class sub-folders)")
    ap.add_argument("--bccd-coco", help="datasets/build/bccd-typed")
    ap.add_argument("--chula", help="Chula WBC_Samples folder (train/ and valid/, each images/ + labels/)")
    ap.add_argument("--txl-coco", required=True, help="datasets/build/txl-wbc (its splits decide PBC's too)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parts", help="which parts to (re)build: pbc, bccd, txl, chula (default: those whose folder is given, and txl)")
    ap.add_argument("--rbc-pbc", type=float, default=73.7, help="PBC red-cell diameter, px (measured)")
    ap.add_argument("--rbc-bccd", type=float, default=92.4, help="BCCD red-cell diameter, px (measured)")
    ap.add_argument("--rbc-chula", type=float, default=84.0, help="Chula red-cell diameter, px (measured median)")
    ap.add_argument("--negatives-per-field", type=int, default=3)
    args = ap.parse_args()
    needs = {"pbc": args.pbc, "bccd": args.bccd_coco, "chula": args.chula, "txl": args.txl_coco}
    parts = args.parts.split(",") if args.parts else [p for p in ("pbc", "bccd", "txl", "chula") if needs[p]]
    for part in parts:
        if part not in needs:
            sys.exit(f"unknown part {part}: choose pbc, bccd, txl, chula")
        if not needs[part]:
            sys.exit(f"part {part} needs its folder: --{'bccd-coco' if part == 'bccd' else part}")
    os.makedirs(args.out, exist_ok=True)

    txl_split = {}
    for split in ("train", "val", "test"):
        for path, im, _ in coco(os.path.join(args.txl_coco, f"{split}.json")):
            txl_split[im["sha256"]] = split

    for part in parts:
        crops, meta = [], []

        def add(arr, cls, source, split, ref, bg):
            crops.append(arr)
            meta.append(dict(cls=ALL_LABELS.index(cls), source=source, split=split, ref=ref,
                             bg=[round(float(v), 2) for v in bg]))

        if part == "pbc":
            pbc_part(args, txl_split, add)
        elif part == "bccd":
            bccd_part(args, add)
        elif part == "txl":
            txl_part(args, add)
        elif part == "chula":
            chula_part(args, add)
        else:
            sys.exit(f"unknown part {part}: choose pbc, bccd, txl, chula")
        np.save(os.path.join(args.out, f"crops-{part}.npy"), np.stack(crops))
        with open(os.path.join(args.out, f"meta-{part}.json"), "w") as f:
            json.dump(dict(labels=ALL_LABELS, crop_rbc=CROP_RBC, margin=MARGIN, cache_px=CACHE_PX,
                           rbc_px={"pbc": args.rbc_pbc, "bccd": args.rbc_bccd, "chula": args.rbc_chula}, items=meta), f)
        counts = {}
        for m in meta:
            k = (m["source"], m["split"], ALL_LABELS[m["cls"]])
            counts[k] = counts.get(k, 0) + 1
        for k in sorted(counts):
            print(*k, counts[k])


if __name__ == "__main__":
    main()
