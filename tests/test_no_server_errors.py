"""Hostile input anywhere gets an answer, never a server error.

Every route is requested with every method it accepts, as a visitor, a host and
a steward, with hostile values in the path, the query string and the form."""

import re

import pytest

from eventsite.attendees import respond
from eventsite.extensions import db
from eventsite.hosting import add_cohost
from eventsite.models import EventStatus, RsvpStatus
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.rsvps import locked_event
from eventsite.series import start_series

HOSTILE = [
    "",
    " ",
    "\x00",
    "\r\nX-Injected: 1",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "9" * 40,
    "-1",
    "1e309",
    "../../etc/passwd",
    "%00",
    "😀" * 300,
    "a" * 5000,
]
FIELDS = ["title", "kind", "starts_at", "ends_at", "timezone", "place", "venue_name", "address", "online_url",
          "capacity", "min_going", "description", "tags", "access_features", "access_notes", "cost", "name",
          "email", "message", "reason", "cohost-email", "cohost-name", "handover-email", "next", "page",
          "date_from", "date_to", "audience", "subject", "body", "repeats", "week_of_month", "repeat_until",
          "repeat_count", "seen_dates", "apply_to", "answer", "series", "reply_to_me", "said",
          "support", "show_name", "option-date", "option-time", "option-end_time", "option-timezone",
          "marks-option_1", "url", "keep_in_sync", "chosen", "file"]  # fmt: skip


def _paths(app, event_id: int) -> list[tuple[str, set[str]]]:
    """Every URL rule, with its converters filled in, and the methods it accepts."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<int:event_id>", str(event_id), rule.rule)
        path = re.sub(r"<any\([^)]*\):action>", "approve", path)
        path = re.sub(r"<int:\w+_id>", "1", path)  # the fixture's first answer and invitation
        path = re.sub(r"<(?:\w+:)?(\w+)>", "x", path)
        paths.append((path, rule.methods - {"OPTIONS", "HEAD"}))
    return paths


@pytest.fixture
def people(make_person, make_event):
    host = make_person("host@example.org", "Host")
    steward = make_person("steward@example.org", "Steward", steward=True)
    event = make_event(host=host)
    held = make_event(host=host, status=EventStatus.HELD)
    respond(locked_event(event.id), make_person("guest@example.org", "Guest"), RsvpStatus.GOING)
    add_cohost(event, host, "invitee@example.org")
    start_series(make_event(host=host, title="Weekly coffee"), RepeatRule(Repeats.WEEKLY, count=3))  # series 1
    db.session.commit()
    return {"host": host, "steward": steward, "event": event, "held": held}


@pytest.mark.parametrize("who", ["visitor", "host@example.org", "steward@example.org"])
def test_no_route_answers_500_to_hostile_input(app, client, auth, people, who):
    if who != "visitor":
        auth.sign_in(who)
    failures = []
    for event_id in (people["event"].id, people["held"].id, 2**40):
        for path, methods in _paths(app, event_id):
            if path == "/sign-out":
                continue  # keeps this client signed in for the other routes
            for value in HOSTILE:
                data = dict.fromkeys(FIELDS, value)
                for method in methods:
                    response = client.open(path, method=method, query_string={"page": value, "tag": value}, data=data)
                    if response.status_code >= 500:
                        failures.append(f"{method} {path} {value[:20]!r}: {response.status_code}")
                    db.session.rollback()
    assert failures == []
