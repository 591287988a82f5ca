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

Speed: pages per second on the readability pages, in one process and with
two worker processes (wall clock, median of --repeat runs), and the CPU time
per page in one process, which shared machines disturb less.

    .venv/bin/python bench/bench_extract.py [--corpus readability,participedia,trafilatura-fr]
        [--repeat 3] [--limit N] [--json out.json]
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


# --- speed ----------------------------------------------------------------------------


def _extract_one(args):
    html, url = args
    return extract_page(html, url).text


def cpu_ms_per_page(pages: list[Page]) -> float:
    for page in pages[:5]:  # models and caches loaded
        _extract_one((page.html, page.url))
    started = time.process_time()
    for page in pages:
        _extract_one((page.html, page.url))
    return 1000 * (time.process_time() - started) / len(pages)


def pages_per_second(pages: list[Page], workers: int, repeat: int) -> float:
    """Median pages/s of `veille` extraction, in this process (workers=0) or a pool."""
    jobs = [(p.html, p.url) for p in pages]
    rates = []
    pool = ProcessPoolExecutor(workers) if workers else None
    try:
        if pool:
            list(pool.map(_extract_one, jobs[: workers * 2]))  # warm the workers up
        for _ in range(repeat):
            started = time.perf_counter()
            if pool:
                list(pool.map(_extract_one, jobs, chunksize=4))
            else:
                for job in jobs:
                    _extract_one(job)
            rates.append(len(jobs) / (time.perf_counter() - started))
    finally:
        if pool:
            pool.shutdown()
    return statistics.median(rates)


# --- report ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=",".join(CORPORA), help="comma-separated: " + ", ".join(CORPORA))
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per corpus (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs for the speed figures (median)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data absent: {SHARED}")
    report = {}
    for corpus in args.corpus.split(","):
        pages = CORPORA[corpus]()
        pages = pages[: args.limit] if args.limit else pages
        report[corpus] = {name: score(pages, [extractor(p) for p in pages]) for name, extractor in EXTRACTORS.items()}
        _print(corpus, report[corpus])
    speed_pages = CORPORA["readability"]()[: args.limit or None]
    report["speed_pages_per_s"] = {
        "veille_1_process": pages_per_second(speed_pages, 0, args.repeat),
        "veille_2_workers": pages_per_second(speed_pages, 2, args.repeat),
    }
    report["cpu_ms_per_page"] = cpu_ms_per_page(speed_pages)
    print(f"\nspeed on the readability pages (median of {args.repeat}): "
          + ", ".join(f"{k} {v:.1f} pages/s" for k, v in report["speed_pages_per_s"].items())
          + f"; {report['cpu_ms_per_page']:.1f} ms of CPU per page, i.e. "
          f"{1000 / report['cpu_ms_per_page']:.0f} pages/s per core; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


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
