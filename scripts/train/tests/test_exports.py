"""cellcls/exports.py on small synthetic hub exports: classes kept and skipped, dedupe, splits by
sample, leave-one-clinic-out folds, and the cache part it writes (no torch needed)."""
import hashlib
import importlib.util
import json
import os
import shutil
import sys

import pytest

np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")

CELLCLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cellcls")
# src/contracts/vocabulary.ts CELL_CLASSES, in order: the export's categories are these, ids from 1.
CELL_CLASSES = ["neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte", "band", "immature_granulocyte", "blast",
                "reactive_lymphocyte", "nrbc", "smudge", "unclassified", "not_leukocyte"]


def load_cellcls(name):
    """A cellcls module, without leaving cellcls/ on sys.path (its train.py would shadow the detectors')."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location(f"cellcls_{name}", os.path.join(CELLCLS, f"{name}.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path[:] = saved
    return mod


exports = load_cellcls("exports")


def png(path, rgb):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(rgb).save(path)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_export(root, fields, seed=0):
    """An export folder: fields = [(clinic_id, sample_key, [class, ...])]; every crop distinct.
    Returns the folder and the crop files by annotation id."""
    rng = np.random.default_rng(seed)
    images, anns, crops = [], [], {}
    for i, (clinic, sample, classes) in enumerate(fields, start=1):
        field = np.full((60, 80, 3), 230, np.uint8)
        field[20:40, 20:40] = rng.integers(0, 200, (20, 20, 3), dtype=np.uint8)
        sha = hashlib.sha256(field.tobytes()).hexdigest()
        png(os.path.join(root, "images", f"{sha}.png"), field)
        images.append(dict(id=i, file_name=f"images/{sha}.png", width=80, height=60, sha256=sha, clinic_id=clinic,
                           device_id=f"{clinic}-box", sample_key=sample, field_seq=1, um_per_pixel=0.1,
                           scale_source="measured", crop_rbc_px=75.0))
        for cls in classes:
            aid = len(anns) + 1
            crop = None
            if cls != "unclassified":
                crop = f"crops/{cls}/{aid}.png"
                png(os.path.join(root, crop), rng.integers(0, 255, (72, 72, 3), dtype=np.uint8))
                crops[aid] = os.path.join(root, crop)
            anns.append(dict(id=aid, image_id=i, category_id=CELL_CLASSES.index(cls) + 1, bbox=[20, 20, 20, 20], area=400,
                             iscrowd=0, attributes=dict(verifiedBy="box", proposedType="lymphocyte", confidence=0.9,
                                                        modelSet="ms-0", flagged=False, crop=crop)))
    coco = dict(images=images, annotations=anns,
                categories=[dict(id=i + 1, name=n, supercategory="leukocyte") for i, n in enumerate(CELL_CLASSES)])
    with open(os.path.join(root, "annotations.json"), "w") as f:
        json.dump(coco, f)
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(dict(kind="leukodiff.training-export", format=1, crops=dict(inputPx=72, cropRbc=3.6)), f)
    return root, crops


def many_samples(clinics=("north-1", "south-2"), samples=30, per_sample=3):
    return [(c, f"{c}-s{s:03d}", ["lymphocyte", "neutrophil", "monocyte"][:per_sample]) for c in clinics for s in range(samples)]


def test_keeps_the_classes_the_classifier_learns_and_counts_the_rest(tmp_path):
    root, _ = make_export(str(tmp_path / "e1"), [
        ("north-1", "k1", ["neutrophil", "band", "nrbc", "blast", "not_leukocyte", "smudge", "unclassified"])])
    records, tally = exports.read_exports([root])
    got = [(r["label"], exports.ALL_LABELS[r["cls"]]) for r in records]
    assert got == [("neutrophil", "neutrophil"), ("band", "neutrophil"), ("nrbc", "erythroblast"),
                   ("blast", "leukocyte"), ("not_leukocyte", "not_leukocyte")]
    assert tally["skipped"] == {"smudge": 1, "unclassified": 1}

    # a class of a newer hub that this script does not know is skipped too, not guessed
    with open(os.path.join(root, "annotations.json")) as f:
        coco = json.load(f)
    coco["categories"].append(dict(id=99, name="hairy_cell", supercategory="leukocyte"))
    coco["annotations"][0]["category_id"] = 99
    with open(os.path.join(root, "annotations.json"), "w") as f:
        json.dump(coco, f)
    again, tally = exports.read_exports([root])
    assert [r["label"] for r in again] == ["band", "nrbc", "blast", "not_leukocyte"]
    assert tally["skipped"] == {"hairy_cell": 1, "smudge": 1, "unclassified": 1}
    r = records[0]
    assert (r["clinic_id"], r["source"], r["sample_key"], r["verified_by"]) == ("north-1", "clinic-north-1", "k1", "box")
    assert os.path.exists(r["crop"])


def test_dedupes_by_content_across_exports_and_against_the_public_sets(tmp_path):
    a, crops_a = make_export(str(tmp_path / "a"), [("north-1", "k1", ["lymphocyte", "monocyte"]), ("north-1", "k2", ["eosinophil"])], seed=1)
    b, crops_b = make_export(str(tmp_path / "b"), [("north-1", "k3", ["basophil", "neutrophil"])], seed=2)
    shutil.copyfile(crops_a[1], crops_b[2])  # the same cell in both exports, under another id and class folder
    records, tally = exports.read_exports([a, b])
    assert len(records) == 4 and tally["duplicates"] == 1
    assert len({r["sha256"] for r in records}) == 4
    assert records[0]["crop"] == crops_a[1]  # the first export's copy is kept

    with open(crops_a[3], "rb") as f:
        crop_sha = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(a, "annotations.json")) as f:
        field_sha = json.load(f)["images"][0]["sha256"]  # k1's field: a public image sent through a box
    hashes = tmp_path / "public.sha256"
    hashes.write_text(f"# public sets\n{crop_sha}  pbc/x.jpg\n{field_sha.upper()}  txl/y.png\n\n")
    public = exports.read_hashes(str(hashes))
    records, tally = exports.read_exports([a, b], public)
    assert tally["public_duplicates"] == 3  # k1's two crops by their field, k2's by its bytes
    assert sorted(r["sample_key"] for r in records) == ["k3", "k3"]

    hashes.write_text("not-a-hash\n")
    with pytest.raises(exports.ExportError):
        exports.read_hashes(str(hashes))


def test_a_sample_never_sits_on_both_sides_of_a_split(tmp_path):
    root, _ = make_export(str(tmp_path / "e"), many_samples())
    records, _ = exports.read_exports([root])
    by_sample = {}
    for r in records:
        by_sample.setdefault(r["sample_key"], set()).add(r["split"])
    assert all(len(s) == 1 for s in by_sample.values())
    assert {r["split"] for r in records} == {"train", "val", "test"}
    # deterministic, whatever else the export holds or its order
    alone, _ = make_export(str(tmp_path / "alone"), list(reversed(many_samples()))[:7], seed=5)
    for r in exports.read_exports([alone])[0]:
        assert {r["split"]} == by_sample[r["sample_key"]]
    assert exports.split_of_sample("k") == exports.split_of_sample("k")


def test_leave_one_clinic_out_folds_hold_every_clinic_out_whole(tmp_path):
    root, _ = make_export(str(tmp_path / "e"), many_samples(("north-1", "south-2", "east-3"), samples=12))
    records, _ = exports.read_exports([root])
    folds = exports.clinic_folds(records)
    assert sorted(folds) == ["east-3", "north-1", "south-2"]
    for held, fold in folds.items():
        assert {records[i]["clinic_id"] for i in fold["test"]} == {held}
        assert len(fold["test"]) == sum(r["clinic_id"] == held for r in records)
        rest = fold["train"] + fold["val"]
        assert rest and all(records[i]["clinic_id"] != held for i in rest)
        assert all(records[i]["split"] == "train" for i in fold["train"])
        assert all(records[i]["split"] == "val" for i in fold["val"])
        assert not {records[i]["sample_key"] for i in fold["train"]} & {records[i]["sample_key"] for i in fold["val"]}


def test_an_unfinished_export_is_refused(tmp_path):
    root, crops = make_export(str(tmp_path / "e"), [("north-1", "k1", ["lymphocyte"])])
    os.remove(crops[1])
    with pytest.raises(exports.ExportError, match="incomplete"):
        exports.read_exports([root])
    os.remove(os.path.join(root, "manifest.json"))
    with pytest.raises(exports.ExportError, match="unfinished"):
        exports.read_exports([root])


def test_writes_a_cache_part_with_clinics_as_sources(tmp_path):
    root, crops = make_export(str(tmp_path / "e"), [("north-1", "k1", ["lymphocyte", "smudge"]), ("south 2", "k2", ["nrbc"])])
    records, _ = exports.read_exports([root])
    out = str(tmp_path / "data")
    exports.write_cache(records, out)
    arr = np.load(os.path.join(out, "crops-hub.npy"))
    with open(os.path.join(out, "meta-hub.json")) as f:
        meta = json.load(f)
    assert arr.shape == (2, exports.CACHE_PX, exports.CACHE_PX, 3) and arr.dtype == np.uint8
    assert [m["source"] for m in meta["items"]] == ["clinic-north-1", "clinic-south_2"]
    assert [exports.ALL_LABELS[m["cls"]] for m in meta["items"]] == ["lymphocyte", "erythroblast"]
    assert meta["items"][0]["bg"] == [230.0, 230.0, 230.0]  # the field photo's background
    # the crop fills the middle 1/MARGIN of the cache; the margin is the background
    side = round(exports.CACHE_PX / exports.MARGIN)
    o = (exports.CACHE_PX - side) // 2
    assert (arr[0, :o] == 230).all() and (arr[0, :, :o] == 230).all()
    want = np.asarray(Image.open(crops[1]).convert("RGB").resize((side, side), Image.BILINEAR))
    assert (arr[0, o:o + side, o:o + side] == want).all()
