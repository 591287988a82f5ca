"""Language identification: veille's guess_language against py3langid alone.

`crawlers.extract.guess_language` names the language of the pages and feed
items that do not state it. CLD2 (pycld2, compiled in) answers first and
py3langid only for what CLD2 is not sure of. This bench measures, on real texts
of ../shared/data whose language is known, the accuracy of each, their time per
text, and how often veille still needs py3langid (each process that needs it
loads its 68 MB model first, 0.5 s of CPU).

Sets (read in place):
- labelled items: train.jsonl and classifier/labels (title + ~600 characters, fr / en);
- readability pages: the text veille extracts from the test pages whose expected
  metadata gives a language;
- French pages: trafilatura's French evaluation set, extracted the same way;
- titles: the titles of train.jsonl of 40 characters or more (what a feed
  entry without a summary gives).

    .venv/bin/python bench/bench_language.py
"""

from __future__ import annotations

import json
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import py3langid  # noqa: E402

import crawlers.extract as extract  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def labelled_items() -> list[tuple[str, str]]:
    files = [SHARED / "labels" / "train.jsonl", *sorted((REPO / "classifier" / "labels").glob("*.jsonl"))]
    rows = []
    for path in files:
        for line in path.read_text().splitlines():
            item = json.loads(line)
            if item.get("lang"):
                rows.append((item["lang"], f"{item.get('title') or ''}. {item['text']}"))
    return rows


def readability_pages() -> list[tuple[str, str]]:
    rows, pages = [], {}
    with tarfile.open(SHARED / "readability-testpages" / "all_test_pages.tar.gz") as tar:
        for member in tar.getmembers():
            folder, _, name = member.name.rpartition("/")
            if name in ("source.html", "expected-metadata.json"):
                pages.setdefault(folder, {})[name] = tar.extractfile(member).read()
    for files in pages.values():
        language = (json.loads(files.get("expected-metadata.json", b"{}")).get("lang") or "")[:2].lower()
        text = extract.extract_page(files["source.html"]).text if "source.html" in files else ""
        if language and len(text) >= extract.MIN_TEXT_FOR_LANGUAGE_GUESS:
            rows.append((language, text))
    return rows


def french_pages() -> list[tuple[str, str]]:
    texts = [extract.extract_page(p.read_bytes()).text
             for p in sorted((SHARED / "trafilatura-eval-fr" / "html").glob("*.html"))]
    return [("fr", t) for t in texts if len(t) >= extract.MIN_TEXT_FOR_LANGUAGE_GUESS]


def titles() -> list[tuple[str, str]]:
    items = [json.loads(line) for line in (SHARED / "labels" / "train.jsonl").read_text().splitlines()]
    return [(i["lang"], i["title"]) for i in items if i.get("lang") and len(i.get("title") or "") >= 40]


def py3langid_alone(text: str) -> str:
    return py3langid.classify(text[:5000])[0]


def measure(rows, guess) -> tuple[float, float]:
    start = time.perf_counter()
    answers = [guess(text) for _, text in rows]
    ms = (time.perf_counter() - start) / len(rows) * 1000
    return sum(a == gold for a, (gold, _) in zip(answers, rows)) / len(rows), ms


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"shared data absent: {SHARED}")
    py3langid.classify("chargement")  # the model's load is not the texts' time
    fallbacks = [0]
    original = py3langid.classify

    def counted(text):
        fallbacks[0] += 1
        return original(text)

    print(f"{'set':28}{'texts':>7}{'py3langid':>11}{'ms':>7}{'veille':>9}{'ms':>7}{'py3langid needed':>18}")
    for name, load in (("labelled items", labelled_items), ("readability pages", readability_pages),
                       ("French pages", french_pages), ("titles", titles)):
        rows = load()
        alone, alone_ms = measure(rows, py3langid_alone)
        fallbacks[0] = 0
        py3langid.classify = counted
        try:
            veille, veille_ms = measure(rows, extract.guess_language)
        finally:
            py3langid.classify = original
        print(f"{name:28}{len(rows):>7}{alone:>11.4f}{alone_ms:>7.3f}{veille:>9.4f}{veille_ms:>7.3f}"
              f"{fallbacks[0]:>10} ({fallbacks[0] / len(rows):.1%})")


if __name__ == "__main__":
    main()
