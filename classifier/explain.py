"""The `why` of a prediction: the words that weighed most for each assigned label.

A linear head's margin is the sum of coefficient × feature value, so each
feature's share in one item is exact, not an approximation. Only words and
codebook cues are shown: character n-grams and words such as "de" or "the"
weigh too, but tell staff nothing. A cue is shown as the word found in the
item, with its accents.
"""

from __future__ import annotations

import numpy as np

TOP = 3

# Shown to nobody: function words of French and English.
_STOPWORDS = frozenset("""
a au aux avec ce ces cet cette c'est d dans de des du elle en et est il ils je l la le les leur
leurs lui mais me meme mes ne ni nos notre nous on ou par pas pour qu que qui sa se ses son sont
sur ta te tes un une vos votre vous y ete etre avoir a ont fait plus tres aussi comme dont
the of and to in for on at by with from as is are was were be been it its this that these those
an or not but has have had will would can could their our we you they he she his her them us
""".split())


class Explainer:
    """Turns feature contributions into readable reasons, for a fitted featurizer."""

    def __init__(self, feature_names: np.ndarray):
        names = [str(n) for n in feature_names]
        self.names = names
        self.readable = np.array([_readable(n) for n in names])

    def reasons(self, row_indices: np.ndarray, row_values: np.ndarray, coef: np.ndarray | None,
                cues: dict[str, list[str]], sign: float = 1.0) -> list[str]:
        """Up to TOP words arguing for a label (sign=-1: against it) in one item.

        `cues` maps each cue key found in the item to the words that matched.
        """
        if coef is None:
            return []
        keep = self.readable[row_indices]
        cols, vals = row_indices[keep], row_values[keep]
        contrib = sign * vals * coef[cols]
        out: list[str] = []
        for k in np.argsort(-contrib):
            if contrib[k] <= 0 or len(out) >= TOP:
                break
            block, _, name = self.names[cols[k]].partition("__")
            words = cues.get(name.removeprefix("cue:"), [])[:2] if block == "cues" else [name]
            for word in words:
                if word not in out and len(out) < TOP:
                    out.append(word)
        return out


def surface(phrase: str, normalized: str, original: str) -> str:
    """The phrase as written in the item (accents back) when the two texts align.

    `normalize` maps a letter to one letter, so the same span holds the same
    words; when some character changed length the normalised phrase is shown.
    """
    if len(normalized) != len(original):
        return phrase
    start = normalized.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if (start == 0 or not normalized[start - 1].isalnum()) and (
            end == len(normalized) or not normalized[end].isalnum()
        ):
            return original[start:end].lower()
        start = normalized.find(phrase, start + 1)
    return phrase


def _readable(name: str) -> bool:
    block, _, feature = name.partition("__")
    if block == "cues":
        return True
    if block != "words":
        return False
    tokens = feature.split()
    return not all(t in _STOPWORDS or len(t) < 3 for t in tokens)
