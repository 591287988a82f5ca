"""Measure a model on labelled examples, and print the figures for people.

`evaluate` returns, for each of `relevance`, `purpose`, `themes`, `kind`:
`macro_f1`; `accuracy` (relevance, purpose, kind) or `micro_f1` (themes); and
`per_label` {slug: {precision, recall, f1, support}}. Purpose is measured on
the items whose gold label is relevant; see metrics.py for the conventions.

When the model knows what it was trained on (overlap.py), the result also
says how many of the items were among its training rows (`seen_in_training`:
`n` and `ids`) and, if some were, gives the same figures on the others
(`unseen`): the figures a held-out measure should quote.
"""

from __future__ import annotations

import numpy as np

from classifier.data import Example
from classifier.heads import targets_of
from classifier.metrics import score
from classifier.overlap import seen_in_training
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS
from store.records import ItemToClassify

DIMENSIONS = ("relevance", "purpose", "themes", "kind")


def evaluate(model, examples: list[Example]) -> dict:
    """Predict every example (one batch) and score the tags against the gold ones."""
    predictions = model.predict([as_item(ex, n) for n, ex in enumerate(examples)])
    result = score_predictions(examples, predictions)
    prints = getattr(model, "metadata", {}).get("training_fingerprints")
    if prints is None:  # a model trained before fingerprints were kept: nothing to tell
        return result
    seen = seen_in_training(examples, prints)
    result["items"] = len(examples)
    result["seen_in_training"] = {"n": sum(seen), "ids": [ex.id for ex, s in zip(examples, seen) if s]}
    rest = [i for i, s in enumerate(seen) if not s]
    if rest and len(rest) < len(examples):
        result["unseen"] = score_predictions([examples[i] for i in rest], [predictions[i] for i in rest])
    return result


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
    """A plain-text table: headline figures, then one line per label; then the unseen items' if any."""
    seen = result.get("seen_in_training")
    if not seen or not seen["n"]:
        return _tables(result)
    head = (f"{seen['n']} of the {result['items']} items were among the model's training rows "
            f"(same address or title): {', '.join(seen['ids'][:20])}{' …' if seen['n'] > 20 else ''}\n")
    if "unseen" not in result:
        return head + "\n" + _tables(result)
    return (head + "\nAll items:\n\n" + _tables(result) +
            f"\nThe {result['items'] - seen['n']} items the model never saw:\n\n" + _tables(result["unseen"]))


def _tables(result: dict) -> str:
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
