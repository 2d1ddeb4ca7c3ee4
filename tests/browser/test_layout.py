"""Every main page reflows: nothing scrolls sideways on a 320 px phone or at 200 %
zoom on a laptop (WCAG 1.4.10), even with a long unbroken word in a title, and the
kind of each gathering shows as an icon plus its name."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.models import EventKind
from tests.browser.conftest import a_place, screenshot
from tests.conftest import new_event, new_person

LONG_WORD = "Co-production" + "x" * 60
SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True},
    # A 1280 x 800 laptop at 200 % zoom lays out as 640 x 400 CSS pixels.
    "zoom-200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}


@pytest.fixture
def crowded_event(site):
    host = new_person(f"layout.{utcnow().timestamp()}@example.org", "Lay Out")
    day = utcnow().date() + timedelta(days=3)
    event = new_event(
        host,
        title=f"{LONG_WORD} and a very long title about frailty, housing and everything else",
        starts_local=datetime(day.year, day.month, day.day, 19),
        kind=EventKind.CINEMA_CLUB,
        place=a_place("Seacroft"),
        venue_name="Hyde Park Picture House, the upstairs room at the back",
        address="73 Brudenell Road, Leeds LS6 1JD",
        tags=["frailty", "zero-suicide", "social-prescribing"],
        description=f"A link: https://example.org/{'a' * 80} and {LONG_WORD}.",
    )
    return f"/events/{event.id}/{event.slug}"


@pytest.mark.parametrize("size", list(SIZES))
def test_pages_reflow_without_sideways_scrolling(browser, base_url, crowded_event, size):
    context = browser.new_context(base_url=base_url, **SIZES[size])
    refused = []  # anything the Content-Security-Policy blocked, as Visitor notes it
    context.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page = context.new_page()
    try:
        for path in ["/", crowded_event, "/events/new", "/calendar", "/sign-in", "/embed"]:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {size}"
            name = "-".join(path.strip("/").split("/")[:2]) or "home"
            screenshot(page, f"reflow-{name}-{size}")
        assert not refused, refused
    finally:
        context.close()


def test_kind_shows_an_icon_and_its_name(page, crowded_event):
    page.goto("/")
    badge = page.locator(".event-card", has_text=LONG_WORD).first.locator(".kind-badge")
    expect(badge).to_have_text("Cinema club")
    expect(badge.locator("svg.icon")).to_have_attribute("aria-hidden", "true")
    box = badge.locator("svg.icon").bounding_box()
    assert box is not None
    assert box["width"] >= 12, "the icon is drawn"
    colour = badge.evaluate("element => getComputedStyle(element).color")
    assert colour != page.locator("body").evaluate("element => getComputedStyle(element).color")


def test_keyboard_reaches_the_content_with_a_visible_focus(page):
    page.goto("/events/new")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0, "the skip link comes into view when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Title")).to_be_focused()  # the first field, past the header
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused field shows where focus is"
