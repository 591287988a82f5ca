"""Helpers of the operations tests: real `veille` processes, their logs, the store they share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from store import runs as run_store
from store.db import open_engine

VEILLE = str(Path(sys.executable).parent / "veille")
# Jobs off unless a test turns them on: each test runs only what it looks at.
NO_JOBS = {f"VEILLE_SCHEDULE_{name}": "" for name in ("CRAWL", "RETRAIN", "NEWSLETTER", "SEND", "DIGEST")}


def environment(data_dir: Path, store_url: str | None = None, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_") or k == "VEILLE_TEST_PG"}
    env.update(VEILLE_DATA_DIR=str(data_dir), VEILLE_ALLOW_PRIVATE_NETWORKS="1", VEILLE_CRAWL_DELAY="0",
               VEILLE_CRAWL_TIMEOUT="5", VEILLE_RETRY_DELAY="0.2", VEILLE_LEASE_SECONDS="3")
    if store_url:
        env["VEILLE_DATABASE_URL"] = store_url
    env.update({k: v for k, v in NO_JOBS.items()})
    env.update({f"VEILLE_{k.upper()}": v for k, v in settings.items()})
    return env


def veille(env: dict, *args: str, stdin: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([VEILLE, *args], env=env, input=stdin, capture_output=True, text=True, timeout=timeout)


class Process:
    """A `veille` process in its own session (so that it and its crawl child can be killed together),
    its output in a file that the test reads while it runs."""

    def __init__(self, env: dict, log: Path, *args: str):
        self.log = log
        self._out = open(log, "w")
        self.popen = subprocess.Popen([VEILLE, *args], env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                      start_new_session=True, text=True)

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, text: str, timeout: float = 120) -> None:
        wait_until(lambda: text in self.output() or self.popen.poll() is not None, timeout, f"{text!r} in {self.log}")
        assert text in self.output(), f"{self.log.name} ended without {text!r}:\n{self.output()[-3000:]}"

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def kill_all(self) -> None:
        """kill -9 the process and its children, as a power cut would."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)

    def finish(self, timeout: float = 120) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            self._out.close()

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(30)
        self._out.close()


def wait_until(condition, timeout: float, what: str, every: float = 0.1) -> None:
    """Wait for `condition()`; the timeout only keeps a broken test from hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


def runs_of(store_url: str, kind: str | None = None):
    engine = open_engine(store_url)
    try:
        return sorted(run_store.list_runs(engine, limit=1000, kind=kind), key=lambda r: r.id)
    finally:
        engine.dispose()


def write_big_site(root: Path, entries: int) -> None:
    """A site whose Atom feed carries `entries` full articles (the fixture web serves root/gros)."""
    site = root / "gros"
    (site / "articles").mkdir(parents=True)
    parts = []
    for n in range(entries):
        text = (f"Le budget participatif numéro {n} de la commune ouvre sa plateforme en ligne. "
                f"Les habitants déposent leurs projets, votent et suivent la réalisation du projet {n}. ") * 6
        page = site / "articles" / f"projet-{n}"
        page.mkdir()
        (page / "index.html").write_text(
            f'<!DOCTYPE html><html lang="fr"><head><title>Projet {n}</title></head><body><article>'
            f"<h1>Projet {n} du budget participatif</h1><p>{text}</p></article></body></html>", encoding="utf-8")
        parts.append(
            f"<entry><title>Projet {n} du budget participatif</title>"
            f'<link rel="alternate" type="text/html" href="{{{{BASE}}}}/articles/projet-{n}/"/>'
            f"<id>tag:gros.example,2026:{n}</id><published>2026-10-{1 + n % 28:02d}T10:00:00+01:00</published>"
            f"<updated>2026-10-{1 + n % 28:02d}T10:00:00+01:00</updated>"
            f'<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry>'
        )
    (site / "feed.atom").write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        '<title>Gros site</title><id>tag:gros.example,2026:feed</id><updated>2026-11-01T10:00:00+01:00</updated>'
        + "".join(parts) + "</feed>", encoding="utf-8")
