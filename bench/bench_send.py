"""Rendering and sending an issue to 10,000 subscribers on a loopback SMTP server.

veille's send (one rendering per choice of themes, personal links swapped in,
MIME assembled with binascii, one delivery claimed and recorded per
recipient, one SMTP connection) against a naive baseline in this same
process: each recipient's copy rendered and CSS-inlined from the templates,
built with the email package and sent with smtplib.sendmail, no delivery
records (so no resume). The SMTP server (aiosmtpd) runs in its own process
and counts what it accepts. Medians of --repeat runs; peak memory is the
sending process's peak RSS (ru_maxrss) and, separately, the Python heap
peak measured by tracemalloc during one send.

    .venv/bin/python bench/bench_send.py [--subscribers 10000] [--repeat 3] [--baseline 1000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import smtplib
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsletter.compose import compose_issue, issue_from_record  # noqa: E402
from newsletter.config import MailConfig, SmtpConfig  # noqa: E402
from newsletter.links import personal  # noqa: E402
from newsletter.render import Links, render_html, render_text  # noqa: E402
from newsletter.send import send_issue  # noqa: E402
from store import items, migrate, newsletters, sources, subscribers  # noqa: E402
from store.db import open_engine  # noqa: E402
from store.records import NewItem, Prediction  # noqa: E402
from store.subscribers import NewSubscriber  # noqa: E402
from store.taxonomy import slugs  # noqa: E402

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
END = datetime(2026, 11, 9, tzinfo=timezone.utc)
KINDS = ("news", "news", "event", "publication", "call")


def smtp_process(port: int, count, ready) -> None:
    """An SMTP server that accepts and counts, keeping nothing (its memory is not ours)."""
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    Controller(Count(), hostname="127.0.0.1", port=port, server_hostname="localhost").start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, n_subscribers: int) -> None:
    """40 accepted, tagged items of a week; n subscribers, a third of them with 1-3 themes."""
    engine = open_engine(url)
    migrate.upgrade(engine)
    actor = sources.upsert_actor(engine, name="Ville de Saint-Aubin", channels=[], type="local-authority")
    text = ("La ville ouvre le vote de son budget participatif. Quarante-deux projets sont soumis au vote "
            "jusqu'à la fin du mois. Le budget représente 1,2 million d'euros. Rendez-vous le 12 décembre. ") * 6
    items.ingest(engine, [
        NewItem(channel_id=None, actor_id=actor, url=f"https://ville.example/{n}", canonical_url=f"https://ville.example/{n}",
                title=f"Article de veille numéro {n} sur la participation", text=text, language="fr",
                published=datetime(2026, 11, 3 + n % 5, tzinfo=timezone.utc), content_hash=f"h{n}")
        for n in range(40)
    ])
    themes, rng = slugs("themes"), random.Random(7)
    views = items.search(engine, limit=100)
    items.save_classifications(engine, [
        (v.id, Prediction(True, 0.9, "coproduction", {}, rng.sample(themes, 2), {}, KINDS[v.id % 5], {}, {}, "bench"))
        for v in views
    ])
    items.set_status(engine, [v.id for v in views], "accepted")
    rows = [NewSubscriber(f"abonne{n:05d}@example.org", f"Abonné {n}",
                          tuple(rng.sample(themes, rng.randint(1, 3))) if n % 3 == 0 else ())
            for n in range(n_subscribers)]
    subscribers.import_many(engine, rows, confirmed=True, method="bench")
    engine.dispose()


def new_issue(url: str) -> int:
    engine = open_engine(url)
    views = items.search(engine, statuses=("accepted",), since=START, until=END, limit=500, with_text=True)
    issue = compose_issue(views, START, END, "La veille de l'Observatoire")
    issue_id = newsletters.save_draft(engine, issue.to_draft(), "", "", summaries=issue.summaries())
    engine.dispose()
    return issue_id


def config(port: int) -> MailConfig:
    return MailConfig(smtp=SmtpConfig("127.0.0.1", port), sender="veille@observatoire.example",
                      title="La veille de l'Observatoire", public_url="https://veille.example",
                      secret="bench secret", rate=0)


def veille_send(url: str, port: int, issue_id: int, result, trace: bool) -> None:
    """In a fresh process: send, report seconds, peak RSS (KiB) and the traced heap peak (bytes)."""
    engine = open_engine(url)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    report = send_issue(engine, issue_id, config(port))
    elapsed = time.perf_counter() - started
    heap = tracemalloc.get_traced_memory()[1] if trace else 0
    result.put((report.sent, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, heap))


def baseline_send(url: str, port: int, issue_id: int, limit: int) -> tuple[int, float]:
    """Each copy rendered on its own and built by the email package; smtplib.sendmail; no records."""
    engine = open_engine(url)
    issue = issue_from_record(newsletters.get_issue(engine, issue_id))
    cfg = config(port)
    people = subscribers.list_all(engine, "confirmed")[:limit]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for person in people:
            links = Links(web=f"{cfg.public_url}/newsletter/{issue_id}",
                          unsubscribe=personal(cfg, "unsubscribe", person.id, person.email),
                          manage=personal(cfg, "manage", person.id, person.email))
            copy = issue.for_themes(person.themes)
            msg = EmailMessage(policy=SMTP)  # CRLF line ends, as SMTP wants
            msg["From"], msg["To"], msg["Subject"] = cfg.sender, person.email, copy.email_subject
            msg.set_content(render_text(copy, links), cte="quoted-printable")
            msg.add_alternative(render_html(copy, links), subtype="html", cte="quoted-printable")
            smtp.sendmail(cfg.sender, [person.email], msg.as_bytes())
    return len(people), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=1_000, help="recipients for the naive baseline")
    args = parser.parse_args()
    fork = multiprocessing.get_context("fork")
    count, ready, port = fork.Value("i", 0), fork.Event(), free_port()
    server = fork.Process(target=smtp_process, args=(port, count, ready), daemon=True)
    server.start()
    ready.wait(10)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        seed(url, args.subscribers)
        rates, peaks = [], []
        for run in range(args.repeat + 1):  # the last run traces the heap (slower, not timed)
            result = fork.Queue()
            child = fork.Process(target=veille_send, args=(url, port, new_issue(url), result, run == args.repeat))
            child.start()
            sent, elapsed, rss, heap = result.get()
            child.join()
            if run < args.repeat:
                rates.append(sent / elapsed)
                peaks.append(rss)
                print(f"  veille run {run + 1}: {sent} messages in {elapsed:.1f} s, {sent / elapsed:,.0f} msg/s, "
                      f"peak RSS {rss / 1024:.0f} MiB")
            else:
                print(f"  heap peak during one send (tracemalloc): {heap / 2**20:.1f} MiB")
        base = [baseline_send(url, port, new_issue(url), args.baseline) for _ in range(args.repeat)]
        base_rates = [n / s for n, s in base]
    server.kill()
    veille, naive = statistics.median(rates), statistics.median(base_rates)
    print(f"veille send: {veille:,.0f} msg/s (median of {args.repeat}, {args.subscribers:,} subscribers), "
          f"peak RSS {statistics.median(peaks) / 1024:.0f} MiB")
    print(f"naive baseline: {naive:,.0f} msg/s ({args.baseline:,} recipients, no delivery records)")
    print(f"ratio: {veille / naive:.1f}x; server accepted {count.value:,} messages in all")


if __name__ == "__main__":
    main()
