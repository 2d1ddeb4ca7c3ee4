"""The public list of gatherings, its filters and pages, and the event page."""

import html
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import EventHost, EventKind, EventStatus, Rsvp, RsvpStatus
from tests.conftest import LONDON, future_local

CARD_TITLE = re.compile(r'<h3 dir="auto"><a href="[^"]*">(.*?)</a></h3>')
DAY_HEADING = re.compile(r'<h2 id="day-([0-9-]+)">(.*?)</h2>')
DESCRIPTION = re.compile(r'<section class="description" dir="auto" aria-label="Description">(.*?)</section>', re.DOTALL)


def listed_titles(page: str) -> list[str]:
    """The titles of the event cards on a list page, in page order."""
    return [html.unescape(title) for title in CARD_TITLE.findall(page)]


def day_headings(page: str) -> list[str]:
    return [day for day, _text in DAY_HEADING.findall(page)]


def local_day(days: int) -> str:
    """The ISO date ``days`` from today in London (the site's zone), as the date filters take it."""
    return (datetime.now(LONDON).date() + timedelta(days=days)).isoformat()


def pagination_link(page: str, rel: str) -> dict | None:
    """The query of the "Later" (rel=next) or "Earlier" (rel=prev) link, or None if absent."""
    found = re.search(rf'<a rel="{rel}" href="([^"]+)">', page)
    if found is None:
        return None
    url = urlsplit(html.unescape(found.group(1)))
    assert url.path == "/"
    return {name: values[0] for name, values in parse_qs(url.query).items()}


def move_to_past(event, started_hours_ago: int, ends_in_hours: int) -> None:
    """Events cannot be proposed in the past, so shift one there directly."""
    event.starts_at = utcnow() - timedelta(hours=started_hours_ago)
    event.ends_at = utcnow() + timedelta(hours=ends_in_hours)
    db.session.commit()


@pytest.fixture
def answer(make_person):
    """Record someone's RSVP directly (the RSVP rules are tested elsewhere)."""
    count = 0

    def answer(event, status=RsvpStatus.GOING, guests=0) -> Rsvp:
        nonlocal count
        count += 1
        person = make_person(email=f"guest{count}@example.org", name=f"Guest {count}")
        rsvp = Rsvp(event=event, person=person, status=status, guests=guests)
        db.session.add(rsvp)
        db.session.commit()
        return rsvp

    return answer


# -- the list --------------------------------------------------------------------------------


def test_index_lists_events_soonest_first_under_a_heading_per_day(client, make_event):
    make_event(title="Day three", starts_local=future_local(days=3, hour=12))
    make_event(title="Day one evening", starts_local=future_local(days=1, hour=18))
    make_event(title="Day one morning", starts_local=future_local(days=1, hour=10))

    page = client.get("/").text

    assert listed_titles(page) == ["Day one morning", "Day one evening", "Day three"]
    assert day_headings(page) == [local_day(1), local_day(3)]
    day_one = datetime.now(LONDON).date() + timedelta(days=1)
    assert f"{day_one:%A} {day_one.day} {day_one:%B %Y}" in page


def test_index_groups_an_event_under_its_own_local_date_not_utc(client, make_event):
    # 20:00 in Los Angeles is already the next day in UTC.
    make_event(title="Evening in LA", timezone="America/Los_Angeles", starts_local=future_local(days=4, hour=20))

    page = client.get("/").text

    assert day_headings(page) == [local_day(4)]


def test_index_lists_published_cancelled_and_ongoing_events_only(client, make_event):
    make_event(title="Published one")
    make_event(title="Called off", status=EventStatus.CANCELLED)
    make_event(title="Waiting for a steward", status=EventStatus.HELD)
    make_event(title="Not yet confirmed", status=EventStatus.UNCONFIRMED)
    make_event(title="Hidden spam", status=EventStatus.HIDDEN)
    move_to_past(make_event(title="Already over"), started_hours_ago=3, ends_in_hours=-1)
    move_to_past(make_event(title="Happening now"), started_hours_ago=1, ends_in_hours=1)

    page = client.get("/").text

    assert sorted(listed_titles(page)) == ["Called off", "Happening now", "Published one"]
    assert '<strong class="status-cancelled">Cancelled</strong>' in page


def test_event_card_shows_kind_local_time_with_zone_place_and_going(client, make_event, make_place, answer):
    event = make_event(
        title="Sushi and science",
        kind=EventKind.WORKSHOP,
        timezone="Asia/Tokyo",
        starts_local=future_local(days=5, hour=18, minute=30),
        place=make_place("Beeston"),
        venue_name="Hall 2",
        capacity=12,
    )
    answer(event, guests=2)
    answer(event)
    answer(event, status=RsvpStatus.MAYBE, guests=4)
    answer(event, status=RsvpStatus.WAITLISTED)

    page = client.get("/").text

    assert "Workshop" in page
    assert "18:30" in page
    assert "(JST, Asia/Tokyo)" in page
    assert "Hall 2, Beeston" in page
    assert "4 going · 12 places" in page


def test_event_card_says_online_for_online_events(client, make_event):
    make_event(
        title="Lunch and learn",
        kind=EventKind.ONLINE_SESSION,
        is_online=True,
        online_url="https://meet.example.org/lunch",
    )

    page = client.get("/").text

    assert re.search(r'<p class="where"><svg [^>]*>.*?</svg><span>\s*Online</span>\s*</p>', page, re.S)
    assert "0 going" in page


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def four_events(make_event, make_place):
    armley, beeston = make_place("Armley"), make_place("Beeston")
    make_event(title="Armley workshop", kind=EventKind.WORKSHOP, place=armley, venue_name="Hub", tags=["frailty"],
               starts_local=future_local(days=2))  # fmt: skip
    make_event(title="Beeston workshop", kind=EventKind.WORKSHOP, place=beeston, venue_name="Hall", tags=["carers"],
               starts_local=future_local(days=4))  # fmt: skip
    make_event(title="Armley walk", kind=EventKind.WALK, place=armley, venue_name="Park gates", tags=["frailty"],
               starts_local=future_local(days=6))  # fmt: skip
    make_event(title="Online chat", kind=EventKind.ONLINE_SESSION, is_online=True, tags=["frailty", "carers"],
               online_url="https://meet.example.org/chat", starts_local=future_local(days=8))  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"kind": "workshop"}, ["Armley workshop", "Beeston workshop"], id="kind"),
        pytest.param({"place": "armley"}, ["Armley workshop", "Armley walk"], id="place"),
        pytest.param({"place": "online"}, ["Online chat"], id="online"),
        pytest.param({"tag": "frailty"}, ["Armley workshop", "Armley walk", "Online chat"], id="tag"),
        pytest.param({"tag": "#Frailty"}, ["Armley workshop", "Armley walk", "Online chat"], id="tag-as-typed"),
        pytest.param({"date_from": 5}, ["Armley walk", "Online chat"], id="date-from"),
        pytest.param({"date_to": 4}, ["Armley workshop", "Beeston workshop"], id="date-to-includes-the-day"),
        pytest.param({"kind": "workshop", "place": "armley"}, ["Armley workshop"], id="kind-and-place"),
        pytest.param({"tag": "carers", "place": "online"}, ["Online chat"], id="tag-and-online"),
        pytest.param({"date_from": 3, "date_to": 7}, ["Beeston workshop", "Armley walk"], id="date-range"),
        pytest.param({"kind": "walk", "tag": "frailty", "date_from": 1, "date_to": 9}, ["Armley walk"], id="all"),
    ],
)
def test_filters_narrow_the_list_and_combine(client, four_events, query, expected):
    params = {name: local_day(value) if name.startswith("date_") else value for name, value in query.items()}

    page = client.get("/", query_string=params).text

    assert listed_titles(page) == expected
    assert "Clear filters" in page


def test_unknown_tag_shows_the_filtered_empty_state(client, four_events):
    page = client.get("/?tag=no-such-theme").text

    assert listed_titles(page) == []
    assert "No gatherings match these filters" in page
    assert 'href="/events/new"' in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("date_from=next-tuesday", "date_from", id="not-a-date"),
        pytest.param("date_to=2027-02-30", "date_to", id="impossible-date"),
        pytest.param("kind=spaceship", "kind", id="unknown-kind"),
        pytest.param("place=atlantis", "place", id="unknown-place"),
    ],
)
def test_invalid_filter_shows_a_message_by_its_field_and_the_others_still_apply(client, four_events, query, field):
    response = client.get(f"/?{query}&tag=carers")

    assert response.status_code == 200
    assert f'<p class="error" id="{field}-error">' in response.text
    assert listed_titles(response.text) == ["Beeston workshop", "Online chat"]


def test_date_to_before_date_from_is_explained(client, four_events):
    response = client.get("/", query_string={"date_from": local_day(5), "date_to": local_day(2)})

    assert response.status_code == 200
    assert '<p class="error" id="date_to-error">“To” must not be before “From”.' in response.text


def test_a_reversed_date_range_applies_neither_date_but_the_other_filters_still_apply(client, four_events):
    # "From" alone would leave only "Online chat"; "To" alone, nothing.
    query = {"tag": "carers", "date_from": local_day(5), "date_to": local_day(2)}

    response = client.get("/", query_string=query)

    assert response.status_code == 200
    assert "“To” must not be before “From”." in response.text
    assert listed_titles(response.text) == ["Beeston workshop", "Online chat"]


def test_an_invalid_from_date_is_explained_and_the_to_date_still_applies(client, four_events):
    response = client.get("/", query_string={"date_from": "3000-01-01", "date_to": local_day(4)})

    assert response.status_code == 200
    assert '<p class="error" id="date_from-error">' in response.text
    assert '<p class="error" id="date_to-error">' not in response.text
    assert listed_titles(response.text) == ["Armley workshop", "Beeston workshop"]


# -- short addresses: no empty parameters --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "location"),
    [
        pytest.param("kind=workshop&place=&tag=&date_from=&date_to=", "/?kind=workshop", id="form-as-sent"),
        pytest.param("tag=carers&place=&kind=workshop&date_to=", "/?tag=carers&kind=workshop", id="order-kept"),
        pytest.param("kind=&place=&tag=&date_from=&date_to=", "/", id="all-empty"),
        pytest.param("kind=bogus&tag=+&page=", "/?kind=bogus", id="blank-and-invalid-values"),
        pytest.param("tag=%23carers&place=", "/?tag=%23carers", id="encoded"),
    ],
)
def test_empty_filter_parameters_redirect_to_the_short_address(client, four_events, query, location):
    response = client.get(f"/?{query}")

    assert response.status_code == 302
    assert response.headers["Location"] == location
    assert client.get(location).status_code == 200  # no second redirect: it cannot loop


def test_the_short_address_lists_what_the_long_one_asked_for(client, four_events):
    response = client.get("/?kind=workshop&place=armley&tag=&date_from=&date_to=", follow_redirects=True)

    assert response.status_code == 200
    assert [(item.status_code, item.headers["Location"]) for item in response.history] == [
        (302, "/?kind=workshop&place=armley")
    ]
    assert listed_titles(response.text) == ["Armley workshop"]


def test_month_view_with_empty_parameters_redirects_to_the_short_address(client):
    response = client.get("/calendar/2031/3?kind=&place=armley&tag=")

    assert response.status_code == 302
    assert response.headers["Location"] == "/calendar/2031/3?place=armley"


def test_the_feed_ignores_empty_parameters_without_a_redirect(client, four_events):
    whole = client.get("/calendar.ics")
    response = client.get("/calendar.ics?kind=&place=&tag=")

    assert response.status_code == 200  # calendar apps may not follow a redirect
    assert response.content_type.startswith("text/calendar")
    assert response.data == whole.data
    workshops = client.get("/calendar.ics?kind=workshop&place=&tag=")
    assert workshops.status_code == 200
    assert b"Beeston workshop" in workshops.data
    assert b"Armley walk" not in workshops.data


def test_links_on_a_filtered_list_carry_only_the_filters_that_are_on(app, client, make_event):
    app.config["EVENTS_PER_PAGE"] = 1
    for day in (1, 2):
        make_event(title=f"Workshop {day}", kind=EventKind.WORKSHOP, tags=["carers"], starts_local=future_local(day))

    page = client.get("/?kind=workshop&place=&tag=&date_from=&date_to=", follow_redirects=True).text

    queries = [urlsplit(html.unescape(url)).query for url in re.findall(r'(?:href|value)="([^"]*\?[^"]*)"', page)]
    own = [query for query in queries if "kind=" in query]
    assert len(own) >= 4, own  # later page, month view, webcal, https (and Google's, encoded)
    for query in own:
        assert parse_qs(query, keep_blank_values=True).keys() <= {"kind", "page"}, query
    assert pagination_link(page, "next") == {"kind": "workshop", "page": "2"}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("date_from=0001-01-01", id="first-day"),
        pytest.param("date_to=9999-12-31", id="last-day"),
        pytest.param("page=99999999999999999999", id="huge-page"),
        pytest.param("page=-3", id="negative-page"),
        pytest.param("tag=" + "x" * 500, id="long-tag"),
        pytest.param("tag=%00", id="control-character"),
    ],
)
def test_extreme_filter_values_never_give_a_server_error(client, four_events, query):
    assert client.get(f"/?{query}").status_code == 200


def test_earliest_date_in_a_site_zone_ahead_of_utc_is_not_a_server_error(app, client, four_events):
    app.config["TIMEZONE"] = "Asia/Tokyo"  # midnight on 1 January of year 1 there is before year 1 in UTC

    assert client.get("/?date_from=0001-01-01").status_code == 200


def test_pages_keep_the_filters_in_later_and_earlier_links(app, client, make_event):
    app.config["EVENTS_PER_PAGE"] = 2
    for day in range(1, 6):
        make_event(title=f"Workshop {day}", kind=EventKind.WORKSHOP, tags=["carers"], starts_local=future_local(day))
    make_event(title="A walk", kind=EventKind.WALK, tags=["carers"], starts_local=future_local(days=2, hour=9))
    filters = {"kind": "workshop", "tag": "carers"}

    first = client.get("/", query_string=filters).text
    assert listed_titles(first) == ["Workshop 1", "Workshop 2"]
    assert pagination_link(first, "prev") is None
    later = pagination_link(first, "next")
    assert later == {**filters, "page": "2"}

    second = client.get("/", query_string=later).text
    assert listed_titles(second) == ["Workshop 3", "Workshop 4"]
    assert pagination_link(second, "prev") == {**filters, "page": "1"}
    last = pagination_link(second, "next")
    assert last == {**filters, "page": "3"}

    third = client.get("/", query_string=last).text
    assert listed_titles(third) == ["Workshop 5"]
    assert pagination_link(third, "next") is None


def test_empty_list_invites_people_to_propose(client):
    page = client.get("/").text

    assert "No gatherings yet" in page
    empty_state = re.search(r'<section class="empty">(.*?)</section>', page, re.DOTALL).group(1)
    assert 'href="/events/new"' in empty_state


# -- the event page ---------------------------------------------------------------------------


def test_event_page_shows_everything_people_need(client, make_event, make_person, make_place, answer):
    host = make_person(email="hana@example.org", name="Hana Host")
    event = make_event(
        host=host,
        title="Frailty: spotting it early",
        kind=EventKind.WORKSHOP,
        starts_local=future_local(days=9, hour=14),
        place=make_place("Armley"),
        venue_name="Community Hub, Room 2",
        address="12 Town Street, Leeds LS12 1AB",
        capacity=20,
        description="Tea, **cake** and chat.\n\n- bring a friend\n- no slides",
        tags=["frailty", "carers"],
        access_features=["step-free", "hearing-loop"],
        access_notes="Lift at the back.",
        cost="£3 on the door",
    )
    cohost = make_person(email="cole@example.org", name="Cole Cohost")
    event.hosts.append(EventHost(person=cohost))
    db.session.commit()
    answer(event, guests=1)

    page = client.get(f"/events/{event.id}-{event.slug}").text

    assert '<h1 dir="auto">Frailty: spotting it early</h1>' in page
    assert "Workshop" in page
    assert f"{event.local_start:%a %-d %b %Y}, 14:00" in page
    assert re.search(r"\((GMT|BST), Europe/London\)", page)
    assert "Community Hub, Room 2, Armley" in page
    assert "12 Town Street, Leeds LS12 1AB" in page
    map_link = re.search(r'href="(https://www\.openstreetmap\.org/[^"]+)"', page).group(1)
    assert parse_qs(urlsplit(html.unescape(map_link)).query) == {"query": ["12 Town Street, Leeds LS12 1AB"]}
    assert "<strong>cake</strong>" in page
    assert "<li>bring a friend</li>" in page
    assert "Hana Host, Cole Cohost" in page
    assert '<a href="/?tag=carers">#carers</a>' in page
    assert '<a href="/?tag=frailty">#frailty</a>' in page
    assert "<li>Step-free access</li>" in page
    assert "<li>Hearing loop</li>" in page
    assert "Lift at the back." in page
    assert "£3 on the door" in page
    assert "2 going of 20 places" in page


def test_online_event_page_says_online_and_hides_the_link_from_visitors(client, make_event):
    event = make_event(
        title="Online: loneliness in winter",
        kind=EventKind.ONLINE_SESSION,
        is_online=True,
        online_url="https://meet.example.org/room-42",
    )

    page = client.get(f"/events/{event.id}-{event.slug}").text

    assert re.search(r"<dt>Where</dt>\s*<dd>\s*Online\s", page)
    assert "The link to join online is shown to people going." in page
    assert "openstreetmap" not in page
    assert "meet.example.org/room-42" not in page


def test_event_description_markdown_is_sanitised(client, make_event):
    event = make_event(
        description=(
            "Hello <script>alert(1)</script> and <b>raw</b> html.\n\n"
            "[one](javascript:alert(2)) [two](JaVaScRiPt:alert(3)) <javascript:alert(4)>\n\n"
            '[three](data:text/html,<script>alert(5)</script>) <img src=x onerror="alert(6)">\n\n'
            "[a good link](https://example.org/ok)"
        ),
    )

    page = client.get(f"/events/{event.id}-{event.slug}").text

    description = DESCRIPTION.search(page).group(1)
    assert "<script" not in description
    assert "<img" not in description
    assert "<b>" not in description
    assert "&lt;b&gt;raw&lt;/b&gt;" in description
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in description
    hrefs = re.findall(r'href="([^"]*)"', description)
    assert hrefs == ["https://example.org/ok"]
    assert 'rel="nofollow noopener noreferrer ugc"' in description


@pytest.mark.parametrize("suffix", ["", "-an-old-title"])
def test_event_address_without_or_with_a_stale_slug_redirects_to_the_canonical_one(client, make_event, suffix):
    event = make_event(title="Walk and talk")

    response = client.get(f"/events/{event.id}{suffix}")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/events/{event.id}-walk-and-talk"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/events/99999999999999999999", "/events/99999999999999999999-walk", "/events/2147483648", "/events/0"],
)
def test_event_page_for_an_impossible_id_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_titles_are_escaped_on_the_list_and_the_event_page(client, make_event):
    event = make_event(title="<script>alert(1)</script>")

    listing = client.get("/").text
    response = client.get(f"/events/{event.id}-{event.slug}")

    assert response.status_code == 200
    for page in (listing, response.text):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_healthz_reports_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_each_day_has_one_heading_when_time_zones_interleave(client, make_event):
    # 23:30 in London and 20:00 the same evening in New York (01:00 UTC the next day):
    # by UTC, a London event of the next morning falls between them.
    make_event(title="Late in London", starts_local=future_local(days=5, hour=23, minute=30))
    make_event(title="Evening in New York", starts_local=future_local(days=5, hour=20), timezone="America/New_York")
    make_event(title="Morning in London", starts_local=future_local(days=6, hour=0, minute=30))

    page = client.get("/").text

    headings = re.findall(r'<h2 id="day-([\d-]+)">', page)
    assert len(headings) == len(set(headings)) == 2
    assert headings == sorted(headings)
    first_day = page.split('<h2 id="day-')[1]
    assert "Late in London" in first_day
    assert "Evening in New York" in first_day
