"""The scheduler's send job: an issue planned for a time that has come goes out,
once to each confirmed subscriber, and the next tick sends nothing again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from store import newsletters
from store import runs as run_store
from tests.mailserver import smtp_server
from tests.newsletter_fixtures import draft, subscribe
from veille.app import App
from veille.ops.jobs import Job, run_job, send_due
from veille.settings import load_settings


def test_a_scheduled_issue_is_sent_once_when_its_time_comes(tmp_path):
    with smtp_server() as (port, inbox):
        app = App(load_settings(data_dir=tmp_path / "data", smtp_host="127.0.0.1", smtp_port=port,
                                newsletter_rate=0, secret_key="a test secret that is long enough"))
        engine = app.engine
        issue_id = draft(engine)
        for email in ("alice@example.org", "bob@example.org"):
            subscribe(engine, email)
        now = datetime.now(timezone.utc)
        newsletters.schedule(engine, issue_id, now + timedelta(hours=1))
        job = Job("send", "*/5 * * * *", "schedule_send", send_due)

        assert run_job(app, job) == "ok"
        assert inbox.messages == []  # not yet: its time has not come
        assert newsletters.get_issue(engine, issue_id).status == "scheduled"

        newsletters.schedule(engine, issue_id, now - timedelta(minutes=1))
        assert run_job(app, job) == "ok"
        assert sorted(r for m in inbox.messages for r in m.recipients) == ["alice@example.org", "bob@example.org"]
        assert newsletters.get_issue(engine, issue_id).status == "sent"
        [record] = [r for r in run_store.list_runs(engine) if r.kind == "send"]
        assert record.status == "ok" and record.counts["sent"] == 2

        assert run_job(app, job) == "ok"  # the next tick finds nothing due
        assert len(inbox.messages) == 2
