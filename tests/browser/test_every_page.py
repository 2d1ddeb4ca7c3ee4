"""axe finds nothing on the pages the journeys do not pass through: forms with
their errors, a guest's answer waiting for the email and the link's pages, an
invitation to host, hosts' and stewards' pages (removing an answer), a cancelled
gathering, the embed and the error pages, on a desktop and a phone, in light and dark."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.events import cancel_event
from eventsite.extensions import db
from eventsite.hosting import add_cohost
from eventsite.mail import deliver
from eventsite.models import EventKind, RsvpStatus
from eventsite.rsvps import answer, locked_event
from tests.browser.conftest import Visitor, a_place, visit, wait_for_link
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
    invitee = f"invitee.{stamp}@example.org"  # nobody yet, so the invitation asks for a name
    add_cohost(locked_event(event.id), host, invitee)
    db.session.commit()
    deliver()
    return {
        "event": f"/events/{event.id}",
        "title": event.title,
        "cancelled": f"/events/{cancelled.id}",
        "host": host.email,
        "steward": steward.email,
        "guest": f"guest.{stamp}@example.org",
        "removed": guests[0].email,
        "invitee": invitee,
    }


@pytest.mark.parametrize("mode", ["desktop", "phone"])
def test_every_other_page_passes_axe(browser, base_url, mailbox, hosted, mode):
    visitor = Visitor(browser, base_url, mode)
    page = visitor.page
    try:
        for path, name, status in [
            (hosted["event"], "event-full", 200),
            (hosted["cancelled"], "event-cancelled", 200),
            ("/sign-in", "sign-in", 200),
            ("/calendar", "calendar", 200),
            ("/embed", "embed", 200),
            (hosted["event"] + "/report", "report", 200),
            ("/links/not-a-real-link", "link-invalid", 410),
            ("/no-such-page", "not-found", 404),
        ]:
            visit(page, path, status)
            visitor.check(name)
        visit(page, "/sign-in")
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.locator("#email-error")).to_be_visible()
        visitor.check("sign-in-errors")

        # A guest's answer waits for the email; the link's page confirms it, once.
        title = hosted["title"]
        visit(page, hosted["event"])
        visitor.answer_as_guest("Gus Guest", hosted["guest"])
        visitor.check("event-check-email")
        visitor.open_answer_link(mailbox, hosted["guest"], title)
        visitor.check("answer-confirm")
        link = page.url
        page.get_by_role("button", name="Confirm my answer").click()
        expect(page.locator(".my-answer")).to_have_text(
            "You're number 1 on the waitlist: we'll email you if a place comes up."
        )
        visit(page, link, 410)
        expect(page.get_by_role("heading", level=1)).to_have_text("That link cannot be used")
        visitor.check("answer-link-used")

        # An invitation to host, for someone without a name yet: it asks for one.
        visit(page, wait_for_link(mailbox, hosted["invitee"], "/invitations/"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Host “{title}”?")
        expect(page.get_by_label("Your name")).to_be_visible()
        expect(page.get_by_role("button", name="Decline")).to_be_visible()
        visitor.check("invitation")
        visit(page, "/invitations/not-a-real-invitation", 410)
        visitor.check("invitation-invalid")

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
            visit(page, path)
            if name == "hosts":
                invited = page.get_by_role("region", name="Invited, not answered yet")
                expect(invited).to_contain_text(hosted["invitee"])
                expect(invited.get_by_role("button", name="Withdraw the invitation")).to_be_visible()
            elif name == "me-hosting":
                expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
            visitor.check(name)
        visit(page, hosted["event"] + "/edit")
        page.get_by_label("Title").fill("")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#title-error")).to_be_visible()
        visitor.check("edit-errors")

        # A host removes an answer: its place goes to the guest at the head of the waitlist.
        visit(page, hosted["event"] + "/attendees")
        page.get_by_role("link", name="Remove the answer of Person 1").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Remove this answer to “{title}”?")
        visitor.check("remove-answer")
        page.get_by_label("Why (optional)").fill("A duplicate of another answer.")
        page.get_by_role("button", name="Remove the answer").click()
        expect(page.get_by_text("The answer is removed, and the person has been told.")).to_be_visible()
        expect(page.get_by_role("cell", name="Person 1", exact=True)).to_have_count(0)
        assert mailbox.last_to(hosted["removed"])["Subject"] == f"A host removed your answer: {title}"
        assert mailbox.last_to(hosted["guest"])["Subject"] == f"A place came up for you: {title}"
        page.get_by_role("button", name="Sign out").click()

        visitor.sign_in(hosted["steward"], mailbox)
        for path, name in [("/stewards/", "stewards-queue"), ("/stewards/places", "stewards-places")]:
            visit(page, path)
            visitor.check(name)
    finally:
        visitor.context.close()
