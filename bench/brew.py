"""How long the brew matcher takes on a large pool, and how that time grows with the pool.

Run with ``.venv/bin/python bench/brew.py`` (``--help`` for the options). It needs no
database or server: it times ``eventsite.brew_match.match`` alone.

What it does:

- builds a seeded random pool of ``--people`` people (the same pool on every run): 9
  sectors, 8 localities, some people online only and some happy to travel, up to four
  interests each from 12 tags, and rounds waited and "owed" flags;
- makes a history of 6 previous rounds, each a random pairing of the whole pool (the
  ``recent`` pairs of the cooldown), and a few exclusions;
- times ``match()`` ``--runs`` times on that pool, and again on a pool of 500 built the
  same way, so the ratio shows how the time scales (linear would be ``people / 500``);
- then times one whole round as a steward's button runs it, on a temporary SQLite
  database holding that many members: ``start_round()`` (who is ready, the cooldown
  and exclusions, the matcher, the pairs' rows, one introduction email queued per
  person) and its commit. Sending the emails is not included (it happens after).

How to read the numbers: ``best`` and ``median`` are wall-clock seconds of one call,
in this process, on this machine; compare them across commits on the same machine.
``groups`` counts pairs and trios, ``left out`` those the matcher could not place.
"""

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eventsite.brew_match import Candidate, Rules, match, pair_key  # noqa: E402 - the repository's own module

SEED = 13
BASELINE_PEOPLE = 500
SECTORS = ["health", "arts", "law", "retail", "tech", "care", "food", "charity", "council"]
TAGS = ["tea", "jazz", "maps", "cycling", "books", "code", "walks", "film", "games", "food", "birds", "chess"]
PLACES = 8
PAST_ROUNDS = 6
EXCLUSIONS_PER_1000 = 10


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_000, help="pool size (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="timed calls per pool (default 5)")
    return parser.parse_args(argv)


def make_pool(rng: random.Random, size: int) -> list[Candidate]:
    pool = []
    for person_id in range(size):
        online_only = rng.random() < 0.15
        pool.append(
            Candidate(
                id=person_id,
                sector=rng.choice(SECTORS),
                place=None if online_only else rng.randrange(PLACES),
                travels=not online_only and rng.random() < 0.15,
                in_person=not online_only,
                online=online_only or rng.random() < 0.6,
                interests=frozenset(rng.sample(TAGS, rng.randint(0, 4))),
                waited=rng.choice([0, 0, 0, 1, 1, 2, 3, 6]),
                owed=rng.random() < 0.1,
            )
        )
    return pool


def make_rules(rng: random.Random, ids: list[int]) -> Rules:
    recent = set()
    for _ in range(PAST_ROUNDS):
        shuffled = rng.sample(ids, len(ids))
        recent.update(pair_key(a, b) for a, b in zip(shuffled[::2], shuffled[1::2], strict=False))
    excluded = {pair_key(*rng.sample(ids, 2)) for _ in range(len(ids) * EXCLUSIONS_PER_1000 // 1000)}
    return Rules(recent=frozenset(recent), excluded=frozenset(excluded))


def measure(size: int, runs: int) -> dict:
    rng = random.Random(SEED)
    pool = make_pool(rng, size)
    rules = make_rules(rng, [person.id for person in pool])
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = match(pool, rules)
        seconds.append(time.perf_counter() - started)
    return {
        "people": size,
        "groups": len(result.groups),
        "trios": len(result.trios),
        "left_out": len(result.left_out),
        "best": min(seconds),
        "median": statistics.median(seconds),
    }


def measure_round(size: int) -> tuple[float, int]:
    """Seconds for one whole round of ``size`` members on a new SQLite file, and its groups."""
    from eventsite import create_app
    from eventsite.brew_rounds import start_round
    from eventsite.extensions import db
    from eventsite.models import BrewMember, BrewMode, BrewSector, Person, Place

    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/brew.sqlite", MAIL_SERVER="")
        with app.app_context():
            db.create_all()
            places = [Place(name=f"Place {n}", slug=f"place-{n}") for n in range(PLACES)]
            db.session.add_all(places)
            for number in range(size):
                person = Person(email=f"member{number}@example.org", name=f"Member {number}")
                mode = rng.choice([BrewMode.EITHER, BrewMode.IN_PERSON, BrewMode.ONLINE])
                db.session.add(BrewMember(person=person, sector=rng.choice(list(BrewSector)), mode=mode,
                                          place=None if mode is BrewMode.ONLINE else rng.choice(places),
                                          interests=rng.sample(TAGS, rng.randint(0, 3))))  # fmt: skip
            db.session.commit()
            started = time.perf_counter()
            brew_round = start_round()
            db.session.commit()
            return time.perf_counter() - started, brew_round.pairs + brew_round.trios


def main(argv=None) -> None:
    args = parse_args(argv)
    rows = [measure(args.people, args.runs), measure(BASELINE_PEOPLE, args.runs)]
    print(f"brew matcher, {args.runs} runs, Python {platform.python_version()} on {platform.machine()}")
    print(f"{'people':>7} {'groups':>7} {'trios':>6} {'left out':>9} {'best s':>8} {'median s':>9}")
    for row in rows:
        print(
            f"{row['people']:>7} {row['groups']:>7} {row['trios']:>6} {row['left_out']:>9}"
            f" {row['best']:>8.3f} {row['median']:>9.3f}"
        )
    large, small = rows
    print(
        f"time ratio {large['people']} / {small['people']}: {large['median'] / small['median']:.2f}"
        f" (people ratio {large['people'] / small['people']:.2f})"
    )
    seconds, groups = measure_round(args.people)
    print(f"a whole round of {args.people} members on SQLite (rows and {args.people} emails queued): "
          f"{seconds:.2f} s, {groups} groups")  # fmt: skip


if __name__ == "__main__":
    main()
