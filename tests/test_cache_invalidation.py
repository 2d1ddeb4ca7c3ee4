"""Nothing cached outlives a change: what changes through one app instance is on the very
next page or feed another instance serves, on SQLite and on PostgreSQL.

Two real gunicorn servers (two workers each) share one database. Each test reads what is
about to change through instance A until any cache there is warm (each address twice, and
again with the validators of the first answer), makes the change through instance B (or
in this process, where a comment says so), then asks A again, with the old validators
and without: both answers are 200 and show the change. Only what a visitor sees is read
(HTML, iCalendar, Atom, JSON), never a cache.

The servers run for the whole module, one pair per database; each test makes its own
gatherings and people. PostgreSQL runs on CACHE_TEST_DATABASE_URL when set, else on
TEST_DATABASE_URL (its schema is made afresh when the module starts).
"""

import html
import http.client
import json
import os
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from config import Config, database_url
from eventsite import create_app
from eventsite import events as event_rules
from eventsite.events import EventDetails
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.models import Event, EventKind, LinkPurpose, Person, RsvpStatus
from eventsite.people import issue_link
from eventsite.recurrence import RepeatRule, Repeats
from eventsite.rsvps import answer, locked_event, manage_token
from eventsite.series import start_series
from tests.conftest import LONDON, PG_URL, edit_form, future_local, new_event, new_person
from tests.loadtools import HOST, REQUEST_TIMEOUT, Server, Visitor, app_env, serve

pytestmark = pytest.mark.slow

PG_CACHE_URL = os.environ.get("CACHE_TEST_DATABASE_URL") or PG_URL
SITE_URL = "http://eventsite.test"
LOG_ERRORS = ("Traceback", "WORKER TIMEOUT", "database is locked")
MAIL_WAIT = 15  # seconds a test waits for a mail the server sends after its response


# -- two instances on one database ------------------------------------------------------------


@dataclass
class Site:
    app: Flask  # this process's own app on the shared database, for setting up and for tokens
    a: Server  # where visitors read
    b: Server  # where the change is made

    @contextmanager
    def database(self) -> Iterator[None]:
        """A fresh session in this process: it sees what the servers committed."""
        with self.app.app_context():
            yield
            db.session.remove()


def app_settings(url: str, smtp_port: int) -> dict:
    return {
        "SECRET_KEY": "test-secret",
        "SITE_URL": SITE_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_FROM": "eventsite <noreply@eventsite.test>",
        "MODERATION": "open",
        "SQLALCHEMY_DATABASE_URI": url,
    }


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(not PG_CACHE_URL, reason="PostgreSQL tests need TEST_DATABASE_URL"),
        ),
    ],
)
def instances(request, tmp_path_factory, smtp_server) -> Iterator[Site]:
    """Instances A and B (gunicorn, two workers each) on a database made afresh."""
    folder = tmp_path_factory.mktemp(f"cache-{request.param}")
    url = f"sqlite:///{folder / 'site.sqlite'}" if request.param == "sqlite" else database_url(PG_CACHE_URL)
    settings = app_settings(url, smtp_server.port)
    app = create_app(Config, **settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
    env = app_env(
        DATABASE_URL=url,
        **{name: str(settings[name]) for name in ("SECRET_KEY", "SITE_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM")},
        EVENTS_PER_PAGE="1000",  # the module's gatherings add up: every one on the first page
    )
    with serve(env, folder / "a.log", workers=2) as a, serve(env, folder / "b.log", workers=2) as b:
        yield Site(app, a, b)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def site(instances) -> Iterator[Site]:
    """The instances, whose logs must show no error from this test."""
    already = {server.port: len(server.log()) for server in (instances.a, instances.b)}
    yield instances
    for server in (instances.a, instances.b):
        new = server.log()[already[server.port] :]
        assert [error for error in LOG_ERRORS if error in new] == [], new[-5000:]


# -- what a visitor reads ------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One address as one kind of visitor asks for it: pages speak ``Accept-Language``,
    feeds their ``?lang=`` (in the path)."""

    path: str
    language: str = ""

    def headers(self) -> dict[str, str]:
        return {"Accept-Language": self.language} if self.language else {}


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def validators(self) -> dict[str, str]:
        """What a browser or calendar app sends back to revalidate this answer."""
        found = {"If-None-Match": self.headers.get("ETag"), "If-Modified-Since": self.headers.get("Last-Modified")}
        return {name: value for name, value in found.items() if value}


def fetch(server: Server, path: str, headers: dict[str, str]) -> Fetched:
    """A GET with no cookie (a visitor who is not signed in, or a calendar server)."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        connection.close()


def warm(server: Server, reads: list[Read]) -> dict[Read, Fetched]:
    """Read each address twice, then twice with the first answer's validators, so whatever
    instance A caches (in whichever worker answers) is warm. Returns the first answers."""
    first = {}
    for read in reads:
        first[read] = fetch(server, read.path, read.headers())
        assert first[read].status == 200, (read, first[read].text[:500])
        for headers in (read.headers(), read.headers(), {**read.headers(), **first[read].validators()}):
            assert fetch(server, read.path, headers).status in (200, 304), read
    return first


def read_again(server: Server, before: dict[Read, Fetched]) -> dict[Read, list[Fetched]]:
    """The very next answers for each address: with the validators of the answer before the
    change (a 304 would keep what changed out of sight), then without them. A page whose
    address changed (a new title, a new slug) is followed there, as a browser does."""
    after = {}
    for read, old in before.items():
        conditional = fetch(server, read.path, {**read.headers(), **old.validators()})
        plain = fetch(server, read.path, read.headers())
        after[read] = [followed(server, read, conditional), followed(server, read, plain)]
    return after


def followed(server: Server, read: Read, fetched: Fetched) -> Fetched:
    if fetched.status == 301:
        fetched = fetch(server, fetched.headers["Location"], read.headers())
    assert fetched.status == 200, (read, fetched.status)
    return fetched


def text_of(markup: str) -> str:
    """What a reader sees of some HTML: its text, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_text(page: Fetched) -> str:
    return text_of(page.text.split("<main", 1)[-1])


def card(page: Fetched, event_id: int) -> str:
    """The text of a list's card for the event; empty when the list does not show it."""
    for piece in page.text.split('<article class="event-card')[1:]:
        piece = piece.split("</article>", 1)[0]
        if f'href="/events/{event_id}-' in piece:
            return text_of(piece)
    return ""


def vevent(feed: Fetched, event_id: int):
    """The feed's VEVENT for the event, or None."""
    uid = f"event-{event_id}@eventsite.test"
    return next((item for item in Calendar.from_ical(feed.body).walk("VEVENT") if str(item["UID"]) == uid), None)


def feed_entry(feed: Fetched, event_id: int) -> tuple[str, str, str]:
    """(STATUS, SUMMARY, DESCRIPTION) of the event in a feed."""
    item = vevent(feed, event_id)
    assert item is not None, f"event {event_id} is not in the feed"
    return str(item["STATUS"]), str(item["SUMMARY"]), str(item["DESCRIPTION"])


def atom_entry(feed: Fetched, event_id: int) -> str:
    """An Atom entry's title and summary, as one text."""
    namespace = {"atom": "http://www.w3.org/2005/Atom"}
    for entry in ET.fromstring(feed.body).findall("atom:entry", namespace):  # noqa: S314 - our own output
        if entry.findtext("atom:id", "", namespace).endswith(f"/events/{event_id}"):
            return " ".join(entry.findtext(name, "", namespace) for name in ("atom:title", "atom:summary"))
    return ""


def api_event(fetched: Fetched, event_id: int) -> dict:
    return next((event for event in json.loads(fetched.body)["events"] if event["id"] == event_id), {})


# -- setting up, in this process -------------------------------------------------------------


@dataclass(frozen=True)
class Gathering:
    id: int
    title: str
    page: str  # its page's path
    month: str  # the path of the month view it is in
    starts: datetime  # local, naive


def unique(word: str) -> str:
    return f"{word} {secrets.token_hex(3)}"


def gathering(event: Event) -> Gathering:
    start = event.local_start
    page, month = f"/events/{event.id}-{event.slug}", f"/calendar/{start.year}/{start.month}"
    return Gathering(event.id, event.title, page, month, start.replace(tzinfo=None))


def make_gathering(site: Site, host_email: str = "", **fields) -> Gathering:
    """A published gathering with its own title (and its own host, unless ``host_email`` names one)."""
    with site.database():
        host = person(host_email) if host_email else new_person(unique_email("host"), "Hana Host")
        return gathering(new_event(host=host, title=unique(fields.pop("title", "Soup swap")), **fields))


def unique_email(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}@example.org"


def make_person(site: Site, name: str = "Ann", language: str | None = None) -> str:
    """Someone with a confirmed address; returns the address."""
    with site.database():
        someone = new_person(unique_email(name.lower()), name)
        someone.language = language
        db.session.commit()
        return someone.email


def person(email: str) -> Person:
    return db.session.query(Person).filter_by(email=email).one()


def personal_feed(site: Site, email: str) -> str:
    """The path of a person's own feed (the secret link shown on their page)."""
    with site.database():
        return f"/feeds/{feed_token(person(email))}.ics"


def answered(site: Site, event_id: int, email: str, status: RsvpStatus = RsvpStatus.GOING) -> str:
    """Record an answer through the domain; returns the path of its emailed "change your answer" link."""
    with site.database():
        rsvp = answer(locked_event(event_id), person(email), status).rsvp
        db.session.commit()
        return f"/rsvps/{manage_token(rsvp)}"


def signed_in(site: Site, server: Server, email: str) -> Visitor:
    """A browser signed in on ``server`` by the emailed link (issued here, so no mail to wait for)."""
    with site.database():
        token = issue_link(person(email), LinkPurpose.SIGN_IN)
        db.session.commit()
    browser = Visitor(server.port)
    browser.open_page(f"/links/{token}")
    assert browser.post(f"/links/{token}", {}).status == 302
    return browser


def post_form(browser: Visitor, form_page: str, action: str, fields: dict[str, str]) -> None:
    """Open the page with the form (its CSRF token) and send it, as a browser does: a redirect comes back."""
    browser.open_page(form_page)
    reply = browser.post(action, fields)
    assert reply.status in (302, 303), (reply.status, reply.body[:2000])


def mailed_link(mailbox, email: str, containing: str) -> str:
    """The link in the newest mail to ``email``, waiting for it: it is sent after the response."""
    deadline = time.monotonic() + MAIL_WAIT
    while not mailbox.to(email) and time.monotonic() < deadline:
        time.sleep(0.05)
    return mailbox.link_to(email, SITE_URL, containing=containing)


# -- an answer ------------------------------------------------------------------------------------


def test_an_answer_shows_at_once_on_its_page_the_list_and_the_feeds(site):
    event = make_gathering(site)
    ann = make_person(site, "Ann")
    page, listing, shared, mine = Read(event.page), Read("/"), Read("/calendar.ics"), Read(personal_feed(site, ann))
    before = warm(site.a, [page, listing, shared, mine])
    assert "0 going" in page_text(before[page])
    assert "0 going" in card(before[listing], event.id)
    assert feed_entry(before[shared], event.id)[2].startswith("0 going")
    assert vevent(before[mine], event.id) is None

    # Ann, signed in on instance B, says she is going.
    post_form(signed_in(site, site.b, ann), event.page, f"/events/{event.id}/rsvp", {"answer": "going"})

    after = read_again(site.a, before)
    for seen in after[page]:
        assert re.search(r"\b1 going\b", page_text(seen))
    for seen in after[listing]:
        assert card(seen, event.id).count("1 going") == 1
    for feed in after[shared]:
        assert feed_entry(feed, event.id)[2].startswith("1 going")
    for feed in after[mine]:
        assert feed_entry(feed, event.id)[0] == "CONFIRMED"


def test_an_answer_shows_at_once_in_polish_as_in_english(site):
    event = make_gathering(site)
    ola = make_person(site, "Ola", language="pl")
    pages = [Read(event.page, "pl"), Read("/", "pl"), Read(event.page, "en-GB"), Read("/", "en-GB")]
    feeds = [Read("/calendar.ics?lang=pl"), Read("/calendar.ics")]
    mine = Read(personal_feed(site, ola))
    before = warm(site.a, [*pages, *feeds, mine])  # both languages warm: each is cached on its own
    assert "0 osób będzie" in page_text(before[pages[0]])
    assert "0 osób będzie" in card(before[pages[1]], event.id)
    assert feed_entry(before[feeds[0]], event.id)[2].startswith("0 osób będzie")

    # Ola, signed in on instance B, says she is going.
    post_form(signed_in(site, site.b, ola), event.page, f"/events/{event.id}/rsvp", {"answer": "going"})

    after = read_again(site.a, before)
    for polish, english in zip(after[pages[0]], after[pages[2]], strict=True):
        assert re.search(r"\b1 osoba będzie\b", page_text(polish))
        assert re.search(r"\b1 going\b", page_text(english))
    for polish, english in zip(after[pages[1]], after[pages[3]], strict=True):
        assert "1 osoba będzie" in card(polish, event.id)
        assert "1 going" in card(english, event.id)
    for polish, english in zip(after[feeds[0]], after[feeds[1]], strict=True):
        assert feed_entry(polish, event.id)[2].startswith("1 osoba będzie")
        assert feed_entry(english, event.id)[2].startswith("1 going")
    for feed in after[mine]:
        status, _summary, description = feed_entry(feed, event.id)
        assert (status, description.split("\n")[0]) == ("CONFIRMED", "Przyjdziesz.")


def test_a_guests_held_place_then_their_confirmed_answer_show_at_once(site, mailbox):
    event = make_gathering(site, capacity=5)
    page, shared = Read(event.page), Read("/calendar.ics")
    before = warm(site.a, [page, shared])
    assert "0 going of 5 places (5 left)" in page_text(before[page])

    # A guest answers on instance B: a place is held until they open the emailed link ...
    guest = Visitor(site.b.port)
    email = unique_email("guest")
    post_form(guest, event.page, f"/events/{event.id}/rsvp", {"answer": "going", "name": "Gus", "email": email})

    held = read_again(site.a, before)
    for seen in held[page]:
        assert "1 place held for people confirming by email (4 left)" in page_text(seen)
    for feed in held[shared]:
        assert feed_entry(feed, event.id)[2].startswith("0 going; 4 places left.")

    # ... which they open, on instance B, and confirm.
    link = mailed_link(mailbox, email, "/answers/")
    before = warm(site.a, [page, shared])
    post_form(guest, link, link, {})

    after = read_again(site.a, before)
    for seen in after[page]:
        assert "1 going of 5 places (4 left)" in page_text(seen)
    for feed in after[shared]:
        assert feed_entry(feed, event.id)[2].startswith("1 going; 4 places left.")


# -- an edit ----------------------------------------------------------------------------------------


def edit_fields(site: Site, event: Gathering, **changes) -> dict[str, str]:
    """The edit form as the browser sends it back, with ``changes``."""
    with site.database():
        fields = edit_form(db.session.get(Event, event.id), **changes)
    return {name: value for name, value in fields.items() if value != []}  # an empty list: no box ticked


def later(event: Gathering, minutes: int) -> dict[str, str]:
    """The edit form's times, ``minutes`` later the same day (two hours long)."""
    starts = event.starts + timedelta(minutes=minutes)
    return {"starts_at": f"{starts:%Y-%m-%dT%H:%M}", "ends_at": f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}"}


def test_an_edit_of_title_and_time_shows_at_once_everywhere(site):
    host = make_person(site, "Hana")
    event = make_gathering(site, host_email=host, kind=EventKind.WORKSHOP, starts_local=future_local(days=9, hour=18))
    page, listing, kind, month = Read(event.page), Read("/"), Read("/?kind=workshop"), Read(event.month)
    shared, shared_kind = Read("/calendar.ics"), Read("/calendar.ics?kind=workshop")
    atom, api = Read("/feed.atom"), Read("/api/events?per_page=100")
    before = warm(site.a, [page, listing, kind, month, shared, shared_kind, atom, api])
    assert f"18:00 {event.title}" in page_text(before[month])
    assert event.title in atom_entry(before[atom], event.id)

    # The host, signed in on instance B, renames the gathering and moves it 90 minutes later.
    title = unique("Bread club")
    fields = edit_fields(site, event, title=title, **later(event, 90))
    post_form(signed_in(site, site.b, host), f"/events/{event.id}/edit", f"/events/{event.id}/edit", fields)

    after = read_again(site.a, before)
    for seen in after[page]:
        text = page_text(seen)
        assert title in text
        assert event.title not in text
        assert "19:30" in text
    for seen in [*after[listing], *after[kind]]:
        assert title in card(seen, event.id)
        assert "19:30" in card(seen, event.id)
        assert event.title not in seen.text
    for seen in after[month]:
        text = page_text(seen)
        assert f"19:30 {title}" in text
        assert event.title not in text
    for feed in [*after[shared], *after[shared_kind]]:
        item = vevent(feed, event.id)
        assert str(item["SUMMARY"]) == title
        assert item.decoded("DTSTART").strftime("%H:%M") == "19:30"
    for feed in after[atom]:
        assert title in atom_entry(feed, event.id)
        assert "19:30" in atom_entry(feed, event.id)
    for seen in after[api]:
        found = api_event(seen, event.id)
        starts = datetime.fromisoformat(found["starts_at"]).astimezone(LONDON)
        assert (found["title"], f"{starts:%H:%M}") == (title, "19:30")


def series_sessions(series_id: int):
    return select(Event).where(Event.series_id == series_id).order_by(Event.starts_at)


def test_an_edit_of_one_session_shows_at_once_on_its_series_page_and_feed(site):
    host = make_person(site, "Hana")
    with site.database():
        first = new_event(host=person(host), title=unique("Knit night"), starts_local=future_local(days=3, hour=18))
        series = start_series(first, RepeatRule(Repeats.WEEKLY, count=3))
        db.session.commit()
        sessions = [gathering(session) for session in db.session.scalars(series_sessions(series.id))]
        series_page, series_feed = f"/series/{series.id}-{series.slug}", f"/series/{series.id}.ics"
    second = sessions[1]
    page, listing, feed = Read(series_page), Read(second.page), Read(series_feed)
    before = warm(site.a, [page, listing, feed])
    assert "Extra long" not in page_text(before[page])

    # The host, on instance B, renames the second session (only it) and moves it 45 minutes later.
    title = unique("Extra long knit night")
    fields = {**edit_fields(site, second, title=title, **later(second, 45)), "apply_to": "this"}
    post_form(signed_in(site, site.b, host), f"/events/{second.id}/edit", f"/events/{second.id}/edit", fields)

    after = read_again(site.a, before)
    for seen in after[page]:
        text = page_text(seen)
        assert title in text
        assert "18:45" in text
    for seen in after[listing]:
        assert title in page_text(seen)
    for seen in after[feed]:
        item = vevent(seen, second.id)
        assert (str(item["SUMMARY"]), item.decoded("DTSTART").strftime("%H:%M")) == (title, "18:45")


def test_an_edit_committed_by_another_process_shows_at_once(site):
    event = make_gathering(site)
    page, listing, shared = Read(event.page), Read("/"), Read("/calendar.ics")
    before = warm(site.a, [page, listing, shared])

    # Made in this process through the domain, as a command or a third instance would.
    title = unique("Tea and cake")
    with site.database():
        row = db.session.get(Event, event.id)
        event_rules.edit_event(row, EventDetails.of(row, title=title), row.hosts[0].person)
        db.session.commit()

    after = read_again(site.a, before)
    for seen in after[page]:
        assert title in page_text(seen)
    for seen in after[listing]:
        assert title in card(seen, event.id)
    for feed in after[shared]:
        assert feed_entry(feed, event.id)[1] == title


# -- a cancellation ---------------------------------------------------------------------------------


def test_a_cancellation_shows_at_once_on_its_page_the_list_and_the_feeds(site):
    host = make_person(site, "Hana")
    event = make_gathering(site, host_email=host)
    ann = make_person(site, "Ann")
    answered(site, event.id, ann)
    page, polish, listing, month = Read(event.page), Read(event.page, "pl"), Read("/"), Read(event.month)
    shared, mine = Read("/calendar.ics"), Read(personal_feed(site, ann))
    before = warm(site.a, [page, polish, listing, month, shared, mine])
    assert "cancelled" not in page_text(before[page]).lower()
    assert feed_entry(before[shared], event.id)[0] == "CONFIRMED"

    # The host, signed in on instance B, cancels it.
    message = "The hall is flooded."
    action = f"/events/{event.id}/cancel"
    post_form(signed_in(site, site.b, host), action, action, {"message": message})

    after = read_again(site.a, before)
    for seen in after[page]:
        assert f"Cancelled: {event.title}" in page_text(seen)
        assert f"This gathering is cancelled. {message}" in page_text(seen)
    for seen in after[polish]:
        assert "To spotkanie jest odwołane." in page_text(seen)
    for seen in after[listing]:
        assert "Cancelled" in card(seen, event.id)
    for seen in after[month]:
        assert re.search(rf'class="[^"]*cancelled[^"]*"[^>]*>[^<]*<a [^>]*/events/{event.id}-', seen.text)
    for feed in [*after[shared], *after[mine]]:
        status, summary, description = feed_entry(feed, event.id)
        assert (status, summary) == ("CANCELLED", f"Cancelled: {event.title}")
        assert message in description


def test_a_steward_hiding_a_gathering_takes_it_off_every_page_and_feed_at_once(site):
    event = make_gathering(site)
    ann = make_person(site, "Ann")
    answered(site, event.id, ann)
    steward = make_person(site, "Sam")
    with site.database():
        person(steward).is_steward = True
        db.session.commit()
    listing, month, shared, mine = Read("/"), Read(event.month), Read("/calendar.ics"), Read(personal_feed(site, ann))
    page = warm(site.a, [Read(event.page)])[Read(event.page)]
    before = warm(site.a, [listing, month, shared, mine])
    assert card(before[listing], event.id)

    # The steward, signed in on instance B, hides it.
    post_form(signed_in(site, site.b, steward), event.page, f"/stewards/events/{event.id}/hide", {})

    assert fetch(site.a, event.page, page.validators()).status == 404
    assert fetch(site.a, event.page, {}).status == 404
    after = read_again(site.a, before)
    for seen in after[listing]:
        assert card(seen, event.id) == ""
    for seen in after[month]:
        assert event.title not in seen.text
    for feed in [*after[shared], *after[mine]]:
        assert vevent(feed, event.id) is None


# -- a promotion off the waitlist ----------------------------------------------------------------


def test_a_place_given_up_promotes_the_next_person_at_once_everywhere(site):
    event = make_gathering(site, capacity=1)
    ann, ben = make_person(site, "Ann"), make_person(site, "Ben")
    anns_link = answered(site, event.id, ann)  # going: the only place
    answered(site, event.id, ben)  # waitlisted
    page, shared = Read(event.page), Read("/calendar.ics")
    anns_feed, bens_feed = Read(personal_feed(site, ann)), Read(personal_feed(site, ben))
    before = warm(site.a, [page, shared, anns_feed, bens_feed])
    assert "1 going of 1 place, 1 on the waitlist: full" in page_text(before[page])
    assert feed_entry(before[shared], event.id)[2].startswith("1 going; full, 1 on the waitlist.")
    assert feed_entry(before[bens_feed], event.id)[0] == "TENTATIVE"

    # Ann, from her emailed link on instance B (not signed in), says she can't go: Ben gets her place.
    post_form(Visitor(site.b.port), anns_link, anns_link, {"answer": "not-going"})

    after = read_again(site.a, before)
    for seen in after[page]:
        text = page_text(seen)
        assert "1 going of 1 place: full" in text
        assert "on the waitlist" not in text
    for feed in after[shared]:
        assert feed_entry(feed, event.id)[2].startswith("1 going; full.")
    for feed in after[bens_feed]:
        assert feed_entry(feed, event.id)[0] == "CONFIRMED"
    for feed in after[anns_feed]:
        assert vevent(feed, event.id) is None
