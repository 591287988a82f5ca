"""The classifier: taxonomy against the codebook, the shipped model, persistence, evaluation, quality floors."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import skops.io as sio

from classifier import SHIPPED_DIR, evaluate, format_report, load, load_default, save, train
from classifier.data import Example, load_examples
from classifier.overlap import fingerprints
from classifier.persist import UntrustedModelError
from classifier.weak import f18_labels, participedia_labels, startup_labels, weak_dimensions, weak_examples
from classifier.taxonomy import DIMENSIONS, KINDS, PURPOSES, THEMES, label, slugs
from store.records import ItemToClassify, Prediction
from tests.conftest import SHARED, shared_path

# --- taxonomy ----------------------------------------------------------------------


def _codebook_rows(section: str) -> list[tuple[str, str]]:
    """(slug, label) rows of the table under a '## N. <section>' heading of the codebook."""
    path = SHARED / "codebook.md"
    if not path.exists():
        pytest.skip(f"shared codebook absent: {path}")
    text = path.read_text(encoding="utf-8")
    body = re.split(r"^## ", text, flags=re.M)
    block = next(b for b in body if re.match(rf"\d+\. {section}", b))
    return re.findall(r"^\| `([a-z-]+)` \| ([^|]+?) \|", block, flags=re.M)


@pytest.mark.parametrize("section, labels", [("Purpose", PURPOSES), ("Themes", THEMES), ("Item type", KINDS)])
def test_taxonomy_matches_the_codebook(section, labels):
    rows = _codebook_rows(section)
    assert rows, f"no table found under {section}"
    assert [(x.slug, x.label) for x in labels] == rows


def test_fifteen_themes_and_french_labels():
    assert len(THEMES) == 15
    assert label("themes", "participatory-budgeting") == "Budgets participatifs"
    assert label("purpose", "ecosystem") == "Écosystème"
    assert label("kind", "call") == "Appel"
    assert label("themes", "budget") == "budget"  # an unknown tag shows as is, never breaks a page
    assert "budget" not in slugs("themes")
    assert set(DIMENSIONS) == {"relevance", "purpose", "themes", "kind"}


# --- reading labelled files -----------------------------------------------------------

GOOD = {"id": "x1", "source": "afp-an", "lang": "fr", "title": "T", "text": "x", "url": "",
        "relevant": True, "purpose": "coproduction", "themes": ["consultation"], "kind": "news"}


@pytest.mark.parametrize("bad_line, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({**GOOD, "themes": ["consultations"]}), "unknown theme slug 'consultations'"),
    (json.dumps({**GOOD, "purpose": "participation"}), "unknown purpose slug"),
    (json.dumps({**GOOD, "kind": "article"}), "unknown kind slug"),
    (json.dumps({**GOOD, "relevant": "yes"}), "'relevant' must be true or false"),
])
def test_a_bad_line_is_named_with_its_file_and_number(tmp_path, bad_line, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"labels\.jsonl:3: .*{re.escape(message)}"):
        load_examples(path)


# --- the shipped model ----------------------------------------------------------------

def _item(n: int, title: str, text: str, language: str) -> ItemToClassify:
    return ItemToClassify(id=n, title=title, summary="", text=text, language=language, actor_type=None)


BUDGET_FR = _item(1, "Budget participatif : les habitants votent pour leurs projets",
                  "La ville ouvre le vote du budget participatif : jusqu'au 15 octobre, les habitants "
                  "choisissent en ligne les projets proposés par les citoyens pour leur quartier, "
                  "financés sur 5 % du budget d'investissement de la commune.", "fr")
BUDGET_EN = _item(2, "Residents vote on the city's participatory budget",
                  "Residents can now vote online for the projects of the participatory budgeting "
                  "process: citizens proposed ideas for their neighbourhoods and the city council "
                  "will fund the winning projects with 2 million dollars.", "en")
ROADWORKS_FR = _item(3, "Travaux de voirie rue de la République",
                     "En raison de travaux de réfection de la chaussée, la circulation sera interdite "
                     "rue de la République du 3 au 14 mars. Une déviation est mise en place par le "
                     "boulevard Gambetta ; le stationnement est interdit pendant la durée du chantier.", "fr")
ROADWORKS_EN = _item(4, "Road works on Main Street",
                     "Main Street will be closed to traffic from March 3 to March 14 while the road "
                     "surface is resurfaced. A detour is signposted via Oak Avenue and parking is "
                     "suspended for the duration of the works.", "en")


@pytest.fixture(scope="module")
def shipped():
    return load(SHIPPED_DIR)


def test_the_shipped_model_tags_a_participatory_budget_vote(shipped):
    fr, en = shipped.predict([BUDGET_FR, BUDGET_EN])
    for p in (fr, en):
        assert p.relevant, p
        assert "participatory-budgeting" in p.themes, p
        assert p.purpose == "coproduction"
        assert p.why["relevant"] and p.why["theme:participatory-budgeting"]
        assert p.model_version == shipped.version


def test_the_shipped_model_rejects_road_works(shipped):
    for p in shipped.predict([ROADWORKS_FR, ROADWORKS_EN]):
        assert not p.relevant, p
        assert p.relevance_score < 0.5


def test_a_prediction_carries_calibrated_scores_for_every_label(shipped):
    (p,) = shipped.predict([BUDGET_FR])
    assert isinstance(p, Prediction)
    assert set(p.purpose_scores) == {x.slug for x in PURPOSES}
    assert set(p.theme_scores) == {x.slug for x in THEMES}
    assert set(p.kind_scores) == {x.slug for x in KINDS}
    assert sum(p.purpose_scores.values()) == pytest.approx(1, abs=1e-3)
    assert sum(p.kind_scores.values()) == pytest.approx(1, abs=1e-3)
    assert 0 <= p.relevance_score <= 1
    # every assigned label has its reasons, in the item's own words
    assert {f"theme:{t}" for t in p.themes} <= set(p.why)
    assert f"kind:{p.kind}" in p.why and f"purpose:{p.purpose}" in p.why
    assert any("budget participatif" in w for w in p.why["theme:participatory-budgeting"])


def test_predict_takes_batches_and_empty_ones(shipped):
    assert shipped.predict([]) == []
    batch = [BUDGET_FR, ROADWORKS_FR] * 50
    assert [p.relevant for p in shipped.predict(batch)] == [True, False] * 50


def test_the_shipped_files_are_small_and_described():
    sizes = {f.name: f.stat().st_size for f in SHIPPED_DIR.iterdir()}
    assert set(sizes) == {"model.skops", "metadata.json"}
    # 5.6 MB with 2,023 training texts (562 + 1,200 labelled extras + 38 + 223
    # weak rows), 6.7 MB with 2,693 (1,964 extras, 129 weak rows): the word
    # vocabulary grows with the labelled data. 7.4 MB with the theme heads'
    # French and English copies (30 more heads), all weights in half precision.
    assert sizes["model.skops"] < 8_000_000
    meta = json.loads((SHIPPED_DIR / "metadata.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"veille-clf-\d{8}-[0-9a-f]{8}", meta["version"])
    assert meta["training_data"]["n_examples"] > 0 and len(meta["training_data"]["sha256"]) == 64
    assert set(meta["cv"]["metrics"]) == {"relevance", "purpose", "themes", "kind"}
    assert set(meta["thresholds"]["themes"]) == {x.slug for x in THEMES}
    assert meta["sklearn_version"]
    # what joined every fold's training part, with counts and checksums
    assert {"examples.jsonl", "afp-extra.jsonl", "other-extra.jsonl"} <= set(meta["training_extras"])
    assert all(x["n_examples"] > 0 and len(x["sha256"]) == 64 for x in meta["training_extras"].values())


# --- weak labels from the corpora's own tags ----------------------------------------------

def _participedia_fields(**values) -> dict:
    return {name.replace("_", "-"): {"label": name, "values": v} for name, v in values.items()}


def test_participedia_tags_map_onto_the_codebook():
    labels = participedia_labels(_participedia_fields(
        influence_kind=["Co-governance (i.e. to share decision making with public authorities)"],
        methods=["Participatory Budgeting", "Online Consultations"],
        geographical_scope=["Local (e.g. Neighbourhood, City/Town, Metropolitan Area)"]))
    assert labels == {"relevant": True, "kind": "publication", "purpose": "coproduction",
                      "themes": ["consultation", "local-democracy", "participatory-budgeting"]}
    protest = participedia_labels(_participedia_fields(influence_kind=["Protest"], methods=["Community Organizing"]))
    assert protest["purpose"] == "mobilisation"
    assert "purpose" not in participedia_labels(_participedia_fields(influence_kind=["Other"]))  # unknown


def test_corpus_tags_that_say_nothing_give_no_label():
    assert f18_labels(["open data", "agile"]) == {"relevant": True, "themes": ["open-data"]}
    assert f18_labels(["agile", "how we work"]) == {"relevant": False}
    assert f18_labels(["agile", "product launch"]) is None  # a launch may or may not be relevant
    assert startup_labels(["Écologie", "Agriculture"]) is None
    assert startup_labels(["Démocratie"])["relevant"] is True


def test_weak_labels_name_a_corpus_and_a_dimension():
    assert weak_dimensions(("18f:themes", "participedia:purpose", "18f:relevance")) == {
        "participedia": ("purpose",), "18f": ("relevance", "themes")}
    with pytest.raises(ValueError, match="unknown weak label"):
        weak_dimensions(("18f:topic",))


def test_weak_rows_leave_out_measured_items_and_their_twins():
    corpus = shared_path("participedia-v2", "cases.jsonl").parents[1]
    examples = load_examples(shared_path("labels", "train.jsonl"))
    rows = weak_examples(corpus, "participedia", examples, ("purpose", "themes"))
    assert len(rows) > 200
    urls = {ex.url for ex in examples}
    assert not any(row.url in urls for row in rows)
    titles = {row.title for row in rows}
    # translations and template twins of measured cases (found by hand, see weak.py)
    assert "Bürgerhaushalt in Berlin-Lichtenberg" not in titles  # v0806: "Participatory Budgeting in ..."
    assert "Participatory Budgeting in Andradina" not in titles  # the text of v0589's template
    for row in rows:
        assert row.unknown in ({"relevance", "kind"}, {"relevance", "purpose", "kind"}) and row.extra["weak"]
    all_rows = weak_examples(corpus, "participedia", [], ("purpose", "themes"))
    assert len(all_rows) > len(rows) + 80


# --- persistence ----------------------------------------------------------------------

def test_save_and_load_give_identical_scores(shipped, tmp_path):
    items = [BUDGET_FR, BUDGET_EN, ROADWORKS_FR, ROADWORKS_EN]
    again = load(save(shipped, tmp_path / "copy"))
    assert again.predict(items) == shipped.predict(items)
    before, after = shipped.probabilities(items), again.probabilities(items)
    for dim in ("relevance", "purpose", "themes", "kind"):
        assert (getattr(before, dim) == getattr(after, dim)).all(), dim


class NotAModelPart:
    """A type no allowlist knows: loading it would run code we never reviewed."""


def _copy_shipped(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED_DIR, tmp_path / "model"))


def _rewrite(directory: Path, change) -> None:
    """Apply change(objects, meta) to a model directory, checksum kept consistent."""
    blob = (directory / "model.skops").read_bytes()
    objects = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    meta = json.loads((directory / "metadata.json").read_text())
    change(objects, meta)
    blob = sio.dumps(objects)
    meta["model_sha256"] = hashlib.sha256(blob).hexdigest()
    (directory / "model.skops").write_bytes(blob)
    (directory / "metadata.json").write_text(json.dumps(meta))


def test_load_refuses_a_file_with_an_untrusted_type(tmp_path):
    def tamper(objects, meta):
        objects["featurizer"].evil = NotAModelPart()

    directory = _copy_shipped(tmp_path)
    _rewrite(directory, tamper)
    # Even with a matching checksum the type check refuses the file.
    with pytest.raises(UntrustedModelError, match="NotAModelPart"):
        load(directory)


def test_load_refuses_a_file_that_does_not_match_its_metadata(tmp_path):
    directory = _copy_shipped(tmp_path)
    blob = (directory / "model.skops").read_bytes()
    objects = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    (directory / "model.skops").write_bytes(sio.dumps(objects, compression=zipfile.ZIP_STORED))
    with pytest.raises(ValueError, match="sha256"):
        load(directory)


def test_a_model_saved_before_the_language_heads_still_serves(tmp_path, shipped):
    def as_format_1(objects, meta):  # what veille saved before 2026-12-05
        del objects["languages"]
        objects["format"] = meta["format"] = 1

    directory = _copy_shipped(tmp_path)
    _rewrite(directory, as_format_1)
    old = load(directory)
    assert old.heads.languages == {}
    (p,) = old.predict([BUDGET_FR])
    assert p.relevant and "participatory-budgeting" in p.themes
    # its theme heads are the common ones, whatever the item's language
    assert p.theme_scores == shipped.predict([replace(BUDGET_FR, language=None)])[0].theme_scores


def test_load_refuses_a_model_format_it_does_not_know(tmp_path):
    def as_format_3(objects, meta):
        objects["format"] = meta["format"] = 3

    directory = _copy_shipped(tmp_path)
    _rewrite(directory, as_format_3)
    with pytest.raises(ValueError, match="unsupported model format 3"):
        load(directory)


def _renamed(model, version: str):
    twin = copy.copy(model)
    twin.metadata = {**model.metadata, "version": version}
    return twin


def test_load_default_prefers_explicit_then_current_then_shipped(tmp_path, shipped):
    models_dir = tmp_path / "models"
    assert load_default(None, models_dir).version == shipped.version
    save(_renamed(shipped, "veille-clf-current"), models_dir / "current")
    assert load_default(None, models_dir).version == "veille-clf-current"
    explicit = save(_renamed(shipped, "veille-clf-explicit"), tmp_path / "explicit")
    assert load_default(explicit, models_dir).version == "veille-clf-explicit"
    assert load_default(explicit / "model.skops", models_dir).version == "veille-clf-explicit"
    with pytest.raises(OSError):
        load_default(tmp_path / "nowhere", models_dir)


# --- evaluation -----------------------------------------------------------------------

def _example(n, relevant, purpose, themes, kind) -> Example:
    return Example(id=str(n), title=f"item {n}", text="", relevant=relevant, purpose=purpose,
                   themes=tuple(themes), kind=kind)


class FixedModel:
    """Returns the predictions it is given, in order: evaluate() must only compare."""

    def __init__(self, predictions):
        self.predictions = predictions

    def predict(self, items):
        assert len(items) == len(self.predictions)
        return self.predictions


def _prediction(relevant, purpose, themes, kind) -> Prediction:
    return Prediction(relevant=relevant, relevance_score=0.5, purpose=purpose, purpose_scores={},
                      themes=list(themes), theme_scores={}, kind=kind, kind_scores={}, why={},
                      model_version="test")


def test_evaluate_on_a_case_computed_by_hand():
    gold = [
        _example(1, True, "coproduction", ["consultation"], "news"),
        _example(2, True, "information", ["consultation", "elections"], "event"),
        _example(3, False, None, [], "news"),
        _example(4, False, None, ["elections"], "publication"),
    ]
    predicted = [
        _prediction(True, "coproduction", ["consultation"], "news"),
        _prediction(False, "coproduction", ["elections"], "news"),  # missed, wrong purpose
        _prediction(True, "information", [], "news"),  # a false positive
        _prediction(False, None, ["elections"], "publication"),
    ]
    result = evaluate(FixedModel(predicted), gold)
    assert set(result) == {"relevance", "purpose", "themes", "kind"}
    rel = result["relevance"]
    # yes: tp 1, fp 1, fn 1 -> P = R = F1 = 0.5; no: the same by symmetry
    assert rel["per_label"]["yes"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert rel["accuracy"] == 0.5 and rel["macro_f1"] == 0.5
    pur = result["purpose"]  # on the two gold-relevant items only
    assert pur["accuracy"] == 0.5
    assert pur["per_label"]["coproduction"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3),
                                                "support": 1}
    assert pur["per_label"]["information"]["f1"] == 0.0
    assert pur["macro_f1"] == pytest.approx(1 / 3)  # mean over the labels present in gold
    th = result["themes"]
    # consultation: gold on items 1, 2, predicted on 1 -> P 1, R .5, F1 2/3;
    # elections: gold and predicted on items 2 and 4 -> P = R = F1 = 1
    assert th["per_label"]["consultation"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3),
                                               "support": 2}
    assert th["per_label"]["elections"]["f1"] == 1.0
    assert th["macro_f1"] == pytest.approx((2 / 3 + 1) / 2)
    assert th["micro_f1"] == pytest.approx(2 * 3 / (3 + 4))  # tp 3, predicted 3, gold 4
    kind = result["kind"]
    assert kind["accuracy"] == 0.75
    assert kind["per_label"]["event"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert kind["per_label"]["call"]["support"] == 0
    assert kind["macro_f1"] == pytest.approx((0.8 + 0 + 1) / 3)  # news: P 2/3, R 1 -> F1 .8
    assert "accuracy" not in th and "micro_f1" not in kind
    report = format_report(result)
    for word in ("relevance", "purpose", "themes", "kind", "participatory-budgeting", "macro_f1"):
        assert word in report
    json.dumps(result)  # plain JSON


def test_evaluate_reports_the_items_the_model_was_trained_on_and_scores_the_others_apart():
    gold = [_example(1, True, "coproduction", ["consultation"], "news"),
            _example(2, True, "information", [], "news"),
            _example(3, False, None, [], "news"),
            _example(4, False, None, [], "news")]
    predicted = [_prediction(True, "coproduction", ["consultation"], "news"),  # right, but seen
                 _prediction(False, "information", [], "news"),  # missed
                 _prediction(False, None, [], "news"),  # right, but seen (same title below)
                 _prediction(True, "information", [], "news")]  # a false positive
    model = FixedModel(predicted)
    trained_on = [_example(1, True, "coproduction", [], "news"),
                  replace(_example(9, False, None, [], "news"), title="Item 3!")]  # same words, other case
    model.metadata = {"training_fingerprints": fingerprints(trained_on)}
    result = evaluate(model, gold)
    assert result["items"] == 4
    assert result["seen_in_training"] == {"n": 2, "ids": ["1", "3"]}
    assert result["relevance"]["accuracy"] == 0.5  # all four items
    unseen = result["unseen"]  # items 2 and 4: both wrong
    assert unseen["relevance"]["accuracy"] == 0.0
    assert unseen["relevance"]["per_label"]["yes"]["support"] == 1
    report = format_report(result)
    assert "2 of the 4 items were among the model's training rows" in report
    assert "The 2 items the model never saw:" in report


def test_the_shipped_model_knows_its_training_rows():
    seen_rows = load_examples(Path(__file__).parents[1] / "classifier" / "labels" / "other-extra-3.jsonl")[:30]
    fresh = [replace(ex, id=f"new-{ex.id}", title=f"Not a title of the corpora {n}", url=f"https://example.org/{n}")
             for n, ex in enumerate(seen_rows)]
    result = evaluate(load(SHIPPED_DIR), seen_rows + fresh)
    assert result["seen_in_training"]["n"] == 30


# --- quality floors -------------------------------------------------------------------

# 5-fold cross-validated figures on train.jsonl, pinned a little below what the
# model measured when the floor was set (see the metadata of the shipped
# model). Lowering a floor needs a reason written in the commit message.
# Raised 2026-11-25 when the labelled extras (classifier/labels) joined every
# fold's training part and C went to 30: measured (seed 0) .867 / .818, .707 /
# .696, .583 / .786 (before: .825 / .787, .677 / .645, .488 / .696).
# Set again 2026-11-25 (model veille-clf-20261125-6bfad5ce: 1,200 labelled
# extras, weak labels of Participedia and 18F for relevance and purpose,
# character block x1.5 for purpose and themes): measured (seed 0) relevance
# .875, purpose .836 / .736,
# themes .705 / .589, kind .726. Kind's floor goes down from .74 to .70, for a
# reason outside the model: with afp-extra-2 and other-extra-2 in training one
# more of train.jsonl's 4 events is missed on seed 0 (event F1 .57 -> .33; the
# same .726 with or without this change's levers; mean of seeds 0-2 .761,
# labels/README.md "What afp-extra-2 and other-extra-2 change").
# Set again 2026-11-26 (model veille-clf-20261126-*: + other-extra-3 and
# afp-extra-4, 466 more hand labels, and 7 corrections): measured (seed 0)
# relevance .878, purpose .844 / .749, themes .728 / .610, kind .686. Purpose
# and themes floors go up. Kind's goes down from .70 to .66: of train.jsonl's
# 4 events and 3 calls, the beta.gouv bootcamp (v0441) and the 18F
# commissioner call (v0498) are now missed on seed 0 (mean of seeds .727; the
# corrections alone had moved it to .787 by one 18F talk), labels/README.md
# "Round 3 and 4".
# Set again 2026-11-26 (veille-clf-20261126-44ddbe1b: + afp-extra-5, 298 AFP
# dispatches drawn like train.jsonl's, and 35 corrections (20 items) from second
# readings, climate-bill items aligned on train.jsonl): measured (seed 0)
# relevance .876, purpose .831 / .723, themes .742 / .624, kind .683. Themes
# floors go up; purpose's go down from .83 / .73 to .82 / .71: on the mean of
# seeds 0-4 afp-extra-5 costs .009 purpose accuracy and .020 purpose macro-F1
# (2 of the 225 purposes) while adding .009 relevance and .013 / .014 themes
# (labels/README.md "Round 5").
# Set again 2026-12-03 (veille-clf-20261203-a951a698: 8 purposes of the extras
# aligned on train.jsonl's convention for reforms that create a participation
# procedure): measured (seed 0) purpose .840 / .737, the rest unchanged.
# Purpose floors go back up to .83 / .72 (labels/README.md "Round 7").
# Set again 2026-12-04 (veille-clf-20261204-e7551f1e: purpose, themes and kind
# heads read the features scaled by their naive-Bayes log-count ratios, half
# strength; classifier/README.md "Naive-Bayes feature scaling"): measured
# (seed 0) relevance .876, purpose .876 / .796, themes .738 / .623, kind .731.
# Purpose floors go up to .86 / .78, kind's to .70.
# Set again 2026-12-04 (veille-clf-20261204-95026545: kind's C 10 -> 4, the
# theme heads' cue block weighing 0.25 instead of 0.5; classifier/README.md
# "Kind's C" and "Themes"): measured (seed 0) themes .744 / .641, kind .789,
# the rest unchanged. Themes floors go up to .73 / .62, kind's to .76.
# Set again 2026-12-04 (veille-clf-20261204-28f1831f: relevance's classes
# balanced within each source; classifier/README.md "Relevance balanced by
# source"): measured (seed 0) relevance .890. Its floor goes up to .88.
# Set again 2026-12-04 (veille-clf-20261204-d3c14559: the theme heads are
# linear SVMs, C 0.6; classifier/README.md "Themes: linear SVM heads"):
# measured (seed 0) themes .749 / .641, the rest unchanged. Themes micro-F1's
# floor goes up to .74.
# Set again 2026-12-05 (veille-clf-20261205-fd0e55d6: the theme heads learn a
# copy of the features per language, weighing 0.5; classifier/README.md
# "Themes: a copy of the features per language"): measured (seed 0) themes
# .754 / .645, the rest unchanged. Themes floors go up to .75 / .64.
FLOORS = {
    ("relevance", "macro_f1"): 0.88,
    ("purpose", "accuracy"): 0.86,
    ("purpose", "macro_f1"): 0.78,
    ("themes", "micro_f1"): 0.75,
    ("themes", "macro_f1"): 0.64,
    ("kind", "macro_f1"): 0.76,
}


def test_cross_validated_quality_stays_above_the_floors():
    examples = load_examples(shared_path("labels", "train.jsonl"))
    metrics = train(examples).metadata["cv"]["metrics"]
    below = {f"{dim}.{name}": round(metrics[dim][name], 3)
             for (dim, name), floor in FLOORS.items() if metrics[dim][name] < floor}
    assert not below, f"below the pinned floors {FLOORS}: {below}"


# --- class balance by source -------------------------------------------------------------

def test_relevance_classes_weigh_alike_within_each_source_and_small_sources_join_their_language():
    from classifier.config import DEFAULT
    from classifier.heads import _sample_weights, _strata, targets_of

    def rows(source, lang, n_relevant, n_not):
        return [Example(id=f"{source}-{k}", title="t", text="x", relevant=k < n_relevant,
                        purpose="information" if k < n_relevant else None, themes=(), kind="news",
                        source=source, lang=lang) for k in range(n_relevant + n_not)]

    # A corpus where every item is relevant, one where few are, and a source too small for a group of its own.
    examples = rows("cases", "en", 40, 0) + rows("gov", "en", 5, 30) + rows("tiny", "en", 1, 2)
    y = targets_of(examples)
    strata = _strata("relevance", y, DEFAULT)
    assert set(strata[:40]) == {"source:cases"} and set(strata[40:75]) == {"source:gov"}
    assert set(strata[75:]) == {"language:en"}
    weights = _sample_weights(y.relevant, strata, DEFAULT)
    gov_relevant, gov_not = weights[40:45].sum(), weights[45:75].sum()
    assert gov_relevant == pytest.approx(gov_not)  # 5 relevant rows weigh what 30 irrelevant ones do
    assert weights[40] > 5 * weights[0]  # a rare relevant 18F-like item counts more than one of 40 cases
    # Balanced by language only, a rare relevant 18F-like item weighs no more than one of the 40 cases.
    by_language = _sample_weights(y.relevant, _strata("relevance", y, replace(DEFAULT, balance_by_source=())),
                                  DEFAULT)
    assert by_language[40] == pytest.approx(by_language[0])


# --- a copy of the features per language (themes) ---------------------------------------

def _theme_rows(lang: str, texts: list[str], themes: tuple[str, ...]) -> list[Example]:
    return [Example(id=f"{lang}-{themes}-{k}", title=t, text="", relevant=True, purpose="information",
                    themes=themes, kind="news", source=f"corpus-{lang}", lang=lang) for k, t in enumerate(texts)]


def test_a_word_can_mean_a_theme_in_one_language_and_not_in_another():
    """In French "forum" is a public debate; in English posts it is a web forum. The theme heads learn both."""
    from classifier.config import DEFAULT
    from classifier.features import fit_featurizer
    from classifier.heads import fit_heads, raw_scores, targets_of
    from classifier.taxonomy import THEME_SLUGS

    places = ["ville", "quartier", "commune", "métropole", "région", "département", "village", "canton"]
    things = ["phone", "game", "camera", "laptop", "printer", "router", "console", "tablet"]
    examples = (
        _theme_rows("fr", [f"forum citoyen {p} {q}" for p in places for q in ("nord", "sud")], ("consultation",))
        + _theme_rows("fr", [f"match football {p} {q}" for p in places for q in ("nord", "sud")], ())
        + _theme_rows("en", [f"forum thread about the new {t} {q}" for t in things for q in ("a", "b")], ())
        + _theme_rows("en", [f"public hearing on the {t} plan {q}" for t in things for q in ("a", "b")],
                      ("consultation",)))
    config = replace(DEFAULT, language_copy_min_rows=10, cues=False, chars=False, word_min_df=1,
                     nb_scale=(), theme_shrink=0.0)
    texts = [ex.title for ex in examples]
    featurizer, X, blocks = fit_featurizer(config, texts)
    heads = fit_heads(X, targets_of(examples), config, blocks)
    assert set(heads.languages["themes"]) == {"fr", "en"}

    X_new = featurizer.transform(["forum"] * 4).tocsr()
    consultation = raw_scores(heads, X_new, ["fr", "en", "de", None]).themes[:, THEME_SLUGS.index("consultation")]
    fr, en, other, unknown = consultation
    # The same word, read by each language's heads; a language without copies reads the common weights.
    assert en < other < fr and other == unknown
    assert raw_scores(heads, X_new, ["fr-FR"] * 4).themes[0, THEME_SLUGS.index("consultation")] == fr

    # Without the copies the word weighs the same in both languages.
    plain = fit_heads(X, targets_of(examples), replace(config, language_copies=()), blocks)
    shared = raw_scores(plain, X_new, ["fr", "en", "de", None]).themes[:, THEME_SLUGS.index("consultation")]
    assert len(set(shared.round(9))) == 1
    assert fr - en > 0.1


def test_the_shipped_theme_heads_read_the_item_language(shipped):
    """French and English items use their language's theme heads (and their `why`); others the common ones."""
    assert set(shipped.heads.languages["themes"]) == {"fr", "en"}
    as_fr, as_region, as_unknown = shipped.predict(
        [BUDGET_FR, replace(BUDGET_FR, language="fr-FR"), replace(BUDGET_FR, language=None)])
    assert as_fr.theme_scores == as_region.theme_scores and as_fr.why == as_region.why
    assert as_fr.theme_scores != as_unknown.theme_scores
    assert as_fr.relevance_score == as_unknown.relevance_score  # relevance has no copies
