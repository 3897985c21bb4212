import pytest

torch = pytest.importorskip("torch")
import numpy as np  # noqa: E402

from leukotrain import NUM_TYPES  # noqa: E402
from leukotrain.data import class_weights, repeat_factors  # noqa: E402
from leukotrain.losses import LOSSES, giou_loss, type_loss  # noqa: E402
from leukotrain.models import ARCHS, build_model  # noqa: E402


def test_giou_loss_by_hand():
    a = torch.tensor([[0.0, 0, 10, 10], [0, 0, 1, 1], [0, 0, 10, 10]])
    b = torch.tensor([[0.0, 0, 10, 10], [2, 0, 3, 1], [5, 0, 15, 10]])
    loss, iou = giou_loss(a, b)
    # identical: 0; disjoint unit squares 1 apart: IoU 0, enclosure 3, union 2 -> 1 - (0 - 1/3);
    # half overlap: IoU 50/150, enclosure = union.
    np.testing.assert_allclose(loss.numpy(), [0.0, 4 / 3, 1 - 1 / 3], atol=1e-5)
    np.testing.assert_allclose(iou.numpy(), [1.0, 0.0, 1 / 3], atol=1e-5)


def test_type_loss_weights_known_types_only():
    logits = torch.tensor([[2.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0], [5.0, 0, 0, 0, 0]], requires_grad=True)
    types = torch.tensor([0, 1, -1])
    class_w = torch.tensor([1.0, 3.0, 1.0, 1.0, 1.0])
    got = type_loss(logits, types, torch.ones(3), class_w)
    ce = torch.nn.functional.cross_entropy(logits[:2], types[:2], reduction="none")
    assert got.item() == pytest.approx(((ce[0] + 3 * ce[1]) / 4).item())
    none = type_loss(logits, torch.tensor([-1, -1, -1]), torch.ones(3), class_w)
    none.backward()  # still part of the graph when no type is known
    assert none.item() == 0.0


def test_class_weights_favour_rare_types_with_a_count_weighted_mean_of_one():
    counts = np.array([400, 100, 4, 100, 25])
    w = class_weights(counts, power=0.5, max_ratio=10.0)
    assert w[2] / w[0] == pytest.approx(10.0)  # sqrt(100) = 10: at the cap
    assert w[1] / w[0] == pytest.approx(2.0) and w[4] / w[0] == pytest.approx(4.0)
    assert (w * counts).sum() / counts.sum() == pytest.approx(1.0, rel=1e-5)
    capped = class_weights(counts, power=1.0, max_ratio=10.0)
    assert capped[2] / capped[0] == pytest.approx(10.0)  # 100 capped at 10


def test_repeat_factors_by_hand():
    # 8 fields: 1 holds a basophil (fraction 1/8), 4 hold neutrophils, 3 are untyped.
    s = [{"types": np.array([2, 0])}] + [{"types": np.array([0])}] * 3 + [{"types": np.array([-1])}] * 4
    r = repeat_factors(s, thr=0.5, max_repeat=4)
    # basophil: sqrt(0.5 / (1/8)) = 2; neutrophil: sqrt(0.5 / 0.5) = 1; untyped: 1.
    assert r.tolist() == [2, 1, 1, 1, 1, 1, 1, 1]
    assert repeat_factors(s, thr=8.0, max_repeat=4).tolist()[0] == 4  # sqrt(64) = 8, capped


def tiny_model(arch):
    widths = {"centernet": dict(widths=(8, 8, 16, 16, 16), neck=(16, 16), head=16),
              "yolo": dict(widths=(8, 8, 16, 16, 16)), "fcos": {}}
    return build_model({"arch": arch, "input_hw": [128, 128], **widths[arch]})


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_each_loss_is_finite_and_trains_every_head(arch):
    torch.manual_seed(0)
    model = tiny_model(arch).train()
    x = torch.rand(2, 3, 128, 128)
    targets = [(torch.tensor([[20.0, 30, 60, 74], [70, 70, 118, 110]]), torch.tensor([1, -1])),
               (torch.zeros(0, 4), torch.zeros(0, dtype=torch.long))]
    out = model(x)
    loss, parts = LOSSES[arch](model, out, targets, torch.ones(NUM_TYPES), {})
    assert torch.isfinite(loss) and loss.item() > 0
    assert {"obj", "box", "cls"} <= set(parts) and all(np.isfinite(v) for v in parts.values())
    loss.backward()
    for name in ("obj", "box", "cls"):
        assert parts[name] > 0, name  # a box and a known type: each part has something to learn
    head_grads = [p.grad for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0]
    assert len(head_grads) > 0


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_each_loss_takes_a_batch_without_boxes(arch):
    model = tiny_model(arch).train()
    out = model(torch.rand(1, 3, 128, 128))
    empty = [(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long))]
    loss, parts = LOSSES[arch](model, out, empty, torch.ones(NUM_TYPES), {})
    assert torch.isfinite(loss)
    assert parts["box"] == 0.0 and parts["cls"] == 0.0
    loss.backward()
