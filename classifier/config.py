"""Hyper-parameters of the classifier, in one frozen object.

`DEFAULT` is what `train` uses and what ships; `BASELINE` is the plain
TF-IDF + logistic regression that the benchmark and the quality report compare
against. Each default was chosen on 5-fold cross-validation of train.jsonl;
classifier/README.md gives the figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelConfig:
    # Production items can be whole articles; the labelled texts are ~600
    # characters. Reading the same opening keeps training and prediction alike
    # and bounds the cost per item.
    max_text_chars: int = 1000
    title_repeat: int = 1  # a title says what the item is about: count its words more
    words: bool = True
    word_ngrams: tuple[int, int] = (1, 2)
    word_min_df: int = 2
    chars: bool = True
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    char_max_features: int | None = 60_000
    cues: bool = True
    # Weight of the cue block in each dimension's heads (see heads._column_scale).
    cue_weight_relevance: float = 1.0
    cue_weight_purpose: float = 0.5
    # Themes 0.25: with the naive-Bayes scaling, +.005 / +.014 themes (README "Themes").
    cue_weight_themes: float = 0.25
    cue_weight_kind: float = 1.0
    # Weight of the character n-gram block in each dimension's heads (the word
    # block weighs 1; kind does not read characters, see kind_blocks).
    # 1.5 for purpose and themes (README: +.01 to +.02 on themes, relevance best at 1).
    char_weight_relevance: float = 1.0
    char_weight_purpose: float = 1.5
    char_weight_themes: float = 1.5
    # Inverse regularisation strength of each head's logistic regression: 30
    # once the labelled extras joined training (README: means of seeds 0-2).
    # c_themes serves only when themes are not in svm_dimensions (below).
    c_relevance: float = 30.0
    c_purpose: float = 30.0
    c_themes: float = 30.0
    # Kind: 4. Its heads read words and cues only, on 4 events and 3 calls in
    # train.jsonl; C 3-5 beats 10 on every seed, and on train.jsonl + the
    # labelled extras (24 events, 18 calls) too (README "Kind's C").
    c_kind: float = 4.0
    # Dimensions whose heads are linear SVMs (squared hinge) rather than
    # logistic regressions, and their C (the losses differ: C is on another
    # scale). Themes: SVM C 0.15-0.9 all beat the logistic heads on the mean
    # of seeds 0-4, 0.6 by +.005 / +.004 (README "Themes: linear SVM heads").
    # Platt scaling turns their margins into probabilities like the others'.
    svm_dimensions: tuple[str, ...] = ("themes",)
    c_svm: float = 0.6
    # Dimensions whose heads also learn a copy of every feature per language
    # (Daumé's "frustratingly easy" domain adaptation, heads._with_copies): a
    # theme is not worded alike in an AFP dispatch and a Participedia case.
    # The copies weigh language_copy_weight; a language with fewer training
    # rows than language_copy_min_rows shares the common weights only, and so
    # does an item in a language without copies. Themes, 0.5: +.005 / +.004 on
    # the mean of seeds 0-4, better or equal on each (README "Themes: a copy
    # of the features per language"); relevance and purpose lose.
    language_copies: tuple[str, ...] = ("themes",)
    language_copy_weight: float = 0.5
    language_copy_min_rows: int = 50
    # Stopping tolerance of liblinear's dual coordinate descent. Its default,
    # 1e-4, gives the same cross-validated figures on train.jsonl (to 4
    # decimals) and takes 1.7x as long on 10,000 items.
    tol: float = 1e-2
    balanced: bool = True  # class_weight="balanced": rare labels would else never win
    # Dimensions whose class weights balance within each language (heads._sample_weights).
    balance_by_language: tuple[str, ...] = ("relevance",)
    # Dimensions whose class weights balance within each source instead, the
    # sources with fewer rows than balance_min_rows within their language
    # (heads._strata). Relevance: +.008 on the mean of seeds 0-4, better on
    # each seed (README "Relevance balanced by source").
    balance_by_source: tuple[str, ...] = ("relevance",)
    balance_min_rows: int = 10
    # Feature blocks the kind heads read (see heads._column_scale): character
    # n-grams are topical, and the topic (Participedia's cases are about
    # participatory budgets) is not what makes an item a publication.
    kind_blocks: tuple[str, ...] = ("words", "cues")
    # The same choice for the other dimensions (all blocks: measured best).
    relevance_blocks: tuple[str, ...] = ("words", "chars", "cues")
    purpose_blocks: tuple[str, ...] = ("words", "chars", "cues")
    themes_blocks: tuple[str, ...] = ("words", "chars", "cues")
    # Dimensions whose heads read each feature scaled by its naive-Bayes log-count
    # ratio for the head's label (Wang & Manning's NB-LR; heads._nb_factors), mixed
    # with 1 by nb_strength. README "Levers": on the mean of seeds 0-4, purpose
    # +.019 / +.022, themes +.009 / +.011, kind +.013; relevance loses .010: not there.
    nb_scale: tuple[str, ...] = ("purpose", "themes", "kind")
    nb_strength: float = 0.5
    calibrate: bool = True  # Platt / temperature scaling on out-of-fold scores
    tune_thresholds: bool = True  # else 0.5 everywhere
    # A theme threshold is tuned only with enough positives; rarer themes keep
    # a threshold shrunk towards 0.5 (an F1 optimum on 3 examples is noise).
    theme_shrink: float = 5.0
    folds: int = 5
    # Add the items written from the codebook (codebook/README.md) to training.
    codebook_examples: bool = True
    # Add the real items labelled with the codebook beside the package
    # (labels/README.md) to training; like the codebook's, they join every
    # fold's training part and are never among the items measured.
    labelled_extras: bool = True
    # Weak labels read off the corpora's own tags (weak.py, labels/README.md),
    # as "<corpus>:<dimension>": the dimensions each corpus gives (the others
    # stay unknown on its rows), and a weak row's weight in the heads (a
    # hand-labelled row weighs 1). Like the extras they join every fold's
    # training part and are never measured; without the shared corpora they
    # are skipped.
    # Relevance and purpose only: kind from the tags (Participedia's
    # "publication", 18F's job posts as "call") cost .07 of kind macro-F1, and
    # once the 1,200 labelled extras joined, themes from the tags cost .006-.009
    # of themes micro-F1 (README).
    # Not the beta.gouv start-ups: their mapping was written with train.jsonl's
    # start-ups in view and contradicts 5 of 6 hand labels of other-extra.jsonl,
    # so its +.008 relevance in cross-validation is not a gain to trust.
    weak_labels: tuple[str, ...] = tuple(
        f"{corpus}:{dimension}" for corpus in ("participedia", "18f")
        for dimension in ("relevance", "purpose"))
    weak_weight: float = 0.3

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ModelConfig":
        # Settings this version does not know (a newer model) are left out.
        known = cls.__dataclass_fields__
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known})


DEFAULT = ModelConfig()

BASELINE = ModelConfig(
    codebook_examples=False,
    labelled_extras=False,
    weak_labels=(),
    balance_by_language=(),
    balance_by_source=(),
    kind_blocks=("words",),
    word_ngrams=(1, 1),
    word_min_df=1,
    chars=False,
    cues=False,
    c_relevance=1.0,
    c_purpose=1.0,
    c_themes=1.0,
    c_kind=1.0,
    balanced=False,
    nb_scale=(),
    calibrate=False,
    tune_thresholds=False,
    tol=1e-4,  # liblinear's default
)
