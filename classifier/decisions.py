"""From margins to probabilities to tags, for a whole batch at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifier.calibration import (
    IDENTITY_PLATT,
    Calibration,
    best_threshold,
    fit_platt,
    fit_temperature,
    platt,
    shrunk_threshold,
    tempered_softmax,
)
from classifier.config import ModelConfig
from classifier.heads import DIMENSIONS, RawScores, Targets
from classifier.taxonomy import THEME_SLUGS


@dataclass
class Probabilities:
    relevance: np.ndarray  # (n,)
    purpose: np.ndarray  # (n, 4), rows sum to 1
    themes: np.ndarray  # (n, 15), independent
    kind: np.ndarray  # (n, 4), rows sum to 1


@dataclass
class Thresholds:
    relevance: float
    themes: np.ndarray  # (15,)


@dataclass
class Decisions:
    relevant: np.ndarray  # (n,) bool
    purpose: np.ndarray  # (n,) index; filled for every item, see decide()
    themes: np.ndarray  # (n, 15) bool
    kind: np.ndarray  # (n,) index


def fit_calibration(raw: RawScores, y: Targets, config: ModelConfig) -> Calibration:
    """Calibration fitted on the rows whose label is gold (see Targets.known)."""
    n_themes = len(THEME_SLUGS)
    if not config.calibrate:
        return Calibration(IDENTITY_PLATT.copy(), np.tile(IDENTITY_PLATT, (n_themes, 1)), 1.0, 1.0)
    rel, th = _known(y, "relevance"), _known(y, "themes")
    return Calibration(
        relevance=fit_platt(raw.relevance[rel], y.relevant[rel]),
        themes=np.vstack([fit_platt(raw.themes[th, j], y.themes[th, j]) for j in range(n_themes)]),
        purpose_temperature=fit_temperature(raw.purpose, y.purpose),  # unknown purposes are -1: skipped
        kind_temperature=fit_temperature(raw.kind, np.where(_known(y, "kind"), y.kind, -1)),
    )


def _known(y: Targets, dimension: str) -> np.ndarray:
    return y.known[:, DIMENSIONS.index(dimension)]


def probabilities(raw: RawScores, cal: Calibration) -> Probabilities:
    return Probabilities(
        relevance=platt(raw.relevance, cal.relevance),
        purpose=tempered_softmax(raw.purpose, cal.purpose_temperature),
        themes=np.column_stack([platt(raw.themes[:, j], cal.themes[j]) for j in range(len(THEME_SLUGS))]),
        kind=tempered_softmax(raw.kind, cal.kind_temperature),
    )


def fit_thresholds(probs: Probabilities, y: Targets, config: ModelConfig) -> Thresholds:
    n_themes = len(THEME_SLUGS)
    if not config.tune_thresholds:
        return Thresholds(0.5, np.full(n_themes, 0.5))
    rel, th = _known(y, "relevance"), _known(y, "themes")
    themes = []
    for j in range(n_themes):
        gold = y.themes[th, j]
        tuned = best_threshold(probs.themes[th, j], gold, macro=False) if gold.any() else 0.5
        themes.append(shrunk_threshold(tuned, int(gold.sum()), config.theme_shrink))
    relevance = best_threshold(probs.relevance[rel], y.relevant[rel], macro=True) if rel.any() else 0.5
    return Thresholds(relevance=relevance, themes=np.array(themes))


def decide(probs: Probabilities, thresholds: Thresholds) -> Decisions:
    """Tags for a batch.

    The purpose is the most probable one for every item, relevant or not: when
    staff turn an item to relevant (one keystroke) its purpose is already
    there, and consumers show it only for relevant items.
    """
    return Decisions(
        relevant=probs.relevance >= thresholds.relevance,
        purpose=probs.purpose.argmax(axis=1),
        themes=probs.themes >= thresholds.themes,
        kind=probs.kind.argmax(axis=1),
    )
