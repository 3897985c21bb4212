import json
import os

import pytest

pytest.importorskip("torch")
import numpy as np  # noqa: E402

from leukotrain.data import augment_geometry, letterbox_params, load_split, type_counts, xywh_to_xyxy  # noqa: E402


def coco(path, images, anns, cats):
    with open(path, "w") as f:
        json.dump({"info": {"image_root": "/imgs"}, "images": images, "annotations": anns, "categories": cats}, f)
    return str(path)


def test_letterbox_params_by_hand():
    # 400x300 (w x h) into 320x320: scale 0.8 -> 320x240, 40 px bands above and below.
    assert letterbox_params(300, 400, 320, 320) == (0.8, 240, 320, 40, 0)
    assert xywh_to_xyxy([10, 20, 30, 40]) == [10, 20, 40, 60]


def test_bccd_types_move_onto_the_matching_txl_boxes(tmp_path):
    im = {"id": 1, "file_name": "a.jpg", "width": 100, "height": 100, "sha256": "aa"}
    only_bccd = {"id": 2, "file_name": "b.jpg", "width": 100, "height": 100, "sha256": "bb"}
    txl = coco(tmp_path / "txl.json", [im], [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20]},
        {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 20, 20]},
        {"id": 3, "image_id": 1, "category_id": 2, "bbox": [80, 0, 10, 10]}],  # a red cell: not a leukocyte
        [{"id": 1, "name": "WBC"}, {"id": 2, "name": "RBC"}])
    bccd = coco(tmp_path / "bccd.json", [im, only_bccd], [
        {"id": 1, "image_id": 1, "category_id": 4, "bbox": [1, 1, 20, 20]},  # lymphocyte, IoU 361/439 with box 1
        {"id": 2, "image_id": 1, "category_id": 2, "bbox": [58, 58, 20, 20]},  # eosinophil, IoU 144/656: no match
        {"id": 3, "image_id": 2, "category_id": 5, "bbox": [10, 10, 30, 30]},
        {"id": 4, "image_id": 2, "category_id": 0, "type_unknown": True, "bbox": [50, 50, 30, 30]}],
        [{"id": i, "name": str(i)} for i in range(6)])
    s = load_split(txl, bccd, log=None)
    assert [x["source"] for x in s] == ["txl", "bccd"]  # the shared field once, as TXL's
    assert s[0]["boxes"].tolist() == [[0, 0, 20, 20], [50, 50, 70, 70]]
    assert s[0]["types"].tolist() == [3, -1]
    assert s[0]["path"] == os.path.join("/imgs", "a.jpg")
    assert s[1]["types"].tolist() == [4, -1]
    assert type_counts(s).tolist() == [0, 0, 0, 1, 1]
    np.testing.assert_array_equal(s[1]["boxes"][0], [10, 10, 40, 40])


FIXED_GEOMETRY = {"rot90": False, "fliplr": 0, "flipud": 0, "scale": [1, 1], "centred": 1, "jpeg": 0}


def checkerboard(n=96):
    yy, xx = np.mgrid[:n, :n]
    return np.repeat((((yy + xx) % 2) * 255).astype(np.uint8)[..., None], 3, 2)


def test_lowres_takes_the_fine_detail_and_keeps_the_boxes():
    img, boxes, types = checkerboard(), np.array([[10, 20, 40, 60]], np.float32), np.array([0])
    sharp = augment_geometry(img, boxes, types, (96, 96), np.random.default_rng(1), FIXED_GEOMETRY)
    low = augment_geometry(img, boxes, types, (96, 96), np.random.default_rng(1),
                           {**FIXED_GEOMETRY, "p_lowres": 1, "lowres_factor": [4, 4]})
    np.testing.assert_array_equal(low[2], sharp[2])
    np.testing.assert_array_equal(low[1], sharp[1])
    step = lambda c: np.abs(np.diff(c[..., 1].astype(float), axis=1)).mean()  # noqa: E731
    assert step(sharp[0]) > 200  # neighbours alternate 0 / 255
    assert step(low[0]) < 20  # four pixels averaged into one, then enlarged
    assert abs(low[0].mean() - sharp[0].mean()) < 5


def test_configs_without_lowres_draw_as_before():
    # The generator's next number after 20 fields, as the code before p_lowres left it (6384a64):
    # an existing config must reproduce its runs.
    rng = np.random.default_rng(7)
    for _ in range(20):
        augment_geometry(np.zeros((96, 96, 3), np.uint8), np.array([[10, 20, 40, 60]], np.float32), np.array([0]), (64, 80), rng,
                         {"scale": [0.7, 1.3], "centred": 0.3, "jpeg": 0.15, "p_lowres": 0})
    assert rng.random() == pytest.approx(0.6284619478662907, abs=1e-15)
