"""Staff's reviews as labelled examples: what each review settles, and nothing more.

The store hands over one row per reviewed item (store.reviews.gold_labels,
train.jsonl format plus `provenance`). A decision (accepted / rejected) is
gold for relevance. Purpose, themes and kind are gold only when staff
corrected them: tags left as the model put them say that staff did not
object, not that they checked (and a held-out set of the model's own tags
would favour the model that made them). Every other dimension of the row is
marked unknown and left out of training and measurement (heads.Targets.known).
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.data import Example, parse_row

TAGS = frozenset({"purpose", "themes", "kind"})


@dataclass(frozen=True)
class GoldExample:
    example: Example
    reviewed_at: str  # ISO 8601, UTC: orders the gold labels for a held-out "newest" share


def gold_examples(rows: list[dict]) -> tuple[list[GoldExample], list[str]]:
    """The gold examples, oldest review first, and one message per row that could not be read."""
    found, skipped = [], []
    for row in rows:
        try:
            found.append(_gold(row))
        except (ValueError, TypeError, KeyError) as exc:
            # A tag the taxonomy no longer has, say: one row, not the whole retrain.
            skipped.append(f"{row.get('id', '?')}: {exc}")
    found.sort(key=lambda g: (g.reviewed_at, g.example.id))
    return found, skipped


def unknown_dimensions(provenance: dict) -> frozenset[str]:
    """The dimensions a review did not settle."""
    unknown = set()
    if provenance.get("status") not in ("accepted", "rejected"):
        unknown.add("relevance")  # corrected tags, no decision yet
    if provenance.get("tags") != "corrected":
        unknown |= TAGS
    return frozenset(unknown)


def _gold(row: dict) -> GoldExample:
    provenance = row.get("provenance") or {}
    unknown = unknown_dimensions(provenance)
    if len(unknown) == 4:
        raise ValueError("the review settles no dimension")
    return GoldExample(parse_row(row, unknown), str(provenance.get("reviewed_at") or ""))
