import pytest

pytest.importorskip("torch")
pytest.importorskip("torchvision")
import numpy as np  # noqa: E402

from leukotrain.data import box_iou  # noqa: E402
from leukotrain.metrics import average_precision, best_f1_threshold, best_match, type_accuracy  # noqa: E402

NO_TYPES = np.full((3, 5), 0.2, np.float32)


def img(boxes, scores=None, probs=None):
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    return b, np.asarray(scores, np.float32), (NO_TYPES[:len(b)] if probs is None else np.asarray(probs, np.float32))


def test_box_iou_by_hand():
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]], np.float32)
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 0.0, 1.0]], atol=1e-6)
    assert box_iou(a, b[:0]).shape == (1, 0)


def test_average_precision_by_hand():
    # Two labelled cells; three detections: 0.9 on the first (IoU 1), 0.8 on nothing,
    # 0.7 on the second with IoU 100*72 / (100*100) = 0.72.
    gts = [(np.array([[0, 0, 50, 50], [100, 100, 200, 200]], np.float32), np.array([-1, -1]))]
    preds = [img([[0, 0, 50, 50], [300, 300, 340, 340], [100, 100, 200, 172]], [0.9, 0.8, 0.7])]
    aps = average_precision(preds, gts)
    assert len(aps) == 10  # IoU .50:.05:.95
    # IoU thresholds .50-.70: hits [1, 0, 1] -> recall .5, .5, 1 and precision 1, .5, 2/3; interpolated
    # precision is 1 up to recall .5 (51 of the 101 recall points) and 2/3 above (the other 50).
    hit_both = (51 * 1.0 + 50 * 2 / 3) / 101
    # IoU thresholds .75-.95: the third detection misses too; recall never passes .5.
    hit_one = 51 / 101
    np.testing.assert_allclose(aps, [hit_both] * 5 + [hit_one] * 5, atol=1e-9)


def test_average_precision_perfect_empty_and_unlabelled():
    gts = [(np.array([[0, 0, 50, 50]], np.float32), np.array([-1]))]
    np.testing.assert_allclose(average_precision([img([[0, 0, 50, 50]], [0.5])], gts), [1.0] * 10)
    assert average_precision([img([], [])], gts) == [0.0] * 10
    no_gt = [(np.zeros((0, 4), np.float32), np.zeros(0, np.int64))]
    assert average_precision([img([[0, 0, 5, 5]], [0.9])], no_gt) == [0.0] * 10


def test_each_labelled_cell_matches_one_detection_in_score_order():
    gts = [(np.array([[0, 0, 50, 50]], np.float32), np.array([-1]))]
    exact, shifted = [0, 0, 50, 50], [5, 5, 50, 50]  # IoU 45*45 / 2500 = 0.81
    # The shifted box scores higher: a hit up to IoU .80, after which the exact box comes second
    # (a false positive at the higher thresholds: precision .5 at recall 1).
    aps = average_precision([img([shifted, exact], [0.9, 0.8])], gts)
    np.testing.assert_allclose(aps, [1.0] * 7 + [0.5] * 3, atol=1e-9)
    # The exact box first: the shifted one is the duplicate, after full recall.
    np.testing.assert_allclose(average_precision([img([exact, shifted], [0.9, 0.8])], gts), [1.0] * 10)


def test_best_match_takes_the_highest_score_above_the_threshold():
    assert best_match(np.array([0.9, 0.6, 0.4]), np.array([0.2, 0.8, 0.99])) == 1
    assert best_match(np.array([0.3, 0.4]), np.array([0.5, 0.5])) is None
    assert best_match(np.array([]), np.array([])) is None


def test_type_accuracy_by_hand():
    onehot = np.eye(5, dtype=np.float32)
    gts = [(np.array([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10], [60, 0, 70, 10]], np.float32),
            np.array([0, 3, -1, 4]))]
    # Neutrophil right, lymphocyte called monocyte, untyped cell ignored, monocyte not found.
    preds = [img([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]], [0.9, 0.9, 0.9], onehot[[0, 4, 2]])]
    acc, per, tot = type_accuracy(preds, gts)
    assert acc == pytest.approx(1 / 3)
    assert per == [1.0, None, None, 0.0, 0.0]
    assert tot == [1, 0, 0, 1, 1]


def test_best_f1_threshold_picks_the_gap_between_true_and_false_detections():
    gts = [(np.array([[0, 0, 50, 50], [100, 0, 150, 50]], np.float32), np.array([-1, -1]))]
    probs = np.ones((3, 5), np.float32)  # score = objectness x 1
    preds = [img([[0, 0, 50, 50], [100, 0, 150, 50], [300, 0, 350, 50]], [0.6, 0.5, 0.2], probs)]
    r = best_f1_threshold(preds, gts)
    assert r["f1"] == pytest.approx(1.0)
    assert r["threshold"] == pytest.approx(0.25)  # the lowest grid step above 0.2
    assert (r["precision"], r["recall"]) == (1.0, 1.0)
