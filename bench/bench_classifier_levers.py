"""Cross-validated quality of one lever at a time, by `train`'s own protocol.

Each row: 5-fold out-of-fold margins on train.jsonl (the codebook's examples,
the labelled extras and, when a row asks for them, the weak rows join every
fold's training part and are never measured), then calibration and thresholds
cross-fitted per fold (crossval.cv_metrics), exactly as `train` reports its
figures; no final fit. Seed 0 and the mean of the seeds asked for.

    .venv/bin/python bench/bench_classifier_levers.py [--seeds 0 1 2] [--only NAME ...]

The `default+selftrain-*` rows add pseudo-labelled rows inside each fold
(bench/selftrain.py): the fold's model, fitted on its training part,
tags a pool of unlabelled corpus items (none measured, labelled or weak, nor
their near-twins), its confident answers join that training part with a low
weight, and the heads are fitted again before scoring the held-out fold.

Levers are named configs below; classifier/README.md ("Levers measured one at
a time") and labels/README.md ("Weak labels") report them. The figures depend
on the files in classifier/labels: the rows measured before afp-extra-2 and
other-extra-2 arrived say so.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.config import DEFAULT  # noqa: E402
from classifier.crossval import _assemble, cv_metrics, folds, out_of_fold  # noqa: E402
from classifier.data import load_examples  # noqa: E402
from classifier.features import fit_featurizer, item_text  # noqa: E402
from classifier.heads import fit_heads, raw_scores  # noqa: E402
from classifier.model import CORPORA_DIR, DEFAULT_DATA, _prepared, training_extras  # noqa: E402
from selftrain import SelfTraining, pool_examples, pseudo_targets  # noqa: E402  (bench/selftrain.py)

FIGURES = [("relevance", "macro_f1"), ("purpose", "accuracy"), ("purpose", "macro_f1"),
           ("themes", "micro_f1"), ("themes", "macro_f1"), ("kind", "macro_f1")]

ALL_WEAK = ("participedia", "18f", "betagouv-startup")


# The levers were measured one at a time from what shipped before (BEFORE);
# DEFAULT is what was kept.
BEFORE = replace(DEFAULT, weak_labels=(), char_weight_purpose=1.0, char_weight_themes=1.0, nb_scale=(), c_kind=10.0,
                 cue_weight_themes=0.5, balance_by_source=(), svm_dimensions=(),
                 language_copies=())


def weak(corpora=ALL_WEAK, dimensions=("relevance", "purpose", "themes", "kind"), **kw):
    return replace(BEFORE, weak_labels=tuple(f"{c}:{d}" for c in corpora for d in dimensions), **kw)


NO_KIND = ("relevance", "purpose", "themes")
WEAK = weak(dimensions=NO_KIND)
LEVERS = {
    "before": BEFORE,
    "default": DEFAULT,
    "weak-all-0.3": weak(),
    "weak-participedia-0.3": weak(("participedia",)),
    "weak-18f-0.3": weak(("18f",)),
    "weak-startups-0.3": weak(("betagouv-startup",)),
    "weak-all-nokind": WEAK,
    "weak-pp18f-nokind": weak(ALL_WEAK[:2], NO_KIND),
    "weak-nokind-0.15": weak(dimensions=NO_KIND, weak_weight=0.15),
    "weak-nokind-0.6": weak(dimensions=NO_KIND, weak_weight=0.6),
    "weak-nokind-1.0": weak(dimensions=NO_KIND, weak_weight=1.0),
    "weak-pp-pt_18f-rt": replace(BEFORE, weak_labels=("participedia:purpose", "participedia:themes",
                                                       "18f:relevance", "18f:themes")),
    "weak-pp-pt_18f-rt_bgs-r": replace(BEFORE, weak_labels=(
        "participedia:purpose", "participedia:themes", "18f:relevance", "18f:themes", "betagouv-startup:relevance")),
    "weak-pp-rpt_18f-rt": replace(BEFORE, weak_labels=(
        "participedia:relevance", "participedia:purpose", "participedia:themes", "18f:relevance", "18f:themes")),
    "weak+c_themes100": replace(WEAK, c_themes=100.0),
    "weak+c_relevance100": replace(WEAK, c_relevance=100.0),
    "weak+cue_themes1": replace(WEAK, cue_weight_themes=1.0),
    "weak+theme_shrink2": replace(WEAK, theme_shrink=2.0),
    "weak+themes_words_cues": replace(WEAK, themes_blocks=("words", "cues")),
    "weak+purpose_words_cues": replace(WEAK, purpose_blocks=("words", "cues")),
    "weak+relevance_words_cues": replace(WEAK, relevance_blocks=("words", "cues")),
    "default+cue_relevance2": replace(DEFAULT, cue_weight_relevance=2.0),
    "default+c_themes100": replace(DEFAULT, c_themes=100.0),
    "default+word_ngrams13": replace(DEFAULT, word_ngrams=(1, 3)),
    "default+balance_language_all": replace(DEFAULT, balance_by_language=("relevance", "purpose", "themes", "kind")),
    "default+theme_shrink10": replace(DEFAULT, theme_shrink=10.0),
    "default+title_twice": replace(DEFAULT, title_repeat=2),
    "default+c_relevance10+c_purpose100": replace(DEFAULT, c_relevance=10.0, c_purpose=100.0),
    "default+weak_weight0.2": replace(DEFAULT, weak_weight=0.2),
    # naive-Bayes feature scaling (heads._nb_factors); DEFAULT has it for purpose, themes and kind at 0.5
    "default-nb": replace(DEFAULT, nb_scale=()),
    "default+nb-relevance": replace(DEFAULT, nb_scale=("relevance",), nb_strength=1.0),
    "default+nb-all": replace(DEFAULT, nb_scale=("relevance", "purpose", "themes", "kind"), nb_strength=1.0),
    "default+nb-all-0.5": replace(DEFAULT, nb_scale=("relevance", "purpose", "themes", "kind"), nb_strength=0.5),
    "default+nb-all-0.25": replace(DEFAULT, nb_scale=("relevance", "purpose", "themes", "kind"), nb_strength=0.25),
    # Kind's C (4 since 2026-12-04; 10 before).
    "default+c_kind3": replace(DEFAULT, c_kind=3.0),
    "default+c_kind5": replace(DEFAULT, c_kind=5.0),
    "default+c_kind7": replace(DEFAULT, c_kind=7.0),
    "default+c_kind10": replace(DEFAULT, c_kind=10.0),
    # Relevance's classes balanced within each source (since 2026-12-04) or within each language (before).
    "default-balance_source": replace(DEFAULT, balance_by_source=()),
    "default+balance_source_min30": replace(DEFAULT, balance_min_rows=30),
    # Themes' cue and character weights (cues 0.25 since 2026-12-04; 0.5 before).
    "default+cue_themes0.5": replace(DEFAULT, cue_weight_themes=0.5),
    "default+cue_themes0": replace(DEFAULT, cue_weight_themes=0.0),
    "default+char_themes2": replace(DEFAULT, char_weight_themes=2.0),
    "default+char_themes2.5": replace(DEFAULT, char_weight_themes=2.5),
    "default+char_themes3": replace(DEFAULT, char_weight_themes=3.0),
    "default+weak_weight0.45": replace(DEFAULT, weak_weight=0.45),
    # Themes: linear SVM heads (DEFAULT) or logistic ones, and the SVM's C.
    "default-svm_themes": replace(DEFAULT, svm_dimensions=()),
    "default+c_svm0.15": replace(DEFAULT, c_svm=0.15),
    "default+c_svm0.3": replace(DEFAULT, c_svm=0.3),
    "default+c_svm0.9": replace(DEFAULT, c_svm=0.9),
    "default+c_svm3": replace(DEFAULT, c_svm=3.0),
    "default+svm_purpose": replace(DEFAULT, svm_dimensions=("themes", "purpose")),
    # A copy of the features per language (heads._with_copies): themes at 0.5 (DEFAULT), or not, or elsewhere.
    "default-language_copies": replace(DEFAULT, language_copies=()),
    "default+language_copy_weight0.3": replace(DEFAULT, language_copy_weight=0.3),
    "default+language_copy_weight0.7": replace(DEFAULT, language_copy_weight=0.7),
    "default+language_copy_weight1": replace(DEFAULT, language_copy_weight=1.0),
    "default+language_copies_relevance": replace(DEFAULT, language_copies=("themes", "relevance")),
    "default+language_copies_purpose": replace(DEFAULT, language_copies=("themes", "purpose")),
    "before+weak": WEAK,
    "before+char_weight1.5": replace(BEFORE, char_weight_purpose=1.5, char_weight_themes=1.5),
    "default-weak_themes": replace(DEFAULT, weak_labels=tuple(
        f"{c}:{d}" for c in ALL_WEAK for d in ("relevance", "purpose"))),
    "weak+char_weight0.6": replace(WEAK, char_weight_relevance=0.6, char_weight_purpose=0.6, char_weight_themes=0.6),
    "weak+char_weight1.5": replace(WEAK, char_weight_relevance=1.5, char_weight_purpose=1.5, char_weight_themes=1.5),
    "weak+char_weight2": replace(WEAK, char_weight_relevance=2.0, char_weight_purpose=2.0, char_weight_themes=2.0),
    "weak+char_weight3": replace(WEAK, char_weight_relevance=3.0, char_weight_purpose=3.0, char_weight_themes=3.0),
}


# Self-training (bench/selftrain.py) on top of DEFAULT: which dimensions
# get pseudo-labels, the confidence asked, their weight, the pool (AFP
# dispatches drawn + the other corpora's unlabelled items). Not kept (README).
_RP = ("relevance", "purpose")
SELF_TRAINING = {
    "default+selftrain-rel": SelfTraining(dimensions=("relevance",)),
    "default+selftrain-rel-pur": SelfTraining(dimensions=_RP),
    "default+selftrain-themes": SelfTraining(dimensions=("themes",)),
    "default+selftrain-all": SelfTraining(dimensions=("relevance", "purpose", "themes", "kind")),
    "default+selftrain-rel-pur-afp6000": SelfTraining(afp_items=6000, dimensions=_RP),
    "default+selftrain-rel-pur-afponly": SelfTraining(dimensions=_RP, others=False),
    "default+selftrain-rel-pur-w0.5": SelfTraining(dimensions=_RP, weight=0.5),
    "default+selftrain-rel-pur-strict": SelfTraining(dimensions=_RP, relevance_hi=0.97, relevance_lo=0.03,
                                                     purpose_min=0.9),
    "default+selftrain-rel-pur-loose": SelfTraining(dimensions=_RP, relevance_hi=0.8, relevance_lo=0.2,
                                                    purpose_min=0.7),
    "default+selftrain-rel-pur-cap300": SelfTraining(dimensions=_RP, max_per_class=300),
}


def _self_trained_fold(texts, y, test, config, seed, extra, pool_texts, pool_lang, settings):
    """crossval._fold, then the pool's confident pseudo-labels join the training part and the heads refit."""
    train = np.setdiff1d(np.arange(len(texts)), test)
    train_texts, y_train = [texts[i] for i in train] + extra[0], y.subset(train).plus(extra[1])
    featurizer, X, blocks = fit_featurizer(config, train_texts)
    heads = fit_heads(X, y_train, config, blocks, seed)
    X_pool = featurizer.transform(pool_texts).tocsr()
    rows, y_pseudo = pseudo_targets(heads, X_pool, pool_lang, settings)
    heads = fit_heads(sp.vstack([X, X_pool[rows]]).tocsr(), y_train.plus(y_pseudo), config, blocks, seed)
    return raw_scores(heads, featurizer.transform([texts[i] for i in test]).tocsr(), y.language[test])


# Source -> the actor type production knows (store: actors.type); measured as a
# marker word appended to the text, for this comparison only.
ACTOR_OF_SOURCE = {"afp-an": "media", "participedia": "research", "18f": "public-institution",
                   "betagouv-startup": "public-institution", "betagouv-blog": "public-institution"}


def _with_actor(examples, texts):
    return [f"{t} . actortype{ACTOR_OF_SOURCE.get(ex.source or '', 'unknown').replace('-', '')}"
            for ex, t in zip(examples, texts)]


def measure(config, seeds, actor=False, self_training: SelfTraining | None = None) -> list[dict]:
    examples = load_examples(DEFAULT_DATA)
    texts, y = _prepared(examples, config)
    extra_examples, sources = training_extras(config, examples)
    extra = _prepared(extra_examples, config) if extra_examples else None
    if actor:
        texts = _with_actor(examples, texts)
        extra = (_with_actor(extra_examples, extra[0]), extra[1])
    if self_training is not None:
        # The pool leaves out every measured item (all of train.jsonl), the extras, the weak rows and their twins.
        pool = pool_examples(CORPORA_DIR, examples + extra_examples, self_training)
        pool_texts = [item_text(ex.title, ex.summary, ex.text, config) for ex in pool]
        pool_lang = np.array([ex.lang or "" for ex in pool], dtype=str)
        sources["self-training pool"] = {"n_examples": len(pool)}
    rows = []
    for seed in seeds:
        test_folds = folds(y, config.folds, seed)
        if self_training is None:
            oof = out_of_fold(texts, y, test_folds, config, seed, extra)
        else:
            parts = Parallel(n_jobs=2)(delayed(_self_trained_fold)(
                texts, y, test, config, seed, extra, pool_texts, pool_lang, self_training) for test in test_folds)
            oof = _assemble(list(zip(test_folds, parts)), len(texts))
        m = cv_metrics(oof, y, test_folds, config)
        rows.append({f"{d}.{n}": m[d][n] for d, n in FIGURES})
    return rows, sources


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=list(LEVERS) + list(SELF_TRAINING))
    parser.add_argument("--actor", action="store_true", help="append the source's actor type as a word")
    args = parser.parse_args()
    print("lever | " + " | ".join(f"{d} {n}" for d, n in FIGURES) + " | extras | s")
    for name in args.only:
        start = time.perf_counter()
        if name in SELF_TRAINING:
            rows, sources = measure(DEFAULT, args.seeds, args.actor, SELF_TRAINING[name])
        else:
            rows, sources = measure(LEVERS[name], args.seeds, args.actor)
        cells = []
        for key in rows[0]:
            mean = np.mean([r[key] for r in rows])
            cells.append(f"{rows[0][key]:.3f} ({mean:.3f})")
        weak = {k: v["n_examples"] for k, v in sources.items() if k.startswith(("weak", "self-training"))}
        print(f"{name}{' +actor' if args.actor else ''} | " + " | ".join(cells) + f" | {weak} | {time.perf_counter() - start:.0f}", flush=True)


if __name__ == "__main__":
    main()
