"""Guest answers count once the address is proven (issue 9).

Someone not signed in types an address: the answer waits (a ``PendingAnswer``)
until the emailed link is opened and its button pressed. Until then nothing
public or private changes, the page looks the same whoever the address belongs
to, a "going" holds its places for ANSWER_HOLD_MINUTES, and one address gets
at most ANSWER_MAILS_PER_ADDRESS answer emails an hour.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from eventsite.attendees import ask_to_confirm
from eventsite.database import utcnow
from eventsite.events import cancel_event
from eventsite.extensions import db
from eventsite.models import PendingAnswer, Person, RsvpStatus
from eventsite.rsvps import attendance, find_rsvp, locked_event, waitlist_position
from tests import test_rsvps
from tests.conftest import answer_as_guest
from tests.test_rsvps import (
    GOING,
    MAYBE,
    WAITLISTED,
    flashes,
    guest_answer,
    page_path,
    rsvp_count,
    say,
    status_of,
    text_of,
)

host, person, event = test_rsvps.host, test_rsvps.person, test_rsvps.event  # the same fixtures

ONLINE_URL = "https://meet.example.org/carers-circle"
ADDRESS = "12 Mill Lane"


def pending(email: str) -> PendingAnswer | None:
    db.session.expire_all()
    return db.session.scalar(select(PendingAnswer).where(PendingAnswer.email == email))


def answer_page(app, event, data: dict) -> tuple[str, str]:
    """A new browser answers; the status and target of the answer, and the page it is sent to."""
    browser = app.test_client()
    response = browser.post(f"/events/{event.id}/rsvp", data=data)
    return f"{response.status_code} {response.headers['Location']}", browser.get(response.headers["Location"]).text


def forget_pending() -> None:
    """Back to the state before the answer, so the next one starts from the same counts."""
    db.session.execute(delete(PendingAnswer))
    db.session.commit()


def comparable(page: str, email: str) -> str:
    """The page without the two things that may differ: the CSRF token and the typed address."""
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
    return page.replace(email, "ADDRESS")


# -- nothing tells whether an address was known ---------------------------------------------------


def test_answering_with_an_address_that_answered_and_with_a_fresh_one_gives_the_same_page(app, make_event, host,
                                                                                            person):  # fmt: skip
    event = make_event(host=host, capacity=5, online_url=ONLINE_URL, address=ADDRESS, address_for_attendees=True)
    say(event, person("Ann Attlee"), GOING, show_name=True)
    person("Kim Known")  # known, never answered

    pages = {}
    for email in ("ann@example.org", "kim@example.org", "new@example.org"):
        pages[email] = answer_page(app, event, guest_answer("going", email, "Mallory", show_name="y"))
        forget_pending()
    answered, known, fresh = pages.values()

    assert answered[0] == known[0] == fresh[0] == f"302 {page_path(event)}#rsvp"
    assert "1 place held for people confirming by email" in text_of_page(fresh)  # each held the same
    assert comparable(answered[1], "ann@example.org") == comparable(fresh[1], "new@example.org")
    assert comparable(known[1], "kim@example.org") == comparable(fresh[1], "new@example.org")
    assert "Check your email: open the link we sent to new@example.org to confirm your answer." in text_of_page(fresh)


def text_of_page(result: tuple[int, str]) -> str:
    return " ".join(result[1].replace("&#39;", "'").split())


def test_an_unproven_going_sees_no_private_details_and_is_told_why(app, client, make_event, host):
    event = make_event(host=host, online_url=ONLINE_URL, address=ADDRESS, address_for_attendees=True)

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "made-up@example.org", "Mo"))
    page = text_of(client.get(page_path(event)))

    assert ONLINE_URL not in page
    assert ADDRESS not in page
    assert "We'll show the joining details once you confirm your answer." in page
    assert "You're going" not in page


def test_the_confirmation_email_carries_no_private_details(client, mailbox, make_event, host):
    event = make_event(host=host, online_url=ONLINE_URL, address=ADDRESS, address_for_attendees=True)

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "made-up@example.org", "Mo"))

    message = mailbox.last_to("made-up@example.org")
    assert mailbox.attachments(message) == []
    assert ONLINE_URL not in mailbox.text(message)
    assert ADDRESS not in mailbox.text(message)


def test_someone_elses_address_puts_no_name_on_the_page_until_its_owner_confirms(app, client, mailbox, event, person):
    ann = person("Ann Attlee")

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", ann.email, "Mallory", show_name="y"))

    assert "Including" not in text_of(app.test_client().get(page_path(event)))
    assert status_of(event, ann) is None
    assert ann.name == "Ann Attlee"
    link = mailbox.link_to(ann.email, containing="/answers/")
    owner = app.test_client()
    owner.post(link)
    assert "Including Ann Attlee" in text_of(owner.get(page_path(event)))  # the stored name, not the typed one


def test_a_nameless_host_is_not_renamed_by_a_guest_answer(app, client, make_person, make_event):
    quiet = make_person(email="quiet@example.org", name="")
    event = make_event(host=quiet)

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "quiet@example.org", "Mallory"))

    db.session.refresh(quiet)
    assert quiet.name == ""
    assert "Mallory" not in app.test_client().get(page_path(event)).text


# -- holds ------------------------------------------------------------------------------------------


def test_an_unproven_going_holds_its_places_and_confirming_takes_them(app, client, mailbox, make_event, host, person):
    event = make_event(host=host, capacity=2, max_guests=1)

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus", guests=1))

    assert pending("gus@example.org").held_places == 2
    counts = attendance(event)
    assert (counts.going, counts.held, counts.places_left, counts.is_full) == (0, 2, 0, True)
    assert "2 places held for people confirming by email" in text_of(app.test_client().get(page_path(event)))
    assert "It's full: if you say" in text_of(app.test_client().get(page_path(event)))
    assert "It's full: if you say" not in text_of(client.get(page_path(event)))  # the place is theirs, held
    ann = person("Ann Attlee")
    say(event, ann, GOING)  # a proven answer while the places are held: the waitlist
    assert status_of(event, ann) is WAITLISTED

    client.post(mailbox.link_to("gus@example.org", containing="/answers/"))

    gus = db.session.scalar(select(Person).where(Person.email == "gus@example.org"))
    assert status_of(event, gus) is GOING  # into the places held for him, ahead of the waitlist
    assert find_rsvp(event, gus).guests == 1
    assert status_of(event, ann) is WAITLISTED
    assert pending("gus@example.org") is None
    assert attendance(event).held == 0


def test_no_hold_is_made_while_anyone_waits(client, make_event, host, person):
    event = make_event(host=host, capacity=3, max_guests=2)
    say(event, person("Ann Attlee"), GOING)
    say(event, person("Bob Bevan"), GOING, guests=2)  # a party of 3 does not fit: it waits at the head
    assert attendance(event).places_left == 2

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))

    assert pending("gus@example.org").held_places == 0  # nobody overtakes the waitlist, held or not


def lapse(email: str) -> None:
    """The hold's time passes (as the clock would move it)."""
    db.session.execute(
        update(PendingAnswer).where(PendingAnswer.email == email).values(held_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_lapsed_hold_gives_its_place_to_the_head_of_the_waitlist(runner, client, mailbox, make_event, host, person):
    event = make_event(host=host, capacity=1)
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    ann = person("Ann Attlee")
    say(event, ann, GOING)
    assert status_of(event, ann) is WAITLISTED
    lapse("gus@example.org")
    assert attendance(event).held == 0  # a lapsed hold counts for nothing at once
    mailbox.clear()

    result = runner.invoke(args=["release-holds"])

    assert result.exit_code == 0, result.output
    assert "Promoted 1" in result.output
    db.session.expire_all()
    assert status_of(event, ann) is GOING
    assert mailbox.last_to(ann.email)["Subject"].startswith("A place came up for you")
    assert runner.invoke(args=["release-holds"]).output.startswith("Promoted 0")  # idempotent


def test_confirming_after_the_hold_lapsed_joins_the_end_of_the_waitlist(client, mailbox, make_event, host, person):
    event = make_event(host=host, capacity=1)
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    say(event, person("Ann Attlee"), GOING)  # waits behind the hold
    lapse("gus@example.org")
    say(event, person("Bob Bevan"), MAYBE)  # any answer settles the event: Ann gets the place

    client.post(mailbox.link_to("gus@example.org", containing="/answers/"))

    gus = db.session.scalar(select(Person).where(Person.email == "gus@example.org"))
    assert status_of(event, person_named("ann@example.org")) is GOING
    assert status_of(event, gus) is WAITLISTED
    assert waitlist_position(find_rsvp(event, gus)) == 1


def person_named(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def test_a_new_answer_from_the_same_address_replaces_the_pending_one(app, client, make_event, host):
    event = make_event(host=host, capacity=3)
    for answer_value in ("going", "maybe", "going"):
        app.test_client().post(f"/events/{event.id}/rsvp", data=guest_answer(answer_value, "gus@example.org", "Gus"))

    rows = db.session.scalars(select(PendingAnswer).where(PendingAnswer.event_id == event.id)).all()
    assert [(row.status, row.held_places) for row in rows] == [(GOING, 1)]
    assert attendance(event).held == 1  # not three


# -- the emailed link ------------------------------------------------------------------------------


def test_a_confirmation_link_works_once(client, mailbox, event):
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    link = mailbox.link_to("gus@example.org", containing="/answers/")

    assert client.post(link).status_code == 302
    assert client.post(link).status_code == 410
    assert client.get(link).status_code == 410
    assert rsvp_count(event.id) == 1


@pytest.mark.parametrize("how", ["secret", "event", "junk", "empty-secret", "huge"])
def test_a_tampered_confirmation_link_is_refused(client, mailbox, make_event, host, event, how):
    other = make_event(host=host, title="Another")
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    link = mailbox.link_to("gus@example.org", containing="/answers/")
    event_id, secret = link.removeprefix("/answers/").split(".")
    bad = {
        "secret": f"{event_id}.{secret[:-2]}xx",
        "event": f"{other.id}.{secret}",
        "junk": "not-a-token",
        "empty-secret": f"{event_id}.",
        "huge": f"{'9' * 30}.{secret}",
    }[how]

    for method in (client.get, client.post):
        assert method(f"/answers/{bad}").status_code in (404, 410)
    assert rsvp_count(event.id) == 0


def test_an_expired_confirmation_link_is_refused(client, mailbox, event):
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    db.session.execute(update(PendingAnswer).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert client.post(mailbox.link_to("gus@example.org", containing="/answers/")).status_code == 410
    assert rsvp_count(event.id) == 0


def test_confirming_for_a_cancelled_gathering_is_refused_with_a_message(client, mailbox, make_event, host):
    event = make_event(host=host)
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus"))
    cancel_event(locked_event(event.id), host, "Rained off")
    db.session.commit()

    response = client.post(mailbox.link_to("gus@example.org", containing="/answers/"))

    assert response.status_code == 302
    assert flashes(client.get(response.headers["Location"]))[-1] == "This gathering is cancelled."
    assert rsvp_count(event.id) == 0


# -- flooding an inbox ------------------------------------------------------------------------------


def test_one_address_gets_at_most_three_answer_emails_an_hour(app, mailbox, make_event, host):
    events = [make_event(host=host, title=f"Walk {n}") for n in range(5)]
    pages = []
    for each in events:
        pages.append(answer_page(app, each, guest_answer("going", "victim@example.org", "Mallory")))

    assert len(mailbox.to("victim@example.org")) == app.config["ANSWER_MAILS_PER_ADDRESS"] == 3
    assert {status.split()[0] for status, _page in pages} == {"302"}
    assert "Check your email" in pages[-1][1]  # the page does not change past the limit
    assert db.session.scalar(select(func.count()).select_from(PendingAnswer)) == 3  # and nothing is held


# -- what a browser has proven ----------------------------------------------------------------------


def test_a_browser_that_proved_an_address_answers_at_once_for_it(client, mailbox, make_event, host):
    first, second = make_event(host=host, title="First"), make_event(host=host, title="Second")
    answer_as_guest(client, mailbox, first.id, guest_answer("going", "gus@example.org", "Gus"))
    mailbox.clear()

    client.post(f"/events/{second.id}/rsvp", data=guest_answer("maybe", "gus@example.org", "Gus"))

    assert status_of(second, person_named("gus@example.org")) is MAYBE
    assert mailbox.last_to("gus@example.org")["Subject"].startswith("You might go")


def test_a_remembered_answer_never_applies_to_another_typed_address(client, mailbox, event):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "gus@example.org", "Gus"))

    client.post(f"/events/{event.id}/rsvp", data=guest_answer("not-going", "other@example.org", "Oz"))

    assert status_of(event, person_named("gus@example.org")) is GOING
    assert pending("other@example.org").status is RsvpStatus.NOT_GOING
    assert person_named("other@example.org") is None


def test_opening_someones_manage_link_plants_nothing_in_the_browser(app, client, mailbox, event):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "gus@example.org", "Gus"))
    manage = mailbox.link_to("gus@example.org", containing="/rsvps/")
    snoop = app.test_client()

    assert snoop.get(manage).status_code == 200

    with snoop.session_transaction() as session:
        assert "rsvps" not in session
        assert "proven" not in session
    assert "You're going" not in text_of(snoop.get(page_path(event)))


def test_signing_out_forgets_the_remembered_answers(client, auth, mailbox, event, person):
    answer_as_guest(client, mailbox, event.id, guest_answer("going", "gus@example.org", "Gus"))
    person("Ann Attlee")
    auth.sign_in("ann@example.org")

    auth.sign_out()

    with client.session_transaction() as session:
        assert "rsvps" not in session
        assert "proven" not in session
    assert "You're going" not in text_of(client.get(page_path(event)))


def test_show_my_name_takes_effect_only_once_proven(app, client, mailbox, event):
    client.post(f"/events/{event.id}/rsvp", data=guest_answer("going", "gus@example.org", "Gus Grey", show_name="y"))
    assert "Gus Grey" not in app.test_client().get(page_path(event)).text

    client.post(mailbox.link_to("gus@example.org", containing="/answers/"))

    assert "Including Gus Grey" in text_of(app.test_client().get(page_path(event)))


def test_a_reload_of_the_answer_address_goes_to_the_event_page(client, event):
    response = client.get(f"/events/{event.id}/rsvp")

    assert response.status_code == 302
    assert response.headers["Location"] == page_path(event) + "#rsvp"


def test_holding_answers_is_the_same_work_for_any_address(app, make_event, host, person):
    """The domain call behind the page: one pending row and one email per call, known or not."""
    event = make_event(host=host, capacity=4)
    say(event, person("Ann Attlee"), GOING)
    for email in ("ann@example.org", "new@example.org"):
        ask_to_confirm(locked_event(event.id), email, "Mallory", GOING)
        db.session.commit()

    rows = db.session.scalars(select(PendingAnswer).order_by(PendingAnswer.id)).all()
    assert [(row.email, row.held_places) for row in rows] == [("ann@example.org", 1), ("new@example.org", 1)]
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.email == "new@example.org")) == 0
