"""The archive in pictures: small SVG charts drawn on the server.

No chart library and no script: the figures are few (15 themes × 24 months,
the top actors), SVG draws them sharply at any size, and each cell carries a
<title> so a pointer or a screen reader gets the exact number. Only
presentation attributes are used (no style), which the site's CSP allows.
"""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup

INK, MUTED, ACCENT, LINE = "#1f2430", "#5a6170", "#2f5d62", "#d9d4c7"
MONTHS_FR = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def months_back(today: date, count: int) -> list[str]:
    """The `count` months up to this one, oldest first, as 'YYYY-MM'."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_label(month: str, with_year: bool = False) -> str:
    year, number = month.split("-")
    name = MONTHS_FR[int(number) - 1]
    return f"{name} {year}" if with_year else name


def _shade(value: int, top: int) -> str:
    """From paper to the accent colour, by the share of the busiest cell."""
    if value == 0:
        return "#f1efe9"
    share = 0.15 + 0.85 * (value / top)
    paper, accent = (0xF1, 0xEF, 0xE9), (0x2F, 0x5D, 0x62)
    rgb = (round(p + (a - p) * share) for p, a in zip(paper, accent))
    return "#%02x%02x%02x" % tuple(rgb)


def heatmap(rows: list[tuple[str, list[int]]], months: list[str], title: str) -> Markup:
    """One row per label, one column per month, darker for more items."""
    left, cell, gap, top_margin = 250, 22, 2, 34
    width = left + len(months) * (cell + gap) + 10
    height = top_margin + len(rows) * (cell + gap) + 10
    top = max((v for _, values in rows for v in values), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart heatmap"><title>{escape(title)}</title>']
    for j, month in enumerate(months):
        if month.endswith("-01") or j == 0:
            x = left + j * (cell + gap)
            parts.append(f'<text x="{x}" y="12" font-size="11" fill="{MUTED}">{escape(month[:4])}</text>')
        x = left + j * (cell + gap) + cell / 2
        parts.append(f'<text x="{x}" y="28" font-size="9" text-anchor="middle" fill="{MUTED}">'
                     f'{escape(month_label(month)[:3])}</text>')
    for i, (label_, values) in enumerate(rows):
        y = top_margin + i * (cell + gap)
        parts.append(f'<text x="{left - 8}" y="{y + cell * 0.7}" font-size="12" text-anchor="end" '
                     f'fill="{INK}">{escape(label_)}</text>')
        for j, value in enumerate(values):
            x = left + j * (cell + gap)
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_shade(value, top)}">'
                         f'<title>{escape(label_)}, {month_label(months[j], True)} : {value} article'
                         f'{"s" if value > 1 else ""}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: list[tuple[str, int, str | None]], title: str, unit: str = "articles") -> Markup:
    """Horizontal bars, longest first; each label links to `href` when given."""
    left, bar_h, gap, width = 250, 18, 6, 640
    height = len(rows) * (bar_h + gap) + 10
    top = max((n for _, n, _ in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart bars"><title>{escape(title)}</title>']
    for i, (label_, count, href) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        length = max(2, (width - left - 60) * count / top)
        text = (f'<text x="{left - 8}" y="{y + bar_h * 0.75}" font-size="12" text-anchor="end" '
                f'fill="{ACCENT if href else INK}"><title>{escape(label_)}</title>{escape(_short(label_))}</text>')
        parts.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
        parts.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{ACCENT}">'
                     f'<title>{escape(label_)} : {count} {unit}</title></rect>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + bar_h * 0.75}" font-size="12" '
                     f'fill="{MUTED}">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label_: str, room: int = 38) -> str:
    """A label that fits left of the bars: cut at a word, with an ellipsis (the whole one is its tooltip)."""
    if len(label_) <= room:
        return label_
    cut = label_[: room - 1].rsplit(" ", 1)[0] if " " in label_[: room - 1] else label_[: room - 1]
    return cut.rstrip(" ,;:-–") + "…"


def columns(values: list[tuple[str, int]], title: str) -> Markup:
    """Vertical bars over months: an actor's rhythm."""
    bar_w, gap, height, base = 20, 4, 150, 125
    width = max(1, len(values)) * (bar_w + gap) + 40
    top = max((n for _, n in values), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart columns"><title>{escape(title)}</title>',
             f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{LINE}"/>']
    for i, (month, count) in enumerate(values):
        x = 20 + i * (bar_w + gap)
        h = 0 if count == 0 else max(2, (base - 15) * count / top)
        parts.append(f'<rect x="{x}" y="{base - h:.1f}" width="{bar_w}" height="{h:.1f}" fill="{ACCENT}">'
                     f'<title>{month_label(month, True)} : {count} article{"s" if count > 1 else ""}</title></rect>')
        parts.append(f'<text x="{x + bar_w / 2}" y="{base + 13}" font-size="9" text-anchor="middle" '
                     f'fill="{MUTED}">{escape(month_label(month)[:3])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
