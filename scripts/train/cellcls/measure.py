"""A classifier's results on labelled crops in the form promote.py judges (evaluate.py's --json, and
finetune.py's epoch choice). numpy alone: the probabilities come in as a torch tensor."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CLASSES  # noqa: E402


def report(probs, labels, unidentified_below):
    pred = probs.argmax(1).numpy()
    top = probs.max(1).values.numpy()
    n = len(CLASSES)
    conf = np.zeros((n, n), int)
    for y, p in zip(labels, pred):
        conf[y, p] += 1
    five = labels < 5
    recall = {CLASSES[c]: (round(float(conf[c, c] / conf[c].sum()), 4) if conf[c].sum() else None) for c in range(n)}
    return dict(
        cells=int(len(labels)),
        accuracy5=round(float((pred[five] == labels[five]).mean()), 4) if five.any() else None,
        recall=recall,
        unidentified=int((top < unidentified_below).sum()),
        accuracy5_identified=round(float((pred[five & (top >= unidentified_below)] == labels[five & (top >= unidentified_below)]).mean()), 4)
        if (five & (top >= unidentified_below)).any() else None,
        confusion={CLASSES[c]: {CLASSES[k]: int(conf[c, k]) for k in range(n) if conf[c, k]} for c in range(n) if conf[c].sum()},
    )
