"""Article extraction: what `veille extract` shows and what the crawler stores."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawlers.extract import Extracted, extract_page, guess_language, html_to_text, language_code

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


@pytest.mark.parametrize("text, language", [
    ("Le conseil municipal a adopté mardi soir le règlement du premier budget participatif de la ville.", "fr"),
    ("The city council adopted the rules of its first participatory budget on Tuesday evening.", "en"),
    ("Die Stadt startet eine Online-Konsultation zur Neugestaltung des Marktplatzes.", "de"),
    ("市議會週二晚間通過了該市首個參與式預算的規則，居民可以在一月六日至二月二十八日之間提交他們的計劃，然後在春季投票。", "zh"),  # traditional script: not "zh-Hant"
    ("Intrapreneur de Startup d'État, les conditions du succès", "fr"),  # CLD2 unsure: py3langid answers
    ("Trop court", None),
])
def test_language_of_a_text_that_does_not_state_it(text, language):
    assert guess_language(text) == language


def test_a_text_that_is_not_valid_unicode_still_gets_a_language():
    assert guess_language("Le budget participatif \udc80 est ouvert à tous les habitants de la commune.") == "fr"


@pytest.mark.parametrize("tag, code", [("fr-FR", "fr"), ("fr_FR", "fr"), ("FR", "fr"), ("", None), ("français", None)])
def test_language_code(tag, code):
    assert language_code(tag) == code


def test_short_chinese_paragraphs_are_prose_not_furniture():
    # A Chinese sentence says in 40 characters what takes 80 in French: the
    # closing paragraphs of this article are short, and belong to it.
    paragraphs = [
        "谷歌在2014年收购的人工智能公司开发出一款能够用自己的记忆学习新知识并利用这些知识来回答问题的计算机。",
        "这款产品具有极其重要的意义，因为这意味着未来的人工智能技术可能不需要人类来教它就能回答人类提出的问题。"
        "研究人员表示，这一系统已经在多项测试中取得了令人满意的结果，并将继续改进。",
        "研究结果已发表在科学刊物上。",
        "团队希望这一系统能够推动计算行业实现更多突破，并已将其研究结果发表在科学刊物（编译/林靖",
    ]
    html = ("<html lang='zh'><head><title>人工智能新突破</title></head><body><nav><a href='/'>首页</a> "
            "<a href='/tech'>科技</a></nav><article><h1>人工智能新突破</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article><footer>版权所有</footer></body></html>")
    page = extract_page(html)
    assert page.title == "人工智能新突破"
    assert page.text.startswith("谷歌在2014年") and "研究结果已发表在科学刊物上。" in page.text
    assert page.text.endswith("（编译/林靖")
    assert "版权所有" not in page.text


def test_json_ld_wrapped_in_cdata_still_gives_the_date():
    # Pages written as XHTML wrap their scripts in CDATA markers, which HTML
    # parsers keep as text; the article's own datePublished must still win over
    # the <meta> of a later update.
    html = ("<html><head><title>Vote</title>"
            "<meta property='article:published_time' content='2024-12-07T12:43:39Z'>"
            "<script type='application/ld+json'>\n//<![CDATA[\n"
            '{"@context": {"@vocab": "http://schema.org"}, "@type": "NewsArticle", "headline": "Vote",'
            ' "datePublished": "2024-12-06T22:00:40Z"}\n//]]>\n</script></head>'
            "<body><article><p>La séance a été levée après le départ des élus de la majorité, sans vote.</p>"
            "</article></body></html>")
    assert extract_page(html).published == datetime(2024, 12, 6, 22, 0, 40, tzinfo=timezone.utc)


def test_a_long_list_after_the_last_sentence_is_kept_a_short_coda_is_not():
    intro = "<p>Voici les associations membres du réseau régional, classées par département et par thème.</p>"
    members = "".join(f"<li>Association numéro {n} de la métropole</li>" for n in range(12))
    html = (f"<html><head><title>Membres</title></head><body><article>{intro}<h2>Membres</h2><ul>{members}</ul>"
            "</article></body></html>")
    assert "Association numéro 11 de la métropole" in extract_page(html).text
    coda = ("<ul><li><a href='/a'>Lire aussi : le rapport</a></li><li><a href='/b'>Nos partenaires</a></li></ul>")
    html = (f"<html><head><title>Article</title></head><body><article>{intro * 3}<h2>À lire</h2>{coda}"
            "</article></body></html>")
    text = extract_page(html).text
    assert "classées par département" in text and "Nos partenaires" not in text


HEADLINES = [
    "Budget participatif : le règlement adopté", "Une convention citoyenne sur la mobilité",
    "Le conseil des jeunes rend son avis", "Consultation sur le plan local d'urbanisme",
    "Pétitions en ligne : un seuil abaissé", "Les comptes rendus des conseils de quartier publiés",
]
TEASERS = [
    "Le conseil municipal a adopté mardi soir le règlement du premier budget participatif de la ville, doté de "
    "400 000 euros. Les habitants pourront déposer leurs projets du 6 janvier au 28 février, puis voter au printemps.",
    "Quarante habitants tirés au sort se réuniront six week-ends pour proposer un plan de déplacements. La métropole "
    "s'engage à répondre publiquement à chacune de leurs propositions avant l'été, et à expliquer celles qu'elle écarte.",
    "Après huit mois de travail, les vingt-quatre membres du conseil municipal des jeunes ont remis leurs "
    "recommandations sur l'aménagement des cours d'école, dont la moitié concernent l'ombre et la végétalisation.",
    "L'enquête publique sur la révision du plan local d'urbanisme est ouverte jusqu'au 15 mars. Les dossiers sont "
    "consultables en ligne et dans les trois mairies annexes, où le commissaire enquêteur tiendra des permanences.",
    "Une pétition réunissant mille signatures suffira désormais pour inscrire un sujet à l'ordre du jour du conseil "
    "municipal. Le seuil était jusqu'ici de trois mille, un niveau qu'aucune pétition n'avait jamais atteint.",
    "Les comptes rendus des neuf conseils de quartier seront publiés sous quinze jours sur le site de la ville, avec "
    "les réponses des services aux questions posées par les habitants lors des séances publiques.",
]


def test_a_page_of_teasers_gives_every_teaser_not_the_first_card():
    """A watched section page ("Démocratie locale") is a list of <article> cards:
    trafilatura takes the first card for the article; what changes on the page
    is in all of them."""
    cards = "".join(f"<li><article><div><h2><a href='/a{i}'>{headline}</a></h2><p>{teaser}</p></div></article></li>"
                    for i, (headline, teaser) in enumerate(zip(HEADLINES, TEASERS)))
    html = ("<html lang='fr'><head><title>Démocratie locale — Le Quotidien du Val</title></head><body>"
            "<header><nav><a href='/'>Accueil</a> <a href='/politique'>Politique</a></nav></header>"
            f"<main><section><h1>Démocratie locale</h1><ol>{cards}</ol></section></main>"
            "<footer><p>© Le Quotidien du Val — mentions légales</p></footer></body></html>")
    page = extract_page(html, "http://journal.example/democratie-locale")
    assert all(teaser in page.text for teaser in TEASERS), page.text
    assert "mentions légales" not in page.text and "Accueil" not in page.text


def test_related_articles_after_the_article_are_cut_a_heading_early_in_it_is_not():
    """Teasers after "À lire aussi" read like prose, so only the heading tells them from the article."""
    body = "".join(f"<p>{teaser}</p>" for teaser in TEASERS[:4])
    related = ("<h2>À lire aussi</h2><h3><a href='/b1'>Une convention citoyenne sur la mobilité</a></h3>"
               f"<p>{TEASERS[4]}</p><h3><a href='/b2'>Les conseils de quartier</a></h3><p>{TEASERS[5]}</p>")
    html = ("<html lang='fr'><head><title>Budget participatif</title></head><body><main><article>"
            f"<h1>Budget participatif</h1>{body}{related}</article></main></body></html>")
    page = extract_page(html, "http://journal.example/budget")
    assert all(teaser in page.text for teaser in TEASERS[:4])
    assert "À lire aussi" not in page.text and TEASERS[4] not in page.text and TEASERS[5] not in page.text
    # the same words as the article's own subject, early in it, are the article
    early = extract_page(html.replace("<h1>Budget participatif</h1>", "<h1>Budget participatif</h1>"
                                      "<h2>Articles récents de la recherche</h2>"), "http://journal.example/budget")
    assert "Articles récents de la recherche" in early.text and TEASERS[0] in early.text
    # and a section of the article that starts with the same word is not a list of links
    own = extract_page(html.replace("<h2>À lire aussi</h2>", "<h2>Related work</h2>"), "http://journal.example/b")
    assert "Related work" in own.text and TEASERS[4] in own.text


def test_links_in_the_article_lead_where_a_browser_would_take_them():
    """A relative link is resolved against the article's own address: a report
    linked as "rapport.pdf" from /actualites/2026/budget/ is not at the site's root."""
    links = ("<p>Le rapport complet est en ligne : <a href='rapport.pdf'>le rapport</a>, avec "
             "<a href='/donnees/budget.csv'>les données</a>, la <a href='#methode'>méthode</a> et "
             "<a href='mailto:contact@ville.example'>un contact</a>.</p>")
    html = ("<html lang='fr'><head><title>Budget participatif</title></head><body><main><article>"
            f"<h1>Budget participatif</h1>{''.join(f'<p>{t}</p>' for t in TEASERS[:3])}{links}</article></main>"
            "</body></html>")
    page = extract_page(html, "https://ville.example/actualites/2026/budget/")
    assert 'href="https://ville.example/actualites/2026/budget/rapport.pdf"' in page.html
    assert 'href="https://ville.example/donnees/budget.csv"' in page.html
    assert 'href="https://ville.example/actualites/2026/budget/#methode"' in page.html
    assert 'href="mailto:contact@ville.example"' in page.html  # not an http link: left for the sanitizer
    based = extract_page(html.replace("<head>", "<head><base href='/archives/'>"), "https://ville.example/a/b")
    assert 'href="https://ville.example/archives/rapport.pdf"' in based.html


def test_scripts_and_icons_are_not_text_but_a_json_ld_article_body_still_counts():
    icon = "<svg viewBox='0 0 10 10'><g><path d='M0 0h10v10H0z'/><text>Icône</text></g></svg>"
    html = ("<html lang='fr'><head><title>Budget participatif</title>"
            "<style>p { color: red }</style></head><body><main><article><h1>Budget participatif</h1>"
            f"<p>{icon}{TEASERS[0]}</p><script>var x = 'Ne pas lire';</script><p>{TEASERS[1]}</p>"
            "<select><option>Choisir un quartier</option></select></article></main></body></html>")
    page = extract_page(html, "https://ville.example/budget")
    assert TEASERS[0] in page.text and TEASERS[1] in page.text
    for inert in ("Icône", "Ne pas lire", "color: red", "Choisir un quartier"):
        assert inert not in page.text and inert not in page.html
    # A page whose article exists only as JSON-LD (the page is built by scripts) keeps it.
    body = " ".join(TEASERS[:3])
    scripted = ("<html lang='fr'><head><title>Budget participatif</title><script type='application/ld+json'>"
                + json.dumps({"@type": "NewsArticle", "headline": "Budget participatif", "articleBody": body})
                + "</script><script src='/app.js'></script></head><body><div id='app'></div></body></html>")
    assert TEASERS[1] in extract_page(scripted, "https://ville.example/budget").text


def test_a_date_only_written_out_in_the_text_is_read_by_veilles_date_parser():
    """htmldate hands such strings to dateparser; veille's parser reads the registry's
    languages only (crawlers.metadata.DATE_LANGUAGES), not dateparser's 200 locales."""
    from crawlers import metadata

    calls_before = sum(metadata._date_parser.cache_info()[:2])
    html = ("<html><head><title>Presupuestos participativos</title></head><body><article>"
            "<h1>Presupuestos participativos</h1><p class='fecha'>3 de marzo de 2021</p>"
            f"{''.join(f'<p>{t}</p>' for t in TEASERS[:3])}</article></body></html>")
    page = extract_page(html, "https://ciudad.example/presupuestos")
    assert page.published == datetime(2021, 3, 3, tzinfo=timezone.utc)
    assert sum(metadata._date_parser.cache_info()[:2]) > calls_before  # htmldate asked veille's parser


def test_trafilatura_queries_are_rewritten_only_where_the_answer_cannot_change():
    from crawlers import trafilatura_xpaths as tx

    assert tx.tune() >= 20  # trafilatura's query lists were found (a release that renames them fails here)
    guarded = tx.guard_regex_tests("descendant::*[re:test(@class, 'sidebar|menu') or @id='x']")
    assert guarded == "descendant::*[(boolean(@class) and re:test(@class, 'sidebar|menu')) or @id='x']"
    # A pattern that matches an empty string is true for an element without the attribute: left alone.
    for source in (".//*[re:test(@class, '^$|nav')]", ".//*[re:test(@id, 'x?', 'i')]"):
        assert tx.guard_regex_tests(source) == source
    assert tx.descendant_steps(".//*[@id='a']") == "descendant::*[@id='a']"
    assert tx.descendant_steps("(.//*[@id='a'])[1]") == "(.//*[@id='a'])[1]"  # positional: left alone

    page = ("<html><body><div class='sidebar'><p>menu</p></div><div><p>Article text.</p></div>"
            "<div id='comments'><p>A comment</p></div><span style='display:none'>hidden</span>"
            "<section class='newsletter-signup'><p>Sign up</p></section><div class=''>x</div></body></html>")
    from crawlers.extract import parse_html

    tree, selected = parse_html(page), 0
    for original, replacement in tx.REPLACED:
        found = original(tree)
        assert replacement(tree) == found, original.path
        selected += len(found)
    assert selected >= 3  # the sidebar, the comments, the hidden span, the newsletter box


def test_a_copyright_year_is_not_a_publication_date():
    """htmldate's last resort reads "© Participedia 2013" as 1 January 2013 (112 of the
    843 Participedia pages): a year, not a day. Such a page gets no date (the item keeps
    its collection date); a 1 January the page declares stays."""
    body = "".join(f"<p>{t}</p>" for t in TEASERS[:3])
    footer = "<footer><p>© Association Exemple 2019</p></footer>"
    undated = f"<html><head><title>Budget</title></head><body><article>{body}</article>{footer}</body></html>"
    assert extract_page(undated, "https://asso.example/budget").published is None
    declared = undated.replace("<title>", "<meta property='article:published_time' content='2021-01-01T00:00:00'><title>")
    assert extract_page(declared, "https://asso.example/budget").published == datetime(2021, 1, 1, tzinfo=timezone.utc)
    dated = undated.replace("<article>", "<article><p class='date'>Publié le 12 mars 2019</p>")
    assert extract_page(dated, "https://asso.example/budget").published == datetime(2019, 3, 12, tzinfo=timezone.utc)
