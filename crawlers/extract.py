"""Main text and metadata of an article page.

trafilatura finds the article body; `crawlers.metadata` reads the title,
author, date, language and image the page declares (cheaper than
trafilatura's own metadata pass, see there). The result is extraction
output, not yet sanitized: `crawlers.assemble` merges it with what the feed
said and sanitizes last.

Speed and quality (measured with bench/bench_extract.py on the real pages
of ../shared/data): trafilatura's fast mode (its own extractor only, without
the comparison with readability and jusText) costs about two thirds of its
full cascade, and loses text on the pages where its extractor misses part of
the article. So the fast mode runs first, and the full cascade only when the
fast text holds less than RESCUE_SHARE of the text of the page's paragraphs
(9 of the 130 readability pages): the quality of the full cascade, the cost of the
fast mode. When even the cascade keeps a short teaser of a page rich in
paragraphs (a section page of article cards, where it takes the first card),
jusText's paragraphs are taken instead (`_longer_by_justext`). `fast=True`
never rescues, `fast=False` always runs the cascade.

The page is parsed once: metadata, trafilatura (which works on its own copy)
and the rescue all read the same tree. trafilatura is asked for its XML body
only; its plain-text rendering, a tenth of its time, is not used here.
"""

from __future__ import annotations

import re
import unicodedata
from copy import deepcopy
from dataclasses import asdict, dataclass
from datetime import datetime

import lxml.html
import py3langid
import pycld2
import trafilatura
from lxml import etree
from trafilatura.external import justext_rescue
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor
from trafilatura.utils import (
    DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, decode_file, handle_compressed_file, is_dubious_html,
)

from crawlers.metadata import read_metadata
from crawlers.normalize import resolve_link
from crawlers.sanitize import clean_text, plain_text
from crawlers.trafilatura_xpaths import tune

tune()  # trafilatura's queries, cheaper and with the same answers (see there)

# Below this share of the page's paragraph text, the fast extraction missed
# part of the article: the full cascade is run. On the bench's 998 pages the
# cascade added text only below 0.29 (0.2 loses .009 of readability F1); from
# 0.3 up it returned what the fast mode had, at the cost of a second, full
# extraction (0.5 ran it on 14 of the 130 readability pages, 0.35 on 9, the
# same output). 0.35 keeps a margin over 0.29.
RESCUE_SHARE = 0.35
# A body still this short after the cascade, on a page whose paragraphs hold
# more, is a teaser (a lede, a summary box) taken for the article: jusText is
# asked, and its text kept when it is longer by trafilatura's own bar for it
# (its ESCALATION_JUSTEXT_RATIO). 600 to 2,000 measure the same; articles
# that trafilatura cuts short still run to 2,700 characters and more, where
# jusText would take whole pages. Bench, readability pages: F1 .951 -> .957,
# from a section page of cards and a page that repeats its paragraphs.
TEASER_CHARS = 1000
JUSTEXT_RATIO = 2.0
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
# Furniture before the title heading (breadcrumbs, badges) is short; more is content.
MAX_BLOCKS_BEFORE_TITLE = 3
MAX_CHARS_BEFORE_TITLE = 200
TITLE_SEPARATORS = ("|", "-", "–", "—", "·", ":", "»")
# Below this, py3langid guesses more than it measures.
MIN_TEXT_FOR_LANGUAGE_GUESS = 40

BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
     "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "figure", "figcaption", "hr", "header", "footer"}
)
NOT_TEXT_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg")


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    html: str  # the main content, links made absolute, not yet sanitized
    author: str | None = None
    published: datetime | None = None  # aware, in the zone the page states
    language: str | None = None
    image: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["warnings"] = list(self.warnings)
        return data


def extract_page(html: str | bytes, url: str | None = None, fast: bool | None = None) -> Extracted:
    """The article in a whole HTML page; missing parts become warnings, never exceptions."""
    tree = parse_html(html) if html else None
    if tree is None:
        return Extracted(title="", text="", html="", warnings=("not an HTML page",))
    drop_inert(tree)
    page = read_metadata(tree, url)  # before the hidden elements are dropped from the tree
    base = _base_url(tree, url)
    body, warnings = _article_body(tree, url, fast)
    title = plain_text(page["og:title"] or page["title"] or "")
    text, main_html = "", ""
    if _chars(body):  # a body may hold text and no element
        body = convert_to_html(body).find("body")
        title = _take_title_heading(body, title, plain_text(page["title"] or ""))
        trim_furniture(body)
        cut_related(body)
        _absolute_links(body, base)
        main_html = _inner_html(body)
        text = _element_text(body)
    if not text:
        warnings.append("no main text found in the page")
    if not title:
        warnings.append("no title found in the page")
    image = page["image"]
    return Extracted(
        title=title,
        text=text,
        html=main_html,
        author=plain_text(page["author"] or "") or None,
        published=page["published"],
        language=language_code(page["lang"]) or guess_language(text),
        image=resolve_link(url, image) if (image and url) else image,
        warnings=tuple(warnings),
    )


# trafilatura's parser, but with lxml's class lookup written in C: lxml.html's
# calls back into Python for every element object made, a twentieth of the
# extraction, to give <form>, <input>... classes that nothing here uses.
_PARSER = etree.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                           remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity))
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])  # INVALID_XML_CHARS below U+FFFE


def parse_html(html: str | bytes):
    """The page's tree as trafilatura's load_html makes it (None for what is not HTML), for less.

    Besides _PARSER, its regex pass over the whole page for the characters XML
    refuses (a fifth of the parse) runs only on the pages that hold some. lxml
    is given UTF-8 bytes, which it reads faster than a str and which the test
    for those characters needs anyway: the page's own bytes when they are
    UTF-8, not decoded and encoded again.
    """
    text, raw = _decoded(html)
    beginning = text[:50].lower()
    repaired = _repair_start(text, beginning)
    if raw is None or repaired is not text:
        text, raw = repaired, repaired.encode("utf-8", "surrogatepass")
    if _has_invalid_xml_chars(raw):
        text = INVALID_XML_CHARS.sub("", text)
        raw = text.encode("utf-8", "surrogatepass")
    tree = _fromstring(raw)
    if tree is None or len(tree) < 1:  # the str, as trafilatura would; unless it gives even less
        fallback = _fromstring(text)
        if fallback is not None and (tree is None or len(fallback) >= 1):
            tree = fallback
    if tree is None:
        return None
    return None if is_dubious_html(beginning) and len(tree) < 2 else tree


def _decoded(html: str | bytes) -> tuple[str, bytes | None]:
    """decode_file's text, and the UTF-8 bytes it was decoded from when it was (most pages): lxml reads those."""
    if isinstance(html, bytes):
        content = handle_compressed_file(html)
        try:
            return content.decode("utf-8"), content
        except UnicodeDecodeError:
            pass
    return decode_file(html), None


def _fromstring(document: str | bytes):
    try:
        return lxml.html.fromstring(document, parser=_PARSER)
    except (etree.LxmlError, ValueError):  # ValueError: a str that declares its encoding
        return None


def _has_invalid_xml_chars(raw: bytes) -> bool:
    # bytes.translate scans at memory speed, re does not
    return len(raw.translate(None, _CONTROL_BYTES)) < len(raw) or b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw


def _repair_start(text: str, beginning: str) -> str:
    """trafilatura's repair_faulty_html without its regex pass: a doctype with a slash
    (libxml2 bug), a self-closing <html/>."""
    if "doctype" in beginning:
        first_line, _, rest = text.partition("\n")
        first_line, repaired = DOCTYPE_TAG.subn("", first_line, count=1)
        if repaired:  # the text is left as it is otherwise (see parse_html)
            text = first_line + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def _article_body(tree, url: str | None, fast: bool | None):
    """The fast extraction, and the full cascade when it missed much of the page (module docstring)."""
    drop_hidden(tree)
    paragraphs = _paragraph_chars(tree) if fast is None else 0
    body, warnings = _main_content(tree, url, fast=fast is not False)
    if fast is None and _chars(body) < RESCUE_SHARE * paragraphs:
        body, warnings = _main_content(tree, url, fast=False)  # trafilatura left the tree as it was
        chars = _chars(body)
        if chars < TEASER_CHARS and chars < RESCUE_SHARE * paragraphs:
            body = _longer_by_justext(tree, url, body, chars)
    return body, warnings


def _longer_by_justext(tree, url: str | None, body, chars: int):
    """jusText's paragraphs when they hold JUSTEXT_RATIO times the text of `body`, else `body`.

    jusText classifies each paragraph by its length, link density and stop
    words instead of choosing one container, so the first <article> of a page
    (often a teaser) does not stop it."""
    try:
        candidate, text = justext_rescue(deepcopy(tree), Extractor())  # no url: see _main_content
    except Exception:  # an extractor's failure leaves what the cascade found
        return body
    return candidate if len(text) > JUSTEXT_RATIO * chars else body


def _main_content(tree, url: str | None, fast: bool):
    """trafilatura's main content (an XML body, or None) and the warnings to carry."""
    try:
        # Links stay in the stored HTML (they lead to the reports and consultations
        # an article is about); images do not: the lead image is kept apart, and
        # the others cost a tenth of the extraction time and carry tracking pixels.
        # output_format="xml": the body tree only, without the text rendering of "python".
        # No url: trafilatura would resolve every link of the page, a tenth of
        # its time, against the site's root rather than the page; the few links
        # of the article are resolved afterwards (_absolute_links).
        # favor_recall: trafilatura's balanced mode drops tables and lists of short
        # items that are the article, and in the full cascade prefers readability's
        # whole-page dumps (video players, link lists); the furniture recall mode lets
        # through is cut by trim_furniture (bench: readability P .970→.978, R .929→.926).
        doc = trafilatura.bare_extraction(
            tree, fast=fast, with_metadata=False, output_format="xml", favor_recall=True,
            include_formatting=True, include_links=True, include_images=False, include_comments=False,
        )
    except Exception as exc:  # a page that trips the extractor still has its metadata
        return None, [f"extraction failed: {type(exc).__name__}: {exc}"[:200]]
    return getattr(doc, "body", None), []


def _base_url(tree, url: str | None) -> str | None:
    """What the page's relative links are relative to: its <base href>, else its URL."""
    base = tree.find(".//base[@href]")
    return (resolve_link(url, base.get("href")) if url and base is not None else None) or url


def _absolute_links(body, base: str | None) -> None:
    """Links of the article resolved as a browser would (mailto: and the like are left to the sanitizer)."""
    if not base:
        return
    for link in body.iter("a"):
        href = link.get("href")
        absolute = resolve_link(base, href) if href else None
        if absolute:
            link.set("href", absolute)


def _chars(body) -> int:
    return len("".join(body.itertext()).strip()) if body is not None else 0


def _paragraph_chars(tree) -> int:
    return sum(len("".join(p.itertext()).strip()) for p in tree.iter("p"))


# What a reader never sees (a closed menu, a modal, a duplicate for screen
# sizes) is not the article. The page's skeleton is spared: some pages hide
# their body until a script has run.
_SKELETON = frozenset({"html", "body", "main", "article"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CANDIDATES = etree.XPath("descendant::*[@hidden or @style]")  # the root is skeleton


def drop_hidden(tree) -> None:
    for element in _HIDDEN_CANDIDATES(tree):
        if element.tag in _SKELETON or element.getparent() is None:
            continue
        if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style") or ""):
            element.drop_tree()


# Elements that never hold article text and that trafilatura drops from the
# page anyway, but only after its first pruning passes, whose XPath queries
# visit every element: removed first, they cost nothing (an icon's <svg> is
# dozens of elements). Removed before the metadata too: htmldate's search of
# undated pages runs its regular expressions over the whole markup, and a
# script's dates are its code's ("Updated 2015.02.04"), not the article's.
# JSON scripts stay: JSON-LD's dates, and the articleBody that trafilatura's
# baseline reads from it.
_INERT = etree.XPath("descendant::svg | descendant::style | descendant::select"
                     " | descendant::script[not(contains(@type, 'json'))]")


def drop_inert(tree) -> None:
    for element in _INERT(tree):
        if element.getparent() is not None:
            element.drop_tree()


# A block shorter than this that does not end a sentence is a label, not prose.
# Chinese and Japanese say in one character what takes several in Latin
# scripts: a wide character counts twice (the width terminals give it).
MIN_PROSE_CHARS = 80
SENTENCE_ENDS = (".", "!", "?", "…", "»", '"', "”", ")", ":", ";", "。", "！", "？", "」", "』", "）")


def trim_furniture(body) -> None:
    """Remove the page furniture that starts and ends the extracted body.

    What trafilatura keeps around an article is often not the article: a
    language switcher, breadcrumbs and "by X on <date>" links before it;
    "Related stories" headings with their lists of links, share buttons and
    "Loading comments…" after it. The body starts at the first block that
    reads like prose (a heading just before it is kept) and ends at the last
    one, unless what follows the last is content (`_is_furniture_tail`);
    nothing between them is touched, and a body where nothing reads like
    prose is left whole.
    """
    blocks = list(body)
    first = next((i for i, element in enumerate(blocks) if _is_prose(element)), None)
    if first is None:
        return
    last = next(i for i in reversed(range(len(blocks))) if _is_prose(blocks[i]))  # only the ends are read
    while first > 0 and blocks[first - 1].tag in HEADINGS:
        first -= 1
    if last + 1 < len(blocks) and not _is_furniture_tail(  # no tail, nothing to judge
            blocks[first : last + 1], blocks[last + 1 :]):
        last = len(blocks) - 1
    for element in blocks[:first] + blocks[last + 1 :]:
        body.remove(element)  # with its tail, furniture text too
    if first:
        body.text = None


# Furniture after an article is a short coda (a "Related" list, share links, a
# sign-off); a long run of headings and lists after the last sentence is the
# article itself (a list of steps, of bugs fixed, of members, an outline).
MAX_TAIL_SHARE = 0.5


def _is_furniture_tail(kept: list, tail: list) -> bool:
    tail_chars = sum(_chars(element) for element in tail)
    if tail_chars < MAX_TAIL_SHARE * sum(_chars(element) for element in kept):
        return True
    links = sum(_chars(a) for element in tail for a in element.iter("a"))
    return links >= 0.5 * tail_chars


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# Headings that open the links to other articles ("You might also like",
# "Other opinion columns", "À lire aussi"…): their teasers read like prose,
# so trim_furniture keeps them. Past this share of the body, such a heading
# ends the article; before it, it may be the article's own subject. Only whole
# phrases: "Related work" or "More on the budget" may be sections of the article.
RELATED_HEADING = re.compile(
    r"(related( (stories|articles|posts|content|links|coverage|reading|news|topics))?:?$|"
    r"you (might|may) also like|more (from|stories|news|articles)\b|more on this (story|topic)$|"
    r"other .{0,30}(columns|stories|articles|news)$|recommended|read (more|next|also)|"
    r"most (popular|read|viewed|shared)|trending|latest (news|stories)|what to read next|don.t miss|"
    r"editors?.? picks|around the web|sponsored|"
    r"(à )?lire (aussi|également)|à voir aussi|sur le même (sujet|thème)|dans la même rubrique|"
    r"articles? (liés|similaires|associés|récents)|vous aimerez|les plus (lus|partagés)|autres articles|"
    r"nos derniers articles|dernières actualités)", re.IGNORECASE)
RELATED_AFTER_SHARE = 0.5


def cut_related(body) -> None:
    """Remove a heading of related articles past the middle of the body, and all after it."""
    blocks = list(body)
    sizes = [_chars(element) for element in blocks]
    total, seen = sum(sizes), 0
    for position, (element, size) in enumerate(zip(blocks, sizes)):
        if (element.tag in HEADINGS and seen >= RELATED_AFTER_SHARE * total
                and RELATED_HEADING.match(" ".join("".join(element.itertext()).split()))):
            for rest in blocks[position:]:
                body.remove(rest)
            return
        seen += size


def _is_prose(element) -> bool:
    if element.tag in HEADINGS:
        return False
    text = " ".join("".join(element.itertext()).split())
    if not text:
        return False
    links = sum(len(" ".join("".join(a.itertext()).split())) for a in element.iter("a"))
    if links >= 0.5 * len(text):
        return False
    # "Loading comments…", "Read more..." end with dots but are not sentences.
    return _width(text) >= MIN_PROSE_CHARS or (text.endswith(SENTENCE_ENDS) and not text.endswith(("...", "…")))


def _width(text: str) -> int:
    if len(text) >= MIN_PROSE_CHARS or text.isascii():
        return len(text)
    return len(text) + sum(unicodedata.east_asian_width(c) in "WF" for c in text)


def _take_title_heading(body, title: str, page_title: str = "") -> str:
    """Remove the title heading, and what little comes before it, from the body;
    return the title as the heading spells it.

    The title is shown apart from the text; repeated as the first heading it
    would also skew the content hash. The heading is also the best title: the
    <title> often carries the site's name ("Le titre — Boussole Civique").
    What precedes the heading inside the main content is page furniture
    (a "back to the news" link, a category badge) that trafilatura keeps.
    """
    children = list(body)[: MAX_BLOCKS_BEFORE_TITLE + 1]
    for position, element in enumerate(children):
        heading = plain_text("".join(element.itertext())) if element.tag in ("h1", "h2") else ""
        if heading and any(heading == t or _is_title_with_suffix(t, heading) for t in (title, page_title) if t):
            before = children[:position]
            if sum(len("".join(e.itertext())) for e in before) + len(body.text or "") <= MAX_CHARS_BEFORE_TITLE:
                body.text = None
                for furniture in [*before, element]:
                    body.remove(furniture)  # with its tail: furniture text
            return heading
    return title


def _is_title_with_suffix(title: str, heading: str) -> bool:
    rest = title[len(heading):] if title.startswith(heading) else ""
    return bool(rest) and rest.lstrip()[:1] in TITLE_SEPARATORS


def _inner_html(element) -> str:
    if element is None:
        return ""
    parts = [element.text or ""]
    parts += [etree.tostring(child, encoding="unicode", method="html") for child in element]
    return "".join(parts).strip()


def language_code(value: str | None) -> str | None:
    """"fr-FR", "fr_FR", "FR" → "fr"; None for what is not a language tag."""
    match = _LANG.match((value or "").strip())
    return match.group(1).lower() if match else None


# CLD2's codes that are not ISO 639-1 ("zh-Hant" is "zh" too).
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "sr-ME": "sr"}


def guess_language(text: str) -> str | None:
    """The language of a text (ISO 639-1), or None when it is too short to tell.

    CLD2 answers first: it is compiled in (nothing to load) and eight times
    faster. What it is not sure of (titles, a French summary full of English
    names) goes to py3langid, whose model takes 0.5 s to load: on the
    labelled items and the bench's pages the two together are as accurate as
    py3langid alone, which then loads for 0-4 % of texts (bench/bench_language.py).
    """
    if len(text) < MIN_TEXT_FOR_LANGUAGE_GUESS:
        return None
    sample = text[:5000]
    try:
        reliable, _bytes, found = pycld2.detect(sample)
    except (pycld2.error, UnicodeEncodeError):  # a lone surrogate, a character CLD2 refuses
        reliable, found = False, ()
    if reliable:
        code = _CLD2_CODES.get(found[0][1], found[0][1])
        if len(code) == 2:  # not "un" (unknown), nor a script ("xx-Latn") or a rare language's 3 letters
            return code
    return py3langid.classify(sample)[0]


def load_language_model() -> None:
    """Load py3langid's model now (0.5 s) rather than at its first text: before forking (crawlers/preload.py)."""
    py3langid.classify("chargement du modèle")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (feed content), one blank line between blocks."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(plain_text(html))
    return _element_text(root)


def _element_text(root) -> str:
    """Text of an element tree, blocks separated by a blank line (modifies the tree)."""
    for element in list(root.iter(*NOT_TEXT_TAGS)):
        element.drop_tree()
    for element in root.iter():
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in BLOCK_TAGS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
    return clean_text("".join(root.itertext()))
