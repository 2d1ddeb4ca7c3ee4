"""The cold build of the full shared feed, in-process: run by bench/run.py as
``python bench/cold_feed.py`` with DATABASE_URL set; prints one JSON line.

It warms everything once (a first GET of /calendar.ics), then RUNS times forgets the
cached feeds and times a test-client GET of /calendar.ics: the whole request, the
feed's build from the database included. Two figures, each a median:

- ``median_ms``, the cold build: nothing cached (neither the feed nor its VEVENTs), as
  in a worker that never built it;
- ``rebuild_median_ms``, the rebuild after a change: the feed forgotten, each event's
  VEVENT kept (``eventsite.ical`` keeps them by what they show), as after an answer."""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config import ProductionConfig  # noqa: E402 - the repository's own modules
from eventsite import create_app  # noqa: E402

RUNS = 5
FEED = "/calendar.ics"


def forget(app, *stores: str) -> None:
    """Empty this process's stores (eventsite.cache): "feeds", "vevents"."""
    from eventsite import cache

    with app.app_context():
        for name in stores:
            cache.store(name).clear()


def timed_get(client) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(FEED)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{FEED} answered {response.status_code}")
    return elapsed_ms, len(response.data)


def main() -> None:
    app = create_app(ProductionConfig)
    client = app.test_client()
    first_ms, size = timed_get(client)
    figures = {"first_ms": round(first_ms, 1)}
    for name, stores in (("", ("feeds", "vevents")), ("rebuild_", ("feeds",))):
        runs = []
        for _ in range(RUNS):
            forget(app, *stores)
            elapsed_ms, built = timed_get(client)
            if built != size:
                raise SystemExit(f"the rebuilt feed is {built} bytes, the first {size}")
            runs.append(round(elapsed_ms, 1))
        figures |= {f"{name}runs_ms": runs, f"{name}median_ms": statistics.median(runs)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
