"""The classifier stage: tags watch items with the codebook's four dimensions.

taxonomy → features → heads → calibration/decisions → explain; train,
evaluate and persist sit on top. Imports `store.records` only.
"""

from classifier.evaluate import evaluate, format_report
from classifier.model import SHIPPED_DIR, TrainedModel, load, load_default, save, train, train_to_dir

__all__ = [
    "SHIPPED_DIR", "TrainedModel", "evaluate", "format_report", "load", "load_default",
    "save", "train", "train_to_dir",
]
