"""Importing gatherings from a calendar, as a signed-in person, through the pages, from a
real local server (tests/calendar_server.py): the first import, re-imports that update,
cancel and never duplicate, syncing, every malformed calendar, hostile text, and that
nobody's invited addresses come in."""

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import String, Text, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventsite import imports
from eventsite.attendees import respond
from eventsite.extensions import db
from eventsite.ical_import import MAX_EVENTS
from eventsite.models import (
    Event,
    EventStatus,
    ImportedItem,
    ImportSource,
    PendingImport,
    RsvpStatus,
    Series,
    SeriesStatus,
)
from eventsite.rsvps import locked_event
from eventsite.series import coming_sessions, sessions_of
from tests import calendar_server
from tests.calendar_server import fixture

IMPORTER = "robin@example.org"
OUTLOOK_PEOPLE = [
    "pat.volunteer@outlook-example.com",
    "kim.helper@outlook-example.com",
    "robin.fixit@outlook-example.com",
]
GOOGLE_PEOPLE = [
    "jo.walker@gmail-example.com",
    "sam.stride@gmail-example.com",
    "c_8f3a9d2b1e@group.calendar.google.com",
]
REPAIR_UID = (
    "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D901000000000000000010000000F1E2D3C4B5A69788796A5B4C3D2E1F0"
)
EVENING_UID = (
    "040000008200E00074C5B7101A82E00800000000B1C2D3E4F5A6D901000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F9"
)


@pytest.fixture
def calendars():
    served, httpd = calendar_server.start()
    yield served
    calendar_server.stop(httpd)


@pytest.fixture
def app_settings(calendars):
    return {"IMPORT_ALLOW_PRIVATE": [calendars.allow]}


@pytest.fixture
def importer(app, make_person, make_place, auth):
    make_place("Armley")
    person = make_person(IMPORTER, "Robin Fixit")
    auth.sign_in(IMPORTER)
    return person


# -- helpers: the pages as a browser uses them ---------------------------------------------


def start(client, url: str = "", upload: bytes | None = None, keep_in_sync: bool = False):
    data = {"url": url}
    if keep_in_sync:
        data["keep_in_sync"] = "y"
    if upload is not None:
        data["file"] = FileStorage(io.BytesIO(upload), "calendar.ics", content_type="text/calendar")
    # Encoded here, in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post("/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def open_preview(client, url: str = "", upload: bytes | None = None, keep_in_sync: bool = False):
    """The preview page of a calendar (its path and the response)."""
    response = start(client, url, upload, keep_in_sync)
    assert response.status_code == 303, response.text
    path = response.headers["Location"]
    response = client.get(path)
    assert response.status_code == 200, response.text
    return path, response


def ticked(response) -> list[str]:
    """The UIDs the preview offers, ticked."""
    return [html.unescape(uid) for uid in re.findall(r'name="chosen" value="([^"]*)"[^>]*checked', response.text)]


def bring_in(client, path: str, chosen: list[str], kind: str = "workshop", place: str = "armley"):
    response = client.post(path, data={"chosen": chosen, "kind": kind, "place": place}, follow_redirects=True)
    assert response.status_code == 200, response.text
    return response


def import_all(client, url: str = "", upload: bytes | None = None, keep_in_sync: bool = False, **choices):
    """Import every event the preview ticks (and apply what changed); the page after."""
    path, preview = open_preview(client, url, upload, keep_in_sync)
    return bring_in(client, path, ticked(preview), **choices)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in (Event, Series, ImportSource, ImportedItem, PendingImport)}


def titled(title: str) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).where(Event.title == title).order_by(Event.starts_at)))


def every_text_value() -> list[str]:
    """Every string in every text column of every table."""
    values = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String | Text)]
        if columns:
            for row in db.session.execute(select(*columns)):
                values += [value for value in row if isinstance(value, str)]
    return values


def calendar(*events: str, extra: str = "") -> str:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", extra, *events, "END:VCALENDAR", ""])
    return body.replace("\r\n\r\n", "\r\n")


def vevent(uid: str, summary: str, start: str, end: str | None = "", **properties: str) -> str:
    """One VEVENT; ``start``/``end`` are property values with their parameters (";TZID=...:2026...")."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", "DTSTAMP:20240101T000000Z", f"DTSTART{start}"]
    if end:
        lines.append(f"DTEND{end}")
    properties.setdefault("LOCATION", "Armley Library\\, Leeds")
    lines += [f"{name.replace('_', '-')}:{value}" for name, value in properties.items() if value is not None]
    return "\r\n".join([*lines, "END:VEVENT"])


def days(n: int) -> str:
    return f"{date.today() + timedelta(days=n):%Y%m%d}"


# -- the first import ----------------------------------------------------------------------


def test_the_form_asks_for_an_address_or_a_file(client, importer):
    page = client.get("/import").text
    assert "Calendar address" in page
    assert "Or an .ics file" in page
    assert "Keep it in sync" in page


def test_not_signed_in_is_asked_to_sign_in(client, app):
    for path in ("/import", "/import/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    assert client.post("/import", data={"url": "http://example.org/a.ics"}).status_code == 302
    assert count(PendingImport) == 0


def test_an_outlook_export_is_previewed_then_brought_in(client, importer, calendars):
    url = calendars.put("/outlook.ics", fixture("outlook.ics"))
    path, preview = open_preview(client, url)
    page = preview.text
    assert "Leeds Repair Café" in page
    assert "1 past event is left out." in page
    assert "Repair café" in page
    assert "Open evening" in page
    assert "Committee meeting" not in page
    first = date.today() + timedelta(days=2)
    last = date.today() + timedelta(days=58)
    assert f"Every week on {first:%A}, until {last.day} {last:%B %Y}" in page
    assert f"{first:%a} {first.day} {first:%b %Y}, 19:00" in page
    assert "– 21:00" in page
    assert "Armley Library" in page
    assert ticked(preview) == [REPAIR_UID, EVENING_UID]
    assert count(Event) == 0  # nothing yet

    after = bring_in(client, path, ticked(preview))
    assert "1 gathering brought in." not in after.text
    assert "2 gatherings brought in." in after.text
    (evening,) = titled("Open evening")
    assert [host.person.email for host in evening.hosts] == [IMPORTER]
    assert evening.status is EventStatus.PUBLISHED  # MODERATION "open" in the tests
    assert evening.kind.value == "workshop"
    assert evening.place.slug == "armley"
    assert evening.venue_name == "Armley Mills"
    assert evening.timezone == "Europe/London"  # Outlook's "GMT Standard Time"
    assert evening.local_start.replace(tzinfo=None) == datetime.combine(
        date.today() + timedelta(days=10), datetime.min.time()
    ).replace(hour=18)
    repair = titled("Repair café")
    assert [session.local_start.date() for session in repair] == [first + timedelta(weeks=n) for n in range(9)]
    assert all(session.local_start.hour == 19 for session in repair)  # 19:00 on both sides of the clocks changing
    assert repair[0].series is not None
    assert repair[0].venue_name == "Armley Library"
    assert repair[0].address == "Armley Library, Stocks Hill, Leeds LS12 1UQ"
    assert "Tea and cake from 18:30." in repair[0].description
    source = db.session.scalars(select(ImportSource)).one()
    assert (source.url, source.name, source.person.email, len(source.items)) == (url, "Leeds Repair Café", IMPORTER, 2)
    assert count(PendingImport) == 0  # used up


def test_only_the_ticked_ones_come_in(client, importer, calendars):
    url = calendars.put("/outlook.ics", fixture("outlook.ics"))
    path, _ = open_preview(client, url)
    bring_in(client, path, [EVENING_UID])
    assert [event.title for event in titled("Open evening")] == ["Open evening"]
    assert titled("Repair café") == []
    path, preview = open_preview(client, url)  # the other is still there to bring in later
    assert ticked(preview) == [REPAIR_UID]
    assert "Brought in before, unchanged." in preview.text


@pytest.mark.parametrize("mode", ["newcomers", "all"])
def test_imported_gatherings_wait_for_a_steward_like_a_proposal(
    client, app, importer, calendars, mailbox, mode, make_person
):
    make_person("sam@example.org", "Sam Steward", steward=True)
    app.config["MODERATION"] = mode
    mailbox.clear()
    import_all(client, calendars.put("/outlook.ics", fixture("outlook.ics")))
    assert {event.status for event in titled("Open evening") + titled("Repair café")} == {EventStatus.HELD}
    assert any("Open evening" in message["Subject"] for message in mailbox.to("sam@example.org"))


def test_a_google_export(client, app, importer, calendars):
    url = calendars.put("/google.ics", fixture("google.ics"))
    path, preview = open_preview(client, url)
    page = preview.text
    assert "Salford Walkers" in page
    assert "Cancelled in its own calendar: not brought in." in page
    assert "It repeats with no end: its sessions are made 120 days ahead at a time." in page
    after = bring_in(client, path, ticked(preview), kind="walk", place="armley")
    assert "2 gatherings brought in." in after.text
    assert titled("Quiz night") == []  # cancelled at the source
    (planning,) = titled("Route planning (online)")
    assert planning.is_online
    assert planning.online_url == "https://meet.google.com/abc-defg-hij"
    assert planning.local_start.hour == 18
    assert planning.local_start.minute == 30
    strolls = titled("Saturday stroll")
    horizon = date.today() + timedelta(days=app.config["SERIES_HORIZON_DAYS"])
    assert len(strolls) == len(range(3, (horizon - date.today()).days + 1, 7))  # up to the horizon, no further
    assert strolls[0].series.rule.startswith("FREQ=WEEKLY")
    assert "UNTIL" not in strolls[0].series.rule
    assert "&lt;a href=" in strolls[0].description_html  # Google's HTML is text here, as if typed


def test_a_file_can_be_imported_and_imported_again_without_copies(client, importer):
    body = fixture("outlook.ics")
    import_all(client, upload=body)
    assert count(Event) == 10
    _, preview = open_preview(client, upload=body)
    assert ticked(preview) == []
    assert preview.text.count("Brought in before, unchanged.") == 2
    import_all(client, upload=body)
    assert count(Event) == 10
    assert count(ImportedItem) == 2
    source = db.session.scalars(select(ImportSource)).one()
    assert source.url is None
    assert not source.keep_in_sync


# -- importing the same address again --------------------------------------------------------


@pytest.fixture
def imported(client, importer, calendars, make_person):
    """The Outlook calendar brought in, with someone going to the open evening and the series' first session."""
    url = calendars.put("/outlook.ics", fixture("outlook.ics"))
    import_all(client, url, keep_in_sync=True)
    guest = make_person("gita@example.org", "Gita Guest")
    for event in (titled("Open evening")[0], titled("Repair café")[0]):
        respond(locked_event(event.id), guest, RsvpStatus.GOING)
    db.session.commit()
    return url


def changed_outlook(**replacements: str) -> bytes:
    text = fixture("outlook.ics").decode()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


def test_reimport_updates_what_changed_and_tells_people_going(client, calendars, imported, mailbox):
    start = f'DTSTART;TZID="GMT Standard Time":{date.today() + timedelta(days=10):%Y%m%d}'
    calendars.put(
        "/outlook.ics",
        changed_outlook(
            **{
                "SUMMARY;LANGUAGE=en-gb:Open evening": "SUMMARY;LANGUAGE=en-gb:Open evening and party",
                f"{start}T180000": f"{start}T183000",
                "SUMMARY;LANGUAGE=en-gb:Repair café": "SUMMARY;LANGUAGE=en-gb:Repair café (new room)",
            }
        ),
    )
    mailbox.clear()
    path, preview = open_preview(client, imported)
    assert preview.text.count("Brought in before, changed since") == 2
    assert ticked(preview) == []
    after = bring_in(client, path, [])
    assert "2 updated." in after.text
    assert titled("Open evening") == []
    (evening,) = titled("Open evening and party")
    assert (evening.local_start.hour, evening.local_start.minute) == (18, 30)
    assert len(titled("Repair café (new room)")) == 9
    assert titled("Repair café") == []
    told = " ".join(mailbox.text(message) for message in mailbox.to("gita@example.org"))
    assert "18:30" in told
    assert count(Event) == 10


def test_cancelled_at_the_source_is_cancelled_here(client, calendars, imported, mailbox):
    calendars.put(
        "/outlook.ics",
        changed_outlook(
            **{
                "SUMMARY;LANGUAGE=en-gb:Open evening": "STATUS:CANCELLED\r\nSUMMARY;LANGUAGE=en-gb:Open evening",
            }
        ),
    )
    mailbox.clear()
    path, preview = open_preview(client, imported)
    assert "Cancelled in its own calendar: it will be cancelled here" in preview.text
    assert "1 cancelled." in bring_in(client, path, []).text
    (evening,) = titled("Open evening")
    assert evening.status is EventStatus.CANCELLED
    assert mailbox.to("gita@example.org")
    path, preview = open_preview(client, imported)  # and again: nothing more happens
    assert "Nothing to bring in" in bring_in(client, path, []).text


def test_removed_from_the_source_is_cancelled_here(client, calendars, imported, mailbox):
    text = fixture("outlook.ics").decode()
    start = text.index("BEGIN:VEVENT")
    calendars.put("/outlook.ics", text[:start] + text[text.index("END:VEVENT") + len("END:VEVENT\r\n") :])
    mailbox.clear()
    path, preview = open_preview(client, imported)
    assert "No longer in the calendar" in preview.text
    assert "Repair café" in preview.text
    assert "1 cancelled." in bring_in(client, path, []).text
    series = db.session.scalars(select(Series)).one()
    assert series.status is SeriesStatus.ENDED
    assert all(session.is_cancelled for session in coming_sessions(series))
    assert all(session.is_cancelled for session in sessions_of(series) if session.ends_at > datetime.now(UTC))
    assert mailbox.to("gita@example.org")
    assert titled("Open evening")[0].status is EventStatus.PUBLISHED


def test_three_imports_make_no_copies(client, calendars, imported):
    before = counts()
    for _ in range(3):
        import_all(client, imported)
    assert counts() == before


def test_reimport_matches_by_uid_not_by_title_or_time(client, calendars, imported):
    calendars.put(
        "/outlook.ics",
        changed_outlook(
            **{
                "SUMMARY;LANGUAGE=en-gb:Open evening": "SUMMARY;LANGUAGE=en-gb:Repair café",
            }
        ),
    )
    import_all(client, imported)
    assert titled("Open evening") == []
    assert len(titled("Repair café")) == 10
    assert count(Event) == 10


# -- keeping an address in sync ------------------------------------------------------------


def test_sync_sends_the_validators_and_a_304_changes_nothing(app, runner, calendars, imported):
    before = counts()
    source = db.session.scalars(select(ImportSource)).one()
    etag = calendars.files["/outlook.ics"].etag
    assert source.keep_in_sync
    assert source.etag == etag
    result = runner.invoke(args=["sync-imports"])
    assert result.exit_code == 0, result.output
    assert f"Calendar {source.id}: unchanged" in result.output
    assert imported not in result.output  # a private calendar's address is a secret
    headers = calendars.seen("/outlook.ics")[-1]
    assert headers["if-none-match"] == etag
    assert headers["if-modified-since"].endswith("GMT")
    assert "cookie" not in headers
    assert "authorization" not in headers
    db.session.expire_all()
    assert counts() == before
    assert source.last_error == ""
    assert source.last_ok_at is not None


def test_sync_applies_a_change(app, runner, calendars, imported, mailbox):
    calendars.put("/outlook.ics", changed_outlook(**{"LOCATION:Armley Mills": "LOCATION:Leeds Industrial Museum"}))
    mailbox.clear()
    result = runner.invoke(args=["sync-imports"])
    assert "Calendar 1: 0 new, 1 updated, 0 cancelled, 0 refused" in result.output, result.output
    (evening,) = titled("Open evening")
    assert evening.venue_name == "Leeds Industrial Museum"
    assert mailbox.to("gita@example.org")
    source = db.session.scalars(select(ImportSource)).one()
    assert source.etag == calendars.files["/outlook.ics"].etag


def test_sync_brings_in_new_events_too(app, runner, calendars, imported):
    text = (
        fixture("outlook.ics")
        .decode()
        .replace(
            "END:VCALENDAR",
            vevent(
                "new-one@example.org",
                "Soldering basics",
                f";TZID=Europe/London:{days(20)}T180000",
                f";TZID=Europe/London:{days(20)}T200000",
            )
            + "\r\nEND:VCALENDAR",
        )
    )
    calendars.put("/outlook.ics", text)
    assert "1 new" in runner.invoke(args=["sync-imports"]).output
    (new,) = titled("Soldering basics")
    assert new.kind.value == "workshop"
    assert new.place.slug == "armley"


def test_a_failing_sync_records_why_and_the_importer_sees_it(app, client, runner, calendars, imported):
    calendars.remove("/outlook.ics")
    result = runner.invoke(args=["sync-imports"])
    assert "The address answered 404 Not Found, not a calendar." in result.output
    source = db.session.scalars(select(ImportSource)).one()
    db.session.refresh(source)
    assert source.last_error == "The address answered 404 Not Found, not a calendar."
    assert source.last_checked_at > source.last_ok_at
    page = client.get("/me/").text
    assert "Leeds Repair Café" in page
    assert "Last try failed: The address answered 404 Not Found, not a calendar." in page
    assert count(Event) == 10
    assert titled("Open evening")[0].status is EventStatus.PUBLISHED
    calendars.put("/outlook.ics", "<html>Down for maintenance</html>", content_type="text/html")
    runner.invoke(args=["sync-imports"])
    db.session.refresh(source)
    assert source.last_error == "This is not an iCalendar (.ics) file the site can read."


def test_importing_again_by_hand_keeps_the_sync(app, client, calendars, imported):
    import_all(client, imported)  # "Keep it in sync" not ticked this time
    assert db.session.scalars(select(ImportSource)).one().keep_in_sync


def test_stopping_the_sync(app, client, runner, calendars, imported):
    source = db.session.scalars(select(ImportSource)).one()
    response = client.post(f"/imports/{source.id}/stop-syncing", follow_redirects=True)
    assert "no longer kept in sync" in response.text
    db.session.refresh(source)
    assert not source.keep_in_sync
    calendars.requests.clear()
    runner.invoke(args=["sync-imports"])
    assert calendars.requests == []


# -- what cannot come in -------------------------------------------------------------------


def refused(client, field: str = "url", **kwargs) -> str:
    before = counts()
    response = start(client, **kwargs)
    assert response.status_code == 422, response.text
    assert counts() == before  # nothing kept
    return response.text


def test_not_an_icalendar_file(client, importer, calendars):
    url = calendars.put("/page.html", "<html><body>Our events</body></html>", content_type="text/html")
    assert "This is not an iCalendar (.ics) file the site can read." in refused(client, url=url)
    assert "This is not an iCalendar (.ics) file the site can read." in refused(client, upload=b"\x89PNG\r\n\x1a\n")
    broken = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:unterminated\r\n"
    assert "This is not an iCalendar (.ics) file the site can read." in refused(client, upload=broken)
    assert "This is not an iCalendar (.ics) file the site can read." in refused(client, upload=b"")


def test_ten_thousand_events_are_refused_as_a_whole(client, importer, calendars):
    events = [
        vevent(
            f"e{n}@bulk",
            f"Event {n}",
            f":{days(1 + n % 300)}T{10 + n % 8:02d}0000Z",
            f":{days(1 + n % 300)}T{11 + n % 8:02d}0000Z",
        )
        for n in range(10_000)
    ]
    url = calendars.put("/bulk.ics", calendar(*events))
    assert len(calendars.files["/bulk.ics"].body) < 2 * 1024 * 1024
    page = refused(client, url=url)
    assert f"This calendar has more than {MAX_EVENTS} upcoming events" in page


def test_an_address_that_cannot_be_fetched_says_why(client, importer, calendars):
    assert "The address answered 404 Not Found, not a calendar." in refused(client, url=calendars.url("/missing.ics"))
    page = refused(client, url=f"http://localhost:{calendars.port}/outlook.ics")
    assert "localhost is a private or local address: only public addresses can be imported." in page
    page = refused(client, url=calendars.redirect("/moved.ics", "http://10.0.0.1/cal.ics"))
    assert "10.0.0.1 is a private or local address" in page
    assert "Give a full web link starting with https:// (or http://)." in refused(client, url="file:///etc/passwd")
    page = refused(client, url=f"http://[::1]:{calendars.port}/outlook.ics")
    assert "::1 is a private or local address" in page
    assert "Give a calendar’s address or choose a file, one of the two." in refused(client)


def test_a_file_over_2_mb(client, importer):
    assert "The file is larger than 2 MB." in refused(client, upload=b"B" * (2 * 1024 * 1024 + 1))


def preview_of(client, *events: str, extra: str = ""):
    return open_preview(client, upload=calendar(*events, extra=extra).encode())


def test_an_unknown_vtimezone_keeps_the_moment(client, importer):
    zone = "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:Customized Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0200",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    )
    path, preview = preview_of(
        client,
        vevent(
            "z@x",
            "Zoned",
            f";TZID=Customized Time Zone:{days(9)}T200000",
            f";TZID=Customized Time Zone:{days(9)}T210000",
        ),
        extra=zone,
    )
    assert (
        "Its time zone “Customized Time Zone” is not one the site knows: the time is kept, written in "
        "Europe/London." in preview.text
    )
    bring_in(client, path, ticked(preview))
    (event,) = titled("Zoned")
    assert event.timezone == "Europe/London"
    assert event.starts_at.replace(tzinfo=UTC).hour == 18


def test_no_dtend_lasts_an_hour_or_its_duration(client, importer):
    path, preview = preview_of(
        client,
        vevent("a@x", "No end", f";TZID=Europe/London:{days(4)}T190000", None),
        vevent("b@x", "With duration", f";TZID=Europe/London:{days(5)}T190000", None, DURATION="PT90M"),
    )
    assert preview.text.count("It gives no end time: it is taken to last an hour.") == 1
    bring_in(client, path, ticked(preview))
    (no_end,) = titled("No end")
    (with_duration,) = titled("With duration")
    assert no_end.ends_at - no_end.starts_at == timedelta(hours=1)
    assert with_duration.ends_at - with_duration.starts_at == timedelta(minutes=90)


def test_unimportable_events_say_why_and_nothing_is_made(client, importer):
    path, preview = preview_of(
        client,
        vevent("day@x", "All-day fair", f";VALUE=DATE:{days(6)}", f";VALUE=DATE:{days(7)}"),
        vevent(
            "daily@x",
            "Daily stand-up",
            f";TZID=Europe/London:{days(2)}T090000",
            f";TZID=Europe/London:{days(2)}T091500",
            RRULE="FREQ=DAILY;COUNT=10",
        ),
        vevent("", "No uid", f";TZID=Europe/London:{days(3)}T090000", f";TZID=Europe/London:{days(3)}T100000"),
        vevent("back@x", "Backwards", f";TZID=Europe/London:{days(3)}T190000", f";TZID=Europe/London:{days(3)}T180000"),
        vevent("nostart@x", "No start", "", None).replace("DTSTART\r\n", ""),
    )
    page = preview.text
    assert "It lasts all day: gatherings here have a start and an end time. Add it by hand." in page
    assert (
        "It repeats in a way a series here cannot (FREQ=DAILY;COUNT=10): series repeat weekly, fortnightly, "
        "or monthly on a date or a weekday."
    ) in page
    assert "It has no UID, so a later import could not tell it apart: not imported." in page
    assert "It ends before it starts." in page
    assert "It has no start time." in page
    assert ticked(preview) == []
    forged = client.post(path, data={"chosen": ["day@x", "daily@x"], "kind": "other", "place": "armley"})
    assert forged.status_code == 422  # not among the choices offered
    assert "Nothing to bring in" in bring_in(client, path, [], kind="other").text
    assert count(Event) == 0
    assert count(ImportedItem) == 0
    assert count(Series) == 0


def test_a_rule_with_no_end_becomes_a_series_to_the_horizon(client, app, importer):
    path, preview = preview_of(
        client,
        vevent(
            "monthly@x",
            "Book club",
            f";TZID=Europe/London:{days(1)}T190000",
            f";TZID=Europe/London:{days(1)}T203000",
            RRULE=f"FREQ=MONTHLY;BYMONTHDAY={(date.today() + timedelta(days=1)).day}",
        ),
    )
    assert "It repeats with no end: its sessions are made 120 days ahead at a time." in preview.text
    bring_in(client, path, ticked(preview))
    sessions = titled("Book club")
    assert 3 <= len(sessions) <= 5
    horizon = date.today() + timedelta(days=app.config["SERIES_HORIZON_DAYS"])
    assert all(session.local_start.date() <= horizon for session in sessions)


def test_a_series_that_began_in_the_past_starts_at_its_next_session(client, importer):
    first = date.today() - timedelta(days=14)
    path, preview = preview_of(
        client,
        vevent(
            "weekly@x",
            "Knit night",
            f";TZID=Europe/London:{first:%Y%m%d}T190000",
            f";TZID=Europe/London:{first:%Y%m%d}T210000",
            RRULE="FREQ=WEEKLY;COUNT=6",
        ),
    )
    assert "It began in the past: the series starts at its next session." in preview.text
    bring_in(client, path, ticked(preview))
    sessions = titled("Knit night")
    assert [session.local_start.date() for session in sessions] == [first + timedelta(weeks=n) for n in range(2, 6)]


def test_a_series_that_carries_on_is_not_changed_a_week_later(client, importer, monkeypatch):
    first = date.today() - timedelta(days=14)
    body = calendar(
        vevent(
            "weekly@x",
            "Knit night",
            f";TZID=Europe/London:{first:%Y%m%d}T190000",
            f";TZID=Europe/London:{first:%Y%m%d}T210000",
            RRULE="FREQ=WEEKLY;COUNT=20",
        )
    ).encode()
    import_all(client, upload=body)
    later = datetime.now(UTC) + timedelta(days=7)
    monkeypatch.setattr(imports, "utcnow", lambda: later)
    monkeypatch.setattr(imports, "PENDING_FOR", timedelta(days=30))
    _, preview = open_preview(client, upload=body)
    assert "Brought in before, unchanged." in preview.text
    assert "changed since" not in preview.text


def test_an_event_without_a_venue_is_refused_with_the_reason(client, importer):
    path, preview = preview_of(
        client,
        vevent(
            "bare@x",
            "Somewhere",
            f";TZID=Europe/London:{days(4)}T190000",
            f";TZID=Europe/London:{days(4)}T200000",
            LOCATION=None,
        ),
    )
    after = bring_in(client, path, ticked(preview))
    assert "“Somewhere” was not brought in: Venue: Say where people should go (a venue name)." in after.text
    assert count(Event) == 0
    assert count(ImportedItem) == 0


def test_a_zone_named_but_not_described_keeps_the_wall_clock(client, importer):
    _path, preview = preview_of(
        client,
        vevent("mars@x", "Martian", f";TZID=Mars/Olympus:{days(4)}T190000", f";TZID=Mars/Olympus:{days(4)}T200000"),
    )
    assert "Its time zone “Mars/Olympus” is not one the site knows" in preview.text


def test_a_windows_zone_name_is_its_iana_zone(client, importer):
    path, preview = preview_of(
        client,
        vevent(
            "w@x",
            "Berlin",
            f';TZID="W. Europe Standard Time":{days(4)}T190000',
            f';TZID="W. Europe Standard Time":{days(4)}T200000',
        ),
    )
    bring_in(client, path, ticked(preview))
    (event,) = titled("Berlin")
    assert event.timezone == "Europe/Berlin"
    assert event.local_start.hour == 19


def test_cancelled_here_is_not_made_again(client, runner, calendars, imported):
    (evening,) = titled("Open evening")
    response = client.post(f"/events/{evening.id}/cancel", data={"message": "Not this year."})
    assert response.status_code in (302, 303), response.text
    assert titled("Open evening")[0].status is EventStatus.CANCELLED
    path, preview = open_preview(client, imported)
    assert "Brought in before, and over or cancelled here since: left as it is." in preview.text
    assert ticked(preview) == []
    bring_in(client, path, [])
    calendars.put("/outlook.ics", changed_outlook(**{"LOCATION:Armley Mills": "LOCATION:Leeds Industrial Museum"}))
    result = runner.invoke(args=["sync-imports"])
    assert result.exit_code == 0, result.output
    assert "0 new" in result.output
    assert [event.status for event in titled("Open evening")] == [EventStatus.CANCELLED]


def test_an_event_that_can_no_longer_come_in_is_left_as_it_is(client, runner, calendars, imported):
    day = date.today() + timedelta(days=10)
    start, end = f"{day:%Y%m%d}", f"{day + timedelta(days=1):%Y%m%d}"
    calendars.put(
        "/outlook.ics",
        changed_outlook(
            **{
                f'DTSTART;TZID="GMT Standard Time":{start}T180000': f"DTSTART;VALUE=DATE:{start}",
                f'DTEND;TZID="GMT Standard Time":{start}T200000': f"DTEND;VALUE=DATE:{end}",
            }
        ),
    )
    assert "0 new, 0 updated, 0 cancelled, 0 refused" in runner.invoke(args=["sync-imports"]).output
    path, preview = open_preview(client, imported)
    assert "It lasts all day" in preview.text
    assert "Nothing to bring in" in bring_in(client, path, []).text
    assert titled("Open evening")[0].status is EventStatus.PUBLISHED


def test_a_broken_event_does_not_stop_the_others(client, importer):
    good = vevent(
        "good@x", "Good one", f";TZID=Europe/London:{days(4)}T190000", f";TZID=Europe/London:{days(4)}T200000"
    )
    bad = vevent("bad@x", "Bad one", ":notadate", ":alsonot")
    _path, preview = preview_of(client, good, bad)
    assert "Good one" in preview.text
    assert ticked(preview) == ["good@x"]


# -- imported text is untrusted ------------------------------------------------------------


def test_hostile_text_is_cleaned_like_typed_text(client, importer):
    description = r"Click [here](javascript:alert(1)) or <script>alert(2)</script> \n<img src=x onerror=alert(3)>"
    path, preview = preview_of(
        client,
        vevent(
            "hostile@x",
            "Bell\x07 <script>alert(4)</script>",
            f";TZID=Europe/London:{days(4)}T190000",
            f";TZID=Europe/London:{days(4)}T200000",
            DESCRIPTION=description,
            LOCATION="The\x1b[31m Hall\x00, Leeds",
        ),
    )
    assert "<script>alert(4)" not in preview.text
    assert "&lt;script&gt;alert(4)" in preview.text
    bring_in(client, path, ticked(preview))
    (event,) = db.session.scalars(select(Event)).all()
    assert event.title == "Bell <script>alert(4)</script>"
    assert "\x1b" not in event.venue_name
    assert "\x00" not in event.address
    assert event.venue_name.startswith("The")
    assert 'href="javascript' not in event.description_html
    assert "<script" not in event.description_html
    assert "<img" not in event.description_html  # shown as text, never as an element
    page = client.get(f"/events/{event.id}").text
    assert "<script>alert(4)" not in page
    assert "<script>alert(2)" not in page
    assert "javascript:alert" not in page


def test_long_text_is_cut_to_the_form_limits(client, importer):
    path, preview = preview_of(
        client,
        vevent(
            "long@x",
            "T" * 300,
            f";TZID=Europe/London:{days(4)}T190000",
            f";TZID=Europe/London:{days(4)}T200000",
            DESCRIPTION="D" * 20_000,
            LOCATION="V" * 500,
        ),
    )
    assert "The title was cut to 120 characters." in preview.text
    assert "The description was cut to 10000 characters." in preview.text
    bring_in(client, path, ticked(preview))
    (event,) = db.session.scalars(select(Event)).all()
    assert len(event.title) == 120
    assert len(event.description) == 10_000
    assert len(event.venue_name) == 120


def test_no_attendee_or_organizer_address_is_stored_or_shown(client, importer, calendars):
    outlook = calendars.put("/outlook.ics", fixture("outlook.ics"))
    google = calendars.put("/google.ics", fixture("google.ics"))
    pages = []
    for url in (outlook, google):
        path, preview = open_preview(client, url)
        pages.append(preview.text)
        stored = " ".join(every_text_value())  # while the preview waits, too
        assert not [address for address in OUTLOOK_PEOPLE + GOOGLE_PEOPLE if address in stored]
        pages.append(bring_in(client, path, ticked(preview), place="online" if url == google else "armley").text)
    pages += [client.get(f"/events/{event.id}").text for event in db.session.scalars(select(Event))]
    stored = " ".join(every_text_value())
    for address in OUTLOOK_PEOPLE + GOOGLE_PEOPLE:
        assert address not in stored
        assert not [page for page in pages if address in page], address
    assert count(Event) > 10


# -- whose import it is --------------------------------------------------------------------


def test_someone_else_cannot_open_your_import(client, app, importer, calendars, auth, make_person):
    path, _ = open_preview(client, calendars.put("/outlook.ics", fixture("outlook.ics")))
    make_person("mallory@example.org", "Mallory")
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other, auth.mailbox).sign_in("mallory@example.org")
    for response in (
        other.get(path),
        other.post(path, data={"chosen": [EVENING_UID], "kind": "party", "place": "armley"}),
    ):
        assert response.status_code in (302, 303, 404)
        assert "Open evening" not in response.text
        assert "Leeds Repair Café" not in response.text
    assert count(Event) == 0
    assert count(PendingImport) == 1
    source_path = "/imports/1/stop-syncing"
    assert other.post(source_path).status_code == 404


def test_an_expired_import_is_started_again(client, importer, calendars):
    path, _ = open_preview(client, calendars.put("/outlook.ics", fixture("outlook.ics")))
    pending = db.session.scalars(select(PendingImport)).one()
    pending.created_at = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    response = client.get(path, follow_redirects=True)
    assert "This import has expired: start it again." in response.text
    assert client.get("/import/99999999999").status_code == 404


# -- the site's own feed -------------------------------------------------------------------


def test_the_sites_own_feed_comes_back_in(client, app, importer, calendars, make_event, make_person):
    other_host = make_person("olu@example.org", "Olu Host")
    make_event(host=other_host, title="Cinema: Brief Encounter")
    make_event(host=other_host, title="Soup and chat", is_online=True, online_url="https://meet.example.org/soup")
    feed = client.get("/calendar.ics")
    assert feed.status_code == 200
    url = calendars.put("/feed.ics", feed.data)
    path, preview = open_preview(client, url)
    assert "Cinema: Brief Encounter" in preview.text
    assert "Soup and chat" in preview.text
    assert len(ticked(preview)) == 2
    bring_in(client, path, ticked(preview), kind="cinema-club")
    copies = [event for event in titled("Cinema: Brief Encounter") if event.hosts[0].person.email == IMPORTER]
    assert len(copies) == 1
    assert copies[0].venue_name == "Café Nova"
    (original,) = [event for event in titled("Soup and chat") if event.hosts[0].person.email != IMPORTER]
    (soup,) = [event for event in titled("Soup and chat") if event.hosts[0].person.email == IMPORTER]
    assert soup.is_online
    assert soup.online_url.startswith(f"http://eventsite.test/events/{original.id}")
    assert "meet.example.org" not in feed.text
    import_all(client, url)
    assert count(Event) == 4
