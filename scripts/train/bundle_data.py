#!/usr/bin/python3
"""Copy the training and validation splits with their images into one self-contained folder, for
a training machine that cannot see the original datasets (a lent GPU, a container).

  /usr/bin/python3 scripts/train/bundle_data.py --out work/bundle [--build datasets/build] [--splits train val] [--limit N]

Writes <out>/{txl-wbc,bccd-typed}/<split>.json with the images beside them (file names kept);
BCCD fields that are byte-identical to a TXL-PBC field of the same split are listed but not
copied, since training reads them through TXL-PBC. --limit keeps the first N fields per file
(smoke tests).
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leukotrain.config import resolve  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--build", default="datasets/build")
    ap.add_argument("--splits", nargs="+", default=["train", "val"])
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    build, out = resolve(args.build), resolve(args.out)
    total = 0
    for split in args.splits:
        txl_shas = set()
        for ds in ("txl-wbc", "bccd-typed"):
            src = os.path.join(build, ds, split + ".json")
            if not os.path.exists(src):
                sys.exit(f"missing {src}: build the datasets first (npm run dataset -- --bccd ... --txl ... --out {args.build})")
            with open(src) as f:
                d = json.load(f)
            root = (d.get("info") or {}).get("image_root") or os.path.dirname(src)
            if args.limit:
                d["images"] = d["images"][: args.limit]
                keep = {im["id"] for im in d["images"]}
                d["annotations"] = [a for a in d["annotations"] if a["image_id"] in keep]
            dst_dir = os.path.join(out, ds)
            os.makedirs(dst_dir, exist_ok=True)
            for im in d["images"]:
                if ds == "txl-wbc":
                    txl_shas.add(im.get("sha256"))
                elif im.get("sha256") in txl_shas:
                    continue
                dst = os.path.join(dst_dir, im["file_name"])
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(os.path.join(root, im["file_name"]), dst)
                total += os.path.getsize(dst)
            info = dict(d.get("info") or {})
            info.pop("image_root", None)
            d["info"] = info
            with open(os.path.join(dst_dir, split + ".json"), "w") as f:
                json.dump(d, f)
    print(f"{out}: {total / 2 ** 20:.1f} MiB of images")


if __name__ == "__main__":
    main()
