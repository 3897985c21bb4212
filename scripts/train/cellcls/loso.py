"""Leave-one-source-out table of the cell classifier: for each typed source, train without it (and
without TXL-PBC's fields taken from it), then type every one of its cells.

    /usr/bin/python3 scripts/train/cellcls/loso.py --data work/cellcls/data --out work/cellcls/loso \\
        [--norm gn --aug strong --epochs 24 --epoch-size 8000] [--hold-out bccd,chula,pbc] [--markdown out.md]

Each fold trains in OUT/<source>/ with train.py (resumable; a finished fold is not trained again)
and keeps the epoch with the best mean recall on the val splits of the sources it trains on, so
the held-out source never chooses anything. Hours on the 2-core CPU: a script, not a test.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CLASSES  # noqa: E402

TYPES = CLASSES[:5]

HERE = os.path.dirname(os.path.abspath(__file__))
TYPED = ["bccd", "chula", "pbc"]
# TXL-PBC fields that are copies of a typed source's images, by that source: BCCD's own fields, and
# BCD's, which are BCCD fields resized to 416x416 (datasets/README.md).
TXL_OF = {"bccd": ["txl-bccd", "txl-bcd"], "pbc": ["txl-pbc"]}
TXL = ["txl-bccd", "txl-bcd", "txl-pbc", "txl-raabin"]


def fold_sources(held_out):
    typed = [s for s in TYPED if s != held_out]
    txl = [s for s in TXL if s not in TXL_OF.get(held_out, [])]
    return typed + txl, typed


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hold-out", default=",".join(TYPED))
    ap.add_argument("--norm", default="gn")
    ap.add_argument("--aug", default="strong")
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--epoch-size", type=int, default=8000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--markdown")
    args = ap.parse_args()
    py = sys.executable
    rows = {}
    for held in args.hold_out.split(","):
        if held not in TYPED:
            sys.exit(f"unknown source {held}: choose from {', '.join(TYPED)}")
        train, val = fold_sources(held)
        fold = os.path.join(args.out, held)
        done = os.path.join(fold, "history.json")
        if os.path.exists(done):
            with open(os.path.join(fold, "args.json")) as f:
                was = json.load(f)
            if (was["norm"], was["aug"], was["epochs"], was["epoch_size"]) != (args.norm, args.aug, args.epochs, args.epoch_size):
                sys.exit(f"{fold} was trained with other options ({was['norm']}, {was['aug']}, {was['epochs']} x {was['epoch_size']}): use another --out")
        else:
            run([py, os.path.join(HERE, "train.py"), "--data", args.data, "--out", fold,
                 "--train-sources", ",".join(train), "--val-sources", ",".join(val),
                 "--norm", args.norm, "--aug", args.aug, "--epochs", str(args.epochs),
                 "--epoch-size", str(args.epoch_size), "--threads", str(args.threads)])
        result = os.path.join(fold, "held-out.json")
        run([py, os.path.join(HERE, "evaluate.py"), "--data", args.data, "--weights", os.path.join(fold, "best.pt"),
             "--on", f"{held}:train,val,test", "--json", result])
        with open(result) as f:
            rows[held] = next(iter(json.load(f).values()))
    lines = ["| held-out source | cells of the five types | five types right | " + " | ".join(TYPES) + " | unidentified (all crops) |",
             "|---|---|---|" + "---|" * len(TYPES) + "---|"]
    for held, r in rows.items():
        recall = [("-" if r["recall"][t] is None else f"{r['recall'][t]:.3f}") for t in TYPES]
        five = sum(sum(r["confusion"].get(t, {}).values()) for t in TYPES)
        lines.append(f"| {held} | {five} | {100 * r['accuracy5']:.1f} % | " + " | ".join(recall) + f" | {r['unidentified']} of {r['cells']} |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(f"Cell classifier, leave one source out (norm {args.norm}, augmentation {args.aug}, "
                    f"{args.epochs} epochs of {args.epoch_size}):\n\n{table}\n")


if __name__ == "__main__":
    main()
