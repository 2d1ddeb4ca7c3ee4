"""A process that answers "going" for new people, one commit at a time, until told to stop.

Run by tests/test_backup.py as ``python -m tests.answer_writer EVENT_ID NAME LOG STOP``
with DATABASE_URL (and SECRET_KEY, SITE_URL) in its environment, several at once,
while the database is backed up. After each commit it appends ``<rsvp id> <time>`` to
LOG, so every id in LOG is committed; it stops when the file STOP exists.
"""

import sys
import time
from pathlib import Path

from config import Config
from eventsite import create_app
from eventsite.attendees import respond
from eventsite.database import immediate_writes
from eventsite.extensions import db
from eventsite.models import RsvpStatus
from eventsite.people import find_or_create_person
from eventsite.rsvps import locked_event

MAX_SECONDS = 120  # never outlive a test that died without creating STOP


def main(event_id: int, name: str, log_path: Path, stop: Path) -> None:
    app = create_app(Config, TESTING=True)
    deadline = time.monotonic() + MAX_SECONDS
    with app.app_context(), immediate_writes(), log_path.open("a", buffering=1) as log:
        number = 0
        while not stop.exists() and time.monotonic() < deadline:
            person = find_or_create_person(f"{name}-{number}@example.org", f"{name.title()} {number}")
            rsvp = respond(locked_event(event_id), person, RsvpStatus.GOING).rsvp
            db.session.commit()
            log.write(f"{rsvp.id} {time.time()}\n")
            number += 1


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
