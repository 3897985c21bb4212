"""Measures a trained cell classifier on labelled crops of the cache (scripts/train/cellcls/prepare.py).

    /usr/bin/python3 scripts/train/cellcls/evaluate.py --data work/cellcls/data \\
        --weights work/cellcls/heldout-bccd/best.pt --on bccd:train,val,test [--json out.json]

Prints accuracy over the cells of the five types, the recall of every class, the confusion matrix
(labelled class x predicted class) and, for a threshold chosen elsewhere (--unidentified-below),
how many cells would be called unidentified. The classifier sees each crop once, unrotated.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LEUKOCYTE  # noqa: E402
from measure import report  # noqa: E402
from model import load_trained  # noqa: E402
from train import evaluate, load  # noqa: E402


def select(items, spec):
    """'source:split,split' -> indices."""
    source, _, splits = spec.partition(":")
    wanted = set(splits.split(",")) if splits else {"train", "val", "test"}
    return np.array([i for i, m in enumerate(items) if m["source"] == source and m["split"] in wanted and m["cls"] < LEUKOCYTE])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--on", action="append", required=True, help="source:split[,split] (repeatable)")
    ap.add_argument("--unidentified-below", type=float, default=0.5)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    crops, items = load(args.data)
    net = load_trained(args.weights)
    out = {}
    for spec in args.on:
        idx = select(items, spec)
        labels = np.array([items[i]["cls"] for i in idx])
        _, probs = evaluate(net, crops, items, idx, labels)
        out[spec] = report(probs, labels, args.unidentified_below)
        print(spec, json.dumps(out[spec]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
