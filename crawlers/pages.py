"""Watched pages: an item when the main content changes meaningfully, with what changed.

Many institutions publish no feed: a "consultations in progress" page, a
charter, a list of calls for projects. The crawler keeps the page's main text
(after extraction, so menus, footers and sidebars are already gone) and
compares the next version with it, paragraph by paragraph.

What is not a change: a date or a time (a "last updated" stamp, today's date
in a header), and edits too small to matter (fewer than MIN_CHANGED_WORDS
words moved: a typo fixed, a figure updated). Every version read becomes
the one remembered, so that an item says what changed since the last crawl,
not since some older version.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from crawlers.normalize import normalized_text

MIN_CHANGED_WORDS = 12
MAX_KEPT_CHARS = 100_000  # the text kept for the next comparison

_MONTHS = (r"janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[ûu]t|sept?(?:embre)?|"
           r"oct(?:obre)?|nov(?:embre)?|d[ée]c(?:embre)?|jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|"
           r"june?|july?|aug(?:ust)?|september|october|november|december")
_DATES = re.compile(
    r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"  # 12/11/2026, 2026-11-12
    rf"|\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b"  # 12 novembre 2026, 1er mai
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?\b"  # November 12, 2026
    r"|\b\d{1,2}\s*[h:]\s*\d{2}(?::\d{2})?\b",  # 10:45, 10 h 45
    re.IGNORECASE,
)


class PageError(ValueError):
    """The watched page cannot be compared; one line saying why."""


@dataclass(frozen=True)
class PageChange:
    first: bool  # the page had never been seen
    added: list[str]  # paragraphs, as they read now
    removed: list[str]  # paragraphs, as they read before
    fingerprint: str  # of the version to remember

    @property
    def meaningful(self) -> bool:
        if self.first:
            return True
        return sum(len(p.split()) for p in self.added + self.removed) >= MIN_CHANGED_WORDS

    def summary(self) -> str:
        """One line for the item's summary (in French, like the rest of the staff's interface)."""
        return (f"Page modifiée : {len(self.added)} paragraphe(s) ajouté(s) ou réécrit(s), "
                f"{len(self.removed)} retiré(s).")

    def text(self) -> str:
        return "\n\n".join(self.added) if self.added else "\n\n".join(f"Retiré : {p}" for p in self.removed)

    def html(self) -> str:
        added = "".join(f"<p>{html.escape(p)}</p>" for p in self.added)
        removed = "".join(f"<p><s>{html.escape(p)}</s></p>" for p in self.removed)
        return (f"<h2>Ajouté</h2>{added}" if added else "") + (f"<h2>Retiré</h2>{removed}" if removed else "")


def stable_form(paragraph: str) -> str:
    """The paragraph as compared: dates and times masked, case and spacing ignored."""
    return normalized_text(_DATES.sub("#date", paragraph))


def fingerprint(text: str) -> str:
    return hashlib.sha256("\n".join(stable_form(p) for p in _paragraphs(text)).encode()).hexdigest()


def compare(previous_text: str | None, text: str) -> PageChange:
    """What changed between the version remembered and the one just read."""
    now = _paragraphs(text)
    if previous_text is None:
        return PageChange(True, now, [], fingerprint(text))
    before = _paragraphs(previous_text)
    seen_before = {stable_form(p) for p in before}
    seen_now = {stable_form(p) for p in now}
    added = [p for p in now if stable_form(p) not in seen_before]
    removed = [p for p in before if stable_form(p) not in seen_now]
    return PageChange(False, added, removed, fingerprint(text))


def kept_text(text: str) -> str:
    return text[:MAX_KEPT_CHARS]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]
