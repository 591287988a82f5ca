"""The classifier's speed: items classified per second, and training time.

veille's classifier (word + character n-grams + codebook cues, four linear
heads, calibrated, with the `why` of every label) against a plain baseline in
this same process: one scikit-learn TfidfVectorizer + LogisticRegression
pipeline per dimension (themes one-vs-rest), nothing else. Medians of
--repeat runs.

Items: real AFP dispatches from ../shared/data/afp-an-rss (title + full
description, ~2,300 characters, longer than the labelled texts), else the
labelled items themselves. Training: the labelled set, train.jsonl (the
labelled extras and codebook examples join every fold, as in production).

Training at scale (--big, default 50,000 items, one run): real texts
labelled by the shipped model — the AFP dispatches, then the labelled items —
repeated with perturbations (words dropped at random, sentences reordered)
until there are enough. Nothing of it is a quality figure: it measures the
time of `train` (5-fold CV + calibration + final fit) on a set that size.

    .venv/bin/python bench/bench_classifier.py [--repeat 5] [--items 4000] [--big 50000]

Measured 2026-11-25 (2 cores shared with other work, --repeat 3):
training on 562 + 638 items 13.3 s (baseline 0.8 s); predict with why
1,480 items/s, probabilities only 1,962/s, baseline 1,322/s, one item per
call 147/s; training on 50,000 items 1,854 s.
Again 2026-11-25, with the 1,200 labelled extras and the weak labels
(--repeat 3 --big 0): training on 562 + 1,461 items 24.2 s; predict with why
1,587 items/s, probabilities only 2,087/s, baseline 1,358/s, one item per
call 148/s. The same run just before the change (600 extras, no weak
labels, a busier machine): 1,452/s, 1,996/s, baseline 1,243/s; the shipped
models before and after, interleaved in one process: 1,263/s and 1,255/s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.data import Example, load_examples  # noqa: E402
from classifier.evaluate import as_item  # noqa: E402
from classifier.model import SHIPPED_DIR, load, train  # noqa: E402
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


def big_training_set(n: int, examples, items, seed: int = 0) -> list[Example]:
    """n labelled items from real texts: the shipped model's tags, perturbed repeats."""
    model = load(SHIPPED_DIR)
    # With their language, as crawled items have it: the theme heads learn a copy per language.
    texts = [(i.title, i.text, i.language) for i in items] + [(ex.title, ex.text, ex.lang) for ex in examples]
    base = []
    for start in range(0, len(texts), BATCH):
        chunk = texts[start:start + BATCH]
        for (title, text, lang), p in zip(chunk, model.predict([_item(t, x, lang) for t, x, lang in chunk])):
            base.append(Example(id="", title=title, text=text, relevant=p.relevant, lang=lang,
                                purpose=p.purpose if p.relevant else None, themes=tuple(p.themes), kind=p.kind))
    rng = random.Random(seed)
    out = list(base)
    while len(out) < n:
        ex = base[len(out) % len(base)]
        out.append(replace(ex, text=_perturbed(ex.text, rng)))
    return [replace(ex, id=str(k)) for k, ex in enumerate(out[:n])]


def _item(title: str, text: str, language: str | None) -> ItemToClassify:
    return ItemToClassify(id=0, title=title, summary="", text=text, language=language, actor_type=None)


def _perturbed(text: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    rng.shuffle(sentences)
    return " ".join(w for w in " ".join(sentences).split() if rng.random() > 0.1)


def bench_big(n: int, examples, items) -> None:
    if n <= 0:
        return
    afp, _ = load_items(20_000, examples)  # every dispatch there is (~14,600)
    start = time.perf_counter()
    big = big_training_set(n, examples, afp)
    print(f"\ntraining set of {len(big):,} items built in {time.perf_counter() - start:.0f} s "
          f"({sum(ex.relevant for ex in big):,} relevant)")
    start = time.perf_counter()
    train(big)
    print(f"{'training: veille on ' + format(len(big), ',') + ' items (5-fold CV + final fit)':<58}"
          f"{time.perf_counter() - start:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--big", type=int, default=50_000, help="items of the training-at-scale run (0: skip)")
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
    bench_big(args.big, examples, items)


if __name__ == "__main__":
    main()
