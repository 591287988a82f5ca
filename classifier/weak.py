"""Weak labels: codebook tags read off the corpora's own tags, for down-weighted training rows.

Participedia's cases say what each process was for ("influence-kind"), which
methods it used and at what scale; 18F's posts and beta.gouv's start-ups carry
their authors' tags. Where a tag maps onto the codebook defensibly, an item
gets that label; every other dimension of the row stays unknown
(`Example.unknown`), so the heads learn only what the tags say. Rows are
weighted `ModelConfig.weak_weight` in the heads and never enter calibration,
thresholds or the figures. The mappings, and how often they agree with the
hand labels of `labels/other-extra.jsonl`, are in labels/README.md.

Leaks: an item measured (the examples being trained on) or labelled by hand
is never a weak row, and neither is its near-twin (a translation of a
Participedia case shares its title's rare words; a template case shares its
text's 5-word shingles).

Texts are built as train.jsonl builds them (labels/README.md): 600 characters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterator

from classifier.data import Example

TEXT_CHARS = 600
MIN_CHARS = 500  # every corpus item of train.jsonl has at least this much text
CORPORA = ("participedia", "18f", "betagouv-startup")
DIMENSIONS = ("relevance", "purpose", "themes", "kind")
WEAK_FILES = {"participedia": "participedia-v2/cases.jsonl", "18f": "18f-blog/posts.jsonl",
              "betagouv-startup": "betagouv-startups/startups.jsonl"}

# --- Participedia ----------------------------------------------------------------------

_INFLUENCE_COPRODUCTION = ("Consultation", "Co-governance", "Make public decisions", "Collaborative delivery")
_MOBILISATION_METHODS = {"Community Organizing", "Petition", "Strike"}
_THEME_METHODS = {
    "participatory-budgeting": {"Participatory Budgeting", "Yanjian Model of Participatory Budgeting"},
    "consultation": {"Online Consultations", "Public Hearing", "Citizen Advisory Board", "Crowdsourcing",
                     "Citizen Dialogue"},
    "deliberation": {"Deliberation", "Deliberative Polling", "Citizens' Jury", "Citizen Conferences",
                     "Consensus Conference", "21st Century Town Meeting", "Deliberative Democracy",
                     "Online deliberation", "e-Deliberation™", "Citizens' Initiative Review",
                     "Citizens' Reference Panel", "Civic Lottery", "Citizens’ Assembly",
                     "Japanese Consensus Conference", "Deliberation day", "Choicework Dialogue"},
    "petition": {"Petition", "European Citizens' Initiative", "Initiative Process"},
    "elections": {"Election Monitoring", "Citizens' Initiative Review", "Direct Democracy",
                  "Electronic Direct Democracy"},
}
_THEME_TOPICS = {  # 'issue-area-other' (specific topics) and 'tags', lowercased
    "participatory-budgeting": ("participatory budget", "budget allocation"),
    "open-government": ("government transparency", "open government", "corruption"),
    "law-regulation": ("constitutional reform", "drafted legislation", "lawmaking", "legislation"),
    "elections": ("electoral reform", "electoral system"),
}
_INCLUSION_ISSUES = {"Children & Youth", "Aging", "Identity & Diversity", "Immigration"}


def participedia_labels(fields: dict) -> dict:
    """Relevant (every case is a participatory process), kind publication (Ruling 9), purpose, themes."""
    values = {name: field.get("values") or [] for name, field in fields.items()}
    influence, methods = values.get("influence-kind", []), set(values.get("methods", []))
    topics = " | ".join(values.get("issue-area-other", []) + values.get("tags", [])).lower()
    themes = {t for t, ms in _THEME_METHODS.items() if methods & ms}
    themes |= {t for t, words in _THEME_TOPICS.items() if any(w in topics for w in words)}
    if any(s.startswith("Local") for s in values.get("geographical-scope", [])):
        themes.add("local-democracy")
    if set(values.get("issue-area", [])) & _INCLUSION_ISSUES:
        themes.add("digital-inclusion")
    labels = {"relevant": True, "kind": "publication", "themes": sorted(themes)}
    public_body = any(i.startswith(_INFLUENCE_COPRODUCTION) for i in influence)
    if (methods & _MOBILISATION_METHODS or "Protest" in influence) and not public_body:
        labels["purpose"] = "mobilisation"
    elif public_body:
        labels["purpose"] = "coproduction"
    elif influence and all(i.startswith(("Raise public awareness", "Develop individual")) for i in influence):
        labels["purpose"] = "information"
    return labels  # no purpose: unknown


def _participedia_item(row: dict, prefix: str) -> tuple:
    return (f"{prefix}-pp-{row['node_id']}", "participedia", "en", row["title"],
            " ".join(row["body_text"].split()), "participedia.net" + row["canonical"])


# --- 18F -------------------------------------------------------------------------------

# Tags whose posts are about opening data or government to the public (Ruling 6).
_18F_RELEVANT = {"open data": ["open-data"], "open government": ["open-government"],
                 "transparency": ["open-government"], "fec.gov": ["elections", "open-data"],
                 "useiti": ["open-data", "open-government"], "hackathons": [],
                 "accessibility": ["digital-inclusion"]}
# Tags of the agency's own craft (Ruling 6: "internal tools, agile or UX methods alone: no").
_18F_INTERNAL = {"how we work", "agile", "acquisition services", "procurement", "security", "agile bpa",
                 "communication tools and practices", "culture change", "culture", "technical debt",
                 "devops", "https", "cloud.gov", "federalist", "onboarding", "staff profiles",
                 "collaboration tools", "modular contracting", "content design", "lessons learned",
                 "tools you can use", "modern practices", "transformation services", "10x",
                 "agile bpa", "micro-purchase platforms", "product", "platforms", "training"}


def f18_labels(tags: list[str]) -> dict | None:
    tags = {t.lower() for t in tags}
    if "join us" in tags:
        return {"kind": "call"}  # job posts: relevance varies (a PIF call is, a TTS job is not)
    positive = tags & set(_18F_RELEVANT)
    if positive:
        return {"relevant": True, "themes": sorted({t for tag in positive for t in _18F_RELEVANT[tag]})}
    if tags and tags <= _18F_INTERNAL:
        return {"relevant": False}
    return None


def _18f_item(row: dict, prefix: str) -> tuple:
    return (f"{prefix}-18f-{row['slug']}", "18f", "en", row["title"], _stripped(row["body_markdown"] or ""),
            "18f.gsa.gov/" + row["slug"])


# --- beta.gouv start-ups -----------------------------------------------------------------

_STARTUP_THEMES = {"démocratie": [], "inclusion numérique": ["digital-inclusion"]}


def startup_labels(thematiques: list[str]) -> dict | None:
    tags = {t.strip().lower() for t in thematiques}
    if tags & set(_STARTUP_THEMES):
        return {"relevant": True, "kind": "news",
                "themes": sorted({t for tag in tags & set(_STARTUP_THEMES) for t in _STARTUP_THEMES[tag]})}
    return None


def _startup_item(row: dict, prefix: str) -> tuple:
    text = f"{row.get('mission') or ''} {_stripped(row.get('body_markdown') or '')}"
    return (f"{prefix}-bgs-{row['id']}", "betagouv-startup", "fr", row["title"], " ".join(text.split()),
            (row.get("link") or "").strip())


# corpus -> (its item as train.jsonl builds it, the labels its own tags give or None)
_CORPORA = {
    "participedia": (_participedia_item, lambda row: participedia_labels(row["fields"])),
    "18f": (_18f_item, lambda row: f18_labels(row.get("tags") or [])),
    "betagouv-startup": (_startup_item, lambda row: startup_labels(row.get("thematiques") or [])),
}


def corpus_rows(corpus: Path, name: str) -> Iterator[dict]:
    """The records of one corpus (a name of CORPORA), as its file gives them."""
    with (corpus / WEAK_FILES[name]).open(encoding="utf-8") as lines:
        yield from map(json.loads, lines)


def corpus_item(name: str, row: dict, prefix: str) -> tuple[str, str, str, str, str, str]:
    """(id, source, lang, title, text, url) of a record, its text built as train.jsonl builds it (not cut)."""
    return _CORPORA[name][0](row, prefix)


# --- assembling ----------------------------------------------------------------------------

def weak_dimensions(weak_labels: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """("participedia:purpose", "18f:relevance", ...) -> {corpus: dimensions}, corpora in CORPORA order."""
    wanted: dict[str, list[str]] = {}
    for entry in weak_labels:
        corpus, _, dimension = entry.partition(":")
        if corpus not in _CORPORA or dimension not in DIMENSIONS:
            raise ValueError(f"unknown weak label {entry!r}: expected <corpus>:<dimension> with a corpus "
                             f"in {CORPORA} and a dimension in {DIMENSIONS}")
        wanted.setdefault(corpus, []).append(dimension)
    return {c: tuple(d for d in DIMENSIONS if d in wanted[c]) for c in CORPORA if c in wanted}


def weak_examples(corpus: Path, name: str, known: list[Example],
                  dimensions: tuple[str, ...] = DIMENSIONS) -> list[Example]:
    """The weak rows of one corpus, minus the items of `known` and their near-twins.

    Only the labels of `dimensions` are given; a row that gets none is left out.
    """
    guard = _LeakGuard(known)
    labels_of = _CORPORA[name][1]
    out = []
    for row in corpus_rows(corpus, name):
        labels = labels_of(row)
        if labels is None:
            continue
        id_, source, lang, title, text, url = corpus_item(name, row, "weak")
        if len(text) < MIN_CHARS or guard.seen(title, text[:TEXT_CHARS], url):
            continue
        example = _example(id_, source, lang, title, text[:TEXT_CHARS], url, labels, dimensions)
        if len(example.unknown) < len(DIMENSIONS):
            out.append(example)
    return out


def _example(id_, source, lang, title, text, url, labels: dict, dimensions) -> Example:
    given = {"relevance" if key == "relevant" else key for key in labels} & set(dimensions)
    unknown = set(DIMENSIONS) - given
    relevant = labels.get("relevant", False)
    return Example(id=id_, title=title, text=text, relevant=relevant, purpose=labels.get("purpose"),
                   themes=tuple(labels.get("themes", ())), kind=labels.get("kind", "news"), lang=lang,
                   source=source, url=url, unknown=frozenset(unknown), extra={"weak": True})


class _LeakGuard:
    """Same URL, same title, a title sharing most of its rare words, or a text sharing 5-word shingles.

    Known items are indexed by title word and by shingle, so that each check
    compares with the few items sharing one, not with all of them.
    """

    def __init__(self, known: list[Example]):
        self.urls = {_url(ex.url) for ex in known if ex.url}
        self.titles = {_fold_words(ex.title) for ex in known}
        self.title_words = [set(_words(ex.title)) for ex in known]
        self.shingles = [_shingles(ex.text) for ex in known]
        self.df = Counter(w for words in self.title_words for w in words)
        self.by_word = _index(self.title_words)
        self.by_shingle = _index(self.shingles)

    def seen(self, title: str, text: str, url: str) -> bool:
        if _url(url) in self.urls or _fold_words(title) in self.titles:
            return True
        rare = {w for w in _words(title) if self.df[w] <= 3}
        for w in (self.title_words[i] for i in _sharing(self.by_word, rare)):
            if len(rare & w) / len(rare | {x for x in w if self.df[x] <= 3}) >= 0.5:
                return True
        mine = _shingles(text)
        near = (self.shingles[i] for i in _sharing(self.by_shingle, mine))
        return any(len(mine & s) / len(mine | s) >= 0.3 for s in near)


def _index(sets: list[set[str]]) -> dict[str, list[int]]:
    """value -> the positions of the sets holding it."""
    index: dict[str, list[int]] = {}
    for i, values in enumerate(sets):
        for value in values:
            index.setdefault(value, []).append(i)
    return index


def _sharing(index: dict[str, list[int]], values: set[str]) -> set[int]:
    return {i for value in values for i in index.get(value, ())}


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return re.findall(r"\w{3,}", _fold(text))


def _fold_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", _fold(text)))


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", _fold(text))
    return {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}


def _url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/").lower()


_MARKDOWN = [(re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""), (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
             (re.compile(r"<[^>]+>"), " "), (re.compile(r"[#*_>`|]+"), " ")]


def _stripped(markdown: str) -> str:
    for pattern, repl in _MARKDOWN:
        markdown = pattern.sub(repl, markdown)
    return " ".join(markdown.split())
