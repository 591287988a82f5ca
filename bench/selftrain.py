"""Self-training: the corpora's unlabelled items, tagged by the fold's own model, as light training rows.

Measured, not kept (classifier/README.md, "Levers measured one at a time"):
`train` does not use it, so it lives beside the bench whose
`default+selftrain-*` rows use it (bench/bench_classifier_levers.py). Inside each fold, the model fitted on the
training part scores a pool of unlabelled corpus items; the dimensions it is confident
about become labels of down-weighted rows (`SelfTraining.weight`), every
other dimension of the row stays unknown (`Targets.known`), and the heads are
fitted again with those rows. Like the weak rows (weak.py), pseudo-labelled
rows never enter calibration, thresholds or the figures.

Leaks: the pool leaves out the items measured, the labelled ones, the weak
rows and their near-twins (weak.py's guard: same URL, same title, a title
sharing most of its rare words, or a text sharing 5-word shingles), so no
item is ever scored by a model trained on its own pseudo-label or its twin's.

Texts are built as train.jsonl builds them (labels/README.md): 600 characters.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.data import Example
from classifier.heads import DIMENSIONS, Targets, raw_scores
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS
from classifier.weak import CORPORA, MIN_CHARS, TEXT_CHARS, _fold_words, _LeakGuard, corpus_item, corpus_rows

AFP_FILE = "afp-an-rss/afp_an_items.jsonl.gz"


@dataclass(frozen=True)
class SelfTraining:
    """Which pool, which confident answers become labels, and what they weigh."""

    afp_items: int = 2000  # AFP dispatches drawn (seeded) from the ~14k unlabelled ones
    others: bool = True  # the unlabelled Participedia cases, 18F posts and beta.gouv start-ups too
    dimensions: tuple[str, ...] = ("relevance", "purpose")
    relevance_hi: float = 0.9  # relevant when p >= hi, not relevant when p <= lo (else unknown)
    relevance_lo: float = 0.1
    purpose_min: float = 0.8  # the most probable purpose, when its probability is at least this
    kind_min: float = 0.9
    themes_margin: float = 0.8  # themes known when every theme's p is >= this or <= 1 - this
    weight: float = 0.3
    max_per_class: int | None = None  # the most confident ones first


def pool_examples(corpus: Path, known: list[Example], settings: SelfTraining, seed: int = 20261126) -> list[Example]:
    """Unlabelled items of the corpora, minus `known` (measured, labelled, weak) and their near-twins.

    One version per normalised title (AFP re-issues updated dispatches). The
    AFP draw is seeded and does not depend on the CV seed.
    """
    readers = ([_afp(corpus, settings.afp_items, seed)] if settings.afp_items else [])
    if settings.others:
        readers += [_others(corpus)]
    guard = _LeakGuard(known)
    titles: set[str] = set()
    out, n_afp = [], 0
    for reader in readers:
        for id_, source, lang, title, text, url in reader:
            key = _fold_words(title)
            if source == "afp-an" and n_afp >= settings.afp_items:
                break
            if len(text) < MIN_CHARS or key in titles or guard.seen(title, text[:TEXT_CHARS], url):
                continue
            n_afp += source == "afp-an"
            titles.add(key)
            out.append(Example(id=id_, title=title, text=text[:TEXT_CHARS], relevant=False, purpose=None,
                               themes=(), kind="news", lang=lang, source=source, url=url,
                               unknown=frozenset(DIMENSIONS), extra={"pool": True}))
    return out


def _afp(corpus: Path, n: int, seed: int):
    path = corpus / AFP_FILE
    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    rows = sorted((r for r in rows if (r.get("description") or "").strip()), key=lambda r: r["link"])
    random.Random(seed).shuffle(rows)
    for i, row in enumerate(rows):  # the caller stops at n kept
        yield (f"pool-afp-{i}", "afp-an", "fr", row["title"], row["description"].replace("#", ""), row["link"])


def _others(corpus: Path):
    """Every item of the other corpora, as the weak labels' readers build it."""
    for name in CORPORA:
        for row in corpus_rows(corpus, name):
            yield corpus_item(name, row, "pool")


# --- pseudo-labels -------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _softmax(x):
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def pseudo_targets(heads, X_pool, languages: np.ndarray, settings: SelfTraining) -> tuple[np.ndarray, Targets]:
    """The rows of the pool with at least one confident dimension, and their targets.

    Probabilities are the heads' own (sigmoid / softmax of the margins): the
    fold's calibration is fitted on out-of-fold margins that the fold itself
    does not have. Returns (pool row indices, Targets of those rows).
    """
    raw = raw_scores(heads, X_pool, languages)
    n = X_pool.shape[0]
    known = np.zeros((n, len(DIMENSIONS)), bool)
    p_rel = _sigmoid(raw.relevance)
    relevant = p_rel >= settings.relevance_hi
    if "relevance" in settings.dimensions:
        known[:, 0] = relevant | (p_rel <= settings.relevance_lo)
        if settings.max_per_class:
            known[:, 0] &= _capped(np.where(relevant, p_rel, 1 - p_rel), relevant, known[:, 0], settings.max_per_class)
    p_purpose = _softmax(raw.purpose)
    purpose = np.full(n, -1)
    if "purpose" in settings.dimensions:
        # Only for items confidently relevant (purpose is learnt from relevant items).
        ok = relevant & (p_purpose.max(axis=1) >= settings.purpose_min)
        if settings.max_per_class:
            ok &= _capped(p_purpose.max(axis=1), p_purpose.argmax(axis=1), ok, settings.max_per_class)
        purpose = np.where(ok, p_purpose.argmax(axis=1), -1)
        known[:, 1] = ok
    p_themes = _sigmoid(raw.themes)
    themes = p_themes >= 0.5
    if "themes" in settings.dimensions:
        m = settings.themes_margin
        known[:, 2] = ((p_themes >= m) | (p_themes <= 1 - m)).all(axis=1)
    p_kind = _softmax(raw.kind)
    kind = p_kind.argmax(axis=1)
    if "kind" in settings.dimensions:
        known[:, 3] = p_kind.max(axis=1) >= settings.kind_min
    rows = np.flatnonzero(known.any(axis=1))
    y = Targets(relevant=relevant[rows], purpose=purpose[rows], themes=themes[rows], kind=kind[rows],
                language=languages[rows], known=known[rows], weight=np.full(len(rows), settings.weight))
    return rows, y


def _capped(score: np.ndarray, cls: np.ndarray, eligible: np.ndarray, cap: int) -> np.ndarray:
    """Of the eligible rows, the `cap` highest-scoring of each class."""
    keep = np.zeros(len(score), bool)
    for c in np.unique(cls[eligible]):
        idx = np.flatnonzero(eligible & (cls == c))
        keep[idx[np.argsort(-score[idx])[:cap]]] = True
    return keep


def describe(y: Targets) -> dict:
    """How many pseudo-labels of each kind (to look at what a variant adds)."""
    k = y.known
    return {"rows": int(len(y.relevant)),
            "relevant": int((k[:, 0] & y.relevant).sum()), "not_relevant": int((k[:, 0] & ~y.relevant).sum()),
            "purpose": {s: int((k[:, 1] & (y.purpose == j)).sum()) for j, s in enumerate(PURPOSE_SLUGS)},
            "themes_rows": int(k[:, 2].sum()),
            "themes": {s: int((k[:, 2] & y.themes[:, j]).sum()) for j, s in enumerate(THEME_SLUGS)
                       if (k[:, 2] & y.themes[:, j]).any()},
            "kind": {s: int((k[:, 3] & (y.kind == j)).sum()) for j, s in enumerate(KIND_SLUGS)}}
