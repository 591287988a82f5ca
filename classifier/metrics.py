"""Quality figures per dimension, in the JSON shape `evaluate` documents.

Conventions (stated once, used by evaluate() and the cross-validation alike):
- purpose is measured on the items whose gold label is relevant;
- a macro average runs over the labels present in the gold set (a label with
  no gold item cannot be measured; it is still listed with support 0), and
  precision is 0 for a label never predicted;
- themes: micro-F1 pools every (item, theme) decision.
"""

from __future__ import annotations

import numpy as np

from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS, slugs


def score(gold_relevant, gold_purpose, gold_themes, gold_kind,
          relevant, purpose, themes, kind, known: np.ndarray | None = None) -> dict:
    """All four dimensions; arrays in taxonomy order (see heads.Targets).

    `known` (n, 4): each dimension is measured on the rows where its gold
    label is known (an unknown purpose is already -1); None: all are.
    """
    n = len(gold_relevant)
    known = np.ones((n, 4), bool) if known is None else np.asarray(known, bool)
    rel, th, kd = known[:, 0], known[:, 2], known[:, 3]
    gold_relevant, relevant = np.asarray(gold_relevant, bool), np.asarray(relevant, bool)
    on_relevant = gold_relevant & (np.asarray(gold_purpose) >= 0)
    return {
        "relevance": single_choice(
            np.where(gold_relevant, 0, 1)[rel], np.where(relevant, 0, 1)[rel], slugs("relevance")),
        "purpose": single_choice(
            np.asarray(gold_purpose)[on_relevant], np.asarray(purpose)[on_relevant], PURPOSE_SLUGS),
        "themes": multi_label(np.asarray(gold_themes, bool)[th], np.asarray(themes, bool)[th], THEME_SLUGS),
        "kind": single_choice(np.asarray(gold_kind)[kd], np.asarray(kind)[kd], KIND_SLUGS),
    }


def single_choice(gold: np.ndarray, pred: np.ndarray, labels) -> dict:
    per_label = {
        slug: _prf(pred == i, gold == i) for i, slug in enumerate(labels)
    }
    return {
        "macro_f1": _macro(per_label),
        "accuracy": float(np.mean(gold == pred)) if len(gold) else 0.0,
        "per_label": per_label,
    }


def multi_label(gold: np.ndarray, pred: np.ndarray, labels) -> dict:
    gold = gold.reshape(-1, len(labels))
    pred = pred.reshape(-1, len(labels))
    per_label = {slug: _prf(pred[:, j], gold[:, j]) for j, slug in enumerate(labels)}
    micro = _prf(pred.ravel(), gold.ravel())
    return {"macro_f1": _macro(per_label), "micro_f1": micro["f1"], "per_label": per_label}


def _prf(pred: np.ndarray, gold: np.ndarray) -> dict:
    tp = int(np.sum(pred & gold))
    n_pred, support = int(pred.sum()), int(gold.sum())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * tp / (n_pred + support) if n_pred + support else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def _macro(per_label: dict) -> float:
    measured = [v["f1"] for v in per_label.values() if v["support"] > 0]
    return float(np.mean(measured)) if measured else 0.0
