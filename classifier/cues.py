"""Finding the codebook cues of lexicon.py in a normalised text.

All cues are compiled into one regular expression shaped as a trie (shared
prefixes written once), which scans a text in one pass: a flat alternation
of 600 cues was the slowest step of prediction. At each position the longest
cue wins, and a match also counts for every shorter cue it begins with
("consultation publique" counts for "consultation" too).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.lexicon import CUES

KEYS: tuple[str, ...] = tuple(CUES)


class CueFeatures(BaseEstimator, TransformerMixin):
    """Counts of codebook cues per label, log-scaled, as a sparse block.

    Unweighted: each dimension's heads give the block its own weight
    (heads._column_scale).
    """

    def fit(self, texts, y=None):
        return self

    def transform(self, texts) -> sp.csr_matrix:
        index, regex = _index(), _regex()
        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for match in regex.finditer(text):
                for col in index[_canonical(match.group(0))]:
                    counts[col] = counts.get(col, 0) + 1
            rows.extend([row] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        X = sp.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)),
                          shape=(len(texts), len(KEYS)))
        X.data = np.log1p(X.data)
        return X

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"cue:{k}" for k in KEYS], dtype=object)


def cue_words(text: str) -> dict[str, list[str]]:
    """For each cue key found in a normalised text, the words that matched (for the `why`).

    A cue matches the start of a word ("collectivit"); the reason shows the
    whole word as written ("collectivites").
    """
    found: dict[str, list[str]] = {}
    for match in _regex().finditer(text):
        end = match.end()
        while end < len(text) and (text[end].isalnum() or text[end] == "-"):
            end += 1
        word = _canonical(text[match.start():end])
        for col in _index()[_canonical(match.group(0))]:
            words = found.setdefault(KEYS[col], [])
            if word not in words:
                words.append(word)
    return found


def _canonical(matched: str) -> str:
    return " ".join(matched.split())


def _cues() -> dict[str, bool]:
    """Each cue text -> whether it must end a word (written with a trailing "$")."""
    out: dict[str, bool] = {}
    for cues in CUES.values():
        for cue in cues:
            text = _canonical(cue.rstrip("$"))
            out[text] = out.get(text, False) or cue.endswith("$")
    return out


@lru_cache(maxsize=1)
def _index() -> dict[str, list[int]]:
    """For each cue text, the feature columns a match of it counts for."""
    columns: dict[str, set[int]] = {}
    for col, cues in enumerate(CUES.values()):
        for cue in cues:
            columns.setdefault(_canonical(cue.rstrip("$")), set()).add(col)
    whole = {c for c, must_end in _cues().items() if must_end}
    index = {}
    for phrase in columns:
        cols = set()
        for other, other_cols in columns.items():
            if phrase.startswith(other) and (
                other not in whole or len(phrase) == len(other) or not phrase[len(other)].isalnum()
            ):
                cols |= other_cols
        index[phrase] = sorted(cols)
    return index


@lru_cache(maxsize=1)
def _regex() -> re.Pattern:
    trie: dict = {}
    for cue, must_end in _cues().items():
        node = trie
        for ch in cue:
            node = node.setdefault(ch, {})
        node["$" if must_end else ""] = True
    return re.compile(r"(?<!\w)" + _pattern(trie))


def _pattern(node: dict) -> str:
    """The regex of a trie node: children first, so the longest cue wins."""
    branches = []
    for ch in sorted(k for k in node if len(k) == 1 and k != "$"):
        step = r"\s+" if ch == " " else re.escape(ch)
        branches.append(step + _pattern(node[ch]))
    if "$" in node:
        branches.append(r"\b")
    if "" in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
