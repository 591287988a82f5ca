"""Composing and rendering an issue: what a subscriber reads."""

from __future__ import annotations

from datetime import datetime, timezone

from newsletter.compose import compose_issue, short_summary
from newsletter.render import render_html, render_text
from store.records import ItemView

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 11, 25, tzinfo=timezone.utc)


def view(n, kind="news", featured=False, title=None, summary="Un résumé court.", day=10, themes=()):
    return ItemView(
        id=n, url=f"https://exemple.org/{n}", title=title or f"Article {n}", summary=summary,
        source="Parlons Ensemble", source_id=1, published=datetime(2026, 11, day, tzinfo=timezone.utc),
        collected=END, language="fr", status="accepted", featured=featured, kind=kind, themes=list(themes),
    )


def test_sections_in_reading_order_featured_first():
    items = [view(1, "event"), view(2, day=3), view(3, featured=True, day=1), view(4, "call"), view(5, day=20)]
    issue = compose_issue(items, START, END, "La veille")
    assert [s.label for s in issue.sections] == ["Actualités", "Agenda", "Appels"]
    assert [e.item_id for e in issue.sections[0].entries] == [3, 5, 2]
    assert [i for i, _, _ in issue.to_draft().entries] == [3, 5, 2, 1, 4]


def test_html_is_french_escaped_and_links_the_originals():
    items = [view(1, title="<script>alert(1)</script> Budget", themes=("participatory-budgeting",))]
    html = render_html(compose_issue(items, START, END, "La veille"))
    assert '<html lang="fr">' in html
    assert "Du 1er au 24 novembre 2026" in html  # the period excludes its end
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://exemple.org/1"' in html
    assert "Budgets participatifs" in html  # theme slugs shown with their French label


def test_text_version_and_empty_issue():
    text = render_text(compose_issue([view(1), view(2, "publication")], START, END, "La veille"))
    assert "== Actualités ==" in text and "== Publications ==" in text
    assert "https://exemple.org/2" in text and "<" not in text
    empty = render_html(compose_issue([], START, END, "La veille"))
    assert "Aucun article retenu sur cette période." in empty


def test_long_text_summaries_end_on_a_sentence():
    long = "Première phrase assez longue pour compter. " * 20
    item = view(1, summary="")
    item = ItemView(**{**item.__dict__, "text": long})
    summary = short_summary(item)
    assert summary.endswith(".") and len(summary) <= 320


# --- veille's proposal: summaries, dates, sections -------------------------------------

from datetime import date  # noqa: E402

from newsletter.dates import deadline, event_date  # noqa: E402
from newsletter.french import number, period  # noqa: E402
from newsletter.mime import clean_header  # noqa: E402
from newsletter.summarize import summarize  # noqa: E402
from newsletter.tokens import check_token, make_token  # noqa: E402


def test_summary_keeps_the_sentences_that_carry_the_article():
    text = ("La ville de Saint-Aubin ouvre le vote de son budget participatif. Quarante-deux projets proposés "
            "par les habitants sont soumis au vote jusqu'à la fin du mois. Le budget participatif représente "
            "1,2 million d'euros. Les habitants peuvent voter en ligne ou en mairie. Partagez cet article sur "
            "les réseaux sociaux ! Inscrivez-vous à notre lettre pour ne rien manquer.")
    summary = summarize(text, "Budget participatif : 42 projets soumis au vote", limit=230)
    assert summary.startswith("La ville de Saint-Aubin ouvre le vote de son budget participatif.")
    assert "budget participatif représente 1,2 million" in summary
    assert "Partagez" not in summary and "Inscrivez-vous" not in summary and len(summary) <= 230
    english = summarize("The city opens its participatory budget vote. 42 projects compete. Subscribe now! "
                        "The participatory budget totals 1.2 million euros this year, a record.", "Budget vote", 110)
    assert english.startswith("The city opens its participatory budget vote.")  # kept in its language


def test_events_show_their_date_and_calls_their_deadline():
    published = datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert event_date(["Conférence", "Rendez-vous le 3 décembre à Lyon."], published) == date(2026, 12, 3)
    assert event_date(["Webinar on January 14"], published) == date(2027, 1, 14)  # no year: the next one
    assert event_date(["Rien de daté"], published) is None
    call = "Appel publié le 2 novembre 2026. Candidatures jusqu'au 15 janvier 2027 inclus."
    assert deadline([call], published) == date(2027, 1, 15)
    assert deadline(["Applications close on 10/02/2027", "deadline: 2027-02-10"], published) == date(2027, 2, 10)


def test_agenda_in_date_order_and_sections_by_theme():
    items = [view(1, "event", summary="Le 20 décembre 2026 à Paris."), view(2, "event", summary="Le 1er décembre 2026."),
             view(3, themes=("open-data",)), view(4, themes=("consultation", "open-data"))]
    by_kind = compose_issue(items, START, END, "La veille")
    agenda = next(s for s in by_kind.sections if s.slug == "event")
    assert [e.item_id for e in agenda.entries] == [2, 1]
    assert agenda.entries[0].event_date == date(2026, 12, 1)
    by_theme = compose_issue(items, START, END, "La veille", group_by="theme")
    assert [s.label for s in by_theme.sections] == ["Consultation & concertation", "Open data & données",
                                                   "Autres sujets"]
    copy = by_theme.for_themes(["open-data"])  # item 4 is found through its second theme
    assert sorted(e.item_id for e in copy.items) == [3, 4] and copy.themes == ("open-data",)


def test_french_periods_and_numbers():
    nov = datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert period(nov, datetime(2026, 12, 1, tzinfo=timezone.utc)) == "novembre 2026"
    assert period(datetime(2026, 11, 30, tzinfo=timezone.utc), datetime(2026, 12, 7, tzinfo=timezone.utc)) == \
        "du 30 novembre au 6 décembre 2026"
    assert number(10000) == "10\u202f000"


def test_headers_lose_every_disguise_of_a_line_break():
    for hostile in ("a\r\nBcc: x@y.z", "a\nBcc: x@y.z", "a\u2028Bcc: x@y.z", "a%0d%0aBcc: x@y.z",
                    "a&#13;&#10;Bcc: x@y.z", "a =?utf-8?q?=0D=0ABcc:_x@y.z?=", "a\\r\\nBcc: x@y.z"):
        cleaned = clean_header(hostile)
        assert "\r" not in cleaned and "\n" not in cleaned and "\u2028" not in cleaned
        assert cleaned.endswith("Bcc: x@y.z") and "%0" not in cleaned and "=?" not in cleaned, hostile


def test_personal_tokens_are_bound_to_their_subscriber_and_purpose():
    emails = {7: "alice@example.org"}
    token = make_token("secret", "unsubscribe", 7, "alice@example.org")
    assert check_token("secret", "unsubscribe", token, emails.get) == 7
    assert check_token("secret", "manage", token, emails.get) is None  # another purpose
    assert check_token("other secret", "unsubscribe", token, emails.get) is None
    assert check_token("secret", "unsubscribe", token, {7: "someone.else@example.org"}.get) is None
    assert check_token("secret", "unsubscribe", "7." + token.split(".")[1][:-1] + "A", emails.get) is None
    assert check_token("secret", "unsubscribe", "garbage", emails.get) is None
