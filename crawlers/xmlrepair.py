"""Making a broken feed readable without guessing what it meant.

Two steps, each leaving alone what it cannot fix for sure:

- `repair` removes the DOCTYPE (a feed needs no entity declarations; they are
  how "billion laughs" and external-entity attacks come in), turns HTML
  entity names into character references, escapes a stray `&`, and drops
  the control characters XML forbids (raw or as references). Text inside
  CDATA sections keeps its `&`: there it is already literal.
- `sound_entries` rebuilds the feed from the entries that are well-formed on
  their own, and says how many it left out. A truncated entry is dropped
  whole, never glued to its neighbour.

The check uses lxml with entities, DTDs and network access off.
"""

from __future__ import annotations

import html.entities
import re

from lxml import etree

_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.S)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.S | re.I)
_AMPERSAND = re.compile(rb"&(#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]{0,31};)?")
# C0 controls but tab, LF, CR: forbidden in XML 1.0. These bytes never occur
# inside a multi-byte UTF-8 sequence, so removing them from bytes is safe.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_ENTITIES = frozenset({b"amp;", b"lt;", b"gt;", b"quot;", b"apos;"})
_ENTRY = re.compile(rb"<(item|entry)\b[^>]*>.*?</\1\s*>", re.S)
_DECLARATION = re.compile(rb"\s*<\?xml[^>]*\?>")  # carries the encoding the entries are in
_NAMESPACE = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')""")
# What closes the document after the last entry, by root element.
_CLOSING = ((b"<rdf:RDF", b"</rdf:RDF>"), (b"<rss", b"</channel></rss>"), (b"<feed", b"</feed>"))


def repair(data: bytes) -> bytes:
    """The feed with its DOCTYPE removed and its ampersands made valid XML."""
    data = _CONTROL_BYTES.sub(b"", _DOCTYPE.sub(b"", data, count=1))
    parts = _CDATA.split(data)
    # split() with a group keeps the CDATA sections at the odd positions.
    return b"".join(part if i % 2 else _AMPERSAND.sub(_fix_ampersand, part) for i, part in enumerate(parts))


def _fix_ampersand(match: re.Match) -> bytes:
    ref = match.group(1)
    if ref is None:
        return b"&amp;"
    if ref.startswith(b"#"):
        return b"&" + ref if _allowed_in_xml(ref) else b""
    if ref in _XML_ENTITIES:
        return b"&" + ref
    codepoint = html.entities.name2codepoint.get(ref[:-1].decode("ascii"))
    return b"&#%d;" % codepoint if codepoint else b"&amp;" + ref


def _allowed_in_xml(ref: bytes) -> bool:
    digits = ref[1:-1]
    try:
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return False
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def sound_entries(data: bytes) -> tuple[bytes, int] | None:
    """(the feed rebuilt from its well-formed entries, how many were left out);
    None when the document has no recognisable entries or root."""
    entries = list(_ENTRY.finditer(data))
    if not entries:
        return None
    head = data[: entries[0].start()]
    closing = next((end for root, end in _CLOSING if root in head), None)
    if closing is None:
        return None
    declaration = _DECLARATION.match(head)
    wrapper = (declaration.group(0) if declaration else b"") + b"<check" + b"".join(
        m.group(0) for m in _NAMESPACE.finditer(head)) + b">"
    kept = [m.group(0) for m in entries if _well_formed(wrapper, m.group(0))]
    if not kept:
        return None
    return head + b"\n".join(kept) + closing, len(entries) - len(kept)


# A CDATA section holding the start of another: the first was cut short and
# the file written on; well-formed or not, the entry is not what was meant.
CUT_CDATA = re.compile(rb"<!\[CDATA\[(?:(?!\]\]>).)*?<!\[CDATA\[", re.S)

_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, recover=False)


def _well_formed(wrapper: bytes, entry: bytes) -> bool:
    if CUT_CDATA.search(entry):
        return False
    try:
        etree.fromstring(wrapper + entry + b"</check>", _PARSER)
    except etree.XMLSyntaxError:
        return False
    return True
