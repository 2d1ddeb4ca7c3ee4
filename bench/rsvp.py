"""Sustained RSVP writes per second on SQLite under gunicorn, with zero errors.

Run with ``make bench`` (after bench/run.py) or ``.venv/bin/python bench/rsvp.py --help``.
Everything talks to 127.0.0.1 only; the temporary database is deleted at the end.

What it does:

- migrates a temporary SQLite database (``flask db upgrade``) and creates ``--events``
  published gatherings with no capacity limit, so every answer is a real "going";
- runs an SMTP sink (aiosmtpd) in this process, so each confirmation (with its .ics)
  is really delivered over SMTP, as in production;
- starts ``gunicorn -w 4 wsgi:app`` (ProductionConfig: CSRF on, rate limits off);
- gives each of ``--concurrency`` clients its own session and CSRF token (from an
  event page), then for ``--seconds`` each client POSTs a new person's "going" to
  /events/<id>/rsvp as soon as its last answer came back (a closed loop), spreading
  the answers over the events. These are guests' answers: each is a pending answer
  waiting for its emailed link (the write, plus its "confirm your answer" email);
- checks afterwards that the database holds exactly one answer row (pending or RSVP)
  per successful answer and that every email was delivered.

How to read the numbers: ``writes/s`` is successful RSVPs (302) per second over the
window; p50/p95/p99 are client-side latencies in milliseconds, queueing for a free
worker included; ``errors`` counts any other status and failed connections. The load
generator and the SMTP sink share the CPUs with gunicorn, so the figure is a floor.
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from run import SECRET_KEY, flask, memory, percentile  # noqa: E402 - bench/run.py, beside this file

from tests.loadtools import HOST, Visitor, app_env, free_port, prepare, serve  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="load duration (default 15)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--events", type=int, default=50, help="events answered, round robin (default 50)")
    parser.add_argument(
        "--smtp-delay", type=float, default=0, help="ms the SMTP sink takes per message, as a remote server would"
    )
    return parser.parse_args(argv)


# -- setup --------------------------------------------------------------------------------


class MailSink:
    """Counts the messages delivered to it (aiosmtpd handler), optionally as slowly as a remote server."""

    def __init__(self, delay_ms: float = 0) -> None:
        self.received = 0
        self.delay = delay_ms / 1000

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received += 1
        return "250 OK"


def seed_events(database_url: str, count: int) -> list[tuple[int, str]]:
    """Create ``count`` published events with no capacity limit: (id, page path) each."""
    from config import Config
    from eventsite import create_app
    from eventsite.events import EventDetails, propose_event
    from eventsite.extensions import db
    from eventsite.models import EventKind, EventStatus, Person, Place

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, MODERATION="open", MAIL_SERVER="")
    starts = (datetime.now() + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    with app.app_context():
        host = Person(email="host@example.org", name="Bench Host")
        place = Place(name="Armley", slug="armley")
        events = []
        for number in range(count):
            details = EventDetails(
                title=f"Bench gathering {number}",
                kind=EventKind.PUB_COFFEE,
                starts_local=starts,
                timezone="Europe/London",
                place=place,
                venue_name="Café Nova",
                address="1 High Street",
            )
            event = propose_event(details, host, email_confirmed=True)
            event.status = EventStatus.PUBLISHED
            db.session.flush()
            events.append((event.id, f"/events/{event.id}-{event.slug}"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return events


# -- load ---------------------------------------------------------------------------------


def answer(number: int) -> dict[str, str]:
    return {"answer": "going", "name": f"Bench Person {number}", "email": f"bench{number}@example.org"}


def client_loop(visitor: Visitor, event_ids: list[int], numbers, deadline: float, record: list) -> None:
    """One client: a new person answers "going" as soon as the last answer came back."""
    while time.perf_counter() < deadline:
        number = next(numbers)
        reply = visitor.post(f"/events/{event_ids[number % len(event_ids)]}/rsvp", answer(number), timeout=30)
        ok = reply.status == 302 and reply.location.endswith("#rsvp")
        record.append((reply.seconds, ok, str(reply.status) if reply.status else reply.error.split(":")[0]))


def load(port: int, events: list[tuple[int, str]], args: argparse.Namespace) -> tuple[float, list, list]:
    """Prepare a session per client, warm every worker up (untimed), then the timed closed loop."""
    visitors = [Visitor(port, keep_cookies=False) for _ in range(args.concurrency)]
    prepare(visitors, [events[n % len(events)][1] for n in range(args.concurrency)])
    event_ids = [event_id for event_id, _page in events]
    numbers = itertools.count()  # next() on it is atomic under the GIL: every person is new
    warm: list = []
    for visitor in visitors:  # one untimed answer each: every worker has opened the database
        reply = visitor.post(f"/events/{event_ids[0]}/rsvp", answer(next(numbers)), timeout=30)
        warm.append((reply.seconds, reply.status == 302, str(reply.status)))
    records: list[list] = [[] for _ in visitors]
    started = time.perf_counter()
    deadline = started + args.seconds
    threads = [
        threading.Thread(target=client_loop, args=(visitor, event_ids, numbers, deadline, records[n]))
        for n, visitor in enumerate(visitors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 60)
    elapsed = time.perf_counter() - started
    return elapsed, warm, [record for per_client in records for record in per_client]


# -- report -------------------------------------------------------------------------------


def count_rows(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rsvps = connection.execute(
            "SELECT (SELECT count(*) FROM rsvp) + (SELECT count(*) FROM pending_answer)"
        ).fetchone()[0]
        queued = connection.execute("SELECT count(*) FROM outbox_mail WHERE sent_at IS NULL").fetchone()[0]
    return {"rsvp_rows": rsvps, "mail_still_queued": queued}


def summarise(elapsed: float, records: list, warm: list, rows: dict, delivered: int) -> dict:
    latencies = sorted(seconds * 1000 for seconds, _ok, _status in records)
    successes = sum(ok for _seconds, ok, _status in records)
    statuses: dict[str, int] = {}
    for _seconds, _ok, status in records:
        statuses[status] = statuses.get(status, 0) + 1
    saved_expected = successes + sum(ok for _s, ok, _st in warm)
    return {
        "answers": len(records),
        "successes": successes,
        "errors": len(records) - successes,
        "seconds": round(elapsed, 2),
        "writes_per_second": round(successes / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else 0.0,
        "statuses": dict(sorted(statuses.items())),
        "warm_up_answers": len(warm),
        "rsvp_rows": rows["rsvp_rows"],
        "rsvp_rows_expected": saved_expected,
        "mail_delivered": delivered,
        "mail_still_queued": rows["mail_still_queued"],
    }


def print_report(report: dict) -> None:
    meta, result = report["meta"], report["result"]
    print(f"\neventsite RSVP benchmark: {meta['events']} events, no capacity limit (SQLite)")
    print(
        f"gunicorn -w {meta['workers']} (sync), {meta['concurrency']} clients, {meta['seconds']:g} s, "
        f"load from python-threads on {meta['cpus']} CPUs, SMTP sink in the same process"
    )
    print("note: the load generator and the SMTP sink share the CPUs with gunicorn; figures are a floor.")
    busiest = max(meta["load_average_at_start"], meta["load_average_at_end"])
    if busiest > meta["cpus"] / 2:
        print(f"warning: the machine was busy (1-min load average up to {busiest:g}); compare with care.")
    label = "POST /events/<id>/rsvp"
    print(f"\n{'write':<{len(label) + 2}}{'writes/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    latencies = "".join(f"{result[key]:>9.1f}" for key in ("p50_ms", "p95_ms", "p99_ms"))
    print(f"{label:<{len(label) + 2}}{result['writes_per_second']:>9.1f}{latencies}{result['errors']:>8}")
    print(f"\nanswers: {result['answers']} in {result['seconds']:g} s, statuses {result['statuses']}")
    print(f"answer rows: {result['rsvp_rows']} (expected {result['rsvp_rows_expected']}: one per successful answer)")
    print(f"mail: {result['mail_delivered']} delivered over SMTP, {result['mail_still_queued']} still queued")
    print_memory(report["memory"])


def print_memory(usage: dict) -> None:
    print("\nmemory after load (VmRSS):")
    for role, process in [("master", usage["master"])] + [("worker", worker) for worker in usage["workers"]]:
        print(f"  {role} {process['rss_kib'] / 1024:8.1f} MiB  (pid {process['pid']})")
    print(f"  total  {usage['total_kib'] / 1024:8.1f} MiB")


def problems(result: dict) -> list[str]:
    found = []
    if result["errors"]:
        found.append(f"{result['errors']} answers failed")
    if result["rsvp_rows"] != result["rsvp_rows_expected"]:
        found.append(f"{result['rsvp_rows']} RSVP rows for {result['rsvp_rows_expected']} successful answers")
    if result["mail_still_queued"]:
        found.append(f"{result['mail_still_queued']} messages not delivered")
    return found


# -- main ---------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path) -> dict:
    database = workdir / "rsvp.sqlite"
    database_url = f"sqlite:///{database}"
    sink = MailSink(args.smtp_delay)
    smtp = Controller(sink, hostname=HOST, port=free_port())
    env = app_env(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        SITE_URL="http://eventsite.bench",
        MAIL_SERVER=HOST,
        MAIL_PORT=str(smtp.port),
    )
    print(f"migrating {database} and creating {args.events} events ...", flush=True)
    flask(env, "db", "upgrade")
    events = seed_events(database_url, args.events)
    smtp.start()
    log_path = workdir / "gunicorn.log"
    try:
        with serve(env, log_path, workers=args.workers) as server:
            print(f"gunicorn up on {HOST}:{server.port}; answering for {args.seconds:g} s ...", flush=True)
            elapsed, warm, records = load(server.port, events, args)
            usage = memory(server.process.pid)
    finally:
        smtp.stop()
    result = summarise(elapsed, records, warm, count_rows(database), sink.received)
    report = {"meta": meta(args), "result": result, "memory": usage}
    if problems(result) or "Traceback" in log_path.read_text(errors="replace"):
        RESULTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, RESULTS / "rsvp-gunicorn.log")
        report["gunicorn_log"] = str(RESULTS / "rsvp-gunicorn.log")
    return report


def meta(args: argparse.Namespace) -> dict:
    return {
        "events": args.events,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "smtp_delay_ms": args.smtp_delay,
        "load_generator": "python-threads",
        "cpus": os.cpu_count(),
        "load_average_at_start": args.load_at_start,
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    args.load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="eventsite-bench-rsvp-") as workdir:
        report = run(args, Path(workdir))
    print_report(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "rsvp.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults written to {path.relative_to(ROOT)}")
    found = problems(report["result"])
    for problem in found:
        print(f"problem: {problem}")
    if "gunicorn_log" in report:
        print(f"gunicorn's log kept: {report['gunicorn_log']}")
    return 1 if found or "gunicorn_log" in report else 0


if __name__ == "__main__":
    sys.exit(main())
