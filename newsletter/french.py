"""French dates, periods and numbers (Babel), as subscribers read them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"


def _day(value: date) -> str:
    # French writes the first of the month « 1er ».
    return "1er" if value.day == 1 else str(value.day)


def day_month(value: date) -> str:
    return f"{_day(value)} {format_date(value, 'MMMM', locale=LOCALE)}"


def long_date(value: date | datetime | None) -> str:
    """« 1er décembre 2026 »."""
    if value is None:
        return ""
    value = value.date() if isinstance(value, datetime) else value
    return f"{day_month(value)} {value.year}"


def weekday_date(value: date | None) -> str:
    """« jeudi 3 décembre 2026 », for the agenda."""
    if value is None:
        return ""
    return f"{format_date(value, 'EEEE', locale=LOCALE)} {long_date(value)}"


def last_day(end: datetime) -> date:
    """A period ends before `end`; a midnight end means the day before is the last one."""
    return (end - timedelta(days=1)).date() if end.time() == time() else end.date()


def period(start: datetime, end: datetime) -> str:
    """« du 2 au 8 novembre 2026 », « novembre 2026 », « du 30 novembre au 6 décembre 2026 »."""
    first, last = start.date(), last_day(end)
    if first.day == 1 and (last + timedelta(days=1)).day == 1 and (first.year, first.month) == (last.year, last.month):
        return format_date(first, "MMMM y", locale=LOCALE)
    if first == last:
        return f"le {long_date(first)}"
    if first.year != last.year:
        return f"du {long_date(first)} au {long_date(last)}"
    if first.month != last.month:
        return f"du {day_month(first)} au {long_date(last)}"
    return f"du {_day(first)} au {long_date(last)}"


def number(value: int | float) -> str:
    """« 10 000 », with the narrow no-break space French uses."""
    return format_decimal(value, locale=LOCALE)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 article », « 12 articles » (French: 0 and 1 are singular)."""
    word = singular if count < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"
