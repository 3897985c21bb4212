#!/usr/bin/python3
"""How a trained detector's boxes miss the labels: AP at each IoU threshold and, per image size
(TXL-PBC's sources differ in size), the mean width and height error of the best-scoring
detection on each labelled cell (IoU >= 0.5), in input pixels.

  /usr/bin/python3 scripts/train/box_bias.py work/train/cnet320-polish/best.pt [--split val] [--txl-dir D]

Errors of one sign across all sources mean boxes too small (or large); a height-minus-width gap
that differs between sources is a labelling habit of those sources (boxes drawn taller, or wider,
than the cell).
"""
import argparse
import collections
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leukotrain.config import resolve  # noqa: E402
from leukotrain.data import box_iou, load_eval_set, load_named_split  # noqa: E402
from leukotrain.metrics import IOUS, average_precision, best_match, predict  # noqa: E402
from leukotrain.models import build_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--split", default="val")
    ap.add_argument("--txl-dir", default="datasets/build/txl-wbc")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    ck = torch.load(args.checkpoint, map_location="cpu")
    cfg = ck["config"]
    model = build_model(cfg["model"])
    model.load_state_dict(ck["model"])
    hw = tuple(cfg["model"]["input_hw"])
    samples = load_named_split(resolve(args.txl_dir), None, args.split, log=None)
    imgs, gts = load_eval_set(samples, hw, log=None)
    preds = predict(model, imgs, "cpu")
    aps = average_precision(preds, gts)
    print(f"{cfg['id']} on TXL-PBC {args.split} ({len(samples)} fields): AP {np.mean(aps):.3f}")
    print("AP at IoU " + " ".join(f"{t:.2f}:{a:.3f}" for t, a in zip(IOUS, aps)))
    errs = collections.defaultdict(list)
    for s, (pb, ps, _), (gb, _) in zip(samples, preds, gts):
        if len(gb) == 0 or len(pb) == 0:
            continue
        iou = box_iou(gb, pb)
        for j in range(len(gb)):
            k = best_match(iou[j], ps)
            if k is None:
                continue
            d = pb[k] - gb[j]
            errs[(s["width"], s["height"])].append([d[2] - d[0], d[3] - d[1], iou[j, k]])
    print("image size | cells | width error | height error | median IoU")
    for size, v in sorted(errs.items(), key=lambda kv: -len(kv[1])):
        v = np.asarray(v)
        print(f"{size[0]}x{size[1]} | {len(v)} | {v[:, 0].mean():+.2f} | {v[:, 1].mean():+.2f} | {np.median(v[:, 2]):.3f}")


if __name__ == "__main__":
    main()
