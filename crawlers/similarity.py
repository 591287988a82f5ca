"""MinHash signatures of an item's words, for finding the same story across sources.

The store groups items whose signatures agree enough (store.stories); the
signature is computed here, with the rest of the normalisation, because it is
CPU work that belongs in the extraction workers, not in the store's
transaction. Shingles are word trigrams of the normalised title and text:
robust to a changed intro or a re-cut paragraph.

The hashing is the classic MinHash with multiply-add-shift hash functions
(a 2-universal family), vectorised with numpy: 64 functions over 1,000
shingles take about 0.3 ms. datasketch computes the same thing but imports
scipy, a second more at the start of every crawl process, for nothing we use.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from crawlers.normalize import normalized_text
from store.records import SIGNATURE_SIZE

SHINGLE_WORDS = 3
MIN_WORDS = 25  # below this a "story" is a title or a teaser: too little to compare
MAX_WORDS = 5000  # enough to recognise a text; the rest costs time only
SEED = 20261  # fixed: signatures must stay comparable across crawls and versions
_WORD = re.compile(r"\w+")

_random = np.random.default_rng(SEED)
# Odd multipliers and any addends over 64 bits; the hash is the top 32 bits.
_A = _random.integers(1, 2**63, size=SIGNATURE_SIZE, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _random.integers(0, 2**63, size=SIGNATURE_SIZE, dtype=np.uint64)


def signature(title: str, text: str) -> tuple[int, ...]:
    """The MinHash of the item's word trigrams; () when the text is too short to compare."""
    words = _WORD.findall(normalized_text(f"{title}\n{text}"))[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return ()
    shingles = {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:])}  # SHINGLE_WORDS = 3
    # crc32 is a fine base hash here: the random functions below do the mixing.
    base = np.fromiter(map(zlib.crc32, map(str.encode, shingles)), dtype=np.uint64, count=len(shingles))
    with np.errstate(over="ignore"):  # arithmetic modulo 2^64 is the point
        hashed = (base[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return tuple(hashed.min(axis=0).tolist())
