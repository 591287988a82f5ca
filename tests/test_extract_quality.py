"""Quality floors of the extraction on real pages of ../shared/data.

Like trafilatura's own tests, the floors are pinned here and never lowered
silently: a change that makes extraction worse fails. The full measurement,
with the get_text() baseline and the speed, is bench/bench_extract.py; these
are small samples of the same corpora, so that the suite stays fast.
"""

from __future__ import annotations

import json
import re
import statistics
import tarfile
from collections import Counter
from copy import deepcopy
from datetime import date

import lxml.html
import pytest

from crawlers.extract import extract_page
from tests.conftest import shared_path

_TOKEN = re.compile(r"\w+")


def gold_text(fragment: str) -> str:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return " ".join(" ".join(root.itertext()).split())


def precision_recall(gold: str, found: str) -> tuple[float, float]:
    g, f = Counter(_TOKEN.findall(gold)), Counter(_TOKEN.findall(found))
    shared = sum((g & f).values())
    return (shared / sum(f.values()) if f else 0.0), (shared / sum(g.values()) if g else 0.0)


def f1(pairs: list[tuple[float, float]]) -> float:
    p, r = statistics.mean(x for x, _ in pairs), statistics.mean(y for _, y in pairs)
    return 2 * p * r / (p + r)


def test_participedia_case_pages():
    folder = shared_path("participedia-v2", "html_sample")
    pairs = []
    for expected in sorted(folder.glob("*.expected.json")):
        gold = gold_text(json.loads(expected.read_text(encoding="utf-8"))["htmlbody"])
        if len(gold.split()) < 50:  # the empty templates of organisation pages
            continue
        html = expected.with_name(expected.name.replace(".expected.json", ".html")).read_bytes()
        pairs.append(precision_recall(gold, extract_page(html, "http://www.participedia.net/").text))
    assert len(pairs) >= 15
    assert f1(pairs) >= 0.95, f"token F1 {f1(pairs):.3f} on {len(pairs)} pages"  # measured 0.953


def test_french_news_pages_of_the_readability_set():
    folder = shared_path("readability-testpages", "fr")
    pairs = []
    for page in sorted(folder.iterdir()):
        gold = gold_text((page / "expected.html").read_text(encoding="utf-8"))
        found = extract_page((page / "source.html").read_bytes())
        pairs.append(precision_recall(gold, found.text))
        meta = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        assert found.language == meta.get("lang", "fr")[:2]
    assert f1(pairs) >= 0.97, f"token F1 {f1(pairs):.3f}"  # measured 0.999


def test_all_readability_test_pages():
    """Mozilla readability's 130 pages, in ten languages and many layouts (5 s)."""
    pairs, dates = [], []
    with tarfile.open(shared_path("readability-testpages", "all_test_pages.tar.gz")) as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for name in sorted(n for n in members if n.endswith("/source.html")):
            folder = name.rsplit("/", 1)[0]
            gold = gold_text(tar.extractfile(members[f"{folder}/expected.html"]).read().decode("utf-8", "replace"))
            found = extract_page(tar.extractfile(members[name]).read())
            pairs.append(precision_recall(gold, found.text))
            published = json.loads(tar.extractfile(members[f"{folder}/expected-metadata.json"]).read()).get("publishedTime")
            if published:
                dates.append(found.published is not None and found.published.date().isoformat() == published[:10])
    assert len(pairs) >= 130
    assert f1(pairs) >= 0.954, f"token F1 {f1(pairs):.3f}"  # measured 0.958 (bench/bench_extract.py)
    assert len(dates) >= 30 and sum(dates) / len(dates) >= 0.95, f"{sum(dates)}/{len(dates)} dates right"  # 33/33


@pytest.fixture(scope="module")
def french_pages():
    folder = shared_path("trafilatura-eval-fr")
    evaldata = json.loads((folder / "evaldata_fr.json").read_text(encoding="utf-8"))
    results = []
    for url, entry in evaldata.items():
        page = extract_page((folder / "html" / entry["file"]).read_bytes(), url)
        results.append((entry, page))
    return results


def test_french_pages_keep_what_they_must_and_drop_what_they_must_not(french_pages):
    kept = [" ".join(s.split()) in " ".join(p.text.split()) for e, p in french_pages for s in e.get("with", [])]
    dropped = [" ".join(s.split()) not in " ".join(p.text.split()) for e, p in french_pages for s in e.get("without", [])]
    assert sum(kept) / len(kept) >= 0.90, f"{sum(kept)}/{len(kept)} snippets found"
    assert sum(dropped) / len(dropped) >= 0.90, f"{sum(dropped)}/{len(dropped)} furniture snippets left out"


def test_publication_dates_of_french_pages(french_pages):
    dated = [(date.fromisoformat(e["date"]), p.published.date() if p.published else None)
             for e, p in french_pages if e.get("date")]
    right = sum(gold == found for gold, found in dated)
    assert len(dated) >= 15 and right / len(dated) >= 0.84, f"{right}/{len(dated)} dates right"


def test_our_parser_builds_the_tree_trafilatura_would():
    """parse_html is trafilatura's load_html made cheaper: any difference in the tree is a defect
    (a trafilatura upgrade that changes load_html shows up here)."""
    from lxml import etree
    from trafilatura.utils import load_html

    from crawlers.extract import parse_html

    odd = [b"", b"not html at all", "<!DOCTYPE html/>\n<html/><p>caf\u00e9 \x07bell</p>".encode(),
           b"<?xml version='1.0' encoding='latin-1'?><html><body><p>\xe9t\xe9</p></body></html>",
           "<html><body><p>\ufffe and \x0b</p></body></html>"]
    with tarfile.open(shared_path("readability-testpages", "all_test_pages.tar.gz")) as tar:
        pages = [tar.extractfile(m).read() for m in tar.getmembers() if m.name.endswith("/source.html")]
    for page in odd + pages:
        ours, theirs = parse_html(page), load_html(page)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert etree.tostring(ours) == etree.tostring(theirs)


def test_trafilatura_queries_and_their_cheaper_replacements_select_the_same_elements():
    """crawlers.trafilatura_xpaths rewrites trafilatura's queries; on every readability page,
    raw and as trafilatura cleans it, each replacement selects what the original selects."""
    from trafilatura.htmlprocessing import tree_cleaning
    from trafilatura.settings import Extractor

    from crawlers.extract import drop_inert, parse_html
    from crawlers.trafilatura_xpaths import REPLACED

    with tarfile.open(shared_path("readability-testpages", "all_test_pages.tar.gz")) as tar:
        pages = [tar.extractfile(m).read() for m in tar.getmembers() if m.name.endswith("/source.html")]
    selected = 0
    for page in pages:
        raw = parse_html(page)
        drop_inert(raw)
        for tree in (raw, tree_cleaning(deepcopy(raw), Extractor())):
            for original, replacement in REPLACED:
                found = original(tree)
                assert replacement(tree) == found, original.path
                selected += len(found)
    assert selected > 1000  # the queries do select elements on these pages
