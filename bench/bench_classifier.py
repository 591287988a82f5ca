"""The classifier's speed: items classified per second, and training time.

veille's classifier (word + character n-grams + codebook cues, four linear
heads, calibrated, with the `why` of every label) against a plain baseline in
this same process: one scikit-learn TfidfVectorizer + LogisticRegression
pipeline per dimension (themes one-vs-rest), nothing else. Medians of
--repeat runs.

Items: real AFP dispatches from ../shared/data/afp-an-rss (title + full
description, ~2,300 characters, longer than the labelled texts), else the
labelled items themselves. Training: the labelled set, train.jsonl.

    .venv/bin/python bench/bench_classifier.py [--repeat 5] [--items 4000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.data import load_examples  # noqa: E402
from classifier.evaluate import as_item  # noqa: E402
from classifier.model import train  # noqa: E402
from store.records import ItemToClassify  # noqa: E402

DATA = REPO.parent / "shared" / "data"
LABELS = DATA / "labels" / "train.jsonl"
AFP = DATA / "afp-an-rss" / "afp_an_items.jsonl.gz"
BATCH = 500  # what veille.pipeline.classify passes per call


def load_items(n: int, examples) -> tuple[list[ItemToClassify], str]:
    if AFP.exists():
        items = []
        with gzip.open(AFP, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if len(items) >= n:
                    break
                row = json.loads(line)
                items.append(ItemToClassify(id=number, title=row.get("title") or "", summary="",
                                            text=row.get("description") or "", language="fr",
                                            actor_type=None))
        return items, f"{len(items)} AFP dispatches"
    items = [as_item(ex, i) for i, ex in enumerate(examples)]
    return (items * (n // len(items) + 1))[:n], f"{n} labelled items (repeated)"


class Baseline:
    """Plain TF-IDF + logistic regression, one pipeline per dimension."""

    def fit(self, examples):
        texts = [f"{ex.title} {ex.text}" for ex in examples]
        relevant = [ex for ex in examples if ex.relevant]
        self.themes_binarizer = MultiLabelBinarizer()
        themes = self.themes_binarizer.fit_transform([ex.themes for ex in examples])
        self.relevance = _plain().fit(texts, [ex.relevant for ex in examples])
        self.purpose = _plain().fit([f"{ex.title} {ex.text}" for ex in relevant], [ex.purpose for ex in relevant])
        self.themes = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression(max_iter=1000)))
        self.themes.fit(texts, themes)
        self.kind = _plain().fit(texts, [ex.kind for ex in examples])
        return self

    def predict(self, items):
        texts = [f"{i.title} {i.text}" for i in items]
        return [model.predict_proba(texts) for model in (self.relevance, self.purpose, self.themes, self.kind)]


def _plain():
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))


def timed(func, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def batched(predict, items):
    for start in range(0, len(items), BATCH):
        predict(items[start:start + BATCH])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--items", type=int, default=4000)
    args = parser.parse_args()
    if not LABELS.exists():
        sys.exit(f"labelled data absent: {LABELS}")
    examples = load_examples(LABELS)
    items, what = load_items(args.items, examples)
    print(f"training on {len(examples)} labelled items; classifying {what}; medians of {args.repeat} runs\n")

    train_veille, model = timed(lambda: train(examples), args.repeat)
    train_base, base = timed(lambda: Baseline().fit(examples), args.repeat)
    batched(model.predict, items[:BATCH])  # warm caches once, as a long-running process would be

    rows = [
        ("training: veille (5-fold CV + calibration + final fit)", train_veille, None),
        ("training: baseline (one fit, no CV)", train_base, None),
    ]
    for name, func in [
        ("veille predict (batches of 500, with why)", lambda: batched(model.predict, items)),
        ("veille probabilities only (batches of 500)", lambda: batched(model.probabilities, items)),
        ("baseline predict_proba (batches of 500)", lambda: batched(base.predict, items)),
    ]:
        seconds, _ = timed(func, args.repeat)
        rows.append((name, seconds, len(items) / seconds))
    one = items[:200]
    seconds, _ = timed(lambda: [model.predict([i]) for i in one], args.repeat)
    rows.append(("veille predict, one item per call", seconds, len(one) / seconds))

    for name, seconds, rate in rows:
        extra = f"{rate:10,.0f} items/s" if rate else ""
        print(f"{name:<58}{seconds:8.2f} s {extra}")


if __name__ == "__main__":
    main()
