"""Makes the tiny ONNX fixtures of test/fixtures/models (run with Debian's python3 + torch).

`fixed-a` and `fixed-b` honour the detector contract and return known boxes whatever the input,
so that tests can check coordinate mapping, thresholds and fusion end to end; `bad-outputs`
names its outputs wrongly. They detect nothing real. `colour-classifier` honours the cell
classifier contract (src/core/inference/cell-classifier.ts): a crop whose middle is redder than blue is a
neutrophil, bluer a lymphocyte, and the field's background colour not a leukocyte.
"""
import hashlib
import json
import os
import sys

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'models')
H = W = 64
# Boxes in input pixels of a 64x64 letterbox; scores per type.
BOXES = [[8, 8, 24, 24], [9, 9, 25, 25], [40, 30, 56, 50], [0, 0, 2, 2]]
SCORES = {
    'fixed-a': [[0.9, 0.05, 0, 0.05, 0], [0.6, 0.1, 0, 0.3, 0], [0.1, 0, 0, 0.8, 0.1], [0.2, 0.2, 0.2, 0.2, 0.2]],
    'fixed-b': [[0.1, 0.7, 0, 0.2, 0], [0.05, 0.9, 0, 0.05, 0], [0.0, 0, 0, 0.1, 0.85], [0.1, 0, 0, 0, 0]],
}


class Fixed(torch.nn.Module):
    def __init__(self, boxes, scores):
        super().__init__()
        self.register_buffer('b', torch.tensor([boxes], dtype=torch.float32))
        self.register_buffer('s', torch.tensor([scores], dtype=torch.float32))

    def forward(self, images):
        # Depends on the input so that the graph keeps it, but adds exactly zero.
        zero = (images.mean() * 0.0).clamp(0, 0)
        return self.b + zero, self.s + zero


class ColourClassifier(torch.nn.Module):
    def forward(self, crops, background):
        s = crops.shape[-1]
        mid = crops[:, :, s // 4:3 * s // 4, s // 4:3 * s // 4].mean((2, 3))
        off_background = (mid - background).abs().sum(1)
        redder = (mid[:, 0] - mid[:, 2]) * 40
        logits = torch.zeros(crops.shape[0], 8) + mid[:, :1] * 0
        logits = torch.cat([redder[:, None], logits[:, 1:3], -redder[:, None], logits[:, 4:7],
                            ((0.1 - off_background) * 200)[:, None]], 1)
        return torch.softmax(logits, 1)


def export_classifier(path):
    torch.onnx.export(ColourClassifier(), (torch.zeros(2, 3, 32, 32), torch.zeros(2, 3)), path, opset_version=17,
                      input_names=['crops', 'background'], output_names=['probs'],
                      dynamic_axes={'crops': {0: 'n'}, 'background': {0: 'n'}, 'probs': {0: 'n'}})


def export(model, path, output_names):
    x = torch.zeros(1, 3, H, W)
    torch.onnx.export(model, x, path, opset_version=17, input_names=['images'], output_names=output_names)


def main():
    os.makedirs(OUT, exist_ok=True)
    entries = []
    for mid, scores in SCORES.items():
        path = os.path.join(OUT, f'{mid}.onnx')
        export(Fixed(BOXES, scores), path, ['boxes', 'scores'])
        data = open(path, 'rb').read()
        entries.append({
            'id': mid, 'file': f'{mid}.onnx', 'sha256': hashlib.sha256(data).hexdigest(), 'input': [H, W],
            'classes': ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'],
            'scoreThreshold': 0.3, 'nmsIou': 0.5, 'nmsClassAware': False, 'maxDetections': 100,
            'sizeBytes': len(data), 'architecture': 'constant outputs (test fixture)',
        })
    export(Fixed(BOXES, SCORES['fixed-a']), os.path.join(OUT, 'bad-outputs.onnx'), ['bbox', 'cls'])
    export_classifier(os.path.join(OUT, 'colour-classifier.onnx'))
    manifest = {'version': 1, 'models': entries, 'ensemble': {'members': ['fixed-a', 'fixed-b'], 'mode': 'paper', 'iou': 0.55}}
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
