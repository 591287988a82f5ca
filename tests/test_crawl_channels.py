"""Sitemaps, watched pages and stories, crawled for real three times over a
changing fixture web (a copy of the demo's association site, plus two sites
that publish the same press release).

The crawls run once for the module; each test checks one thing a member of
staff would notice in the archive.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawlers.run import crawl
from store import items as item_store
from store import migrate, sources, stories
from store.db import open_engine
from tests.test_crawl import fast_config
from veille.demo.server import SITES_DIR, FixtureWeb

RELEASE = ("La métropole ouvre une consultation en ligne sur son futur plan vélo. Jusqu'au 15 décembre, "
           "chaque habitant peut proposer des itinéraires, signaler les carrefours dangereux et voter pour "
           "les aménagements prioritaires. Trois ateliers publics auront lieu dans les mairies de quartier, "
           "et une assemblée de quarante habitants tirés au sort rendra un avis motivé au conseil métropolitain "
           "au printemps. Les contributions seront publiées en ligne avec la réponse de la collectivité à "
           "chacune d'elles, comme le prévoit la charte de la participation adoptée l'an dernier.")
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{name}</title><link>{{{{BASE}}}}/</link><language>fr</language>
<item><title>{title}</title><link>{{{{BASE}}}}/communique.html</link><pubDate>{date}</pubDate>
<description><![CDATA[<p>{intro}</p><p>{release}</p><p>{outro}</p>]]></description></item>
</channel></rss>"""
NEW_PARAGRAPH = ("Depuis novembre 2026, l'association anime aussi un atelier mensuel d'écriture de pétitions "
                 "ouvert à tous les habitants du Pays de Bréval, à la Maison des associations.")
NEW_ARTICLE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Budget participatif : les résultats</title>
<meta property="article:published_time" content="2026-11-26T10:00:00+01:00"></head><body><main><article>
<h1>Budget participatif : les résultats</h1><p>Les habitants ont choisi douze projets parmi les quarante déposés,
dont une ressourcerie et trois jardins partagés. Le vote a réuni près de quatre mille participants, en ligne et
dans les mairies, soit deux fois plus que l'an dernier.</p><p>Les travaux commenceront au printemps.</p>
</article></main></body></html>"""


def write_sites(root: Path) -> None:
    shutil.copytree(SITES_DIR / "asso", root / "asso")
    for name, date, intro, outro in (
        ("agence", "Mon, 23 Nov 2026 09:00:00 +0100", "Communiqué de presse.", "Contact presse : la métropole."),
        ("relais", "Mon, 23 Nov 2026 14:30:00 +0100", "Nous relayons le communiqué de la métropole.",
         "Participez nombreux !"),
    ):
        (root / name).mkdir()
        (root / name / "feed.xml").write_text(FEED.format(name=name, title="Plan vélo : la consultation est ouverte",
                                                           date=date, intro=intro, release=RELEASE, outro=outro),
                                              encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """Three crawls: the first, one after cosmetic changes, one after real ones."""
    root = tmp_path_factory.mktemp("sites")
    write_sites(root)
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store')}/s.sqlite"
    engine = open_engine(store_url)
    migrate.upgrade(engine)
    with FixtureWeb(sites_dir=root) as web:
        base = web.base_url("asso")
        sources.upsert_actor(engine, slug="asso", name="Parlons Ensemble", language="fr", channels=[
            {"kind": "sitemap", "url": base + "/sitemap.xml", "selectors": {"include": r"/20\d\d/\d\d/"}},
            {"kind": "page", "url": base + "/l-association/"},
        ])
        for name in ("agence", "relais"):
            sources.upsert_actor(engine, slug=name, name=name.capitalize(), language="fr",
                                 channels=[{"kind": "feed", "url": web.base_url(name) + "/feed.xml"}])
        reports, items = [], []

        def run():
            report = crawl(store_url, sources.channel_specs(engine), fast_config())
            sources.record_channel_results(engine, report.channels)
            reports.append(report)
            items.append({i.id: item_store.get_item(engine, i.id) for i in item_store.search(engine, limit=1000)})

        run()
        page = root / "asso" / "l-association" / "index.html"
        # A new "last updated" date in the page, nothing else: not news.
        last = "sont publiés chaque année sur ce site.</p>"
        edit(page, last, last + "<p>Page mise à jour le 20 novembre 2026 à 10h45.</p>")
        web.clear_requests()
        run()
        second_crawl_requests = web.requests("asso")
        edit(page, "<p>Page mise à jour le 20 novembre 2026 à 10h45.</p>",
             f"<p>{NEW_PARAGRAPH}</p><p>Page mise à jour le 27 novembre 2026 à 09h10.</p>")
        article = root / "asso" / "2026" / "11" / "26" / "budget-participatif-resultats" / "index.html"
        article.parent.mkdir(parents=True)
        article.write_text(NEW_ARTICLE, encoding="utf-8")
        edit(root / "asso" / "sitemap.xml", "<url>",
             "<url><loc>{{BASE}}/2026/11/26/budget-participatif-resultats/</loc><lastmod>2026-11-26</lastmod></url><url>")
        run()
        yield {"reports": reports, "items": items, "engine": engine, "base": base,
               "second_crawl_requests": second_crawl_requests}
    engine.dispose()


def channel(report, part: str):
    [found] = [c for c in report.channels if part in c.url]
    return found


def test_a_sitemap_brings_the_articles_it_lists_and_only_those(crawls):
    first = crawls["items"][0]
    from_sitemap = sorted(i.url for i in first.values() if "/2026/" in i.url)
    assert len(from_sitemap) == 7  # the 7 dated articles; not /contact/, /mentions-legales/ or the home page
    assert all(i.published is not None and i.text for i in first.values() if "/2026/" in i.url)
    assert channel(crawls["reports"][0], "sitemap.xml").new == 7


def test_an_unchanged_sitemap_costs_one_conditional_request(crawls):
    second = crawls["reports"][1]
    assert channel(second, "sitemap.xml").status == "not-modified"
    article_requests = [p for p in crawls["second_crawl_requests"] if p.startswith("/2026/")]
    assert article_requests == []


def test_a_new_article_in_the_sitemap_is_collected_next_time(crawls):
    third = channel(crawls["reports"][2], "sitemap.xml")
    assert third.status == "ok" and third.new == 1
    new = set(crawls["items"][2]) - set(crawls["items"][1])
    titles = {crawls["items"][2][i].title for i in new}
    assert "Budget participatif : les résultats" in titles


def test_a_watched_page_is_an_item_the_first_time(crawls):
    page = [i for i in crawls["items"][0].values() if i.url.endswith("/l-association/")]
    assert len(page) == 1 and page[0].title == "L’association"
    assert page[0].text.startswith("Parlons Ensemble est une association loi 1901")


def test_a_new_date_on_a_watched_page_is_not_news(crawls):
    assert crawls["reports"][1].new == 0
    assert channel(crawls["reports"][1], "l-association").status == "ok"


def test_a_real_change_on_a_watched_page_is_an_item_saying_what_changed(crawls):
    before, after = crawls["items"][1], crawls["items"][2]
    changed = [after[i] for i in set(after) - set(before) if after[i].url.endswith("/l-association/")]
    assert len(changed) == 1
    item = changed[0]
    assert item.text == NEW_PARAGRAPH  # what changed, not the whole page again, not the date line
    assert item.summary.startswith("Page modifiée : 1 paragraphe(s) ajouté(s)")
    assert item.title == "L’association"


def test_the_same_story_from_two_sources_is_one_story_that_knows_who_was_first(crawls):
    items = crawls["items"][0]
    release = [i for i in items.values() if i.title == "Plan vélo : la consultation est ouverte"]
    assert {i.source for i in release} == {"Agence", "Relais"}  # both kept: they are two sources' items
    story_of = stories.story_ids(crawls["engine"], [i.id for i in release])
    assert len(set(story_of.values())) == 1 and len(story_of) == 2
    story = stories.get_story(crawls["engine"], next(iter(story_of.values())))
    assert story.size == 2
    assert [m.source for m in story.items] == ["Agence", "Relais"] and story.items[0].first
    assert story.first_item_id == next(i.id for i in release if i.source == "Agence")


def test_unrelated_items_are_in_no_story(crawls):
    items = crawls["items"][2]
    others = [i.id for i in items.values() if i.title != "Plan vélo : la consultation est ouverte"]
    assert stories.story_ids(crawls["engine"], others) == {}
