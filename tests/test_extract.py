"""Article extraction: what `veille extract` shows and what the crawler stores."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawlers.extract import Extracted, extract_page, html_to_text, language_code

SITES = Path(__file__).resolve().parents[1] / "veille" / "demo" / "sites"
ASSO_ARTICLE = ("asso", "2026", "11", "19", "rapport-2026-engagement-citoyen-local-300-temoignages", "index.html")
STARTUP_ARTICLE = ("startup", "actualites", "accessibilite-plateforme-conformite-totale-rgaa", "index.html")


def demo_page(*parts: str) -> bytes:
    path = SITES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"demo site file absent: {path}")
    return path.read_bytes().replace(b"{{BASE}}", b"http://asso.example")


def test_wordpress_article_body_without_navigation_sidebar_or_footer():
    page = extract_page(demo_page(*ASSO_ARTICLE), "http://asso.example/2026/11/19/rapport/")
    assert page.title == "Rapport 2026 : l’engagement citoyen local passé au crible de 300 témoignages"
    assert page.text.startswith("Nous publions aujourd’hui notre rapport annuel")
    assert "Ce que disent les habitants" in page.text  # a subheading of the body
    assert "indemniser ou défrayer les participants" in page.text  # a list item of the body
    assert page.text.endswith("qui nous ont accordé de leur temps.")
    for furniture in ("Mentions légales", "Articles récents", "Laisser un commentaire", "Maison des associations",
                      "cookies", "Aller au contenu", "Partager"):
        assert furniture not in page.text
    assert page.author == "Camille Roussel"
    assert page.published == datetime(2026, 11, 19, 8, 45, tzinfo=timezone.utc)
    assert page.language == "fr"
    assert "<h2>Ce que disent les habitants</h2>" in page.html and "<li>" in page.html
    assert page.warnings == ()


def test_title_comes_without_the_site_name_and_page_furniture_is_dropped():
    page = extract_page(demo_page(*STARTUP_ARTICLE), "http://startup.example/actualites/accessibilite/")
    assert page.title == "Accessibilité : notre plateforme atteint la conformité totale au RGAA"
    assert page.text.startswith("Un audit indépendant confirme")  # no "← Toutes les actualités"
    assert "Boussole Civique SAS" not in page.text and "À lire aussi" not in page.text
    assert page.author == "Inès Carpentier"


def test_to_json_is_what_the_cli_prints():
    data = extract_page(demo_page(*ASSO_ARTICLE), "http://asso.example/a").to_json()
    assert set(data) == {"title", "text", "html", "author", "published", "language", "image", "warnings"}
    assert data["published"] == "2026-11-19T09:45:00+01:00"  # as the page states it (stored in UTC)
    json.dumps(data)  # serialisable as it is


def test_language_is_guessed_from_the_text_when_the_page_does_not_say():
    html = ("<html><body><article><h1>Consultation</h1><p>La commune lance une consultation en ligne sur le "
            "réaménagement de la place du marché. Les habitants peuvent donner leur avis jusqu'à la fin du mois "
            "et participer à deux ateliers publics organisés à la mairie.</p></article></body></html>")
    assert extract_page(html).language == "fr"
    english = html.replace("<html>", "<html lang='en-GB'>")
    assert extract_page(english).language == "en"  # what the page declares wins


def test_empty_or_broken_input_gives_warnings_not_exceptions():
    assert extract_page(b"").warnings == ("not an HTML page",)
    broken = extract_page(b"<html><head><title>Seul un titre</title></head><body></body></html>")
    assert broken.title == "Seul un titre" and broken.text == ""
    assert any("no main text" in w for w in broken.warnings)
    assert isinstance(extract_page(b"\xff\xfe\x00garbage\x00"), Extracted)


def test_html_to_text_separates_blocks():
    text = html_to_text("<p>Un <b>deux</b></p><ul><li>trois</li><li>quatre</li></ul>cinq<br>six<script>x()</script>")
    assert text == "Un deux\n\ntrois\n\nquatre\n\ncinq\nsix"


@pytest.mark.parametrize("tag, code", [("fr-FR", "fr"), ("fr_FR", "fr"), ("FR", "fr"), ("", None), ("français", None)])
def test_language_code(tag, code):
    assert language_code(tag) == code
