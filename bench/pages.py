"""The page rows of ``make bench``: both baselines (before and after), the shared feed (full
body, 304, behind nginx), an event, the lists, the month, a series, the ideas board (also in
Polish), and each worker's memory after the load. All on one seeded SQLite database."""

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from load import Options, Row, run_wrk, warm_up
from servers import BIN, ROOT, environment, fetch, gunicorn, largest_worker_rss_kib, nginx

FEED = "/calendar.ics"
POLISH = {"Accept-Language": "pl"}
# Goals: a ratio to a baseline measured in the same run (issue 15).
FEED_GOAL, NOT_MODIFIED_GOAL, EVENT_GOAL, PAGE_GOAL, PROXIED_FEED_GOAL = 0.40, 0.80, 0.20, 0.15, 0.90


@dataclass
class Target:
    name: str
    path: str
    versus: str  # "nginx" or "hello": the baseline its ratio is to
    goal: float
    headers: dict = field(default_factory=dict)


@dataclass
class Pages:
    rows: list  # (Target or None, Row), in the order measured
    baselines: dict[str, list[float]]  # req/s of each baseline, at the start and at the end
    feed: dict
    memory: dict
    paths: dict[str, str]
    seeding_seconds: float
    logs: dict[str, Path]


def flask(env: dict, *args: str) -> None:
    """Run a flask command quietly; show its output only if it fails."""
    command = [str(BIN / "flask"), "--app", "eventsite", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def seed(env: dict, events: int, people: int, rsvps: int) -> float:
    """Migrate and seed; the seeding time in seconds (migrations excluded)."""
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    flask(env, "seed-demo", "--events", str(events), "--people", str(people), "--rsvps", str(rsvps))
    return time.perf_counter() - started


def pick_paths(database_url: str) -> dict[str, str]:
    """The canonical addresses of the published event with the most answers (no series
    session) and of a series with sessions, read from the database."""
    from sqlalchemy import func, select

    from config import Config
    from eventsite import create_app
    from eventsite.extensions import db
    from eventsite.models import Event, EventStatus, Rsvp, Series

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        busiest = (
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(Event.status == EventStatus.PUBLISHED, Event.series_id.is_(None))
            .group_by(Event.id)
            .order_by(func.count(Rsvp.id).desc(), Event.id)
            .limit(1)
        )
        event = db.session.scalar(busiest)
        series = db.session.scalar(select(Series).join(Event, Event.series_id == Series.id).limit(1))
        if event is None or series is None:
            raise RuntimeError("the seeded data has no event with answers, or no series: seed-demo --events 5000 ...")
        paths = {"event": f"/events/{event.id}-{event.slug}", "series": f"/series/{series.id}-{series.slug}"}
        db.session.remove()
        db.engine.dispose()
    return paths


def check_pages(port: int, paths: dict[str, str]) -> None:
    """Each page answers 200 at its address (no redirect to follow), and in Polish when asked."""
    for path in paths.values():
        status, _headers, _body = fetch(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}, not 200")
    _status, _headers, body = fetch(port, paths["event"], POLISH)
    if b'lang="pl"' not in body[:400]:
        raise RuntimeError(f"{paths['event']} with Accept-Language: pl did not answer in Polish")


def targets(paths: dict[str, str]) -> list[Target]:
    pages = [
        Target("event page", paths["event"], "hello", EVENT_GOAL),
        Target("/ home list", "/", "hello", PAGE_GOAL),
        Target("/?kind=workshop", "/?kind=workshop", "hello", PAGE_GOAL),
        Target("/calendar month", "/calendar", "hello", PAGE_GOAL),
        Target("series page", paths["series"], "hello", PAGE_GOAL),
        Target("/ideas board", "/ideas", "hello", PAGE_GOAL),
    ]
    polish = [Target(f"{target.name} (pl)", target.path, "hello", target.goal, POLISH) for target in pages]
    return pages + polish


def first_feed(port: int) -> dict:
    """The shared feed as the first request after gunicorn started: its bytes, type, ETag, time."""
    started = time.perf_counter()
    status, headers, body = fetch(port, FEED)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if status != 200 or not headers.get("ETag"):
        raise RuntimeError(f"{FEED} answered {status} (ETag {headers.get('ETag')!r}); expected 200 with an ETag")
    return {
        "body": body,
        "bytes": len(body),
        "vevents": body.count(b"BEGIN:VEVENT"),
        "content_type": headers["Content-Type"],
        "etag": headers["ETag"],
        "cache_control": headers.get("Cache-Control", ""),
        "first_request_ms": round(elapsed_ms, 1),
    }


def check_not_modified(port: int, etag: str, tries: int = 8) -> None:
    """Every worker must answer the first answer's ETag with a bodiless 304."""
    for _ in range(tries):
        status, _headers, body = fetch(port, FEED, {"If-None-Match": etag})
        if status != 304 or body:
            raise RuntimeError(f"{FEED} with If-None-Match {etag} answered {status} with {len(body)} bytes")


def measure(options: Options, name: str, port: int, path: str, headers: dict | None = None) -> Row:
    warm_up(port, path, headers)
    row = run_wrk(name, port, path, options, headers)
    print(f"  {name}: {row.rps:,.0f} req/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms", flush=True)
    return row


def run(options: Options, workdir: Path, database_url: str, seeding_seconds: float) -> Pages:
    """Every page row, on the database bench/run.py seeded."""
    env = environment(DATABASE_URL=database_url, SITE_URL="http://eventsite.bench")
    paths = pick_paths(database_url)
    logs = {"site": workdir / "gunicorn-pages.log", "hello": workdir / "gunicorn-hello.log"}
    with gunicorn(env, logs["site"]) as site, gunicorn(env, logs["hello"], app="hello:app") as hello:
        feed = first_feed(site.port)  # before anything else: no worker has built the feed yet
        check_not_modified(site.port, feed["etag"])
        check_pages(site.port, paths)
        with nginx(workdir / "nginx", site.port, feed["body"], feed["content_type"]) as proxy:
            feed["cache_status_behind_nginx"] = check_nginx(proxy, feed)
            rows, baselines = measure_all(options, site.port, hello.port, proxy, paths, feed["etag"])
        memory = largest_worker_rss_kib(site.process)
    feed.pop("body")
    return Pages(rows, baselines, feed, memory, paths, seeding_seconds, logs)


def measure_all(options: Options, site: int, hello: int, proxy, paths: dict, etag: str):
    baselines: dict[str, list[float]] = {"nginx": [], "hello": []}
    rows: list = []

    def baseline_rows(when: str) -> None:
        for key, name, port, path in (
            ("nginx", "nginx static", proxy.static_port, FEED),
            ("hello", "hello-world", hello, "/"),
        ):
            row = measure(options, f"{name} ({when})", port, path)
            baselines[key].append(row.rps)
            rows.append((None, row))

    baseline_rows("start")
    full = Target(f"{FEED} full body", FEED, "nginx", FEED_GOAL)
    not_modified = Target(f"{FEED} 304", FEED, "hello", NOT_MODIFIED_GOAL, {"If-None-Match": etag})
    proxied = Target(f"{FEED} behind nginx", FEED, "nginx", PROXIED_FEED_GOAL)
    for target in [full, not_modified, *targets(paths)]:
        rows.append((target, measure(options, target.name, site, target.path, target.headers)))
    rows.append((proxied, measure(options, proxied.name, proxy.site_port, FEED)))
    baseline_rows("end")
    return rows, baselines


def check_nginx(proxy, feed: dict) -> list[str]:
    """The baseline serves the app's very bytes and type; behind nginx, the same bytes from its cache.
    Returns the X-Cache-Status of a few answers after the first."""
    for port in (proxy.static_port, proxy.site_port):
        status, headers, body = fetch(port, FEED)
        if status != 200 or body != feed["body"] or headers.get("Content-Type") != feed["content_type"]:
            raise RuntimeError(f"nginx on port {port} does not serve the app's feed ({status}, {len(body)} bytes)")
    return [fetch(proxy.site_port, FEED)[1].get("X-Cache-Status", "") for _ in range(5)]
