"""The cell classifier's contract, shared by data preparation, training and export.

Keep in step with src/core/inference/cell-classifier.ts (crop geometry, background, class order),
which reads the exported model's manifest entry rather than repeating these numbers.
"""
import hashlib

import numpy as np

CLASSES = ["neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte",
           "immature_granulocyte", "erythroblast", "not_leukocyte"]
# Training labels: the classes, plus 'leukocyte' for a white cell of unknown type (TXL-PBC boxes),
# which only tells the classifier "not not_leukocyte".
ALL_LABELS = CLASSES + ["leukocyte"]
LEUKOCYTE = len(CLASSES)
# A crop spans this many red-cell diameters (about 27 um at 7.5 um per red cell): a large monocyte
# with some background, so the classifier sees the cell's size against its neighbours.
CROP_RBC = 3.6
# The cache holds MARGIN times the crop so that rotation and scale jitter never reach its edge.
MARGIN = 1.4
CACHE_PX = 112
INPUT_PX = 72
# Share of the brightest grey pixels of a field taken as its background (the light source).
BACKGROUND_SHARE = 0.2


def background_rgb(rgb):
    """Mean RGB of the brightest BACKGROUND_SHARE of a field's pixels (grey = channel mean)."""
    flat = rgb.reshape(-1, 3).astype(np.float32)
    grey = flat.mean(1)
    k = max(1, int(len(grey) * BACKGROUND_SHARE))
    idx = np.argpartition(-grey, k - 1)[:k]
    return flat[idx].mean(0)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
