"""Operating veille: alerts and the digest by email, greppable logs, backups, progress."""

from __future__ import annotations

import json
import os
import pty
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from store import items as item_store
from store.db import open_engine
from store.records import NewItem
from tests.mailserver import smtp_server
from tests.ops_helpers import VEILLE, environment, runs_of, veille
from veille.app import App
from veille.demo.server import FixtureWeb, error_500
from veille.ops.jobs import Job, digest, run_job
from veille.settings import load_settings


@pytest.fixture
def inbox():
    with smtp_server() as (port, box):
        yield port, box


def test_admins_get_one_alert_per_cause_and_day(tmp_path, inbox):
    port, box = inbox
    broken_model = tmp_path / "broken-model"
    broken_model.mkdir()
    (broken_model / "model.skops").write_bytes(b"not a model")
    env = environment(tmp_path / "data", smtp_host="127.0.0.1", smtp_port=str(port), alert_failures="1",
                      alert_emails='["veille-alertes@example.org"]', alert_db_max_mb="0.01",
                      model_path=str(broken_model))
    assert veille(env, "users", "add", "admin@example.org", "--role", "admin", "--password-stdin",
                  stdin="un mot de passe assez long\n").returncode == 0
    with FixtureWeb(extra_routes={"panne": error_500}) as web:
        assert veille(env, "sources", "add", web.base_url("panne") + "/feed/", "--name", "Site en panne").returncode == 0
        first = veille(env, "run")
        second = veille(env, "run")
    assert first.returncode == second.returncode == 1
    assert first.stderr.strip().splitlines()[-1].startswith("veille: error: cannot load the classifier model")

    assert len(box.messages) == 1  # the second run finds the same problems: not told twice the same day
    assert set(box.messages[0].recipients) == {"admin@example.org", "veille-alertes@example.org"}
    mail = box.messages[0].message
    assert mail["Subject"] == "[veille] 4 problèmes à regarder"
    lines = mail.get_content().splitlines()
    assert lines[0].startswith("- L'exécution 1 (crawl) a échoué : robots.txt unreachable") and "HTTP 500" in lines[0]
    assert lines[1].startswith("- L'exécution 2 (classify) a échoué : cannot load the classifier model")
    assert lines[2].startswith("- La source « Site en panne » échoue depuis 1 collectes")
    assert lines[3].startswith("- La base de données occupe")

    # The logs: one logfmt line per event, the run id on every line about a run.
    finished = [line for line in first.stderr.splitlines() if 'msg="run finished"' in line]
    assert [re.search(r" run=(\d+) ", line).group(1) for line in finished] == ["1", "2"]
    assert "kind=classify status=failed" in finished[1]
    runs = json.loads(veille(env, "runs", "--json").stdout)
    assert {(r["id"], r["kind"], r["status"]) for r in runs} >= {(1, "crawl", "failed"), (2, "classify", "failed")}


def test_the_daily_digest_reaches_the_admins_once_a_day(tmp_path, inbox):
    port, box = inbox
    settings = load_settings(data_dir=tmp_path / "data", smtp_host="127.0.0.1", smtp_port=port,
                             alert_emails=["direction@example.org"])
    app = App(settings)
    job = Job("digest", "0 7 * * *", "schedule_digest", digest)
    assert run_job(app, job) == "ok"
    assert run_job(app, job) == "ok"
    assert len(box.messages) == 1
    mail = box.messages[0].message
    assert mail["Subject"] == f"[veille] Bilan du {datetime.now(timezone.utc):%d/%m/%Y}"
    assert "Articles collectés en 24 heures : 0" in mail.get_content()
    runs = runs_of(settings.store_url, "digest")
    assert [r.counts for r in runs] == [{"sent": 1}, {"sent": 0, "reason": "already sent today"}]


WRITER = """
import sys, itertools
from store import items, sources
from store.db import open_engine
from store.records import NewItem
engine = open_engine(sys.argv[1])
actor = sources.upsert_actor(engine, name="Écrivain", channels=[])
print("writing", flush=True)
for n in itertools.count():
    items.ingest(engine, [NewItem(actor_id=actor, channel_id=None, url=f"https://e.example/{n}/{k}",
                 canonical_url=f"https://e.example/{n}/{k}", title=f"Article {n}-{k}", text="texte " * 200,
                 content_hash=f"{n}-{k}") for k in range(20)])
"""


def test_backup_copies_the_store_while_it_is_written(tmp_path):
    env = environment(tmp_path / "data")
    store_url = f"sqlite:///{tmp_path / 'data' / 'veille.sqlite'}"
    assert veille(env, "db", "upgrade").returncode == 0
    writer = subprocess.Popen([sys.executable, "-c", WRITER, store_url], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        assert writer.stdout.readline().strip() == "writing"
        result = veille(env, "backup", "--out", str(tmp_path / "copie.sqlite"), "--json")
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["file"] == str(tmp_path / "copie.sqlite")
    with sqlite3.connect(tmp_path / "copie.sqlite") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # one moment of the store: only whole batches, never part of one
        assert copy.execute("SELECT count(*) FROM items").fetchone()[0] % 20 == 0
    restored = veille({**env, "VEILLE_DATABASE_URL": f"sqlite:///{tmp_path / 'copie.sqlite'}"}, "search", "--json")
    assert restored.returncode == 0 and all(i["title"].startswith("Article") for i in json.loads(restored.stdout))


def test_backup_on_postgresql_points_to_pg_dump(tmp_path, postgres_url):
    result = veille(environment(tmp_path / "data", postgres_url), "backup")
    assert result.returncode == 1
    assert result.stderr.strip() == ("veille: error: `veille backup` copies a SQLite store; on PostgreSQL use "
                                     "pg_dump (see the README, section Operations)")


def test_classify_shows_a_progress_bar_on_a_terminal(tmp_path):
    store_url = f"sqlite:///{tmp_path / 'data' / 'veille.sqlite'}"
    env = environment(tmp_path / "data")
    assert veille(env, "db", "upgrade").returncode == 0
    engine = open_engine(store_url)
    from store import sources

    actor = sources.upsert_actor(engine, name="Mairie", channels=[])
    item_store.ingest(engine, [NewItem(actor_id=actor, channel_id=None, url=f"https://m.example/{n}",
                                       canonical_url=f"https://m.example/{n}", title=f"Budget participatif {n}",
                                       text="Les habitants votent pour les projets du budget participatif. " * 20,
                                       content_hash=f"h{n}") for n in range(30)])
    engine.dispose()
    screen = _in_a_terminal(env, "classify")
    assert re.search(r"classify  \[#{20}\]  30/30 items  [\d.]+/s", screen), screen
    piped = veille(env, "classify")  # not a terminal: no progress line, only the result
    assert piped.stderr == "" and piped.stdout.startswith("classified 0 items")


def _in_a_terminal(env: dict, *args: str) -> str:
    controller, terminal = pty.openpty()
    process = subprocess.Popen([VEILLE, *args], env=env, stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # the process closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(120)
    os.close(controller)
    return b"".join(chunks).decode(errors="replace")
