"""Extractive summaries: the sentences of the article that carry it, in its language.

Nothing is generated: veille picks whole sentences of the item's own text, so
a summary is never wrong about the facts and is always in the article's
language; the editor rewrites it when it reads badly.
"""

from __future__ import annotations

import re
from collections import Counter

LIMIT = 320

# Words that carry no topic; the articles watched are mostly French or English.
STOPWORDS = frozenset("""
a à au aux avec ce ces cet cette dans de des du elle en est et être il ils je la le les leur lui mais
me ne ni nos notre nous on ou où par pas plus pour qu que qui sa se ses son sont sur ta te tes ton tu
un une vos votre vous y été avait avons ont fait faire comme aussi ainsi tout tous toute toutes très
entre depuis sans sous chez dont elles leurs cela ça après avant encore peut
the of and to in is it that for on with as was were be by at this an are from or which its has have
had not but will their they we you our can also more been into than about after over new
""".split())
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»\"”)]?\s+(?=[«\"“(]?[A-ZÀ-ÖØ-Þ0-9])")
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# "M. Dupont", "p. 12", "etc. la": a point after these does not end a sentence.
_ABBREVIATION = re.compile(r"(?:\b(?:M|Mme|Mr|Mrs|Dr|St|p|n°|etc|cf|av|J\.-C)\.)$")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, whitespace normalised, abbreviations kept whole."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        return []
    parts, current = [], ""
    for piece in _SENTENCE_END.split(text):
        current = f"{current} {piece}".strip() if current else piece
        if not _ABBREVIATION.search(current):
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return parts


def _words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOPWORDS]


def _scores(candidates: list[str], title: str) -> list[float]:
    """Frequent words of the article and the title's words weigh; the lead counts double."""
    frequency = Counter(w for s in candidates for w in set(_words(s)))
    title_words = set(_words(title))
    scores = []
    for position, sentence in enumerate(candidates):
        words = _words(sentence)
        if not words:
            scores.append(0.0)
            continue
        weight = sum(frequency[w] for w in words) / len(words)
        weight += 2.0 * len(title_words.intersection(words))
        weight *= 2.0 if position == 0 else 1.0 / (1 + position * 0.1)
        scores.append(weight)
    return scores


def _cut(sentence: str, limit: int) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 2].rsplit(" ", 1)[0] + " …"


def summarize(text: str, title: str = "", limit: int = LIMIT) -> str:
    """At most `limit` characters of whole sentences of `text`, in reading order."""
    candidates = list(dict.fromkeys(sentences(text)))  # repeated sentences (menus, footers) count once
    if not candidates:
        return ""
    joined = " ".join(candidates)
    if len(joined) <= limit:
        return joined
    scores = _scores(candidates, title)
    chosen, used = [], 0
    for index in sorted(range(len(candidates)), key=lambda i: (-scores[i], i)):
        size = len(candidates[index]) + (1 if chosen else 0)
        if used + size <= limit:
            chosen.append(index)
            used += size
    if not chosen:  # even the best sentence is too long: cut it at a word
        return _cut(candidates[0], limit)
    return " ".join(candidates[i] for i in sorted(chosen))
