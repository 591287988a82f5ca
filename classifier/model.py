"""Train the classifier, predict with it, and find the model to use.

Public API (re-exported by the `classifier` package):

    train(examples, *, seed=0, config=DEFAULT, data_sha256=None, held_out=()) -> TrainedModel
    TrainedModel.predict(items: list[ItemToClassify]) -> list[Prediction]
    save(model, directory) -> Path          # model.skops + metadata.json
    load(directory) -> TrainedModel         # refuses untrusted types
    load_default(model_path, models_dir) -> TrainedModel
    train_to_dir(data_path, out_dir) -> (TrainedModel, Path)
    SHIPPED_DIR                             # the model that ships in the repo

One featurizer feeds four sets of linear heads (relevance, purpose and kind:
logistic regressions; themes one-vs-rest: linear SVMs); calibration and
thresholds come from 5-fold out-of-fold margins (crossval.py), and so do the
figures in the metadata.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import sklearn

from classifier.calibration import Calibration
from classifier.config import DEFAULT, ModelConfig
from classifier.crossval import cv_metrics, folds, out_of_fold
from classifier.data import Example, examples_sha256, file_sha256, load_examples
from classifier.decisions import Thresholds, fit_calibration, fit_thresholds, probabilities
from classifier.features import fit_featurizer, item_text
from classifier.heads import fit_heads, targets_of
from classifier.overlap import fingerprints
from classifier.persist import load, save
from classifier.registry import current_dir
from classifier.predictor import TrainedModel
from classifier.taxonomy import THEME_SLUGS, slugs
from classifier.weak import WEAK_FILES, weak_dimensions, weak_examples

__all__ = ["SHIPPED_DIR", "TrainedModel", "load", "load_default", "save", "train", "train_to_dir"]

SHIPPED_DIR = Path(__file__).parent / "shipped"
CODEBOOK_EXAMPLES = Path(__file__).parent / "codebook" / "examples.jsonl"
LABELS_DIR = Path(__file__).parent / "labels"  # more real items labelled with the codebook
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "labels" / "train.jsonl"
CORPORA_DIR = DEFAULT_DATA.parents[1]  # the corpora whose own tags give weak labels (weak.py)


def train(examples: list[Example], *, seed: int = 0, config: ModelConfig = DEFAULT,
          data_sha256: str | None = None, held_out: list[Example] = ()) -> TrainedModel:
    """Fit on all examples; calibration, thresholds and CV figures from 5-fold out-of-fold margins.

    `held_out`: items the model will be measured on; no weak row (weak.py) is
    taken from them or their near-twins.
    """
    if len(examples) < 2 * config.folds:
        raise ValueError(f"need at least {2 * config.folds} labelled examples, got {len(examples)}")
    texts, y = _prepared(examples, config)
    extra_examples, sources = training_extras(config, list(examples) + list(held_out))
    extra = _prepared(extra_examples, config) if extra_examples else None
    test_folds = folds(y, config.folds, seed)
    oof = out_of_fold(texts, y, test_folds, config, seed, extra)
    calibration = fit_calibration(oof, y, config)
    thresholds = fit_thresholds(probabilities(oof, calibration), y, config)
    if extra:
        texts, y = texts + extra[0], y.plus(extra[1])
    featurizer, X, blocks = fit_featurizer(config, texts)
    heads = fit_heads(X, y, config, blocks, seed)
    metadata = _metadata(examples, data_sha256, sources, config, seed,
                         cv_metrics(oof, targets_of(examples), test_folds, config), calibration, thresholds)
    metadata["training_fingerprints"] = fingerprints(list(examples) + extra_examples)
    return TrainedModel(featurizer, heads, calibration, thresholds, config, metadata)


def _prepared(examples: list[Example], config: ModelConfig):
    y = targets_of(examples)
    # Weak labels (weak.py) weigh less in the heads than labels read by a person.
    y.weight = np.array([config.weak_weight if ex.extra.get("weak") else 1.0 for ex in examples])
    return [item_text(ex.title, ex.summary, ex.text, config) for ex in examples], y


def codebook_examples() -> list[Example]:
    """Items written from the codebook's definitions (codebook/README.md)."""
    return load_examples(CODEBOOK_EXAMPLES)


def labelled_extra_files() -> list[Path]:
    return sorted(LABELS_DIR.glob("*.jsonl"))


def training_extras(config: ModelConfig, measured: list[Example] = ()) -> tuple[list[Example], dict]:
    """The items added to every fold's training part, and where they come from (for the metadata).

    Weak rows leave out the `measured` items, the labelled ones and their near-twins (weak.py).
    """
    files = ([CODEBOOK_EXAMPLES] if config.codebook_examples else []) + (
        labelled_extra_files() if config.labelled_extras else [])
    examples, sources = [], {}
    for path in files:
        rows = load_examples(path)
        examples += rows
        sources[path.name] = {"n_examples": len(rows), "sha256": file_sha256(path)}
    for corpus, dimensions in weak_dimensions(config.weak_labels).items():
        if not (CORPORA_DIR / WEAK_FILES[corpus]).exists():
            continue  # the shared corpora are absent: the model is trained without them
        rows = weak_examples(CORPORA_DIR, corpus, list(measured) + examples, dimensions)
        examples += rows
        sources[f"weak:{corpus}"] = {"n_examples": len(rows), "sha256": file_sha256(CORPORA_DIR / WEAK_FILES[corpus]),
                                     "dimensions": list(dimensions), "weight": config.weak_weight}
    return examples, sources


def train_to_dir(data_path: str | Path | None, out_dir: str | Path) -> tuple[TrainedModel, Path]:
    """Train on a train.jsonl-format file (default: the shared labels) and save to out_dir."""
    data_path = Path(data_path) if data_path else DEFAULT_DATA
    model = train(load_examples(data_path), data_sha256=file_sha256(data_path))
    model.metadata["training_data"]["file"] = data_path.name
    return model, save(model, Path(out_dir))


def load_default(model_path: Path | None, models_dir: Path) -> TrainedModel:
    """The model to use: an explicit path, else the one models_dir/current names, else the shipped one."""
    if model_path is not None:
        return load(Path(model_path))
    current = current_dir(models_dir)
    return load(current if current is not None else SHIPPED_DIR)


def _metadata(examples, file_sha: str | None, extras: dict, config: ModelConfig, seed: int,
              cv: dict, calibration: Calibration, thresholds: Thresholds) -> dict:
    # The version names the training data and the settings, so two models
    # trained the same day on different data never share a version.
    content_sha = examples_sha256(examples)
    recipe = json.dumps([content_sha, extras, config.to_json(), seed, sklearn.__version__], sort_keys=True)
    checksum = hashlib.sha256(recipe.encode()).hexdigest()[:8]
    today = datetime.now(timezone.utc)
    return {
        "version": f"veille-clf-{today:%Y%m%d}-{checksum}",
        "created": today.isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "labels": {dim: list(slugs(dim)) for dim in ("relevance", "purpose", "themes", "kind")},
        # sha256: of the file, when trained from one; content_sha256: of the
        # labelled items whatever their file (it names the version).
        "training_data": {"sha256": file_sha or content_sha, "content_sha256": content_sha,
                          "n_examples": len(examples)},
        # Files whose items joined the training part of every fold (never measured).
        "training_extras": extras,
        "cv": {"folds": config.folds, "seed": seed, "method": "stratified k-fold, cross-fitted "
               "calibration and thresholds, pooled decisions", "metrics": cv},
        "thresholds": {
            "relevance": thresholds.relevance,
            "themes": dict(zip(THEME_SLUGS, map(float, thresholds.themes))),
        },
        "calibration": {
            "relevance": list(map(float, calibration.relevance)),
            "themes": {s: list(map(float, ab)) for s, ab in zip(THEME_SLUGS, calibration.themes)},
            "purpose_temperature": calibration.purpose_temperature,
            "kind_temperature": calibration.kind_temperature,
        },
        "config": config.to_json(),
        "seed": seed,
    }
