"""Review decisions, corrections, undo and gold labels; accounts and sessions. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import items, reviews, search, users
from tests.e2e.site import ACCOUNTS, PASSWORD, QUEUE, populate

EDITOR = ACCOUNTS["editor"]


@pytest.fixture
def site(engine):
    return engine, populate(engine)


def _queue(engine, **kw):
    return reviews.queue(engine, search.Filters(statuses=("new",)), **kw)


def test_queue_best_first_or_most_uncertain_first_with_story(site):
    engine, ids = site
    best = _queue(engine, limit=3)
    assert [e.item.relevance_score for e in best] == [0.94, 0.91, 0.88]
    first = best[0]
    assert first.item.why["relevant"] and first.theme_scores == {"consultation": 0.7}
    assert [m.source for m in first.story] == ["Ville de Saint-Aubin"]  # the other source of its story
    uncertain = _queue(engine, order="uncertainty", limit=1)[0]
    assert abs(uncertain.item.relevance_score - 0.5) < 0.03
    assert reviews.count_queue(engine, search.Filters(statuses=("new",))) == len(QUEUE)


def test_decisions_are_recorded_and_undone(site):
    engine, ids = site
    item = ids[QUEUE[0][1]]
    assert reviews.decide(engine, item, EDITOR, "feature") == reviews.ItemState(item, "accepted", True)
    reviews.decide(engine, item, EDITOR, "reject")
    assert items.get_item(engine, item).featured is False  # a rejected item is never featured
    [last, first] = reviews.history(engine, item)
    assert (first.action, first.before, first.after) == (
        "feature", {"status": "new", "featured": False}, {"status": "accepted", "featured": True})
    assert last.reviewer == EDITOR and last.action == "reject"
    assert reviews.undo(engine, EDITOR).action == "reject"
    assert (items.get_item(engine, item).status, items.get_item(engine, item).featured) == ("accepted", True)
    assert reviews.undo(engine, EDITOR).action == "feature"
    assert items.get_item(engine, item).status == "new"
    with pytest.raises(reviews.ReviewError, match="Rien à annuler"):
        reviews.undo(engine, EDITOR)


def test_undo_refuses_when_someone_changed_the_item_since(site):
    engine, ids = site
    item = ids[QUEUE[1][1]]
    reviews.decide(engine, item, EDITOR, "accept")
    reviews.decide(engine, item, ACCOUNTS["admin"], "reject")
    with pytest.raises(reviews.Conflict):
        reviews.undo(engine, EDITOR)
    assert items.get_item(engine, item).status == "rejected"  # nothing was changed


def test_bulk_saves_all_or_nothing(site):
    engine, ids = site
    chosen = [ids[row[1]] for row in QUEUE[:5]]
    with pytest.raises(reviews.UnknownItem):
        reviews.decide_many(engine, chosen + [999_999], EDITOR, "accept")
    assert {items.get_item(engine, i).status for i in chosen} == {"new"}
    assert len(reviews.decide_many(engine, chosen, EDITOR, "accept")) == 5
    assert {items.get_item(engine, i).status for i in chosen} == {"accepted"}


def test_corrections_show_publicly_and_become_gold_labels(site):
    engine, ids = site
    item = ids[QUEUE[2][1]]
    reviews.decide(engine, item, EDITOR, "accept")
    reviews.correct(engine, item, EDITOR, "information", ["open-data", "open-data", "elections"], "publication")
    view = items.get_item(engine, item)
    assert (view.purpose, view.themes, view.kind, view.model_version) == (
        "information", ["open-data", "elections"], "publication", "staff")
    assert items.to_classify(engine) == []  # the classifier does not redo a staff correction
    rejected = ids[QUEUE[3][1]]
    reviews.decide(engine, rejected, EDITOR, "reject")
    gold = {row["provenance"]["item_id"]: row for row in reviews.gold_labels(engine)}
    assert gold[item]["relevant"] is True and gold[item]["purpose"] == "information"
    assert gold[item]["themes"] == ["open-data", "elections"] and gold[item]["kind"] == "publication"
    assert gold[item]["provenance"]["tags"] == "corrected" and gold[item]["provenance"]["reviewers"] == [EDITOR]
    assert gold[rejected]["relevant"] is False and gold[rejected]["purpose"] is None
    assert gold[rejected]["provenance"]["tags"] == "predicted"
    assert set(gold[item]) >= {"title", "text", "lang", "relevant", "purpose", "themes", "kind"}
    assert ids[QUEUE[4][1]] not in gold  # never reviewed: no label


def test_gold_labels_are_read_by_the_classifier(site, tmp_path):
    """The contract with the classifier: its own train.jsonl reader takes the rows as they are."""
    import json

    from classifier.data import load_examples

    engine, ids = site
    for row in QUEUE[:4]:
        reviews.decide(engine, ids[row[1]], EDITOR, "accept")
    reviews.decide(engine, ids[QUEUE[4][1]], EDITOR, "reject")
    reviews.correct(engine, ids[QUEUE[0][1]], EDITOR, "mobilisation", ["petition"], "call")
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reviews.gold_labels(engine)))
    examples = {e.id: e for e in load_examples(path)}
    assert len(examples) == 5
    corrected = examples[f"veille-{ids[QUEUE[0][1]]}"]
    assert (corrected.relevant, corrected.purpose, corrected.themes, corrected.kind) == (
        True, "mobilisation", ("petition",), "call")
    assert examples[f"veille-{ids[QUEUE[4][1]]}"].relevant is False


def test_undoing_a_correction_restores_the_prediction(site):
    engine, ids = site
    item = ids[QUEUE[5][1]]
    reviews.correct(engine, item, EDITOR, None, [], "event")
    assert items.get_item(engine, item).kind == "event"
    reviews.undo(engine, EDITOR)
    view = items.get_item(engine, item)
    assert (view.kind, view.model_version) == ("news", "test-1")
    assert all(row["provenance"]["item_id"] != item for row in reviews.gold_labels(engine))


def test_bad_tags_and_oversized_fields_save_nothing(site):
    engine, ids = site
    item = ids[QUEUE[6][1]]
    with pytest.raises(reviews.ReviewError, match="Thème inconnu"):
        reviews.correct(engine, item, EDITOR, "information", ["not-a-theme"], "news")
    with pytest.raises(reviews.ReviewError, match="ne doit pas dépasser"):
        reviews.edit(engine, item, EDITOR, editor_title="x" * 501, editor_summary="ok", note="ok")
    assert reviews.history(engine, item) == []
    reviews.edit(engine, item, EDITOR, editor_title="Un titre réécrit", editor_summary="", note="à vérifier")
    entry = reviews.entry(engine, item)
    assert (entry.item.title, entry.editor_summary, entry.note) == ("Un titre réécrit", None, "à vérifier")


def test_passwords_sessions_and_rate_events(engine):
    user = users.add_user(engine, "Marie@Example.org", PASSWORD, "editor", "Marie")
    assert user.email == "marie@example.org"
    with pytest.raises(users.AccountError, match="existe déjà"):
        users.add_user(engine, "marie@example.org", PASSWORD, "reader")
    with pytest.raises(users.AccountError, match="au moins 10"):
        users.add_user(engine, "court@example.org", "court", "reader")
    assert users.authenticate(engine, "marie@example.org", "wrong password") is None
    assert users.authenticate(engine, "nobody@example.org", PASSWORD) is None
    assert users.authenticate(engine, " MARIE@example.org", PASSWORD).id == user.id
    first = users.open_session(engine, user.id)
    second = users.open_session(engine, user.id, replacing=first.token)  # rotation at login
    assert users.session_user(engine, first.token) is None
    assert users.session_user(engine, second.token)[0].email == "marie@example.org"
    users.change_password(engine, user.id, PASSWORD, "un autre mot de passe")
    assert users.session_user(engine, second.token) is None  # every session ends
    assert users.authenticate(engine, "marie@example.org", "un autre mot de passe")
    for _ in range(3):
        users.record_event(engine, "login:test")
    assert users.count_events(engine, "login:test", timedelta(minutes=1)) == 3
    users.set_active(engine, user.id, False)
    assert users.authenticate(engine, "marie@example.org", "un autre mot de passe") is None
