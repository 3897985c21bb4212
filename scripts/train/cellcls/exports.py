"""Reads hub training exports (`npm run hub -- export-training`, docs/sync.md "Training export") into
the cell classifier's crop records, and writes them as one more part of prepare.py's crop cache.

    # what the exports hold after dedupe, per clinic and split (no torch needed)
    /usr/bin/python3 scripts/train/cellcls/exports.py --exports work/hub/export-2026-06 [more exports...] \\
        [--public-hashes work/cellcls/public.sha256]
    # ...and add them to the cache as crops-hub.npy + meta-hub.json (sources clinic-<id>)
    /usr/bin/python3 scripts/train/cellcls/exports.py --exports work/hub/export-2026-06 --cache work/cellcls/data

Which cells: an exported class the classifier learns (LABEL_OF); 'unclassified' has no crop, and
smudge cells have no class of the classifier, so both are skipped and counted.

Dedupe by content: a crop whose bytes (sha256) an earlier record already holds is dropped (the same
cell exported twice, by overlapping exports or a sample signed again), and so is every crop whose
bytes or whose field photo's sha256 is in --public-hashes (one sha256 a line, `sha256sum` output
works: a public image sent through a box, a demo or a bench run, is not a clinic's cell).

Splits, by clinic and by sample: each clinic is a source `clinic-<id>` of the cache, so it can be
held out whole (clinic_folds: leave one clinic out); within a clinic every crop of a sample takes
the split of its sample_key's hash (split_of_sample), so a sample never sits on both sides.
"""
import argparse
import hashlib
import json
import os
import re
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ALL_LABELS, CACHE_PX, CROP_RBC, MARGIN, background_rgb  # noqa: E402

# Export class (src/contracts/vocabulary.ts CELL_CLASSES) -> training label (common.ALL_LABELS).
# PBC, the classifier's main source, files band neutrophils among its neutrophils and NRBCs as
# erythroblasts; a blast or a reactive lymphocyte is a leukocyte whose type the classifier has no
# class for: 'leukocyte' (any class but not_leukocyte), as TXL-PBC's untyped leukocytes.
LABEL_OF = {
    "neutrophil": "neutrophil", "band": "neutrophil", "eosinophil": "eosinophil", "basophil": "basophil",
    "lymphocyte": "lymphocyte", "monocyte": "monocyte", "immature_granulocyte": "immature_granulocyte",
    "erythroblast": "erythroblast", "nrbc": "erythroblast", "not_leukocyte": "not_leukocyte",
    "blast": "leukocyte", "reactive_lymphocyte": "leukocyte",
}
SPLIT_SALT = "leukodiff.cellcls.split"


class ExportError(Exception):
    """An export that cannot be read as it is; the message says what to do."""


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def read_hashes(path):
    """sha256s, one a line (the first word: `sha256sum` output works); blank lines and # comments skipped."""
    out = set()
    with open(path) as f:
        for line in f:
            word = line.split("#", 1)[0].strip().split(" ", 1)[0].lower()
            if word:
                if not re.fullmatch(r"[0-9a-f]{64}", word):
                    raise ExportError(f"{path}: {word!r} is not a sha256 (one hex sha256 a line)")
                out.add(word)
    return frozenset(out)


def source_of(clinic_id):
    """The cache source of a clinic: `clinic-<id>`, with characters that evaluate.py's `source:split`
    specs or file names would trip on replaced."""
    return "clinic-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(clinic_id))


def split_of_sample(sample_key, val_share=0.15, test_share=0.15):
    """train, val or test for every crop of a sample, from a hash of its key: deterministic, and
    independent of the order of samples and of which other samples an export holds."""
    v = int(hashlib.sha256(f"{SPLIT_SALT}\0{sample_key}".encode()).hexdigest()[:12], 16) / float(16 ** 12)
    return "test" if v < test_share else ("val" if v < test_share + val_share else "train")


def _load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise ExportError(f"{path} is missing: {what}") from None


def read_export(export_dir):
    """(manifest, candidate records, skipped per class) of one export, in annotation id order."""
    manifest = _load_json(os.path.join(export_dir, "manifest.json"),
                          "the export is unfinished (manifest.json is written last); run export-training again into the same folder")
    coco = _load_json(os.path.join(export_dir, "annotations.json"), "not a training export folder")
    category = {c["id"]: c["name"] for c in coco["categories"]}
    images = {im["id"]: im for im in coco["images"]}
    records, skipped = [], {}
    for a in sorted(coco["annotations"], key=lambda a: a["id"]):
        name = category.get(a["category_id"], f"category {a['category_id']}")
        label = LABEL_OF.get(name)
        crop = a.get("attributes", {}).get("crop")
        if label is None or not crop:
            skipped[name] = skipped.get(name, 0) + 1
            continue
        im = images[a["image_id"]]
        path = os.path.join(export_dir, crop)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise ExportError(f"{path} is missing: the export is incomplete; run export-training again into {export_dir}") from None
        records.append(dict(
            cls=ALL_LABELS.index(label), label=name, crop=path, sha256=sha256_bytes(data),
            image_sha256=im.get("sha256"), image=os.path.join(export_dir, im["file_name"]),
            clinic_id=im["clinic_id"], source=source_of(im["clinic_id"]), sample_key=im["sample_key"],
            um_per_pixel=im.get("um_per_pixel"), verified_by=a["attributes"].get("verifiedBy"),
            ref=f"{os.path.basename(os.path.normpath(export_dir))}/{crop}"))
    return manifest, records, skipped


def read_exports(export_dirs, public_hashes=frozenset(), val_share=0.15, test_share=0.15):
    """Crop records of the exports, deduplicated and split; and a tally of what was left out.

    Each record: cls (index in ALL_LABELS), label (the exported class), crop (path), sha256,
    clinic_id, source, sample_key, verified_by, split, ref, image (the field's photo) and more."""
    seen, records = set(), []
    tally = dict(skipped={}, duplicates=0, public_duplicates=0, crop_rbc={})
    sources = {}
    for d in export_dirs:
        manifest, candidates, skipped = read_export(d)
        tally["crop_rbc"][d] = manifest.get("crops", {}).get("cropRbc", CROP_RBC)
        for name, n in skipped.items():
            tally["skipped"][name] = tally["skipped"].get(name, 0) + n
        for r in candidates:
            if r["sha256"] in public_hashes or (r["image_sha256"] or "") in public_hashes:
                tally["public_duplicates"] += 1
                continue
            if r["sha256"] in seen:
                tally["duplicates"] += 1
                continue
            other = sources.setdefault(r["source"], r["clinic_id"])
            if other != r["clinic_id"]:
                raise ExportError(f"clinics {other!r} and {r['clinic_id']!r} would share the source {r['source']}: rename one")
            seen.add(r["sha256"])
            r["split"] = split_of_sample(r["sample_key"], val_share, test_share)
            r["crop_rbc"] = tally["crop_rbc"][d]
            records.append(r)
    return records, tally


def clinic_folds(records):
    """Leave one clinic out: {clinic_id: dict(train=[...], val=[...], test=[...])} of record indices.
    The held-out clinic's every crop is its fold's test; the others' train and val splits train and
    choose the epoch, so nothing of the held-out clinic chooses anything."""
    clinics = sorted({r["clinic_id"] for r in records})
    folds = {}
    for held in clinics:
        folds[held] = dict(
            train=[i for i, r in enumerate(records) if r["clinic_id"] != held and r["split"] == "train"],
            val=[i for i, r in enumerate(records) if r["clinic_id"] != held and r["split"] == "val"],
            test=[i for i, r in enumerate(records) if r["clinic_id"] == held])
    return folds


def cache_crop(crop_rgb, bg, crop_rbc):
    """An export crop (the classifier's input: crop_rbc red-cell diameters) as a cache crop: CACHE_PX
    spanning CROP_RBC * MARGIN diameters, the crop resized to its share in the middle and the rest
    the field's background (what the box pads a cell at a field's edge with)."""
    side = int(round(CACHE_PX * min(crop_rbc / (CROP_RBC * MARGIN), 1.0)))
    canvas = np.empty((CACHE_PX, CACHE_PX, 3), np.uint8)
    canvas[:] = np.clip(np.round(np.asarray(bg, np.float32)), 0, 255).astype(np.uint8)
    small = np.asarray(Image.fromarray(crop_rgb).resize((side, side), Image.BILINEAR))
    o = (CACHE_PX - side) // 2
    canvas[o:o + side, o:o + side] = small
    return canvas


def write_cache(records, out_dir, part="hub"):
    """crops-<part>.npy and meta-<part>.json in prepare.py's cache form, so train.py, evaluate.py and
    loso.py read the clinics as sources. The background is the field photo's (common.background_rgb),
    or the crop's own where the photo is missing."""
    def rgb(path):
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))

    if not records:
        raise ExportError("no crops to write: the exports hold no cell the classifier learns")
    field_bg, crops, items = {}, [], []
    for r in records:
        if r["image"] not in field_bg:
            field_bg[r["image"]] = background_rgb(rgb(r["image"])) if os.path.exists(r["image"]) else None
        crop = rgb(r["crop"])
        bg = field_bg[r["image"]]
        if bg is None:
            bg = background_rgb(crop)
        crops.append(cache_crop(crop, bg, r.get("crop_rbc", CROP_RBC)))
        items.append(dict(cls=r["cls"], source=r["source"], split=r["split"], ref=r["ref"],
                          bg=[round(float(v), 2) for v in bg], sample_key=r["sample_key"],
                          verified_by=r["verified_by"], sha256=r["sha256"]))
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, f"crops-{part}.npy"), np.stack(crops))
    with open(os.path.join(out_dir, f"meta-{part}.json"), "w") as f:
        json.dump(dict(labels=ALL_LABELS, crop_rbc=CROP_RBC, margin=MARGIN, cache_px=CACHE_PX, items=items), f)


def summary(records, tally):
    counts = {}
    for r in records:
        k = (r["source"], r["split"], ALL_LABELS[r["cls"]])
        counts[k] = counts.get(k, 0) + 1
    lines = [" ".join(map(str, k + (n,))) for k, n in sorted(counts.items())]
    lines.append(f"left out: duplicates {tally['duplicates']}, in the public sets {tally['public_duplicates']}, "
                 f"classes the classifier does not learn {dict(sorted(tally['skipped'].items()))}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exports", nargs="+", required=True, help="export-training folders")
    ap.add_argument("--public-hashes", help="sha256s of the public sets' images (one a line; sha256sum output)")
    ap.add_argument("--cache", help="crop cache folder (prepare.py's --out) to write crops-<part>.npy and meta-<part>.json into")
    ap.add_argument("--part", default="hub")
    ap.add_argument("--val-share", type=float, default=0.15)
    ap.add_argument("--test-share", type=float, default=0.15)
    args = ap.parse_args()
    try:
        public = read_hashes(args.public_hashes) if args.public_hashes else frozenset()
        records, tally = read_exports(args.exports, public, args.val_share, args.test_share)
        print(summary(records, tally))
        if args.cache:
            write_cache(records, args.cache, args.part)
            print(f"{len(records)} crops written to {args.cache} (crops-{args.part}.npy, meta-{args.part}.json)")
    except ExportError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
