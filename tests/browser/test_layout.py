"""Every main page reflows: nothing scrolls sideways on a 320 px phone or at 200 %
zoom on a laptop (WCAG 1.4.10), even with a long unbroken word in a title, and the
kind of each gathering shows as an icon plus its name. A short page shows no band
of another colour below its footer, and text keeps off the edges of its cards."""

import zlib
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.models import EventKind, EventStatus
from tests.browser.conftest import Visitor, a_place, event_url, faint_buttons, screenshot, unlabelled_fields, visit
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
    return event_url(event)


@pytest.mark.parametrize("size", list(SIZES))
def test_pages_reflow_without_sideways_scrolling(browser, base_url, crowded_event, size):
    context = browser.new_context(base_url=base_url, **SIZES[size])
    refused = []  # anything the Content-Security-Policy blocked, as Visitor notes it
    context.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page = context.new_page()
    try:
        pages = [("/", "home"), (crowded_event, "event"), ("/events/new", "propose"), ("/calendar", "calendar"),
                 ("/sign-in", "sign-in"), ("/embed", "embed")]  # fmt: skip
        for path, name in pages:
            visit(page, path)
            if name == "event":
                expect(page.get_by_role("heading", level=1)).to_contain_text(LONG_WORD)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {size}"
            screenshot(page, f"reflow-{name}-{size}")
        assert not refused, refused
    finally:
        context.close()


def test_kind_shows_an_icon_and_its_name(page, crowded_event):
    visit(page, "/")
    badge = page.locator(".event-card", has_text=LONG_WORD).first.locator(".kind-badge")
    expect(badge).to_have_text("Cinema club")
    expect(badge.locator("svg.icon")).to_have_attribute("aria-hidden", "true")
    box = badge.locator("svg.icon").bounding_box()
    assert box is not None
    assert box["width"] >= 12, "the icon is drawn"
    colour = badge.evaluate("element => getComputedStyle(element).color")
    assert colour != page.locator("body").evaluate("element => getComputedStyle(element).color")


def test_keyboard_reaches_the_content_with_a_visible_focus(page):
    visit(page, "/events/new")
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


def test_a_short_page_has_no_band_of_another_colour_below_the_footer(page):
    """In light mode the page's colour reaches the bottom of the window, under the footer too."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    visit(page, "/sign-in")
    footer = page.locator(".site-footer").bounding_box()
    assert footer is not None
    below = footer["y"] + footer["height"] + 20
    assert below < 790, "the page is short enough to leave room below the footer"
    html, body = page.evaluate(
        "[document.documentElement, document.body].map(e => getComputedStyle(e).backgroundColor)"
    )
    assert html == body
    pixel = _pixel(page.screenshot(clip={"x": 640, "y": below, "width": 1, "height": 1}))
    assert pixel == _rgb(body), f"below the footer is {pixel}, the page is {body}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_text_in_a_stewards_card_keeps_off_its_edges(browser, base_url, mailbox, site, size):
    steward = new_person(f"inset.steward.{size}.{utcnow().timestamp()}@example.org", "Sam Inset", steward=True)
    new_event(steward, title=f"Held for a steward ({size})", status=EventStatus.HELD, place=a_place(),
              address="1 Long Street, Leeds LS1 1AA", description="Something to read.")  # fmt: skip
    visitor = Visitor(browser, base_url, size)
    try:
        visitor.sign_in(steward.email, mailbox)
        visit(visitor.page, "/stewards/")
        cards = visitor.page.locator(".queue-item")
        expect(cards.first).to_be_visible()
        for n in range(cards.count()):
            touching = cards.nth(n).evaluate(_TOUCHING_THE_EDGE, INSET)
            assert not touching, f"in card {n} at {size}: {touching}"
    finally:
        visitor.context.close()


def test_the_month_list_on_a_phone_keeps_text_off_the_edges_of_its_days(browser, base_url, crowded_event):
    day = utcnow().date() + timedelta(days=3)  # crowded_event's day
    visitor = Visitor(browser, base_url, "phone")
    try:
        visit(visitor.page, f"/calendar/{day.year}/{day.month}")
        days = visitor.page.locator("table.month td:has(.month-event)")
        expect(days.first).to_be_visible()
        for n in range(days.count()):
            touching = days.nth(n).evaluate(_TOUCHING_THE_EDGE, INSET)
            assert not touching, f"in day {n} of the month list: {touching}"
    finally:
        visitor.context.close()


INSET = 8  # px: the least room between a card's edge and the text in it
# The text (each line box of each text node) and the buttons in a box that come within
# ``inset`` px of its edge (or go past it).
_TOUCHING_THE_EDGE = """(box, inset) => {
    const edge = box.getBoundingClientRect(), near = [];
    const judge = (rect, what) => {
        if (!rect.width || !rect.height) return;
        const room = Math.min(
            rect.left - edge.left, edge.right - rect.right, rect.top - edge.top, edge.bottom - rect.bottom);
        if (room < inset) near.push(`${what}: ${Math.round(room)} px from the edge`);
    };
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;  // text only for screen readers is not drawn
        if (!node.textContent.trim() || !parent.checkVisibility() || parent.closest(".visually-hidden")) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) judge(rect, JSON.stringify(node.textContent.trim().slice(0, 30)));
    }
    for (const button of box.querySelectorAll("button, .button")) {
        judge(button.getBoundingClientRect(), button.textContent.trim());
    }
    return near;
}"""


def _rgb(css: str) -> tuple[int, int, int]:
    red, green, blue = (int(part) for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return red, green, blue


def _pixel(png: bytes) -> tuple[int, int, int]:
    """The colour of a 1 x 1 PNG (as Chromium writes it: 8-bit RGB or RGBA). With no pixel
    to the left or above, every PNG filter leaves the bytes as they are."""
    data, at = b"", 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            assert (body[8], body[9]) in ((8, 2), (8, 6)), "8-bit RGB or RGBA"
        elif kind == b"IDAT":
            data += body
        at += 12 + length
    red, green, blue = zlib.decompress(data)[1:4]
    return red, green, blue


# The old bug: a danger button whose text took the colour of its own background.
INVISIBLE_DANGER = """() => {
    const button = document.createElement("button");
    button.className = "danger";
    button.textContent = "Hide for good";
    document.querySelector("main").append(button);
    button.style.setProperty("color", "var(--error)");
}"""


def test_the_button_contrast_check_reports_text_the_colour_of_its_button(page):
    visit(page, "/")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        assert faint_buttons(page) == [], "the page's own buttons are fine"
    page.evaluate(INVISIBLE_DANGER)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        [report] = faint_buttons(page)
        assert report.startswith('button.danger "Hide for good": 1.00:1, needs 4.5:1'), report


def test_the_label_check_reports_a_field_nobody_could_name(page):
    visit(page, "/events/new")
    assert unlabelled_fields(page) == [], "every field of the form has its label"
    page.evaluate("""() => {
        const field = document.createElement("input");
        field.name = "nameless";
        field.placeholder = "A placeholder is not a label";
        document.querySelector("main form").append(field);
    }""")
    [report] = unlabelled_fields(page)
    assert 'name="nameless"' in report
