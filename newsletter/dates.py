"""The date of an event and the deadline of a call, read from the item's words.

Items carry only their publication date; an event's own date ("le 3 décembre
à Lyon") and a call's deadline ("candidatures jusqu'au 15 janvier") are in
the text. A date without a year is placed on or after the publication date.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_PATTERNS = (
    # 3 décembre 2026, 1er mars, 3 December 2026
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?P<month>{_MONTH})(?:\s+(?P<year>20\d\d))?\b", re.I),
    # December 3, 2026
    re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>20\d\d))?\b", re.I),
    # 03/12/2026 (French order)
    re.compile(r"\b(?P<day>\d{1,2})/(?P<nmonth>\d{1,2})/(?P<year>20\d\d)\b"),
    # 2026-12-03
    re.compile(r"\b(?P<year>20\d\d)-(?P<nmonth>\d{2})-(?P<day>\d{2})\b"),
)
_DEADLINE = re.compile(
    r"(avant le|jusqu'(?:au|à)|jusqu’(?:au|à)|date limite|au plus tard|clôture|cloture|limite de dépôt|"
    r"deadline|until|no later than|by|before|closes on|due)\b",
    re.I,
)
_NEAR = 60  # characters between the words announcing a deadline and its date


def _date(match: re.Match, after: date) -> date | None:
    groups = match.groupdict()
    month = int(groups["nmonth"]) if groups.get("nmonth") else MONTHS[groups["month"].lower()]
    try:
        day = int(groups["day"])
        if groups.get("year"):
            return date(int(groups["year"]), month, day)
        found = date(after.year, month, day)
        return found if found >= after else date(after.year + 1, month, day)
    except ValueError:  # 31 février
        return None


def dates_in(text: str, after: date) -> list[tuple[int, date]]:
    """(position, date) of every date written in `text`, in reading order."""
    found = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(text or ""):
            value = _date(match, after)
            if value is not None:
                found.setdefault(match.start(), value)
    return sorted(found.items())


def _reference(published: datetime | None) -> date:
    return (published or datetime.now()).date()


def event_date(texts: list[str], published: datetime | None) -> date | None:
    """The first date from the publication on, in the title, then the summary, then the text."""
    after = _reference(published)
    for text in texts:
        upcoming = [d for _, d in dates_in(text, after) if d >= after]
        if upcoming:
            return upcoming[0]
    return None


def deadline(texts: list[str], published: datetime | None) -> date | None:
    """The date that follows words like « jusqu'au » or « deadline », if any."""
    after = _reference(published)
    for text in texts:
        found = dates_in(text, after)
        for cue in _DEADLINE.finditer(text or ""):
            for position, value in found:
                if cue.end() <= position <= cue.end() + _NEAR:
                    return value
    return None
