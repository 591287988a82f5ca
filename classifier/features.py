"""From an item's text to one sparse feature matrix shared by the four heads.

Three blocks: word 1-2-grams (readable, they make the `why`), character
n-grams (robust to French inflection, typos and the French/English cognates:
"particip" in "participatif" and "participatory"), and the codebook cues of
`lexicon.py` (one count per label). Texts are normalised once (lowercase, no
accents) so every block sees the same string.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import FeatureUnion

from classifier.config import ModelConfig
from classifier.cues import CueFeatures
from classifier.ngrams import CharNgrams, WordNgrams

_PUNCTUATION = {"’": "'", "‘": "'", "`": "'", "\u00a0": " "}


def normalize(text: str) -> str:
    """Lowercase, accents removed, typographic apostrophes made plain.

    A translation table (C speed) rather than NFKD per character, which cost
    a fifth of the prediction time. A letter maps to one letter, so the text
    keeps its length and a word found in it can be shown with its accents.
    """
    return text.lower().translate(_FOLD)


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in _PUNCTUATION.items()}
    for cp in range(0xC0, 0x2B0):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(cp)) if not unicodedata.combining(c))
        if len(base) == 1 and base != chr(cp):
            table[cp] = base
    for cp in range(0x300, 0x370):  # combining accents of already decomposed text
        table[cp] = None
    return table


def item_text(title: str, summary: str, text: str, config: ModelConfig) -> str:
    """The text the model reads, normalised."""
    return normalize(raw_item_text(title, summary, text, config))


def raw_item_text(title: str, summary: str, text: str, config: ModelConfig) -> str:
    """Title, summary, then the opening of the body, as written (the `why` shows words from it)."""
    parts = [title.strip()] * config.title_repeat + [summary.strip(), text.strip()[:config.max_text_chars]]
    return " . ".join(p for p in parts if p)


_FOLD = _fold_table()
_TOKENS = r"(?u)\b\w[\w'-]*\w\b|\b\w\w\b"


def build_featurizer(config: ModelConfig) -> FeatureUnion:
    blocks = []
    if config.words:
        blocks.append(("words", WordNgrams(
            lowercase=False, ngram_range=config.word_ngrams, min_df=config.word_min_df,
            sublinear_tf=True, token_pattern=_TOKENS, dtype=np.float32)))
    if config.chars:
        blocks.append(("chars", CharNgrams(
            ngram_range=config.char_ngrams, min_df=config.char_min_df,
            max_features=config.char_max_features)))
    if config.cues:
        blocks.append(("cues", CueFeatures()))  # weighted per head: heads._column_scale
    return FeatureUnion(blocks)


def fit_featurizer(config: ModelConfig, texts: list[str]) -> tuple[FeatureUnion, sp.csr_matrix, dict[str, slice]]:
    """A fitted featurizer, the training matrix and the column range of each block."""
    featurizer = build_featurizer(config)
    X = featurizer.fit_transform(texts).tocsr()
    blocks, start = {}, 0
    for name, block in featurizer.transformer_list:
        # The words dropped by min_df: introspection only, and most of the file size.
        if hasattr(block, "stop_words_"):
            block.stop_words_ = None
        width = len(block.get_feature_names_out())
        blocks[name] = slice(start, start + width)
        start += width
    return featurizer, X, blocks
