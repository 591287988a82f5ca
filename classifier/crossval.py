"""Out-of-fold scores, and cross-validated figures that do not flatter the model.

`train` fits the features and heads once per fold and keeps each item's
margins from the model that did not see it. Those out-of-fold margins serve
twice:
- to fit the calibration and the thresholds of the final model;
- to measure it: for each fold, calibration and thresholds are fitted on the
  other folds' margins only, then applied to this fold ("cross-fitting"), so
  the reported figures do not include a threshold tuned on the items they are
  measured on. Figures pool the decisions of all folds before averaging:
  per-fold F1s of labels with four examples would be mostly noise.
"""

from __future__ import annotations

import os

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from classifier.config import ModelConfig
from classifier.decisions import Decisions, decide, fit_calibration, fit_thresholds, probabilities
from classifier.features import fit_featurizer
from classifier.heads import RawScores, Targets, fit_heads, raw_scores
from classifier.metrics import score


def folds(y: Targets, n_folds: int, seed: int) -> list[np.ndarray]:
    """Test rows of each fold, stratified on relevance and purpose together."""
    strata = y.purpose + 1  # 0 = not relevant, 1.. = purpose
    # StratifiedKFold needs every stratum at least n_folds times; merge rarer ones.
    counts = np.bincount(strata)
    strata = np.where(counts[strata] >= n_folds, strata, -1)
    if 0 < np.sum(strata == -1) < n_folds:  # still too rare together: join the largest stratum
        strata = np.where(strata == -1, np.bincount(strata[strata >= 0]).argmax(), strata)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(strata)), strata)]


PARALLEL_FROM = 2000  # items: below, starting worker processes costs more than it saves


def out_of_fold(texts: list[str], y: Targets, test_folds, config: ModelConfig, seed: int,
                extra: tuple[list[str], Targets] | None = None) -> RawScores:
    """Each row's margins from the model trained without its fold.

    `extra` items (the codebook's examples, the labelled extras) join every
    fold's training part and are never scored: the figures stay those of the
    labelled items. On large sets the folds run in two processes (the
    machines have two cores; each fold is independent and deterministic).
    """
    jobs = [delayed(_fold)(texts, y, test, config, seed, extra) for test in test_folds]
    n_jobs = min(2, os.cpu_count() or 1) if len(texts) >= PARALLEL_FROM else 1
    parts = Parallel(n_jobs=n_jobs)(jobs)
    return _assemble(list(zip(test_folds, parts)), len(texts))


def _fold(texts: list[str], y: Targets, test: np.ndarray, config: ModelConfig, seed: int, extra) -> RawScores:
    train = np.setdiff1d(np.arange(len(texts)), test)
    train_texts, y_train = [texts[i] for i in train], y.subset(train)
    if extra is not None:
        train_texts, y_train = train_texts + extra[0], y_train.plus(extra[1])
    featurizer, X_train, blocks = fit_featurizer(config, train_texts)
    heads = fit_heads(X_train, y_train, config, blocks, seed)
    return raw_scores(heads, featurizer.transform([texts[i] for i in test]).tocsr(), y.language[test])


def cross_fitted_decisions(raw: RawScores, y: Targets, test_folds, config: ModelConfig) -> Decisions:
    n = len(y.relevant)
    relevant, purpose = np.zeros(n, bool), np.zeros(n, int)
    themes, kind = np.zeros(y.themes.shape, bool), np.zeros(n, int)
    for test in test_folds:
        rest = np.setdiff1d(np.arange(n), test)
        cal = fit_calibration(_rows(raw, rest), y.subset(rest), config)
        thresholds = fit_thresholds(probabilities(_rows(raw, rest), cal), y.subset(rest), config)
        d = decide(probabilities(_rows(raw, test), cal), thresholds)
        relevant[test], purpose[test], themes[test], kind[test] = d.relevant, d.purpose, d.themes, d.kind
    return Decisions(relevant, purpose, themes, kind)


def cv_metrics(raw: RawScores, y: Targets, test_folds, config: ModelConfig) -> dict:
    d = cross_fitted_decisions(raw, y, test_folds, config)
    return score(y.relevant, y.purpose, y.themes, y.kind, d.relevant, d.purpose, d.themes, d.kind, y.known)


def _rows(raw: RawScores, rows: np.ndarray) -> RawScores:
    return RawScores(raw.relevance[rows], raw.purpose[rows], raw.themes[rows], raw.kind[rows])


def _assemble(parts, n: int) -> RawScores:
    first = parts[0][1]
    out = RawScores(
        np.zeros(n), np.zeros((n, first.purpose.shape[1])),
        np.zeros((n, first.themes.shape[1])), np.zeros((n, first.kind.shape[1])),
    )
    for rows, scores in parts:
        out.relevance[rows] = scores.relevance
        out.purpose[rows] = scores.purpose
        out.themes[rows] = scores.themes
        out.kind[rows] = scores.kind
    return out
