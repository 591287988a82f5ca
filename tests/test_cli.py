"""The scriptable contract of `veille`, driven as a user or a script would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run
from veille.demo.server import FixtureWeb, error_500, load_manifest

SITES = {s["name"]: s for s in load_manifest()}


@pytest.fixture
def data_dir(tmp_path) -> str:
    return str(tmp_path / "data")


@pytest.fixture
def web():
    with FixtureWeb(extra_routes={"panne": error_500}) as fw:
        yield fw


def add(capsys, data_dir, url, *extra):
    return run(capsys, "sources", "add", url, "--data-dir", data_dir, *extra)


def test_loopback_sources_are_refused_by_default(capsys, data_dir, web):
    result = add(capsys, data_dir, web.base_url("asso") + "/feed/")
    assert result.code == 1
    assert result.err.startswith("veille: error: refused http://127.0.0.1:")
    assert "Traceback" not in result.err
    assert json.loads(run(capsys, "sources", "list", "--json", "--data-dir", data_dir).out) == []


def test_crawl_json_reports_every_channel_and_goes_on_past_a_failing_site(capsys, data_dir, web, monkeypatch):
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("VEILLE_CRAWL_DELAY", "0")
    monkeypatch.setenv("VEILLE_CRAWL_TIMEOUT", "5")
    assert add(capsys, data_dir, web.base_url("asso") + "/feed/", "--name", "Parlons Ensemble").code == 0
    assert add(capsys, data_dir, web.base_url("panne") + "/feed/", "--name", "Site en panne").code == 0
    listed = json.loads(run(capsys, "sources", "list", "--json", "--data-dir", data_dir).out)
    assert [s["name"] for s in listed] == ["Parlons Ensemble", "Site en panne"]

    result = run(capsys, "crawl", "--json", "--data-dir", data_dir)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["new"] == 7 and report["errors"] >= 1
    assert {"fetched", "new", "duplicates", "errors", "channels"} <= set(report)
    by_url = {c["url"]: c for c in report["channels"]}
    broken = by_url[web.base_url("panne") + "/feed/"]
    assert broken["status"] == "error" and "500" in broken["error"]
    assert by_url[web.base_url("asso") + "/feed/"]["status"] == "ok"

    again = json.loads(run(capsys, "crawl", "--json", "--data-dir", data_dir).out)
    assert again["new"] == 0  # nothing new on an unchanged site

    listed = json.loads(run(capsys, "sources", "list", "--json", "--data-dir", data_dir).out)
    health = listed[1]["channels"][0]
    assert health["consecutive_failures"] == 2 and "500" in health["last_error"]

    items = json.loads(run(capsys, "search", "--json", "--limit", "50", "--data-dir", data_dir).out)
    assert len(items) == 7
    for item in items:
        assert item["url"].startswith(web.base_url("asso")) and item["source"] == "Parlons Ensemble"
        assert item["title"] and item["collected"] and item["published"]
        assert isinstance(item["themes"], list)

    one = run(capsys, "crawl", "--source", str(listed[0]["id"]), "--json", "--data-dir", data_dir)
    assert [c["url"] for c in json.loads(one.out)["channels"]] == [web.base_url("asso") + "/feed/"]
    assert run(capsys, "crawl", "--source", "999", "--data-dir", data_dir).err.startswith(
        "veille: error: no source with id 999"
    )


def test_extract_json_one_line_per_input(capsys, data_dir, tmp_path):
    page = sorted((Path(__file__).parents[1] / "veille/demo/sites/asso/2026").rglob("index.html"))[0]
    result = run(capsys, "extract", str(page), str(tmp_path / "missing.html"), "--json", "--data-dir", data_dir)
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["input"] for line in lines] == [str(page), str(tmp_path / "missing.html")]
    assert lines[0]["title"] and len(lines[0]["text"]) > 300 and lines[0]["language"] == "fr"
    assert "error" in lines[1] and result.code == 1


def test_extract_reads_the_pages_of_a_directory(capsys, data_dir, tmp_path):
    site = Path(__file__).parents[1] / "veille/demo/sites/asso/2026"
    pages = sorted(site.rglob("index.html"))[:2]
    folder = tmp_path / "pages"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "second.htm").write_bytes(pages[1].read_bytes())
    (folder / "a.html").write_bytes(pages[0].read_bytes())
    (folder / "notes.txt").write_text("not a page")
    (tmp_path / "empty").mkdir()
    result = run(capsys, "extract", str(folder), str(tmp_path / "empty"), "--json", "--data-dir", data_dir)
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["input"] for line in lines] == [str(folder / "a.html"), str(folder / "b" / "second.htm"),
                                                 str(tmp_path / "empty")]
    assert lines[0]["text"] and lines[1]["text"] and lines[0]["title"] != lines[1]["title"]
    assert "without any HTML file" in lines[2]["error"] and result.code == 1


def test_newsletter_build_writes_the_file(capsys, data_dir, tmp_path):
    out = tmp_path / "lettre.html"
    result = run(capsys, "newsletter", "build", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--out", str(out), "--data-dir", data_dir)
    assert result.code == 0 and result.out.splitlines()[-1] == str(out)
    assert "Aucun article retenu" in out.read_text()
    bad = run(capsys, "newsletter", "build", "--from", "2026-12-01", "--to", "2026-11-01", "--data-dir", data_dir)
    assert bad.code == 2 and "--from must not be after --to" in bad.err
