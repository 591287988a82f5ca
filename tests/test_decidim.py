"""Decidim platforms: the registry seeded from decidim.org's list of installations, and a
Decidim platform recognised when staff add it by its homepage.

The platforms here are our fixture sites (tests/fixtures/decidim, see its README.txt),
served on loopback and crawled for real; the seeds are read from the real list in
../shared/data when it is there, and from small CSV files written below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.decidim import POST_SELECTORS, SPACE_SELECTORS, decidim_evidence
from crawlers.decidim_seeds import SeedsError, read_installations
from crawlers.listing import parse_listing
from crawlers.run import crawl
from store import items as item_store
from store import sources
from store.registry import export_actors
from tests.cli import run
from tests.conftest import shared_path
from tests.test_crawl import fast_config
from veille.app import App
from veille.demo.server import FixtureWeb
from veille.settings import load_settings

SITES = Path(__file__).parent / "fixtures" / "decidim"
HEADER = "file,title,url,type,lat,lon,url_is_fr_tld\n"


@pytest.fixture
def data_dir(tmp_path) -> str:
    return str(tmp_path / "data")


@pytest.fixture(scope="module")
def web():
    with FixtureWeb(sites_dir=SITES) as fw:
        yield fw


def cli_json(capsys, *args):
    result = run(capsys, *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def listed(capsys, data_dir) -> dict[str, dict]:
    return {s["name"]: s for s in cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir)}


def write_csv(tmp_path, rows: str, name: str = "installations.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return str(path)


# --- seeds: the real list ---------------------------------------------------------------


def test_the_real_list_seeds_one_source_per_platform():
    data = shared_path("decidim-installations", "installations.csv").read_bytes()
    seeds = read_installations(data)
    by_name = {a["name"]: a for a in seeds.actors}
    assert len(seeds.actors) >= 480 and len(seeds.actors) + len(seeds.problems) == 522
    assert len({a["slug"] for a in seeds.actors}) == len(seeds.actors)  # one source per platform
    assert sum(a["country"] == "FR" for a in seeds.actors) >= 86  # the README's .fr count, at least
    assert all(a["tags"] == ["decidim"] and not a["enabled"] for a in seeds.actors)  # nobody checked them
    assembly = by_name["Assemblée Nationale"]
    assert (assembly["type"], assembly["country"], assembly["language"]) == ("public-institution", "FR", "fr")
    assert assembly["homepage"] == "https://petitions.assemblee-nationale.fr/"
    channels = {c["url"].rsplit("/", 1)[-1]: c for c in assembly["channels"]}
    assert list(channels) == ["processes", "assemblies", "initiatives"]
    assert channels["initiatives"]["enabled"] and not channels["assemblies"]["enabled"]  # a petitions platform
    anct = by_name["Agence Nationale de la Cohesion des Territoires"]  # listed as a "region"; gone
    assert anct["type"] == "public-institution" and anct["status"] == "defunct"
    assert anct["homepage"] == "https://mon.incubateur.anct.gouv.fr/"  # unwrapped from web.archive.org
    assert by_name["Ajuntament de Galdakao"]["type"] == "local-authority"
    assert by_name["Ajuntament de Galdakao"]["language"] == "eu"
    assert by_name["Accio Escolta de Catalunya"]["language"] == "ca"
    assert by_name["Université de Bordeaux"]["type"] == "research"
    assert any("aoc.cat/en/blog" in p and "not a platform" in p for p in seeds.problems)  # a page about it
    assert any("Graz" in p and "the same platform as line" in p for p in seeds.problems)


def test_country_filter_keeps_only_the_platforms_of_that_country():
    data = shared_path("decidim-installations", "installations.csv").read_bytes()
    seeds = read_installations(data, countries={"FR"}, enable=True)
    assert seeds.actors and all(a["country"] == "FR" for a in seeds.actors)
    assert seeds.left_out + len(seeds.actors) + len(seeds.problems) == 522
    archived = [a for a in seeds.actors if a["status"] == "defunct"]
    assert archived and not any(a["enabled"] for a in archived)  # --enable never wakes an archived one
    assert all(a["enabled"] for a in seeds.actors if a["status"] != "defunct")


# --- seeds: hostile and broken rows -------------------------------------------------------

HOSTILE_ROWS = (
    # each row: what it tries, and what is expected
    "ok.yml,Ville de Beauval,https://participez.beauval.fr/,city,47.0,2.0,True\n"           # imported
    "noname.yml,,https://anonyme.example.fr/,city,,,True\n"                                   # no name
    "js.yml,Script,javascript:alert(1),org,,,False\n"                                         # not http(s)
    "file.yml,Fichier,file:///etc/passwd,org,,,False\n"                                       # not http(s)
    "loop.yml,Boucle,http://127.0.0.1:8080/,org,,,False\n"                                    # loopback
    "lan.yml,Routeur,http://192.168.1.1/,org,,,False\n"                                       # private network
    "meta.yml,Nuage,http://169.254.169.254/latest/,org,,,False\n"                             # metadata service
    "local.yml,Intranet,http://intranet.local/,org,,,False\n"                                 # a local name
    "ipv6.yml,Six,http://[::1]/,org,,,False\n"                                                # IPv6 loopback
    "page.yml,Une page,https://www.exemple.fr/actualites/2024/decidim-arrive/,org,,,True\n"  # a page, not a platform
    "dup.yml,Beauval encore,https://participez.beauval.fr/users/sign_in,city,,,True\n"       # the same platform
    "ctrl.yml,\"Saint-\x07Loup\u200b \r\n sur-Mer\",https://jeparticipe.saint-loup.fr/,city,abc,,True\n"  # cleaned
    "long.yml," + "A" * 5000 + ",https://long.example.fr/,org,,,True\n"                       # not a name
    "host.yml,Hôte," + "https://" + "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + ".fr/,org,,,True\n"  # too long a host
    "creds.yml,Identifiants,https://admin:secret@participer.ville-ouverte.fr/,city,,,True\n"  # credentials dropped
    "arch.yml,Ancienne,https://web.archive.org/web/20230101000000/https://ancienne.example.fr/,city,48.1,-1.6,True\n"
)


def test_hostile_rows_each_get_one_line_and_the_others_are_imported(capsys, data_dir, tmp_path):
    path = write_csv(tmp_path, HOSTILE_ROWS)
    result = run(capsys, "sources", "import-decidim", path, "--data-dir", data_dir)
    assert result.code == 0 and "Traceback" not in result.err
    skipped = [line for line in result.err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 12, result.err
    for expected in ("(no name): no name", "only http and https", "file:///etc/passwd", "127.0.0.1",
                     "192.168.1.1", "169.254.169.254", "intranet.local", "::1", "is a page, not a platform",
                     "the same platform as line 2", "characters is not a name",
                     "host name of 185 characters"):
        assert any(expected in line for line in skipped), expected
    names = listed(capsys, data_dir)
    assert set(names) == {"Ville de Beauval", "Saint-Loup sur-Mer", "Ancienne", "Identifiants"}
    assert names["Identifiants"]["homepage"] == "https://participer.ville-ouverte.fr/"
    assert names["Saint-Loup sur-Mer"]["country"] == "FR"  # from .fr; the coordinates were garbage
    assert names["Ancienne"]["status"] == "defunct" and not names["Ancienne"]["enabled"]
    assert "4 Decidim platforms added (12 channels, disabled until checked)" in result.out


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00b\x00i\x00n", "not UTF-8"),
    (b"name,homepage\nVille,https://ville.example/\n", "the title and url columns are missing"),
])
def test_a_file_that_is_not_the_list_is_refused_whole(capsys, data_dir, tmp_path, content, message):
    path = tmp_path / "autre.csv"
    path.write_bytes(content)
    result = run(capsys, "sources", "import-decidim", str(path), "--data-dir", data_dir)
    assert result.code == 1 and message in result.err and "Traceback" not in result.err
    with pytest.raises(SeedsError):
        read_installations(content)


# --- seeds: in the store, again and again -----------------------------------------------

SMALL_LIST = (
    "beauval.yml,Ville de Beauval,https://participez.beauval.fr/,city,47.0,2.0,True\n"
    "mirande.yml,Ajuntament de Miranda,https://decidim.miranda.cat/,city,41.5,2.1,False\n"
    "asso.yml,Les Amis du Parc,https://participa.amisduparc.org/,org,48.85,2.35,False\n"
)


def test_reimport_adds_nothing_and_keeps_what_staff_changed(capsys, data_dir, tmp_path):
    path = write_csv(tmp_path, SMALL_LIST)
    first = cli_json(capsys, "sources", "import-decidim", path, "--country", "fr", "--json", "--data-dir", data_dir)
    assert first["actors_added"] == 2 and first["left_out"] == 1 and first["by_country"] == {"FR": 2}
    assert first["by_type"] == {"local-authority": 1, "association": 1}
    engine = App(load_settings(data_dir=data_dir)).engine
    beauval = next(a for a in export_actors(engine) if a["name"] == "Ville de Beauval")
    assert not beauval["enabled"] and beauval["tags"] == ["decidim"] and beauval["language"] == "fr"
    processes, assemblies, initiatives = beauval["channels"]
    assert processes["url"] == "https://participez.beauval.fr/processes" and processes["enabled"]
    assert processes["selectors"] == SPACE_SELECTORS and processes["confidence"] == "likely"
    assert not any(c["enabled"] for c in (assemblies, initiatives))  # modules not every platform has
    assert assemblies["confidence"] == initiatives["confidence"] == "guess"
    # Staff rename it, call it a public institution, pause a channel; then the list is imported again.
    sources.upsert_actor(engine, slug=beauval["slug"], name="Beauval participe", channels=[
        {**processes, "enabled": False}], type="public-institution")
    again = cli_json(capsys, "sources", "import-decidim", path, "--enable", "--json", "--data-dir", data_dir)
    assert again["actors_added"] == 1 and again["channels_added"] == 3 and again["unchanged"] == 2
    after = listed(capsys, data_dir)
    assert "Ville de Beauval" not in after and after["Beauval participe"]["type"] == "public-institution"
    assert not after["Beauval participe"]["channels"][0]["enabled"]
    assert after["Ajuntament de Miranda"]["enabled"]  # --enable: the one added now
    assert not after["Les Amis du Parc"]["enabled"]  # added before, left as it was


def test_a_platform_already_watched_under_another_name_is_not_added_twice(capsys, data_dir, tmp_path):
    engine = App(load_settings(data_dir=data_dir)).engine
    sources.upsert_actor(engine, name="Beauval (ajoutée à la main)", homepage="https://www.participez.beauval.fr",
                         channels=[{"kind": "page", "url": "https://participez.beauval.fr/"}])
    result = run(capsys, "sources", "import-decidim", write_csv(tmp_path, SMALL_LIST), "--data-dir", data_dir)
    assert "already watched as «Beauval (ajoutée à la main)»" in result.err
    assert "2 Decidim platforms added" in result.out


# --- the channels: Decidim's own markup, read by our listing parser --------------------


@pytest.mark.parametrize("page, selectors, expected", [
    ("villebelle/processes/index.html", SPACE_SELECTORS,
     ["/processes/budget-participatif-2027", "/processes/plan-climat", "/processes/quartier-gare"]),
    ("montagne/processes/index.html", SPACE_SELECTORS, ["/processes/sentiers", "/processes/refuges"]),
    ("montagne/assemblies/index.html", SPACE_SELECTORS, ["/assemblies/conseil-des-habitants"]),
    ("villebelle/processes/budget-participatif-2027/f/12/posts/index.html", POST_SELECTORS,
     ["/processes/budget-participatif-2027/f/12/posts/3", "/processes/budget-participatif-2027/f/12/posts/2"]),
])
def test_decidim_selectors_read_both_generations_of_templates(page, selectors, expected):
    html = (SITES / page).read_text(encoding="utf-8")
    listing = parse_listing(Selector(text=html), "https://ville.example/processes", selectors)
    assert [link.removeprefix("https://ville.example") for link in listing.links] == expected
    assert listing.next_page == ("https://ville.example/processes?page=2" if "villebelle/processes/index" in page
                                 else None)


def test_a_page_about_decidim_is_not_a_platform():
    assert decidim_evidence(Selector(text=(SITES / "presque" / "index.html").read_text(encoding="utf-8"))) is None
    assert "Decidim.config" in decidim_evidence(Selector(text=(SITES / "villebelle" / "index.html").read_text()))
    assert "rel=\"decidim\"" in decidim_evidence(Selector(text=(SITES / "montagne" / "index.html").read_text()))
    generator = '<html><head><meta name="generator" content="Decidim 0.28.4"></head></html>'
    assert "Decidim 0.28.4" in decidim_evidence(Selector(text=generator))


# --- detection: adding a platform by its homepage ----------------------------------------


def test_adding_a_decidim_homepage_proposes_its_listings_and_they_crawl(capsys, data_dir, web, monkeypatch):
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    base = web.base_url("villebelle")
    result = run(capsys, "sources", "add", base + "/", "--type", "local-authority", "--data-dir", data_dir)
    assert result.code == 0, result.err
    assert "a Decidim platform (the layout's Decidim.config script)" in result.err
    source = listed(capsys, data_dir)["Villebelle participe"]
    assert source["tags"] == ["decidim"] and source["language"] == "fr"
    urls = [(c["url"].removeprefix(base), c["confidence"]) for c in source["channels"]]
    assert urls == [("/processes/", "checked"), ("/processes/budget-participatif-2027/f/12/posts/", "checked")]
    assert "/assemblies" in web.requests("villebelle", status=404)  # tried, not there: not proposed
    assert not any("feed" in path for path in web.requests("villebelle"))  # Decidim has none: not probed
    # The proposed channels work with our crawler, run for real.
    engine = App(load_settings(data_dir=data_dir)).engine
    report = crawl(load_settings(data_dir=data_dir).store_url, sources.channel_specs(engine), fast_config())
    assert [c.status for c in report.channels] == ["ok", "ok"], [c.error for c in report.channels]
    titles = {i.title for i in item_store.search(engine, limit=50)}
    assert {"Budget participatif 2027", "Plan climat de Villebelle", "Le vote du budget participatif est ouvert",
            "Quarante projets retenus pour le vote"} <= titles


def test_an_older_platform_is_recognised_by_its_footer(capsys, data_dir, web, monkeypatch):
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    base = web.base_url("montagne")
    result = run(capsys, "sources", "add", base + "/", "--data-dir", data_dir)
    assert result.code == 0 and result.out.strip().endswith(f"and listing {base}/assemblies/")
    not_decidim = run(capsys, "sources", "add", web.base_url("presque") + "/", "--data-dir", data_dir)
    assert "Decidim platform" not in not_decidim.err and "(page " in not_decidim.out
    tags = {s["name"]: s["tags"] for s in listed(capsys, data_dir).values()}
    assert tags["Montagne en commun"] == ["decidim"] and not any(t for n, t in tags.items() if "Installer" in n)
