"""Screenshots of the main pages, for people to look at: home, an event, propose (empty
and with errors), the month view, /me, the stewards' queue and the cancel page, on a
1280 px desktop and a 360 px phone, in light and dark (``Visitor.check`` takes them,
into test-artifacts/screenshots/shot-<page>-<mode>-<scheme>.png, after its checks)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import EventKind, EventStatus, RsvpStatus
from eventsite.moderation import report_event
from eventsite.rsvps import answer, locked_event
from tests.browser.conftest import Visitor, a_place, event_url, visit
from tests.conftest import future_local, new_event, new_person


@pytest.fixture
def shown(site):
    """Sam hosts a gathering others are going to and is a steward, with one gathering
    waiting for a steward and one reported."""
    stamp = int(utcnow().timestamp() * 1000)  # the served site's database lasts the session
    sam = new_person(f"sam.shots.{stamp}@example.org", "Sam Steward-Host", steward=True)
    place = a_place("Chapeltown")
    starts = future_local(days=5, hour=18, minute=30)
    event = new_event(
        sam, title="Walk and talk around Potternewton Park", kind=EventKind.WALK, place=place,
        starts_local=starts, venue_name="The park gates on Harehills Avenue", capacity=12,
        tags=["social-prescribing", "walking"], access_features=["step-free"],
        description="A gentle hour's walk, then tea. **Everyone welcome**, whatever your pace.",
    )  # fmt: skip
    for n in (1, 2, 3):
        guest = new_person(f"guest{n}.shots.{stamp}@example.org", f"Guest {n}")
        answer(locked_event(event.id), guest, RsvpStatus.GOING, show_name=True)
    new_event(
        sam, title="Memory café with a very long name to see how it wraps", status=EventStatus.HELD,
        place=place, starts_local=starts + timedelta(days=2), venue_name="Reginald Centre, room 4",
        address="263 Chapeltown Road, Leeds LS7 3EX", description="Songs, tea and company.",
    )  # fmt: skip
    reported = new_event(
        new_person(f"other.shots.{stamp}@example.org", "Otto Other"), title="Cheap watches",
        place=place, starts_local=starts + timedelta(days=1),
    )  # fmt: skip
    report_event(reported, sam, "This looks like an advert, not a gathering.")
    db.session.commit()
    return {
        "email": sam.email,
        "event": event_url(event),
        "cancel": f"/events/{event.id}/cancel",
        "month": f"/calendar/{starts.year}/{starts.month}",
    }


@pytest.mark.parametrize("mode", ["desktop", "phone"])
def test_screenshots_of_the_main_pages(browser, base_url, mailbox, shown, mode):
    visitor = Visitor(browser, base_url, mode)
    page = visitor.page
    try:
        for path, name in [("/", "home"), (shown["event"], "event"), ("/events/new", "propose")]:
            visit(page, path)
            visitor.check(f"shot-{name}")
        page.get_by_role("button", name="Propose").click()
        expect(page.locator(".error-summary")).to_be_visible()
        visitor.check("shot-propose-errors")
        visit(page, shown["month"])
        expect(page.locator(".month-event").first).to_be_visible()
        visitor.check("shot-month")

        visitor.sign_in(shown["email"], mailbox)
        for path, name in [("/me/", "me"), ("/stewards/", "stewards-queue"), (shown["cancel"], "cancel")]:
            visit(page, path)
            visitor.check(f"shot-{name}")
        expect(page.get_by_role("button", name="Cancel the gathering")).to_be_visible()
    finally:
        visitor.context.close()
