"""Calendar feeds over HTTP: the shared feed, a filtered feed, a personal feed and a
one-event download, fetched as calendar apps fetch them and read by independent parsers.

tests/test_ical.py tests the iCalendar module on its own; this module tests what
subscribers get: which events each feed holds and how, the headers, the cache,
the secret links, and the size. Every feed is read by icalendar, vobject,
recurring-ical-events and ical.js (Thunderbird's parser, run by node with the
file's own VTIMEZONEs), and the start and end instants each reports must be the
database's: only that comparison catches a VTIMEZONE that a parser misreads.
"""

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select, update

from eventsite.attendees import respond
from eventsite.demo import seed_bulk
from eventsite.events import EventDetails, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.hosting import accept_invitation, hand_over
from eventsite.ical import event_uid
from eventsite.models import Event, EventKind, EventStatus, Person, Rsvp, RsvpStatus
from eventsite.rsvps import locked_event
from tests.conftest import future_local
from tests.test_ical import parse, property_lines, read_with_vobject, unfolded

ROOT = Path(__file__).resolve().parent.parent
ICAL_JS_SCRIPT = ROOT / "tests" / "js" / "ical_starts.mjs"
NODE = shutil.which("node")
HAS_ICAL_JS = (ROOT / "node_modules" / "ical.js" / "package.json").is_file()
needs_ical_js = pytest.mark.skipif(
    not (NODE and HAS_ICAL_JS),
    reason="ical.js checks need node and node_modules/ical.js: run `npm ci` (`make test` does)",
)

SITE = "http://eventsite.test"
PLACE_NAME = "Hyde Park ☕, north; \\ side"
SPECIAL_TITLE = "Soup 🍲, bread; and \\ more\nsecond line"
SPECIAL_VENUE = "Café 🫖, room 2; back \\ door\nupstairs"
SPECIAL_ADDRESS = "1 High St,\nLeeds; LS1 \\ 🏠"
SPECIAL_DESCRIPTION = "Bring: soup, bread; spoons \\ bowls.\nSecond line 🎉\n\nThird; " + "🎉é" * 40 + " \\"
SPECIAL_TAG = "bowls, spoons; \\ 🥣\nmore"
INJECTION = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected"
LONE_CR_INJECTION = "y\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:injected by a lone CR\r"
FILTERED_URL = "/calendar.ics?kind=workshop&place=hyde-park&tag=soup"
DOWNLOADS = ("special", "injection", "spring_across")


# -- dates: the DST changes that fall inside the shared feed's window --------------------------


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def nth_sunday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


def in_feed_window(day_in_year) -> date:
    """The yearly day (a DST change) that falls in the feed's window: from 25 days ago
    to 350 days ahead, a span longer than any gap between two such days."""
    today = date.today()
    for year in (today.year - 1, today.year, today.year + 1):
        day = day_in_year(year)
        if today - timedelta(days=25) <= day <= today + timedelta(days=350):
            return day
    raise AssertionError("no such day near today")


def instant(day: date, hour: int, zone: str, days: int = 0) -> datetime:
    """A wall-clock time in ``zone`` as an aware UTC datetime."""
    local = datetime.combine(day + timedelta(days=days), datetime.min.time()).replace(hour=hour)
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# -- the seeded site ----------------------------------------------------------------------------


@dataclass
class Site:
    events: dict[str, Event] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Event:
        return self.events[name]

    def named(self, *names: str) -> list[Event]:
        return [self.events[name] for name in names]

    @property
    def pat(self) -> Person:
        return self.people["pat"]

    @property
    def in_shared_feed(self) -> list[Event]:
        return [event for name, event in self.events.items() if name not in NOT_IN_SHARED_FEED]

    @property
    def in_personal_feed(self) -> list[Event]:
        return self.named(*IN_PERSONAL_FEED)


NOT_IN_SHARED_FEED = ("old_past", "cancelled_long_ago", "far_ahead", "held")
# Pat is going to, maybe for, waitlisted on, hosting, or (for cancelled_recently) was going to these.
IN_PERSONAL_FEED = ("special", "injection", "full", "hosted", "plain", "new_york", "sydney_autumn", "spring_across",
                    "autumn_across", "cancelled_recently")  # fmt: skip


@pytest.fixture
def site(app, make_person, make_place, make_event) -> Site:
    """Events across both London DST changes, in New York and Sydney, many days long, in
    the past, cancelled, with hostile text; and Pat, who answered several of them."""
    armley, hyde_park = make_place("Armley"), make_place(PLACE_NAME, slug="hyde-park")
    site = Site()
    for name in ("hana", "pat", "quinn", "rui"):
        site.people[name] = make_person(email=f"{name}@example.org", name=name.title())
    hana, pat, quinn, rui = site.people["hana"], site.people["pat"], site.people["quinn"], site.people["rui"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)

    def add(name, starts_at=None, ends_at=None, days=10, host=hana, place=armley, **fields):
        fields.setdefault("title", name.replace("_", " ").capitalize())
        if not fields.get("is_online"):
            fields.setdefault("venue_name", "Café Nova")
        event = make_event(host=host, place=place, starts_local=future_local(days=days), **fields)
        if starts_at is not None:  # set directly: the form refuses the past
            event.starts_at, event.ends_at = starts_at, ends_at or starts_at + timedelta(hours=2)
        site.events[name] = event
        return event

    spring = in_feed_window(lambda year: last_sunday(year, 3))
    autumn = in_feed_window(lambda year: last_sunday(year, 10))
    add("spring_eve", instant(spring, 18, "Europe/London", days=-1))
    add("spring_across", instant(spring, 23, "Europe/London", days=-1), instant(spring, 3, "Europe/London"))
    add("spring_after", instant(spring, 18, "Europe/London"))
    add("autumn_across", instant(autumn, 23, "Europe/London", days=-1), instant(autumn, 3, "Europe/London"))
    add("autumn_after", instant(autumn, 18, "Europe/London"))
    us_spring = in_feed_window(lambda year: nth_sunday(year, 3, 2))  # New York is on summer time, London not yet
    add("new_york", instant(us_spring, 19, "America/New_York", days=2), timezone="America/New_York")
    sydney_autumn = in_feed_window(lambda year: nth_sunday(year, 4, 1))
    add("sydney_autumn", instant(sydney_autumn, 10, "Australia/Sydney"), timezone="Australia/Sydney")
    sydney_spring = in_feed_window(lambda year: nth_sunday(year, 10, 1))
    add("sydney_spring", instant(sydney_spring, 19, "Australia/Sydney", days=1), timezone="Australia/Sydney")
    add("multi_day", days=40, ends_local=future_local(days=42, hour=16), kind=EventKind.WALK)

    add("special", days=20, place=hyde_park, kind=EventKind.WORKSHOP, tags=["soup", SPECIAL_TAG],
        venue_name=SPECIAL_VENUE, address=SPECIAL_ADDRESS, description=SPECIAL_DESCRIPTION)  # fmt: skip
    add("injection", days=21, place=hyde_park, kind=EventKind.WORKSHOP, tags=["soup"])
    add("workshop_elsewhere", days=22, kind=EventKind.WORKSHOP, tags=["soup"])
    add("party_in_hyde_park", days=23, place=hyde_park, kind=EventKind.PARTY, tags=["soup"])
    add("untagged_workshop", days=24, place=hyde_park, kind=EventKind.WORKSHOP)

    add("full", days=12, capacity=1)
    add("roomy", days=13, capacity=10)
    add("threshold", days=14, min_going=2)
    add("hosted", days=15, host=pat, place=None, is_online=True, online_url="https://meet.example.org/room-42",
        kind=EventKind.ONLINE_SESSION)  # fmt: skip
    add("plain", days=16, kind=EventKind.OTHER)

    add("recent_past", now - timedelta(days=10))
    add("old_past", now - timedelta(days=31))
    add("far_ahead", now + timedelta(days=370))
    add("held", days=17, status=EventStatus.HELD)
    for name, ended_days_ago in (("cancelled_recently", 6), ("cancelled_long_ago", 8)):
        event = add(name)
        cancel_event(event, hana, "The hall flooded.")
        event.starts_at = now - timedelta(days=ended_days_ago, hours=2)
        event.ends_at = now - timedelta(days=ended_days_ago)
    db.session.commit()

    going, maybe, cant_go = RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING
    answers = [
        *[(person, "full", going) for person in (quinn, rui, pat)],  # one place: Rui, then Pat, wait
        *[(person, "roomy", going) for person in (quinn, rui)],
        (quinn, "threshold", going),
        (pat, "threshold", cant_go),
        (pat, "special", going),
        (pat, "injection", maybe),
        (pat, "plain", going),
    ]
    for person, name, status in answers:
        respond(locked_event(site[name].id), person, status)
    for name in ("new_york", "sydney_autumn", "spring_across", "autumn_across", "cancelled_recently"):
        # Written directly: some of these may already be past, and past events take no answers.
        db.session.add(Rsvp(event=site[name], person=pat, status=RsvpStatus.GOING))
    # Set directly, as the form refuses line breaks and control characters (and after the
    # answers, whose emails could not carry them in a subject).
    site["special"].title = SPECIAL_TITLE
    injection = site["injection"]
    injection.title = injection.venue_name = injection.address = INJECTION
    injection.description = f"{INJECTION}\n{LONE_CR_INJECTION}"
    db.session.commit()
    return site


# -- reading feeds ------------------------------------------------------------------------------


def fetch_all(client, site: Site) -> dict[str, tuple[bytes, list[Event]]]:
    """Every kind of calendar output, by name: its bytes and the events it must hold."""
    urls = {
        "shared": ("/calendar.ics", site.in_shared_feed),
        "filtered": (FILTERED_URL, site.named("special", "injection")),
        "personal": (f"/feeds/{feed_token(site.pat)}.ics", site.in_personal_feed),
        **{f"download of {name}": (f"/events/{site[name].id}.ics", [site[name]]) for name in DOWNLOADS},
    }
    fetched = {}
    for name, (url, expected) in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        fetched[name] = (response.data, expected)
    return fetched


def vevents_by_uid(data: bytes) -> dict:
    return {str(vevent["UID"]): vevent for vevent in parse(data).events}


def vevent_of(data: bytes, event: Event):
    return vevents_by_uid(data)[event_uid(event)]


def uids(events) -> set[str]:
    return {event_uid(event) for event in events}


def read_with_ical_js(data: bytes) -> list[dict]:
    result = subprocess.run([NODE, str(ICAL_JS_SCRIPT)], input=data, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)["events"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- 1. independent parsers agree with the database --------------------------------------------


def test_every_feed_parses_in_icalendar_with_the_databases_instants(client, site):
    for name, (data, expected) in fetch_all(client, site).items():
        by_uid = vevents_by_uid(data)  # parse() also insists on no .errors and no missing TZIDs
        assert len(parse(data).events) == len(expected), name
        assert set(by_uid) == uids(expected), name
        for event in expected:
            vevent = by_uid[event_uid(event)]
            assert (vevent.start, vevent.end) == (event.starts_at, event.ends_at), (name, event.title)
            assert str(vevent.start.tzinfo) == event.timezone, (name, event.title)


def test_every_feed_validates_in_vobject_which_reads_times_through_our_vtimezones(client, site):
    for name, (data, expected) in fetch_all(client, site).items():
        vevents = read_with_vobject(data).vevent_list
        assert len(vevents) == len(expected), name
        times = {vevent.uid.value: (vevent.dtstart.value, vevent.dtend.value) for vevent in vevents}
        for event in expected:
            start, end = times[event_uid(event)]
            assert not isinstance(start.tzinfo, ZoneInfo), "vobject should use the file's VTIMEZONE"
            assert (start, end) == (event.starts_at, event.ends_at), (name, event.title)


def test_recurring_ical_events_finds_every_event_at_its_instant(client, site):
    today = date.today()
    for name, (data, expected) in fetch_all(client, site).items():
        found = recurring_ical_events.of(Calendar.from_ical(data)).between(
            today - timedelta(days=60), today + timedelta(days=400)
        )
        assert {(str(vevent["UID"]), vevent.start, vevent.end) for vevent in found} == {
            (event_uid(event), event.starts_at, event.ends_at) for event in expected
        }, name


@needs_ical_js
def test_ical_js_reads_every_feed_with_the_databases_instants(client, site):
    for name, (data, expected) in fetch_all(client, site).items():
        read = {event["uid"]: event for event in read_with_ical_js(data)}
        assert len(read) == len(expected) == len(parse(data).events), name
        assert set(read) == uids(expected), name
        by_uid = vevents_by_uid(data)
        for event in expected:
            found, vevent = read[event_uid(event)], by_uid[event_uid(event)]
            assert found["zone"] == found["end_zone"] == event.timezone, (name, event.title, found)
            assert (found["start"], found["end"]) == (iso(event.starts_at), iso(event.ends_at)), (name, event.title)
            assert found["summary"] == str(vevent["SUMMARY"]), (name, event.title)
            assert found["status"] == str(vevent["STATUS"]), (name, event.title)
            assert found["sequence"] == event.sequence, (name, event.title)


@needs_ical_js
def test_injected_line_breaks_stay_inside_one_event_for_ical_js(client, site):
    data = client.get(FILTERED_URL).data
    read = read_with_ical_js(data)
    assert len(read) == 2
    (injected,) = [event for event in read if event["uid"] == event_uid(site["injection"])]
    assert injected["summary"] == "x\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected"


def test_injected_line_breaks_stay_inside_one_event(client, site):
    for name, (data, expected) in fetch_all(client, site).items():
        assert data.count(b"\r\nBEGIN:VEVENT\r\n") == data.count(b"\r\nEND:VEVENT\r\n") == len(expected), name
        assert b"\nSUMMARY:injected" not in data, name
    vevent = vevent_of(client.get(FILTERED_URL).data, site["injection"])
    assert str(vevent["SUMMARY"]) == "x\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected"
    lone_cr_read = LONE_CR_INJECTION.replace("\r", "\n").strip()  # icalendar writes a lone CR as an escaped \n
    assert f"\n\nx\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\n{lone_cr_read}\n\n" in str(vevent["DESCRIPTION"])


def test_special_characters_survive_the_round_trip(client, site):
    event = site["special"]
    personal = client.get(f"/feeds/{feed_token(site.pat)}.ics").data  # Pat is going: the address is shown
    vevent = vevent_of(personal, event)
    assert str(vevent["SUMMARY"]) == SPECIAL_TITLE
    assert str(vevent["LOCATION"]) == f"{SPECIAL_VENUE}, {SPECIAL_ADDRESS}, {PLACE_NAME}"
    assert SPECIAL_DESCRIPTION in str(vevent["DESCRIPTION"])
    assert vevent.categories == ["Workshop", SPECIAL_TAG, "soup"]
    read = read_with_vobject(personal)
    (by_vobject,) = [v for v in read.vevent_list if v.uid.value == event_uid(event)]
    assert by_vobject.summary.value == SPECIAL_TITLE
    assert by_vobject.location.value == str(vevent["LOCATION"])


# -- 2. the bytes ------------------------------------------------------------------------------


def test_wire_format_is_crlf_75_octet_lines_whole_utf8_characters(client, site):
    for name, (data, _expected) in fetch_all(client, site).items():
        assert not data.startswith(b"\xef\xbb\xbf"), name
        assert data.endswith(b"END:VCALENDAR\r\n"), name
        without_crlf = data.replace(b"\r\n", b"")
        assert b"\n" not in without_crlf, name
        assert b"\r" not in without_crlf, name
        lines = data.split(b"\r\n")[:-1]
        if name != "download of spring_across":  # the others hold lines long enough to fold
            assert any(line.startswith(b" ") for line in lines), f"{name}: nothing was folded"
        for line in lines:
            assert len(line) <= 75, (name, line)
            line.decode("utf-8")  # a fold inside a character leaves half of it on each line


# -- 3. what the feeds say ----------------------------------------------------------------------


def test_feeds_name_themselves_give_refresh_hints_and_no_method(client, site):
    names = {
        "/calendar.ics": "eventsite",
        FILTERED_URL: f"eventsite: Workshop · {PLACE_NAME} · #soup",
        f"/feeds/{feed_token(site.pat)}.ics": "My gatherings on eventsite",
    }
    for url, name in names.items():
        data = client.get(url).data
        calendar = parse(data)
        assert str(calendar["X-WR-CALNAME"]) == name, url
        assert property_lines(data, "X-WR-TIMEZONE", inside="VCALENDAR") == ["X-WR-TIMEZONE:Europe/London"]
        lines = unfolded(data)
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines, url
        assert "X-PUBLISHED-TTL:PT1H" in lines, url
        assert "METHOD" not in calendar, url
    assert "METHOD" not in parse(client.get(f"/events/{site['special'].id}.ics").data)


def test_entries_have_stable_uid_a_link_back_and_kind_and_tags(client, site):
    data = client.get("/calendar.ics").data
    for event in site.in_shared_feed:
        vevent = vevent_of(data, event)
        assert str(vevent["UID"]) == f"event-{event.id}@eventsite.test"
        url = str(vevent["URL"])
        assert url == f"{SITE}/events/{event.id}-{event.slug}"
        assert client.get(url.removeprefix(SITE)).status_code == 200
        assert vevent.categories == [event.kind.label, *sorted(tag.name for tag in event.tags)]


def test_description_says_how_many_are_going_and_places_left_or_full(client, site):
    data = client.get("/calendar.ics").data
    notes = {
        "full": "1 going; full, 2 on the waitlist.",
        "roomy": "2 going; 8 places left.",
        "threshold": "1 going; goes ahead if 1 more are in.",
        "special": "1 going.",
        "spring_eve": "0 going.",
    }
    for name, note in notes.items():
        assert str(vevent_of(data, site[name])["DESCRIPTION"]).startswith(note + "\n\n"), name


def test_event_below_its_threshold_is_tentative_until_reached(client, site):
    event = site["threshold"]
    assert str(vevent_of(client.get("/calendar.ics").data, event)["STATUS"]) == "TENTATIVE"
    assert str(vevent_of(client.get("/calendar.ics").data, site["roomy"])["STATUS"]) == "CONFIRMED"
    respond(locked_event(event.id), site.people["rui"], RsvpStatus.GOING)
    db.session.commit()
    vevent = vevent_of(client.get("/calendar.ics").data, event)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["DESCRIPTION"]).startswith("2 going.\n\n")


def test_cancelled_event_stays_marked_until_a_week_after_it_ended(client, site):
    data = client.get("/calendar.ics").data
    event = site["cancelled_recently"]
    vevent = vevent_of(data, event)
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["SUMMARY"]) == f"Cancelled: {event.title}"
    assert vevent["SEQUENCE"] == 1
    assert event_uid(site["cancelled_long_ago"]) not in vevents_by_uid(data)
    event.ends_at = datetime.now(UTC) - timedelta(days=7, minutes=1)  # now more than a week ago
    event.starts_at = event.ends_at - timedelta(hours=2)
    event.updated_at = datetime.now(UTC)
    db.session.commit()
    assert event_uid(event) not in vevents_by_uid(client.get("/calendar.ics").data)


def test_window_is_the_last_30_days_to_a_year_ahead(client, site):
    shown = set(vevents_by_uid(client.get("/calendar.ics").data))
    assert event_uid(site["recent_past"]) in shown
    assert event_uid(site["old_past"]) not in shown
    assert event_uid(site["far_ahead"]) not in shown
    assert event_uid(site["held"]) not in shown
    assert shown == uids(site.in_shared_feed)


def test_feed_max_events_keeps_the_nearest_upcoming(app, client, site):
    app.config["FEED_MAX_EVENTS"] = 3
    now = datetime.now(UTC)
    upcoming = sorted((e for e in site.in_shared_feed if e.starts_at >= now), key=lambda e: (e.starts_at, e.id))
    assert set(vevents_by_uid(client.get("/calendar.ics").data)) == uids(upcoming[:3])


def test_personal_feed_shows_my_answers_and_what_i_host(client, site):
    data = client.get(f"/feeds/{feed_token(site.pat)}.ics").data
    by_uid = vevents_by_uid(data)
    assert set(by_uid) == uids(site.in_personal_feed)
    expected = {
        "special": ("CONFIRMED", "You're going."),
        "injection": ("TENTATIVE", "You said maybe."),
        "full": ("TENTATIVE", "You're on the waitlist, place 2."),
        "hosted": ("CONFIRMED", "You are a host."),
        "cancelled_recently": ("CANCELLED", "You're going."),
    }
    for name, (status, note) in expected.items():
        vevent = by_uid[event_uid(site[name])]
        assert str(vevent["STATUS"]) == status, name
        assert str(vevent["DESCRIPTION"]).startswith(note), name
    assert event_uid(site["threshold"]) not in by_uid  # Pat can't go
    assert "Join online: https://meet.example.org/room-42" in str(by_uid[event_uid(site["hosted"])]["DESCRIPTION"])
    assert b"room-42" not in client.get("/calendar.ics").data


def test_changing_to_cant_go_removes_the_event_from_my_feed(client, site):
    url = f"/feeds/{feed_token(site.pat)}.ics"
    assert str(vevent_of(client.get(url).data, site["plain"])["STATUS"]) == "CONFIRMED"
    respond(locked_event(site["plain"].id), site.pat, RsvpStatus.NOT_GOING)
    db.session.commit()
    assert event_uid(site["plain"]) not in vevents_by_uid(client.get(url).data)


def test_handing_over_an_event_removes_it_from_my_feed_and_moves_last_modified(client, site):
    url = f"/feeds/{feed_token(site.pat)}.ics"
    db.session.execute(update(Event).values(updated_at=datetime.now(UTC) - timedelta(minutes=5)))
    db.session.commit()  # so that the hand-over is seconds later, as HTTP dates count
    before = client.get(url)
    accept_invitation(hand_over(site["hosted"], site.pat, site.people["hana"].email), "Hana")
    db.session.commit()
    after = client.get(url)
    assert event_uid(site["hosted"]) not in vevents_by_uid(after.data)
    # A calendar that sends only If-Modified-Since must not be told nothing changed.
    assert client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status_code == 200
    assert after.last_modified > before.last_modified


def test_no_attendee_and_no_email_address_in_any_feed(client, site):
    for name, (data, _expected) in fetch_all(client, site).items():
        assert b"ATTENDEE" not in data, name
        assert b"ORGANIZER" not in data, name
        for person in db.session.scalars(select(Person)):
            assert person.email.encode() not in data, (name, person.email)
        for line in unfolded(data):
            if "@" in line:
                assert re.fullmatch(r"UID:event-\d+@eventsite\.test", line), (name, line)


# -- 4. HTTP ------------------------------------------------------------------------------------


def test_shared_feed_headers(client, site):
    response = client.get("/calendar.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert "X-Robots-Tag" not in response.headers


def test_personal_feed_headers(client, site):
    response = client.get(f"/feeds/{feed_token(site.pat)}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"].split(",")[0] == "private"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]


def test_one_event_download_headers(client, site):
    response = client.get(f"/events/{site['special'].id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("feed", ["shared", "personal"])
def test_conditional_requests_get_304_and_bad_dates_200(client, site, feed):
    url = "/calendar.ics" if feed == "shared" else f"/feeds/{feed_token(site.pat)}.ics"
    full = client.get(url)
    etag, last_modified = full.headers["ETag"], full.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        response = client.get(url, headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
    for date_header in ("not a date", "Thu, 01 Jan 1970 00:00:00 GMT"):
        response = client.get(url, headers={"If-Modified-Since": date_header})
        assert response.status_code == 200, date_header
        assert response.data == full.data
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("feed", ["shared", "personal"])
def test_head_gives_the_headers_and_no_body(client, site, feed):
    url = "/calendar.ics" if feed == "shared" else f"/feeds/{feed_token(site.pat)}.ics"
    response = client.head(url)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"] == client.get(url).headers["ETag"]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _raw_get(port: int, url: str) -> tuple[bytes, list[bytes], bytes]:
    """GET ``url`` over a socket as a calendar app does: a Host and a User-Agent, no
    Accept, no cookie. The status line, the header lines and the body, unparsed."""
    request = f"GET {url} HTTP/1.0\r\nHost: eventsite.test\r\nUser-Agent: Google-Calendar-Importer\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        received = b"".join(iter(lambda: connection.recv(65536), b""))
    head, _, body = received.partition(b"\r\n\r\n")
    status, *headers = head.split(b"\r\n")
    return status, headers, body


def test_feeds_need_no_accept_header_and_set_no_cookie(app, site):
    seen = []  # the Accept header of each request, as the app received it

    def recording(environ, start_response):
        seen.append(environ.get("HTTP_ACCEPT"))
        return app.wsgi_app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    urls = ("/calendar.ics", FILTERED_URL, f"/feeds/{feed_token(site.pat)}.ics")
    try:
        for url in urls:
            status, headers, body = _raw_get(server.server_port, url)
            assert status.split()[1] == b"200", (url, status)
            assert body.startswith(b"BEGIN:VCALENDAR\r\n"), url
            assert not [line for line in headers if line.lower().startswith(b"set-cookie:")], url
            assert [line for line in headers if line.lower().startswith(b"content-type: text/calendar")], url
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert seen == [None] * len(urls), "a request carried an Accept header"


def test_same_data_gives_the_same_bytes_and_etag(app, client, site):
    for url in ("/calendar.ics", FILTERED_URL, f"/feeds/{feed_token(site.pat)}.ics"):
        first, second = client.get(url), client.get(url)
        assert first.data == second.data, url
        assert first.headers["ETag"] == second.headers["ETag"], url
    cached = client.get("/calendar.ics")
    app.config["FEED_MAX_EVENTS"] = 999  # another cache key: the feed is built again
    rebuilt = client.get("/calendar.ics")
    assert (rebuilt.data, rebuilt.headers["ETag"]) == (cached.data, cached.headers["ETag"])


def test_an_edit_changes_the_etag_keeps_the_uid_and_raises_sequence(client, site):
    event = site["plain"]
    before = client.get("/calendar.ics")
    old = vevent_of(before.data, event)
    new_start = event.local_start.replace(tzinfo=None) + timedelta(hours=1)
    details = EventDetails.of(event, starts_local=new_start, ends_local=None)
    edit_event(locked_event(event.id), details, site.people["hana"])
    db.session.commit()
    after = client.get("/calendar.ics")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/calendar.ics", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    new = vevent_of(after.data, event)
    assert str(new["UID"]) == str(old["UID"])
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new.start == old.start + timedelta(hours=1) == event.starts_at


def test_an_answer_changes_the_shared_feed_at_once(client, mailbox, site):
    event = site["roomy"]
    before = client.get("/calendar.ics")
    assert str(vevent_of(before.data, event)["DESCRIPTION"]).startswith("2 going; 8 places left.")
    sol = {"answer": "going", "guests": "0", "email": "sol@example.org", "name": "Sol"}
    assert client.post(f"/events/{event.id}/rsvp", data=sol).status_code == 302
    held = client.get("/calendar.ics")  # Sol's place is held until he confirms
    assert held.headers["ETag"] != before.headers["ETag"]
    assert str(vevent_of(held.data, event)["DESCRIPTION"]).startswith("2 going; 7 places left.")
    assert client.post(mailbox.link_to("sol@example.org", containing="/answers/")).status_code == 302
    after = client.get("/calendar.ics")
    assert after.headers["ETag"] != held.headers["ETag"]
    assert str(vevent_of(after.data, event)["DESCRIPTION"]).startswith("3 going; 7 places left.")


# -- 5. secret links to personal feeds ------------------------------------------------------------

FEED_LINK = re.compile(r"http://eventsite\.test(/feeds/([^/\s\"'<>]+)\.ics)")


def feed_links(text: str) -> set[str]:
    return {match.group(1) for match in FEED_LINK.finditer(text)}


@pytest.fixture
def sam(auth, make_person):
    person = make_person(email="sam@example.org", name="Sam")
    auth.sign_in(person.email)
    return person


def test_the_link_on_me_and_in_the_confirmation_email_is_the_working_one(client, mailbox, make_event, sam):
    event = make_event(title="Bake-off")
    assert client.post(f"/events/{event.id}/rsvp", data={"answer": "going", "guests": "0"}).status_code == 302
    (emailed,) = feed_links(mailbox.text(mailbox.last_to(sam.email)))
    (on_me,) = feed_links(client.get("/me/").text)
    assert emailed == on_me
    token = emailed.removeprefix("/feeds/").removesuffix(".ics")
    assert re.fullmatch(r"[0-9a-f]{64}", token)  # 256 bits, at least 128 of them secret
    response = client.get(emailed)
    assert response.status_code == 200
    assert set(vevents_by_uid(response.data)) == {event_uid(event)}


def test_rotating_the_link_makes_the_old_one_404_and_the_new_one_work(client, make_event, sam):
    (old,) = feed_links(client.get("/me/").text)
    response = client.post("/me/feed/rotate")
    assert response.status_code == 302
    (new,) = feed_links(client.get("/me/").text)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_tampered_or_truncated_token_is_404(client, sam):
    token = feed_token(sam)
    flipped = [token[:i] + ("0" if token[i] != "0" else "1") + token[i + 1 :] for i in (0, 31, 32, 63)]
    for bad in [*flipped, token[:32], token[:63], token + "0", token.upper(), "x" * 64]:
        assert client.get(f"/feeds/{bad}.ics").status_code == 404, bad
    assert client.get(f"/feeds/{token}.ics").status_code == 200


def test_the_token_is_not_stored_in_the_database(client, mailbox, make_event, sam):
    event = make_event(title="Bake-off")
    client.post(f"/events/{event.id}/rsvp", data={"answer": "going", "guests": "0"})
    token = feed_token(sam)
    assert feed_links(mailbox.text(mailbox.last_to(sam.email))) == {f"/feeds/{token}.ics"}
    # Not the token, nor its secret second half: not in the person row, nor in any
    # other (the outbox drops a message's body once it has been sent).
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            assert not any(token[32:] in str(value) for value in row), table.name


@pytest.mark.parametrize("query", ["kind=nonsense", "place=nowhere", "kind=workshop&place=nowhere"])
def test_unknown_filter_values_are_404_not_500(client, query):
    assert client.get(f"/calendar.ics?{query}").status_code == 404


# -- 6. size ------------------------------------------------------------------------------------


def test_600_events_stay_well_under_800_kb(client):
    seed_bulk(events=600, people=300, rsvps=1500)
    db.session.commit()
    started = time.perf_counter()
    response = client.get("/calendar.ics")
    count = response.data.count(b"\r\nBEGIN:VEVENT\r\n")
    print(f"shared feed: {count} events, {len(response.data)} bytes, built in {time.perf_counter() - started:.3f} s")
    assert count > 500  # nearly all of them are inside the window
    assert len(response.data) < 800_000
    assert len(response.data) / count * 1000 < 800_000
