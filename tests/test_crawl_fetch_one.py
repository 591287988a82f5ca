"""`veille extract URL` fetches one page with the crawler's safety rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crawlers.fetch_one import FetchError, fetch_one
from crawlers.safety import UnsafeURL

demo = pytest.importorskip("veille.demo.server", reason="the fixture web is not there yet")
UA = "veille-tests"


@pytest.fixture(scope="module")
def web():
    routes = {"panne": demo.error_500, "lent": demo.slow_never_finishes, "boucle": demo.redirect_loop}
    with demo.FixtureWeb(extra_routes=routes) as fw:
        yield fw


def test_fetches_a_page_following_redirects(web):
    body = fetch_one(web.base_url("startup") + "/actualites", UA, allow_private=True, timeout=5)  # 301 to /actualites/
    assert b'<article class="card">' in body


def test_refuses_private_addresses_and_other_schemes(web):
    with pytest.raises(UnsafeURL, match="loopback"):
        fetch_one(web.base_url("startup") + "/", UA, allow_private=False)
    with pytest.raises(UnsafeURL, match="only http and https"):
        fetch_one("file:///etc/passwd", UA, allow_private=True)


def test_failures_are_one_clear_line(web):
    with pytest.raises(FetchError, match=r"^HTTP 500 from "):
        fetch_one(web.base_url("panne") + "/", UA, allow_private=True, timeout=5)
    with pytest.raises(FetchError, match="timeout"):
        fetch_one(web.base_url("lent") + "/", UA, allow_private=True, timeout=1)
    with pytest.raises(FetchError, match=r"^HTTP 302 from "):
        fetch_one(web.base_url("boucle") + "/boucle/a", UA, allow_private=True, timeout=5)
    with pytest.raises(FetchError, match="larger than 100 bytes"):
        fetch_one(web.base_url("startup") + "/", UA, allow_private=True, max_bytes=100)


def test_crawlers_import_no_other_stage():
    """crawlers may use `store`; the CLI, web app, classifier and newsletter sit elsewhere."""
    forbidden = {"veille", "classifier", "newsletter", "web"}
    for path in (Path(__file__).resolve().parents[1] / "crawlers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            assert not {m.split(".")[0] for m in modules} & forbidden, f"{path.name} imports {modules}"
