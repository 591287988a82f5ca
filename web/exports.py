"""Every search of the archive as an Atom feed, a CSV file and a JSON file.

The same parameters as the archive page; the export holds up to
EXPORT_LIMIT items in the page's order, the feed the FEED_SIZE newest.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from store import search, taxonomy
from store.records import ItemView
from web.context import Web
from web.search_params import SearchParams, search_params

EXPORT_LIMIT = 10_000
FEED_SIZE = 50
CSV_COLUMNS = ("id", "page", "url", "title", "summary", "source", "published", "collected", "language",
               "purpose", "themes", "kind")
ATOM = "http://www.w3.org/2005/Atom"


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts with = + - @ as a formula: a crawled title must not.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(views: list[ItemView], base: str) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the accents as UTF-8
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for v in views:
        writer.writerow([_cell(x) for x in (
            v.id, f"{base}/articles/{v.id}", v.url, v.title, v.summary, v.source,
            v.published.isoformat() if v.published else "", v.collected.isoformat(), v.language,
            v.purpose, ";".join(v.themes), v.kind,
        )])
    return out.getvalue()


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str | None) -> str:
    """Text that XML 1.0 can hold: crawled pages sometimes carry control characters."""
    return _NOT_XML.sub("", text or "")


def atom_feed(views: list[ItemView], base: str, self_url: str, title: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    updated = max((v.published or v.collected for v in views), default=datetime.now(timezone.utc))
    for tag, text in (("title", title), ("id", self_url), ("updated", updated.isoformat())):
        ET.SubElement(feed, f"{{{ATOM}}}{tag}").text = _xml(text)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=self_url.replace("/recherche.atom", "/", 1))
    for v in views:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = f"{base}/articles/{v.id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _xml(v.title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = page
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (v.published or v.collected).isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=v.url)
        ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = _xml(v.source)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = _xml(v.summary)
        for slug in v.themes:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=slug, label=taxonomy.label("themes", slug))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _filename() -> str:
    return "veille-" + datetime.now(timezone.utc).strftime("%Y%m%d")


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def base(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    @router.get("/recherche.csv")
    def export_csv(request: Request, params: SearchParams = Depends(search_params)):
        views = search.items(web.engine, params.filters, sort=params.sort, limit=EXPORT_LIMIT)
        return Response(csv_text(views, base(request)), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{_filename()}.csv"'})

    @router.get("/recherche.json")
    def export_json(request: Request, params: SearchParams = Depends(search_params)):
        views = search.items(web.engine, params.filters, sort=params.sort, limit=EXPORT_LIMIT)
        rows = [{**v.to_json(), "page": f"{base(request)}/articles/{v.id}"} for v in views]
        return Response(json.dumps(rows, ensure_ascii=False, indent=1), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{_filename()}.json"'})

    @router.get("/recherche.atom")
    def feed(request: Request, params: SearchParams = Depends(search_params)):
        views = search.items(web.engine, params.filters, sort="date", limit=FEED_SIZE)
        title = "Veille de l'Observatoire des civic tech" + (f" — « {params.q} »" if params.q else "")
        body = atom_feed(views, base(request), str(request.url), title)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    return router
