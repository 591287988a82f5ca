"""Canonical URLs, content hashes and sanitizing: how duplicates are caught and
what reaches the web app and the newsletter."""

from __future__ import annotations

import pytest

from crawlers.normalize import absolute_links, canonical_url, content_hash
from crawlers.sanitize import clean_text, clean_title, sanitize_html


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTPS://Example.ORG/Actu/Budget/", "https://example.org/Actu/Budget"),  # path case is kept
        ("https://example.org/a#commentaires", "https://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/", "https://example.org/"),
        ("https://example.org/a?utm_source=lettre&utm_medium=email&id=3", "https://example.org/a?id=3"),
        ("https://example.org/a?fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2", "https://example.org/a"),
        ("https://example.org/a?xtor=RSS-1&at_medium=x", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/search?q=&page=2", "https://example.org/search?page=2&q="),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("http://[::1]:80/x/", "http://[::1]/x"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_the_same_article_from_a_newsletter_link_and_the_feed_is_one_url():
    from_newsletter = "https://Asso.example/2026/11/rapport/?utm_source=newsletter&utm_campaign=nov#haut"
    from_feed = "https://asso.example/2026/11/rapport"
    assert canonical_url(from_newsletter) == canonical_url(from_feed)


def test_content_hash_ignores_case_spacing_and_unicode_forms():
    a = content_hash("Budget participatif", "La ville  lance\nson budget.")
    b = content_hash("budget PARTICIPATIF", "la ville lance son budget.")
    composed_vs_decomposed = content_hash("Café", "é") == content_hash("Cafe\u0301", "e\u0301")
    assert a == b and len(a) == 64 and composed_vs_decomposed
    assert content_hash("Budget participatif", "Autre texte.") != a


def test_content_hash_is_empty_without_text():
    # Titles alone ("Agenda", "Communiqué") would make distinct items collide.
    assert content_hash("Agenda", "") == ""
    assert content_hash("Agenda", "   ") == ""


def test_absolute_links():
    html = 'Voir <a href="/reglement">le règlement</a> &amp; <img src="img/a.png"> <a href="#haut">haut</a>'
    out = absolute_links(html, "https://ville.example/actu/budget")
    assert 'href="https://ville.example/reglement"' in out
    assert 'src="https://ville.example/actu/img/a.png"' in out
    assert out.startswith("Voir ") and "&amp;" in out


def test_sanitize_html_keeps_structure_and_drops_active_content():
    dirty = (
        '<h1>Titre</h1><p style="color:red" onclick="x()">Texte <strong>gras</strong>'
        '<script>alert(1)</script></p><iframe src="https://e.example"></iframe>'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>'
        '<img src="https://ok.example/i.png" onerror="x()" alt="i"><ul><li>un</li></ul>'
        '<object data="x.swf"></object><form><input></form><!-- commentaire -->'
    )
    clean = sanitize_html(dirty)
    assert clean == (
        '<h2>Titre</h2><p>Texte <strong>gras</strong></p>'
        '<a rel="noopener noreferrer nofollow">a</a>'
        '<a href="https://ok.example/" rel="noopener noreferrer nofollow">b</a>'
        '<img src="https://ok.example/i.png" alt="i"><ul><li>un</li></ul>'
    )


def test_sanitize_html_drops_relative_urls():
    # Links are made absolute before; whatever is still relative cannot be resolved later.
    assert "href" not in sanitize_html('<a href="/x">x</a>')


def test_clean_title():
    assert clean_title("  Le <b>budget</b>\n participatif &amp; vous ") == "Le budget participatif & vous"
    assert clean_title("Caf&eacute; &#8211; d&eacute;bat") == "Café – débat"
    assert clean_title("Zero\u200bwidth\x07bell") == "Zerowidthbell"
    assert clean_title("<script>alert(1)</script>Titre") == "Titre"
    assert len(clean_title("mot " * 1000)) == 500


def test_clean_text_keeps_paragraphs():
    assert clean_text("Un  deux\n\n\n\ntrois\x00 quatre\n") == "Un deux\n\ntrois quatre"
