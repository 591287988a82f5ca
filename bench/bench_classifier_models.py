"""Which model: alternatives compared by 5-fold cross-validation on train.jsonl.

Every candidate is trained on the same folds (classifier.crossval.folds,
stratified on relevance and purpose) and measured on the same held-out
train.jsonl items with the same metrics as `veille classifier evaluate`
(classifier.metrics). The scikit-learn candidates read one shared TF-IDF of
word 1-2-grams + character 2-5-grams (within words), fitted on each fold's
training part, and decide plainly (0.5 for binary labels, argmax for
purpose and kind): the comparison is of learners on the same features.
veille's model (`classifier.config.DEFAULT`) adds the codebook cues,
calibration and thresholds fitted on out-of-fold margins, and the items
added to every fold's training part (codebook examples, labelled extras);
its rows are its own cross-fitted figures (classifier.crossval).

    .venv/bin/python bench/bench_classifier_models.py [--seeds 0 1 2] [--only NAME ...]

Prints one row per candidate: relevance macro-F1, purpose accuracy and
macro-F1, themes micro- and macro-F1, kind macro-F1, fold training time.

Seed 0, 2026-11-25 (the table is also in classifier/README.md):

    candidate                                          rel F1 pur acc  pur F1  thm mi  thm ma kind F1
    TF-IDF + LR (balanced, C=10)                        0.786   0.760   0.571   0.495   0.324   0.574
    TF-IDF + LR (defaults)                              0.726   0.707   0.386   0.112   0.048   0.468
    TF-IDF + linear SVM, calibrated                     0.787   0.742   0.533   0.514   0.341   0.577
    TF-IDF + SGD (modified Huber)                       0.795   0.720   0.623   0.539   0.426   0.695
    TF-IDF + ComplementNB                               0.681   0.653   0.357   0.263   0.102   0.413
    veille BASELINE (words, LR defaults, no extras)     0.697   0.702   0.384   0.019   0.008   0.447
    veille DEFAULT without labelled extras              0.827   0.791   0.678   0.656   0.494   0.696
    veille DEFAULT (+638 items in every fold)           0.867   0.818   0.707   0.696   0.583   0.786
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.config import BASELINE, DEFAULT  # noqa: E402
from classifier.crossval import folds  # noqa: E402
from classifier.data import load_examples  # noqa: E402
from classifier.features import item_text  # noqa: E402
from classifier.heads import targets_of  # noqa: E402
from classifier.metrics import score  # noqa: E402
from classifier.model import train, training_extras  # noqa: E402
from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS  # noqa: E402

LABELS = REPO.parent / "shared" / "data" / "labels" / "train.jsonl"
COLUMNS = ("rel F1", "pur acc", "pur F1", "thm mi", "thm ma", "kind F1")


def learners() -> dict:
    """name -> a factory of binary classifiers with predict_proba or decision_function."""
    return {
        "TF-IDF + LR (balanced, C=10)": lambda: LogisticRegression(
            C=10, class_weight="balanced", solver="liblinear", max_iter=5000),
        "TF-IDF + LR (defaults)": lambda: LogisticRegression(max_iter=5000),
        "TF-IDF + linear SVM, calibrated": CalibratedSVM,
        "TF-IDF + SGD (modified Huber)": lambda: SGDClassifier(
            loss="modified_huber", alpha=1e-4, class_weight="balanced", max_iter=50, tol=None, random_state=0),
        "TF-IDF + ComplementNB": lambda: ComplementNB(alpha=0.3),
    }


class CalibratedSVM:
    """LinearSVC with Platt scaling on 3 inner folds (fewer when a label has fewer examples)."""

    def fit(self, X, y):
        svm = LinearSVC(C=0.5, class_weight="balanced")
        folds = min(3, int(np.bincount(np.asarray(y, int)).min()))
        self.model = CalibratedClassifierCV(svm, cv=folds, method="sigmoid") if folds >= 2 else svm
        self.model.fit(X, y)
        return self

    def decision_function(self, X):
        if hasattr(self.model, "predict_proba"):
            return self.model.predict_proba(X)[:, 1] - 0.5  # >= 0 means p >= 0.5
        return self.model.decision_function(X)


def tfidf() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=60_000),
    ]


def fit_transform(train_texts, test_texts):
    blocks = tfidf()
    train_X = sp.hstack([b.fit_transform(train_texts) for b in blocks]).tocsr()
    test_X = sp.hstack([b.transform(test_texts) for b in blocks]).tocsr()
    return train_X, test_X


def positive_score(model, X) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return model.decision_function(X)


def one_vs_rest(make, X, labels: np.ndarray, n_classes: int, X_test) -> np.ndarray:
    """Scores (n_test, n_classes); a class never seen in training scores -inf."""
    out = np.full((X_test.shape[0], n_classes), -np.inf)
    for j in range(n_classes):
        y = labels == j
        if 0 < y.sum() < len(y):
            out[:, j] = positive_score(make().fit(X, y), X_test)
    return out


def sklearn_candidate(make, texts, y, test_folds):
    """Pooled held-out decisions of one learner over the folds, and the mean fold fitting time."""
    n = len(texts)
    relevant, purpose = np.zeros(n, bool), np.zeros(n, int)
    themes, kind = np.zeros((n, len(THEME_SLUGS)), bool), np.zeros(n, int)
    seconds = []
    for test in test_folds:
        start = time.perf_counter()
        train_rows = np.setdiff1d(np.arange(n), test)
        X, X_test = fit_transform([texts[i] for i in train_rows], [texts[i] for i in test])
        yt = y.subset(train_rows)
        relevant[test] = _binary(make, X, yt.relevant, X_test)
        rel = yt.purpose >= 0
        purpose[test] = one_vs_rest(make, X[rel], yt.purpose[rel], len(PURPOSE_SLUGS), X_test).argmax(axis=1)
        themes[test] = np.column_stack([_binary(make, X, yt.themes[:, j], X_test) for j in range(len(THEME_SLUGS))])
        kind[test] = one_vs_rest(make, X, yt.kind, len(KIND_SLUGS), X_test).argmax(axis=1)
        seconds.append(time.perf_counter() - start)
    return score(y.relevant, y.purpose, y.themes, y.kind, relevant, purpose, themes, kind), statistics.mean(seconds)


def _binary(make, X, target: np.ndarray, X_test) -> np.ndarray:
    if target.all() or not target.any():
        return np.full(X_test.shape[0], bool(target.all()))
    model = make().fit(X, target)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X_test)[:, 1] >= 0.5
    return model.decision_function(X_test) >= 0


def veille_candidate(config, examples, seed: int):
    start = time.perf_counter()
    metrics = train(examples, seed=seed, config=config).metadata["cv"]["metrics"]
    return metrics, (time.perf_counter() - start) / (config.folds + 1)


def row(metrics: dict) -> list[float]:
    return [metrics["relevance"]["macro_f1"], metrics["purpose"]["accuracy"], metrics["purpose"]["macro_f1"],
            metrics["themes"]["micro_f1"], metrics["themes"]["macro_f1"], metrics["kind"]["macro_f1"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="+", help="candidates whose name contains one of these words")
    args = parser.parse_args()
    if not LABELS.exists():
        sys.exit(f"labelled data absent: {LABELS}")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    examples = load_examples(LABELS)
    texts, y = [item_text(ex.title, ex.summary, ex.text, DEFAULT) for ex in examples], targets_of(examples)
    n_extra = len(training_extras(DEFAULT, examples)[0])  # weak rows leave train.jsonl's items out
    candidates = {name: ("sklearn", make) for name, make in learners().items()}
    candidates.update({
        "veille BASELINE (words, LR defaults, no extras)": ("veille", BASELINE),
        "veille DEFAULT without labelled extras": ("veille", replace(DEFAULT, labelled_extras=False)),
        f"veille DEFAULT (+{n_extra} items in every fold's training part)": ("veille", DEFAULT),
    })
    if args.only:
        candidates = {k: v for k, v in candidates.items() if any(w.lower() in k.lower() for w in args.only)}
    print(f"{len(examples)} items of train.jsonl, 5-fold CV, seeds {args.seeds}; figures on the held-out "
          "train.jsonl items only (means over seeds)\n")
    print(f"{'candidate':<62}" + "".join(f"{c:>9}" for c in COLUMNS) + f"{'s/fold':>9}")
    for name, (kind, what) in candidates.items():
        rows, times = [], []
        for seed in args.seeds:
            if kind == "sklearn":
                metrics, seconds = sklearn_candidate(what, texts, y, folds(y, 5, seed))
            else:
                metrics, seconds = veille_candidate(what, examples, seed)
            rows.append(row(metrics))
            times.append(seconds)
        means = np.mean(rows, axis=0)
        print(f"{name:<62}" + "".join(f"{v:>9.3f}" for v in means) + f"{statistics.mean(times):>9.2f}", flush=True)


if __name__ == "__main__":
    main()
