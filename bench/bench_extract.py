"""Extraction quality and speed on the real pages of ../shared/data.

Corpora (read in place, never copied into the project):

- readability: Mozilla readability's 130 test pages, gold = expected.html,
  dates = expected-metadata.json `publishedTime` (33 pages have one);
- participedia: the 2016 pages of participedia.net with the body extracted by
  the site's own CSS selector (pages whose gold body has fewer than 50 words,
  the empty templates of organisation pages, are left out);
- trafilatura-fr: 25 French pages with snippets that must / must not be in
  the text (no gold body: scored as snippet recall and precision), 19 dates.

Metrics, per page then averaged over pages (so that long pages do not weigh
more), F1 from the averaged precision and recall:

- token P/R/F1: bags of words (\\w+), the tokens both texts share;
- shingle P/R/F1: the same over word 4-grams, the metric of the
  Zyte/Scrapinghub article-extraction benchmark (word order counts);
- date accuracy: the calendar day of the publication date, over the pages
  whose gold has one.

Baseline: BeautifulSoup's get_text() of the whole page, and the first date
written in it. For reference, trafilatura itself with its defaults
(`trafilatura.extract`, its own metadata for the date), which veille builds on.

Speed, on the readability pages: CPU time per page in one process (which
shared machines disturb less), and pages per second (wall clock) in one
process and with two worker processes, for veille, trafilatura with its
defaults and trafilatura's fast mode without metadata; with `--compare FILE`
also for another `extract_page` (keep a copy of the previous
crawlers/extract.py and metadata.py side by side, the copy importing the old
metadata). The extractors take turns within each of --repeat runs; figures
are medians, and the ratio to trafilatura is the figure that holds across
runs on a shared machine.

    .venv/bin/python bench/bench_extract.py [--corpus readability,participedia,trafilatura-fr]
        [--repeat 3] [--limit N] [--json out.json] [--compare old/extract.py]
        [--speed-only | --quality-only] [--extractors veille,get_text,trafilatura]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tarfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.extract import extract_page  # noqa: E402
from crawlers.trafilatura_xpaths import original_queries  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
_TOKEN = re.compile(r"\w+")
_DATE = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)\b|\b(\d{1,2})[/.](\d{1,2})[/.](20\d\d|19\d\d)\b")


@dataclass
class Page:
    corpus: str
    name: str
    html: bytes
    url: str | None = None
    gold: str | None = None  # main text
    gold_date: date | None = None
    must: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


# --- corpora --------------------------------------------------------------------------


def gold_text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return " ".join(" ".join(root.itertext()).split())


def readability_pages() -> list[Page]:
    pages = []
    with tarfile.open(SHARED / "readability-testpages" / "all_test_pages.tar.gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for name in sorted(n for n in members if n.endswith("/source.html")):
            folder = name.rsplit("/", 1)[0]
            meta = json.loads(tar.extractfile(members[f"{folder}/expected-metadata.json"]).read())
            expected = tar.extractfile(members[f"{folder}/expected.html"]).read().decode("utf-8", "replace")
            published = (meta.get("publishedTime") or "")[:10]
            pages.append(Page("readability", folder.split("/")[-1], tar.extractfile(members[name]).read(),
                              gold=gold_text(expected), gold_date=_iso_day(published)))
    return pages


def participedia_pages() -> list[Page]:
    pages = []
    with tarfile.open(SHARED / "participedia-v2" / "html_all_pages.tar.gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for name in sorted((n for n in members if n.isdigit()), key=int):
            if f"{name}.json" not in members:
                continue
            gold = gold_text(json.loads(tar.extractfile(members[f"{name}.json"]).read()).get("htmlbody") or "")
            if len(gold.split()) >= 50:
                pages.append(Page("participedia", name, tar.extractfile(members[name]).read(),
                                  url=f"http://www.participedia.net/{name}", gold=gold))
    return pages


def trafilatura_fr_pages() -> list[Page]:
    folder = SHARED / "trafilatura-eval-fr"
    evaldata = json.loads((folder / "evaldata_fr.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in evaldata.items():
        path = folder / "html" / entry["file"]
        if path.exists():
            pages.append(Page("trafilatura-fr", entry["file"], path.read_bytes(), url=url,
                              gold_date=_iso_day(entry.get("date") or ""),
                              must=entry.get("with", []), must_not=entry.get("without", [])))
    return pages


CORPORA = {"readability": readability_pages, "participedia": participedia_pages, "trafilatura-fr": trafilatura_fr_pages}


def _iso_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# --- extractors -----------------------------------------------------------------------


def veille(page: Page) -> tuple[str, date | None]:
    extracted = extract_page(page.html, page.url)
    return extracted.text, extracted.published.date() if extracted.published else None


def baseline(page: Page) -> tuple[str, date | None]:
    text = BeautifulSoup(page.html, "html.parser").get_text(" ")
    return text, _first_date(text)


def _first_date(text: str) -> date | None:
    for match in _DATE.finditer(text):
        try:
            if match.group(1):
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            return date(int(match.group(6)), int(match.group(5)), int(match.group(4)))
        except ValueError:
            continue
    return None


def trafilatura_default(page: Page) -> tuple[str, date | None]:
    import trafilatura

    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True, include_comments=False)
    if document is None:
        return "", None
    return document.text or "", _iso_day(document.date or "")


EXTRACTORS = {"veille": veille, "get_text": baseline, "trafilatura": trafilatura_default}


# --- metrics --------------------------------------------------------------------------


def overlap(gold: list, predicted: list) -> tuple[float, float]:
    """(precision, recall) of two multisets, as the Zyte benchmark scores them."""
    g, p = Counter(gold), Counter(predicted)
    shared = sum((g & p).values())
    if not gold and not predicted:
        return 1.0, 1.0
    precision = shared / sum(p.values()) if predicted else 0.0
    recall = shared / sum(g.values()) if gold else 0.0
    return precision, recall


def shingles(tokens: list[str], n: int = 4) -> list[tuple]:
    return [tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))] if tokens else []


def score(pages: list[Page], results: list[tuple[str, date | None]]) -> dict:
    token_p, token_r, shingle_p, shingle_r, dates, snippets_in, snippets_out = [], [], [], [], [], [], []
    for page, (text, found_date) in zip(pages, results):
        if page.gold is not None:
            gold_tokens, tokens = _TOKEN.findall(page.gold), _TOKEN.findall(text)
            p, r = overlap(gold_tokens, tokens)
            token_p.append(p), token_r.append(r)
            p, r = overlap(shingles(gold_tokens), shingles(tokens))
            shingle_p.append(p), shingle_r.append(r)
        if page.gold_date is not None:
            dates.append(found_date == page.gold_date)
        flat = " ".join(text.split())
        snippets_in += [" ".join(s.split()) in flat for s in page.must]
        snippets_out += [" ".join(s.split()) not in flat for s in page.must_not]
    return {
        "pages": len(pages),
        **_prf("token", token_p, token_r),
        **_prf("shingle", shingle_p, shingle_r),
        "date_accuracy": _mean(dates), "dated_pages": len(dates),
        "must_found": _mean(snippets_in), "must_not_absent": _mean(snippets_out),
    }


def _prf(name: str, precisions: list[float], recalls: list[float]) -> dict:
    if not precisions:
        return {}
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    return {f"{name}_precision": p, f"{name}_recall": r, f"{name}_f1": 2 * p * r / (p + r) if p + r else 0.0}


def _mean(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


# --- speed ---------------------------------------------------------------------------
#
# Shared machines drift by tens of percent between runs: every extractor is
# timed in the same run, in alternation, and the ratios are what to read.


# trafilatura's rows run with its own queries: importing crawlers.extract
# replaced them with veille's cheaper ones (crawlers/trafilatura_xpaths.py).


def trafilatura_fast_text(html: bytes, url: str | None) -> str:
    """trafilatura's fast mode without metadata: the floor veille builds on."""
    import trafilatura

    with original_queries():
        document = trafilatura.bare_extraction(html, url=url, fast=True, include_comments=False)
    return document.text if document is not None else ""


def trafilatura_default_text(html: bytes, url: str | None) -> str:
    import trafilatura

    with original_queries():
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    return document.text if document is not None else ""


# name -> function(html, url); `--compare FILE` adds "compare" (another extract_page, e.g. the previous version).
SPEED_EXTRACTORS = {
    "veille": lambda html, url: extract_page(html, url).text,
    "trafilatura": trafilatura_default_text,
    "trafilatura_fast": trafilatura_fast_text,
}


def _extract_one(job):
    name, html, url = job
    return SPEED_EXTRACTORS[name](html, url)


def cpu_ms_per_page(pages: list[Page], names: list[str], repeat: int) -> dict[str, float]:
    """Median CPU time per page of each extractor in this process, the extractors taking turns."""
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # models, caches and lazy imports loaded
        for page in pages[:5]:
            _extract_one((name, page.html, page.url))
    for _ in range(repeat):
        for name in names:
            started = time.process_time()
            for page in pages:
                _extract_one((name, page.html, page.url))
            times[name].append(1000 * (time.process_time() - started) / len(pages))
    return {name: statistics.median(values) for name, values in times.items()}


def pages_per_second(pages: list[Page], names: list[str], workers: int, repeat: int) -> dict[str, float]:
    """Median wall-clock pages/s of each extractor, in this process (workers=0) or a pool, taking turns."""
    rates: dict[str, list[float]] = {name: [] for name in names}
    pool = ProcessPoolExecutor(workers) if workers else None
    try:
        if pool:  # warm the workers up
            list(pool.map(_extract_one, [(n, p.html, p.url) for n in names for p in pages[: workers * 2]]))
        for _ in range(repeat):
            for name in names:
                jobs = [(name, p.html, p.url) for p in pages]
                started = time.perf_counter()
                if pool:
                    list(pool.map(_extract_one, jobs, chunksize=4))
                else:
                    for job in jobs:
                        _extract_one(job)
                rates[name].append(len(jobs) / (time.perf_counter() - started))
    finally:
        if pool:
            pool.shutdown()
    return {name: statistics.median(values) for name, values in rates.items()}


def load_compare(path: Path) -> None:
    """Time another `extract_page` (a copy of an earlier crawlers/extract.py) beside veille's."""
    import importlib.util

    sys.path.insert(0, str(path.resolve().parent))  # its own imports (an earlier metadata.py) beside it
    spec = importlib.util.spec_from_file_location("compare_extract", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    if "trafilatura_xpaths" in path.read_text(encoding="utf-8"):
        SPEED_EXTRACTORS["compare"] = lambda html, url: module.extract_page(html, url).text
    else:  # a copy from before veille tuned trafilatura's queries runs with trafilatura's own
        SPEED_EXTRACTORS["compare"] = _with_original_queries(module.extract_page)


def _with_original_queries(extract):
    def text(html, url):
        with original_queries():
            return extract(html, url).text
    return text


def speed(pages: list[Page], repeat: int) -> dict:
    names = list(SPEED_EXTRACTORS)
    load_before = os.getloadavg()[0]
    report = {
        "cpu_ms_per_page": cpu_ms_per_page(pages, names, repeat),
        "pages_per_s_1_process": pages_per_second(pages, names, 0, repeat),
        "pages_per_s_2_workers": pages_per_second(pages, names, 2, repeat),
    }
    report["load_average"] = [load_before, os.getloadavg()[0]]
    report["cpus"] = os.cpu_count()
    return report


# --- report ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=",".join(CORPORA), help="comma-separated: " + ", ".join(CORPORA))
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per corpus (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs for the speed figures (median)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", type=Path, help="a copy of an earlier crawlers/extract.py to time beside veille")
    parser.add_argument("--speed-only", action="store_true", help="skip the quality figures")
    parser.add_argument("--quality-only", action="store_true", help="skip the speed figures")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS),
                        help="quality figures for these: " + ", ".join(EXTRACTORS))
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data absent: {SHARED}")
    report = {}
    for corpus in [] if args.speed_only else args.corpus.split(","):
        pages = CORPORA[corpus]()
        pages = pages[: args.limit] if args.limit else pages
        report[corpus] = {name: score(pages, [EXTRACTORS[name](p) for p in pages]) for name in args.extractors.split(",")}
        _print(corpus, report[corpus])
    if not args.quality_only:
        if args.compare:
            load_compare(args.compare)
        report["speed"] = speed(CORPORA["readability"]()[: args.limit or None], args.repeat)
        _print_speed(report["speed"], args.repeat)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def _print_speed(figures: dict, repeat: int) -> None:
    load = figures["load_average"]
    print(f"\nspeed on the readability pages, median of {repeat} runs taking turns "
          f"({figures['cpus']} CPUs, load average {load[0]:.1f} before, {load[1]:.1f} after)")
    print(f"  {'':17}{'CPU ms/page':>12}{'x trafilatura':>14}{'pages/s 1 proc':>16}{'pages/s 2 workers':>19}")
    reference = figures["cpu_ms_per_page"]["trafilatura"]
    for name, ms in figures["cpu_ms_per_page"].items():
        print(f"  {name:17}{ms:>12.1f}{ms / reference:>14.2f}{figures['pages_per_s_1_process'][name]:>16.1f}"
              f"{figures['pages_per_s_2_workers'][name]:>19.1f}")


def _print(corpus: str, results: dict) -> None:
    print(f"\n{corpus} ({next(iter(results.values()))['pages']} pages)")
    keys = [k for k in ("token_precision", "token_recall", "token_f1", "shingle_precision", "shingle_recall",
                        "shingle_f1", "date_accuracy", "must_found", "must_not_absent")
            if any(r.get(k) is not None for r in results.values())]
    print(f"  {'':10}" + "".join(f"{k:>18}" for k in keys))
    for name, figures in results.items():
        print(f"  {name:10}" + "".join(f"{figures.get(k) if figures.get(k) is not None else float('nan'):>18.3f}"
                                       for k in keys))


if __name__ == "__main__":
    main()
