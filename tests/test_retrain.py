"""Learning from staff: gold labels from reviews, retraining, the promotion gate, the reports kept.

Real store (SQLite and PostgreSQL), real training. To keep each retrain to
seconds, the seed is the classifier's own codebook examples (38 items) and
the labelled extras stay out; the shipped model is the incumbent.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from classifier.config import DEFAULT
from classifier.gold import gold_examples
from classifier.model import CODEBOOK_EXAMPLES, SHIPPED_DIR
from classifier.persist import load, save
from classifier.registry import current_dir, promote, save_version
from classifier.retrain import Policy, format_retrain
from store import items, models, reviews, runs, sources
from store.records import ItemToClassify, NewItem
from tests.cli import run
from tests.conftest import shared_path
from tests.fixtures.retrain_items import budgets, gardens, roadworks
from veille import pipeline
from veille.app import App
from veille.settings import load_settings

FAST = replace(DEFAULT, codebook_examples=False, labelled_extras=False,  # the seed is the codebook's items
               weak_labels=())
EDITOR = "edith@veille.example"


@pytest.fixture
def app(store_url, tmp_path):
    app = App(load_settings(data_dir=tmp_path / "data", database_url=store_url))
    yield app
    app.engine.dispose()


def _ingest(app, rows: list[dict], tag: str) -> list[int]:
    actor = sources.upsert_actor(app.engine, name="Ville de Saint-Aubin", type="local-authority", language="fr",
                                 channels=[{"kind": "feed", "url": "https://ville.example/feed/"}])
    new = [NewItem(channel_id=None, actor_id=actor, url=f"https://ville.example/{tag}/{n}",
                   canonical_url=f"https://ville.example/{tag}/{n}", title=r["title"], text=r["text"],
                   language="fr", content_hash=f"{tag}-{n}", published=datetime(2026, 11, 2, tzinfo=timezone.utc))
           for n, r in enumerate(rows)]
    return [i.item_id for i in items.ingest_items(app.engine, new)]


def _retrain(app, seed=CODEBOOK_EXAMPLES, **policy):
    return pipeline.retrain(app, seed, config=FAST, policy=Policy(**policy))


def _predict(app, rows: list[dict]):
    model = pipeline.load_model(app)
    return model, model.predict([ItemToClassify(n, r["title"], "", r["text"], "fr", None) for n, r in enumerate(rows)])


def test_cold_start_says_so_and_the_shipped_model_serves(app, capsys, monkeypatch):
    report = _retrain(app)
    assert report.status == "cold-start" and not report.promoted
    assert "no gold labels" in report.message
    assert models.list_versions(app.engine) == []
    assert pipeline.load_model(app).version == load(SHIPPED_DIR).version
    assert runs.list_runs(app.engine, kind="retrain")[0].counts["status"] == "cold-start"
    monkeypatch.setenv("VEILLE_DATABASE_URL", app.settings.store_url)
    result = run(capsys, "classifier", "retrain", "--json", "--seed", str(CODEBOOK_EXAMPLES),
                 "--data-dir", str(app.settings.data_dir))
    assert result.code == 0, result.err
    assert json.loads(result.out)["status"] == "cold-start"


def test_a_systematic_correction_is_learnt_promoted_and_served(app):
    """Staff reject shared gardens and file the opening of a budget vote as a call (to the residents'
    votes), which the shipped model calls news: the next model does the same."""
    garden_ids, budget_ids = _ingest(app, gardens(0, 20), "g"), _ingest(app, budgets(0, 20), "b")
    pipeline.classify(app)
    shipped = pipeline.load_model(app)
    _, before = _predict(app, gardens(60, 5) + budgets(60, 5))
    assert all(p.relevant for p in before[:5]) and "call" not in {p.kind for p in before[5:]}
    reviews.decide_many(app.engine, garden_ids, EDITOR, "reject")
    for item_id in budget_ids:
        reviews.decide(app.engine, item_id, EDITOR, "accept")
        reviews.correct(app.engine, item_id, EDITOR, "coproduction",
                        ["participatory-budgeting", "local-democracy"], "call")
    left_new = _ingest(app, gardens(80, 3), "waiting")  # waiting for review: re-tagged after the promotion
    pipeline.classify(app)

    report = _retrain(app)

    assert report.status == "promoted", report.message
    assert report.gold["total"] == 40 and report.gold["corrected"] == 20
    ev = report.evaluation
    assert ev["held_out"] == 40 and ev["method"].startswith("5-fold")
    assert ev["dimensions"]["relevance"]["challenger"] > ev["dimensions"]["relevance"]["incumbent"]
    assert ev["dimensions"]["kind"]["challenger"] > ev["dimensions"]["kind"]["incumbent"]
    model, after = _predict(app, gardens(60, 5) + budgets(60, 5))
    assert model.version == report.challenger != shipped.version
    assert not any(p.relevant for p in after[:5])
    assert {p.kind for p in after[5:]} == {"call"}
    # recorded: the one serving, with its report; the waiting items carry the new model's tags
    (row,) = models.list_versions(app.engine)
    assert row.version == report.challenger and row.promoted and row.report["status"] == "promoted"
    assert models.serving(app.engine).version == report.challenger
    assert {items.get_item(app.engine, i).model_version for i in left_new} == {report.challenger}
    assert items.get_item(app.engine, budget_ids[0]).model_version == "staff"  # corrections stay
    # nothing new since: nothing to learn, nothing trained
    again = _retrain(app)
    assert again.status == "no-new-gold" and len(models.list_versions(app.engine)) == 1


def _flipped_seed(tmp_path):
    """The codebook's items with relevance inverted: a broken seed file the gate must catch."""
    rows = []
    for line in CODEBOOK_EXAMPLES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row["relevant"] = not row["relevant"]
        row["purpose"] = "information" if row["relevant"] else None
        rows.append(json.dumps(row, ensure_ascii=False))
    path = tmp_path / "flipped.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_worse_challenger_is_not_promoted_and_its_report_is_kept(app, tmp_path):
    labelled = [json.loads(line) for line in shared_path("labels", "train.jsonl").read_text().splitlines()]
    chosen = [r for r in labelled if r["source"] == "afp-an"][:24]
    ids = _ingest(app, chosen, "afp")
    pipeline.classify(app)
    for item_id, row in zip(ids, chosen):
        reviews.decide(app.engine, item_id, EDITOR, "accept" if row["relevant"] else "reject")
    shipped = pipeline.load_model(app).version

    report = _retrain(app, seed=_flipped_seed(tmp_path))

    assert report.status == "kept", report.message
    printed = format_retrain(report)
    assert "retrain: kept" in printed and "keeps serving" in printed and "relevance" in printed
    mean = report.evaluation["mean"]
    assert mean["challenger"] < mean["incumbent"] - report.evaluation["tolerance"]
    assert report.evaluation["measured"] == ["relevance"]  # decisions only: tags were never checked
    assert pipeline.load_model(app).version == shipped
    (row,) = models.list_versions(app.engine)
    assert row.version == report.challenger and not row.promoted
    assert row.report["status"] == "kept" and row.report["evaluation"]["mean"] == mean
    assert models.serving(app.engine) is None


def test_too_few_new_gold_labels_wait(app):
    ids = _ingest(app, roadworks(0, 4), "r")
    pipeline.classify(app)
    reviews.decide_many(app.engine, ids, EDITOR, "reject")
    report = _retrain(app)
    assert report.status == "too-few-new-gold" and "4 new gold labels" in report.message
    assert models.list_versions(app.engine) == []


# --- what a review settles ------------------------------------------------------------

def _row(status: str, tags: str, **fields) -> dict:
    base = {"id": "veille-1", "title": "T", "text": "x", "lang": "fr", "relevant": status == "accepted",
            "purpose": "coproduction" if status == "accepted" else None, "themes": ["consultation"], "kind": "news",
            "provenance": {"status": status, "tags": tags, "reviewed_at": "2026-11-20T09:00:00+00:00"}}
    return {**base, **fields}


@pytest.mark.parametrize("status, tags, unknown", [
    ("accepted", "predicted", {"purpose", "themes", "kind"}),  # accepted: only relevance was checked
    ("rejected", "predicted", {"purpose", "themes", "kind"}),
    ("accepted", "corrected", set()),
    ("new", "corrected", {"relevance"}),  # tags corrected, not yet decided
])
def test_a_review_is_gold_for_what_staff_settled(status, tags, unknown):
    (gold,), skipped = gold_examples([_row(status, tags)])
    assert set(gold.example.unknown) == unknown and not skipped


def test_an_unreadable_gold_row_is_skipped_and_named():
    good, bad = _row("accepted", "corrected", id="veille-1"), _row("accepted", "corrected", id="veille-2",
                                                                    themes=["no-such-theme"])
    found, skipped = gold_examples([bad, good])
    assert [g.example.id for g in found] == ["veille-1"]
    assert skipped and "veille-2" in skipped[0] and "no-such-theme" in skipped[0]


# --- which model serves ---------------------------------------------------------------

def _renamed(model, version: str):
    twin = copy.copy(model)
    twin.metadata = {**model.metadata, "version": version}
    return twin


def test_promotion_switches_the_current_pointer_and_reads_an_old_current_directory(tmp_path):
    models_dir = tmp_path / "models"
    shipped = load(SHIPPED_DIR)
    save(_renamed(shipped, "veille-clf-old"), models_dir / "current")  # as `classifier train` used to write it
    assert current_dir(models_dir) == models_dir / "current"
    save_version(_renamed(shipped, "veille-clf-new"), models_dir)
    promote(models_dir, "veille-clf-new")
    assert current_dir(models_dir) == models_dir / "veille-clf-new"
    assert (models_dir / "veille-clf-old" / "model.skops").is_file()  # the old one is kept, renamed
    promote(models_dir, "veille-clf-old")
    assert current_dir(models_dir) == models_dir / "veille-clf-old"
    with pytest.raises(ValueError, match="no saved model"):
        promote(models_dir, "../elsewhere")
