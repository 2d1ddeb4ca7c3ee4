"""One-click invitations to the people waiting for a gathering (an idea's "I'd come", or
who went to it last time or asked again): sent once, when it is live; the link proves the
address; only the button answers; a forged or revoked link opens nothing."""

import re

import pytest
from sqlalchemy import select

from eventsite.accounts import delete_account
from eventsite.extensions import db
from eventsite.invitations import invitation_token, invite_waiting_people
from eventsite.mail import deliver
from eventsite.models import AgainRequest, EventKind, EventStatus, Idea, IdeaStatus, IdeaSupport, Rsvp, RsvpStatus
from eventsite.moderation import approve
from tests.conftest import future_local, new_event, new_person

LINK = re.compile(r"http://eventsite\.test(/invited/\S+)")


@pytest.fixture
def idea(app, host):
    idea = Idea(title="A walk by the canal", kind=EventKind.WALK, status=IdeaStatus.OPEN, created_by=host)
    db.session.add(idea)
    db.session.commit()
    return idea


def supporter(idea, email, would_come=True, could_host=False):
    person = new_person(email=email, name=email.split("@")[0].title())
    db.session.add(IdeaSupport(idea=idea, person=person, would_come=would_come, could_host=could_host))
    db.session.commit()
    return person


def links_in(message) -> dict[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.findall(text)
    return {re.search(r"answer=([\w-]+)", link).group(1): link for link in found}


def test_supporters_who_would_come_are_invited_once_when_it_goes_live(app, host, idea, mailbox):
    ann = supporter(idea, "ann@example.org")
    supporter(idea, "hosty@example.org", would_come=False, could_host=True)
    event = new_event(host=host, status=EventStatus.HELD, starts_local=future_local(days=10))
    event.idea_id = idea.id
    db.session.commit()

    assert invite_waiting_people(event) == 0  # not live yet
    steward = new_person(email="sam@example.org", name="Sam", steward=True)
    approve(event, steward)
    db.session.commit()
    deliver()

    [message] = mailbox.to(ann.email)
    assert message["Subject"] == f"You're invited: {event.title}"
    assert set(links_in(message)) == {"going", "maybe", "not-going"}
    assert mailbox.to("hosty@example.org") == []  # offered to host, did not say "I'd come"
    assert invite_waiting_people(event) == 0  # once
    assert len(mailbox.to(ann.email)) == 1


def test_the_link_opens_a_page_and_only_the_button_answers(app, client, host, idea, mailbox):
    ann = supporter(idea, "ann@example.org")
    event = new_event(host=host, starts_local=future_local(days=10))
    event.idea_id = idea.id
    invite_waiting_people(event)
    db.session.commit()
    deliver()
    link = links_in(mailbox.last_to(ann.email))["maybe"]

    page = client.get(link)
    assert page.status_code == 200
    assert "This invitation was sent to ann@example.org" in page.text
    assert db.session.scalars(select(Rsvp)).all() == []  # a GET changes nothing

    response = client.post(link.split("?")[0], data={"answer": "going"})
    assert response.status_code == 302
    [rsvp] = db.session.scalars(select(Rsvp)).all()
    assert (rsvp.person_id, rsvp.status) == (ann.id, RsvpStatus.GOING)
    assert mailbox.last_to(ann.email)["Subject"] == f"You're going: {event.title}"


def test_a_forged_or_revoked_invitation_opens_nothing(app, client, host, idea):
    ann = supporter(idea, "ann@example.org")
    bob = new_person(email="bob@example.org", name="Bob")
    event = new_event(host=host, starts_local=future_local(days=10))
    token = invitation_token(event, ann)
    forged = f"{event.id}-{bob.id}.{token.partition('.')[2]}"

    assert client.get(f"/invited/{forged}").status_code == 404
    assert client.post(f"/invited/{forged}", data={"answer": "going"}).status_code == 404
    assert client.get("/invited/not-a-token").status_code == 404
    assert client.get(f"/invited/{'9' * 40}-1.x").status_code == 404

    delete_account(db.session.get(type(ann), ann.id))
    db.session.commit()
    assert client.get(f"/invited/{token}").status_code == 404
    assert db.session.scalars(select(Rsvp)).all() == []


def test_people_who_went_or_asked_again_are_invited_to_the_new_date(app, host, mailbox):
    old = new_event(host=host, starts_local=future_local(days=5))
    went, stayed_home, asked = (new_person(email=f"{n}@example.org", name=n) for n in ("went", "home", "asked"))
    for person, did_go in ((went, True), (stayed_home, False)):
        db.session.add(Rsvp(event=old, person=person, status=RsvpStatus.GOING, went=did_go))
    db.session.add(AgainRequest(event_id=old.id, person_id=asked.id))
    db.session.commit()
    again = new_event(host=host, starts_local=future_local(days=40))
    again.again_of_id = old.id

    assert invite_waiting_people(again) == 2
    db.session.commit()
    deliver()
    assert len(mailbox.to(went.email)) == 1
    assert len(mailbox.to(asked.email)) == 1
    assert mailbox.to(stayed_home.email) == []
    assert mailbox.to(host.email) == []  # the hosts are not invited to their own gathering
