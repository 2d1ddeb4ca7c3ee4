"""The month view (/calendar), the subscribe links on every page that offers a feed,
and the "Add to Google Calendar" / "Add to Outlook" links on the event page.

The month view is read as text, the way a screen reader or a phone without the
grid's styles meets it: each day cell must name its full date ("Monday 1 March"),
and an event counts as shown on a day when its title is in that day's cell.
"""

import calendar as stdlib_calendar
import html
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from eventsite.events import cancel_event
from eventsite.extensions import db
from eventsite.models import EventKind, EventStatus
from tests.conftest import LONDON
from tests.test_queries import statements_for

SITE_URL = "https://events.example.org"
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="
GOOGLE_ADD = "https://calendar.google.com/calendar/render?"
MAX_SUBSCRIBE_URL = 256  # Google fails silently on longer subscription URLs
MAX_STATEMENTS = 10


@pytest.fixture
def app_settings() -> dict:
    # A SITE_URL unlike the test client's host, so links prove they are built from it.
    return {"SITE_URL": SITE_URL}


# -- months and days ---------------------------------------------------------------------------


def month_ahead(months: int) -> tuple[int, int]:
    """(year, month) ``months`` after this one, in the site's zone."""
    today = datetime.now(LONDON).date()
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    return [first + timedelta(days=n) for n in range(31) if (first + timedelta(days=n)).month == month]


def first_month_ahead(condition) -> tuple[int, int]:
    """The first month from next month on whose days satisfy ``condition``."""
    for months in range(1, 48):
        year, month = month_ahead(months)
        if condition(month_days(year, month)):
            return year, month
    raise AssertionError("no such month in four years")


def day_text(day: date) -> str:
    """A day as the page must write it: 'Monday 1 March'."""
    return f"{day:%A} {day.day} {day:%B}"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def month_path(year: int, month: int, query: str = "") -> str:
    return f"/calendar/{year}/{month}" + (f"?{query}" if query else "")


# -- reading pages -----------------------------------------------------------------------------


class CellText(HTMLParser):
    """The text of each table cell (``<td>``), whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "td" and self._depth:
            self._depth -= 1
            if not self._depth:
                self.cells.append(" ".join(" ".join(self._parts).split()))
                self._parts = []

    def handle_data(self, data):
        if self._depth:
            self._parts.append(data)


DAY_IN_TEXT = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} "
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)


def day_cells(page: str) -> dict[str, str]:
    """Each day's cell text, keyed by the full date written in it ('Monday 1 March')."""
    parser = CellText()
    parser.feed(page)
    cells = {}
    for text in parser.cells:
        names = DAY_IN_TEXT.findall(text)
        assert len(names) == 1, f"a day cell must name exactly one full date in text: {text!r}"
        cells[names[0]] = text
    return cells


def cell_of(page: str, day: date) -> str:
    cells = day_cells(page)
    assert day_text(day) in cells, f"no cell says {day_text(day)!r}; cells: {list(cells)}"
    return cells[day_text(day)]


def days_showing(page: str, title: str) -> list[str]:
    return [name for name, text in day_cells(page).items() if title in text]


def nav_link(page: str, rel: str) -> tuple[str, dict[str, list[str]]]:
    """The path and query of the month view's rel=prev / rel=next link."""
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    assert found, f"no rel={rel} link"
    url = urlsplit(html.unescape(found.group(1)))
    return url.path, parse_qs(url.query)


def hrefs(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def link_with_text(page: str, text: str) -> str:
    found = re.findall(rf'<a [^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', page)
    assert len(found) == 1, f"expected one link {text!r}, found {len(found)}"
    return html.unescape(found[0])


def subscribe_block(page: str, feed_path: str) -> dict[str, str]:
    """The webcal link, the Google link and the copyable https URL of the one feed offered."""
    webcal = sorted({href for href in hrefs(page) if href.startswith("webcal://")})
    google = sorted({href for href in hrefs(page) if href.startswith(GOOGLE_SUBSCRIBE)})
    copyable = sorted(
        {
            html.unescape(url)
            for url in re.findall(rf'(?:value="|>\s*)({re.escape(SITE_URL + feed_path)}[^"<\s]*)', page)
        }
    )
    assert len(webcal) == 1, webcal
    assert len(google) == 1, google
    assert len(copyable) == 1, copyable
    return {"webcal": webcal[0], "google": google[0], "https": copyable[0]}


def check_subscribe_links(links: dict[str, str], feed_path: str) -> dict[str, list[str]]:
    """The three links are one feed: built from SITE_URL, Google's holding the urlencoded
    webcal:// form (an https value fails there). Returns the feed URL's query."""
    https = urlsplit(links["https"])
    assert (https.scheme, https.netloc, https.path) == ("https", "events.example.org", feed_path)
    assert len(links["https"]) < MAX_SUBSCRIBE_URL
    assert links["webcal"] == "webcal://" + links["https"].removeprefix("https://")
    cid = links["google"].removeprefix(GOOGLE_SUBSCRIBE)
    assert "/" not in cid, "the cid must be urlencoded"
    assert ":" not in cid, "the cid must be urlencoded"
    assert unquote(cid) == links["webcal"]
    return parse_qs(https.query)


def fetch_feed(client, url: str):
    """GET a feed URL (absolute, from the page) on the test client."""
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, (url, response.status_code)
    assert response.content_type.startswith("text/calendar")
    return response.text


# -- the month grid ----------------------------------------------------------------------------


def test_every_day_of_the_month_is_written_out_in_text(client):
    year, month = month_ahead(2)
    page = client.get(month_path(year, month)).text
    cells = day_cells(page)
    for day in month_days(year, month):
        assert day_text(day) in cells
    assert f"{date(year, month, 1):%B} {year}" in page


def test_events_show_under_their_day_with_kind_time_and_cancellation(client, make_event):
    year, month = month_ahead(2)
    walk_day, workshop_day, cancelled_day = date(year, month, 3), date(year, month, 12), date(year, month, 20)
    make_event(title="Canal stroll", kind=EventKind.WALK, starts_local=at(walk_day, 10, 15))
    make_event(title="Knitting circle", kind=EventKind.WORKSHOP, starts_local=at(workshop_day, 18, 30))
    called_off = make_event(title="Quiz night", kind=EventKind.PARTY, starts_local=at(cancelled_day, 19))
    cancel_event(called_off, called_off.host_people[0], "The pub is closed.")
    db.session.commit()

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Canal stroll") == [day_text(walk_day)]
    assert days_showing(page, "Knitting circle") == [day_text(workshop_day)]
    assert days_showing(page, "Quiz night") == [day_text(cancelled_day)]
    walk, workshop, quiz = cell_of(page, walk_day), cell_of(page, workshop_day), cell_of(page, cancelled_day)
    assert "10:15" in walk
    assert "Walk" in walk
    assert "18:30" in workshop
    assert "Workshop" in workshop
    assert "19:00" in quiz
    assert "Party" in quiz
    assert "cancelled" in quiz.lower()
    assert "cancelled" not in walk.lower()
    assert "cancelled" not in workshop.lower()


def test_only_published_and_cancelled_events_are_on_the_month(client, make_event):
    year, month = month_ahead(2)
    make_event(title="Open gathering", starts_local=at(date(year, month, 5), 18))
    make_event(title="Waiting for a steward", status=EventStatus.HELD, starts_local=at(date(year, month, 6), 18))
    make_event(title="Never confirmed", status=EventStatus.UNCONFIRMED, starts_local=at(date(year, month, 7), 18))
    make_event(title="Hidden by a steward", status=EventStatus.HIDDEN, starts_local=at(date(year, month, 8), 18))

    page = client.get(month_path(year, month)).text

    assert "Open gathering" in page
    assert "Waiting for a steward" not in page
    assert "Never confirmed" not in page
    assert "Hidden by a steward" not in page


@pytest.mark.parametrize(
    ("zone", "local_hour", "utc_day_shift"),
    [
        ("America/New_York", 22, 1),  # late evening there is the next day in London and UTC
        ("Asia/Tokyo", 7, -1),  # early morning there is the previous day in London and UTC
    ],
)
def test_event_shows_under_its_own_local_date(client, make_event, zone, local_hour, utc_day_shift):
    year, month = month_ahead(2)
    day = date(year, month, 15)
    event = make_event(title="Faraway meetup", starts_local=at(day, local_hour, 30), timezone=zone)
    assert event.starts_at.astimezone(LONDON).date() == day + timedelta(days=utc_day_shift)

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Faraway meetup") == [day_text(day)]
    assert f"{local_hour:02d}:30" in cell_of(page, day)


def test_event_on_the_first_day_of_the_grid_in_a_zone_ahead_of_the_site_is_shown(client, make_event):
    # A month starting on a Monday: the grid starts on the 1st. At 09:00 in Auckland
    # it is still the previous day in London, but the event's own date is the 1st.
    year, month = first_month_ahead(lambda days: days[0].weekday() == 0)
    first = date(year, month, 1)
    make_event(title="Auckland breakfast", starts_local=at(first, 9), timezone="Pacific/Auckland")

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Auckland breakfast") == [day_text(first)]


def test_event_on_the_last_day_of_the_grid_in_a_zone_behind_the_site_is_shown(client, make_event):
    # A month ending on a Sunday: the grid ends on its last day. At 20:00 in Los
    # Angeles it is already the next day in London, but the event's own date is the last.
    year, month = first_month_ahead(lambda days: days[-1].weekday() == 6)
    last = month_days(year, month)[-1]
    make_event(title="Sunset in LA", starts_local=at(last, 20), timezone="America/Los_Angeles")

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Sunset in LA") == [day_text(last)]


def grid_days(year: int, month: int) -> list[date]:
    """Every day the month's grid shows: whole weeks, Monday first."""
    return [day for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month) for day in week]


def test_a_gathering_over_several_days_shows_on_each_saying_it_continues(client, make_event):
    year, month = month_ahead(2)
    first, second, last = date(year, month, 10), date(year, month, 11), date(year, month, 12)
    make_event(title="Weekend retreat", starts_local=at(first, 18), ends_local=at(last, 14))

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Weekend retreat") == [day_text(first), day_text(second), day_text(last)]
    assert "18:00 Weekend retreat" in cell_of(page, first)
    assert "Weekend retreat (continues)" in cell_of(page, second)
    assert "Weekend retreat (until 14:00)" in cell_of(page, last)
    assert "18:00" not in cell_of(page, second) + cell_of(page, last)  # the start time only on its first day


def test_on_each_day_what_continues_comes_before_what_starts(client, make_event):
    year, month = month_ahead(2)
    day = date(year, month, 11)
    make_event(title="Morning walk", starts_local=at(day, 9))
    make_event(title="Two-day camp", starts_local=at(day - timedelta(days=1), 18), ends_local=at(day, 16))

    cell = cell_of(client.get(month_path(year, month)).text, day)

    assert cell.index("Two-day camp (until 16:00)") < cell.index("09:00 Morning walk")


def test_a_gathering_across_the_end_of_a_month_shows_on_its_days_in_both(client, make_event):
    year, month = month_ahead(2)
    last = month_days(year, month)[-1]
    after = [last + timedelta(days=1), last + timedelta(days=2)]
    make_event(title="New month festival", starts_local=at(last, 10), ends_local=at(after[1], 12))
    following = after[0].year, after[0].month

    this_page = client.get(month_path(year, month)).text
    next_page = client.get(month_path(*following)).text

    expected = [day for day in (last, *after) if day in grid_days(year, month)]
    assert days_showing(this_page, "New month festival") == [day_text(day) for day in expected]
    expected = [day for day in (last, *after) if day in grid_days(*following)]
    assert days_showing(next_page, "New month festival") == [day_text(day) for day in expected]
    assert "New month festival (continues)" in cell_of(next_page, after[0])
    assert "New month festival (until 12:00)" in cell_of(next_page, after[1])


def test_a_gathering_ending_at_midnight_is_not_on_the_next_day(client, make_event):
    year, month = month_ahead(2)
    first, second, third = date(year, month, 5), date(year, month, 6), date(year, month, 7)
    make_event(title="Two long days", starts_local=at(first, 10), ends_local=at(third, 0))
    make_event(title="Evening to midnight", starts_local=at(first, 20), ends_local=at(second, 0))

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Two long days") == [day_text(first), day_text(second)]
    assert "Two long days (continues)" in cell_of(page, second)  # it runs to the end of the day
    assert days_showing(page, "Evening to midnight") == [day_text(first)]


def test_a_late_night_is_on_its_evening_only(client, make_event):
    year, month = month_ahead(2)
    day = date(year, month, 14)
    make_event(title="Night party", starts_local=at(day, 21), ends_local=at(day + timedelta(days=1), 2))

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Night party") == [day_text(day)]


def test_a_long_gathering_in_another_zone_follows_its_own_dates(client, make_event):
    # 09:00 on the 10th to 20:00 on the 11th in Tokyo: from London it ends on the 11th at
    # noon and starts on the 10th at midnight; the page follows Tokyo's dates.
    year, month = month_ahead(2)
    first, last = date(year, month, 10), date(year, month, 11)
    make_event(title="Tokyo summit", starts_local=at(first, 9), ends_local=at(last, 20), timezone="Asia/Tokyo")

    page = client.get(month_path(year, month)).text

    assert days_showing(page, "Tokyo summit") == [day_text(first), day_text(last)]
    assert "Tokyo summit (until 20:00)" in cell_of(page, last)


@pytest.fixture
def filtered_month(make_event, make_place):
    """Three events in one month, each set apart by one filter."""
    year, month = month_ahead(2)
    armley, leeds = make_place("Armley"), make_place("Leeds Centre")
    make_event(
        title="Armley knitting workshop",
        kind=EventKind.WORKSHOP,
        place=armley,
        venue_name="The Hall",
        tags=["knitting"],
        starts_local=at(date(year, month, 4), 18),
    )
    make_event(
        title="Armley walk",
        kind=EventKind.WALK,
        place=armley,
        venue_name="Field",
        starts_local=at(date(year, month, 9), 10),
    )
    make_event(
        title="Leeds workshop",
        kind=EventKind.WORKSHOP,
        place=leeds,
        venue_name="The Hall",
        tags=["pottery"],
        starts_local=at(date(year, month, 16), 14),
    )
    return year, month


ALL_THREE = {"Armley knitting workshop", "Armley walk", "Leeds workshop"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL_THREE),
        ("kind=workshop", {"Armley knitting workshop", "Leeds workshop"}),
        ("place=armley", {"Armley knitting workshop", "Armley walk"}),
        ("tag=knitting", {"Armley knitting workshop"}),
        ("kind=workshop&place=leeds-centre", {"Leeds workshop"}),
        ("kind=walk&tag=knitting", set()),
    ],
)
def test_filters_narrow_the_month(client, filtered_month, query, expected):
    year, month = filtered_month
    page = client.get(month_path(year, month, query)).text
    assert {title for title in ALL_THREE if days_showing(page, title)} == expected


def test_month_links_keep_the_filters(client, filtered_month):
    year, month = filtered_month
    page = client.get(month_path(year, month, "kind=workshop&place=armley&tag=knitting")).text
    for rel in ("prev", "next"):
        _path, query = nav_link(page, rel)
        assert query == {"kind": ["workshop"], "place": ["armley"], "tag": ["knitting"]}, rel


def test_december_links_to_january_of_the_next_year_and_back(client):
    year = month_ahead(0)[0] + 1
    december = client.get(month_path(year, 12, "kind=walk")).text
    assert nav_link(december, "next") == (f"/calendar/{year + 1}/1", {"kind": ["walk"]})
    assert nav_link(december, "prev") == (f"/calendar/{year}/11", {"kind": ["walk"]})

    january = client.get(month_path(year + 1, 1, "kind=walk")).text
    assert nav_link(january, "prev") == (f"/calendar/{year}/12", {"kind": ["walk"]})
    assert nav_link(january, "next") == (f"/calendar/{year + 1}/2", {"kind": ["walk"]})
    assert f"January {year + 1}" in january


def test_calendar_without_a_month_shows_this_month(client):
    today = datetime.now(LONDON).date()
    page = client.get("/calendar").text
    assert f"{today:%B} {today.year}" in page
    assert day_text(today) in day_cells(page)


@pytest.mark.parametrize(
    "path",
    ["/calendar/2027/13", "/calendar/1999/1", "/calendar/2027/0", "/calendar/0/1", "/calendar/3000/1"],
)
def test_impossible_months_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_invalid_filter_on_the_month_is_explained_not_an_error(client, filtered_month):
    year, month = filtered_month
    response = client.get(month_path(year, month, "kind=bogus&place=armley"))
    assert response.status_code == 200
    assert {title for title in ALL_THREE if days_showing(response.text, title)} == {
        "Armley knitting workshop",
        "Armley walk",
    }


def test_month_queries_do_not_grow_with_the_number_of_events(app, client, make_event, make_person, make_place):
    year, month = month_ahead(2)
    host = make_person(email="busy@example.org", name="Busy Host")
    places = [make_place("Armley"), make_place("Bramley")]
    client.get("/healthz")  # warm up: the first request may load things once per process

    def add_events(numbers):
        for number in numbers:
            event = make_event(
                host=host,
                title=f"Gathering {number}",
                place=places[number % 2],
                venue_name="The Hall",
                tags=[f"tag{number % 3}"],
                starts_local=at(date(year, month, 1 + number % 28), 9 + number // 28),
                # Every third runs over three days, so it shows on each: no more queries for that.
                ends_local=at(date(year, month, 1 + number % 28), 11) + timedelta(days=2 * (number % 3 == 0)),
            )
            if number % 5 == 0:
                event.status = EventStatus.CANCELLED
        db.session.commit()

    add_events(range(3))
    few = statements_for(client, month_path(year, month))
    add_events(range(3, 30))
    many = statements_for(client, month_path(year, month))

    page = client.get(month_path(year, month)).text
    shown = {int(number) for text in day_cells(page).values() for number in re.findall(r"Gathering (\d+)", text)}
    assert shown == set(range(30))
    assert len(many) == len(few), "\n\n".join(many)
    assert len(many) <= MAX_STATEMENTS, "\n\n".join(many)


# -- subscribe links ---------------------------------------------------------------------------


def test_month_view_subscribes_to_the_feed_with_its_filters(client, filtered_month):
    year, month = filtered_month
    page = client.get(month_path(year, month, "kind=workshop&place=armley&tag=knitting")).text

    links = subscribe_block(page, "/calendar.ics")
    query = check_subscribe_links(links, "/calendar.ics")

    assert query == {"kind": ["workshop"], "place": ["armley"], "tag": ["knitting"]}
    feed = fetch_feed(client, links["https"])
    assert "Armley knitting workshop" in feed
    assert "Armley walk" not in feed
    assert "Leeds workshop" not in feed


def test_home_page_subscribes_to_the_whole_feed(client, make_event):
    make_event(title="Anything at all")
    links = subscribe_block(client.get("/").text, "/calendar.ics")
    assert check_subscribe_links(links, "/calendar.ics") == {}
    assert links["https"] == f"{SITE_URL}/calendar.ics"
    assert "Anything at all" in fetch_feed(client, links["https"])


def test_filtered_home_page_subscribes_to_the_filtered_feed(client, filtered_month):
    page = client.get("/?kind=workshop&place=armley&tag=knitting&date_from=2000-01-01").text

    links = subscribe_block(page, "/calendar.ics")
    query = check_subscribe_links(links, "/calendar.ics")

    assert query == {"kind": ["workshop"], "place": ["armley"], "tag": ["knitting"]}  # dates are not feed filters
    feed = fetch_feed(client, links["https"])
    assert "Armley knitting workshop" in feed
    assert "Armley walk" not in feed
    assert "Leeds workshop" not in feed


def test_home_page_shows_one_subscribe_block_and_a_plain_title(client):
    page = client.get("/").text
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert "<" not in title, f"markup inside <title>: {title[:200]!r}"
    assert " ".join(title.split()) == "Upcoming gatherings · eventsite"
    assert page.count('id="subscribe"') == 1


@pytest.mark.parametrize("path", ["/?kind=bogus&place=armley", "/calendar?kind=bogus&place=armley"])
def test_subscribe_link_beside_an_invalid_filter_still_leads_to_a_feed(client, filtered_month, path):
    # The page explains the bad filter and applies the others: so must the feed it offers.
    links = subscribe_block(client.get(path).text, "/calendar.ics")
    feed = fetch_feed(client, links["https"])
    assert "Armley walk" in feed
    assert "Leeds workshop" not in feed


def test_subscribe_url_with_the_longest_filters_stays_under_256_characters(client, make_event, make_place):
    place = make_place("P" * 80, slug="p" * 80)
    tag = "t" * 40
    make_event(title="Long names", kind=EventKind.ONLINE_SESSION, place=place, venue_name="Hall", tags=[tag])
    for path in (f"/?kind=online-session&place={place.slug}&tag={tag}", f"/calendar?kind=online-session&tag={tag}"):
        links = subscribe_block(client.get(path).text, "/calendar.ics")
        check_subscribe_links(links, "/calendar.ics")


def sign_in(client, mailbox, email: str) -> None:
    """As conftest's ``auth.sign_in``, for links built from this module's SITE_URL."""
    assert client.post("/sign-in", data={"email": email}).status_code == 302
    assert client.post(mailbox.link_to(email, site_url=SITE_URL)).status_code == 302


def test_my_page_subscribes_to_my_own_feed(client, mailbox, make_person, make_event):
    me = make_person(email="me@example.org", name="Me")
    make_event(host=me, title="My own gathering")
    sign_in(client, mailbox, "me@example.org")

    links = subscribe_block(client.get("/me/").text, "/feeds/")
    path = urlsplit(links["https"]).path
    assert re.fullmatch(r"/feeds/[A-Za-z0-9_-]{32,}\.ics", path), path
    assert check_subscribe_links(links, path) == {}

    client.post("/sign-out")  # the link alone opens the feed
    assert "My own gathering" in fetch_feed(client, links["https"])


# -- adding one event --------------------------------------------------------------------------


def event_page(client, event) -> str:
    response = client.get(f"/events/{event.id}", follow_redirects=True)
    assert response.status_code == 200
    return response.text


def test_add_to_google_calendar_carries_the_title_and_utc_times(client, make_event):
    year, month = month_ahead(2)
    title = "Tea & scones, 50% off; bring #friends"
    starts, ends = at(date(year, month, 10), 22, 30), at(date(year, month, 11), 0, 45)
    event = make_event(title=title, starts_local=starts, ends_local=ends, timezone="America/New_York")
    zone = ZoneInfo("America/New_York")
    starts_utc = starts.replace(tzinfo=zone).astimezone(UTC)
    ends_utc = ends.replace(tzinfo=zone).astimezone(UTC)

    url = link_with_text(event_page(client, event), "Add to Google Calendar")

    assert url.startswith(GOOGLE_ADD)
    query = parse_qs(urlsplit(url).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == [title]
    assert query["dates"] == [f"{starts_utc:%Y%m%dT%H%M%SZ}/{ends_utc:%Y%m%dT%H%M%SZ}"]
    assert re.fullmatch(r"\d{8}T\d{6}Z/\d{8}T\d{6}Z", query["dates"][0])
    assert any(f"/events/{event.id}" in value for value in query["details"])


def test_add_to_outlook_carries_the_title_and_times(client, make_event):
    year, month = month_ahead(2)
    title = "Tea & scones, 50% off; bring #friends"
    starts, ends = at(date(year, month, 10), 22, 30), at(date(year, month, 11), 0, 45)
    event = make_event(title=title, starts_local=starts, ends_local=ends, timezone="America/New_York")
    zone = ZoneInfo("America/New_York")

    url = link_with_text(event_page(client, event), "Add to Outlook")

    parts = urlsplit(url)
    assert parts.scheme == "https"
    assert parts.netloc.startswith("outlook.")
    query = parse_qs(parts.query)
    assert query["subject"] == [title]
    start, end = (datetime.fromisoformat(query[name][0]) for name in ("startdt", "enddt"))
    assert start.tzinfo is not None, "times without an offset are read as local"
    assert end.tzinfo is not None, "times without an offset are read as local"
    assert start == starts.replace(tzinfo=zone)
    assert end == ends.replace(tzinfo=zone)


def test_a_cancelled_gathering_offers_only_its_ics_with_the_cancellation(client, make_event):
    event = make_event(title="Quiz night")
    cancel_event(event, event.host_people[0], "The pub is closed.")
    db.session.commit()

    page = event_page(client, event)

    assert "Add to Google Calendar" not in page
    assert "Add to Outlook" not in page
    ics = client.get(link_with_text(page, "Download for any calendar (.ics)"))
    assert b"STATUS:CANCELLED" in ics.data
