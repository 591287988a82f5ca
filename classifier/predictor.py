"""The fitted classifier: one batch of items in, tags with scores and reasons out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from classifier.calibration import Calibration
from classifier.config import ModelConfig
from classifier.cues import cue_words
from classifier.decisions import Probabilities, Thresholds, decide, probabilities
from classifier.explain import Explainer, surface
from classifier.features import item_text, raw_item_text
from classifier.heads import Heads, coefficients, raw_scores
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS
from store.records import ItemToClassify, Prediction


@dataclass
class TrainedModel:
    featurizer: object  # sklearn FeatureUnion
    heads: Heads
    calibration: Calibration
    thresholds: Thresholds
    config: ModelConfig
    metadata: dict
    _explainer: Explainer | None = field(default=None, repr=False)

    @property
    def version(self) -> str:
        return self.metadata["version"]

    def probabilities(self, items: list[ItemToClassify]) -> Probabilities:
        """Calibrated probabilities of every label, for a batch."""
        return self._score(self._texts(items), [i.language for i in items])[1]

    def predict(self, items: list[ItemToClassify]) -> list[Prediction]:
        """Tags, scores and reasons for a batch (batch it: one call per item is ~10x slower)."""
        if not items:
            return []
        texts = self._texts(items)
        languages = [i.language for i in items]
        X, probs = self._score(texts, languages)
        d = decide(probs, self.thresholds)
        originals = [raw_item_text(i.title or "", i.summary or "", i.text or "", self.config) for i in items]
        return [
            self._prediction(X, probs, d, i, texts[i], originals[i], languages[i]) for i in range(len(items))
        ]

    def _texts(self, items: list[ItemToClassify]) -> list[str]:
        return [item_text(i.title or "", i.summary or "", i.text or "", self.config) for i in items]

    def _score(self, texts: list[str], languages: list[str | None]):
        X = self.featurizer.transform(texts).tocsr()
        return X, probabilities(raw_scores(self.heads, X, languages), self.calibration)

    def _prediction(self, X, probs: Probabilities, d, i: int, text: str, original: str,
                    language: str | None) -> Prediction:
        themes = [THEME_SLUGS[j] for j in np.flatnonzero(d.themes[i])]
        return Prediction(
            relevant=bool(d.relevant[i]),
            relevance_score=_round(probs.relevance[i]),
            purpose=PURPOSE_SLUGS[d.purpose[i]],
            purpose_scores=_scores(PURPOSE_SLUGS, probs.purpose[i]),
            themes=themes,
            theme_scores=_scores(THEME_SLUGS, probs.themes[i]),
            kind=KIND_SLUGS[d.kind[i]],
            kind_scores=_scores(KIND_SLUGS, probs.kind[i]),
            why=self._why(X, d, i, text, original, themes, language),
            model_version=self.version,
        )

    def _why(self, X, d, i: int, text: str, original: str, themes: list[str],
             language: str | None) -> dict[str, list[str]]:
        explainer = self._get_explainer()
        start, end = X.indptr[i], X.indptr[i + 1]
        cols, vals = X.indices[start:end], X.data[start:end]
        cues = cue_words(text) if self.config.cues else {}

        def reasons(dimension: str, index: int, sign: float = 1.0) -> list[str]:
            coef = coefficients(self.heads, dimension, index, language)
            words = explainer.reasons(cols, vals, coef, cues, sign)
            return [surface(w, text, original) for w in words]

        relevant = bool(d.relevant[i])
        # For an item judged off-topic, the words that argued against it.
        why = {"relevant" if relevant else "not-relevant": reasons("relevance", 0, 1.0 if relevant else -1.0)}
        why[f"purpose:{PURPOSE_SLUGS[d.purpose[i]]}"] = reasons("purpose", int(d.purpose[i]))
        for slug in themes:
            why[f"theme:{slug}"] = reasons("themes", THEME_SLUGS.index(slug))
        why[f"kind:{KIND_SLUGS[d.kind[i]]}"] = reasons("kind", int(d.kind[i]))
        return why

    def _get_explainer(self) -> Explainer:
        if self._explainer is None:
            self._explainer = Explainer(self.featurizer.get_feature_names_out())
        return self._explainer


def _scores(labels, values) -> dict[str, float]:
    return {slug: _round(v) for slug, v in zip(labels, values)}


def _round(value) -> float:
    return round(float(value), 4)
