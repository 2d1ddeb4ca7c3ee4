"""Hosts run their gatherings: edit, invite co-hosts, hand over, step down, cancel.

The rules are tested on the domain functions in eventsite/events.py and
eventsite/hosting.py (invitations: more in tests/test_trust_hosting.py); the view
tests check the wiring: who may use each page, redirects, flashes and messages.

The test client shares the test's app context, and Flask-Login caches the
signed-in person in ``g``: so each test uses one client and signs out before
acting as someone else.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.events import EventDetails, can_edit, cancel_event, edit_event, step_down
from eventsite.extensions import db
from eventsite.hosting import accept_invitation, add_cohost, hand_over
from eventsite.models import Event, EventChange, EventStatus
from tests.conftest import edit_form, future_local

HOST = "hana@example.org"
COHOST = "colin@example.org"
STRANGER = "sid@example.org"


def person_form(prefix: str, email: str) -> dict:
    """The co-host or hand-over form (``prefix`` "cohost" or "handover")."""
    return {f"{prefix}-email": email}


def event_page(event: Event) -> str:
    return f"/events/{event.id}-{event.slug}"


def is_host(person, event: Event) -> bool:
    db.session.refresh(event)
    return can_edit(person, event)


def changes_to(event: Event, action: str) -> list[EventChange]:
    query = db.select(EventChange).where(EventChange.event_id == event.id, EventChange.action == action)
    return db.session.scalars(query).all()


@pytest.fixture
def host(app, make_person):
    return make_person(email=HOST, name="Hana Host")


@pytest.fixture
def event(make_event, host):
    return make_event(host=host, title="Brew and biscuits", description="Tea and chat.")


# -- editing: the rules -------------------------------------------------------------------------


def test_editing_the_title_raises_sequence_and_moves_updated_at(event, host):
    sequence, updated_at = event.sequence, event.updated_at

    changed = edit_event(event, EventDetails.of(event, title="Brew, biscuits and a walk"), host)

    assert changed == ["title"]
    assert event.title == "Brew, biscuits and a walk"
    assert event.sequence == sequence + 1
    assert event.updated_at > updated_at


def test_editing_the_time_raises_sequence(event, host):
    sequence = event.sequence

    changed = edit_event(event, EventDetails.of(event, starts_local=future_local(days=8), ends_local=None), host)

    assert "starts_at" in changed
    assert event.local_start.replace(tzinfo=None) == future_local(days=8)
    assert event.sequence == sequence + 1


def test_editing_the_place_raises_sequence(event, host, make_place):
    sequence = event.sequence
    bramley = make_place("Bramley")

    changed = edit_event(event, EventDetails.of(event, place=bramley, venue_name="The Old Fire Station"), host)

    assert set(changed) == {"venue_name", "place_id"}
    assert event.place == bramley
    assert event.sequence == sequence + 1


def test_editing_only_the_description_moves_updated_at_but_keeps_sequence(event, host):
    sequence, updated_at = event.sequence, event.updated_at

    changed = edit_event(event, EventDetails.of(event, description="Tea, cake and chat."), host)

    assert changed == []
    assert event.description == "Tea, cake and chat."
    assert event.sequence == sequence
    assert event.updated_at > updated_at


def test_an_edit_records_who_made_it_and_when(event, host):
    before = utcnow()

    edit_event(event, EventDetails.of(event, title="Brew and biscuits, again"), host)
    db.session.commit()

    [change] = changes_to(event, "edited")
    assert change.person_id == host.id
    assert change.detail == "title"
    assert before <= change.created_at <= utcnow()


def test_only_a_host_may_edit(event, make_person):
    stranger = make_person(email=STRANGER, name="Sid")

    with pytest.raises(NotAllowed):
        edit_event(event, EventDetails.of(event, title="Not my gathering"), stranger)


def test_a_cancelled_event_cannot_be_edited(event, host):
    cancel_event(event, host, "The café is closed.")

    with pytest.raises(NotAllowed, match="cancelled"):
        edit_event(event, EventDetails.of(event, title="Back on?"), host)


# -- editing: the page --------------------------------------------------------------------------


def test_host_edits_event_and_is_sent_back_to_it_with_a_message(client, auth, event):
    sequence = event.sequence
    auth.sign_in(HOST)

    assert client.get(f"/events/{event.id}/edit").status_code == 200
    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, title="Brew and biscuits in Bramley"))

    assert response.status_code == 302
    db.session.refresh(event)
    assert response.headers["Location"] == event_page(event)
    assert event.title == "Brew and biscuits in Bramley"
    assert event.sequence == sequence + 1
    page = client.get(response.headers["Location"])
    assert "Your changes are saved." in page.text
    assert "Brew and biscuits in Bramley" in page.text


def test_edit_with_a_blank_title_is_refused_with_a_message(client, auth, event):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, title="   "))

    assert response.status_code == 422
    assert "Give your gathering a title." in response.text
    db.session.refresh(event)
    assert event.title == "Brew and biscuits"


def test_editing_a_cancelled_event_is_refused(client, auth, event, host):
    cancel_event(event, host, "")
    db.session.commit()
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, title="Back on?"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}-{event.slug}"
    assert "A cancelled gathering cannot be edited." in client.get(response.headers["Location"]).text
    assert client.get(f"/events/{event.id}/edit").status_code == 302  # the form is not even offered
    db.session.refresh(event)
    assert event.title == "Brew and biscuits"
    assert event.status is EventStatus.CANCELLED


# -- who may use the host pages -----------------------------------------------------------------

HOST_PAGES = ["edit", "cancel", "hosts"]
HOST_ACTIONS = ["edit", "cancel", "hosts", "hand-over", "step-down"]


def test_non_host_is_refused_every_host_page_and_action(client, auth, event, make_person):
    make_person(email=STRANGER, name="Sid")
    auth.sign_in(STRANGER)

    for page in HOST_PAGES:
        assert client.get(f"/events/{event.id}/{page}").status_code == 403, page
    form = {**edit_form(event, title="Mine now"), **person_form("cohost", STRANGER)}
    form.update(person_form("handover", STRANGER), message="Off")
    for action in HOST_ACTIONS:
        assert client.post(f"/events/{event.id}/{action}", data=form).status_code == 403, action

    db.session.refresh(event)
    assert event.status is EventStatus.PUBLISHED
    assert event.host_people[0].email == HOST
    assert len(event.hosts) == 1


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, event):
    for method, action in [("get", page) for page in HOST_PAGES] + [("post", action) for action in HOST_ACTIONS]:
        path = f"/events/{event.id}/{action}"
        response = getattr(client, method)(path)

        assert response.status_code == 302, path
        location = urlsplit(response.headers["Location"])
        assert location.path == "/sign-in"
        assert parse_qs(location.query)["next"] == [path]


# -- co-hosts -----------------------------------------------------------------------------------


def test_an_accepted_invitation_makes_them_an_equal_host(event, host):
    invitation = add_cohost(event, host, "Colin@Example.org")
    cohost = invitation.person
    assert cohost.email == COHOST
    assert not can_edit(cohost, event)  # invited is not yet a host

    accept_invitation(invitation, "Colin")

    assert can_edit(cohost, event)
    assert can_edit(host, event)
    assert changes_to(event, "invited a co-host")[0].person_id == host.id
    assert changes_to(event, "accepted a host invitation")[0].person_id == cohost.id


def test_adding_an_existing_host_is_refused(event, host):
    with pytest.raises(InvalidInput, match="already a host"):
        add_cohost(event, host, HOST)


def test_cohost_is_emailed_an_invitation_that_signs_them_in_to_edit(client, auth, mailbox, event):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/hosts", data=person_form("cohost", COHOST))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/hosts"
    assert f"We have emailed {COHOST} an invitation" in client.get(response.headers["Location"]).text
    message = mailbox.last_to(COHOST)
    assert message["Subject"] == "You're invited to host Brew and biscuits"

    auth.sign_out()
    link = mailbox.link_to(COHOST)
    assert client.get(link).status_code == 200
    response = client.post(link + "/accept", data={"name": "Colin"})
    assert response.status_code == 302
    assert response.headers["Location"] == event_page(event)

    assert client.get(f"/events/{event.id}/edit").status_code == 200
    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, title="Brew with Colin"))
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.title == "Brew with Colin"
    assert changes_to(event, "edited")[0].person.email == COHOST


def test_adding_an_existing_host_again_shows_a_clear_message(client, auth, event, host):
    accept_invitation(add_cohost(event, host, COHOST), "Colin")
    db.session.commit()
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/hosts", data=person_form("cohost", COHOST.upper()))

    assert response.status_code == 422
    assert f"{COHOST} is already a host." in response.text
    db.session.refresh(event)
    assert len(event.hosts) == 2


# -- handing over and stepping down -------------------------------------------------------------


def test_an_accepted_hand_over_makes_the_other_person_host_and_steps_down(event, host):
    invitation = hand_over(event, host, "Nia@example.org")
    assert event.host_people == [host]  # until they accept

    successor = accept_invitation(invitation, "Nia")

    assert successor.email == "nia@example.org"
    assert event.host_people == [successor]
    assert not can_edit(host, event)


def test_handing_over_to_yourself_is_refused(event, host):
    with pytest.raises(InvalidInput, match="your own address"):
        hand_over(event, host, HOST.upper())

    assert event.host_people == [host]


def test_handed_over_host_is_refused_afterwards(client, auth, mailbox, event, host):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/hand-over", data=person_form("handover", "nia@example.org"))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/hosts"
    assert "We have emailed nia@example.org an invitation to take over" in client.get(event_page(event)).text
    assert is_host(host, event)  # until Nia accepts
    auth.sign_out()
    assert client.post(mailbox.link_to("nia@example.org") + "/accept", data={"name": "Nia"}).status_code == 302
    db.session.refresh(event)
    assert [person.email for person in event.host_people] == ["nia@example.org"]
    auth.sign_out()
    auth.sign_in(HOST)
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    assert client.post(f"/events/{event.id}/hosts", data=person_form("cohost", HOST)).status_code == 403


def test_hand_over_to_yourself_shows_a_clear_message(client, auth, event, host):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/hand-over", data=person_form("handover", HOST))

    assert response.status_code == 422
    assert "That is your own address" in response.text
    assert is_host(host, event)


def test_the_only_host_cannot_step_down(event, host):
    with pytest.raises(InvalidInput, match="only host"):
        step_down(event, host)

    assert event.host_people == [host]


def test_a_host_can_step_down_when_another_stays(event, host):
    cohost = accept_invitation(add_cohost(event, host, COHOST), "Colin")

    step_down(event, host)

    assert event.host_people == [cohost]


def test_step_down_page_refuses_the_only_host(client, auth, event, host):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/step-down")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/hosts"
    assert "You are the only host" in client.get(response.headers["Location"]).text
    assert is_host(host, event)


def test_step_down_page_lets_a_host_leave_a_cohost_in_charge(client, auth, event, host):
    accept_invitation(add_cohost(event, host, COHOST), "Colin")
    db.session.commit()
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/step-down")

    assert response.status_code == 302
    assert response.headers["Location"] == event_page(event)
    assert "You are no longer a host" in client.get(response.headers["Location"]).text
    assert not is_host(host, event)
    assert [person.email for person in event.host_people] == [COHOST]


# -- cancelling ---------------------------------------------------------------------------------


def test_cancel_keeps_event_with_message_and_raises_sequence(event, host):
    sequence = event.sequence

    cancel_event(event, host, "The café is closed for repairs.")

    assert event.status is EventStatus.CANCELLED
    assert event.cancel_message == "The café is closed for repairs."
    assert event.sequence == sequence + 1
    assert event.is_public
    assert changes_to(event, "cancelled")[0].person_id == host.id


def test_cancel_keeps_event_visible_with_message(client, auth, event):
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/cancel", data={"message": "The café is closed for repairs."})

    assert response.status_code == 302
    assert response.headers["Location"] == event_page(event)
    assert "The gathering is cancelled." in client.get(event_page(event)).text

    auth.sign_out()
    page = client.get(event_page(event))
    assert page.status_code == 200
    assert "Cancelled: Brew and biscuits" in page.text
    assert "This gathering is cancelled." in page.text
    assert "The café is closed for repairs." in page.text

    listing = client.get("/")
    assert "Brew and biscuits" in listing.text
    assert '<strong class="status-cancelled">Cancelled</strong>' in listing.text


def test_cancelled_event_page_offers_no_edit_to_hosts(client, auth, event, host):
    cancel_event(event, host, "")
    db.session.commit()
    auth.sign_in(HOST)

    page = client.get(event_page(event))

    assert f'href="/events/{event.id}/edit"' not in page.text
    assert f'href="/events/{event.id}/hosts"' in page.text


# -- forms sent without their optional fields (not by a browser, but people can send them) ------


def test_host_forms_missing_optional_fields_get_no_server_error(client, auth, event):
    auth.sign_in(HOST)
    without_tags = {name: value for name, value in edit_form(event, title="Brew").items() if name != "tags"}

    assert client.post(f"/events/{event.id}/edit", data=without_tags).status_code == 302
    assert client.post(f"/events/{event.id}/hosts", data={"cohost-email": COHOST}).status_code == 302
    assert client.post(f"/events/{event.id}/hand-over", data={"handover-email": "nia@example.org"}).status_code == 302
