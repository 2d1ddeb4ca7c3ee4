"""axe finds nothing on the pages the journeys do not pass through: forms with
their errors, hosts' and stewards' pages, a cancelled gathering, the embed and
the error pages, on a desktop and a phone, in light and dark."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.events import cancel_event
from eventsite.extensions import db
from eventsite.models import EventKind, RsvpStatus
from eventsite.rsvps import answer, locked_event
from tests.browser.conftest import Visitor, a_place
from tests.conftest import new_event, new_person


@pytest.fixture
def hosted(site):
    """A gathering with a host, a steward, and two people going; and a cancelled one."""
    stamp = int(utcnow().timestamp() * 1000)
    host = new_person(f"host.{stamp}@example.org", "Hana Host")
    steward = new_person(f"steward.{stamp}@example.org", "Sam", steward=True)
    guests = [new_person(f"p{i}.{stamp}@example.org", f"Person {i}") for i in (1, 2)]
    day = utcnow().date() + timedelta(days=4)

    def publish(title):
        starts = datetime(day.year, day.month, day.day, 10)
        return new_event(
            host, title=title, starts_local=starts, kind=EventKind.WORKSHOP, place=a_place("Beeston"),
            venue_name="St Luke's Church Hall", capacity=2, min_going=2, access_features=["step-free"],
        )  # fmt: skip

    event = publish(f"Dementia-friendly spaces {stamp}")
    for person in guests:
        answer(locked_event(event.id), person, RsvpStatus.GOING, show_name=True)
    cancelled = publish(f"Called off {stamp}")
    cancel_event(locked_event(cancelled.id), host, "The hall flooded, sorry.")
    db.session.commit()
    return {
        "event": f"/events/{event.id}",
        "cancelled": f"/events/{cancelled.id}",
        "host": host.email,
        "steward": steward.email,
    }


@pytest.mark.parametrize("mode", ["desktop", "phone"])
def test_every_other_page_passes_axe(browser, base_url, mailbox, hosted, mode):
    visitor = Visitor(browser, base_url, mode)
    page = visitor.page
    try:
        for path, name in [
            (hosted["event"], "event-full"),
            (hosted["cancelled"], "event-cancelled"),
            ("/sign-in", "sign-in"),
            ("/calendar", "calendar"),
            ("/embed", "embed"),
            (hosted["event"] + "/report", "report"),
            ("/links/not-a-real-link", "link-invalid"),
            ("/no-such-page", "not-found"),
        ]:
            page.goto(path)
            visitor.check(name)
        page.goto("/sign-in")
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.locator("#email-error")).to_be_visible()
        visitor.check("sign-in-errors")

        visitor.sign_in(hosted["host"], mailbox)
        for path, name in [
            (hosted["event"], "event-as-host"),
            (hosted["event"] + "/edit", "edit"),
            (hosted["event"] + "/hosts", "hosts"),
            (hosted["event"] + "/attendees", "attendees"),
            (hosted["event"] + "/cancel", "cancel"),
            ("/me/", "me-hosting"),
            ("/me/delete", "delete-account"),
        ]:
            page.goto(path)
            visitor.check(name)
        page.goto(hosted["event"] + "/edit")
        page.get_by_label("Title").fill("")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#title-error")).to_be_visible()
        visitor.check("edit-errors")
        page.get_by_role("button", name="Sign out").click()

        visitor.sign_in(hosted["steward"], mailbox)
        for path, name in [("/stewards/", "stewards-queue"), ("/stewards/places", "stewards-places")]:
            page.goto(path)
            visitor.check(name)
    finally:
        visitor.context.close()
