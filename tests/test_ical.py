"""iCalendar output (eventsite.ical), read back by independent parsers.

icalendar checks the structure, but it looks zones up by their TZID name, so
it cannot see a wrong VTIMEZONE. The VTIMEZONEs are therefore read back twice
more: by this module's own reading of RFC 5545 (``ParsedZone``) and by
dateutil (through icalendar's ``to_tz(lookup_tzid=False)`` and through
vobject, which reads event times with the file's own VTIMEZONE). No library
checks CRLF, the 75-octet limit or split UTF-8 characters: those are tested
on the bytes.
"""

import random
import re
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from dateutil.rrule import rrulestr
from icalendar import Calendar, Timezone

from eventsite.events import MAX_YEARS_AHEAD, EventDetails, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.ical import SHORT_DESCRIPTION, FeedEntry, calendar_bytes, event_calendar, event_uid
from eventsite.models import EventKind, EventStatus
from eventsite.text import markdown_to_text
from eventsite.vtimezones import vtimezone

SITE = "http://eventsite.test"
NEXT_YEAR = date.today().year + 1
THIS_YEAR = date.today().year
INJECTION = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT"
LONG_UNICODE_TITLE = "Café crème ☕ and crêpes 🥞 with the 👩‍👩‍👧 family 🇬🇧, naïve piñata, 日本語の会 éàü " + "😀" * 12
# (zone, first year, last year): why each one is here.
ZONE_CASES = [
    ("Europe/London", THIS_YEAR, THIS_YEAR + MAX_YEARS_AHEAD),  # the site's zone
    ("America/New_York", THIS_YEAR, THIS_YEAR + MAX_YEARS_AHEAD),  # nth Sunday rules, negative offsets
    ("Australia/Sydney", THIS_YEAR, THIS_YEAR + MAX_YEARS_AHEAD),  # southern hemisphere: DST across New Year
    ("Asia/Kolkata", THIS_YEAR, THIS_YEAR + MAX_YEARS_AHEAD),  # no DST, half-hour offset
    ("Pacific/Chatham", THIS_YEAR, THIS_YEAR + 3),  # +12:45, changes at 02:45
    ("Asia/Jerusalem", THIS_YEAR, THIS_YEAR + 3),  # "Friday before the last Sunday": no BYDAY rule
    ("Africa/Casablanca", THIS_YEAR, THIS_YEAR + 3),  # changes around Ramadan: different every year
    ("America/New_York", 2005, 2009),  # the US rules changed in 2007
    ("America/Sao_Paulo", 2017, 2021),  # DST abolished in 2019
    ("America/Mexico_City", 2021, 2024),  # same rules in 2021 and 2022, then no DST from 2023
    ("Asia/Almaty", 2023, 2025),  # moved from +06 to +05 in 2024, no DST
]


def url_for(event) -> str:
    return f"{SITE}/events/{event.id}"


def feed(*entries) -> bytes:
    return calendar_bytes(entries, name="eventsite", description="Gatherings near you", url_for_event=url_for)


def download(event, **overrides) -> bytes:
    return event_calendar(event, url=url_for(event), **overrides)


def parse(data: bytes) -> Calendar:
    """Parse with icalendar and insist it found nothing wrong."""
    calendar = Calendar.from_ical(data)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    assert not calendar.get_missing_tzids()
    return calendar


def unfolded(data: bytes) -> list[str]:
    return data.decode().replace("\r\n ", "").removesuffix("\r\n").split("\r\n")


def property_lines(data: bytes, name: str, inside: str = "VEVENT") -> list[str]:
    """The unfolded lines of property ``name`` in the ``inside`` components (or the VCALENDAR)."""
    found, depth = [], []
    for line in unfolded(data):
        if line.startswith("BEGIN:"):
            depth.append(line.removeprefix("BEGIN:"))
        elif line.startswith("END:"):
            depth.pop()
        elif depth and depth[-1] == inside and re.match(rf"{name}[;:]", line):
            found.append(line)
    return found


def read_with_vobject(data: bytes):
    """vobject validates (a missing DTSTAMP or UID fails) and reads times with our VTIMEZONE."""
    return vobject.readOne(data.decode(), validate=True)


def next_year(month: int, day: int, hour: int = 18) -> datetime:
    return datetime(NEXT_YEAR, month, day, hour)


# -- VTIMEZONE, read back ----------------------------------------------------------------


class ParsedZone:
    """UTC offsets from a parsed VTIMEZONE, as RFC 5545 defines them (dateutil expands RRULEs).

    Times are whole seconds since 1970 (UTC instants, or wall-clock times read
    as if they were UTC), which keeps the hourly sweeps over years fast.
    """

    def __init__(self, component: Timezone, until: datetime) -> None:
        onsets = []
        for part in component.subcomponents:
            assert part.name in ("STANDARD", "DAYLIGHT")
            assert "RDATE" not in part, "ical.js reads only the first RDATE"
            start = part.decoded("DTSTART")
            offset_from, offset_to = part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td
            local_onsets = [start]
            if "RRULE" in part:
                local_onsets = rrulestr(part["RRULE"].to_ical().decode(), dtstart=start).between(start, until, inc=True)
            onsets += [(wall_seconds(local) - seconds(offset_from), seconds(offset_to)) for local in local_onsets]
        onsets.sort()
        self.instants = [instant for instant, _offset in onsets]
        self.offsets = [offset for _instant, offset in onsets]

    def offset_at(self, instant: int) -> int:
        index = bisect_right(self.instants, instant) - 1
        assert index >= 0, f"{utc(instant)} is before the VTIMEZONE's first onset"
        return self.offsets[index]


def seconds(offset: timedelta) -> int:
    return int(offset.total_seconds())


def wall_seconds(local: datetime) -> int:
    """A naive wall-clock time as seconds since 1970-01-01T00:00 on the same clock."""
    return seconds(local - datetime(1970, 1, 1))


def utc(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def local_offsets(wall: int, offsets: set[int], offset_at) -> set[int]:
    """The offsets a wall-clock time has: one, none in a gap, two in an overlap."""
    return {offset for offset in offsets if offset_at(wall - offset) == offset}


def parsed_vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """Built, written and parsed again, as a client sees it."""
    data = vtimezone(zone_name, first_year, last_year).to_ical()
    component = Timezone.from_ical(data)
    assert not component.errors
    return component


@pytest.mark.parametrize(("zone_name", "first_year", "last_year"), ZONE_CASES)
def test_vtimezone_gives_zoneinfo_offsets_every_hour(zone_name, first_year, last_year):
    zone = ZoneInfo(zone_name)

    def zone_offset(instant: int) -> int:
        return seconds(datetime.fromtimestamp(instant, zone).utcoffset())

    end = datetime(last_year + 1, 1, 1)
    parsed = ParsedZone(parsed_vtimezone(zone_name, first_year, last_year), until=end + timedelta(days=2))
    hours = range(wall_seconds(datetime(first_year, 1, 1)), wall_seconds(end), 3600)
    for instant in hours:
        assert parsed.offset_at(instant) == zone_offset(instant), f"{zone_name} at {utc(instant)}"
    offsets = set(parsed.offsets) | {zone_offset(instant) for instant in hours[::24]}
    for wall in hours:  # the same numbers read as wall-clock times, gaps and overlaps included
        expected = local_offsets(wall, offsets, zone_offset)
        assert local_offsets(wall, offsets, parsed.offset_at) == expected, f"{zone_name} at {utc(wall)} local"
    for onset in parsed.instants:  # to the second, on both sides of every change
        for instant in (onset - 1, onset):
            if utc(instant).year >= first_year:
                assert parsed.offset_at(instant) == zone_offset(instant), f"{zone_name} at {utc(instant)}"


@pytest.mark.parametrize(("zone_name", "first_year", "last_year"), ZONE_CASES)
def test_vtimezone_gives_zoneinfo_offsets_in_dateutil(zone_name, first_year, last_year):
    zone = ZoneInfo(zone_name)
    component = parsed_vtimezone(zone_name, first_year, last_year)
    from_file = component.to_tz(lookup_tzid=False)  # dateutil's tzical, not zoneinfo by name
    assert not isinstance(from_file, ZoneInfo)
    parsed = ParsedZone(component, until=datetime(last_year + 1, 1, 2))
    day = datetime(first_year, 1, 1, 12, tzinfo=UTC)
    instants = [day + timedelta(days=n) for n in range((datetime(last_year + 1, 1, 1, tzinfo=UTC) - day).days)]
    instants += [utc(onset + shift) for onset in parsed.instants[1:] for shift in (-60, 0, 60)]
    for instant in instants:
        if instant.year >= first_year:
            expected = instant.astimezone(zone).utcoffset()
            assert instant.astimezone(from_file).utcoffset() == expected, f"{zone_name} at {instant}"


def test_london_vtimezone_is_written_as_google_writes_it():
    text = vtimezone("Europe/London", NEXT_YEAR, NEXT_YEAR + 2).to_ical().decode()
    daylight = text[text.index("BEGIN:DAYLIGHT") : text.index("END:DAYLIGHT")].split("\r\n")
    standard = text[text.index("BEGIN:STANDARD") : text.index("END:STANDARD")].split("\r\n")
    assert "DTSTART:19700329T010000" in daylight
    assert rrule_parts(daylight) == {"FREQ": "YEARLY", "BYMONTH": "3", "BYDAY": "-1SU"}
    assert {"TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "TZNAME:BST"} <= set(daylight)
    assert "DTSTART:19701025T020000" in standard
    assert rrule_parts(standard) == {"FREQ": "YEARLY", "BYMONTH": "10", "BYDAY": "-1SU"}
    assert {"TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "TZNAME:GMT"} <= set(standard)
    assert "TZID:Europe/London" in text
    assert "RDATE" not in text


def rrule_parts(lines: list[str]) -> dict[str, str]:
    (rule,) = [line.removeprefix("RRULE:") for line in lines if line.startswith("RRULE:")]
    return dict(part.split("=") for part in rule.split(";"))


@pytest.mark.parametrize(
    ("zone_name", "daylight_rule", "standard_rule"),
    [
        ("America/New_York", ("3", "2SU", "19700308T020000"), ("11", "1SU", "19701101T020000")),
        ("Australia/Sydney", ("10", "1SU", "19701004T020000"), ("4", "1SU", "19700405T030000")),
    ],
)
def test_yearly_rules_name_month_weekday_and_wall_time(zone_name, daylight_rule, standard_rule):
    component = parsed_vtimezone(zone_name, NEXT_YEAR, NEXT_YEAR + 4)
    for part, (month, byday, onset) in zip(component.subcomponents, (daylight_rule, standard_rule), strict=True):
        assert part["RRULE"]["BYMONTH"] == [int(month)]
        assert part["RRULE"].to_ical().decode().endswith(f"BYDAY={byday};BYMONTH={month}")
        assert part["DTSTART"].to_ical().decode() == onset
    assert [part.name for part in component.subcomponents] == ["DAYLIGHT", "STANDARD"]


def test_zone_without_dst_is_one_fixed_standard():
    component = parsed_vtimezone("Asia/Kolkata", NEXT_YEAR, NEXT_YEAR + 4)
    (standard,) = component.subcomponents
    assert standard.name == "STANDARD"
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td == timedelta(hours=5, minutes=30)
    assert "RRULE" not in standard


def test_changed_rules_fall_back_to_one_part_per_transition():
    component = parsed_vtimezone("America/New_York", 2005, 2009)
    starts = [part["DTSTART"].to_ical().decode() for part in component.subcomponents]
    assert "20050403T020000" in starts  # first Sunday of April, before the change
    assert "20070311T020000" in starts  # second Sunday of March, after it
    assert all("RRULE" not in part and "RDATE" not in part for part in component.subcomponents)
    assert len(component.subcomponents) == 1 + 2 * 5  # the state before the range, then each change


def test_vtimezone_refuses_years_the_wrong_way_round():
    with pytest.raises(ValueError, match="first_year"):
        vtimezone("Europe/London", 2030, 2029)


# -- events in calendars -------------------------------------------------------------------


def test_event_fields(app, make_event):
    event = make_event(
        title="Soup night",
        kind=EventKind.WORKSHOP,
        starts_local=next_year(7, 1),
        ends_local=next_year(7, 1, 21),
        venue_name="Café Nova",
        address="1 High Street",
        description="Bring a **bowl**.\nAnd a spoon.",
        tags=["soup", "cooking"],
    )
    data = download(event)
    (vevent,) = parse(data).events
    assert str(vevent["UID"]) == f"event-{event.id}@eventsite.test"
    assert vevent.start == event.starts_at
    assert vevent.end == event.ends_at
    assert property_lines(data, "DTSTART") == [f"DTSTART;TZID=Europe/London:{NEXT_YEAR}0701T180000"]
    assert property_lines(data, "DTEND") == [f"DTEND;TZID=Europe/London:{NEXT_YEAR}0701T210000"]
    assert "DURATION" not in vevent
    assert str(vevent["SUMMARY"]) == "Soup night"
    assert str(vevent["LOCATION"]) == f"Café Nova, 1 High Street, {event.place.name}"
    assert str(vevent["DESCRIPTION"]) == f"Bring a bowl.\nAnd a spoon.\n\n{url_for(event)}"  # as plain text
    assert str(vevent["URL"]) == url_for(event)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent.categories == ["Workshop", "cooking", "soup"]
    assert str(vevent["TRANSP"]) == "OPAQUE"
    assert vevent.DTSTAMP == vevent.last_modified == event.updated_at.replace(microsecond=0)
    assert vevent.created == event.created_at.replace(microsecond=0)
    assert property_lines(data, "VERSION", inside="VCALENDAR") == ["VERSION:2.0"]
    assert property_lines(data, "CALSCALE", inside="VCALENDAR") == ["CALSCALE:GREGORIAN"]
    assert property_lines(data, "PRODID", inside="VCALENDAR")


def test_address_kept_for_attendees_is_only_in_private_output(app, make_event):
    event = make_event(starts_local=next_year(5, 1), address="12 Hidden Lane", address_for_attendees=True)
    for data in (feed(event), download(event), download(event, method="REQUEST")):
        assert b"Hidden Lane" not in data
        (vevent,) = parse(data).events
        assert str(vevent["LOCATION"]) == f"Café Nova, {event.place.name}"
        assert "The exact address is shown to people going" in str(vevent["DESCRIPTION"])
    for data in (download(event, method="REQUEST", private_details=True), feed(FeedEntry(event, private_details=True))):
        assert str(parse(data).events[0]["LOCATION"]) == f"Café Nova, 12 Hidden Lane, {event.place.name}"


def test_link_to_join_is_only_in_private_output(app, make_event):
    link = "https://meet.example.org/secret-room"
    event = make_event(is_online=True, online_url=link, kind=EventKind.ONLINE_SESSION, starts_local=next_year(5, 2))
    for data in (feed(event), download(event), download(event, method="REQUEST")):
        assert b"secret-room" not in data
        assert "The link to join is shown to people going" in str(parse(data).events[0]["DESCRIPTION"])
    for data in (download(event, method="REQUEST", private_details=True), feed(FeedEntry(event, private_details=True))):
        (vevent,) = parse(data).events
        assert f"Join online: {link}" in str(vevent["DESCRIPTION"])
        assert str(vevent["LOCATION"]) == "Online"


def test_uid_is_stable_across_edits_and_outputs(app, make_event):
    event = make_event(starts_local=next_year(3, 3))
    uid = event_uid(event)
    assert uid == f"event-{event.id}@eventsite.test"
    before = download(event)
    edit_event(event, details_of(event, title="Soup night, moved", starts_local=next_year(3, 4)), event.created_by)
    db.session.commit()
    assert event_uid(event) == uid
    outputs = [
        before,
        download(event),
        feed(event),
        download(event, method="REQUEST"),
        download(event, method="CANCEL"),
    ]
    assert {str(parse(data).events[0]["UID"]) for data in outputs} == {uid}


def details_of(event, **changes) -> EventDetails:
    """The event's details with ``changes``; the end is left to its default, two hours after the start."""
    return EventDetails.of(event, ends_local=None, **changes)


def test_sequence_is_the_events_and_rises_with_edits_and_cancellation(app, make_event):
    event = make_event(starts_local=next_year(5, 5))
    assert parse(download(event)).events[0]["SEQUENCE"] == event.sequence == 0
    edit_event(event, details_of(event, venue_name="The Library"), event.created_by)
    db.session.commit()
    assert parse(feed(event)).events[0]["SEQUENCE"] == event.sequence == 1
    cancel_event(event, event.created_by, "The venue flooded.")
    db.session.commit()
    assert parse(download(event, method="CANCEL")).events[0]["SEQUENCE"] == event.sequence == 2


def test_same_data_gives_the_same_bytes(app, make_event):
    events = [make_event(title=f"Gathering {n}", starts_local=next_year(n, 10)) for n in range(1, 5)]
    first = feed(*events)
    shuffled = events[:]
    random.Random(1).shuffle(shuffled)
    assert feed(*shuffled) == first
    assert download(events[0]) == download(events[0])
    assert download(events[0], method="REQUEST") == download(events[0], method="REQUEST")
    assert "UID" not in parse(first)  # Calendar.new() would add a random one


def test_dtstamp_is_the_last_change_in_utc_not_now(app, make_event):
    event = make_event(starts_local=next_year(6, 6))
    event.updated_at = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    db.session.commit()
    data = feed(event)
    assert property_lines(data, "DTSTAMP") == ["DTSTAMP:20240203T040506Z"]
    assert property_lines(data, "LAST-MODIFIED") == ["LAST-MODIFIED:20240203T040506Z"]


def test_feed_calendar_properties(app, make_event):
    london = make_event(starts_local=next_year(8, 1))
    new_york = make_event(starts_local=next_year(8, 2), timezone="America/New_York")
    sydney = make_event(starts_local=next_year(8, 3), timezone="Australia/Sydney")
    later_new_york = make_event(starts_local=next_year(1, 20) + timedelta(days=366), timezone="America/New_York")
    data = feed(london, new_york, sydney, later_new_york)
    lines = unfolded(data)
    for line in ("VERSION:2.0", "CALSCALE:GREGORIAN", "NAME:eventsite", "X-WR-CALNAME:eventsite",
                 "X-WR-CALDESC:Gatherings near you", "X-WR-TIMEZONE:Europe/London",
                 "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"):  # fmt: skip
        assert line in lines
    calendar = parse(data)
    assert "METHOD" not in calendar
    assert [str(zone["TZID"]) for zone in calendar.timezones] == [
        "America/New_York",
        "Australia/Sydney",
        "Europe/London",
    ]
    assert len(calendar.events) == 4


def test_feed_orders_events_by_start(app, make_event):
    late = make_event(title="Late", starts_local=next_year(9, 9))
    early = make_event(title="Early", starts_local=next_year(2, 2))
    assert [str(vevent["SUMMARY"]) for vevent in parse(feed(late, early)).events] == ["Early", "Late"]


def test_method_only_when_asked(app, make_event):
    event = make_event(starts_local=next_year(4, 4))
    assert "METHOD" not in parse(download(event))
    assert "ORGANIZER" not in parse(download(event)).events[0]
    request = parse(download(event, method="REQUEST"))
    assert str(request["METHOD"]) == "REQUEST"
    assert str(request.events[0]["ORGANIZER"]) == "mailto:noreply@eventsite.test"
    assert str(request.events[0]["STATUS"]) == "CONFIRMED"
    cancel = parse(download(event, method="CANCEL"))
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.events[0]["STATUS"]) == "CANCELLED"
    assert str(cancel.events[0]["SUMMARY"]).startswith("Cancelled: ")
    with pytest.raises(ValueError, match="method"):
        download(event, method="PUBLISH")


def test_no_attendee_and_no_email_address_but_the_organizer_in_emails(app, make_event, make_person):
    event = make_event(starts_local=next_year(4, 5), host=make_person(email="hana@example.org"))
    for method in (None, "REQUEST", "CANCEL"):
        data = download(event, method=method)
        assert b"ATTENDEE" not in data
        assert b"hana@example.org" not in data
        for line in unfolded(data):
            name = re.split("[;:]", line, maxsplit=1)[0]
            if "@" in line:
                assert name == "UID" or (name == "ORGANIZER" and method), line
    data = feed(event)
    assert b"ATTENDEE" not in data
    assert b"ORGANIZER" not in data
    assert [line for line in unfolded(data) if "@" in line] == [f"UID:{event_uid(event)}"]


def test_cancelled_event_stays_in_feed_marked_cancelled(app, make_event):
    event = make_event(title="Picnic", starts_local=next_year(6, 20))
    sequence = event.sequence
    cancel_event(event, event.created_by, "Rain all day.")
    db.session.commit()
    (vevent,) = parse(feed(event)).events
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["SUMMARY"]) == "Cancelled: Picnic"
    assert vevent["SEQUENCE"] == sequence + 1
    assert str(vevent["DESCRIPTION"]).startswith("This gathering is cancelled. Rain all day.")


def test_status_and_extra_description_overrides(app, make_event):
    event = make_event(title="Quiz", starts_local=next_year(10, 10))
    (vevent,) = parse(download(event, status="TENTATIVE", extra_description="waitlist, place 3")).events
    assert str(vevent["STATUS"]) == "TENTATIVE"
    assert str(vevent["DESCRIPTION"]).startswith("waitlist, place 3\n\n")
    entry = FeedEntry(event, status="TENTATIVE", extra_description="maybe")
    (vevent,) = parse(feed(entry)).events
    assert str(vevent["STATUS"]) == "TENTATIVE"
    assert str(vevent["DESCRIPTION"]).startswith("maybe\n\n")
    with pytest.raises(ValueError, match="status"):
        download(event, status="MAYBE")


def test_cancellation_wins_over_a_tentative_override(app, make_event):
    event = make_event(title="Quiz", starts_local=next_year(10, 11))
    cancel_event(event, event.created_by, "")
    db.session.commit()
    (vevent,) = parse(feed(FeedEntry(event, status="TENTATIVE"))).events
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_utc_zone_is_written_with_z_never_tzid_utc(app, make_event):
    event = make_event(starts_local=next_year(7, 7), timezone="Etc/UTC")
    data = feed(event)
    assert b"TZID" not in data
    assert property_lines(data, "DTSTART") == [f"DTSTART:{NEXT_YEAR}0707T180000Z"]
    assert parse(data).events[0].start == event.starts_at


# -- independent parsers ------------------------------------------------------------------------


def events_around_the_year(make_event) -> list:
    """Summer and winter, both hemispheres, no DST, and a zone that changes every year."""
    events = []
    for zone in ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Africa/Casablanca"):
        for month in (1, 4, 7, 10):
            events.append(make_event(title=f"{zone} {month}", starts_local=next_year(month, 15), timezone=zone))
    return events


def test_vobject_reads_event_times_through_our_vtimezone(app, make_event):
    events = events_around_the_year(make_event)
    parsed = read_with_vobject(feed(*events))
    starts = {vevent.uid.value: vevent.dtstart.value for vevent in parsed.vevent_list}
    ends = {vevent.uid.value: vevent.dtend.value for vevent in parsed.vevent_list}
    for event in events:
        start = starts[event_uid(event)]
        assert not isinstance(start.tzinfo, ZoneInfo)  # read from the file's VTIMEZONE
        assert start == event.starts_at, event.title
        assert ends[event_uid(event)] == event.ends_at, event.title


@pytest.mark.parametrize("method", [None, "REQUEST", "CANCEL"])
def test_vobject_validates_single_event_calendars(app, make_event, method):
    event = make_event(starts_local=next_year(7, 15), timezone="Australia/Sydney")
    parsed = read_with_vobject(download(event, method=method))
    assert parsed.vevent.dtstart.value == event.starts_at


def test_recurring_ical_events_finds_every_event_at_its_time(app, make_event):
    events = events_around_the_year(make_event)
    calendar = parse(feed(*events))
    found = recurring_ical_events.of(calendar).between(datetime(NEXT_YEAR, 1, 1), datetime(NEXT_YEAR + 1, 1, 1))
    assert {(str(vevent["UID"]), vevent.start) for vevent in found} == {
        (event_uid(event), event.starts_at) for event in events
    }


# -- the bytes ----------------------------------------------------------------------------------


def every_kind_of_output(event) -> list[bytes]:
    return [feed(event), download(event), download(event, method="REQUEST"), download(event, method="CANCEL")]


def test_crlf_lines_of_at_most_75_octets_never_splitting_a_character(app, make_event):
    event = make_event(
        title=LONG_UNICODE_TITLE,
        starts_local=next_year(3, 30),
        description="Ünïcödé 🎉 " * 30 + "e\u0301" * 40 + "👨‍👩‍👧‍👦" * 10,
        tags=["café-crème", "long-tag-name-for-folding"],
    )
    for data in every_kind_of_output(event):
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.endswith(b"END:VCALENDAR\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        assert b"\r" not in data.replace(b"\r\n", b"")
        lines = data.split(b"\r\n")[:-1]
        assert any(line.startswith(b" ") for line in lines), "nothing was long enough to fold"
        for line in lines:
            assert len(line) <= 75, line
            line.decode("utf-8")  # a fold inside a character leaves half of it on each line
    (vevent,) = parse(feed(event)).events
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["DESCRIPTION"]).startswith(event.description)


def test_text_is_escaped(app, make_event):
    event = make_event(
        title="Soup, bread; and \\ more", starts_local=next_year(2, 20), description="Line one\nLine two"
    )
    data = feed(event)
    assert property_lines(data, "SUMMARY") == ["SUMMARY:Soup\\, bread\\; and \\\\ more"]
    assert property_lines(data, "DESCRIPTION")[0].startswith("DESCRIPTION:Line one\\nLine two\\n\\n")
    (vevent,) = parse(data).events
    assert str(vevent["SUMMARY"]) == "Soup, bread; and \\ more"
    assert str(vevent["DESCRIPTION"]).startswith("Line one\nLine two\n\n")


def test_injected_line_breaks_do_not_make_a_second_event(app, make_event):
    event = make_event(starts_local=next_year(2, 21), description=INJECTION, tags=["injection"])
    event.title = INJECTION
    event.venue_name = INJECTION
    event.cancel_message = INJECTION
    event.tags[0].name = INJECTION
    event.status = EventStatus.CANCELLED
    db.session.commit()
    for data in every_kind_of_output(event):
        assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 1
        assert data.count(b"\r\nEND:VEVENT\r\n") == 1
        (vevent,) = parse(data).events
        assert str(vevent["SUMMARY"]) == "Cancelled: x\nEND:VEVENT\nBEGIN:VEVENT"


def test_control_characters_are_dropped(app, make_event):
    # (No NUL here: PostgreSQL refuses to store one.)
    event = make_event(starts_local=next_year(2, 22), description="bell\x07 escape\x1b separator\u2028 end")
    data = download(event)
    assert str(parse(data).events[0]["DESCRIPTION"]).startswith("bell escape separator end")


# -- the host's Markdown as plain text ----------------------------------------------------------

MARKDOWN = (
    "## What to bring\n\n"
    "**NHS staff**, *social workers* and `everyone` welcome.\n\n"
    "- cake\n- a [friend](https://example.org/friends)\n  - or two\n\n"
    "1. Arrive\n2. Say hello\n\n"
    "More at <https://example.org/more> or [mail us](mailto:hello@example.org)."
)
PLAIN = (
    "What to bring\n\n"
    "NHS staff, social workers and everyone welcome.\n\n"
    "• cake\n• a friend (https://example.org/friends)\n  • or two\n\n"
    "1. Arrive\n2. Say hello\n\n"
    "More at https://example.org/more or mail us (hello@example.org)."
)


def test_markdown_to_text_drops_the_marks_and_keeps_lists_and_links():
    assert markdown_to_text(MARKDOWN) == PLAIN


def test_markdown_to_text_keeps_code_and_line_breaks_as_written():
    source = "Line one\nline two\n\n```\nsoup = 'hot' **not bold**\n```\n\nA &amp; B"
    assert markdown_to_text(source) == "Line one\nline two\n\nsoup = 'hot' **not bold**\n\nA & B"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("<b>bold?</b> <script>alert(1)</script>", "<b>bold?</b> <script>alert(1)</script>"),
        ('<a href="https://evil.example">prize</a>', '<a href="https://evil.example">prize</a>'),
        ("<div>\n*block*\n</div>", "<div>\nblock\n</div>"),
    ],
    ids=["inline", "link", "block"],
)
def test_markdown_to_text_shows_raw_html_as_the_text_the_page_shows(source, text):
    """The page shows typed HTML as text (eventsite.text renders with html off): so does plain text."""
    assert markdown_to_text(source) == text
    assert "<strong>" not in markdown_to_text(source)
    assert "<em>" not in markdown_to_text(source)


@pytest.mark.parametrize(
    "source",
    [
        "[win a prize](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x](JavaScript:alert(1))",
        "[x](data:text/html,hi)",
    ],
)
def test_markdown_to_text_never_turns_other_schemes_into_urls(source):
    text = markdown_to_text(source)
    assert "javascript:" not in text.lower()
    assert "data:" not in text
    assert "(" not in text


def test_markdown_to_text_shows_a_relative_link_as_its_text_only():
    assert markdown_to_text("See [the calendar](/calendar).") == "See the calendar."


def test_description_is_plain_text_in_downloads_and_feeds(app, make_event):
    event = make_event(title="Cake", starts_local=next_year(5, 5), description=MARKDOWN)
    for data in (download(event), feed(event), feed(FeedEntry(event, short=True))):
        description = str(parse(data).events[0]["DESCRIPTION"])
        assert "**" not in description
        assert "](" not in description
        assert "<" not in description
    assert str(parse(download(event)).events[0]["DESCRIPTION"]) == f"{PLAIN}\n\n{url_for(event)}"


def test_shared_feed_cuts_the_plain_text_of_a_long_description(app, make_event):
    long_text = "**Bold start.** " + "word " * 2000
    event = make_event(title="Long", starts_local=next_year(5, 6), description=long_text)
    description = str(parse(feed(FeedEntry(event, short=True))).events[0]["DESCRIPTION"])
    shown = description.split("\n\n")[0]
    assert shown.startswith("Bold start. word word")
    assert shown.endswith(" …")
    assert len(shown) <= SHORT_DESCRIPTION + 2
