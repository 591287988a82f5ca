"""The four linear heads on the shared features, and their raw scores.

Raw scores are margins (log-odds) in the taxonomy's label order: relevance
(n,), purpose (n, 4), themes (n, 15), kind (n, 4). Calibration turns them into
probabilities (calibration.py). A label missing from the training data gets a
very low margin rather than an error, so a small retraining set still yields
a model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier.config import ModelConfig
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS

ABSENT = -30.0  # margin of a label the head never saw
COEF_DTYPE = np.float16  # of the saved weights (fit_heads)
DIMENSIONS = ("relevance", "purpose", "themes", "kind")  # the columns of Targets.known


@dataclass
class Targets:
    """Gold labels as arrays in taxonomy order.

    `known[:, d]` says whether dimension d's label of a row is gold. A staff
    review may settle one dimension only (an item rejected without looking
    at its themes): the other dimensions of that row are left out of their
    heads, calibration, thresholds and figures. An unknown purpose is also
    -1, like the purpose of an irrelevant item.
    """

    relevant: np.ndarray  # (n,) bool
    purpose: np.ndarray  # (n,) int index into PURPOSE_SLUGS, -1 when none or unknown
    themes: np.ndarray  # (n, 15) bool
    kind: np.ndarray  # (n,) int index into KIND_SLUGS
    language: np.ndarray  # (n,) str, "" when unknown: only to balance weights
    known: np.ndarray  # (n, 4) bool, columns in DIMENSIONS order
    # (n,) float: a row's weight in the heads (1; less for weak labels, see
    # weak.py). Calibration, thresholds and figures ignore it.
    weight: np.ndarray | None = None
    # (n,) str: the row's source ("" when unknown): only to balance weights
    # (_strata), never a feature.
    source: np.ndarray | None = None

    def __post_init__(self):
        if self.weight is None:
            self.weight = np.ones(len(self.relevant))
        if self.source is None:
            self.source = np.full(len(self.relevant), "", dtype=str)

    def plus(self, other: "Targets") -> "Targets":
        return Targets(*(np.concatenate([a, b]) for a, b in zip(self.fields(), other.fields())))

    def fields(self) -> tuple:
        return (self.relevant, self.purpose, self.themes, self.kind, self.language, self.known, self.weight,
                self.source)

    def subset(self, rows: np.ndarray) -> "Targets":
        return Targets(*(a[rows] for a in self.fields()))

    def rows(self, dimension: str) -> np.ndarray | None:
        """The rows whose label of `dimension` is gold; None when all are (no copy needed)."""
        known = self.known[:, DIMENSIONS.index(dimension)]
        return None if known.all() else np.flatnonzero(known)


@dataclass
class RawScores:
    relevance: np.ndarray
    purpose: np.ndarray
    themes: np.ndarray
    kind: np.ndarray


def targets_of(examples) -> Targets:
    known = np.array([[dim not in ex.unknown for dim in DIMENSIONS] for ex in examples], dtype=bool)
    known = known.reshape(len(examples), len(DIMENSIONS))
    purpose = [PURPOSE_SLUGS.index(ex.purpose) if ex.purpose and "purpose" not in ex.unknown else -1
               for ex in examples]
    return Targets(
        relevant=np.array([ex.relevant for ex in examples], dtype=bool),
        purpose=np.array(purpose, dtype=int),
        themes=np.array([[t in ex.themes for t in THEME_SLUGS] for ex in examples], dtype=bool).reshape(
            len(examples), len(THEME_SLUGS)),
        kind=np.array([KIND_SLUGS.index(ex.kind) for ex in examples], dtype=int),
        language=np.array([ex.lang or "" for ex in examples], dtype=str),
        known=known,
        source=np.array([ex.source or "" for ex in examples], dtype=str),
    )


@dataclass
class Heads:
    """One binary linear head per label (None: the label had no example).

    Logistic regressions, but for the dimensions in `svm_dimensions` (themes):
    linear SVMs, whose margins calibration.py turns into probabilities alike.

    Purpose and kind are one-vs-rest too: with liblinear's dual solver a binary
    head fits in tens of milliseconds where a multinomial one took seconds,
    and temperature scaling (calibration.py) turns the margins into one
    distribution.
    """

    relevance: list
    purpose: list
    themes: list
    kind: list
    # dimension -> language -> one head per label, for the dimensions in
    # config.language_copies: the common weights plus that language's copy
    # (_split_copies). Items in another language read the common heads above.
    languages: dict = field(default_factory=dict)

    def get(self, dimension: str, language: str | None = None) -> list:
        by_language = self.languages.get(dimension, {})
        return by_language.get(language_key(language), getattr(self, dimension))


def fit_heads(X, y: Targets, config: ModelConfig, blocks: dict[str, slice], seed: int = 0) -> Heads:
    """One head per label; `blocks` names the feature matrix's column ranges.

    Each dimension learns from the rows where its label is gold; purpose
    from the relevant items only (their purpose is >= 0).
    """

    languages = {}

    def fit_all(dim: str, rows, targets, c: float) -> list:
        learner = _learner(dim, c, config, seed)
        scale = _column_scale(X.shape[1], blocks, config, dim)
        X_dim = X if rows is None else X[rows]
        X_fit = X_dim if scale is None else _scaled_columns(X_dim, scale)
        y_dim = y if rows is None else y.subset(rows)
        keys = np.array([language_key(lang) for lang in y_dim.language]) if dim in config.language_copies else None
        copies = [] if keys is None else _copy_languages(keys, config.language_copy_min_rows)
        if copies:
            X_fit = _with_copies(X_fit, keys, copies, config.language_copy_weight)
            scale = None if scale is None else np.tile(scale, 1 + len(copies))
        strata = _strata(dim, y_dim, config)
        nb = dim in config.nb_scale
        present = (X_fit != 0).astype(np.float64).tocsr() if nb else None
        heads = []
        for t in targets(y_dim):
            weights = _sample_weights(t, strata, config, y_dim.weight)
            if nb and len(np.unique(t)) == 2:
                factors = _nb_factors(present, t, config.nb_strength)
                full = factors if scale is None else factors * scale
                heads.append(_fit(_scaled_columns(X_fit, factors), t, learner, weights, full))
            else:
                heads.append(_fit(X_fit, t, learner, weights, scale))
        if copies:
            heads, languages[dim] = _split_copies(heads, X.shape[1], copies, config.language_copy_weight)
        return heads

    fitted = Heads(
        relevance=fit_all("relevance", y.rows("relevance"), lambda t: [t.relevant], config.c_relevance),
        purpose=fit_all("purpose", np.flatnonzero(y.purpose >= 0),
                        lambda t: [t.purpose == j for j in range(len(PURPOSE_SLUGS))], config.c_purpose),
        themes=fit_all("themes", y.rows("themes"),
                       lambda t: [t.themes[:, j] for j in range(len(THEME_SLUGS))], config.c_themes),
        kind=fit_all("kind", y.rows("kind"), lambda t: [t.kind == j for j in range(len(KIND_SLUGS))], config.c_kind),
    )
    fitted.languages = languages
    for dimension_heads in [fitted.get(dim) for dim in DIMENSIONS] + [
            hs for by_language in languages.values() for hs in by_language.values()]:
        for head in dimension_heads:
            if head is not None:
                # Half precision keeps the saved file small (the language
                # copies add 30 theme heads): margins move by less than .003,
                # and no decision changed on the 2,564 hand-labelled items.
                head.coef_ = head.coef_.astype(COEF_DTYPE)
    return fitted


def _scaled_columns(X, factors: np.ndarray):
    """X @ diag(factors), in float64, by one multiplication per stored value (a sparse product is slower)."""
    scaled = X.tocsr().astype(np.float64, copy=True)
    scaled.data *= factors[scaled.indices]
    return scaled


def language_key(language: str | None) -> str:
    """"fr-FR", "FR" and "fr" are one language."""
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def _copy_languages(keys: np.ndarray, min_rows: int) -> list[str]:
    """The languages (language_key of each row) with enough rows for a copy of their own."""
    names, counts = np.unique(keys, return_counts=True)
    return [str(n) for n, c in zip(names, counts) if n and c >= min_rows]


def _with_copies(X, keys: np.ndarray, copies: list[str], weight: float):
    """[X | weight * X on language 1's rows | ...]: Daumé's "frustratingly easy" domain adaptation.

    Each head learns weights common to all languages and, for each language,
    weights of its own, which it uses only when the common ones do not fit
    that language's items (both are regularised alike: a language's own
    weight must earn its place). `weight` < 1 makes the copies costlier.
    """
    parts = [X] + [sp.diags(weight * (keys == lang).astype(np.float64)) @ X for lang in copies]
    return sp.hstack(parts, format="csr")


def _split_copies(heads: list, n_features: int, copies: list[str], weight: float) -> tuple[list, dict]:
    """Heads fitted on _with_copies' columns -> common heads, and one set per language.

    A language's head reads the plain features with the common weights plus
    its copy's (times `weight`, as in training), so prediction and the `why`
    need no extra columns.
    """
    common, by_language = [], {lang: [] for lang in copies}
    for head in heads:
        if head is None:
            common.append(None)
            for lang in copies:
                by_language[lang].append(None)
            continue
        coef = head.coef_[0]
        for i, lang in enumerate(copies, start=1):
            by_language[lang].append(
                _with_coef(copy.copy(head), coef[:n_features] + weight * coef[i * n_features:(i + 1) * n_features]))
        common.append(_with_coef(head, coef[:n_features]))
    return common, by_language


def _with_coef(head, coef: np.ndarray):
    """The fitted head with these weights (its intercept and classes shared)."""
    head.coef_ = coef[None, :]
    head.n_features_in_ = coef.shape[0]
    return head


def _strata(dimension: str, y: Targets, config: ModelConfig) -> np.ndarray | None:
    """Groups within which a dimension's classes are balanced (None: over all items).

    By source: each source's relevant and irrelevant rows weigh alike, so a
    source whose relevant items are few (18F, beta.gouv) is not read through
    the one where every item is relevant (Participedia). A source with fewer
    than `balance_min_rows` rows joins its language's group: a handful of
    rows must not weigh as much as a whole corpus.
    """
    if dimension in config.balance_by_source:
        names, counts = np.unique(y.source, return_counts=True)
        large = set(names[(counts >= config.balance_min_rows) & (names != "")])
        return np.array([f"source:{s}" if s in large else f"language:{lang}"
                         for s, lang in zip(y.source, y.language)], dtype=str)
    return y.language if dimension in config.balance_by_language else None


def _sample_weights(target: np.ndarray, strata: np.ndarray | None, config: ModelConfig,
                    rows: np.ndarray | None = None) -> np.ndarray | None:
    """Balanced class weights ("balanced": rare labels would else never win), times each row's weight.

    Classes are balanced on weighted counts, so down-weighted weak labels
    (weak.py) count for what they weigh; with all rows at 1 this is
    scikit-learn's "balanced".

    Given strata, the balance holds within each stratum. By language: in
    train.jsonl most English items are Participedia cases, all relevant, and
    a head would else learn "English means relevant" from words like "street".
    """
    rows = np.ones(len(target)) if rows is None else np.asarray(rows, dtype=np.float64)
    if not config.balanced:
        return None if (rows == 1).all() else rows
    cells = np.where(target, "1", "0")
    if strata is not None:
        cells = np.char.add(np.char.add(strata.astype(str), "|"), cells)
    _, inverse = np.unique(cells, return_inverse=True)
    counts = np.bincount(inverse, weights=rows)
    return rows * rows.sum() / (len(counts) * counts[inverse])


def _column_scale(n_features: int, blocks: dict[str, slice], config: ModelConfig, dimension: str):
    """Per-column factors: each feature block's weight in one dimension's heads.

    Cues help kind most (events and calls have few examples but telling
    words) and purpose and themes less (their words are learnt well enough).
    A block left out of a dimension gets weight 0, so its coefficients are 0.
    """
    scale = np.ones(n_features)
    for name, columns in blocks.items():
        if name == "cues":
            scale[columns] = getattr(config, f"cue_weight_{dimension}")
        if name == "chars":
            scale[columns] = getattr(config, f"char_weight_{dimension}", 1.0)
        if name not in getattr(config, f"{dimension}_blocks"):
            scale[columns] = 0.0
    return None if (scale == 1).all() else scale


def _nb_factors(present, target: np.ndarray, strength: float, alpha: float = 1.0) -> np.ndarray:
    """|log-count ratio| of each feature for one label, mixed with 1 (NB-LR, Wang & Manning 2012)."""
    p = alpha + np.asarray(present[target].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[~target].sum(axis=0)).ravel()
    ratio = np.abs(np.log(p / p.sum()) - np.log(q / q.sum()))
    return (1 - strength) + strength * ratio / ratio.mean()


def raw_scores(heads: Heads, X, languages=None) -> RawScores:
    """Margins of every label; `languages` (one per row) picks the heads of dimensions with language copies."""
    keys = None if languages is None else np.array([language_key(lang) for lang in languages])
    return RawScores(*(_margins(heads, dim, X, keys) for dim in DIMENSIONS))


def _margins(heads: Heads, dimension: str, X, keys: np.ndarray | None) -> np.ndarray:
    """(n, labels) margins, or (n,) for relevance; each row by its language's heads where there are some."""
    by_language = heads.languages.get(dimension, {}) if keys is not None else {}
    common = np.ones(X.shape[0], dtype=bool)
    groups = []
    for lang, lang_heads in by_language.items():
        rows = keys == lang
        common &= ~rows
        groups.append((np.flatnonzero(rows), lang_heads))
    groups.append((np.flatnonzero(common), heads.get(dimension)))
    out = np.empty((X.shape[0], len(heads.get(dimension))))
    for rows, group_heads in groups:
        if len(rows):
            X_rows = X if len(rows) == X.shape[0] else X[rows]
            out[rows] = np.column_stack([_margin(h, X_rows) for h in group_heads])
    return out[:, 0] if dimension == "relevance" else out


def coefficients(heads: Heads, dimension: str, index: int, language: str | None = None) -> np.ndarray | None:
    """The weight vector that argues for one label (None if the head never saw it), in the item's language."""
    head = heads.get(dimension, language)[index]
    return None if head is None else head.coef_[0]


def _learner(dimension: str, c: float, config: ModelConfig, seed: int):
    """The unfitted binary head of a dimension, cloned for each of its labels."""
    if dimension in config.svm_dimensions:
        # Dual coordinate descent like the logistic heads (one variable per row),
        # at scikit-learn's default tolerance: the one measured.
        return LinearSVC(C=config.c_svm, loss="squared_hinge", dual=True, tol=1e-4, max_iter=20000,
                         random_state=seed)
    return LogisticRegression(
        C=c,
        # The dual problem has one variable per example: 562 rather than the
        # ~40k features, hence fast.
        solver="liblinear",
        dual=True,
        max_iter=5000,
        tol=config.tol,
        random_state=seed,
    )


def _fit(X, y: np.ndarray, learner, weights: np.ndarray | None, scale: np.ndarray | None):
    """A binary head; X is already scaled by `scale`, folded back into the weights."""
    if len(np.unique(y)) < 2:
        return None
    model = clone(learner)
    model.fit(X, y, sample_weight=weights)
    if scale is not None:
        # Fitted on scaled columns: w . (s * x) = (w * s) . x, so prediction
        # uses the plain matrix.
        model.coef_ = model.coef_ * scale
    return model


def _margin(head, X) -> np.ndarray:
    if head is None:
        return np.full(X.shape[0], ABSENT)
    return head.decision_function(X).astype(np.float64)
