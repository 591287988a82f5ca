"""Saving and loading a model: `model.skops` + `metadata.json`, never a pickle.

A model directory may come from anywhere (a colleague, a download), so
loading it must not run code. skops lists every type a file would create;
we accept only scikit-learn, a short list of numpy/scipy containers and our
own feature class, and refuse anything else before loading a single object.
The estimators go in `model.skops`; what a person may want to read (version,
labels, figures, calibration, thresholds, settings) goes in `metadata.json`,
which also records the sha256 of `model.skops`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio

from classifier.calibration import Calibration
from classifier.config import ModelConfig
from classifier.decisions import Thresholds
from classifier.heads import Heads
from classifier.taxonomy import THEME_SLUGS

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
# 2: the heads of some dimensions have a set per language ("languages"). A
# version that knows only 1 would read such a file with the common heads
# only, quietly: it refuses it instead. Files of format 1 load as they are.
FORMAT = 2
READABLE_FORMATS = (1, 2)
HEAD_DIMENSIONS = ("relevance", "purpose", "themes", "kind")

# Types a model file may contain. Prefixes cover scikit-learn's own modules;
# numpy and scipy are listed one by one (numpy also holds functions that read
# files, which a model never needs).
TRUSTED_PREFIXES = ("sklearn.",)
TRUSTED_TYPES = frozenset({
    "classifier.cues.CueFeatures",
    "classifier.ngrams.CharNgrams",
    "classifier.ngrams.WordNgrams",
    "builtins.slice",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float16",
    "numpy.float32",
    "numpy.float64",
    "numpy.int32",
    "numpy.int64",
    "numpy.bool_",
    "numpy.str_",
    "numpy.dtypes.Float16DType",
    "numpy.dtypes.Float32DType",
    "numpy.dtypes.Float64DType",
    "numpy.dtypes.Int32DType",
    "numpy.dtypes.Int64DType",
    "numpy.dtypes.BoolDType",
    "numpy.dtypes.ObjectDType",
    "numpy.dtypes.StrDType",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csc.csc_matrix",
    "scipy.sparse._csr.csr_array",
    "scipy.sparse._csc.csc_array",
})


class UntrustedModelError(ValueError):
    """The model file would create objects of types we do not trust."""


def save(model, directory: str | Path) -> Path:
    """Write model.skops and metadata.json into `directory` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    blob = sio.dumps(_estimators(model), compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    meta = {**model.metadata, **_decision_params(model),
            "format": FORMAT, "model_sha256": hashlib.sha256(blob).hexdigest()}
    # Write both files beside their final names, then rename: a model
    # directory in use is never seen half-written.
    _atomic_write(directory / MODEL_FILE, blob)
    _atomic_write(directory / METADATA_FILE, json.dumps(meta, indent=1, ensure_ascii=False).encode())
    return directory


def load(directory: str | Path):
    """Load a saved model; UntrustedModelError (a ValueError) if the file holds other types."""
    from classifier.predictor import TrainedModel

    directory = Path(directory)
    if directory.is_file():  # tolerate a path to model.skops itself
        directory = directory.parent
    blob = (directory / MODEL_FILE).read_bytes()
    meta = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    trusted = check_types(blob, directory / MODEL_FILE)
    if hashlib.sha256(blob).hexdigest() != meta.get("model_sha256"):
        raise ValueError(f"{directory / MODEL_FILE} does not match the sha256 in {METADATA_FILE}")
    objects = sio.loads(blob, trusted=trusted)
    if meta.get("format") not in READABLE_FORMATS or objects.get("format") != meta.get("format"):
        raise ValueError(f"{directory}: unsupported model format {meta.get('format')!r}")
    heads = Heads(*(list(objects[dim]) for dim in HEAD_DIMENSIONS))
    heads.languages = _language_heads(objects.get("languages", {}))  # none in format 1
    calibration, thresholds = _read_decision_params(meta)
    return TrainedModel(objects["featurizer"], heads, calibration, thresholds,
                        ModelConfig.from_json(meta["config"]), meta)


def check_types(blob: bytes, where: Path | str = "model") -> list[str]:
    """The file's non-default types, all of them trusted; else UntrustedModelError."""
    found = sio.get_untrusted_types(data=blob)
    refused = sorted(t for t in found if not is_trusted(t))
    if refused:
        raise UntrustedModelError(f"{where} holds untrusted types, refusing to load it: {', '.join(refused)}")
    return found


def is_trusted(type_name: str) -> bool:
    return type_name in TRUSTED_TYPES or type_name.startswith(TRUSTED_PREFIXES)


def _estimators(model) -> dict:
    heads = {dim: list(model.heads.get(dim)) for dim in HEAD_DIMENSIONS}
    return {"format": FORMAT, "featurizer": model.featurizer, **heads,
            "languages": _language_heads(model.heads.languages)}


def _language_heads(languages: dict) -> dict:
    """dimension -> language -> list of heads, as plain dicts and lists."""
    return {dim: {lang: list(hs) for lang, hs in by_language.items()} for dim, by_language in languages.items()}


def _decision_params(model) -> dict:
    # Exact float round trip: json writes repr(float), which reads back identical.
    return {
        "calibration": {
            "relevance": [float(x) for x in model.calibration.relevance],
            "themes": {s: [float(x) for x in ab] for s, ab in zip(THEME_SLUGS, model.calibration.themes)},
            "purpose_temperature": float(model.calibration.purpose_temperature),
            "kind_temperature": float(model.calibration.kind_temperature),
        },
        "thresholds": {
            "relevance": float(model.thresholds.relevance),
            "themes": {s: float(t) for s, t in zip(THEME_SLUGS, model.thresholds.themes)},
        },
    }


def _read_decision_params(meta: dict) -> tuple[Calibration, Thresholds]:
    cal, thr = meta["calibration"], meta["thresholds"]
    calibration = Calibration(
        relevance=np.array(cal["relevance"]),
        themes=np.array([cal["themes"][s] for s in THEME_SLUGS]),
        purpose_temperature=float(cal["purpose_temperature"]),
        kind_temperature=float(cal["kind_temperature"]),
    )
    thresholds = Thresholds(float(thr["relevance"]), np.array([thr["themes"][s] for s in THEME_SLUGS]))
    return calibration, thresholds


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
