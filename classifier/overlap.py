"""Which items a model was trained on, so that a measure can tell them apart.

The labelled extras and the weak rows are drawn from the same corpora as the
sets people measure the model on (a held-out set "of the same kind as
train.jsonl"): some of those items are bound to be among the training rows.
A model keeps a short fingerprint of each training row's address and title;
`evaluate` uses them to report the figures on the items it never saw.

A fingerprint is 12 hex digits of a SHA-256: enough to tell a few thousand
rows apart, and it does not ship the training texts inside the model.
"""

from __future__ import annotations

import hashlib

from classifier.data import Example
from classifier.weak import _fold_words, _url


def fingerprints(examples: list[Example]) -> list[str]:
    """The sorted fingerprints of every example's address and title."""
    return sorted({fp for ex in examples for fp in _item_prints(ex)})


def seen_in_training(examples: list[Example], prints: list[str]) -> list[bool]:
    """For each example: does its address or its title match a training row?"""
    known = set(prints)
    return [bool(known & set(_item_prints(ex))) for ex in examples]


def _item_prints(ex: Example) -> list[str]:
    keys = [f"title:{_fold_words(ex.title)}"] if _fold_words(ex.title) else []
    if ex.url:
        keys.append(f"url:{_url(ex.url)}")
    return [hashlib.sha256(k.encode("utf-8")).hexdigest()[:12] for k in keys]
