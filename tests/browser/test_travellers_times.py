"""Times for travellers: a gathering's page gives its time in the gathering's zone and,
where the visitor's browser keeps another clock then, in theirs too (site.js); in the
same zone, or a zone with the same offset, or without JavaScript, the page stays as it is."""

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from tests.browser.conftest import MODES, Visitor, a_place, event_url, visit
from tests.conftest import future_local, new_event, new_person


@pytest.fixture
def evening(site):
    """A gathering from 19:00 to 21:00 in London, five days ahead."""
    host = new_person(f"traveller.host.{utcnow().timestamp()}@example.org", "Tess Host")
    return new_event(host, title="An evening in London", place=a_place(), starts_local=future_local(days=5, hour=19))


def traveller(browser, base_url, zone: str, mode: str = "desktop") -> Visitor:
    """Someone whose browser keeps ``zone``'s clock (a Visitor's own is London's)."""
    visitor = Visitor(browser, base_url, mode)
    visitor.context.close()
    visitor.context = browser.new_context(
        base_url=base_url, reduced_motion="reduce", locale="en-GB", timezone_id=zone, **MODES[mode]
    )
    visitor.context.on("console", visitor._note_csp_violation)
    visitor.page = visitor.context.new_page()
    return visitor


def when_of(page):
    return page.locator(".facts dt", has_text="When").locator("xpath=following-sibling::dd[1]")


def range_in(zone: str, event, with_day: bool = False) -> re.Pattern:
    """The visitor's time as site.js writes it in English: "14:00–16:00 your time"."""
    starts, ends = (moment.astimezone(ZoneInfo(zone)) for moment in (event.starts_at, event.ends_at))
    day = f"{starts:%a} {starts.day} {starts:%b}, " if with_day else ""
    return re.compile(rf"^{day}{starts:%H:%M}\s*–\s*{ends:%H:%M} your time$")


@pytest.mark.parametrize("mode", ["desktop", "phone"])
def test_a_visitor_in_another_zone_also_sees_the_time_in_theirs(browser, base_url, evening, mode):
    visitor = traveller(browser, base_url, "America/New_York", mode)
    try:
        visit(visitor.page, event_url(evening))
        when = when_of(visitor.page)
        expect(when.locator(".your-time")).to_have_text(range_in("America/New_York", evening))
        expect(when.locator("time")).to_have_attribute("datetime", evening.starts_at.isoformat())
        expect(when).to_contain_text("19:00 – 21:00")  # the gathering's own time stays first
        visitor.check("travellers-new-york")
    finally:
        visitor.context.close()


def test_the_day_shows_when_it_is_another_day_for_the_visitor(browser, base_url, evening):
    visitor = traveller(browser, base_url, "Asia/Tokyo")
    try:
        visit(visitor.page, event_url(evening))
        expect(when_of(visitor.page).locator(".your-time")).to_have_text(range_in("Asia/Tokyo", evening, with_day=True))
    finally:
        visitor.context.close()


@pytest.mark.parametrize("zone", ["Europe/London", "Europe/Lisbon"])  # Lisbon keeps London's clock all year
def test_nothing_is_added_where_the_clocks_agree(browser, base_url, evening, zone):
    visitor = traveller(browser, base_url, zone)
    try:
        visit(visitor.page, event_url(evening))
        expect(visitor.page.locator(".your-time")).to_have_count(0)
        expect(when_of(visitor.page)).to_have_text(_london_time(evening))
    finally:
        visitor.context.close()


def test_nothing_is_added_without_javascript(browser, base_url, evening):
    visitor = traveller(browser, base_url, "America/New_York", "no-js")
    try:
        visit(visitor.page, event_url(evening))
        expect(when_of(visitor.page)).to_have_text(_london_time(evening))
        expect(visitor.page.locator(".your-time")).to_have_count(0)
    finally:
        visitor.context.close()


def _london_time(event) -> str:
    """The time the server writes: "Mon 7 Dec 2026, 19:00 – 21:00 (GMT, Europe/London)"."""
    starts = event.local_start
    return f"{starts:%a} {starts.day} {starts:%b %Y}, 19:00 – 21:00 ({starts.tzname()}, Europe/London)"
