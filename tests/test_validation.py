"""Bad input when proposing or editing a gathering: a clear message beside the
field, what was typed kept, nothing saved, and never a server error."""

import calendar
import html
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from eventsite.errors import InvalidInput
from eventsite.events import EventDetails, propose_event, proposer_problems, resolve_times, where_problems
from eventsite.extensions import db
from eventsite.models import Event, EventKind, Person
from eventsite.times import NonexistentLocalTime, is_ambiguous, local_to_utc
from tests.conftest import LONDON, future_local

FORMAT = "%Y-%m-%dT%H:%M"
WEB_LINK = "Give a full web link starting with https:// (or http://)."
NUMBER = "Give a number from 1 to 100,000, or leave it empty."
CONTROL = "This contains characters that cannot be used here."
NOT_A_CHOICE = "Not a valid choice."
GAP = "the clocks go forward then. Choose a time an hour later."
# Text inputs whose value the re-rendered form must still hold.
KEPT = ("title", "venue_name", "address", "online_url", "tags", "access_notes", "cost", "name", "email")


# -- helpers ---------------------------------------------------------------------------------


def valid_form(**changes) -> dict:
    """A proposal that is accepted as it is; each change replaces a field (None leaves it out)."""
    start = future_local(days=10, hour=18)
    form = {
        "title": "Brew and biscuits in Armley",
        "kind": "pub-coffee",
        "starts_at": start.strftime(FORMAT),
        "ends_at": start.replace(hour=20).strftime(FORMAT),
        "timezone": "Europe/London",
        "place": "armley",
        "venue_name": "Café Nova",
        "address": "12 Town Street, Leeds",
        "online_url": "",
        "capacity": "20",
        "min_going": "3",
        "description": "Tea, **cake** and chat.",
        "tags": "frailty, brew and biscuits",
        "access_notes": "Ramp at the side door",
        "cost": "Free",
        "name": "Nadia Newcomer",
        "email": "nadia@example.org",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def edit_form(**changes) -> dict:
    """The edit form has no name or email: a host is already signed in."""
    return valid_form(name=None, email=None, **changes)


def next_sunday_in(month: int, last: bool = True) -> date:
    """The next last (or first) Sunday of ``month`` that is at least two days away."""
    today = datetime.now(LONDON).date()
    for year in (today.year, today.year + 1):
        sundays = [week[calendar.SUNDAY] for week in calendar.monthcalendar(year, month) if week[calendar.SUNDAY]]
        day = date(year, month, sundays[-1] if last else sundays[0])
        if day > today + timedelta(days=1):
            return day
    raise AssertionError("unreachable: a Sunday in that month falls within two years")


SPRING_FORWARD = next_sunday_in(3)  # London: 01:00-01:59 does not exist
FALL_BACK = next_sunday_in(10)  # London: 01:00-01:59 happens twice


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute).strftime(FORMAT)


class Elements(HTMLParser):
    """Every element with an id: its tag, attributes and text."""

    VOID: ClassVar = {"input", "br", "hr", "img", "meta", "link"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element_id = attributes.get("id")
        if element_id:
            self.by_id[element_id] = {"tag": tag, "attrs": attributes, "text": ""}
        if tag not in self.VOID:
            self.open.append((tag, element_id))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, element_id in self.open:
            if element_id:
                self.by_id[element_id]["text"] += data


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def person_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def assert_refused(response, field: str, message: str, sent: dict) -> None:
    """422; the message beside the field, linked to it; what was typed still in the form."""
    assert response.status_code == 422, response.text
    page = Elements(response.text)
    error = page.by_id.get(f"{field}-error")
    assert error is not None, f"no #{field}-error on the page"
    assert message in error["text"]
    control = page.by_id[field]["attrs"]
    assert control.get("aria-invalid") == "true"
    assert f"{field}-error" in control.get("aria-describedby", "").split()
    for name in KEPT:
        if sent.get(name) and name in page.by_id:
            assert page.by_id[name]["attrs"].get("value") == sent[name].strip(), name


@pytest.fixture
def armley(make_place):
    return make_place("Armley")


@pytest.fixture
def host(make_person, auth):
    """Hana, signed in, hosting a published gathering."""
    hana = make_person(email="hana@example.org", name="Hana Host")
    auth.sign_in("hana@example.org")
    return hana


# -- proposing: the form's own rules -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        pytest.param({}, lambda e: e.capacity == 20 and e.min_going == 3, id="as-given"),
        pytest.param({"title": "x" * 120}, lambda e: len(e.title) == 120, id="title-120-chars"),
        pytest.param({"capacity": "100000", "min_going": "100000"}, lambda e: e.capacity == 100_000, id="big-capacity"),
        pytest.param({"capacity": "", "min_going": "50"}, lambda e: e.capacity is None, id="no-capacity"),
        pytest.param({"tags": ", ".join(f"theme{n}" for n in range(10))}, lambda e: len(e.tags) == 10, id="ten-tags"),
        pytest.param(
            {"description": "Line one\r\nLine two\n\n- a list"},
            lambda e: "Line one" in e.description and "\n- a list" in e.description,
            id="newlines-in-description",
        ),
        pytest.param(
            {"place": "online", "venue_name": "", "online_url": "https://meet.example.org/brew"},
            lambda e: e.is_online and e.place is None and e.online_url == "https://meet.example.org/brew",
            id="online-with-https-link",
        ),
        pytest.param(
            {"online_url": "http://meet.example.org/brew"}, lambda e: not e.is_online and e.online_url, id="hybrid"
        ),
        pytest.param(
            {"ends_at": ""}, lambda e: e.ends_at - e.starts_at == timedelta(hours=2), id="end-defaults-to-two-hours"
        ),
    ],
)
def test_valid_proposal_is_saved(client, armley, changes, check):
    response = client.post("/events/new", data=valid_form(**changes))
    assert response.status_code == 302, response.text
    event = db.session.scalars(select(Event)).one()
    assert check(event)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", None, "Give your gathering a title."),
        ("title", "", "Give your gathering a title."),
        ("title", "   ", "Give your gathering a title."),
        ("kind", None, "Choose what kind of gathering this is."),
        ("kind", "", "Choose what kind of gathering this is."),
        ("kind", "rave", NOT_A_CHOICE),
        ("starts_at", None, "Enter a date and time, for example 2027-03-14 19:00."),
        ("starts_at", "", "Enter a date and time, for example 2027-03-14 19:00."),
        ("starts_at", "next Tuesday", "Enter a date and time, for example 2027-03-14 19:00."),
        ("ends_at", "2027-02-30T10:00", "Enter a date and time, for example 2027-03-14 19:00."),
        ("place", None, "Choose the locality, or “Online”."),
        ("place", "", "Choose the locality, or “Online”."),
        ("place", "atlantis", NOT_A_CHOICE),
        ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
        ("timezone", "UTC+5", "Choose a time zone from the list."),
        ("timezone", "../../etc/passwd", "Choose a time zone from the list."),
    ],
)
def test_missing_or_unknown_choice_is_refused_beside_its_field(client, armley, field, value, message):
    form = valid_form(**{field: value})
    response = client.post("/events/new", data=form)
    assert_refused(response, field, message, form)
    assert event_count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://files.example.org/brew",
        "example.org",
        "www.example.org/brew",
        "https://example.org/my room",
        "https://",
        "http://[::1",  # urlsplit raises ValueError on an unclosed IPv6 bracket
    ],
)
def test_online_link_that_is_not_a_web_link_is_refused(client, armley, url):
    form = valid_form(place="online", venue_name="", online_url=url)
    response = client.post("/events/new", data=form)
    assert_refused(response, "online_url", WEB_LINK, form)
    assert event_count() == 0


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for f in ("capacity", "min_going") for v in ("0", "-3", "1000000000", "1e9", "abc")]
)
def test_capacity_outside_one_to_100000_is_refused_with_a_clear_message(client, armley, field, value):
    form = valid_form(**{field: value, "min_going" if field == "capacity" else "capacity": ""})
    response = client.post("/events/new", data=form)
    assert_refused(response, field, NUMBER, form)
    assert event_count() == 0


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", 120),
        ("venue_name", 120),
        ("address", 300),
        ("online_url", 500),
        ("description", 10_000),
        ("access_notes", 500),
        ("cost", 80),
        ("name", 100),
    ],
)
def test_over_long_text_is_refused(client, armley, field, limit):
    value = "https://example.org/" + "a" * (limit - 19) if field == "online_url" else "a" * (limit + 1)
    form = valid_form(**{field: value})
    response = client.post("/events/new", data=form)
    assert_refused(response, field, f"Field cannot be longer than {limit} characters.", form)
    assert event_count() == 0


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (", ".join(f"theme{n}" for n in range(11)), "Use at most 10 tags."),
        ("#a #b #c #d #e #f #g #h #i #j #k", "Use at most 10 tags."),
        ("!!!", "Tags may use letters, numbers and hyphens."),
        ("frailty, ***", "Tags may use letters, numbers and hyphens."),
        ("💬", "Tags may use letters, numbers and hyphens."),
    ],
)
def test_too_many_or_unusable_tags_are_refused(client, armley, tags, message):
    form = valid_form(tags=tags)
    response = client.post("/events/new", data=form)
    assert_refused(response, "tags", message, form)
    assert event_count() == 0


def control_value(field: str, char: str) -> str:
    if field == "email":
        return f"nad{char}ia@example.org"
    if field == "online_url":
        return f"https://meet.example.org/br{char}ew"
    if field == "tags":
        return f"frailty, brew{char}biscuits"
    return f"Brew{char}biscuits"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u2028", "\x7f"], ids=["nul", "escape", "line-separator", "delete"])
@pytest.mark.parametrize(
    "field",
    ["title", "venue_name", "address", "online_url", "tags", "cost", "access_notes", "description", "name", "email"],
)
def test_control_characters_are_refused_beside_the_field(client, armley, field, char):
    form = valid_form(**{field: control_value(field, char)})
    response = client.post("/events/new", data=form)
    assert_refused(response, field, CONTROL, {**form, field: ""})
    assert event_count() == 0
    assert person_count() == 0


@pytest.mark.parametrize("field", ["title", "venue_name", "address", "tags", "cost", "access_notes", "name"])
def test_line_breaks_are_refused_in_one_line_fields(client, armley, field):
    form = valid_form(**{field: "Brew\r\nand biscuits"})
    response = client.post("/events/new", data=form)
    assert_refused(response, field, CONTROL, {**form, field: ""})
    assert event_count() == 0


# -- proposing: who is proposing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": None}, "email", "Enter your email address so we can send you the confirmation link."),
        ({"email": "  "}, "email", "Enter your email address so we can send you the confirmation link."),
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.org."),
        ({"email": "nadia@"}, "email", "Enter an email address like name@example.org."),
        ({"name": None}, "name", "Enter your name, as hosts are shown on the event page."),
        ({"name": "   "}, "name", "Enter your name, as hosts are shown on the event page."),
    ],
)
def test_anonymous_proposer_must_give_a_name_and_valid_email(client, armley, mailbox, changes, field, message):
    form = valid_form(**changes)
    response = client.post("/events/new", data=form)
    assert_refused(response, field, message, form)
    assert event_count() == 0
    assert person_count() == 0
    assert mailbox.messages == []


def test_signed_in_proposer_is_not_asked_for_name_or_email(client, armley, host):
    page = Elements(client.get("/events/new").text)
    assert "email" not in page.by_id
    assert "name" not in page.by_id

    response = client.post("/events/new", data=valid_form(name=None, email=None))
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.created_by_id == host.id
    assert response.headers["Location"] == f"/events/{event.id}-{event.slug}"


# -- proposing: the domain's rules through the form ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {
                "starts_at": future_local(days=3, hour=20).strftime(FORMAT),
                "ends_at": future_local(3, 19).strftime(FORMAT),
            },
            "ends_at",
            "The end must be after the start.",
        ),
        (
            {
                "starts_at": future_local(days=3, hour=20).strftime(FORMAT),
                "ends_at": future_local(3, 20).strftime(FORMAT),
            },
            "ends_at",
            "The end must be after the start.",
        ),
        (
            {"starts_at": future_local(days=-1, hour=18).strftime(FORMAT), "ends_at": ""},
            "starts_at",
            "The start is in the past.",
        ),
        ({"starts_at": at(SPRING_FORWARD, 1, 30), "ends_at": ""}, "starts_at", GAP),
        ({"starts_at": at(SPRING_FORWARD, 1, 0), "ends_at": ""}, "starts_at", GAP),
        ({"starts_at": at(SPRING_FORWARD, 0, 30), "ends_at": at(SPRING_FORWARD, 1, 30)}, "ends_at", GAP),
        (
            {"place": "online", "venue_name": "", "online_url": ""},
            "online_url",
            "An online gathering needs the link people will join with.",
        ),
        ({"venue_name": ""}, "venue_name", "Say where people should go (a venue name)."),
        ({"venue_name": "  "}, "venue_name", "Say where people should go (a venue name)."),
        ({"capacity": "10", "min_going": "11"}, "min_going", "This cannot be more than the capacity."),
    ],
    ids=[
        "end-before-start",
        "end-equals-start",
        "start-in-past",
        "start-in-dst-gap",
        "start-at-gap-beginning",
        "end-in-dst-gap",
        "online-without-link",
        "in-person-without-venue",
        "blank-venue",
        "min-going-above-capacity",
    ],
)
def test_domain_rule_is_refused_beside_its_field(client, armley, changes, field, message):
    form = valid_form(**changes)
    response = client.post("/events/new", data=form)
    assert_refused(response, field, message, form)
    assert event_count() == 0
    assert person_count() == 0


def test_gap_message_names_the_missing_time_and_day(client, armley):
    response = client.post("/events/new", data=valid_form(starts_at=at(SPRING_FORWARD, 1, 30), ends_at=""))
    error = Elements(response.text).by_id["starts_at-error"]["text"]
    assert f"01:30 does not exist on {SPRING_FORWARD:%d %B %Y} in Europe/London" in error


def test_ambiguous_time_is_taken_as_its_first_occurrence_on_summer_time(client, armley):
    response = client.post("/events/new", data=valid_form(starts_at=at(FALL_BACK, 1, 30), ends_at=""))
    assert response.status_code == 302, response.text
    event = db.session.scalars(select(Event)).one()
    day = FALL_BACK
    assert event.starts_at == datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert event.ends_at == datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "timezone"),
    [
        ("9999-12-31T23:00", "Europe/London"),  # the default two-hour end is past year 9999
        ("9999-12-31T22:00", "America/New_York"),  # UTC is already in year 10000
        ("0001-01-01T00:30", "Asia/Tokyo"),  # UTC would be in year 0
    ],
)
def test_start_at_the_edge_of_the_calendar_is_refused_not_a_server_error(client, armley, starts_at, timezone):
    form = valid_form(starts_at=starts_at, ends_at="", timezone=timezone)
    response = client.post("/events/new", data=form)
    assert response.status_code == 422
    assert Elements(response.text).by_id["starts_at-error"]["text"].strip()
    assert event_count() == 0


# -- editing ----------------------------------------------------------------------------------


SAVED = ("title", "kind", "starts_at", "ends_at", "timezone", "venue_name", "address", "place_id", "is_online",
         "online_url", "capacity", "min_going", "description", "access_notes", "cost", "sequence",
         "updated_at")  # fmt: skip


def saved_state(event_id: int) -> dict:
    """The event as the database holds it now (nothing cached in the session)."""
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    return {name: getattr(event, name) for name in SAVED} | {"tags": [tag.name for tag in event.tags]}


@pytest.fixture
def hosted(host, armley, make_event):
    return make_event(host=host, capacity=30, tags=["frailty"])


def test_valid_edit_is_saved(client, hosted):
    response = client.post(f"/events/{hosted.id}/edit", data=edit_form(title="Brew, biscuits and a walk"))
    assert response.status_code == 302
    assert saved_state(hosted.id)["title"] == "Brew, biscuits and a walk"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Give your gathering a title."),
        ({"title": "x" * 121}, "title", "Field cannot be longer than 120 characters."),
        ({"kind": "rave"}, "kind", NOT_A_CHOICE),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
        ({"venue_name": "Café\x00Nova"}, "venue_name", CONTROL),
        ({"title": "Brew\nbiscuits"}, "title", CONTROL),
        ({"capacity": "0"}, "capacity", NUMBER),
        ({"online_url": "javascript:alert(1)"}, "online_url", WEB_LINK),
        ({"tags": ", ".join(f"theme{n}" for n in range(11))}, "tags", "Use at most 10 tags."),
        ({"ends_at": future_local(days=10, hour=17).strftime(FORMAT)}, "ends_at", "The end must be after the start."),
        (
            {"starts_at": future_local(days=-2).strftime(FORMAT), "ends_at": ""},
            "starts_at",
            "The start is in the past.",
        ),
        ({"starts_at": at(SPRING_FORWARD, 1, 30), "ends_at": ""}, "starts_at", GAP),
        ({"place": "online", "online_url": ""}, "online_url", "An online gathering needs the link"),
        ({"venue_name": ""}, "venue_name", "Say where people should go (a venue name)."),
        ({"capacity": "5", "min_going": "6"}, "min_going", "This cannot be more than the capacity."),
    ],
)
def test_edit_with_bad_input_keeps_the_saved_event_unchanged(client, hosted, changes, field, message):
    before = saved_state(hosted.id)
    form = edit_form(**changes)
    response = client.post(f"/events/{hosted.id}/edit", data=form)
    assert_refused(response, field, message, form)
    assert saved_state(hosted.id) == before
    assert event_count() == 1


def test_edit_form_does_not_ask_for_name_or_email(client, hosted):
    page = Elements(client.get(f"/events/{hosted.id}/edit").text)
    assert page.by_id["title"]["attrs"]["value"] == "Brew and biscuits"
    assert "email" not in page.by_id
    assert "name" not in page.by_id


# -- the domain functions ---------------------------------------------------------------------


def details(starts_local: datetime, ends_local: datetime | None = None, **fields) -> EventDetails:
    fields.setdefault("timezone", "Europe/London")
    return EventDetails(title="Walk", kind=EventKind.WALK, starts_local=starts_local, ends_local=ends_local, **fields)


NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        (datetime(2030, 3, 31, 1, 30), None, "starts_at", "01:30 does not exist on 31 March 2030 in Europe/London"),
        (datetime(2030, 3, 31, 0, 30), datetime(2030, 3, 31, 1, 59), "ends_at", "01:59 does not exist"),
        (datetime(2030, 5, 1, 18), datetime(2030, 5, 1, 17), "ends_at", "The end must be after the start."),
        (datetime(2030, 5, 1, 18), datetime(2030, 5, 1, 18), "ends_at", "The end must be after the start."),
        (datetime(2029, 12, 31, 23), None, "starts_at", "The start is in the past."),
        (datetime(2030, 1, 1, 0, 0), None, "starts_at", "The start is in the past."),  # exactly now
    ],
)
def test_resolve_times_refuses_impossible_or_past_times(starts, ends, field, message):
    with pytest.raises(InvalidInput) as refused:
        resolve_times(starts, ends, "Europe/London", NOW)
    assert refused.value.field == field
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("starts", "ends", "zone", "starts_utc", "ends_utc"),
    [
        pytest.param("2030-07-01 18:00", None, "Europe/London", "2030-07-01 17:00", "2030-07-01 19:00", id="summer"),
        pytest.param(
            "2030-10-27 01:30", None, "Europe/London", "2030-10-27 00:30", "2030-10-27 02:30", id="ambiguous-start"
        ),
        pytest.param(
            "2030-10-27 00:30",
            "2030-10-27 01:30",
            "Europe/London",
            "2030-10-26 23:30",
            "2030-10-27 00:30",
            id="ambiguous-end",
        ),
        pytest.param(
            "2030-03-31 02:00", None, "Europe/London", "2030-03-31 01:00", "2030-03-31 03:00", id="just-after-gap"
        ),
        pytest.param(
            "2030-11-03 01:30",
            "2030-11-03 03:00",
            "America/New_York",
            "2030-11-03 05:30",
            "2030-11-03 08:00",
            id="new-york-ambiguous",
        ),
    ],
)
def test_resolve_times_converts_local_times_to_utc(starts, ends, zone, starts_utc, ends_utc):
    local_end = datetime.fromisoformat(ends) if ends else None
    starts_at, ends_at = resolve_times(datetime.fromisoformat(starts), local_end, zone, NOW)
    assert starts_at == datetime.fromisoformat(starts_utc).replace(tzinfo=UTC)
    assert ends_at == datetime.fromisoformat(ends_utc).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "zone"),
    [
        (datetime(2030, 3, 31, 1, 0), "Europe/London"),
        (datetime(2030, 3, 31, 1, 30), "Europe/London"),
        (datetime(2030, 3, 31, 1, 59), "Europe/London"),
        (datetime(2030, 3, 10, 2, 30), "America/New_York"),
        (datetime(2030, 10, 6, 2, 30), "Australia/Sydney"),
    ],
)
def test_local_time_skipped_by_the_clocks_going_forward_does_not_exist(local, zone):
    with pytest.raises(NonexistentLocalTime, match="Choose a time an hour later"):
        local_to_utc(local, ZoneInfo(zone))
    assert not is_ambiguous(local, ZoneInfo(zone))


@pytest.mark.parametrize(
    ("local", "zone", "utc"),
    [
        (datetime(2030, 10, 27, 1, 30), "Europe/London", datetime(2030, 10, 27, 0, 30)),  # BST, not GMT
        (datetime(2030, 11, 3, 1, 30), "America/New_York", datetime(2030, 11, 3, 5, 30)),  # EDT, not EST
        (datetime(2030, 4, 7, 2, 30), "Australia/Sydney", datetime(2030, 4, 6, 15, 30)),  # AEDT, not AEST
    ],
)
def test_ambiguous_local_time_is_its_first_occurrence(local, zone, utc):
    assert is_ambiguous(local, ZoneInfo(zone))
    assert local_to_utc(local, ZoneInfo(zone)) == utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "local",
    [datetime(2030, 10, 27, 0, 59), datetime(2030, 10, 27, 2, 0), datetime(2030, 3, 31, 2, 0), datetime(2030, 7, 1)],
)
def test_ordinary_local_time_is_not_ambiguous(local):
    assert not is_ambiguous(local, LONDON)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"is_online": True}, "online_url", "An online gathering needs the link"),
        ({"venue_name": "Café Nova"}, "place", "Choose the locality"),
        ({"with_place": True}, "venue_name", "Say where people should go"),
        ({"with_place": True, "venue_name": "Café Nova", "capacity": 5, "min_going": 6}, "min_going", "capacity"),
    ],
    ids=["online-without-link", "in-person-without-place", "in-person-without-venue", "min-going-above-capacity"],
)
def test_propose_event_refuses_an_incomplete_where_and_saves_nothing(
    app, make_person, make_place, fields, field, message
):
    proposer = make_person()
    if fields.pop("with_place", False):
        fields["place"] = make_place()
    with pytest.raises(InvalidInput) as refused:
        propose_event(details(future_local(days=5), **fields), proposer, email_confirmed=True)
    assert refused.value.field == field
    assert message in refused.value.message
    db.session.rollback()
    assert event_count() == 0


def test_propose_event_accepts_min_going_equal_to_capacity(app, make_person, make_place):
    where = {"place": make_place(), "venue_name": "Café Nova", "capacity": 6, "min_going": 6}
    event = propose_event(details(future_local(days=5), **where), make_person(), email_confirmed=True)
    assert (event.capacity, event.min_going) == (6, 6)


# -- no input gives a server error ------------------------------------------------------------

FORM_FIELDS = ("title", "kind", "starts_at", "ends_at", "timezone", "place", "venue_name", "address", "online_url",
               "capacity", "min_going", "description", "tags", "access_notes", "cost", "name", "email")  # fmt: skip
local_times = st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes"))
form_values = {name: st.text() for name in FORM_FIELDS}
form_values |= {"starts_at": st.text() | local_times, "ends_at": st.text() | local_times}
form_values["access_features"] = st.lists(st.text(max_size=20), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.fixed_dictionaries({}, optional=form_values))
def test_any_text_in_the_propose_form_is_answered_without_a_server_error(client, armley, changes):
    response = client.post("/events/new", data=valid_form(**changes))
    assert response.status_code < 500


filter_values = {name: st.text() for name in ("kind", "place", "tag", "date_from", "date_to", "page")}
filter_values |= {
    "date_from": st.text() | st.dates().map(str),
    "date_to": st.text() | st.dates().map(str),
    "page": st.text() | st.integers().map(str),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.fixed_dictionaries({}, optional=filter_values))
def test_any_filter_on_the_list_is_answered_without_a_server_error(client, armley, query):
    assert client.get("/", query_string=query).status_code < 500


@pytest.mark.parametrize(
    "query",
    ["date_to=9999-12-31", "date_from=9999-12-31", "date_from=0001-01-01", "page=99999999999999999999", "page=-1"],
)
def test_filter_at_the_edge_of_the_calendar_shows_the_list(client, query):
    assert client.get(f"/?{query}").status_code == 200


def test_time_rules_are_reported_together_with_other_missing_fields(client, make_place):
    make_place("Armley")
    response = client.post("/events/new", data=valid_form(kind="", starts_at="2020-03-01T10:00"))

    assert response.status_code == 422
    assert "Choose what kind of gathering this is." in response.text
    assert "The start is in the past." in response.text


# -- every message at once -----------------------------------------------------------------------

# What the propose form sends when nothing is filled in: a select sends its first option.
EMPTY_PROPOSAL = dict.fromkeys(FORM_FIELDS, "") | {"timezone": "Europe/London", "max_guests": "0"}
NEEDED = {
    "title": "Give your gathering a title.",
    "kind": "Choose what kind of gathering this is.",
    "starts_at": "Enter a date and time, for example 2027-03-14 19:00.",
    "place": "Choose the locality, or “Online”.",
    "venue_name": "Say where people should go (a venue name).",
    "name": "Enter your name, as hosts are shown on the event page.",
    "email": "Enter your email address so we can send you the confirmation link.",
}


def messages_beside_fields(response) -> dict[str, str]:
    """Each field's message (from its ``<field>-error``) and the summary's links, by field."""
    page = Elements(response.text)
    beside = {key.removesuffix("-error"): item["text"].strip() for key, item in page.by_id.items()
              if key.endswith("-error")}  # fmt: skip
    for field in beside:
        control = page.by_id[field]["attrs"]
        assert control.get("aria-invalid") == "true", field
        assert f"{field}-error" in control.get("aria-describedby", "").split(), field
    return beside


def summary_links(response) -> list[str]:
    return re.findall(r'<li><a href="#([\w-]+)">', response.text.split('class="error-summary"', 1)[1].split("</ul>")[0])


def test_an_empty_proposal_gets_every_message_at_once_beside_each_field(client, armley, mailbox):
    response = client.post("/events/new", data=EMPTY_PROPOSAL)

    assert response.status_code == 422
    assert messages_beside_fields(response) == NEEDED
    assert summary_links(response) == list(NEEDED)  # in the order of the form
    assert event_count() == 0
    assert mailbox.messages == []


def test_the_propose_page_names_what_is_needed(client, armley):
    hint = html.unescape(" ".join(client.get("/events/new").text.split()))
    assert "Only these are needed: a title, the kind, the start, the place, and a venue to meet at" in hint
    assert "(or, online, the link to join), with your name and email." in hint


def test_a_missing_venue_and_a_bad_email_are_reported_together(client, armley):
    form = valid_form(venue_name="", email="nadia@")
    response = client.post("/events/new", data=form)

    assert messages_beside_fields(response) == {
        "venue_name": "Say where people should go (a venue name).",
        "email": "Enter an email address like name@example.org.",
    }
    assert_refused(response, "venue_name", "Say where people should go", form)
    assert event_count() == 0


def test_online_without_a_link_and_no_email_are_reported_with_the_form_own_messages(client, armley):
    form = valid_form(place="online", venue_name="", online_url="", email="", capacity="4", min_going="5", title="")
    response = client.post("/events/new", data=form)

    assert messages_beside_fields(response) == {
        "title": "Give your gathering a title.",
        "online_url": "An online gathering needs the link people will join with.",
        "min_going": "This cannot be more than the capacity.",
        "email": "Enter your email address so we can send you the confirmation link.",
    }


def test_answers_closing_after_the_start_is_reported_with_the_rest(client, armley):
    start = future_local(days=10, hour=18)
    late = (start + timedelta(days=1)).strftime(FORMAT)
    response = client.post("/events/new", data=valid_form(rsvp_closes_at=late, venue_name="", name=""))

    assert messages_beside_fields(response) == {
        "venue_name": "Say where people should go (a venue name).",
        "rsvp_closes_at": "Answers must close by the start (leave it empty to close at the start).",
        "name": "Enter your name, as hosts are shown on the event page.",
    }


def test_a_signed_in_proposer_without_a_name_is_asked_for_it_with_the_rest(client, armley, make_person, auth):
    make_person(email="nameless@example.org", name="")
    auth.sign_in("nameless@example.org")

    response = client.post("/events/new", data=valid_form(name="", email=None, venue_name=""))

    assert messages_beside_fields(response) == {
        "venue_name": "Say where people should go (a venue name).",
        "name": "Enter your name, as hosts are shown on the event page.",
    }


def test_an_edit_reports_every_problem_at_once(client, hosted):
    before = saved_state(hosted.id)
    past = future_local(days=-2).strftime(FORMAT)
    form = edit_form(title="", venue_name="", starts_at=past, ends_at="", capacity="5", min_going="6")
    response = client.post(f"/events/{hosted.id}/edit", data=form)

    assert response.status_code == 422
    assert messages_beside_fields(response) == {
        "title": "Give your gathering a title.",
        "starts_at": "The start is in the past. Choose a time that is still to come.",
        "venue_name": "Say where people should go (a venue name).",
        "min_going": "This cannot be more than the capacity.",
    }
    assert saved_state(hosted.id) == before


def test_where_problems_lists_every_problem_for_its_field(app):
    problems = where_problems(False, None, "", "", capacity=3, min_going=4)
    assert [(problem.field, problem.message) for problem in problems] == [
        ("place", "Choose the locality, or “Online”."),
        ("venue_name", "Say where people should go (a venue name)."),
        ("min_going", "This cannot be more than the capacity."),
    ]
    assert where_problems(True, None, "", "https://meet.example.org/x") == []


def test_proposer_problems_ask_a_guest_for_email_and_name_and_a_nameless_person_for_a_name(app, make_person):
    assert [problem.field for problem in proposer_problems(None, "", "")] == ["email", "name"]
    assert proposer_problems(None, "nadia@example.org", "Nadia") == []
    assert [problem.field for problem in proposer_problems(make_person(name=""), "", "")] == ["name"]
    assert proposer_problems(make_person(email="named@example.org", name="Named"), "", "") == []
