"""trafilatura's XPath queries, rewritten to cost less and select the same elements.

A quarter of the extraction is spent in libxml2 evaluating trafilatura's
queries over every element of the page (bench/bench_extract.py). Two things
make them dearer than they need be:

- `re:test(@class, '...')` (EXSLT regular expressions) calls back into
  Python for every element, whether or not it has the attribute: an absent
  attribute is tested as the empty string. Guarded as
  `(boolean(@class) and re:test(@class, '...'))`, the call is made only when
  there is something to test. The guard is put only where the pattern cannot
  match an empty string, so the answer is the same.
- `.//*[...]` is `descendant-or-self::node()/child::*[...]`, two steps where
  one does: 5-10 % slower on these queries. In the lists that trafilatura
  only prunes with (never positional, never `[1]`), `descendant::*[...]`
  selects the same elements in the same order.

Same extraction on the bench's 998 pages (title, text, HTML, date, author,
language, in the fast, default and full modes), 5 % less CPU per page.
trafilatura's modules share its lists, so the queries are replaced inside
them. `tune()` returns in how many places: the tests check it, so that a
trafilatura release that renames its lists is noticed, and compare each
query's answers with its replacement's (`REPLACED`). `original_queries()`
puts trafilatura's own back for a while, for the benchmark's trafilatura rows.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

from lxml.etree import XPath

REGEXP_NS = "http://exslt.org/regular-expressions"
# The lists trafilatura evaluates only to delete what they select (htmlprocessing.prune_unwanted_nodes).
PRUNE_LISTS = (
    "OVERALL_DISCARD_XPATH", "REMOVE_COMMENTS_AND_LISTS_XPATH", "REMOVE_COMMENTS_XPATH", "RAW_TREE_PRUNE_XPATH",
    "TEASER_DISCARD_XPATH", "PRECISION_DISCARD_XPATH", "DISCARD_IMAGE_ELEMENTS", "COMMENTS_DISCARD_XPATH",
)
_POSITIONAL = re.compile(r"\[\s*\d+\s*\]|position\(|last\(")
_STRING = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)")\s*""")


def _unquoted(text: str, start: int = 0):
    """(index, character, nesting depth) of each character outside quotes, from `start`;
    the depth counts the parentheses and brackets open before the character."""
    depth, quote = 0, None
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            yield i, char, depth
            depth += (char in "([") - (char in ")]")


def _call_end(source: str, opening: int) -> int:
    """The index just past the parenthesis that closes the one at `opening`."""
    for i, char, depth in _unquoted(source, opening):
        if char == ")" and depth == 1:
            return i + 1
    raise ValueError("unbalanced parentheses")


def _arguments(inner: str) -> list[str]:
    """A call's arguments, split on the commas outside quotes and parentheses."""
    cuts = [i for i, char, depth in _unquoted(inner) if char == "," and depth == 0]
    return [inner[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(inner)])]


def _matches_empty(arguments: list[str]) -> bool:
    """True when the regular expression might match an empty string (or cannot be read here)."""
    if len(arguments) < 2 or not (pattern := _STRING.fullmatch(arguments[1])):
        return True
    flags = _STRING.fullmatch(arguments[2]) if len(arguments) > 2 else None
    ignore_case = bool(flags and "i" in (flags.group(1) or flags.group(2) or ""))
    try:
        return re.search(pattern.group(1) or pattern.group(2) or "", "", re.I if ignore_case else 0) is not None
    except re.error:
        return True


def guard_regex_tests(source: str) -> str:
    """`re:test(A, ...)` becomes `(boolean(A) and re:test(A, ...))` where that changes no answer."""
    out, position = [], 0
    while (start := source.find("re:test(", position)) != -1:
        end = _call_end(source, start + len("re:test"))
        call = source[start:end]
        arguments = _arguments(call[len("re:test("):-1])
        guarded = call if _matches_empty(arguments) else f"(boolean({arguments[0].strip()}) and {call})"
        out += [source[position:start], guarded]
        position = end
    return "".join(out) + source[position:]


def descendant_steps(source: str) -> str:
    """`.//*[...]` as `descendant::*[...]`, for queries without a positional predicate."""
    return source if _POSITIONAL.search(source) else source.replace(".//*[", "descendant::*[")


def _rewritten(query: XPath, prune_only: bool) -> XPath | None:
    source = guard_regex_tests(query.path)
    if prune_only:
        source = descendant_steps(source)
    return XPath(source, namespaces={"re": REGEXP_NS}) if source != query.path else None


# (trafilatura's query, its replacement), for the tests to compare their answers.
REPLACED: list[tuple[XPath, XPath]] = []
# Where each replacement sits: (a list and its index, or a module and its attribute, the original, the replacement).
_PLACES: list[tuple[object, int | str, XPath, XPath]] = []


def tune() -> int:
    """Replace trafilatura's queries in place (once); the number of places replaced."""
    if not _PLACES:
        _find_places()
    _put(tuned=True)
    return len(_PLACES)


@contextmanager
def original_queries():
    """trafilatura's own queries for the time of a block (the benchmark's trafilatura rows)."""
    _put(tuned=False)
    try:
        yield
    finally:
        _put(tuned=True)


def _put(tuned: bool) -> None:
    for place, key, original, replacement in _PLACES:
        query = replacement if tuned else original
        if isinstance(place, list):
            place[key] = query
        else:
            setattr(place, key, query)


def _find_places() -> None:
    import trafilatura.settings
    import trafilatura.xpaths

    for name, value in vars(trafilatura.xpaths).items():
        if isinstance(value, list) and all(isinstance(q, XPath) for q in value):
            for i, query in enumerate(value):
                if (new := _rewritten(query, prune_only=name in PRUNE_LISTS)) is not None:
                    _PLACES.append((value, i, query, new))
                    REPLACED.append((query, new))
    # A single query, imported by name: replaced in every trafilatura module that holds it.
    old = trafilatura.settings.BASIC_CLEAN_XPATH
    if (new := _rewritten(old, prune_only=False)) is not None:
        REPLACED.append((old, new))
        for module in [m for n, m in sys.modules.items() if n.split(".")[0] == "trafilatura"]:
            _PLACES.extend((module, attribute, old, new) for attribute, value in vars(module).items() if value is old)
