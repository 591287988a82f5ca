"""Raw margins to calibrated probabilities, and decision thresholds.

Both are fitted on out-of-fold margins: the final model's margins on its own
training data are over-confident, and a threshold tuned on them would be too.

- Binary labels (relevance, each theme): Platt scaling, p = sigmoid(a*m + b),
  with Platt's smoothed targets so a label with three positives does not get
  probabilities of exactly 0 or 1.
- Single-choice dimensions (purpose, kind): temperature scaling of the
  softmax, one parameter, which keeps the argmax and suits classes with four
  examples better than one sigmoid per class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_softmax, softmax


@dataclass
class Calibration:
    relevance: np.ndarray  # (2,) a, b
    themes: np.ndarray  # (15, 2) a, b per theme
    purpose_temperature: float
    kind_temperature: float


IDENTITY_PLATT = np.array([1.0, 0.0])


def fit_platt(margins: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """(a, b) minimising the log-loss of sigmoid(a*m + b) against smoothed targets.

    Newton's method with step halving (Platt's own, as refined by Lin et
    al. 2007): two parameters, a convex loss, a dozen steps of numpy. A
    general-purpose optimiser spent a third of a training run here.
    """
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return IDENTITY_PLATT.copy()
    target = np.where(positive, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    m = np.asarray(margins, dtype=np.float64)
    ab = np.array([1.0, 0.0])
    loss = _platt_loss(ab, m, target)
    for _ in range(100):
        p = expit(ab[0] * m + ab[1])
        gradient = np.array([np.dot(p - target, m), np.sum(p - target)])
        w = p * (1 - p) + 1e-12  # a tiny ridge keeps the Hessian invertible on separable data
        hessian = np.array([[np.dot(w, m * m) + 1e-12, np.dot(w, m)], [np.dot(w, m), w.sum() + 1e-12]])
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-10:
            candidate = ab - scale * step
            new_loss = _platt_loss(candidate, m, target)
            if new_loss < loss + 1e-4 * scale * np.dot(gradient, -step):
                break
            scale /= 2
        else:
            break
        converged = abs(loss - new_loss) < 1e-10 * max(1.0, abs(loss))
        ab, loss = candidate, new_loss
        if converged or np.abs(gradient).max() < 1e-8:
            break
    return ab


def _platt_loss(ab: np.ndarray, m: np.ndarray, target: np.ndarray) -> float:
    z = ab[0] * m + ab[1]
    return float(np.sum(np.logaddexp(0, z) - target * z))  # log(1 + e^z) - t*z, written stably


def platt(margins: np.ndarray, ab: np.ndarray) -> np.ndarray:
    return expit(ab[0] * margins + ab[1])


def fit_temperature(margins: np.ndarray, gold: np.ndarray) -> float:
    """T minimising the log-loss of softmax(m / T) on rows with a gold class."""
    rows = gold >= 0
    if rows.sum() == 0:
        return 1.0
    m, g = margins[rows], gold[rows]

    def loss(log_t):
        logp = log_softmax(m / np.exp(log_t), axis=1)
        return float(-logp[np.arange(len(g)), g].sum())

    result = minimize_scalar(loss, bounds=(-4.0, 4.0), method="bounded")
    return float(np.exp(result.x))


def tempered_softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
    return softmax(margins / temperature, axis=1)


def best_threshold(prob: np.ndarray, positive: np.ndarray, *, macro: bool) -> float:
    """The threshold on `prob` with the best F1 (or macro-F1 of both classes).

    Ties go to the lowest threshold: the codebook asks, when in doubt, for a
    marginal yes rather than a missed item.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    scores = [_f1s(prob >= t, positive, macro) for t in grid]
    return float(grid[int(np.argmax(scores))])


def shrunk_threshold(tuned: float, n_positive: int, strength: float) -> float:
    """Pull a threshold tuned on few positives towards 0.5 (weight n / (n + strength))."""
    weight = n_positive / (n_positive + strength) if strength > 0 else 1.0
    return float(weight * tuned + (1 - weight) * 0.5)


def _f1s(pred: np.ndarray, gold: np.ndarray, macro: bool) -> float:
    f1_pos = _f1(pred, gold)
    return (f1_pos + _f1(~pred, ~gold)) / 2 if macro else f1_pos


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = np.sum(pred & gold)
    denom = pred.sum() + gold.sum()
    return 0.0 if denom == 0 else 2 * tp / denom
