"""``make bench``: every figure of issue 15 measured in one run, ending with one table.

Run with ``make bench`` or ``.venv/bin/python bench/run.py --help``; bench/README.md says
what each row is, how its ratio is computed and how to read the table. Everything talks
to 127.0.0.1 only; the temporary directory (databases, nginx, logs) is deleted at the
end, and the logs of a failed run are kept in bench/results/.

Exit status 1 when a request failed, an answer row is unaccounted for, mail was left
queued or the shared feed is over its size limit. A missed goal is not an error: the
table says MISS.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pages
import report
import writes
from load import Options
from servers import BENCH, ROOT, environment

PARTS = ("pages", "build", "writes")
DATABASES = ("sqlite", "postgresql")
FEED_LIMIT_BYTES = 800_000  # Google gives up on feeds of about 1 MB; stay well under (ICAL.md)
COLD_BUILD_GOAL_MS, WORKER_RSS_GOAL_MIB = 200, 80
NOT_MODIFIED_BYTES = 1024  # a 304 is headers only: more per answer means some carried the feed


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts among {', '.join(PARTS)}")
    parser.add_argument("--databases", default=",".join(DATABASES), help="for writes: sqlite, postgresql or both")
    parser.add_argument("--seconds", type=float, default=10, help="wrk's duration per row (default 10)")
    parser.add_argument("--events", type=int, default=5000, help="events to seed (default 5000)")
    parser.add_argument("--people", type=int, default=20000, help="people to seed (default 20000)")
    parser.add_argument("--rsvps", type=int, default=50000, help="RSVPs to seed (default 50000)")
    args = parser.parse_args(argv)
    args.parts = _choices(parser, "--only", args.only, PARTS)
    args.database_names = _choices(parser, "--databases", args.databases, DATABASES)
    return args


def _choices(parser, option: str, value: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = set(chosen) - set(allowed)
    if unknown or not chosen:
        parser.error(f"{option}: choose among {', '.join(allowed)}")
    return chosen


# -- the parts ------------------------------------------------------------------------------


def measure_pages(options: Options, workdir: Path, database_url: str, seeding_seconds: float) -> dict:
    measured = pages.run(options, workdir, database_url, seeding_seconds)
    rows = [
        asdict(row)
        | {"rps": round(row.rps, 1), "bytes_per_answer": round(row.bytes_per_answer)}
        | (_target(target) if target else {})
        for target, row in measured.rows
    ]
    feed = measured.feed | {"limit_bytes": FEED_LIMIT_BYTES, "under_limit": measured.feed["bytes"] < FEED_LIMIT_BYTES}
    return {
        "rows": rows,
        "baselines": report.baseline_means(measured.baselines),
        "feed": feed,
        "memory": measured.memory,
        "paths": measured.paths,
        "logs": {name: str(path) for name, path in measured.logs.items()},
    }


def _target(target: pages.Target) -> dict:
    return {"path": target.path, "versus": target.versus, "goal": target.goal, "headers": target.headers}


def measure_cold_build(database_url: str) -> dict:
    """bench/cold_feed.py in a process of its own, on the seeded database."""
    env = environment(DATABASE_URL=database_url, SITE_URL="http://eventsite.bench")
    command = [sys.executable, str(BENCH / "cold_feed.py")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"bench/cold_feed.py failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_writes(options: Options, workdir: Path, names: list[str]) -> dict:
    urls = {
        "sqlite": f"sqlite:///{workdir / 'writes.sqlite'}",
        "postgresql": os.environ.get("BENCH_DATABASE_URL", writes.DEFAULT_POSTGRESQL),
    }
    results = {}
    for name in names:
        measured = writes.run(name, urls[name], options, workdir)
        results[name] = {
            "database_url": urls[name],
            "row": asdict(measured.row) | {"rps": round(measured.row.rps, 1)},
            "goal": writes.GOALS[name],
            "accounting": measured.accounting,
            "problems": measured.problems,
            "logs": [str(path) for path in measured.log_paths],
        }
    return results


# -- checks and the table -------------------------------------------------------------------


def problems_of(result: dict) -> list[str]:
    """What makes the run fail (exit 1): failed requests, unexpected answers, rows or mail
    unaccounted for, the feed over its limit."""
    found = []
    for row in result.get("pages", {}).get("rows", []):
        if row["errors"]:
            found.append(f"{row['name']}: {row['errors']} requests failed (4xx/5xx or connection errors)")
        if row["name"].endswith(" 304") and row["bytes_per_answer"] > NOT_MODIFIED_BYTES:
            found.append(f"{row['name']}: {row['bytes_per_answer']:,.0f} bytes per answer: not all were 304")
    feed = result.get("pages", {}).get("feed")
    if feed and not feed["under_limit"]:
        found.append(f"the shared feed is {feed['bytes']:,} bytes: over the {FEED_LIMIT_BYTES:,}-byte limit")
    for name, measured in result.get("writes", {}).items():
        found += [f"answer writes on {name}: {problem}" for problem in measured["problems"]]
    return found


def table_lines(result: dict) -> list[dict]:
    lines = []
    if "pages" in result:
        lines += report.page_lines(result["pages"])
    lines += report.write_lines(result.get("writes", {}))
    if "cold_build" in result:
        median = result["cold_build"]["median_ms"]
        lines.append(report.figure_line("cold build of /calendar.ics", median, "ms", COLD_BUILD_GOAL_MS))
        rebuild = result["cold_build"]["rebuild_median_ms"]
        lines.append(report.figure_line("rebuild after a change", rebuild, "ms", COLD_BUILD_GOAL_MS))
    if "pages" in result:
        largest = result["pages"]["memory"]["largest_worker_kib"] / 1024
        lines.append(report.figure_line("RSS of the largest worker", largest, "MiB", WORKER_RSS_GOAL_MIB))
    return lines


def print_notes(result: dict) -> None:
    meta = result["meta"]
    print(
        f"\neventsite benchmark, {meta['finished_at']}: wrk -t{meta['threads']} -c{meta['connections']}, "
        f"{meta['seconds']:g} s per row, gunicorn -w 4 (sync), {meta['cpus']} CPUs"
    )
    if "pages" in result:
        feed, paths = result["pages"]["feed"], result["pages"]["paths"]
        verdict = "under" if feed["under_limit"] else "OVER"
        print(
            f"data: {meta['events']:,} events, {meta['people']:,} people, {meta['rsvps']:,} RSVPs, "
            f"seeded in {result['seeding_seconds']:.1f} s; event {paths['event']}, series {paths['series']}"
        )
        print(
            f"shared feed: {feed['bytes']:,} bytes, {feed['vevents']:,} VEVENTs, {verdict} the "
            f"{FEED_LIMIT_BYTES:,}-byte limit; first request after start {feed['first_request_ms']:,.0f} ms"
        )
        for name, figures in result["pages"]["baselines"].items():
            print(
                f"baseline {name}: {figures['start']:,.0f} req/s at the start, {figures['end']:,.0f} at the end, "
                f"ratios to their mean {figures['mean']:,.0f}"
            )
        print(f"behind nginx: X-Cache-Status of 5 answers after the first: {feed['cache_status_behind_nginx']}")
    for name, measured in result.get("writes", {}).items():
        account = measured["accounting"]
        print(
            f"writes on {name}: {account['saved']:,} saved (+{account['warm_up']} warm-up, "
            f"{account['in_flight_at_end']} in flight at the end), {account['answer_rows']:,} answer rows, "
            f"{account['mail_delivered']:,} messages delivered, {account['mail_still_queued']} still queued"
        )
    if meta["load_average_at_start"] > meta["cpus"] / 2:  # at the end, it is mostly the bench's own load
        print(
            f"warning: the machine was busy before the bench started (1-min load average "
            f"{meta['load_average_at_start']:g} on {meta['cpus']} CPUs): compare with care."
        )


def meta(args: argparse.Namespace, options: Options, load_at_start: float) -> dict:
    nginx = subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True, check=False).stderr.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return {
        "parts": args.parts,
        "events": args.events,
        "people": args.people,
        "rsvps": args.rsvps,
        "seconds": options.seconds,
        "threads": options.threads,
        "connections": options.connections,
        "workers": 4,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "nginx": nginx,
        "commit": commit.stdout.strip(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# -- main -----------------------------------------------------------------------------------


def run(args: argparse.Namespace, options: Options, workdir: Path) -> dict:
    result: dict = {}
    database_url = f"sqlite:///{workdir / 'pages.sqlite'}"
    if {"pages", "build"} & set(args.parts):
        env = environment(DATABASE_URL=database_url, SITE_URL="http://eventsite.bench")
        print(f"seeding {args.events:,} events, {args.people:,} people, {args.rsvps:,} RSVPs ...", flush=True)
        result["seeding_seconds"] = round(pages.seed(env, args.events, args.people, args.rsvps), 2)
    if "pages" in args.parts:
        result["pages"] = measure_pages(options, workdir, database_url, result["seeding_seconds"])
    if "build" in args.parts:
        print("cold builds of the shared feed ...", flush=True)
        result["cold_build"] = measure_cold_build(database_url)
    if "writes" in args.parts:
        result["writes"] = measure_writes(options, workdir, args.database_names)
    return result


def keep_logs(result: dict) -> list[str]:
    """A failed run keeps its gunicorn and send-mail logs in bench/results/."""
    report.RESULTS.mkdir(parents=True, exist_ok=True)
    paths = list(result.get("pages", {}).get("logs", {}).values())
    paths += [path for measured in result.get("writes", {}).values() for path in measured["logs"]]
    kept = []
    for path in map(Path, paths):
        if path.exists():
            shutil.copyfile(path, report.RESULTS / path.name)
            kept.append(str(report.RESULTS / path.name))
    return kept


def main(argv=None) -> int:
    args = parse_args(argv)
    options = Options(seconds=args.seconds)
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="eventsite-bench-") as workdir:
        result = run(args, options, Path(workdir))
        result["problems"] = problems_of(result)
        if result["problems"]:
            result["kept_logs"] = keep_logs(result)
    result["meta"] = meta(args, options, load_at_start)
    lines = table_lines(result)
    print_notes(result)
    print()
    report.print_table(lines)
    print(f"\nresults written to {report.write_json(result).relative_to(ROOT)}")
    for problem in result["problems"]:
        print(f"problem: {problem}")
    if result.get("kept_logs"):
        print(f"logs kept: {', '.join(result['kept_logs'])}")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
