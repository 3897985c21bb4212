"""cellcls/onnx_to_ckpt.py: small random CellNets (group norm; batch norm with non-trivial statistics)
exported as export.py exports them come back with the same outputs, and a graph that is not a
CellNet is refused (a few seconds on the CPU; needs python3-onnx, node and onnxruntime-node)."""
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")
pytest.importorskip("onnx")

TRAIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CELLCLS = os.path.join(TRAIN, "cellcls")
REPO = os.path.dirname(os.path.dirname(TRAIN))
if not shutil.which("node") or not os.path.isdir(os.path.join(REPO, "node_modules", "onnxruntime-node")):
    pytest.skip("needs node and onnxruntime-node", allow_module_level=True)


def load_model_module():
    """cellcls/model.py, without leaving cellcls/ on sys.path (its train.py would shadow the detectors')."""
    saved = list(sys.path)
    try:
        sys.path.insert(0, CELLCLS)
        spec = importlib.util.spec_from_file_location("cellcls_model", os.path.join(CELLCLS, "model.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path[:] = saved
    return mod


model = load_model_module()


def export(module, folder, norm="gn"):
    """module exported with export.py's torch.onnx settings, and a manifest registering it."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "cellcls72.onnx")
    dummy = (torch.rand(2, 3, 72, 72), torch.rand(2, 3))
    torch.onnx.export(module.eval(), dummy, path, input_names=["crops", "background"], output_names=["probs"],
                      dynamic_axes={"crops": {0: "n"}, "background": {0: "n"}, "probs": {0: "n"}}, opset_version=17)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    manifest = os.path.join(folder, "manifest.json")
    with open(manifest, "w") as f:
        json.dump({"cellClassifier": {"file": "cellcls72.onnx", "sha256": sha, "training": {"args": {"norm": norm, "epochs": 1}}}}, f)
    return path, manifest


def random_net(norm, seed):
    """A CellNet whose norms are not at their initial values (batch norm: running statistics too)."""
    torch.manual_seed(seed)
    net = model.CellNet(norm=norm)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.3, 3.0)
    return net.eval()


def crop_cache(folder, n=12):
    rng = np.random.default_rng(5)
    os.makedirs(folder)
    np.save(os.path.join(folder, "crops-pub.npy"), rng.integers(30, 255, (n, 112, 112, 3), dtype=np.uint8))
    items = [dict(cls=i % 5, source="pbc", split="val", ref=str(i), bg=[230.0, 225.0, 235.0]) for i in range(n)]
    with open(os.path.join(folder, "meta-pub.json"), "w") as f:
        json.dump(dict(items=items), f)


def convert(onnx_path, manifest, out, *extra):
    cmd = [sys.executable, os.path.join(CELLCLS, "onnx_to_ckpt.py"), "--onnx", onnx_path, "--manifest", manifest, "--out", out, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def inputs(seed=1, n=6):
    g = torch.Generator().manual_seed(seed)
    bg = 0.8 + 0.2 * torch.rand(n, 3, generator=g)
    return torch.rand(n, 3, 72, 72, generator=g) * bg[:, :, None, None], bg


@pytest.mark.parametrize("norm", ["gn", "bn"])
def test_a_cellnet_export_comes_back_with_the_same_outputs(tmp_path, norm):
    net = random_net(norm, seed=3)
    onnx_path, manifest = export(model.Exported(net), str(tmp_path / "models"), norm)
    extra = []
    if norm == "bn":  # measure the unfolded batch norms' statistics on a crop cache
        crop_cache(str(tmp_path / "data"))
        extra = ["--data", str(tmp_path / "data")]
    out = tmp_path / "recovered"
    done = convert(onnx_path, manifest, str(out), *extra)
    assert done.returncode == 0, done.stderr
    assert "max abs diff" in done.stdout
    with open(out / "args.json") as f:
        assert json.load(f) == {"norm": norm, "epochs": 1}
    back = model.load_trained(str(out / "best.pt")).eval()
    x, bg = inputs()
    with torch.no_grad():
        od = model.optical_density(x, bg)
        assert (back(od) - net(od)).abs().max() < 1e-4
        assert (model.Exported(back)(x, bg) - model.Exported(net)(x, bg)).abs().max() < 1e-5
    if norm == "bn":
        bns = [m for m in back.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        assert all((m.running_var - 1).abs().max() > 1e-3 for m in bns)
    again = convert(onnx_path, manifest, str(out))
    assert again.returncode == 1 and "already holds" in again.stderr


class NotCellNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, 3, 2, 1)
        self.fc = torch.nn.Linear(16, 8)

    def forward(self, crops, background):
        x = torch.relu(self.conv(crops - background[:, :, None, None]))
        return torch.softmax(self.fc(x.mean((2, 3))), dim=1)


def test_a_graph_that_is_not_a_cellnet_is_refused(tmp_path):
    torch.manual_seed(0)
    onnx_path, manifest = export(NotCellNet(), str(tmp_path / "models"), "bn")
    done = convert(onnx_path, manifest, str(tmp_path / "out"))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "not a CellNet export" in done.stderr
    assert not (tmp_path / "out").exists()
