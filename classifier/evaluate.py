"""Measure a model on labelled examples, and print the figures for people.

`evaluate` returns, for each of `relevance`, `purpose`, `themes`, `kind`:
`macro_f1`; `accuracy` (relevance, purpose, kind) or `micro_f1` (themes); and
`per_label` {slug: {precision, recall, f1, support}}. Purpose is measured on
the items whose gold label is relevant; see metrics.py for the conventions.
"""

from __future__ import annotations

import numpy as np

from classifier.data import Example
from classifier.heads import targets_of
from classifier.metrics import score
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS
from store.records import ItemToClassify

DIMENSIONS = ("relevance", "purpose", "themes", "kind")


def evaluate(model, examples: list[Example]) -> dict:
    """Predict every example (one batch) and score the tags against the gold ones."""
    return score_predictions(examples, model.predict([as_item(ex, n) for n, ex in enumerate(examples)]))


def score_predictions(examples: list[Example], predictions: list) -> dict:
    """Score predictions made elsewhere (one per example, in order) against the examples' gold tags."""
    gold = targets_of(examples)
    return score(
        gold.relevant, gold.purpose, gold.themes, gold.kind,
        relevant=[p.relevant for p in predictions],
        purpose=[PURPOSE_SLUGS.index(p.purpose) if p.purpose else -1 for p in predictions],
        themes=np.array([[t in p.themes for t in THEME_SLUGS] for p in predictions], dtype=bool),
        kind=[KIND_SLUGS.index(p.kind) for p in predictions],
        known=gold.known,
    )


def as_item(example: Example, item_id: int = 0) -> ItemToClassify:
    return ItemToClassify(id=item_id, title=example.title, summary=example.summary,
                          text=example.text, language=example.lang, actor_type=None)


def format_report(result: dict) -> str:
    """A plain-text table: headline figures, then one line per label."""
    lines = []
    for dim in DIMENSIONS:
        block = result[dim]
        headline = "  ".join(f"{k}={block[k]:.3f}" for k in ("macro_f1", "micro_f1", "accuracy") if k in block)
        lines.append(f"{dim}  {headline}")
        lines.append(f"  {'label':<26}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
        for slug, m in block["per_label"].items():
            lines.append(f"  {slug:<26}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{m['support']:>9d}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
