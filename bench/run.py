"""Seed a large database, serve it with gunicorn and measure a few pages under load.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py --help``). Everything talks
to 127.0.0.1 only; the temporary database is deleted at the end.

How to read the numbers:

- ``req/s`` is completed requests per second over the whole window, with
  ``--concurrency`` connections each sending its next request as soon as the last
  answer arrived (a closed loop: the server is always saturated).
- ``p50/p95/p99`` are latencies in milliseconds, measured by the client from sending
  a request to reading the last byte of its body. They include time spent queueing
  for a free gunicorn worker: with 16 connections and 4 sync workers, most requests
  wait behind others, so latency is roughly concurrency / throughput.
- ``errors`` counts 4xx/5xx answers and failed connections; 3xx is success.
- Without wrk, the load generator is Python threads on the same machine: it competes
  with gunicorn for the CPU (on 2 cores, noticeably), so absolute figures are a floor
  and are best compared with each other and across commits on the same machine.
- gunicorn's sync workers close the connection after every response, so each request
  opens a new TCP connection even though the client would keep it alive.
- Memory is the resident set (VmRSS) of the gunicorn master and each worker after
  the load; a worker's RSS includes pages shared with the master.
- The shared feed ``/calendar.ics`` is measured twice: full bodies (no validator sent),
  and conditional requests that send the ETag of a first answer in ``If-None-Match``
  (``/calendar.ics (304)``), which the server should answer with 304 and no body. Its
  size, number of VEVENTs and the time of the first, uncached build (the first request
  after gunicorn starts, so one worker renders it from the database) are reported
  below the table. Each worker caches the feed's bytes on its own.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv that runs this script
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
PATHS = ["/", "/?kind=workshop", "/?page=50", "/events/1", "/calendar.ics", "/healthz", "/static/site.css"]
FEED = "/calendar.ics"
FEED_LIMIT_BYTES = 800_000  # Google gives up on feeds of about 1 MB; stay well under
WARMUP_REQUESTS = 20
sys.path.insert(0, str(ROOT))
from tests.loadtools import child_pids, stop  # noqa: E402 - the repository's own helpers

SECRET_KEY = "bench-secret"  # noqa: S105 - a throwaway key for a local, temporary server


@dataclass
class Measurement:
    path: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    label: str = ""  # the table's name for the row, when it is not just the path
    bytes_read: int = 0  # what the client read: headers and bodies with wrk, bodies with Python

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def name(self) -> str:
        return self.label or self.path


@dataclass
class FeedFacts:
    """The shared feed as a subscriber's calendar app fetches it."""

    bytes: int
    vevents: int
    etag: str
    first_build_ms: float

    @property
    def under_limit(self) -> bool:
        return self.bytes < FEED_LIMIT_BYTES


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="load duration per URL (default 10)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--events", type=int, default=5000, help="events to seed (default 5000)")
    parser.add_argument("--people", type=int, default=20000, help="people to seed (default 20000)")
    parser.add_argument("--rsvps", type=int, default=50000, help="RSVPs to seed (default 50000)")
    return parser.parse_args(argv)


# --- database -------------------------------------------------------------------


def app_env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, SESSION_COOKIE_SECURE="0")
    return env


def flask(env: dict[str, str], *args: str) -> None:
    """Run a flask command quietly; show its output only if it fails."""
    command = [str(BIN / "flask"), "--app", "eventsite", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        done.check_returncode()


def seed(env: dict[str, str], args: argparse.Namespace) -> float:
    """Migrate and seed; return the seeding time in seconds (migrations excluded)."""
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    flask(env, "seed-demo", "--events", str(args.events), "--people", str(args.people), "--rsvps", str(args.rsvps))
    return time.perf_counter() - started


# --- gunicorn ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int, port: int, log) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"{HOST}:{port}", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def wait_until_healthy(server: subprocess.Popen, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory(master: int) -> dict:
    """RSS of the master and each worker, in KiB."""
    workers = [{"pid": pid, "rss_kib": rss_kib(pid)} for pid in child_pids(master)]
    master_kib = rss_kib(master)
    total = master_kib + sum(worker["rss_kib"] for worker in workers)
    return {"master": {"pid": master, "rss_kib": master_kib}, "workers": workers, "total_kib": total}


# --- HTTP -------------------------------------------------------------------------


def get(port: int, path: str) -> tuple[int, str]:
    """One request on a fresh connection: (status, Location header)."""
    status, headers, _body = fetch(port, path)
    return status, headers.get("Location", "")


def fetch(port: int, path: str, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def canonical_path(port: int, path: str) -> str:
    """Follow one redirect (e.g. /events/1 -> /events/1-its-slug)."""
    status, location = get(port, path)
    if status not in (301, 302, 308):
        return path
    return http.client.urlsplit(location).path if location.startswith("http") else location


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index]


def client_loop(port: int, path: str, deadline: float, latencies: list, statuses: dict, headers: dict) -> None:
    """One connection's worth of load; http.client reopens it when the server closes it.
    Bytes read (bodies only: http.client hides the header bytes) go in statuses["bytes"]."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            statuses["bytes"] = statuses.get("bytes", 0) + len(response.read())
            status = str(response.status)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            status = type(error).__name__
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()


def warm_up(port: int, path: str) -> None:
    """A few untimed requests, so every worker has compiled its templates and opened the database."""
    for _ in range(WARMUP_REQUESTS):
        get(port, path)


def python_load(port: int, path: str, seconds: float, concurrency: int, headers: dict | None = None) -> Measurement:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[dict[str, int]] = [{} for _ in range(concurrency)]
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, path, deadline, latencies[n], statuses[n], headers or {}))
        for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(path, time.perf_counter() - started, latencies, statuses)


def summarise(path: str, elapsed: float, latencies: list[list[float]], statuses: list[dict]) -> Measurement:
    merged = sorted(value * 1000 for values in latencies for value in values)
    counts: dict[str, int] = {}
    for per_thread in statuses:
        for status, count in per_thread.items():
            counts[status] = counts.get(status, 0) + count
    bytes_read = counts.pop("bytes", 0)
    errors = sum(count for status, count in counts.items() if not status.isdigit() or int(status) >= 400)
    p50, p95, p99 = (round(percentile(merged, fraction), 2) for fraction in (0.50, 0.95, 0.99))
    measurement = Measurement(path, len(merged), round(elapsed, 2), errors, p50, p95, p99, dict(sorted(counts.items())))
    measurement.bytes_read = bytes_read
    return measurement


# --- wrk (preferred when installed) -----------------------------------------------

WRK_SCRIPT = ROOT / "bench" / "wrk_summary.lua"
# For the conditional feed requests: wrk_summary.lua's line, plus a count of 304 and
# other statuses across wrk's threads (each thread runs its own Lua state).
WRK_STATUS_SCRIPT = """
dofile(%s)
local summary_done = done
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_modified = 0; other = 0 end
function response(status, headers, body)
  if status == 304 then not_modified = not_modified + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local counted_304, counted_other = 0, 0
  for _, thread in ipairs(threads) do
    counted_304 = counted_304 + thread:get("not_modified")
    counted_other = counted_other + thread:get("other")
  end
  io.write(string.format('STATUSES {"304": %%d, "other": %%d}\\n', counted_304, counted_other))
  summary_done(summary, latency, requests)
end
"""
UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def wrk_load(
    wrk: str, port: int, path: str, seconds: float, concurrency: int, headers: dict | None = None, workdir=None
) -> Measurement:
    threads = str(min(concurrency, os.cpu_count() or 1))
    url = f"http://{HOST}:{port}{path}"
    script = WRK_SCRIPT
    if headers:  # count the statuses too, so the report can say how many answers were 304
        script = Path(workdir) / "wrk_statuses.lua"
        script.write_text(WRK_STATUS_SCRIPT % json.dumps(str(WRK_SCRIPT)))
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    command = [wrk, "-t", threads, "-c", str(concurrency), "-d", f"{seconds:g}s", *extra, "-s", str(script), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return parse_wrk(path, output)


def parse_wrk(path: str, output: str) -> Measurement:
    """Read the JSON line printed by wrk_summary.lua; wrk counts 4xx/5xx as status errors.
    Bytes read come from wrk's own "N requests in T, X read" line (3 significant digits)."""
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    summary = json.loads(line.removeprefix("BENCH "))
    p50, p95, p99 = (summary[f"p{n}_us"] / 1000 for n in (50, 95, 99))
    errors = summary["status_errors"] + summary["socket_errors"]
    measurement = Measurement(path, summary["requests"], summary["duration_us"] / 1e6, errors, p50, p95, p99)
    read = re.search(r"requests in [^,]+, ([0-9.]+)([KMGT]?B) read", output)
    if read:
        measurement.bytes_read = round(float(read.group(1)) * UNITS[read.group(2)])
    statuses = next((line for line in output.splitlines() if line.startswith("STATUSES ")), None)
    if statuses:
        measurement.statuses = json.loads(statuses.removeprefix("STATUSES "))
    return measurement


# --- report -----------------------------------------------------------------------


def print_report(report: dict) -> None:
    meta = report["meta"]
    print(f"\neventsite benchmark: {meta['events']} events, {meta['people']} people, {meta['rsvps']} RSVPs (SQLite)")
    print(f"seeding: {report['seeding_seconds']:.1f} s")
    print(
        f"gunicorn -w {meta['workers']} (sync), {meta['concurrency']} connections, {meta['seconds']:g} s per URL, "
        f"load from {meta['load_generator']} on {meta['cpus']} CPUs"
    )
    if meta["load_generator"] == "python-threads":
        print("note: the Python load generator shares the CPUs with gunicorn; figures are a floor.")
    busiest = max(meta["load_average_at_start"], meta["load_average_at_end"])
    if busiest > meta["cpus"] / 2:
        print(f"warning: the machine was busy (1-min load average up to {busiest:g}); compare with care.")
    width = max(len(row["name"]) for row in report["results"]) + 2
    print(f"\n{'path':<{width}}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for row in report["results"]:
        latencies = "".join(f"{row[key]:>9.1f}" for key in ("p50_ms", "p95_ms", "p99_ms"))
        print(f"{row['name']:<{width}}{row['rps']:>9.1f}{latencies}{row['errors']:>8}")
    print_feed(report["feed"], report["results"])
    print_memory(report["memory"])


def print_feed(feed: dict, results: list[dict]) -> None:
    """The shared feed's size and first build, and how its two rows of the table went."""
    verdict = "under" if feed["under_limit"] else "OVER"
    print(f"\nshared feed {FEED}:")
    print(
        f"  size: {feed['bytes']:,} bytes ({feed['bytes'] / 1024:.1f} KiB), {feed['vevents']:,} VEVENTs; "
        f"{verdict} the {FEED_LIMIT_BYTES:,}-byte limit"
    )
    print(f"  first (uncached) build: {feed['first_build_ms']:.1f} ms (the first request after gunicorn started)")
    for row in results:
        if row["path"] != FEED:
            continue
        per_answer = row["bytes_read"] / row["requests"] if row["requests"] else 0
        line = f"  {row['name']}: {row['rps']:.1f} req/s, {per_answer:,.0f} bytes read per answer"
        if row["label"]:
            answered = sum(row["statuses"].values())
            share = row["statuses"].get("304", 0) / answered if answered else 0.0
            line += f", {share:.1%} of answers were 304"
        print(line)


def print_memory(usage: dict) -> None:
    print("\nmemory after load (VmRSS):")
    for role, process in [("master", usage["master"])] + [("worker", worker) for worker in usage["workers"]]:
        print(f"  {role} {process['rss_kib'] / 1024:8.1f} MiB  (pid {process['pid']})")
    print(f"  total  {usage['total_kib'] / 1024:8.1f} MiB")


def write_json(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


# --- main -------------------------------------------------------------------------


def first_feed(port: int) -> FeedFacts:
    """Fetch the shared feed once on a fresh server: its size, VEVENTs, ETag and build time."""
    started = time.perf_counter()
    status, headers, body = fetch(port, FEED, timeout=120)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if status != 200 or not headers.get("ETag"):
        raise RuntimeError(f"{FEED} answered {status} (ETag {headers.get('ETag')!r}); expected 200 with an ETag")
    return FeedFacts(len(body), body.count(b"BEGIN:VEVENT"), headers["ETag"], round(elapsed_ms, 1))


def check_not_modified(port: int, etag: str, tries: int = 8) -> None:
    """Every worker builds the same bytes, so each must answer the first ETag with 304."""
    for _ in range(tries):
        status, _headers, body = fetch(port, FEED, {"If-None-Match": etag})
        if status != 304 or body:
            raise RuntimeError(f"{FEED} with If-None-Match {etag} answered {status} with {len(body)} bytes")


def load(port: int, path: str, args: argparse.Namespace, workdir: Path, headers: dict | None = None):
    wrk = shutil.which("wrk")
    if wrk:
        return wrk_load(wrk, port, path, args.seconds, args.concurrency, headers, workdir)
    return python_load(port, path, args.seconds, args.concurrency, headers)


def measure_all(port: int, args: argparse.Namespace, workdir: Path) -> tuple[list[Measurement], FeedFacts]:
    feed = first_feed(port)  # before anything else, so no worker has the feed cached yet
    print(
        f"  {FEED}: {feed.bytes:,} bytes, {feed.vevents} VEVENTs, first build {feed.first_build_ms:.0f} ms", flush=True
    )
    paths = [canonical_path(port, path) if path.startswith("/events/") else path for path in PATHS]
    measurements = []
    for path in paths:
        warm_up(port, path)
        measurement = load(port, path, args, workdir)
        print(f"  {path}: {measurement.rps:.1f} req/s, {measurement.errors} errors", flush=True)
        measurements.append(measurement)
        if path == FEED:
            measurements.append(measure_not_modified(port, args, workdir, feed.etag))
    return measurements, feed


def measure_not_modified(port: int, args: argparse.Namespace, workdir: Path, etag: str) -> Measurement:
    """The feed as calendar apps poll it: If-None-Match with the ETag they hold."""
    check_not_modified(port, etag)
    measurement = load(port, FEED, args, workdir, {"If-None-Match": etag})
    measurement.label = f"{FEED} (304)"
    print(f"  {measurement.label}: {measurement.rps:.1f} req/s, {measurement.errors} errors", flush=True)
    return measurement


def run(args: argparse.Namespace, workdir: Path) -> dict:
    env = app_env(f"sqlite:///{workdir / 'bench.sqlite'}")
    print(f"seeding {args.events} events into {workdir / 'bench.sqlite'} ...", flush=True)
    seeding_seconds = seed(env, args)
    port = free_port()
    log_path = workdir / "gunicorn.log"
    with log_path.open("w") as log:
        server = start_gunicorn(env, args.workers, port, log)
        try:
            wait_until_healthy(server, port)
            print(f"gunicorn up on {HOST}:{port}; measuring ...", flush=True)
            measurements, feed = measure_all(port, args, workdir)
            usage = memory(server.pid)
        finally:
            stop(server)
    report = build_report(args, seeding_seconds, measurements, usage, feed)
    if any(m.errors for m in measurements):
        keep_log(log_path, report)
    return report


def build_report(args, seeding_seconds: float, measurements: list[Measurement], usage: dict, feed: FeedFacts) -> dict:
    meta = {
        "events": args.events,
        "people": args.people,
        "rsvps": args.rsvps,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "load_generator": "wrk" if shutil.which("wrk") else "python-threads",
        "cpus": os.cpu_count(),
        "load_average_at_start": args.load_at_start,
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    results = [asdict(m) | {"rps": round(m.rps, 1), "name": m.name} for m in measurements]
    feed_facts = asdict(feed) | {"path": FEED, "under_limit": feed.under_limit, "limit_bytes": FEED_LIMIT_BYTES}
    return {
        "meta": meta,
        "seeding_seconds": round(seeding_seconds, 2),
        "results": results,
        "feed": feed_facts,
        "memory": usage,
    }


def keep_log(log_path: Path, report: dict) -> None:
    """Errors under load: keep gunicorn's log (tracebacks) next to the results."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    kept = RESULTS / "gunicorn.log"
    shutil.copyfile(log_path, kept)
    report["gunicorn_log"] = str(kept)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="eventsite-bench-") as workdir:
        report = run(args, Path(workdir))
    print_report(report)
    print(f"\nresults written to {write_json(report).relative_to(ROOT)}")
    if "gunicorn_log" in report:
        print(f"errors under load: see {report['gunicorn_log']}")
    if not report["feed"]["under_limit"]:
        print(f"the shared feed is {report['feed']['bytes']:,} bytes: over the {FEED_LIMIT_BYTES:,}-byte limit")
    return 1 if "gunicorn_log" in report or not report["feed"]["under_limit"] else 0


if __name__ == "__main__":
    sys.exit(main())
