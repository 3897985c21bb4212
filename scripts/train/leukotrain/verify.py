"""Check a PyTorch model against an ONNX file in onnxruntime-node (scripts/train/verify_onnx.mjs)."""
import json
import os
import subprocess
import sys

VERIFY_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verify_onnx.mjs")


def verify_against_onnx(x, boxes, scores, onnx_path, out_dir, tolerance=1e-3):
    """Saves the input x and the PyTorch outputs (boxes, scores) as raw little-endian float32 with
    io.json in out_dir, runs the ONNX file on the same input; returns the max abs differences,
    exits with the checker's message above tolerance."""
    os.makedirs(out_dir, exist_ok=True)
    for name, t in (("input", x), ("boxes", boxes), ("scores", scores)):
        t.numpy().astype("<f4").tofile(os.path.join(out_dir, name + ".f32"))
    with open(os.path.join(out_dir, "io.json"), "w") as f:
        json.dump({"model": onnx_path, "input": list(x.shape), "boxes": list(boxes.shape), "scores": list(scores.shape)}, f)
    r = subprocess.run(["node", VERIFY_JS, onnx_path, out_dir, str(tolerance)], capture_output=True, text=True)
    print(r.stdout.strip())
    if r.returncode != 0:
        sys.exit(f"{onnx_path} does not match the PyTorch model: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])
