"""Where trained models live in the data directory, and which one serves.

    DATA_DIR/models/<version>/   model.skops + metadata.json, one directory per version
    DATA_DIR/models/current      a text file naming the version that serves

Switching models rewrites the small `current` file atomically (write beside,
then rename): a process loading the model sees the old version or the new
one, never a half-written directory. A `current` directory (written by
earlier versions of `veille classifier train`) is still read, and moved to
its version's name the first time another model is promoted.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from classifier.persist import METADATA_FILE, save

CURRENT = "current"
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a directory name, never a path


def current_dir(models_dir: Path) -> Path | None:
    """The directory of the model that serves, or None (then the shipped one does)."""
    pointer = Path(models_dir) / CURRENT
    if pointer.is_dir():
        return pointer
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    if not _VERSION.fullmatch(version):
        raise ValueError(f"{pointer} does not name a model version: {version[:100]!r}")
    return Path(models_dir) / version


def save_version(model, models_dir: Path) -> Path:
    """Write a model to models_dir/<version>/ (its own directory, never the one serving)."""
    version = model.version
    if not _VERSION.fullmatch(version) or version == CURRENT:
        raise ValueError(f"not a usable model version: {version!r}")
    return save(model, Path(models_dir) / version)


def promote(models_dir: Path, version: str) -> Path:
    """Make models_dir/<version> the model that serves; returns its directory."""
    models_dir = Path(models_dir)
    target = models_dir / version
    if not _VERSION.fullmatch(version) or not (target / METADATA_FILE).is_file():
        raise ValueError(f"no saved model {version!r} in {models_dir}")
    _retire_legacy_directory(models_dir)
    fd, tmp = tempfile.mkstemp(dir=models_dir, prefix=f".{CURRENT}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(version + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, models_dir / CURRENT)
    return target


def _retire_legacy_directory(models_dir: Path) -> None:
    """A `current` directory becomes models_dir/<its version>, so the pointer file can take its name."""
    legacy = models_dir / CURRENT
    if not legacy.is_dir():
        return
    version = json.loads((legacy / METADATA_FILE).read_text(encoding="utf-8"))["version"]
    destination = models_dir / version
    if destination.exists():  # the same version saved twice: the copy in use goes
        destination = models_dir / f"{version}.previous"
    legacy.rename(destination)
