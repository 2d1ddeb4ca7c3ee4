"""The list's filters: on a phone folded behind "Filter" so the first gatherings are in
sight, open while a filter is on, and working without JavaScript; always shown on wider
screens; and the address they make leaves the empty fields out."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.models import EventKind
from tests.browser.conftest import PHONE, Visitor, a_place, visit
from tests.conftest import new_event, new_person


@pytest.fixture
def gatherings(site):
    """A workshop and a walk, soon, with a tag of their own (the site's database is shared)."""
    stamp = f"{utcnow().timestamp():.6f}".replace(".", "")
    host = new_person(f"filters-host.{stamp}@example.org", "Fi Host")
    place = a_place("Headingley")
    soon = utcnow().date() + timedelta(days=3)
    made = {"tag": f"folded-{stamp}", "workshop": f"Folded workshop {stamp}", "walk": f"Folded walk {stamp}"}
    for hour, kind in ((10, EventKind.WORKSHOP), (15, EventKind.WALK)):
        starts = datetime(soon.year, soon.month, soon.day, hour)
        new_event(host, title=made[kind.value], kind=kind, tags=[made["tag"]], place=place, starts_local=starts)
    return made


def navigations(page) -> list[int]:
    """The status of each page load from now on (a redirect shows as its own 302)."""
    statuses: list[int] = []

    def note(response) -> None:
        if response.request.is_navigation_request():
            statuses.append(response.status)

    page.on("response", note)
    return statuses


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_phone_folds_the_filters_until_asked_and_opens_them_while_one_is_on(browser, base_url, gatherings, js):
    if js:
        visitor = Visitor(browser, base_url, "phone")
        context, page = visitor.context, visitor.page
    else:  # a phone without JavaScript: the native disclosure and the server's redirect do it all
        context = browser.new_context(base_url=base_url, viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
    try:
        visit(page, "/")
        toggle = page.locator("summary", has_text="Filter")
        kind = page.get_by_label("Kind")

        # Folded: the first gathering is on the first screen, the form is not.
        expect(toggle).to_be_visible()
        expect(kind).to_be_hidden()
        expect(page.locator(".event-card h3").first).to_be_in_viewport(ratio=1)
        expect(page.get_by_text("Anyone can propose a gathering.")).to_be_in_viewport()
        if js:
            visitor.check("home-phone-folded")

        # Pressing "Filter" shows the form.
        toggle.click()
        expect(kind).to_be_visible()
        expect(page.get_by_role("button", name="Apply filters")).to_be_visible()

        # Filtering: a short address (without JavaScript the server redirects to it), and the
        # filters stay open to show what is on.
        statuses = navigations(page)
        kind.select_option(label="Workshop")
        page.get_by_label("Tag", exact=True).fill(gatherings["tag"])
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(f"{base_url}/?kind=workshop&tag={gatherings['tag']}")
        assert statuses == ([200] if js else [302, 200]), statuses
        expect(page.get_by_role("heading", name=gatherings["workshop"])).to_be_visible()
        expect(page.get_by_role("heading", name=gatherings["walk"])).to_have_count(0)
        expect(kind).to_be_visible()
        expect(kind).to_have_value("workshop")
        if js:
            visitor.check("home-phone-filtered")

        # A shared filtered link opens with its filters shown too; "Clear filters" folds them again.
        visit(page, f"/?tag={gatherings['tag']}")
        expect(page.get_by_label("Tag", exact=True)).to_be_visible()
        page.get_by_role("link", name="Clear filters").click()
        expect(page).to_have_url(f"{base_url}/")
        expect(kind).to_be_hidden()
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_wide_screens_always_show_the_filters(browser, base_url, gatherings, js):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800}, java_script_enabled=js)
    page = context.new_page()
    try:
        visit(page, "/")
        expect(page.get_by_label("Kind")).to_be_visible()
        expect(page.get_by_label("From", exact=True)).to_be_visible()
        expect(page.locator("summary", has_text="Filter")).to_be_hidden()  # nothing to unfold

        page.get_by_label("Kind").select_option(label="Walk")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(f"{base_url}/?kind=walk")
        expect(page.get_by_label("Kind")).to_have_value("walk")
    finally:
        context.close()
