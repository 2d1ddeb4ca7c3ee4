"""RSVPs: going, maybe, can't go; guests, capacity and a first-come-first-served waitlist.

The rules are tested on the domain functions (eventsite/rsvps.py and
eventsite/attendees.py); the view tests check the wiring: status codes,
redirects, flashes, what each visitor sees, and the emails a person gets, read
from the real SMTP test server.

The test client shares the test's app context and database session, and
Flask-Login caches the signed-in person in ``g``: a view test uses one client
per browser and signs out before acting as someone else.
"""

import html
import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventsite import mail
from eventsite.attendees import respond
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.events import EventDetails, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.ical import event_uid
from eventsite.models import Event, EventStatus, Person, Rsvp, RsvpStatus
from eventsite.rsvps import (
    RsvpClosed,
    answer,
    attendance,
    closed_reason,
    fill_open_seats,
    find_rsvp,
    locked_event,
    manage_token,
    waitlist,
    waitlist_position,
)
from eventsite.views.events import REMEMBERED_ANSWERS
from tests.conftest import answer_as_guest, edit_form, future_local, statements_for

GOING, MAYBE, NOT_GOING, WAITLISTED = RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.NOT_GOING, RsvpStatus.WAITLISTED
HOST = "hana@example.org"
PROMOTED = "A place came up"
ITS_ON = "It's on"


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def host(app, make_person):
    return make_person(email=HOST, name="Hana Host")


@pytest.fixture
def person(app, make_person):
    """``person("Ann Attlee")``: someone with the address ann@example.org."""

    def make(name: str) -> Person:
        return make_person(email=f"{name.split()[0].lower()}@example.org", name=name)

    return make


@pytest.fixture
def event(make_event, host):
    return make_event(host=host, capacity=10, max_guests=2)


def say(event: Event, who: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False):
    """Answer as the RSVP view does: lock the event, respond (mail is queued), commit."""
    result = respond(locked_event(event.id), who, status, guests, show_name)
    db.session.commit()
    return result


def status_of(event: Event, who: Person) -> RsvpStatus | None:
    rsvp = find_rsvp(event, who)
    return rsvp.status if rsvp else None


def position_of(event: Event, who: Person) -> int | None:
    return waitlist_position(find_rsvp(event, who))


def rsvp_count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event_id))


def subjects_to(mailbox, address: str) -> list[str]:
    return [message["Subject"] for message in mailbox.to(address)]


def count_subjects(mailbox, address: str, start: str) -> int:
    return sum(subject.startswith(start) for subject in subjects_to(mailbox, address))


def calendar_of(message) -> tuple[str, Calendar]:
    """The content type and parsed contents of a message's one .ics attachment."""
    [attachment] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return attachment["Content-Type"], Calendar.from_ical(attachment.get_content())


def page_path(event: Event) -> str:
    return f"/events/{event.id}-{event.slug}"


def text_of(response) -> str:
    """The page as a person reads it: entities such as &#39; turned back into characters."""
    return html.unescape(response.text)


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', response.text, re.S)]


def error_beside(response, field: str) -> str:
    """The message shown beside a form field, or "" if there is none."""
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', response.text, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def guest_answer(answer_value: str, email: str, name: str = "", guests: int | str = 0, **extra) -> dict:
    return {"answer": answer_value, "guests": str(guests), "email": email, "name": name, **extra}


def host_edits(event: Event, host: Person, **changes) -> None:
    """A host's edit as the edit view makes it: on the locked event, then commit."""
    edit_event(locked_event(event.id), EventDetails.of(event, **changes), host)
    db.session.commit()


# -- answering: the rules -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [GOING, MAYBE, NOT_GOING])
def test_an_answer_is_recorded_at_once(event, person, status):
    ann = person("Ann Attlee")

    result = say(event, ann, status)

    assert result.previous is None
    assert status_of(event, ann) is status


def test_answering_again_changes_the_one_answer(event, person):
    ann = person("Ann Attlee")

    say(event, ann, GOING)
    result = say(event, ann, MAYBE)
    assert result.previous is GOING
    say(event, ann, NOT_GOING, show_name=True)

    assert rsvp_count(event.id) == 1
    rsvp = find_rsvp(event, ann)
    assert rsvp.status is NOT_GOING
    assert rsvp.show_name is True


def test_the_database_holds_one_answer_per_person_per_event(event, person):
    ann = person("Ann Attlee")
    say(event, ann, GOING)

    db.session.add(Rsvp(event_id=event.id, person_id=ann.id, status=MAYBE, guests=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    assert rsvp_count(event.id) == 1


def test_waitlisted_is_not_an_answer_a_person_can_give(event, person):
    with pytest.raises(InvalidInput) as refused:
        answer(locked_event(event.id), person("Ann Attlee"), WAITLISTED)

    assert refused.value.field == "status"


# -- answering: the page and the emails ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answer_value", "status", "flash_start"),
    [
        ("going", GOING, "You're going!"),
        ("maybe", MAYBE, "Noted: maybe."),
        ("not-going", NOT_GOING, "Noted: you can't"),
    ],
)
def test_signed_in_person_answers_from_the_event_page(client, auth, event, person, mailbox, answer_value, status,
                                                      flash_start):  # fmt: skip
    ann = person("Ann Attlee")
    auth.sign_in(ann.email)

    response = client.post(f"/events/{event.id}/rsvp", data={"answer": answer_value, "guests": "0"})

    assert response.status_code == 302
    assert response.headers["Location"] == page_path(event) + "#rsvp"
    assert status_of(event, ann) is status
    assert flashes(client.get(page_path(event)))[-1].startswith(flash_start)
    assert mailbox.link_to(ann.email).startswith("/rsvps/")


@pytest.mark.parametrize(("answer_value", "status"), [("going", GOING), ("maybe", MAYBE), ("not-going", NOT_GOING)])
def test_guest_answer_counts_once_the_emailed_link_is_confirmed(client, event, mailbox, answer_value, status):
    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer(answer_value, "ann@example.org", "Ann"))

    assert response.status_code == 302
    assert db.session.scalar(select(Person).where(Person.email == "ann@example.org")) is None  # nobody yet
    assert rsvp_count(event.id) == 0
    assert mailbox.last_to("ann@example.org")["Subject"] == f"Confirm your answer: {event.title}"
    link = mailbox.link_to("ann@example.org", containing="/answers/")
    assert client.get(link).status_code == 200
    assert rsvp_count(event.id) == 0  # opening the link (a mail scanner, say) changes nothing

    assert client.post(link).status_code == 302

    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.org"))
    assert ann.name == "Ann"
    assert ann.email_confirmed_at is not None
    assert status_of(event, ann) is status
    assert mailbox.link_to("ann@example.org") == f"/rsvps/{manage_token(find_rsvp(event, ann))}"


def test_confirmation_carries_the_events_ics_and_a_manage_link(client, event, mailbox):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "Ann"))

    message = mailbox.last_to("ann@example.org")
    assert message["Subject"] == f"You're going: {event.title}"
    content_type, calendar = calendar_of(message)
    assert content_type.startswith("text/calendar")
    assert "method=REQUEST" in content_type.replace('"', "")
    assert calendar["METHOD"] == "REQUEST"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event_uid(event)
    assert str(vevent["SUMMARY"]) == event.title
    manage = mailbox.link_to("ann@example.org")
    assert manage.startswith("/rsvps/")
    assert client.get(manage).status_code == 200


def test_cant_go_after_going_sends_a_calendar_cancel(event, person, mailbox):
    ann = person("Ann Attlee")
    say(event, ann, GOING)

    say(event, ann, NOT_GOING)
    mail.deliver()

    message = mailbox.last_to(ann.email)
    assert message["Subject"].startswith("You can't go")
    content_type, calendar = calendar_of(message)
    assert "method=CANCEL" in content_type.replace('"', "")
    assert calendar["METHOD"] == "CANCEL"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event_uid(event)


def test_cant_go_as_a_first_answer_sends_no_calendar_entry(event, person, mailbox):
    ann = person("Ann Attlee")

    say(event, ann, NOT_GOING)
    mail.deliver()

    assert mailbox.attachments(mailbox.last_to(ann.email)) == []


@pytest.mark.parametrize("typed_email", ["ann@example.org", "ANN@Example.org"])
def test_guest_answering_for_an_address_that_answered_changes_nothing_until_its_owner_confirms(
    app, client, event, mailbox, typed_email
):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "Ann", guests=1))
    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.org"))
    before = find_rsvp(event, ann).updated_at
    mailbox.clear()
    other_browser = app.test_client()

    response = other_browser.post(
        f"/events/{event.id}/rsvp", data=guest_answer("not-going", typed_email, "Mallory", show_name="y")
    )

    assert response.status_code == 302
    assert flashes(other_browser.get(page_path(event))) == [
        f"Check your email: open the link we sent to {typed_email} to confirm your answer."
    ]
    db.session.expire_all()
    rsvp = find_rsvp(event, ann)
    assert (rsvp.status, rsvp.guests, rsvp.show_name, rsvp.updated_at) == (GOING, 1, False, before)
    assert ann.name == "Ann"
    assert mailbox.last_to("ann@example.org")["Subject"].startswith("Confirm your answer")
    assert "You're going" not in text_of(other_browser.get(page_path(event)))


def test_a_typed_name_never_renames_anyone(app, client, event, mailbox):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "", show_name="y"))
    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.org"))
    assert ann.name == ""

    app.test_client().post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Mallory"))

    db.session.refresh(ann)
    assert ann.name == ""


def test_guest_answer_without_an_email_is_refused_beside_the_field(client, event):
    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "", "Ann"))

    assert response.status_code == 422
    assert "Enter your email address" in error_beside(response, "email")
    assert rsvp_count(event.id) == 0


# -- guests -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_guests", "guests", "message"), [(0, 1, "does not take guests"), (2, 3, "up to 2")])
def test_more_guests_than_the_host_allows_are_refused(make_event, host, person, max_guests, guests, message):
    event = make_event(host=host, max_guests=max_guests)

    with pytest.raises(InvalidInput, match=message) as refused:
        answer(locked_event(event.id), person("Ann Attlee"), GOING, guests)

    assert refused.value.field == "guests"


def test_more_guests_than_allowed_are_refused_on_the_page_beside_the_field(client, event):
    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Ann", 3))

    assert response.status_code == 422
    assert error_beside(response, "guests") == "You can bring up to 2 guests."
    assert rsvp_count(event.id) == 0


def test_guests_count_against_capacity(make_event, host, person):
    event = make_event(host=host, capacity=3, max_guests=2)

    say(event, person("Ann Attlee"), GOING, guests=2)
    bob = person("Bob Bevan")
    say(event, bob, GOING)

    assert attendance(event).going == 3
    assert attendance(event).is_full
    assert status_of(event, bob) is WAITLISTED


# -- capacity and the waitlist --------------------------------------------------------------------


def test_going_and_guests_never_exceed_capacity(make_event, host, person):
    event = make_event(host=host, capacity=5, max_guests=2)
    names = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal"]
    answers = [(GOING, 2), (GOING, 0), (GOING, 1), (GOING, 1), (MAYBE, 0), (GOING, 0), (GOING, 2), (GOING, 0)]

    for name, (status, guests) in zip(names, answers, strict=True):
        say(event, person(name), status, guests)
        assert attendance(event).going <= 5

    assert attendance(event).going == 4  # Ann's party of 3 and Bob; Cat's party of 2 did not fit
    assert [rsvp.person.name for rsvp in waitlist(event)] == ["Cat", "Dan", "Fay", "Gus", "Hal"]


def test_a_full_event_puts_the_person_on_the_waitlist_and_tells_their_place(client, make_event, host, person,
                                                                            mailbox):  # fmt: skip
    event = make_event(host=host, capacity=1)
    say(event, person("Ann Attlee"), GOING)
    say(event, person("Bob Bevan"), GOING)

    response = answer_as_guest(client, mailbox, event.id, guest_answer("going", "cat@example.org", "Cat"))

    page = client.get(response.headers["Location"])
    assert flashes(page)[-1].startswith("It's full, so you're number 2 on the waitlist.")
    assert "You're number 2 on the waitlist" in text_of(page)
    message = mailbox.last_to("cat@example.org")
    assert message["Subject"].startswith("You're on the waitlist")
    assert "It's full, so you're number 2 on the waitlist." in mailbox.text(message)


def test_a_newcomer_joins_the_waitlist_even_with_a_place_free_when_anyone_waits(make_event, host, person):
    event = make_event(host=host, capacity=2, max_guests=1)
    ann = person("Ann Attlee")
    say(event, ann, GOING)
    say(event, person("Bob Bevan"), GOING)
    cat = person("Cat Castle")
    say(event, cat, GOING, guests=1)  # a party of 2: waits
    say(event, ann, NOT_GOING)  # 1 place free, too few for Cat's party
    assert attendance(event).places_left == 1

    dan = person("Dan Dyson")
    say(event, dan, GOING)

    assert status_of(event, dan) is WAITLISTED
    assert position_of(event, dan) == 2
    assert status_of(event, cat) is WAITLISTED


@pytest.mark.parametrize(
    ("ann_guests", "status"), [(0, MAYBE), (0, NOT_GOING), (1, GOING)], ids=["maybe", "cant-go", "fewer-guests"]
)
def test_a_freed_place_promotes_the_first_to_join_the_waitlist(make_event, host, person, mailbox, ann_guests, status):
    event = make_event(host=host, capacity=1 + ann_guests, max_guests=1)
    ann = person("Ann Attlee")
    say(event, ann, GOING, guests=ann_guests)  # Ann's party fills the event
    bob, cat, dan = person("Bob Bevan"), person("Cat Castle"), person("Dan Dyson")
    for waiting in (bob, cat, dan):
        say(event, waiting, GOING)

    result = say(event, ann, status, guests=0)  # one place frees
    mail.deliver()

    assert [rsvp.person for rsvp in result.promoted] == [bob]
    assert status_of(event, bob) is GOING
    assert find_rsvp(event, bob).waitlisted_at is None
    assert (position_of(event, cat), position_of(event, dan)) == (1, 2)
    assert count_subjects(mailbox, bob.email, PROMOTED) == 1
    assert mailbox.link_to(bob.email, containing="/rsvps/")  # the link to change the answer
    assert count_subjects(mailbox, cat.email, PROMOTED) == 0


def test_nobody_is_promoted_twice(make_event, host, person, mailbox):
    event = make_event(host=host, capacity=1)
    ann, bob, cat = person("Ann Attlee"), person("Bob Bevan"), person("Cat Castle")
    for who in (ann, bob, cat):
        say(event, who, GOING)

    say(event, ann, NOT_GOING)  # Bob is promoted
    assert fill_open_seats(locked_event(event.id)) == []
    say(event, bob, NOT_GOING)  # Cat is promoted
    say(event, ann, GOING)  # Ann waits now
    mail.deliver()

    assert count_subjects(mailbox, bob.email, PROMOTED) == 1
    assert count_subjects(mailbox, cat.email, PROMOTED) == 1
    assert status_of(event, ann) is WAITLISTED
    assert attendance(event).going == 1


def test_host_raising_capacity_promotes_the_waitlist_in_order(make_event, host, person, mailbox):
    event = make_event(host=host, capacity=1)
    say(event, person("Ann Attlee"), GOING)
    bob, cat, dan = person("Bob Bevan"), person("Cat Castle"), person("Dan Dyson")
    for waiting in (bob, cat, dan):
        say(event, waiting, GOING)

    host_edits(event, host, capacity=3)
    mail.deliver()

    assert [status_of(event, who) for who in (bob, cat, dan)] == [GOING, GOING, WAITLISTED]
    assert position_of(event, dan) == 1
    assert [count_subjects(mailbox, who.email, PROMOTED) for who in (bob, cat, dan)] == [1, 1, 0]


def test_host_removing_the_capacity_promotes_everyone_waiting(make_event, host, person):
    event = make_event(host=host, capacity=1)
    say(event, person("Ann Attlee"), GOING)
    bob, cat = person("Bob Bevan"), person("Cat Castle")
    say(event, bob, GOING)
    say(event, cat, GOING)

    host_edits(event, host, capacity=None)

    assert [status_of(event, who) for who in (bob, cat)] == [GOING, GOING]


def test_host_raising_capacity_in_the_edit_form_promotes_and_emails(client, auth, make_event, host, person, mailbox):
    event = make_event(host=host, capacity=1)
    say(event, person("Ann Attlee"), GOING)
    bob, cat = person("Bob Bevan"), person("Cat Castle")
    say(event, bob, GOING)
    say(event, cat, GOING)
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, capacity="2"))

    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert event.capacity == 2
    assert (status_of(event, bob), status_of(event, cat)) == (GOING, WAITLISTED)
    assert mailbox.last_to(bob.email)["Subject"].startswith(PROMOTED)
    assert count_subjects(mailbox, cat.email, PROMOTED) == 0


def test_a_party_at_the_head_that_does_not_fit_blocks_the_waitlist_until_it_does(make_event, host, person):
    """The documented rule: parties are never split and nobody overtakes the head."""
    event = make_event(host=host, capacity=4, max_guests=2)
    ann, bob, cat, dan = (person(name) for name in ("Ann", "Bob", "Cat", "Dan"))
    for who in (ann, bob, cat, dan):
        say(event, who, GOING)
    eve, fay = person("Eve"), person("Fay")
    say(event, eve, GOING, guests=2)  # a party of 3 at the head
    say(event, fay, GOING)  # a party of 1 behind it

    assert say(event, ann, NOT_GOING).promoted == []  # 1 place free: Fay would fit, but waits
    assert say(event, bob, NOT_GOING).promoted == []  # 2 places free
    assert (position_of(event, eve), position_of(event, fay)) == (1, 2)

    promoted = say(event, cat, NOT_GOING).promoted  # 3 places free: the party goes, whole

    assert [rsvp.person for rsvp in promoted] == [eve]
    assert find_rsvp(event, eve).guests == 2
    assert attendance(event).going == 4
    assert status_of(event, fay) is WAITLISTED


def test_a_party_at_the_head_that_shrinks_to_fit_is_promoted(make_event, host, person):
    event = make_event(host=host, capacity=3, max_guests=2)
    ann = person("Ann Attlee")
    say(event, ann, GOING)
    say(event, person("Bob Bevan"), GOING)
    say(event, person("Cat Castle"), GOING)
    eve = person("Eve Evans")
    say(event, eve, GOING, guests=2)
    say(event, ann, NOT_GOING)
    assert status_of(event, eve) is WAITLISTED  # a party of 3 for 1 free place waits

    result = say(event, eve, GOING, guests=0)

    assert status_of(event, eve) is GOING
    assert [rsvp.person for rsvp in result.promoted] == [eve]


def test_lowering_capacity_bumps_nobody_and_stops_promotion(make_event, host, person):
    event = make_event(host=host, capacity=3)
    ann, bob, cat, dan = (person(name) for name in ("Ann", "Bob", "Cat", "Dan"))
    for who in (ann, bob, cat, dan):
        say(event, who, GOING)

    host_edits(event, host, capacity=2)

    assert [status_of(event, who) for who in (ann, bob, cat)] == [GOING, GOING, GOING]
    assert attendance(event).going == 3
    assert say(event, ann, NOT_GOING).promoted == []  # 2 going: the new capacity, no place free
    assert status_of(event, dan) is WAITLISTED

    say(event, bob, NOT_GOING)

    assert status_of(event, dan) is GOING


def test_going_person_bringing_more_guests_than_places_free_is_refused(make_event, host, person):
    event = make_event(host=host, capacity=4, max_guests=3)
    ann = person("Ann Attlee")
    for who in (ann, person("Bob Bevan"), person("Cat Castle")):
        say(event, who, GOING)

    with pytest.raises(InvalidInput, match=r"There is room for 1 guest with you\.") as refused:
        answer(locked_event(event.id), ann, GOING, guests=2)
    db.session.rollback()

    assert refused.value.field == "guests"
    assert find_rsvp(event, ann).guests == 0
    say(event, ann, GOING, guests=1)
    assert attendance(event).going == 4


def test_going_person_bringing_more_guests_than_free_is_told_on_the_page(client, auth, make_event, host, person):
    event = make_event(host=host, capacity=2, max_guests=2)
    ann = person("Ann Attlee")
    say(event, ann, GOING)
    say(event, person("Bob Bevan"), GOING)
    auth.sign_in(ann.email)

    response = client.post(f"/events/{event.id}/rsvp", data={"answer": "going", "guests": "1"})

    assert response.status_code == 422
    assert "There is room for 0 guests with you." in error_beside(response, "guests")
    db.session.expire_all()
    assert find_rsvp(event, ann).guests == 0


def test_going_person_cannot_add_guests_while_anyone_waits(make_event, host, person):
    """Places free while a party at the head waits are theirs: a guest added now would overtake it."""
    event = make_event(host=host, capacity=4, max_guests=2)
    ann, bob, cat = person("Ann Attlee"), person("Bob Bevan"), person("Cat Castle")
    say(event, ann, GOING)
    say(event, bob, GOING)
    say(event, cat, GOING, guests=2)  # a party of 3, 2 places free: waits
    assert status_of(event, cat) is WAITLISTED

    with pytest.raises(InvalidInput) as refused:
        answer(locked_event(event.id), ann, GOING, guests=1)
    db.session.rollback()

    assert refused.value.field == "guests"
    say(event, bob, NOT_GOING)
    assert status_of(event, cat) is GOING


def test_waitlisted_person_answering_going_again_keeps_their_place(make_event, host, person):
    event = make_event(host=host, capacity=1, max_guests=1)
    say(event, person("Ann Attlee"), GOING)
    bob, cat = person("Bob Bevan"), person("Cat Castle")
    say(event, bob, GOING)
    say(event, cat, GOING)
    joined = find_rsvp(event, bob).waitlisted_at

    say(event, bob, GOING, show_name=True)

    assert find_rsvp(event, bob).waitlisted_at == joined
    assert (position_of(event, bob), position_of(event, cat)) == (1, 2)


def test_waitlisted_person_answering_from_the_manage_link_keeps_their_place(client, make_event, host, person):
    event = make_event(host=host, capacity=1)
    say(event, person("Ann Attlee"), GOING)
    bob, cat = person("Bob Bevan"), person("Cat Castle")
    say(event, bob, GOING)
    say(event, cat, GOING)
    token = manage_token(find_rsvp(event, bob))

    response = client.post(f"/rsvps/{token}", data={"answer": "going", "guests": "0"})

    assert response.status_code == 302
    assert "You're number 1 on the waitlist" in text_of(client.get(response.headers["Location"]))
    assert (position_of(event, bob), position_of(event, cat)) == (1, 2)


# -- "goes ahead if at least N are in" ------------------------------------------------------------


def test_event_page_shows_how_many_more_are_needed(client, make_event, host, person):
    event = make_event(host=host, min_going=3, max_guests=1)
    assert "3 more needed" in text_of(client.get(page_path(event)))

    say(event, person("Ann Attlee"), GOING, guests=1)
    assert "1 more needed" in text_of(client.get(page_path(event)))

    say(event, person("Bob Bevan"), GOING)
    page = text_of(client.get(page_path(event)))
    assert "more needed" not in page
    assert "it's on!" in page


def test_reaching_the_threshold_tells_hosts_and_those_going_once(make_event, host, person, mailbox):
    event = make_event(host=host, min_going=3)
    ann, bob, cat, dan = (person(name) for name in ("Ann", "Bob", "Cat", "Dan"))
    say(event, ann, GOING)
    say(event, bob, MAYBE)
    say(event, cat, GOING)
    mail.deliver()
    assert count_subjects(mailbox, HOST, ITS_ON) == 0

    say(event, bob, GOING)  # 3 in
    say(event, dan, GOING)
    say(event, ann, NOT_GOING)
    say(event, ann, GOING)
    mail.deliver()

    assert count_subjects(mailbox, HOST, ITS_ON) == 1
    assert [count_subjects(mailbox, who.email, ITS_ON) for who in (ann, bob, cat, dan)] == [1, 1, 1, 0]


# -- when answers close -----------------------------------------------------------------------------


def test_answers_close_at_the_start(event, person):
    assert closed_reason(event, now=event.starts_at - timedelta(seconds=1)) is None
    assert closed_reason(event, now=event.starts_at) == "Answers for this gathering have closed."

    event.starts_at, event.ends_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=1)
    db.session.commit()

    with pytest.raises(RsvpClosed):
        answer(locked_event(event.id), person("Ann Attlee"), GOING)


def test_answers_close_when_the_host_says(event, host, person):
    host_edits(event, host, rsvp_closes_local=future_local(days=6))
    closes = event.rsvp_closes_at
    assert closes < event.starts_at

    assert closed_reason(event, now=closes - timedelta(seconds=1)) is None
    assert closed_reason(event, now=closes) == "Answers for this gathering have closed."


def test_answering_after_answers_closed_is_refused_with_a_flash(client, event):
    event.rsvp_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Ann"))

    assert response.status_code == 302
    page = client.get(page_path(event))
    assert flashes(page) == ["Answers for this gathering have closed."]
    assert "I'm going</button>" not in text_of(page)
    assert rsvp_count(event.id) == 0


def test_a_cancelled_event_takes_no_answers(client, event, host, person):
    cancel_event(locked_event(event.id), host, "")
    db.session.commit()

    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Ann"))

    assert response.status_code == 302
    assert flashes(client.get(page_path(event))) == ["This gathering is cancelled."]
    assert rsvp_count(event.id) == 0
    with pytest.raises(RsvpClosed):
        answer(locked_event(event.id), person("Bob Bevan"), GOING)


@pytest.mark.parametrize("status", [EventStatus.HELD, EventStatus.HIDDEN])
def test_held_or_hidden_event_is_not_found_for_answering(client, auth, make_event, host, person, status):
    event = make_event(host=host, status=status)

    as_guest = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Ann"))
    auth.sign_in(person("Bob Bevan").email)
    signed_in = client.post(f"/events/{event.id}/rsvp", data={"answer": "going", "guests": "0"})

    assert (as_guest.status_code, signed_in.status_code) == (404, 404)
    assert rsvp_count(event.id) == 0


def test_answering_an_event_that_does_not_exist_is_not_found(client):
    assert client.post("/events/999/rsvp", data=guest_answer("going", "ann@example.org")).status_code == 404


# -- private details --------------------------------------------------------------------------------

ADDRESS = "12 Mill Lane"
ONLINE_URL = "https://meet.example.org/brew-and-biscuits"


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [("visitor", False), ("maybe", False), ("waitlisted", False), ("going", True), ("host", True)],
)
def test_online_link_and_exact_address_are_shown_only_to_people_going_and_hosts(
    client, auth, make_event, host, person, viewer, sees
):
    event = make_event(host=host, capacity=1, address=ADDRESS, online_url=ONLINE_URL, address_for_attendees=True)
    zoe, vic = person("Zoe Zeal"), person("Vic Viewer")
    say(event, zoe, GOING)  # the one place is taken: Vic's "going" waits
    if viewer == "going":
        say(event, zoe, NOT_GOING)
    if viewer in ("maybe", "going", "waitlisted"):
        say(event, vic, MAYBE if viewer == "maybe" else GOING)
        assert status_of(event, vic).value == viewer
    if viewer == "host":
        auth.sign_in(HOST)
    elif viewer != "visitor":
        auth.sign_in(vic.email)

    page = text_of(client.get(page_path(event)))

    assert (ADDRESS in page, ONLINE_URL in page) == (sees, sees)
    assert ("The exact address is shown to people going." in page) is not sees
    assert ("The link to join online is shown to people going." in page) is not sees


def test_address_is_shown_to_everyone_unless_the_host_keeps_it_for_people_going(client, make_event, host):
    event = make_event(host=host, address=ADDRESS, online_url=ONLINE_URL)

    page = text_of(client.get(page_path(event)))

    assert ADDRESS in page
    assert ONLINE_URL not in page


# -- who's coming ---------------------------------------------------------------------------------


def test_everyone_sees_counts_but_names_only_of_people_going_who_chose_to_show_them(client, make_event, host, person):
    event = make_event(host=host, capacity=3, max_guests=1)
    say(event, person("Ann Attlee"), GOING, guests=1, show_name=True)
    say(event, person("Bob Bevan"), GOING)
    say(event, person("Cat Castle"), MAYBE, show_name=True)
    say(event, person("Dan Dyson"), GOING, show_name=True)  # waitlisted
    say(event, person("Eve Evans"), NOT_GOING, show_name=True)

    page = text_of(client.get(page_path(event)))

    assert "3 going of 3 places, 1 on the waitlist, 1 maybe" in " ".join(page.split())
    assert "Including Ann Attlee" in page
    for hidden in ("Bob Bevan", "Cat Castle", "Dan Dyson", "Eve Evans"):
        assert hidden not in page


# -- the manage link ------------------------------------------------------------------------------


@pytest.fixture
def anns_link(client, event, mailbox) -> str:
    """Ann answered "going" as a guest and confirmed; the path of the manage link emailed to her."""
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "Ann"))
    return mailbox.link_to("ann@example.org")


def anns_rsvp(event: Event) -> Rsvp:
    db.session.expire_all()
    return db.session.scalar(select(Rsvp).join(Rsvp.person).where(Person.email == "ann@example.org"))


def test_opening_the_manage_link_shows_buttons_and_changes_nothing(app, event, anns_link):
    before = anns_rsvp(event).updated_at

    response = app.test_client().get(anns_link)

    assert response.status_code == 200
    assert "You're going" in text_of(response)
    for button in ('value="going"', 'value="maybe"', 'value="not-going"'):
        assert button in response.text
    rsvp = anns_rsvp(event)
    assert (rsvp.status, rsvp.updated_at) == (GOING, before)


def test_posting_to_the_manage_link_changes_the_answer(app, event, anns_link, mailbox):
    browser = app.test_client()

    response = browser.post(anns_link, data={"answer": "maybe", "guests": "1"})

    assert response.status_code == 302
    assert response.headers["Location"] == anns_link
    rsvp = anns_rsvp(event)
    assert (rsvp.status, rsvp.guests) == (MAYBE, 1)
    assert flashes(browser.get(anns_link))[-1].startswith("Noted: maybe.")
    assert mailbox.last_to("ann@example.org")["Subject"].startswith("You might go")


def tampered(link: str, how: str, other_event_id: int) -> str:
    ids, _, signature = link.removeprefix("/rsvps/").partition(".")
    event_id, _, rsvp_id = ids.partition("-")
    return {
        "signature": f"/rsvps/{ids}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "no-signature": f"/rsvps/{ids}",
        "other-event": f"/rsvps/{other_event_id}-{rsvp_id}.{signature}",
        "other-rsvp": f"/rsvps/{event_id}-{int(rsvp_id) + 1}.{signature}",
        "junk": "/rsvps/not-a-token",
        "huge-ids": f"/rsvps/{'9' * 40}-{'9' * 40}.{signature}",
    }[how]


@pytest.mark.parametrize("how", ["signature", "no-signature", "other-event", "other-rsvp", "junk", "huge-ids"])
def test_a_tampered_or_wrong_event_manage_link_is_not_found(app, make_event, host, event, anns_link, how):
    other = make_event(host=host, title="Another brew")
    bad = tampered(anns_link, how, other.id)
    browser = app.test_client()

    assert browser.get(bad).status_code == 404
    assert browser.post(bad, data={"answer": "not-going", "guests": "0"}).status_code == 404
    assert anns_rsvp(event).status is GOING
    assert rsvp_count(other.id) == 0


def test_the_browser_that_answered_as_a_guest_sees_its_answer_and_another_does_not(app, client, event, mailbox):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "Ann"))

    assert "You're going." in text_of(client.get(page_path(event)))
    assert "You're going." not in text_of(app.test_client().get(page_path(event)))


# -- hostile values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer_value", "guests", "field"),
    [
        ("waitlisted", "0", "answer"),
        ("x", "0", "answer"),
        ("", "0", "answer"),
        ("going", "-1", "guests"),
        ("going", "999", "guests"),
        ("going", "abc", "guests"),
        ("going", "1.5", "guests"),
    ],
)
def test_hostile_answer_values_are_refused_with_a_message(client, event, answer_value, guests, field):
    response = client.post(
        f"/events/{event.id}/rsvp", data=guest_answer(answer_value, "ann@example.org", "Ann", guests)
    )

    assert response.status_code == 422
    assert error_beside(response, field)
    assert rsvp_count(event.id) == 0


@pytest.mark.parametrize(
    ("guests", "message"),
    [
        ("1", "This gathering does not take guests."),
        ("-1", "Number must be between 0 and 20."),
        ("abc", "Give a whole number, like 20, or leave it empty."),
    ],
)
def test_guests_sent_to_an_event_without_guests_are_refused_with_a_message(client, make_event, host, guests, message):
    event = make_event(host=host, max_guests=0)

    response = client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "ann@example.org", "Ann", guests))

    assert response.status_code == 422
    assert error_beside(response, "guests").startswith(message)
    assert 'aria-describedby="guests-error"' in response.text  # the field it belongs to is on the page
    assert rsvp_count(event.id) == 0


@pytest.mark.parametrize(
    ("answer_value", "guests", "field"),
    [("waitlisted", "0", "answer"), ("x", "0", "answer"), ("going", "-1", "guests"), ("going", "abc", "guests")],
)
def test_hostile_values_on_the_manage_link_are_refused_with_a_message(event, anns_link, client, answer_value, guests,
                                                                      field):  # fmt: skip
    response = client.post(anns_link, data={"answer": answer_value, "guests": guests})

    assert response.status_code == 422
    assert error_beside(response, field)
    rsvp = anns_rsvp(event)
    assert (rsvp.status, rsvp.guests) == (GOING, 0)


# -- queries ---------------------------------------------------------------------------------------


def add_going(event_id: int, count: int, start: int) -> None:
    """``count`` people going who show their names, straight into the database."""
    for number in range(start, start + count):
        who = Person(email=f"person{number}@example.org", name=f"Person {number}")
        db.session.add(who)
        db.session.add(Rsvp(event_id=event_id, person=who, status=GOING, guests=0, show_name=True))
    db.session.commit()


@pytest.mark.parametrize("viewer", ["visitor", "host"])
def test_event_page_queries_do_not_grow_with_the_number_of_rsvps(client, auth, make_event, host, viewer):
    event = make_event(host=host)
    event_id, path = event.id, page_path(event)
    if viewer == "host":
        auth.sign_in(HOST)
    client.get("/healthz")
    add_going(event_id, 2, start=0)
    few = statements_for(client, path)
    assert "Person 1" in client.get(path).text

    add_going(event_id, 38, start=2)
    many = statements_for(client, path)
    assert "Person 39" in client.get(path).text

    assert len(many) == len(few), "\n\n".join(many)


def test_the_browser_that_answered_can_change_its_answer_on_the_event_page(client, event, mailbox):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "ann@example.org", "Ann"))

    page = client.get(f"/events/{event.id}-{event.slug}").text
    assert 'name="email"' not in page  # not asked again who they are
    response = client.post(f"/events/{event.id}/rsvp", data={"answer": "not-going"})

    assert response.status_code == 302
    ann = db.session.scalar(select(Person).where(Person.email == "ann@example.org"))
    assert status_of(event, ann) is NOT_GOING


def test_a_browser_remembers_only_its_newest_answers(client, make_event, host, mailbox):
    events = [make_event(host=host, title=f"Walk {n}") for n in range(REMEMBERED_ANSWERS + 3)]
    for number, each in enumerate(events):
        answer_as_guest(client, mailbox, each.id, guest_answer("going", f"p{number}@example.org", "P"))

    with client.session_transaction() as session:
        remembered = session["rsvps"]

    assert len(remembered) == REMEMBERED_ANSWERS
    assert str(events[-1].id) in remembered
    assert str(events[0].id) not in remembered


def test_a_party_larger_than_the_whole_event_is_refused(make_event, host, person):
    event = make_event(host=host, capacity=2, max_guests=2)

    with pytest.raises(InvalidInput, match=r"There are 2 places in all"):
        answer(locked_event(event.id), person("Ann Attlee"), GOING, guests=2)


def test_a_waiting_party_larger_than_a_lowered_capacity_blocks_nobody(make_event, host, person):
    event = make_event(host=host, capacity=4, max_guests=2)
    ann, bob = person("Ann Attlee"), person("Bob Bevan")
    say(event, ann, GOING, guests=2)
    say(event, bob, GOING, guests=2)  # waits: 3 + 3 > 4
    host_edits(event, host, capacity=2)  # Bob's party of 3 can never fit now
    cat = person("Cat Castle")
    say(event, cat, GOING)  # waits behind Bob (nobody overtakes on joining)

    say(event, ann, NOT_GOING)

    assert status_of(event, cat) is GOING
    assert status_of(event, bob) is WAITLISTED


# -- the answer section: the current answer, the words, the error summary ------------------------


def answer_buttons(response) -> dict[str, tuple[str, str, bool]]:
    """Each answer button by its value: (its text, aria-pressed, whether it stands out)."""
    button = r'<button type="submit" name="answer" value="([\w-]+)" aria-pressed="(\w+)"( class="secondary")?>'
    found = re.findall(button + "(.*?)</button>", response.text)
    return {value: (html.unescape(text), pressed, not secondary) for value, pressed, secondary, text in found}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, {"going": ("I'm going", "false", True), "maybe": ("Maybe", "false", False),
                "not-going": ("Can't go", "false", False)}),
        (GOING, {"going": ("I'm going", "true", True), "maybe": ("Maybe", "false", False),
                 "not-going": ("Can't go", "false", False)}),
        (WAITLISTED, {"going": ("Going (waitlisted)", "true", True), "maybe": ("Maybe", "false", False),
                      "not-going": ("Can't go", "false", False)}),
        (MAYBE, {"going": ("I'm going", "false", False), "maybe": ("Maybe", "true", True),
                 "not-going": ("Can't go", "false", False)}),
        (NOT_GOING, {"going": ("I'm going", "false", False), "maybe": ("Maybe", "false", False),
                     "not-going": ("Can't go", "true", True)}),
    ],
    ids=["no-answer", "going", "waitlisted", "maybe", "not-going"],
)  # fmt: skip
def test_the_button_of_the_current_answer_is_pressed(client, auth, make_event, host, person, status, expected):
    event = make_event(host=host, capacity=1)
    ann = person("Ann Attlee")
    if status is WAITLISTED:
        say(event, person("Bob Bevan"), GOING)  # the one place is taken
    if status is not None:
        say(event, ann, GOING if status is WAITLISTED else status)
        assert status_of(event, ann) is status
    auth.sign_in(ann.email)

    page = client.get(page_path(event))

    assert page.status_code == 200
    assert answer_buttons(page) == expected


def test_the_emailed_change_link_s_page_presses_the_current_answer_too(client, make_event, host, person):
    event = make_event(host=host)
    ann = person("Ann Attlee")
    say(event, ann, MAYBE)

    page = client.get(f"/rsvps/{manage_token(find_rsvp(event, ann))}")

    assert page.status_code == 200
    assert answer_buttons(page)["maybe"] == ("Maybe", "true", True)
    assert answer_buttons(page)["going"][1] == "false"


def test_hosts_are_not_offered_to_report_their_own_gathering(client, auth, make_event, host, person):
    event = make_event(host=host)
    report = f'href="/events/{event.id}/report"'
    assert report in client.get(page_path(event)).text  # a visitor

    auth.sign_in(person("Ann Attlee").email)
    assert report in client.get(page_path(event)).text
    auth.sign_out()

    auth.sign_in(HOST)
    page = client.get(page_path(event))
    assert page.status_code == 200
    assert "Report this gathering" not in page.text
    assert report not in page.text


def going_line(response) -> str:
    """The "Going" fact as it reads, tags left out and spaces collapsed."""
    found = re.search(r"<dt>Going</dt>\s*<dd>(.*?)</dd>", response.text, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def test_a_full_event_reads_full_without_a_stray_space(client, make_event, host, person):
    event = make_event(host=host, capacity=2)
    say(event, person("Ann Attlee"), GOING)
    say(event, person("Bob Bevan"), GOING)
    assert going_line(client.get(page_path(event))) == "2 going of 2 places: full"

    say(event, person("Cat Castle"), GOING)
    assert going_line(client.get(page_path(event))) == "2 going of 2 places, 1 on the waitlist: full"


def test_an_answer_without_an_email_gets_a_summary_at_the_top_and_the_message_beside_the_field(client, event):
    response = client.post(f"/events/{event.id}/rsvp", data={"answer": "going", "name": "Ann", "guests": "0"})

    assert response.status_code == 422
    message = "Enter your email address, so we can send your answer and a link to change it."
    assert error_beside(response, "email") == message
    summary = response.text.index('class="error-summary"')
    assert response.text.index("<h1 ") < summary < response.text.index('id="rsvp-heading"')
    assert 'data-move-after="rsvp-heading"' in response.text  # site.js moves it beside the form
    assert f'<a href="#email">Your email: {html.escape(message)}</a>' in response.text
    assert rsvp_count(event.id) == 0


def me_card(response, event: Event) -> str:
    """The card for ``event`` on /me."""
    card = rf'<article class="event-card">\s*<h3 dir="auto"><a href="/events/{event.id}-.*?</article>'
    found = re.search(card, response.text, re.S)
    assert found, f"no card for event {event.id} on /me"
    return found.group(0)


def test_me_shows_a_cancelled_or_closed_gathering_state_and_no_answer_buttons(client, auth, make_event, host, person):
    cancelled, closed, open_ = (make_event(host=host, title=title) for title in ("Walk", "Film", "Brew"))
    ann = person("Ann Attlee")
    for gathering in (cancelled, closed, open_):
        say(gathering, ann, GOING)
    cancel_event(locked_event(cancelled.id), host, "Rain")
    closed.rsvp_closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    auth.sign_in(ann.email)

    page = client.get("/me/")

    assert page.status_code == 200
    assert "Cancelled" in me_card(page, cancelled)
    assert "Answers for this gathering have closed." in me_card(page, closed)
    for shut in (cancelled, closed):
        assert "<button" not in me_card(page, shut)
        assert f'action="/events/{shut.id}/rsvp"' not in page.text
    assert f'action="/events/{open_.id}/rsvp"' in me_card(page, open_)
    assert "Can't go</button>" in me_card(page, open_)
