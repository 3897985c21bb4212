"""cellcls/train.py's camera augmentation: another camera's hue and saturation, with the background's meaning kept."""
import pytest

torch = pytest.importorskip("torch")

from test_exports import load_cellcls  # noqa: E402

PHONE = dict(p=1.0, hue=40.0, saturation=(0.6, 1.8))


def test_a_camera_turns_the_stain_colours_and_leaves_grey_alone():
    train = load_cellcls("train")
    m = train.camera_matrices(64, torch.Generator().manual_seed(0), PHONE)
    grey = torch.tensor([0.7, 0.7, 0.7])
    assert torch.allclose(m @ grey, grey.expand(64, 3), atol=1e-5)
    purple = torch.tensor([0.45, 0.3, 0.6])  # a lymphocyte's nucleus
    moved = (m @ purple - purple).abs().amax(1)
    assert float(moved.min()) > 1e-4 and float(moved.max()) > 0.1
    # With saturation kept, a pure turn: the map keeps lengths.
    turn = train.camera_matrices(64, torch.Generator().manual_seed(4), dict(PHONE, saturation=(1.0, 1.0)))
    assert torch.allclose(turn @ turn.transpose(1, 2), torch.eye(3).expand(64, 3, 3), atol=1e-5)
    # Crops left as they are, and a camera that does nothing, are the identity.
    for p in (dict(PHONE, p=0.0), dict(p=1.0, hue=0.0, saturation=(1.0, 1.0))):
        assert torch.allclose(train.camera_matrices(8, torch.Generator().manual_seed(1), p), torch.eye(3).expand(8, 3, 3), atol=1e-6)


def test_the_light_through_no_stain_stays_at_zero_optical_density():
    train = load_cellcls("train")
    bg255 = [[250.0, 240.0, 220.0]] * 4
    crops = torch.tensor(bg255[0]).to(torch.uint8).expand(4, 112, 112, 3).contiguous()
    aug = dict(train.AUGMENTATIONS["camera"], camera=PHONE)
    x = crops.permute(0, 3, 1, 2).float() / 255
    bg = torch.tensor(bg255) / 255
    x2, bg2 = train.camera(x, bg, torch.Generator().manual_seed(2), PHONE)
    od = train.optical_density(x2, bg2)
    assert float(od.abs().max()) < 0.02
    assert float((bg2 - bg).abs().max()) > 0.01  # the light itself did change colour
    # And the whole training input stays finite with it.
    assert torch.isfinite(train.to_input(crops, bg255, torch.Generator().manual_seed(3), True, aug)).all()
