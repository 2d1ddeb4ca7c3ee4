"""The newcomer's journey: propose without an account, confirm by email, go live."""

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Person
from tests.conftest import future_local


def proposal(**overrides) -> dict:
    start = future_local(days=10, hour=18)
    data = {
        "title": "Brew and biscuits in Armley",
        "kind": "pub-coffee",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": start.replace(hour=20).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "Europe/London",
        "place": "armley",
        "venue_name": "Café Nova",
        "address": "12 Town Street, Leeds",
        "description": "Tea, **cake** and chat.",
        "tags": "#frailty, brew and biscuits",
        "cost": "Free",
        "name": "Nadia Newcomer",
        "email": "Nadia@Example.org",
    }
    data.update(overrides)
    return data


def test_anonymous_proposal_is_confirmed_by_emailed_link(client, mailbox, make_place):
    make_place("Armley")
    response = client.post("/events/new", data=proposal())
    assert response.status_code == 302
    assert response.headers["Location"] == "/events/new/check-email"
    event = db.session.scalars(db.select(Event)).one()
    assert event.status is EventStatus.UNCONFIRMED
    assert [tag.name for tag in event.tags] == ["brew-and-biscuits", "frailty"]
    assert client.get(f"/events/{event.id}-{event.slug}").status_code == 404  # not live yet

    link = mailbox.link_to("nadia@example.org")
    assert client.get(link).status_code == 200  # a page with a button; nothing changes on GET
    db.session.refresh(event)
    assert event.status is EventStatus.UNCONFIRMED

    response = client.post(link)
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.status is EventStatus.PUBLISHED
    person = db.session.scalars(db.select(Person)).one()
    assert person.email_confirmed_at is not None
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Brew and biscuits in Armley" in page.text
    assert "<strong>cake</strong>" in page.text

    assert client.post(link).status_code == 410  # links work once
