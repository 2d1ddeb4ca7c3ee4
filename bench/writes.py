"""The answer-write rows of ``make bench``: new people answering "going" under gunicorn
(4 workers) on SQLite and on PostgreSQL, with wrk generating the POSTs (bench/wrk_answers.lua).

Each database starts empty (a new SQLite file; PostgreSQL's schema dropped and made again),
is migrated and gets ``EVENTS`` published gatherings with no capacity limit. gunicorn runs
with ``MAIL_DELIVERY=worker`` beside one ``flask send-mail --watch``, which delivers every
confirmation over SMTP to a sink in this process (aiosmtpd). Afterwards every answer row
must be accounted for and, within ``MAIL_WAIT`` seconds, every message delivered."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from load import Options, Row, run_wrk
from pages import flask
from servers import BENCH, HOST, environment, free_port, gunicorn, mail_worker
from sqlalchemy import create_engine, text

from tests.loadtools import Visitor

EVENTS = 50
WARMUP_ANSWERS = 20
MAIL_WAIT = 30  # seconds, at most, for the worker to send what is still queued
ANSWERS_SCRIPT = BENCH / "wrk_answers.lua"
GOALS = {"sqlite": 400, "postgresql": 300}  # answer writes per second (issue 15)
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1/eventsite_bench"


@dataclass
class Writes:
    database: str
    row: Row
    accounting: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    log_paths: list[Path] = field(default_factory=list)


class MailSink:
    """Counts the messages delivered to it (an aiosmtpd handler)."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0)
        self.received += 1
        return "250 OK"


def reset_postgresql(database_url: str) -> None:
    """Drop and make again the bench database's schema: it starts empty."""
    from config import database_url as normalised

    engine = create_engine(normalised(database_url))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def seed_events(database_url: str, count: int) -> list[tuple[int, str]]:
    """``count`` published events with no capacity limit: (id, page path) each."""
    from config import Config
    from eventsite import create_app
    from eventsite.events import EventDetails, propose_event
    from eventsite.extensions import db
    from eventsite.models import EventKind, EventStatus, Person, Place

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, MODERATION="open", MAIL_SERVER="")
    starts = (datetime.now() + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    with app.app_context():
        host, place = Person(email="host@example.org", name="Bench Host"), Place(name="Armley", slug="armley")
        events = []
        for number in range(count):
            details = EventDetails(title=f"Bench gathering {number}", kind=EventKind.PUB_COFFEE, starts_local=starts,
                                   timezone="Europe/London", place=place, venue_name="Café Nova",
                                   address="1 High Street")  # fmt: skip
            event = propose_event(details, host, email_confirmed=True)
            event.status = EventStatus.PUBLISHED
            db.session.flush()
            events.append((event.id, f"/events/{event.id}-{event.slug}"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return events


def count_rows(database_url: str) -> dict[str, int]:
    from config import database_url as normalised

    engine = create_engine(normalised(database_url))
    with engine.connect() as connection:
        answers = connection.scalar(text("SELECT (SELECT count(*) FROM rsvp) + (SELECT count(*) FROM pending_answer)"))
        mail = connection.scalar(text("SELECT count(*) FROM outbox_mail"))
        queued = connection.scalar(text("SELECT count(*) FROM outbox_mail WHERE sent_at IS NULL"))
    engine.dispose()
    return {"answer_rows": answers, "mail_rows": mail, "mail_still_queued": queued}


def wait_for_mail(database_url: str, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while (rows := count_rows(database_url))["mail_still_queued"] and time.monotonic() < deadline:
        time.sleep(0.5)
    return rows


def session_for(port: int, page: str) -> tuple[Visitor, str]:
    """One visitor's session cookie and CSRF token, which every connection then sends."""
    visitor = Visitor(port, keep_cookies=False)
    visitor.open_page(page)
    return visitor, "; ".join(f"{name}={value}" for name, value in visitor.cookies.items())


def warm_up(visitor: Visitor, event_ids: list[int]) -> int:
    """WARMUP_ANSWERS untimed answers with the same session: the number saved."""
    saved = 0
    for number in range(WARMUP_ANSWERS):
        fields = {"answer": "going", "name": f"Warm Up {number}", "email": f"warmup{number}@example.org"}
        reply = visitor.post(f"/events/{event_ids[number % len(event_ids)]}/rsvp", fields)
        if reply.status != 302 or not reply.location.endswith("#rsvp"):
            raise RuntimeError(f"a warm-up answer got {reply.status or reply.error}: is the CSRF token refused?")
        saved += 1
    return saved


def run(database: str, database_url: str, options: Options, workdir: Path) -> Writes:
    """Answer writes on one database (``sqlite`` or ``postgresql``)."""
    if database == "postgresql":
        reset_postgresql(database_url)
    sink = MailSink()
    smtp = Controller(sink, hostname=HOST, port=free_port())
    env = environment(DATABASE_URL=database_url, SITE_URL="http://eventsite.bench", MAIL_SERVER=HOST,
                      MAIL_PORT=str(smtp.port), MAIL_DELIVERY="worker")  # fmt: skip
    print(f"answer writes on {database}: migrating and creating {EVENTS} events ...", flush=True)
    flask(env, "db", "upgrade")
    events = seed_events(database_url, EVENTS)
    event_ids = [event_id for event_id, _page in events]
    logs = [workdir / f"gunicorn-writes-{database}.log", workdir / f"send-mail-{database}.log"]
    smtp.start()
    try:
        with gunicorn(env, logs[0]) as server, mail_worker(env, logs[1]) as worker:
            visitor, cookie = session_for(server.port, events[0][1])
            warm = warm_up(visitor, event_ids)
            token = quote(visitor.csrf_token, safe="")
            args = (cookie, token, ",".join(map(str, event_ids)))
            name = f"answer writes ({database})"
            row = run_wrk(name, server.port, "/", options, script=ANSWERS_SCRIPT, args=args)
            print(f"  {name}: {row.rps:,.0f} writes/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms", flush=True)
            rows = wait_for_mail(database_url, MAIL_WAIT)
            if worker.poll() is not None:
                raise RuntimeError(f"flask send-mail --watch exited with status {worker.returncode}")
    finally:
        smtp.stop()
    return account(Writes(database, row, log_paths=logs), warm, rows, sink.received)


def account(writes: Writes, warm: int, rows: dict, delivered: int) -> Writes:
    """Every answer row is a saved answer (302 to the event's #rsvp) or one still in flight
    when wrk stopped (sent, never answered: at most one per connection)."""
    row = writes.row
    saved = row.count("302 #rsvp")
    answered = sum(row.counts.values())
    in_flight = row.sent - answered
    writes.accounting = {"saved": saved, "warm_up": warm, "in_flight_at_end": in_flight, **rows,
                         "mail_delivered": delivered}  # fmt: skip
    failed = answered - saved
    if failed or row.errors:
        writes.problems.append(f"{failed} answers were not saved, {row.errors} errors ({row.counts})")
    low, high = saved + warm, saved + warm + in_flight
    if not low <= rows["answer_rows"] <= high:
        writes.problems.append(f"{rows['answer_rows']} answer rows for {low} saved answers (+{in_flight} in flight)")
    if rows["mail_still_queued"]:
        writes.problems.append(f"{rows['mail_still_queued']} messages still queued after {MAIL_WAIT} s")
    if delivered != rows["mail_rows"] - rows["mail_still_queued"]:
        writes.problems.append(f"{delivered} messages delivered over SMTP, {rows['mail_rows']} queued in all")
    return writes
