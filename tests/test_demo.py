"""The README's first command: `veille demo`, through the installed entry point."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

VEILLE = shutil.which("veille", path=str(Path(sys.executable).parent))


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    return env | {"VEILLE_DATA_DIR": str(tmp_path / "data")}


def test_demo_no_serve_writes_the_newsletter(tmp_path):
    done = subprocess.run([VEILLE, "demo", "--no-serve"], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    path = Path(lines[-1])
    assert path.is_file() and path.is_relative_to(tmp_path / "data" / "demo")
    html = path.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    crawl = next(line for line in lines if line.startswith("crawl:"))
    assert re.search(r"(\d+) new items", crawl).group(1) == "29" and "0 errors" in crawl
    tagged = next(line for line in lines if line.startswith("classify:"))
    relevant = int(re.search(r"(\d+) relevant", tagged).group(1))
    # The fixture web has 22 civic-tech articles and 7 that are not (road works, office moves…).
    assert 15 <= relevant <= 26
    # What no subscriber should read about: road works and waste collection.
    assert "Travaux rue des Mariniers" not in html and "Collecte des déchets" not in html
    assert "Budget participatif 2026" in html
    assert html.count("<h3") == relevant  # one entry per accepted item

    # A second demo starts again from an empty demo store: the same result, no duplicates.
    again = subprocess.run([VEILLE, "demo", "--no-serve"], cwd=tmp_path, env=_env(tmp_path),
                           capture_output=True, text=True, timeout=300)
    assert re.search(r"(\d+) new items", again.stdout).group(1) == "29"


def test_demo_serves_the_archive(tmp_path):
    proc = subprocess.Popen([VEILLE, "demo", "--port", "0"], cwd=tmp_path, env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, url = time.monotonic() + 240, None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "the demo stopped before serving"
            if match := re.match(r"web app: (http://127\.0\.0\.1:\d+/)", line):
                url = match.group(1)
        for _ in range(100):
            try:
                page = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page.status_code == 200 and "Budget participatif" in page.text
    finally:
        proc.terminate()
        proc.wait(20)
