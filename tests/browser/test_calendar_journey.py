"""Getting gatherings into a calendar, as a visitor does it: the subscribe links on
the list (filtered or not), copying the address, the month view, the links on an
event page, and the personal feed on /me."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

from icalendar import Calendar
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import EventKind, RsvpStatus
from eventsite.rsvps import answer, locked_event
from tests.browser.conftest import a_place, visit
from tests.conftest import new_event, new_person


def _feed(visitor, url: str) -> Calendar:
    response = visitor.page.request.get(url)
    assert response.status == 200, url
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.body())


def _summaries(calendar: Calendar) -> set[str]:
    return {str(component["SUMMARY"]) for component in calendar.walk("VEVENT")}


def _starts(calendar: Calendar, summary: str) -> datetime:
    for component in calendar.walk("VEVENT"):
        if str(component["SUMMARY"]) == summary:
            return component.decoded("DTSTART").astimezone(UTC)
    raise AssertionError(f"{summary!r} is not in the feed")


def _next_month(today):
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_subscribe_links_month_view_and_event_links(site, people, base_url):
    mode = people.mode
    place = a_place("Holbeck")
    host = new_person(f"cal-host.{mode}@example.org", "Cal Host")
    day = _next_month(utcnow().date()) + timedelta(days=9)
    workshop_title = f"Frailty workshop ({mode})"
    walk_title = f"Walk and talk ({mode})"
    at = datetime(day.year, day.month, day.day, 14)
    workshop = new_event(host, title=workshop_title, starts_local=at, kind=EventKind.WORKSHOP, place=place)
    at = datetime(day.year, day.month, day.day, 10, 30)
    new_event(host, title=walk_title, starts_local=at, kind=EventKind.WALK, place=place)
    workshop_starts = workshop.starts_at

    visitor = people()
    page = visitor.page
    visit(page, "/")

    # The whole list: webcal for Apple and Thunderbird, Google's link, and the address itself.
    subscribe = page.get_by_role("region", name="Subscribe in your calendar")
    feed = f"{base_url}/calendar.ics"
    webcal = "webcal://" + feed.split("://", 1)[1]
    expect(subscribe.get_by_role("link", name="Apple Calendar, Thunderbird, Outlook (desktop)")).to_have_attribute(
        "href", webcal
    )
    expect(subscribe.get_by_role("link", name="Google Calendar")).to_have_attribute(
        "href", "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    )
    address = subscribe.get_by_label("Or copy this address")
    expect(address).to_have_value(feed)
    assert {workshop_title, walk_title} <= _summaries(_feed(visitor, feed))

    copy = subscribe.get_by_role("button", name="Copy")
    if visitor.js:
        visitor.context.grant_permissions(["clipboard-read", "clipboard-write"])
        copy.click()
        expect(subscribe.get_by_role("status")).to_contain_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == feed
    else:
        expect(copy).to_be_hidden()  # it needs JavaScript, so it is not offered without

    # Filtered to workshops: the subscribe links follow the filter. (On a phone the
    # filters are folded behind "Filter"; the address leaves the empty fields out.)
    if mode == "phone":
        page.locator("summary", has_text="Filter").click()
    page.get_by_label("Kind").select_option(label="Workshop")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{base_url}/?kind=workshop")
    subscribe = page.get_by_role("region", name="Subscribe to these gatherings")
    workshops_feed = subscribe.get_by_label("Or copy this address").input_value()
    assert urlsplit(workshops_feed).path == "/calendar.ics"
    assert parse_qs(urlsplit(workshops_feed).query) == {"kind": ["workshop"]}
    summaries = _summaries(_feed(visitor, workshops_feed))
    assert workshop_title in summaries
    assert walk_title not in summaries
    visitor.check("home-filtered")

    # The month view: dates in text as well as in the grid.
    page.get_by_role("link", name="See them on a month calendar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gatherings in")
    page.get_by_role("link", name=day.strftime("%B %Y")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gatherings in {day.strftime('%B %Y')}")
    entry = page.get_by_role("link", name=f"14:00 {workshop_title}")
    expect(entry).to_be_visible()
    expect(page.get_by_role("link", name=f"10:30 {walk_title}")).to_have_count(0)  # still filtered to workshops
    cell = page.locator("td", has=entry)
    expect(cell.locator("time")).to_have_attribute("datetime", day.isoformat())
    if mode == "phone":  # the grid becomes a list of dated days
        expect(cell.get_by_text(day.strftime("%A %-d %B"))).to_be_visible()
    visitor.check("month")

    # The event page: add to Google or Outlook, or download the .ics.
    entry.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(workshop_title)
    google = urlsplit(page.get_by_role("link", name="Add to Google Calendar").get_attribute("href"))
    query = parse_qs(google.query)
    assert google.netloc == "calendar.google.com"
    assert query["text"] == [workshop_title]
    stamp = workshop_starts.strftime("%Y%m%dT%H%M%SZ")
    assert query["dates"][0].startswith(stamp + "/")
    outlook = page.get_by_role("link", name="Add to Outlook").get_attribute("href")
    assert "outlook" in urlsplit(outlook).netloc
    ics = page.get_by_role("link", name="Download for any calendar (.ics)").get_attribute("href")
    assert _starts(_feed(visitor, ics), workshop_title) == workshop_starts.replace(tzinfo=UTC)


def test_personal_feed_on_my_page(site, people, mailbox, base_url):
    mode = people.mode
    host = new_person(f"feed-host.{mode}@example.org", "Fay Host")
    me = new_person(f"feed-me.{mode}@example.org", "Mo Member")
    soon = utcnow().date() + timedelta(days=5)
    title = f"Carers' coffee ({mode})"
    other = f"Not for Mo ({mode})"
    event = new_event(host, title=title, starts_local=datetime(soon.year, soon.month, soon.day, 11))
    new_event(host, title=other, starts_local=datetime(soon.year, soon.month, soon.day, 15))
    answer(locked_event(event.id), me, RsvpStatus.GOING)
    db.session.commit()
    email = me.email

    mo = people()
    mo.sign_in(email, mailbox)
    mo.page.get_by_role("link", name="My gatherings").click()
    expect(mo.page.get_by_role("heading", level=1)).to_be_visible()
    expect(mo.page.get_by_role("link", name=title)).to_be_visible()
    mo.check("me")
    mine = mo.page.locator("section.subscribe").get_by_label("Or copy this address").input_value()
    assert urlsplit(mine).path.startswith("/feeds/")
    personal = _feed(mo, mine)
    assert title in _summaries(personal)
    assert other not in _summaries(personal)

    # A new link: the old one stops working.
    mo.page.get_by_role("button", name="Make a new link").click()
    renewed = mo.page.locator("section.subscribe").get_by_label("Or copy this address").input_value()
    assert renewed != mine
    assert mo.page.request.get(mine).status == 404
    assert title in _summaries(_feed(mo, renewed))
