"""Sharing beyond the site: the event page's JSON-LD and link-card tags, the Atom
feed of new gatherings, the read-only JSON API and the embeddable list, with the
headers that say who may frame which page.

Each output is read as its consumers read it: JSON-LD with an HTML parser (a
script block ends where a browser ends it) and json.loads, the feed with
ElementTree, the API with the JSON decoder.
"""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from eventsite.events import EventDetails, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.models import EventHost, EventKind, EventStatus
from eventsite.rsvps import locked_event
from tests.conftest import future_local
from tests.test_listing import listed_titles, local_day

SITE = "http://eventsite.test"
ATOM = "{http://www.w3.org/2005/Atom}"
BREAKOUT_TITLE = "Tea </script><script>alert(1)</script> time"
MARKUP_TITLE = 'Tea & <cake> > "coffee"'


class HeadReader(HTMLParser):
    """The <meta> and <link> tags and the JSON-LD blocks of a page, as a browser splits them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("property") or attrs.get("name")] = attrs["content"]
        elif tag == "link" and "rel" in attrs:
            self.links[attrs["rel"]] = attrs["href"]
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False


def read_page(client, event) -> HeadReader:
    response = client.get(page_path(event))
    assert response.status_code == 200, response.text
    reader = HeadReader()
    reader.feed(response.text)
    return reader


def event_json_ld(client, event) -> dict:
    reader = read_page(client, event)
    assert len(reader.json_ld) == 1
    return json.loads(reader.json_ld[0])


def page_path(event) -> str:
    return f"/events/{event.id}-{event.slug}"


def api(client, query: str = "") -> dict:
    response = client.get(f"/api/events{query}")
    assert response.status_code == 200, response.text
    return response.get_json()


def atom_entries(client) -> list[ET.Element]:
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output, under test
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def entry_titles(entries) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries]


# -- the event page: JSON-LD, Open Graph and Twitter card ----------------------------------


def test_json_ld_names_each_event_with_its_own_times_hosts_and_place(client, make_event, make_person):
    first = make_event(
        title="Soup social",
        starts_local=future_local(days=5, hour=18),
        ends_local=future_local(days=5, hour=20, minute=30),
        description="Bring **a bowl** and [a friend](https://example.com).",
    )
    second = make_event(title="Canal walk", kind=EventKind.WALK, starts_local=future_local(days=9, hour=10))
    cohost = make_person(email="cora@example.org", name="Cora Cohost")
    first.hosts.append(EventHost(person=cohost))
    db.session.commit()

    data = event_json_ld(client, first)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Soup social"
    assert datetime.fromisoformat(data["startDate"]) == first.starts_at
    assert datetime.fromisoformat(data["endDate"]) == first.ends_at
    assert datetime.fromisoformat(data["startDate"]).utcoffset() == first.local_start.utcoffset()
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["name"] == "Café Nova"
    assert sorted(organizer["name"] for organizer in data["organizer"]) == ["Cora Cohost", "Hana Host"]
    assert data["url"] == SITE + page_path(first)
    assert data["description"] == "Bring a bowl and a friend."  # plain text, not Markdown or HTML

    other = event_json_ld(client, second)
    assert other["name"] == "Canal walk"
    assert datetime.fromisoformat(other["startDate"]) == second.starts_at
    assert other["url"] == SITE + page_path(second)


def test_json_ld_marks_cancelled_and_online_gatherings(client, make_event):
    online = make_event(title="Zoom quiz", is_online=True, online_url="https://meet.example/secret-room")
    cancelled = make_event(title="Picnic")
    cancel_event(cancelled, cancelled.host_people[0], "Rain")
    db.session.commit()

    data = event_json_ld(client, online)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation"
    assert "secret-room" not in json.dumps(data)  # the join link is for people going
    assert data["eventStatus"] == "https://schema.org/EventScheduled"

    assert event_json_ld(client, cancelled)["eventStatus"] == "https://schema.org/EventCancelled"


def test_json_ld_keeps_an_attendees_only_address_private(client, make_event):
    private = make_event(title="Home supper", address="12 Secret Lane, LS1", address_for_attendees=True)
    public = make_event(title="Hall supper", address="1 Town Hall Square, LS2")

    assert "Secret Lane" not in json.dumps(event_json_ld(client, private))
    assert "Secret Lane" not in client.get(page_path(private)).text
    assert event_json_ld(client, public)["location"]["address"] == "1 Town Hall Square, LS2"


def test_title_cannot_break_out_of_the_json_ld_script(client, make_event):
    event = make_event(title=BREAKOUT_TITLE)

    text = client.get(page_path(event)).text
    assert "<script>alert(1)" not in text
    after_opening = text.split('<script type="application/ld+json">', 1)[1]
    assert after_opening.split("</head>", 1)[0].count("</script>") == 1
    reader = read_page(client, event)
    assert json.loads(reader.json_ld[0])["name"] == BREAKOUT_TITLE
    assert reader.meta["og:title"] == BREAKOUT_TITLE


def test_event_page_has_link_card_tags_pointing_at_the_canonical_page(client, make_event):
    event = make_event(title=MARKUP_TITLE)

    reader = read_page(client, event)
    assert reader.meta["og:title"] == MARKUP_TITLE
    assert reader.meta["og:url"] == SITE + page_path(event)
    assert reader.links["canonical"] == SITE + page_path(event)
    assert reader.meta["twitter:card"] == "summary"
    assert json.loads(reader.json_ld[0])["name"] == MARKUP_TITLE


# -- the Atom feed ----------------------------------------------------------------------------


def test_atom_feed_lists_published_gatherings_newest_first(client, make_event):
    now = datetime.now(UTC)
    older = make_event(title="Older")
    newer = make_event(title=MARKUP_TITLE)
    make_event(title="Held back", status=EventStatus.HELD)
    make_event(title="Hidden away", status=EventStatus.HIDDEN)
    older.published_at = now - timedelta(days=2)
    newer.published_at = now - timedelta(days=1)
    db.session.commit()

    entries = atom_entries(client)
    assert entry_titles(entries) == [MARKUP_TITLE, "Older"]  # escaped on the way out, round-trips
    for entry, event in zip(entries, (newer, older), strict=True):
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link == SITE + page_path(event)
        assert client.get(link.removeprefix(SITE)).status_code == 200
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == event.published_at
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")).tzinfo is not None


def test_atom_entry_id_survives_a_title_edit(client, make_event):
    event = make_event(title="Knit and natter")
    [before] = atom_entries(client)

    event = locked_event(event.id)
    edit_event(event, EventDetails.of(event, title="Knit, natter and cake"), event.host_people[0])
    db.session.commit()

    [after] = atom_entries(client)
    assert after.findtext(f"{ATOM}title") == "Knit, natter and cake"
    assert after.findtext(f"{ATOM}id") == before.findtext(f"{ATOM}id")  # a feed reader must not see a new entry


# -- the JSON API -----------------------------------------------------------------------------


@pytest.fixture
def varied_events(make_event, make_place):
    """A match for every filter, five that each miss one, and a held and a hidden one."""
    armley = make_place("Armley")
    hyde_park = make_place("Hyde Park")
    common = {"kind": EventKind.WORKSHOP, "place": armley, "tags": ["soup"], "venue_name": "Hall"}
    soon = future_local(days=3)
    make_event(title="Match", starts_local=soon, **common)
    make_event(title="Other place", starts_local=soon, **{**common, "place": hyde_park})
    make_event(title="Other kind", starts_local=soon, **{**common, "kind": EventKind.WALK})
    make_event(title="No tag", starts_local=soon, **{**common, "tags": []})
    make_event(title="Later", starts_local=future_local(days=10), **common)
    online = {**common, "place": None, "venue_name": ""}
    make_event(title="Online", starts_local=soon, is_online=True, online_url="https://meet.example/x", **online)
    make_event(title="Held", starts_local=soon, status=EventStatus.HELD, **common)
    make_event(title="Hidden", starts_local=soon, status=EventStatus.HIDDEN, **common)


def test_api_filters_combine_as_the_list_does(client, varied_events):
    day = local_day(3)
    queries = {
        f"?kind=workshop&place=armley&tag=soup&date_from={day}&date_to={day}": ["Match"],
        "?place=online": ["Online"],
        "?kind=walk": ["Other kind"],
        "?place=hyde-park": ["Other place"],
        f"?date_from={local_day(4)}": ["Later"],
    }
    for query, expected in queries.items():
        titles = [event["title"] for event in api(client, query)["events"]]
        assert sorted(titles) == expected, query
        assert listed_titles(client.get(f"/{query}").text) == titles, query


def test_api_event_shape_and_headers(client, varied_events):
    response = client.get("/api/events?place=armley&kind=workshop&tag=soup&per_page=1")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = response.get_json()
    assert set(data) == {"page", "per_page", "has_next", "events"}
    assert (data["page"], data["per_page"], data["has_next"]) == (1, 1, True)
    [event] = data["events"]
    assert event["title"] == "Match"
    assert event["kind"] == "workshop"
    assert event["place"] == "armley"
    assert event["tags"] == ["soup"]
    assert event["online"] is False
    assert event["url"].startswith(f"{SITE}/events/{event['id']}-")
    assert datetime.fromisoformat(event["local_start"]) == datetime.fromisoformat(event["starts_at"])
    assert event["hosts"] == ["Hana Host"]


def test_api_pages_walk_every_upcoming_event_once(client, make_event):
    made = [make_event(title=f"Meet {n}", starts_local=future_local(days=2 + n)).id for n in range(7)]
    make_event(title="Held", status=EventStatus.HELD)

    seen, page, has_next = [], 1, True
    while has_next:
        data = api(client, f"?per_page=3&page={page}")
        assert data["page"] == page
        assert data["per_page"] == 3
        assert len(data["events"]) == (3 if data["has_next"] else 1)
        seen += [event["id"] for event in data["events"]]
        has_next, page = data["has_next"], page + 1
    assert seen == made
    assert page == 4
    assert api(client, "?per_page=1000")["per_page"] == 100
    assert api(client, "?per_page=0")["per_page"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("?kind=picnic", "kind"), ("?place=atlantis", "place"), ("?date_from=soon", "date_from"),
     (f"?date_from={local_day(5)}&date_to={local_day(4)}", "date_to")],
)  # fmt: skip
def test_api_rejects_an_invalid_filter_naming_the_field(client, query, field):
    response = client.get(f"/api/events{query}")
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [field]


def test_api_never_shows_email_addresses(client, make_event, make_person):
    nameless = make_person(email="quiet.host@private-mail.example", name="")
    event = make_event(host=nameless, title="Quiet coffee", description="Mail quiet.host@private-mail.example")
    cohost = make_person(email="co@private-mail.example", name="Co Host")
    event.hosts.append(EventHost(person=cohost))
    db.session.commit()

    response = client.get("/api/events")
    assert response.get_json()["events"][0]["hosts"] == ["a host", "Co Host"]  # never from the address
    assert "@" not in response.text
    assert "private-mail" not in response.text


# -- the embed and who may frame what ------------------------------------------------------------


def test_only_the_embed_may_be_framed_by_other_sites(client, make_event):
    event = make_event(title="Framed")

    embed = client.get("/embed")
    assert embed.status_code == 200
    assert embed.headers["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert "X-Frame-Options" not in embed.headers
    assert embed.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/", page_path(event), "/feed.atom"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'"), path
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.parametrize("app_settings", [{"EMBED_FRAME_ANCESTORS": "https://partner.example"}])
def test_embed_frame_ancestors_come_from_the_setting(client):
    response = client.get("/embed")
    assert response.headers["Content-Security-Policy"].endswith("; frame-ancestors https://partner.example")
    assert client.get("/").headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'")


def test_embed_shows_only_gatherings_matching_its_filters(client, varied_events):
    assert listed_titles(client.get("/embed?kind=walk").text) == ["Other kind"]
    assert listed_titles(client.get("/embed?place=online").text) == ["Online"]
    everything = listed_titles(client.get("/embed").text)
    assert "Match" in everything
    assert "Held" not in everything
    assert "Hidden" not in everything
