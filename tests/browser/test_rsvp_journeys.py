"""Answering a gathering in a real browser: a guest's answer counts once they confirm
it from the email; the one place goes to the first person, the next joins the waitlist
and is promoted (and emailed) when the first can't go; and a host moves a gathering,
and everyone going gets the updated calendar entry. In a desktop browser, on a phone, and without JavaScript."""

from datetime import UTC, timedelta

from icalendar import Calendar
from playwright.sync_api import expect

from eventsite import attendees
from eventsite.extensions import db
from eventsite.ical import event_uid
from eventsite.mail import deliver
from eventsite.models import Event, Person, RsvpStatus
from eventsite.people import find_person
from eventsite.rsvps import find_rsvp, locked_event
from eventsite.times import local_to_utc
from tests.browser.conftest import a_place, event_url, visit, wait_for_link
from tests.conftest import LONDON, future_local, new_event, new_person

WHEN = "%a %-d %b %Y, %H:%M"  # how the event page shows a start (templates/_macros.html)
FORM_TIME = "%Y-%m-%dT%H:%M"  # what a datetime-local field takes


ADDRESS = "12 Tong Road, Leeds LS12 1AA"  # shown only to people going (address_for_attendees)
ONLINE = "https://meet.example.org/supper-room"  # the link to join, likewise


def _event(title: str, host: Person, capacity: int | None = None, **fields) -> Event:
    return new_event(
        host,
        title=title,
        starts_local=future_local(days=12, hour=18, minute=30),
        place=a_place(),
        capacity=capacity,
        **fields,
    )


def _private_details_hidden(page) -> None:
    expect(page.get_by_text(ADDRESS)).to_have_count(0)
    expect(page.get_by_text(ONLINE)).to_have_count(0)
    expect(page.locator(f'a[href="{ONLINE}"]')).to_have_count(0)


def _calendar(mailbox, message) -> Calendar:
    """The one .ics attached to ``message``, parsed."""
    files = [part for part in mailbox.attachments(message) if (part.get_filename() or "").endswith(".ics")]
    assert len(files) == 1, f"expected one .ics in {message['Subject']!r}, got {len(files)}"
    assert files[0].get_content_type() == "text/calendar"
    return Calendar.from_ical(files[0].get_content())


def _vevent(calendar: Calendar):
    [vevent] = calendar.walk("VEVENT")
    return vevent


def _status_of(event: Event, email: str) -> RsvpStatus:
    """What the server saved (read after ``db.session.rollback()``)."""
    return find_rsvp(event, find_person(email)).status


def test_full_event_waitlist_then_promotion(site, people, mailbox):
    mode = people.mode
    site.config["MODERATION"] = "open"  # the site fixture puts it back
    title = f"Supper for one more ({mode})"
    host = new_person(f"supper.host.{mode}@example.org", "Hana Host")
    event = _event(title, host, capacity=1, address=ADDRESS, address_for_attendees=True, online_url=ONLINE)
    page_url = event_url(event)
    ada_email, ben_email = f"ada.{mode}@example.org", f"ben.{mode}@example.org"

    # Ada, not signed in, asks for the one place: it is held while she confirms by email.
    ada = people()
    page = ada.page
    visit(page, page_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".facts")).to_contain_text("0 going of 1 place (1 left)")
    expect(page.locator(".facts .full")).to_have_count(0)
    ada.check("rsvp-event-open")
    ada.answer_as_guest("Ada Answer", ada_email)
    expect(page.locator(".facts")).to_contain_text("0 going of 1 place, 1 place held for people confirming by email")
    expect(page.get_by_text("We'll show the exact address once you confirm your answer.")).to_be_visible()
    _private_details_hidden(page)
    ada.check("rsvp-event-check-email")
    asked = mailbox.last_to(ada_email)
    assert asked["Subject"] == f"Confirm your answer: {title}"
    assert "We are holding your place for 30 minutes." in mailbox.text(asked)
    db.session.rollback()  # end the test's read snapshot: the server has written since
    assert find_person(ada_email) is None, "an unconfirmed answer made a person"

    # The emailed link opens a page saying what it confirms; the button makes it count.
    ada.open_answer_link(mailbox, ada_email, title)
    expect(page.get_by_text("Your answer:")).to_contain_text(f"I'm going, as {ada_email} (Ada Answer).")
    ada.check("rsvp-answer-confirm")
    confirm_link = page.url
    page.get_by_role("button", name="Confirm my answer").click()
    answer = page.get_by_role("region", name="Are you coming?").locator(".my-answer")
    expect(answer).to_have_text("You're going.")
    expect(page.get_by_text("You're going! We've emailed you the details and a calendar entry.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("1 going of 1 place")
    expect(page.locator(".facts")).not_to_contain_text("held")
    expect(page.locator(".facts .full")).to_be_visible()
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    expect(page.get_by_role("link", name=ONLINE)).to_be_visible()
    ada.check("rsvp-event-going")
    assert page.request.get(confirm_link).status == 410, "the confirmation link works twice"

    told_ada = mailbox.last_to(ada_email)
    assert told_ada["Subject"] == f"You're going: {title}"
    calendar = _calendar(mailbox, told_ada)
    assert calendar["METHOD"] == "REQUEST"
    assert str(_vevent(calendar)["UID"]) == event_uid(event)
    assert _vevent(calendar)["STATUS"] == "CONFIRMED"
    manage_link = wait_for_link(mailbox, ada_email, "/rsvps/")

    # Someone else types Ada's address: the same "check your email" page, and nothing changes.
    eve = people()
    visit(eve.page, page_url)
    eve.answer_as_guest("Eve Else", ada_email, "Can't go")
    expect(eve.page.get_by_text("You're going.")).to_have_count(0)
    expect(eve.page.locator(".facts")).to_contain_text("1 going of 1 place")
    _private_details_hidden(eve.page)
    assert mailbox.last_to(ada_email)["Subject"] == f"Confirm your answer: {title}", "only Ada's link can change it"
    db.session.rollback()
    assert _status_of(event, ada_email) is RsvpStatus.GOING
    assert find_person(ada_email).name == "Ada Answer"
    # Even opening Ada's manage link (a forwarded email) teaches Eve's browser nothing.
    visit(eve.page, manage_link)
    expect(eve.page.get_by_role("heading", level=1)).to_have_text(f"Your answer for “{title}”")
    visit(eve.page, page_url)
    expect(eve.page.get_by_text("You're going.")).to_have_count(0)
    expect(eve.page.get_by_label("Your email")).to_be_visible()
    _private_details_hidden(eve.page)

    # Ben finds it full, says he is going anyway, and is first on the waitlist.
    ben = people()
    page = ben.page
    visit(page, page_url)
    facts = page.locator(".facts")
    expect(facts).to_contain_text("1 going of 1 place")
    expect(page.locator(".facts .full")).to_be_visible()
    waitlist_notice = page.get_by_text("It's full: if you say you're going, you join the waitlist")
    expect(waitlist_notice).to_be_visible()
    ben.check("rsvp-event-full")
    ben.answer_as_guest("Ben Waiting", ben_email)
    expect(facts).to_contain_text("1 going of 1 place")
    expect(facts).not_to_contain_text("waitlist")  # not until he confirms
    answer = ben.confirm_answer(mailbox, ben_email, title)
    expect(answer).to_have_text("You're number 1 on the waitlist: we'll email you if a place comes up.")
    expect(page.get_by_text("It's full, so you're number 1 on the waitlist.")).to_be_visible()
    expect(facts).to_contain_text("1 going of 1 place, 1 on the waitlist")
    expect(waitlist_notice).to_have_count(0)
    _private_details_hidden(page)  # for people going only
    ben.check("rsvp-event-waitlisted")

    told_ben = mailbox.last_to(ben_email)
    assert told_ben["Subject"] == f"You're on the waitlist: {title}"
    assert "you're number 1 on the waitlist" in mailbox.text(told_ben)
    assert _vevent(_calendar(mailbox, told_ben))["STATUS"] == "TENTATIVE"
    db.session.rollback()  # end the test's read snapshot: the server has written since
    assert _status_of(event, ada_email) is RsvpStatus.GOING
    assert _status_of(event, ben_email) is RsvpStatus.WAITLISTED

    # Ada opens the link from her email: a page with buttons; opening it changes nothing.
    mail_count = len(mailbox.messages)
    page = ada.page
    visit(page, manage_link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your answer for “{title}”")
    expect(page.get_by_role("status")).to_have_text("You're going.")
    for button in ("I'm going", "Maybe", "Can't go"):
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
    ada.check("rsvp-manage")
    db.session.rollback()
    assert _status_of(event, ada_email) is RsvpStatus.GOING
    assert _status_of(event, ben_email) is RsvpStatus.WAITLISTED
    assert len(mailbox.messages) == mail_count, "opening the link sent mail"

    page.get_by_role("button", name="Can't go").click()
    expect(page.get_by_text("You said you can't go.", exact=True)).to_be_visible()
    expect(page.get_by_text("Noted: you can't go. Thanks for letting the hosts know.")).to_be_visible()
    ada.check("rsvp-manage-changed")

    # Her calendar entry is withdrawn, and the place goes to Ben, who is told.
    told_ada = mailbox.last_to(ada_email)
    assert told_ada["Subject"] == f"You can't go: {title}"
    assert _calendar(mailbox, told_ada)["METHOD"] == "CANCEL"
    promoted = mailbox.last_to(ben_email)
    assert promoted["Subject"] == f"A place came up for you: {title}"
    assert "a place came up and it's yours" in mailbox.text(promoted)
    calendar = _calendar(mailbox, promoted)
    assert calendar["METHOD"] == "REQUEST"
    assert _vevent(calendar)["STATUS"] == "CONFIRMED"
    assert any("/rsvps/" in link for link in mailbox.links(promoted)), "the promotion email has a manage link"
    db.session.rollback()
    assert _status_of(event, ada_email) is RsvpStatus.NOT_GOING
    assert _status_of(event, ben_email) is RsvpStatus.GOING

    # Ben's page, reloaded, says he is going.
    page = ben.page
    page.reload()
    answer = page.get_by_role("region", name="Are you coming?").locator(".my-answer")
    expect(answer).to_have_text("You're going.")
    expect(facts).to_contain_text("1 going of 1 place")
    expect(facts).not_to_contain_text("waitlist")
    expect(page.locator(".facts .full")).to_be_visible()
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    ben.check("rsvp-event-promoted")

    # Ada's browser has proven her address: on another gathering her answer counts at once.
    other_title = f"Second supper ({mode})"
    other = _event(other_title, host)
    page = ada.page
    visit(page, event_url(other))
    page.get_by_label("Your name").fill("Ada Answer")
    page.get_by_label("Your email").fill(ada_email)
    page.get_by_role("button", name="Maybe").click()
    expect(page.get_by_role("region", name="Are you coming?").locator(".my-answer")).to_have_text("You said maybe.")
    expect(page.get_by_text("Noted: maybe. We've emailed you a link to change your answer.")).to_be_visible()
    assert mailbox.last_to(ada_email)["Subject"] == f"You might go: {other_title}"
    db.session.rollback()
    assert _status_of(other, ada_email) is RsvpStatus.MAYBE


def test_host_edits_time_and_attendees_are_emailed(site, people, mailbox):
    mode = people.mode
    site.config["MODERATION"] = "open"  # the site fixture puts it back
    host_email = f"walk.host.{mode}@example.org"
    title = f"Walk and talk by the canal ({mode})"
    event = _event(title, new_person(host_email, "Hana Host"))
    going = [new_person(f"cy.{mode}@example.org", "Cy Going"), new_person(f"di.{mode}@example.org", "Di Going")]
    for person in going:
        attendees.respond(locked_event(event.id), person, RsvpStatus.GOING)
        db.session.commit()
    deliver()  # their answers' emails, with the calendar entry as it stands now
    old_start, old_end, old_sequence = event.starts_at, event.ends_at, event.sequence
    first_entries = {person.email: _vevent(_calendar(mailbox, mailbox.last_to(person.email))) for person in going}
    for entry in first_entries.values():
        assert entry.decoded("DTSTART").astimezone(UTC) == old_start

    old_local = old_start.astimezone(LONDON)
    new_start = future_local(days=13, hour=19, minute=15)  # the next day, later in the evening
    new_end = new_start + timedelta(hours=2)

    hana = people()
    hana.sign_in(host_email, mailbox)
    page = hana.page
    visit(page, event_url(event))
    expect(page.get_by_text(old_local.strftime(WHEN), exact=True)).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit “{title}”")
    starts, ends = page.get_by_label("Starts", exact=True), page.get_by_label("Ends", exact=True)
    expect(starts).to_have_value(old_local.strftime(FORM_TIME))
    hana.check("host-edit")

    # An end before the start: the message is beside the field, what was typed stays, nothing is saved.
    starts.fill(new_start.strftime(FORM_TIME))
    ends.fill((new_start - timedelta(hours=1)).strftime(FORM_TIME))
    page.get_by_role("button", name="Save changes").click()
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("link", name="Ends:")).to_be_visible()
    if hana.js:
        expect(summary).to_be_focused()
    expect(page.locator("#ends_at-error")).to_have_text("The end must be after the start.")
    expect(ends).to_have_attribute("aria-invalid", "true")
    expect(ends).to_have_attribute("aria-describedby", "ends_at-hint ends_at-error")
    expect(starts).to_have_value(new_start.strftime(FORM_TIME))
    hana.check("host-edit-errors")
    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert (event.starts_at, event.ends_at, event.sequence) == (old_start, old_end, old_sequence)
    assert not [m for m in mailbox.messages if m["Subject"] == f"Changed: {title}"]

    ends.fill(new_end.strftime(FORM_TIME))
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert event.starts_at == local_to_utc(new_start, LONDON)
    assert event.ends_at == local_to_utc(new_end, LONDON)
    assert event.sequence > old_sequence
    shown = page.get_by_text(new_start.strftime(WHEN), exact=True)
    expect(shown).to_be_visible()
    expect(shown).to_have_attribute("datetime", event.starts_at.isoformat())
    expect(page.get_by_text(old_local.strftime(WHEN), exact=True)).to_have_count(0)
    hana.check("host-event-moved")

    # Everyone going is told, with an entry that moves the one already in their calendar.
    for person in going:
        changed = [m for m in mailbox.to(person.email) if m["Subject"] == f"Changed: {title}"]
        assert len(changed) == 1, f"{person.email} got {len(changed)} change emails"
        assert f"When: {new_start:%A %-d %B %Y, %H:%M}" in mailbox.text(changed[0])
        calendar = _calendar(mailbox, changed[0])
        assert calendar["METHOD"] == "REQUEST"
        entry, first = _vevent(calendar), first_entries[person.email]
        assert str(entry["UID"]) == str(first["UID"]) == event_uid(event)
        assert int(entry["SEQUENCE"]) > int(first["SEQUENCE"])
        assert int(entry["SEQUENCE"]) == event.sequence
        assert entry.decoded("DTSTART").astimezone(UTC) == event.starts_at
        assert entry.decoded("DTEND").astimezone(UTC) == event.ends_at
