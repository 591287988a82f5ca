"""Offline fixture web: serves the demo sites of ``veille/demo/sites/`` on 127.0.0.1.

There is no internet in the demo or in CI, so ``veille demo`` and the integration
tests crawl this small web of fictional organisations instead. Each site gets its
own port, like distinct hosts. Standard library only, so it runs anywhere.

    with FixtureWeb() as fw:
        fw.base_url("asso")              # "http://127.0.0.1:43121"
        ...crawl...
        fw.requests("asso")              # paths requested, in order
"""
from __future__ import annotations

import hashlib
import threading
import tomllib
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

DEMO_DIR = Path(__file__).resolve().parent
SITES_DIR = DEMO_DIR / "sites"
MANIFEST = DEMO_DIR / "sites.toml"

# Files are written with absolute links to "{{BASE}}/..."; the real base URL is only
# known once a port is bound, so it is substituted when a text file is served.
BASE_PLACEHOLDER = b"{{BASE}}"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
# A path ending in "/" serves the directory index; WordPress answers "/feed/" with
# RSS, hence index.xml.
INDEX_FILES = ("index.html", "index.xml")

Handler = Callable[[BaseHTTPRequestHandler], None]


def load_manifest(path: Path | None = None) -> list[dict]:
    """The [[site]] tables of sites.toml, as dicts (with their "channel" lists)."""
    with open(path or MANIFEST, "rb") as f:
        return tomllib.load(f).get("site", [])


def _content_type(file: Path, body: bytes) -> str:
    if file.suffix == ".xml":  # feeds and sitemaps share the extension: sniff the root
        head = body[:1024]
        if b"<rss" in head:
            return "application/rss+xml; charset=utf-8"
        if b"<feed" in head:
            return "application/atom+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    return CONTENT_TYPES.get(file.suffix, "application/octet-stream")


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or "xml" in content_type or "json" in content_type


def _send_simple(h: BaseHTTPRequestHandler, status: int, message: str, headers: dict | None = None) -> None:
    """A short French HTML page, like a real server's error page."""
    body = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{status} {message}</title>'
            f"</head><body><h1>{status} – {message}</h1></body></html>\n").encode()
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


# --- Hostile "sites" for tests: handler(request_handler) writes the whole response. ---

def error_500(h: BaseHTTPRequestHandler) -> None:
    """Every path answers 500: a site whose back end is down."""
    _send_simple(h, 500, "Erreur interne du serveur")


def slow_never_finishes(h: BaseHTTPRequestHandler) -> None:
    """Headers, then one byte per second until the client goes away (or the web stops):
    a crawler without a download timeout would hang here forever."""
    h.close_connection = True
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.end_headers()
    stopping = h.server.fixture._stopping
    try:
        h.wfile.write(b'<!DOCTYPE html><html lang="fr"><head><title>Chargement</title></head><body>')
        while not stopping.wait(1.0):
            h.wfile.write(b" ")
            h.wfile.flush()
    except OSError:  # the client gave up, which is what the test wants
        pass


def redirect_loop(h: BaseHTTPRequestHandler) -> None:
    """/boucle/a -> /boucle/b -> /boucle/a ...: redirects that never reach content."""
    target = "/boucle/b" if h.path.startswith("/boucle/a") else "/boucle/a"
    h.send_response(302)
    h.send_header("Location", h.server.base_url + target)
    h.send_header("Content-Length", "0")
    h.end_headers()


# --- Server ---

class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client (see slow_never_finishes) must not block exit

    def __init__(self, fixture: FixtureWeb, site: str, root: Path | None, route: Handler | None):
        self.fixture, self.site, self.root, self.route = fixture, site, root, route
        super().__init__(("127.0.0.1", 0), _RequestHandler)  # port 0: the OS picks a free one

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FixtureWeb/1.0"
    sys_version = ""

    def log_message(self, format, *args):  # quiet: no stderr line per request
        pass

    def send_response(self, code, message=None):
        # Every answer, including the hostile handlers' and 304s, goes through here.
        self.server.fixture._record(self.server.site, getattr(self, "path", ""), code)
        super().send_response(code, message)

    def do_GET(self):
        if self.server.route is not None:
            self.server.route(self)
        else:
            self._serve_file()

    do_HEAD = do_GET

    def _serve_file(self) -> None:
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        path = unquote(raw)
        if ".." in path.split("/") or "\\" in path or "\x00" in path:
            return _send_simple(self, 403, "Accès interdit")
        root = self.server.root.resolve()
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root):  # e.g. a symlink pointing outside the site
            return _send_simple(self, 403, "Accès interdit")
        if target.is_dir():
            if not path.endswith("/"):  # like Apache/nginx: /actualites -> /actualites/
                return _send_simple(self, 301, "Déplacé", {"Location": self.server.base_url + raw + "/"})
            target = next((target / n for n in INDEX_FILES if (target / n).is_file()), None)
        if target is None or not target.is_file():
            return _send_simple(self, 404, "Page introuvable")

        body = target.read_bytes()
        content_type = _content_type(target, body)
        if _is_text(content_type):
            body = body.replace(BASE_PLACEHOLDER, self.server.base_url.encode())
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]  # of what is served, base URL included
        mtime = int(target.stat().st_mtime)
        validators = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if self._not_modified(etag, mtime):
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in validators.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: takes precedence over If-Modified-Since
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=timezone.utc)
            return mtime <= since.timestamp()
        return False


class FixtureWeb:
    """Serves each site of a sites directory on its own 127.0.0.1 port.

    ``extra_routes`` adds Python-handled "sites" (e.g. ``{"panne": error_500}``),
    each on its own port too; a handler receives the request handler and writes
    the whole response itself.
    """

    def __init__(self, sites_dir: Path | None = None, extra_routes: dict[str, Handler] | None = None):
        self.sites_dir = Path(sites_dir) if sites_dir is not None else SITES_DIR
        self.extra_routes = dict(extra_routes or {})
        self._servers: dict[str, _Server] = {}
        self._log: dict[str, list[tuple[str, int]]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> FixtureWeb:
        if self._servers:
            return self
        names = sorted(p.name for p in self.sites_dir.iterdir()
                       if p.is_dir() and not p.name.startswith((".", "_")))
        clash = set(names) & set(self.extra_routes)
        if clash:
            raise ValueError(f"extra route names clash with sites: {sorted(clash)}")
        self._stopping.clear()
        try:
            for name in names:
                self._serve(name, self.sites_dir / name, None)
            for name, route in self.extra_routes.items():
                self._serve(name, None, route)
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, name: str, root: Path | None, route: Handler | None) -> None:
        server = _Server(self, name, root, route)
        self._servers[name] = server
        with self._lock:
            self._log.setdefault(name, [])
        # A short poll interval keeps stop() fast with several servers.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"fixture-web-{name}", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()  # releases slow_never_finishes handlers
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def base_url(self, site: str) -> str:
        try:
            return self._servers[site].base_url
        except KeyError:
            raise KeyError(f"no running site {site!r} (running: {sorted(self._servers)})") from None

    @property
    def sites(self) -> dict[str, str]:
        """name -> base URL of every running site and extra route."""
        return {name: server.base_url for name, server in self._servers.items()}

    def requests(self, site: str, status: int | None = None) -> list[str]:
        """Paths (with query string) requested from a site, in order; optionally only
        those answered with ``status`` (e.g. 200 = actually downloaded)."""
        with self._lock:
            return [p for p, s in self._log.get(site, []) if status is None or s == status]

    def clear_requests(self, site: str | None = None) -> None:
        with self._lock:
            for name in [site] if site else list(self._log):
                self._log[name] = []

    def _record(self, site: str, path: str, status: int) -> None:
        with self._lock:
            self._log.setdefault(site, []).append((path, status))


if __name__ == "__main__":  # python -m veille.demo.server: browse the fixture web by hand
    with FixtureWeb() as fw:
        for name, url in fw.sites.items():
            print(f"{name:14} {url}/")
        print("Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
