"""Training, evaluation and export of leukodiff's light leukocyte detectors."""

TYPES = ["neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte"]
NUM_TYPES = len(TYPES)
PAD_VALUE = 114
