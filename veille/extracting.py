"""`veille extract`: run the crawler's extraction on files or URLs, one result each."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from veille.app import App

MAX_BYTES = 20_000_000


def _read(app: App, source: str) -> tuple[bytes, str | None]:
    if source.startswith(("http://", "https://")):
        from crawlers.fetch_one import fetch_one

        return fetch_one(source, app.settings.crawler_user_agent, app.settings.allow_private_networks,
                         timeout=app.settings.crawl_timeout, max_bytes=app.settings.crawl_max_bytes), source
    path = Path(source)
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"file larger than {MAX_BYTES} bytes")
    return path.read_bytes(), None


def extract_inputs(app: App, inputs: Iterable[str]) -> Iterator[dict]:
    """One dict per input: the extraction, or `error` saying why it failed."""
    from crawlers.extract import extract_page

    for source in inputs:
        try:
            body, url = _read(app, source)
            yield {"input": source, **extract_page(body, url).to_json()}
        except Exception as exc:  # one bad input must not stop the others
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            yield {"input": source, "error": reason}
