"""After a gathering: "Did you make it?" once, the day after; "I'd come if it ran again" (proven
addresses only); running it again with everything copied but the date, and the people who
went or asked invited first, before it is on the public list, feeds and API."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsite.again import AGAIN_CONFIRM, ask_again, has_ended, run_again, send_follow_ups
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.ical import event_uid
from eventsite.invitations import invite_waiting_people
from eventsite.mail import deliver
from eventsite.models import AgainRequest, Event, EventHost, EventKind, EventStatus, OutboxMail, Rsvp, RsvpStatus
from eventsite.moderation import approve
from tests.conftest import future_local, new_event, new_person, new_place, statements_for, without_csrf_tokens

WENT_LINK = re.compile(r"http://eventsite\.test(/went/\S+)")
INVITED_LINK = re.compile(r"http://eventsite\.test(/invited/\S+)")


def past_event(host, ended_ago=timedelta(hours=20), **fields) -> Event:
    """A gathering that ended ``ended_ago`` (proposed for the future, then moved back)."""
    event = new_event(host=host, **fields)
    event.ends_at = utcnow() - ended_ago
    event.starts_at = event.ends_at - timedelta(hours=2)
    db.session.commit()
    return event


def answered(event, email, status=RsvpStatus.GOING, went=None):
    person = new_person(email=email, name=email.split("@")[0].title())
    db.session.add(Rsvp(event=event, person=person, status=status, went=went))
    db.session.commit()
    return person


def shown(response) -> str:
    return html.unescape(response.text)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# -- "Did you make it?" -------------------------------------------------------------------------


def test_follow_ups_go_once_to_people_going_the_day_after(app, host, mailbox):
    event = past_event(host)
    ann = answered(event, "ann@example.org")
    answered(event, "bob@example.org", RsvpStatus.MAYBE)
    answered(event, "cat@example.org", RsvpStatus.NOT_GOING)
    answered(event, "dan@example.org", RsvpStatus.WAITLISTED)

    assert send_follow_ups() == 1
    db.session.commit()
    assert send_follow_ups() == 0  # idempotent
    db.session.commit()
    deliver()

    [message] = mailbox.to(ann.email)
    assert message["Subject"] == f"Did you make it? {event.title}"
    links = WENT_LINK.findall(text_of(message))
    assert [link.rsplit("said=", 1)[1] for link in links] == ["yes", "no"]
    assert [m["To"] for m in mailbox.messages] == [ann.email]


def test_no_follow_up_before_the_day_after_nor_long_after(app, host, mailbox):
    just_ended = past_event(host, ended_ago=timedelta(hours=2))
    long_ago = past_event(host, ended_ago=timedelta(days=3), title="Long ago")
    upcoming = new_event(host=host, title="Next week")
    for event, email in ((just_ended, "ann@example.org"), (long_ago, "bob@example.org"), (upcoming, "cat@example.org")):
        answered(event, email)

    assert send_follow_ups() == 0
    assert send_follow_ups(now=utcnow() + timedelta(hours=17)) == 1  # the one that ended 2 hours ago, 19 hours on
    assert db.session.scalar(select(Rsvp.followed_up_at).where(Rsvp.event_id == just_ended.id)) is not None


@pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.HIDDEN, EventStatus.HELD])
def test_no_follow_up_for_cancelled_hidden_or_held_gatherings(app, host, status):
    event = past_event(host)
    answered(event, "ann@example.org")
    event.status = status
    if status is EventStatus.CANCELLED:
        event.cancelled_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert send_follow_ups() == 0


def test_the_cancelled_mark_alone_stops_follow_ups(app, host):
    event = past_event(host)
    answered(event, "ann@example.org")
    event.cancelled_at = utcnow() - timedelta(days=2)  # cancelled while still held, then approved
    db.session.commit()
    assert send_follow_ups() == 0


def _went_link(mailbox, email, said="yes") -> str:
    deliver()
    return next(link for link in WENT_LINK.findall(text_of(mailbox.last_to(email))) if link.endswith(f"said={said}"))


def test_i_went_is_recorded_by_the_button_once(app, client, host, mailbox):
    event = past_event(host)
    ann = answered(event, "ann@example.org")
    send_follow_ups()
    db.session.commit()
    link = _went_link(mailbox, ann.email)

    page = client.get(link)
    assert page.status_code == 200
    assert "I couldn't in the end" in shown(page)
    assert db.session.scalar(select(Rsvp.went)) is None  # opening the link records nothing

    response = client.post(link.split("?")[0], data={"said": "yes"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Recorded: you went." in response.text
    assert db.session.scalar(select(Rsvp.went)) is True

    again = client.post(link.split("?")[0], data={"said": "no"}, follow_redirects=True)
    assert "already recorded: nothing changed" in again.text
    db.session.expire_all()
    assert db.session.scalar(select(Rsvp.went)) is True  # the first answer stands


def test_a_forged_went_link_or_a_hidden_gathering_opens_nothing(app, client, host, mailbox):
    event = past_event(host)
    ann = answered(event, "ann@example.org")
    send_follow_ups()
    db.session.commit()
    path = _went_link(mailbox, ann.email).split("?")[0]
    rsvp_id = db.session.scalar(select(Rsvp.id))
    forged = f"/went/{event.id}-{rsvp_id}.{'0' * 64}"

    assert client.get(forged).status_code == 404
    assert client.post(forged, data={"said": "yes"}).status_code == 404
    assert client.get("/went/not-a-token").status_code == 404
    event.status = EventStatus.HIDDEN
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.post(path, data={"said": "yes"}).status_code == 404
    assert db.session.scalar(select(Rsvp.went)) is None


def test_the_page_of_a_past_gathering_shows_how_many_went(app, client, host):
    event = past_event(host)
    for number, went in enumerate((True, True, False, None)):
        answered(event, f"p{number}@example.org", went=went)
    page = client.get(f"/events/{event.id}-{event.slug}")
    assert page.status_code == 200
    assert "2 went" in page.text

    upcoming = new_event(host=host, title="Still to come")
    assert " went<" not in client.get(f"/events/{upcoming.id}-{upcoming.slug}").text


def test_the_event_page_queries_do_not_grow_with_answers(app, client, auth, host):
    event = past_event(host)
    path = f"/events/{event.id}-{event.slug}"
    answered(event, "p0@example.org", went=True)
    auth.sign_in(host.email)  # the host's page: the count of requests too
    few = len(statements_for(client, path))
    for number in range(1, 12):
        person = answered(event, f"p{number}@example.org", went=number % 2 == 0)
        db.session.add(AgainRequest(event_id=event.id, person_id=person.id))
    db.session.commit()
    assert len(statements_for(client, path)) == few
    assert "11 people asked for it to run again" in client.get(path).text


# -- "I'd come if it ran again" -----------------------------------------------------------------


def test_asking_again_is_refused_before_it_ends_and_counts_once(app, host):
    ann = new_person(email="ann@example.org", name="Ann")
    upcoming = new_event(host=host)
    with pytest.raises(InvalidInput):
        ask_again(upcoming, ann)

    event = past_event(host)
    assert ask_again(event, ann) is True
    assert ask_again(event, ann) is False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 1


def test_a_signed_in_person_asks_from_the_page(app, client, auth, host):
    event = past_event(host)
    upcoming = new_event(host=host, title="Not yet")
    auth.sign_in("ann@example.org")

    assert client.post(f"/events/{upcoming.id}/again").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 0  # refused: not happened yet

    response = client.post(f"/events/{event.id}/again", follow_redirects=True)
    assert response.status_code == 200
    assert "You asked for it to run again" in response.text
    client.post(f"/events/{event.id}/again")
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 1


def test_a_guest_counts_only_once_the_emailed_link_is_used(app, client, host, mailbox):
    event = past_event(host)
    response = client.post(f"/events/{event.id}/again", data={"email": "Newcomer@Example.org"}, follow_redirects=True)
    assert "We've emailed newcomer@example.org a link" in shown(response)
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 0
    link = mailbox.link_to("newcomer@example.org", containing="/again/")

    assert client.get(link).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 0  # opening it counts nothing
    assert client.post(link).status_code == 302
    [request] = db.session.scalars(select(AgainRequest)).all()
    assert request.person.email == "newcomer@example.org"
    assert request.person.email_confirmed_at is not None
    client.post(link)  # used again: still once
    assert db.session.scalar(select(func.count()).select_from(AgainRequest)) == 1

    assert client.get(link[:-3] + "xyz").status_code == 410
    assert client.post(link[:-3] + "xyz").status_code == 410


def test_the_guest_page_is_the_same_whoever_the_address_belongs_to(app, client, host, mailbox):
    event = past_event(host)
    new_person(email="known@example.org", name="Known")
    pages = []
    for email in ("known@example.org", "unknown@example.org"):
        response = client.post(f"/events/{event.id}/again", data={"email": email}, follow_redirects=True)
        pages.append(without_csrf_tokens(response.text.replace(email, "EMAIL")))
    assert pages[0] == pages[1]
    deliver()
    assert len(mailbox.to("known@example.org")) == len(mailbox.to("unknown@example.org")) == 1


def test_guest_requests_are_limited_per_address(app, client, host, mailbox):
    event = past_event(host)
    limit = app.config["ANSWER_MAILS_PER_ADDRESS"]
    for _ in range(limit + 2):
        assert client.post(f"/events/{event.id}/again", data={"email": "ann@example.org"}).status_code == 302
    sent = select(func.count()).where(OutboxMail.to_address == "ann@example.org", OutboxMail.category == AGAIN_CONFIRM)
    assert db.session.scalar(sent) == limit


def test_hosts_see_the_count_and_others_the_button(app, client, auth, host):
    event = past_event(host)
    for number in range(3):
        db.session.add(AgainRequest(event_id=event.id, person_id=new_person(email=f"a{number}@example.org").id))
    db.session.commit()
    path = f"/events/{event.id}-{event.slug}"
    visitor_page = shown(client.get(path))
    assert "I'd come if it ran again" in visitor_page
    assert "asked for it to run again" not in visitor_page
    auth.sign_in(host.email)
    page = client.get(path).text
    assert "3 people asked for it to run again" in page
    assert f"/events/{event.id}/run-again" in page


def test_a_hidden_gathering_cannot_be_asked_for(app, client, host):
    event = past_event(host, status=EventStatus.HIDDEN)
    assert client.post(f"/events/{event.id}/again", data={"email": "ann@example.org"}).status_code == 404
    assert client.get(f"/events/{event.id}-{event.slug}").status_code == 404


# -- run it again -------------------------------------------------------------------------------


@pytest.fixture
def rich_event(app, host):
    cohost = new_person(email="co@example.org", name="Co Host")
    event = past_event(
        host,
        title="Zine workshop",
        kind=EventKind.WORKSHOP,
        place=new_place("Chapeltown"),
        venue_name="The Reading Room",
        address="1 Main St, Leeds",
        capacity=12,
        min_going=4,
        max_guests=1,
        address_for_attendees=True,
        description="Bring **scissors**.",
        tags=["zines", "craft"],
        access_features=["step-free", "quiet-space"],
        access_notes="Lift at the back.",
        cost="£3",
    )
    event.hosts.append(EventHost(person=cohost))
    db.session.commit()
    return event


COPIED = ("title", "kind", "place_id", "venue_name", "address", "is_online", "online_url", "capacity", "min_going",
          "max_guests", "address_for_attendees", "description", "description_html", "summary", "access_features",
          "access_notes", "cost", "timezone")  # fmt: skip


def test_run_again_copies_everything_but_the_date(app, host, rich_event):
    starts = future_local(days=30, hour=10)
    new = run_again(rich_event, starts, starts + timedelta(hours=3), "Europe/London", host)
    db.session.commit()

    for name in COPIED:
        assert getattr(new, name) == getattr(rich_event, name), name
    assert "<strong>scissors</strong>" in new.description_html
    assert [tag.name for tag in new.tags] == [tag.name for tag in rich_event.tags] == ["craft", "zines"]
    assert {h.person_id for h in new.hosts} == {h.person_id for h in rich_event.hosts}
    assert new.local_start.replace(tzinfo=None) == starts
    assert new.ends_at - new.starts_at == timedelta(hours=3)
    assert (new.again_of_id, new.status, new.created_by_id) == (rich_event.id, EventStatus.PUBLISHED, host.id)
    hours = app.config["INVITE_FIRST_HOURS"]
    assert abs(new.public_from - (utcnow() + timedelta(hours=hours))) < timedelta(minutes=1)
    assert rich_event.starts_at < utcnow()  # the old one is untouched


def test_only_hosts_run_it_again_and_only_once_it_happened(app, client, auth, host, rich_event):
    other = new_person(email="other@example.org", name="Other")
    with pytest.raises(NotAllowed):
        run_again(rich_event, future_local(days=30), None, "Europe/London", other)
    upcoming = new_event(host=host, title="Not yet")
    with pytest.raises(InvalidInput):
        run_again(upcoming, future_local(days=30), None, "Europe/London", host)

    path = f"/events/{rich_event.id}/run-again"
    assert client.get(path).status_code == 302  # sign in first
    auth.sign_in(other.email)
    assert client.get(path).status_code == 403
    data = {"starts_at": future_local(days=30).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/London"}
    assert client.post(path, data=data).status_code == 403
    assert db.session.scalar(select(func.count()).where(Event.again_of_id.is_not(None))) == 0


def test_the_run_again_form_refuses_bad_dates(app, client, auth, host, rich_event):
    auth.sign_in(host.email)
    path = f"/events/{rich_event.id}/run-again"
    assert client.get(path).status_code == 200
    past = {"starts_at": "2020-01-01T10:00", "timezone": "Europe/London"}
    response = client.post(path, data=past)
    assert response.status_code == 422
    assert "in the past" in response.text
    assert client.post(path, data={"starts_at": "soon", "timezone": "Mars/Base"}).status_code == 422
    assert db.session.scalar(select(func.count()).where(Event.again_of_id.is_not(None))) == 0


def test_people_who_went_or_asked_are_invited_first_once(app, client, auth, host, rich_event, mailbox):
    went = answered(rich_event, "went@example.org", went=True)
    answered(rich_event, "home@example.org", went=False)
    asked = new_person(email="asked@example.org", name="Asked")
    ask_again(rich_event, asked)
    db.session.commit()
    auth.sign_in(host.email)

    data = {"starts_at": future_local(days=30).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/London"}
    response = client.post(f"/events/{rich_event.id}/run-again", data=data)
    assert response.status_code == 302
    new = db.session.scalar(select(Event).where(Event.again_of_id == rich_event.id))
    assert response.headers["Location"].startswith(f"/events/{new.id}-")
    assert invite_waiting_people(new) == 0  # once
    deliver()

    for person in (went, asked):
        [invitation] = mailbox.to(person.email)
        assert invitation["Subject"] == f"You're invited: {new.title}"
        assert len(INVITED_LINK.findall(text_of(invitation))) == 3
    assert mailbox.to("home@example.org") == []
    assert mailbox.to("co@example.org") == []  # hosts are not invited to their own gathering


def _listed_places(client, new) -> dict[str, bool]:
    """Whether each public list, feed and API shows ``new`` now."""
    month = new.local_start
    api = client.get("/api/events").get_json()
    found = {
        "list": f"/events/{new.id}-" in client.get("/").text,
        "month": f"/events/{new.id}-" in client.get(f"/calendar/{month.year}/{month.month}").text,
        "feed": event_uid(new) in client.get("/calendar.ics").text,
        "kind feed": event_uid(new) in client.get(f"/calendar.ics?kind={new.kind.value}").text,
        "api": new.id in [event["id"] for event in api["events"]],
        "atom": f"/events/{new.id}-" in client.get("/feed.atom").text,
        "embed": f"/events/{new.id}-" in client.get("/embed").text,
    }
    return found


def test_invite_first_keeps_it_off_lists_and_feeds_until_public_from(app, client, host, rich_event, mailbox):
    went = answered(rich_event, "went@example.org", went=True)
    new = run_again(rich_event, future_local(days=20), None, "Europe/London", host)
    db.session.commit()
    deliver()

    page = client.get(f"/events/{new.id}-{new.slug}")  # reachable by its link
    assert page.status_code == 200
    assert "the people who went, or asked for it, hear first" in page.text
    link = INVITED_LINK.findall(text_of(mailbox.last_to(went.email)))[0]
    assert client.post(link.split("?")[0], data={"answer": "going"}).status_code == 302
    assert db.session.scalar(select(Rsvp.status).where(Rsvp.event_id == new.id)) is RsvpStatus.GOING
    hidden = _listed_places(client, new)
    assert hidden == dict.fromkeys(hidden, False)

    new.public_from = utcnow() - timedelta(minutes=1)  # the invite-first hours have passed
    db.session.commit()
    listed = _listed_places(client, new)
    assert listed == dict.fromkeys(listed, True)
    assert "hear first" not in client.get(f"/events/{new.id}-{new.slug}").text


def test_a_past_gathering_has_ended(app, host):
    assert has_ended(past_event(host))
    assert not has_ended(new_event(host=host))


def test_hosts_see_the_run_again_count_on_who_s_coming_too(app, client, auth, host):
    event = past_event(host)
    db.session.add(AgainRequest(event_id=event.id, person_id=new_person(email="asker@example.org").id))
    db.session.commit()
    auth.sign_in(host.email)
    page = client.get(f"/events/{event.id}/attendees").text
    assert "1 person asked for it to run again" in page
    assert f'href="/events/{event.id}/run-again"' in page


def test_a_held_run_again_gathering_gets_its_head_start_from_the_steward_s_approval(app, host, rich_event):
    app.config["MODERATION"] = "all"
    starts = future_local(days=30, hour=10)
    new = run_again(rich_event, starts, starts + timedelta(hours=3), "Europe/London", host)
    assert new.status is EventStatus.HELD
    new.public_from = utcnow() - timedelta(hours=1)  # the steward comes a day later
    db.session.commit()

    approve(new, new_person(email="sam@example.org", name="Sam", steward=True))
    db.session.commit()

    hours = app.config["INVITE_FIRST_HOURS"]
    assert abs(new.public_from - (utcnow() + timedelta(hours=hours))) < timedelta(minutes=1)
