#!/usr/bin/python3
"""Stand-in COCO files for developing the training code, in the format of datasets/build/.

  /usr/bin/python3 scripts/train/make_dev_coco.py --data <folder with bccd/ and txl-pbc/> --out /tmp/leuko-coco

Writes <out>/txl-wbc/{train,val,test}.json (1 WBC, 2 RBC, 3 Platelets) and
<out>/bccd-typed/{train,val,test}.json (1..5 types, 0 + type_unknown). A BCCD field that is
byte-identical to a TXL-PBC field goes to that field's split; the others are split 70/15/15.
The project's real datasets come from its own dataset builder; this is only for development.
"""
import argparse
import csv
import hashlib
import json
import os
import random
import xml.etree.ElementTree as ET

from PIL import Image

TYPES = ["NEUTROPHIL", "EOSINOPHIL", "BASOPHIL", "LYMPHOCYTE", "MONOCYTE"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, root, images, anns, cats):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"info": {"image_root": root}, "images": images, "annotations": anns, "categories": cats}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=0, help="at most this many fields per split")
    a = ap.parse_args()
    txl_root = os.path.join(a.data, "txl-pbc", "TXL_PBC")
    split_of_sha = {}
    for split in ("train", "val", "test"):
        img_dir = os.path.join(txl_root, "images", split)
        images, anns = [], []
        for n, fn in enumerate(sorted(os.listdir(img_dir))):
            if a.limit and n >= a.limit:
                break
            p = os.path.join(img_dir, fn)
            w, h = Image.open(p).size
            sha = sha256(p)
            split_of_sha[sha] = split
            iid = len(images) + 1
            images.append({"id": iid, "file_name": fn, "width": w, "height": h, "sha256": sha})
            lab = os.path.join(txl_root, "labels", split, os.path.splitext(fn)[0] + ".txt")
            if os.path.exists(lab):
                for line in open(lab):
                    v = line.split()
                    if len(v) != 5:
                        continue
                    c, cx, cy, bw, bh = int(v[0]), *map(float, v[1:])
                    anns.append({"id": len(anns) + 1, "image_id": iid, "category_id": c + 1,
                                 "bbox": [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h]})
        write(os.path.join(a.out, "txl-wbc", split + ".json"), os.path.abspath(img_dir), images, anns,
              [{"id": 1, "name": "WBC"}, {"id": 2, "name": "RBC"}, {"id": 3, "name": "Platelets"}])
    bccd = os.path.join(a.data, "bccd")
    types = {}
    with open(os.path.join(bccd, "labels.csv")) as f:
        for row in csv.reader(f):
            if len(row) >= 3 and row[1].strip().isdigit():
                types["BloodImage_%05d" % int(row[1])] = [t.strip() for t in row[2].split(",") if t.strip()]
    rnd = random.Random(0)
    out = {s: ([], []) for s in ("train", "val", "test")}
    img_dir = os.path.join(bccd, "BCCD", "JPEGImages")
    for xml in sorted(os.listdir(os.path.join(bccd, "BCCD", "Annotations"))):
        stem = os.path.splitext(xml)[0]
        p = os.path.join(img_dir, stem + ".jpg")
        if not os.path.exists(p):
            continue
        sha = sha256(p)
        split = split_of_sha.get(sha) or rnd.choices(["train", "val", "test"], [0.7, 0.15, 0.15])[0]
        images, anns = out[split]
        if a.limit and len(images) >= a.limit:
            continue
        w, h = Image.open(p).size
        iid = len(images) + 1
        images.append({"id": iid, "file_name": stem + ".jpg", "width": w, "height": h, "sha256": sha})
        root = ET.parse(os.path.join(bccd, "BCCD", "Annotations", xml)).getroot()
        boxes = []
        for o in root.iter("object"):
            if o.findtext("name", "").strip().upper() != "WBC":
                continue
            bb = o.find("bndbox")
            x1, y1, x2, y2 = (float(bb.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
            boxes.append([x1, y1, x2 - x1, y2 - y1])
        t = types.get(stem, [])
        same = len(set(t)) == 1 and t[0] in TYPES
        for b in boxes:
            known = same and (len(boxes) == len(t) or len(boxes) >= 1 and len(t) == 1 or len(set(t)) == 1)
            ann = {"id": len(anns) + 1, "image_id": iid, "bbox": b}
            if known:
                ann["category_id"] = TYPES.index(t[0]) + 1
            else:
                ann["category_id"] = 0
                ann["type_unknown"] = True
            anns.append(ann)
    cats = [{"id": 0, "name": "leukocyte"}] + [{"id": i + 1, "name": n.lower()} for i, n in enumerate(TYPES)]
    for split, (images, anns) in out.items():
        write(os.path.join(a.out, "bccd-typed", split + ".json"), os.path.abspath(img_dir), images, anns, cats)
    print("written to", a.out)


if __name__ == "__main__":
    main()
