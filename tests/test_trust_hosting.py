"""Moderation and hosting that cannot be bypassed: status changes through one
function, limits on hosts' email, co-hosts by invitation, names never taken from
an address, steward alerts, and hosts removing an answer.

Answers are made through the domain (``respond``) or as signed-in people, never
as guests through the answer form.
"""

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from eventsite.accounts import delete_account
from eventsite.attendees import message_people, respond
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import EventDetails, can_edit, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.hosting import (
    accept_invitation,
    add_cohost,
    decline_invitation,
    find_invitation,
    hand_over,
    remove_answer,
)
from eventsite.lifecycle import change_status
from eventsite.mail import deliver
from eventsite.models import Event, EventChange, EventStatus, HostInvitation, Person, Rsvp, RsvpStatus
from eventsite.moderation import approve, hide, report_event, restore
from eventsite.people import find_person
from eventsite.rsvps import locked_event
from tests.conftest import edit_form, future_local

HOST = "hana@example.org"
COHOST = "colin@example.org"
STEWARD = "sam@example.org"
ALICE = "alice@example.org"
BEA = "bea@example.org"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def event(make_event, host):
    return make_event(host=host, title="Brew and biscuits", description="Tea and *chat*.", capacity=1)


def page_of(event: Event) -> str:
    return f"/events/{event.id}-{event.slug}"


def going(event: Event, email: str, name: str = "") -> Rsvp:
    person = find_person(email) or Person(email=email, name=name, email_confirmed_at=utcnow())
    db.session.add(person)
    rsvp = respond(locked_event(event.id), person, RsvpStatus.GOING).rsvp
    db.session.commit()
    deliver()  # as the request would, after its commit
    return rsvp


def subjects_to(mailbox, address: str) -> list[str]:
    deliver()
    return [message["Subject"] for message in mailbox.to(address)]


def public_outputs(client) -> dict[str, str]:
    return {path: client.get(path).text for path in ("/", "/api/events", "/calendar.ics", "/feed.atom")}


# -- one status function ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [EventStatus.HELD, EventStatus.HIDDEN])
def test_a_host_cancelling_a_held_or_hidden_event_keeps_it_out_of_public_view(
    client, auth, make_event, host, steward, status
):
    event = make_event(host=host, title="Quiet scam seminar", status=status)
    auth.sign_in(HOST)

    response = client.post(f"/events/{event.id}/cancel", data={"message": "Off."})

    assert response.status_code == 302
    db.session.refresh(event)
    assert event.status is status
    assert event.is_cancelled
    auth.sign_out()
    assert client.get(page_of(event)).status_code == 404
    for path, text in public_outputs(client).items():
        assert "Quiet scam seminar" not in text, path
    auth.sign_in(STEWARD)
    queue = client.get("/stewards/").text
    section = "hidden" if status is EventStatus.HIDDEN else "held"
    listed = queue.split(f'id="{section}"')[1].split("</section>")[0]
    assert "Quiet scam seminar" in listed


def test_cancelling_a_hidden_event_emails_nobody(mailbox, event, host, steward):
    going(event, ALICE, "Alice")
    hide(event, steward)
    db.session.commit()
    mailbox.clear()

    cancel_event(locked_event(event.id), host, "Come to my other thing instead: example.com")
    db.session.commit()

    assert subjects_to(mailbox, ALICE) == []


def test_approving_a_held_event_its_hosts_cancelled_makes_it_public_as_cancelled(client, mailbox, make_event, host,
                                                                                  steward):  # fmt: skip
    event = make_event(host=host, title="Brew", status=EventStatus.HELD)
    cancel_event(event, host, "Sorry.")

    approve(event, steward)
    db.session.commit()
    deliver()

    assert event.status is EventStatus.CANCELLED
    assert not any(subject.startswith("Your gathering is live") for subject in subjects_to(mailbox, host.email))
    assert client.get(page_of(event)).status_code == 200
    assert "This gathering is cancelled." in client.get(page_of(event)).text


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (EventStatus.PUBLISHED, "restore"),
        (EventStatus.PUBLISHED, "publish"),
        (EventStatus.HELD, "restore"),
        (EventStatus.UNCONFIRMED, "hide"),
        (EventStatus.UNCONFIRMED, "approve"),
        (EventStatus.CANCELLED, "cancel"),
    ],
)
def test_a_transition_the_table_does_not_allow_is_refused(app, make_event, status, action):
    event = make_event(status=status)

    with pytest.raises(InvalidInput):
        change_status(event, action)

    assert event.status is status


def test_only_the_lifecycle_module_assigns_an_events_status():
    assignments = {
        path.name: re.findall(r"\bevent\.status\s*=[^=]", path.read_text())
        for path in (ROOT / "eventsite").rglob("*.py")
        if path.name != "lifecycle.py"
    }

    assert {name: found for name, found in assignments.items() if found} == {}


# -- hosts' email: only while live, and at most HOST_MAILS_PER_HOUR ------------------------------


@pytest.mark.parametrize("status", [EventStatus.HELD, EventStatus.HIDDEN])
def test_a_held_or_hidden_event_cannot_message_its_attendees(make_event, host, status):
    event = make_event(host=host, status=status)

    with pytest.raises(InvalidInput, match="steward") as refused:
        message_people(event, "everyone", "Hi", "Buy now", host)

    assert refused.value.field == "body"


def test_a_hidden_events_attendees_page_says_why_and_refuses_to_send(client, auth, mailbox, event, host, steward):
    going(event, ALICE, "Alice")
    hide(event, steward)
    db.session.commit()
    mailbox.clear()
    auth.sign_in(HOST)

    page = client.get(f"/events/{event.id}/attendees")
    sent = client.post(f"/events/{event.id}/message", data={"audience": "everyone", "subject": "Hi", "body": "Hey"})

    assert "hidden by a steward" in page.text
    assert sent.status_code == 422
    assert "hidden by a steward" in sent.text
    assert subjects_to(mailbox, ALICE) == []


def test_an_edit_of_a_hidden_event_emails_no_attendees(mailbox, event, host, steward):
    going(event, ALICE, "Alice")
    hide(event, steward)
    db.session.commit()
    mailbox.clear()

    details = EventDetails.of(event, starts_local=future_local(days=9), ends_local=None)
    changed = edit_event(locked_event(event.id), details, host)
    db.session.commit()

    assert "starts_at" in changed
    assert subjects_to(mailbox, ALICE) == []


@pytest.mark.parametrize("app_settings", [{"HOST_MAILS_PER_HOUR": 2}])
def test_messages_past_the_hourly_limit_are_refused_beside_the_body(client, auth, mailbox, event, host):
    going(event, ALICE, "Alice")
    auth.sign_in(HOST)
    form = {"audience": "everyone", "subject": "Parking", "body": "Park at the back."}

    statuses = [client.post(f"/events/{event.id}/message", data=form).status_code for _ in range(3)]
    refused = client.post(f"/events/{event.id}/message", data=form)

    assert statuses == [302, 302, 422]
    assert 'id="body-error"' in refused.text
    assert "2 emails about this gathering in the last hour" in refused.text
    assert "Park at the back." in refused.text  # what they typed is still there
    assert subjects_to(mailbox, ALICE).count("Parking: Brew and biscuits") == 2


@pytest.mark.parametrize("app_settings", [{"HOST_MAILS_PER_HOUR": 1}])
def test_an_edit_that_would_email_attendees_past_the_limit_is_refused_beside_the_start(
    client, auth, mailbox, event, host
):
    going(event, ALICE, "Alice")
    message_people(locked_event(event.id), "everyone", "Hello", "See you.", host)
    db.session.commit()
    auth.sign_in(HOST)
    new_start = future_local(days=9).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        f"/events/{event.id}/edit", data=edit_form(event, title="Brew, moved", starts_at=new_start, ends_at="")
    )

    assert response.status_code == 422
    assert 'id="starts_at-error"' in response.text
    assert 'value="Brew, moved"' in response.text
    db.session.refresh(event)
    assert event.title == "Brew and biscuits"
    assert "Changed: Brew, moved" not in subjects_to(mailbox, ALICE)
    # An edit that emails nobody is not limited.
    assert client.post(f"/events/{event.id}/edit", data=edit_form(event, cost="£2")).status_code == 302


def test_mail_outs_older_than_an_hour_no_longer_count(event, host, app):
    app.config["HOST_MAILS_PER_HOUR"] = 1
    going(event, ALICE, "Alice")
    message_people(locked_event(event.id), "everyone", "Hello", "See you.", host)
    db.session.commit()

    db.session.execute(update(EventChange).values(created_at=utcnow() - timedelta(minutes=61)))

    assert message_people(locked_event(event.id), "everyone", "Again", "Hi.", host) == 1


# -- replies to hosts' messages ----------------------------------------------------------------

MESSAGE = {"audience": "everyone", "subject": "Parking", "body": "Park at the back."}


def test_the_message_form_says_replies_cannot_reach_a_host_who_does_not_tick(client, auth, event, host):
    auth.sign_in(HOST)

    page = client.get(f"/events/{event.id}/attendees")

    assert page.status_code == 200
    assert "Let people reply to me by email (they will see your address)" in page.text
    assert "Without this tick, replies cannot reach you" in page.text


def test_a_host_who_lets_people_reply_is_the_reply_to(client, auth, mailbox, event, host):
    going(event, ALICE, "Alice")
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/message", data={**MESSAGE, "reply_to_me": "y"})

    assert response.status_code == 302
    message = mailbox.last_to(ALICE)
    assert message["Reply-To"] == HOST
    assert message["From"] == client.application.config["MAIL_FROM"]
    assert "reply to this email: your reply goes to them" in message.get_content()


def test_without_the_tick_there_is_no_reply_to_and_the_message_says_so(client, auth, mailbox, event, host):
    going(event, ALICE, "Alice")
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/message", data=MESSAGE)

    assert response.status_code == 302
    message = mailbox.last_to(ALICE)
    assert message["Reply-To"] is None
    assert HOST not in message.as_string()  # the host's address goes nowhere
    assert "replies cannot reach the host" in message.get_content()


@pytest.mark.parametrize("field", ["reply_to", "reply_to_me", "email"])
def test_the_reply_to_cannot_be_typed_into_the_form(client, auth, mailbox, event, host, field):
    """Only the host's stored address is ever the Reply-To: nothing posted can add a header."""
    going(event, ALICE, "Alice")
    auth.sign_in(HOST)
    mailbox.clear()
    forged = "bea@example.org\r\nBcc: everyone@example.org"

    response = client.post(f"/events/{event.id}/message", data={**MESSAGE, "reply_to_me": "y", field: forged})

    assert response.status_code == 302
    message = mailbox.last_to(ALICE)
    assert message["Reply-To"] == HOST
    assert message["Bcc"] is None
    assert mailbox.to("everyone@example.org") == []
    assert mailbox.to("bea@example.org") == []


# -- co-hosts by invitation ---------------------------------------------------------------------


def test_an_invitee_is_not_a_host_and_shown_nowhere_until_accepting(client, auth, mailbox, make_event, host):
    event = make_event(host=host, title="Brew")
    invitation = add_cohost(event, host, COHOST)
    invitation.person.name = "Colin Cohost"
    db.session.commit()
    deliver()
    link = mailbox.link_to(COHOST)

    assert [person.email for person in event.host_people] == [HOST]
    for path in (page_of(event), "/api/events", "/feed.atom"):
        assert "Colin" not in client.get(path).text, path
    auth.sign_in(COHOST)
    assert client.get(f"/events/{event.id}/edit").status_code == 403

    response = client.post(link + "/accept")
    assert response.status_code == 302, response.text

    assert "Colin Cohost" in client.get(page_of(event)).text
    assert client.get(f"/events/{event.id}/edit").status_code == 200


def test_accepting_asks_a_nameless_invitee_for_their_name_and_tells_the_inviter(client, auth, mailbox, event, host):
    auth.sign_in(HOST)
    client.post(f"/events/{event.id}/hosts", data={"cohost-email": COHOST})
    assert f"{COHOST}" in client.get(f"/events/{event.id}/hosts").text  # listed as invited
    auth.sign_out()
    link = mailbox.link_to(COHOST)

    assert 'name="name"' in client.get(link).text
    nameless = client.post(link + "/accept", data={"name": ""})
    named = client.post(link + "/accept", data={"name": "Colin"})

    assert nameless.status_code == 422
    assert "Enter your name" in nameless.text
    assert named.status_code == 302
    cohost = find_person(COHOST)
    assert cohost.name == "Colin"
    assert cohost.email_confirmed_at is not None
    assert can_edit(cohost, event)
    assert client.get(f"/events/{event.id}/edit").status_code == 200  # signed in by the link
    assert "Colin accepted: Brew and biscuits" in subjects_to(mailbox, HOST)
    assert client.post(link + "/accept", data={"name": "Colin"}).status_code == 410  # used up


def test_declining_adds_nobody_and_tells_the_inviter(client, mailbox, event, host):
    add_cohost(event, host, COHOST)
    db.session.commit()
    deliver()
    link = mailbox.link_to(COHOST)

    response = client.post(link + "/decline")

    assert response.status_code == 302
    db.session.refresh(event)
    assert [person.email for person in event.host_people] == [HOST]
    assert db.session.scalars(select(HostInvitation)).all() == []
    assert f"{COHOST} declined: Brew and biscuits" in subjects_to(mailbox, HOST)


def test_inviting_again_replaces_the_old_link(client, mailbox, event, host):
    add_cohost(event, host, COHOST)
    db.session.commit()
    deliver()
    old_link = mailbox.link_to(COHOST)
    add_cohost(event, host, COHOST)
    db.session.commit()
    deliver()

    assert client.get(old_link).status_code == 410
    assert client.get(mailbox.link_to(COHOST)).status_code == 200
    assert len(db.session.scalars(select(HostInvitation)).all()) == 1


def test_only_a_hash_of_the_invitation_secret_is_stored_and_it_expires(client, mailbox, event, host):
    invitation = add_cohost(event, host, COHOST)
    db.session.commit()
    deliver()
    token = mailbox.link_to(COHOST).removeprefix("/invitations/")

    assert len(token) >= 43  # 256 bits, base64
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert find_invitation(token).id == invitation.id
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(LinkInvalid, match="expired"):
        find_invitation(token)
    assert client.post(f"/invitations/{token}/accept", data={"name": "Colin"}).status_code == 410


def test_a_host_withdraws_an_invitation_and_its_link_stops_working(client, auth, mailbox, event, host, make_event):
    invitation = add_cohost(event, host, COHOST)
    other = make_event(host=host, title="Another")
    db.session.commit()
    deliver()
    link = mailbox.link_to(COHOST)
    auth.sign_in(HOST)

    assert client.post(f"/events/{other.id}/invitations/{invitation.id}/withdraw").status_code == 404
    response = client.post(f"/events/{event.id}/invitations/{invitation.id}/withdraw")

    assert response.status_code == 302
    assert client.get(link).status_code == 410


def test_a_non_host_cannot_withdraw_an_invitation(client, auth, event, host, make_person):
    invitation = add_cohost(event, host, COHOST)
    db.session.commit()
    make_person(email=ALICE, name="Alice")
    auth.sign_in(ALICE)

    assert client.post(f"/events/{event.id}/invitations/{invitation.id}/withdraw").status_code == 403
    assert db.session.get(HostInvitation, invitation.id) is not None


def test_a_hand_over_accepted_after_the_inviter_left_steps_nobody_down(event, host):
    invitation = hand_over(event, host, "nia@example.org")
    accept_invitation(add_cohost(event, host, COHOST), "Colin")
    delete_account(host)

    accept_invitation(invitation, "Nia")

    assert sorted(person.email for person in event.host_people) == [COHOST, "nia@example.org"]


def test_an_invitee_can_delete_their_account(event, host):
    invitation = add_cohost(event, host, COHOST)
    db.session.commit()

    delete_account(invitation.person)
    db.session.commit()

    assert db.session.scalars(select(HostInvitation)).all() == []


def test_declining_a_used_invitation_is_refused(event, host):
    invitation = add_cohost(event, host, COHOST)
    decline_invitation(invitation)

    with pytest.raises(LinkInvalid):
        decline_invitation(invitation)


# -- names: never from an address -----------------------------------------------------------------


def test_a_nameless_host_is_a_host_everywhere_and_their_address_shows_nowhere(client, make_person, make_event):
    nameless = make_person(email="jo.bloggs@nhs.example", name="")
    event = make_event(host=nameless, title="Brew")

    page = client.get(page_of(event)).text
    ld = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    api = client.get("/api/events").get_json()
    atom = client.get("/feed.atom").text

    assert nameless.display_name == ""
    assert ld["organizer"] == [{"@type": "Person", "name": "a host"}]
    assert api["events"][0]["hosts"] == ["a host"]
    assert "<name>a host</name>" in atom
    for text in (page, atom, json.dumps(api)):
        assert "jo.bloggs" not in text


def test_a_nameless_recipient_is_greeted_without_a_name(mailbox, event):
    going(event, "jo.bloggs@nhs.example")

    deliver()
    body = mailbox.text(mailbox.last_to("jo.bloggs@nhs.example"))

    assert body.splitlines()[0] == "Hello,"


def test_a_signed_in_proposer_without_a_name_is_asked_for_one(client, auth, make_person, make_place):
    from tests.test_propose_journey import proposal

    make_place("Armley")
    make_person(email=ALICE, name="")
    auth.sign_in(ALICE)
    form = {key: value for key, value in proposal().items() if key not in ("name", "email")}

    refused = client.post("/events/new", data=form)
    accepted = client.post("/events/new", data={**form, "name": "Alice Adams"})

    assert refused.status_code == 422
    assert "Enter your name" in refused.text
    assert accepted.status_code == 302
    assert find_person(ALICE).name == "Alice Adams"


def test_a_guest_proposers_name_waits_for_the_emailed_link(client, mailbox, make_person, make_place):
    from tests.test_propose_journey import proposal

    make_place("Armley")
    make_person(email="nadia@example.org", name="")  # known, no name yet
    make_person(email=BEA, name="Bea Real")

    client.post("/events/new", data=proposal(name="Mallory"))
    client.post("/events/new", data=proposal(name="Mallory", email=BEA, title="Another"))

    assert find_person("nadia@example.org").name == ""  # typed by anyone: not yet theirs
    assert find_person(BEA).name == "Bea Real"
    client.post(mailbox.link_to("nadia@example.org"))
    client.post("/sign-out")
    client.post(mailbox.link_to(BEA))
    db.session.expire_all()
    assert find_person("nadia@example.org").name == "Mallory"  # proven by the link
    assert find_person(BEA).name == "Bea Real"  # a stored name is never replaced


# -- stewards' alerts and queue -----------------------------------------------------------------


def test_stewards_are_emailed_a_report_with_what_they_need(mailbox, event, steward, make_person):
    make_person(email="sasha@example.org", name="Sasha", steward=True)

    report_event(event, None, "Looks like a scam.")
    db.session.commit()
    deliver()

    for address in (STEWARD, "sasha@example.org"):
        [message] = mailbox.to(address)
        body = mailbox.text(message)
        assert message["Subject"] == "Reported: Brew and biscuits"
        for expected in ("Looks like a scam.", "Café Nova", HOST, "Tea and chat.", "http://eventsite.test/stewards/"):
            assert expected in body, expected


def test_a_held_events_alert_has_its_summary_place_and_proposer(mailbox, app, make_event, host, steward):
    app.config["MODERATION"] = "all"

    make_event(host=host, title="Brew", description="Cake **and** tea.", status=EventStatus.HELD)
    deliver()

    body = mailbox.text(mailbox.last_to(STEWARD))
    for expected in ("Cake and tea.", "Café Nova", HOST):
        assert expected in body, expected


@pytest.mark.parametrize("app_settings", [{"STEWARD_ALERTS": False}])
def test_steward_alerts_can_be_turned_off(mailbox, event, steward):
    report_event(event, None, "Spam.")
    db.session.commit()

    assert subjects_to(mailbox, STEWARD) == []


def test_the_queue_shows_description_place_and_proposers_address(client, auth, make_event, host, steward):
    make_event(host=host, title="Held brew", description="Biscuits **galore**.", status=EventStatus.HELD)
    auth.sign_in(STEWARD)

    queue = client.get("/stewards/").text

    assert "<strong>galore</strong>" in queue
    assert "Café Nova" in queue
    assert HOST in queue


# -- hosts remove an answer ---------------------------------------------------------------------


def test_removing_an_answer_frees_the_place_for_the_head_of_the_waitlist(mailbox, event, host):
    spam = going(event, ALICE, "Alice")
    waiting = going(event, BEA, "Bea")
    assert waiting.status is RsvpStatus.WAITLISTED
    mailbox.clear()

    promoted = remove_answer(locked_event(event.id), spam, host, "A duplicate.")
    db.session.commit()

    assert promoted == [waiting]
    assert db.session.get(Rsvp, waiting.id).status is RsvpStatus.GOING
    assert db.session.scalars(select(Rsvp).where(Rsvp.person_id == find_person(ALICE).id)).all() == []
    deliver()
    [told] = mailbox.to(ALICE)
    assert told["Subject"] == "A host removed your answer: Brew and biscuits"
    assert "A duplicate." in mailbox.text(told)
    [ics] = mailbox.attachments(told)
    assert "METHOD:CANCEL" in ics.get_content()
    assert [m["Subject"] for m in mailbox.to(BEA)] == ["A place came up for you: Brew and biscuits"]


def test_a_host_removes_an_answer_from_the_attendees_page(client, auth, mailbox, event, host):
    rsvp = going(event, ALICE, "Alice")
    auth.sign_in(HOST)
    path = f"/events/{event.id}/attendees/{rsvp.id}/remove"

    assert path in client.get(f"/events/{event.id}/attendees").text
    assert client.get(path).status_code == 200  # the confirm step
    response = client.post(path, data={"reason": ""})

    assert response.status_code == 302
    assert "The answer is removed" in client.get(response.headers["Location"]).text
    assert db.session.get(Rsvp, rsvp.id) is None
    assert "A host removed your answer: Brew and biscuits" in subjects_to(mailbox, ALICE)


def test_only_hosts_remove_answers_and_only_of_their_event(client, auth, event, host, make_event, make_person):
    rsvp = going(event, ALICE, "Alice")
    other = make_event(host=host, title="Another")
    make_person(email=BEA, name="Bea")

    with pytest.raises(NotAllowed):
        remove_answer(locked_event(event.id), rsvp, find_person(BEA))
    db.session.rollback()
    auth.sign_in(BEA)
    assert client.post(f"/events/{event.id}/attendees/{rsvp.id}/remove").status_code == 403
    auth.sign_out()
    auth.sign_in(HOST)
    assert client.post(f"/events/{other.id}/attendees/{rsvp.id}/remove").status_code == 404
    assert db.session.get(Rsvp, rsvp.id) is not None


def test_places_opened_while_hidden_go_to_the_waitlist_on_restore(mailbox, event, host, steward):
    going(event, ALICE, "Alice")
    waiting = going(event, BEA, "Bea")
    hide(event, steward)
    db.session.commit()
    mailbox.clear()

    edit_event(locked_event(event.id), EventDetails.of(event, capacity=2), host)
    db.session.commit()
    assert db.session.get(Rsvp, waiting.id).status is RsvpStatus.WAITLISTED
    assert subjects_to(mailbox, BEA) == []  # a hidden gathering emails nobody

    restore(locked_event(event.id), steward)
    db.session.commit()

    assert db.session.get(Rsvp, waiting.id).status is RsvpStatus.GOING
    assert subjects_to(mailbox, BEA) == ["A place came up for you: Brew and biscuits"]


def test_handing_over_to_someone_already_hosting_steps_down_at_once(event, host):
    accept_invitation(add_cohost(event, host, COHOST), "Colin")

    assert hand_over(event, host, COHOST) is None

    assert [person.email for person in event.host_people] == [COHOST]
