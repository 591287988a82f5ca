"""Word and character n-gram features, fast to compute and compact to save.

Character n-grams inside words are TF-IDF weighted, with a per-word cache.

Same features as scikit-learn's `TfidfVectorizer(analyzer="char_wb")` (each
word padded with a space, n-grams taken within it), but a word's n-grams are
looked up once per process rather than once per occurrence: words repeat a
lot, and scikit-learn's version cost ~0.8 ms per item, most of the
prediction time (perf-notes.md: TF-IDF is the bottleneck of classification).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

_WORD = re.compile(r"\w+")
_CACHE_LIMIT = 200_000  # words; beyond that the cache starts over (bounded memory)


class CompactVocabulary:
    """Saves `vocabulary_` as one array of terms rather than a dict.

    skops writes a dict entry by entry in its JSON schema: 40k n-grams made a
    24 MB file and a one-second load. An array in index order is a few
    hundred KB, and the dict is rebuilt on load.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        state.pop("_cache", None)  # CharNgrams' word cache: per process, never saved
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {str(t): i for i, t in enumerate(terms)}
        super().__setstate__(state)


class WordNgrams(CompactVocabulary, TfidfVectorizer):
    """scikit-learn's TfidfVectorizer, saved compactly."""


class CharNgrams(CompactVocabulary, BaseEstimator, TransformerMixin):
    def __init__(self, ngram_range=(2, 5), min_df: int = 2, max_features: int | None = None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts, y=None):
        # Document-gram counts as (document x word) @ (word x gram): each
        # distinct word is cut into n-grams once, the sums run in C.
        words: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, text in enumerate(texts):
            for word, n in Counter(_WORD.findall(text)).items():
                rows.append(row)
                cols.append(words.setdefault(word, len(words)))
                counts.append(n)
        doc_word = sp.csr_matrix((counts, (rows, cols)), shape=(len(texts), len(words)))
        grams: dict[str, int] = {}
        w_rows, w_cols = [], []
        for word, i in words.items():
            for gram in _grams(word, self.ngram_range):
                w_rows.append(i)
                w_cols.append(grams.setdefault(gram, len(grams)))
        word_gram = sp.csr_matrix((np.ones(len(w_rows)), (w_rows, w_cols)), shape=(len(words), len(grams)))
        doc_gram = (doc_word @ word_gram).tocsc()
        df = np.diff(doc_gram.indptr)
        total = np.asarray(doc_gram.sum(axis=0)).ravel()
        names = np.array(sorted(grams, key=grams.__getitem__), dtype=object)
        kept = np.flatnonzero(df >= self.min_df)
        if self.max_features is not None and len(kept) > self.max_features:
            # the most frequent, ties by name, as scikit-learn does
            order = sorted(kept, key=lambda j: (-total[j], names[j]))
            kept = np.array(order[: self.max_features])
        kept = kept[np.argsort(names[kept])]
        self.vocabulary_ = {str(names[j]): i for i, j in enumerate(kept)}
        self.idf_ = np.log((1 + len(texts)) / (1 + df[kept])) + 1.0  # scikit-learn's smooth idf
        return self

    def transform(self, texts) -> sp.csr_matrix:
        cache = self._word_cache()
        cols, repeats, lengths, row_sizes = [], [], [], []
        for text in texts:
            size = 0
            for word, n in Counter(_WORD.findall(text)).items():
                word_cols = cache.get(word)
                if word_cols is None:
                    word_cols = self._columns(word)
                    if len(cache) >= _CACHE_LIMIT:
                        cache.clear()
                    cache[word] = word_cols
                cols.append(word_cols)
                repeats.append(n)
                lengths.append(len(word_cols))
                size += len(word_cols)
            row_sizes.append(size)
        indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
        data = np.repeat(np.asarray(repeats, dtype=np.float64), lengths)
        indptr = np.concatenate([[0], np.cumsum(row_sizes)])
        X = sp.csr_matrix((data, indices, indptr), shape=(len(texts), len(self.vocabulary_)))
        X.sum_duplicates()  # a gram shared by two words of one item
        X.data = (1.0 + np.log(X.data)) * self.idf_[X.indices]  # sublinear tf x idf
        return normalize(X).astype(np.float32)

    def get_feature_names_out(self, input_features=None):
        names = np.empty(len(self.vocabulary_), dtype=object)
        for gram, i in self.vocabulary_.items():
            names[i] = gram
        return names

    def _columns(self, word: str) -> np.ndarray:
        vocab = self.vocabulary_
        cols = [vocab[g] for g in _grams(word, self.ngram_range) if g in vocab]
        return np.asarray(cols, dtype=np.int32)

    def _word_cache(self) -> dict:
        # Not a fitted attribute: rebuilt in each process, never saved.
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = self.__dict__["_cache"] = {}
        return cache


def _grams(word: str, ngram_range) -> list[str]:
    padded = f" {word} "
    lo, hi = ngram_range
    return [padded[i:i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]
