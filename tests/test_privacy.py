"""Data that must not outlive its purpose: deleting an account leaves no trace of its
address (and its old feed link answers nothing), answers to gatherings long over lose
their people but keep their counts, and private details (the link to join online) reach
only the people going, by feed and by email, while a hidden gathering reaches nobody.

Whether someone went to a carers' group is health information about them, so the
checks read every text column of every table (``database_text``), not just the
rows the code means to change.
"""

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import JSON, String, func, select, update

from eventsite.accounts import delete_account
from eventsite.attendees import attendee_list, attendees_csv, message_people, respond
from eventsite.database import utcnow
from eventsite.events import EventDetails, cancel_event, edit_event
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.history import record_change
from eventsite.mail import deliver
from eventsite.models import (
    EmailLink,
    Event,
    EventChange,
    EventKind,
    EventStatus,
    HostInvitation,
    LinkPurpose,
    OutboxMail,
    PendingAnswer,
    Person,
    PersonSession,
    Rsvp,
    RsvpStatus,
)
from eventsite.moderation import hide
from eventsite.people import find_or_create_person
from eventsite.retention import ADDRESS_REMOVED, Purged, purge
from eventsite.rsvps import attendance, locked_event, manage_token, rsvp_for_token

ALEX = "alex.adams@example.org"
BEA = "bea.baker@example.org"
GINEVRA = ("ginevra.quartermaine@example.org", "Ginevra Quartermaine")  # answered as a guest only
OSWIN = ("oswin.pettigrew@example.org", "Oswin Pettigrew")  # the same
PERPETUA = ("perpetua.pending@example.org", "Perpetua Pending")  # never proved her address
MORWENNA = ("morwenna.member@example.org", "Morwenna Member")  # has an account she signs in to
NOTHING = Purged(answers=0, pending=0, mail=0, links=0, people=0)


# -- helpers ---------------------------------------------------------------------------------------


def database_text() -> str:
    """Every string in every column of every table, lower-cased, one per line."""
    db.session.flush()
    values = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String | JSON)]
        for row in db.session.execute(select(*columns)) if columns else ():
            values += [str(value) for value in row if value is not None]
    return "\n".join(values).lower()


def answer(event: Event, email: str, name: str = "", status=RsvpStatus.GOING, guests=0, show_name=False) -> Rsvp:
    person = find_or_create_person(email, name)
    rsvp = respond(locked_event(event.id), person, status, guests, show_name).rsvp
    db.session.commit()
    return rsvp


def days_ago(days: float):
    return utcnow() - timedelta(days=days)


def move_to_past(event: Event, ended_days_ago: float) -> None:
    """Answers close when a gathering starts, so tests answer first and then move it back."""
    event.starts_at = days_ago(ended_days_ago) - timedelta(hours=2)
    event.ends_at = days_ago(ended_days_ago)
    db.session.commit()


def age_everyone(days: float) -> None:
    """Make every person, mail and link ``days`` old (people who signed up long ago)."""
    for model in (Person, OutboxMail, EmailLink):
        db.session.execute(update(model).values(created_at=days_ago(days)))
    db.session.execute(update(EmailLink).values(expires_at=days_ago(days - 1)))
    db.session.commit()


def pending_answer(event: Event, email: str, name: str = "", **fields) -> PendingAnswer:
    fields.setdefault("status", RsvpStatus.GOING)
    fields.setdefault("expires_at", utcnow() + timedelta(days=1))
    pending = PendingAnswer(event_id=event.id, email=email, name=name, token_hash=secrets.token_hex(32), **fields)
    db.session.add(pending)
    db.session.commit()
    return pending


def mail_to(address: str, sent: bool = True, **fields) -> OutboxMail:
    fields.setdefault("subject", "Your gathering")
    mail = OutboxMail(to_address=address, body="Hello", sent_at=utcnow() if sent else None, **fields)
    db.session.add(mail)
    db.session.commit()
    return mail


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture(autouse=True)
def _database(app):
    """Every test here reads and writes the database."""
    return app


@pytest.fixture
def host(make_person):
    return make_person(email="hana@example.org", name="Hana Host")


@pytest.fixture
def event(make_event, host):
    return make_event(host=host, title="Dementia carers' group", capacity=5, max_guests=2)


# -- deleting an account ---------------------------------------------------------------------------


def test_deleting_an_account_erases_every_mail_to_the_address_sent_or_not(make_person):
    alex = make_person(email=ALEX, name="Alex Adams")
    mail_to(ALEX, sent=True)
    mail_to(ALEX.upper(), sent=True)  # addresses match whatever their case
    mail_to(ALEX, sent=False)
    kept = mail_to(BEA)

    delete_account(alex)
    db.session.commit()

    assert db.session.scalars(select(OutboxMail.id)).all() == [kept.id]


def test_deleting_an_account_removes_pending_answers_under_the_address(make_event, make_person, event):
    alex = make_person(email=ALEX, name="Alex Adams")
    other_event = make_event(title="Walk and talk")
    pending_answer(event, ALEX.title(), "Alex")
    pending_answer(other_event, ALEX, "Alex")
    bea_pending = pending_answer(event, BEA, "Bea")

    delete_account(alex)
    db.session.commit()

    assert db.session.scalars(select(PendingAnswer.id)).all() == [bea_pending.id]


def test_deleting_an_account_gives_the_places_its_pending_answer_held_to_the_waitlist(make_event, make_person, mailbox):
    alex = make_person(email=ALEX, name="Alex Adams")
    small = make_event(title="Memory café", capacity=1)
    pending_answer(small, ALEX, "Alex", held_places=1, held_until=utcnow() + timedelta(minutes=30))
    bea = answer(small, BEA, "Bea")
    assert bea.status is RsvpStatus.WAITLISTED  # the held place is taken

    delete_account(alex)
    db.session.commit()

    db.session.refresh(bea)
    assert bea.status is RsvpStatus.GOING


def test_deleting_an_account_removes_invitations_to_host(make_person, host, event):
    alex = make_person(email=ALEX, name="Alex Adams")
    bea = make_person(email=BEA, name="Bea Baker")
    for invitee in (alex, bea):
        db.session.add(
            HostInvitation(
                event_id=event.id,
                person_id=invitee.id,
                invited_by_id=host.id,
                token_hash=secrets.token_hex(32),
                expires_at=utcnow() + timedelta(days=7),
            )
        )
    db.session.commit()

    delete_account(alex)
    db.session.commit()

    assert db.session.scalars(select(HostInvitation.person_id)).all() == [bea.id]


def test_deleting_an_account_scrubs_the_address_from_the_change_history(make_person, host, event):
    alex = make_person(email=ALEX, name="Alex Adams")
    record_change(event, host, "added co-host", ALEX.upper())
    record_change(event, host, "added co-host", BEA)
    record_change(event, host, "cancelled", f"Ask me ({ALEX}).")
    db.session.commit()

    delete_account(alex)
    db.session.commit()

    details = db.session.scalars(select(EventChange.detail).order_by(EventChange.id)).all()
    assert details[-3:] == [ADDRESS_REMOVED, BEA, f"Ask me ({ADDRESS_REMOVED})."]


def test_a_deleted_account_leaves_its_address_nowhere(make_person, host, event):
    alex = make_person(email=ALEX, name="Alex Adams")
    answer(event, ALEX)  # queues a confirmation to Alex
    pending_answer(event, ALEX.upper(), "Alex Adams")
    record_change(event, host, "added co-host", ALEX)
    db.session.add(EmailLink(token_hash="0" * 64, purpose=LinkPurpose.SIGN_IN, person=alex, expires_at=utcnow()))
    db.session.commit()
    assert ALEX in database_text()

    delete_account(alex)
    db.session.commit()

    text = database_text()
    assert ALEX not in text
    assert "alex adams" not in text


# -- purging answers to gatherings long over -----------------------------------------------------------


@pytest.fixture
def long_over(event, make_person):
    """The carers' group ended 91 days ago (the limit is 90). Two guests and a member
    answered; someone never proved her address; mail and a used link are 100 days old."""
    answer(event, *GINEVRA, guests=1, show_name=True)
    answer(event, *OSWIN, status=RsvpStatus.MAYBE)
    member = make_person(email=MORWENNA[0], name=MORWENNA[1])
    answer(event, MORWENNA[0], status=RsvpStatus.NOT_GOING)
    pending_answer(event, *PERPETUA)
    ginevra = find_or_create_person(GINEVRA[0])
    db.session.add(EmailLink(token_hash="1" * 64, purpose=LinkPurpose.SIGN_IN, person=ginevra, expires_at=utcnow()))
    db.session.commit()
    age_everyone(days=100)
    db.session.add(PersonSession(person=member, key_hash="2" * 64))  # Morwenna is signed in somewhere
    mail_to(GINEVRA[0], subject=f"Thanks for coming: {event.title}")  # after the event: recent
    move_to_past(event, ended_days_ago=91)
    return event


def test_purge_keeps_the_counts_of_a_gathering_long_over(client, long_over):
    page = f"/events/{long_over.id}-{long_over.slug}"
    before = attendance(long_over)
    before_page = client.get(page).text
    assert (before.going, before.maybe) == (2, 1)

    purged = purge()
    db.session.commit()

    assert purged.answers == 3
    assert attendance(long_over) == before
    assert count(Rsvp, Rsvp.event_id == long_over.id) == 3
    assert "2 going of 5 places" in before_page
    assert "2 going of 5 places" in client.get(page).text


def test_purge_unlinks_every_answer_and_hides_every_name(long_over):
    purge()
    db.session.commit()

    rows = db.session.execute(select(Rsvp.person_id, Rsvp.show_name).where(Rsvp.event_id == long_over.id)).all()
    assert rows == [(None, False)] * 3


def test_purge_leaves_no_trace_of_people_who_only_answered_as_guests(long_over):
    assert GINEVRA[0] in database_text()

    purged = purge()
    db.session.commit()

    text = database_text()
    for email, name in (GINEVRA, OSWIN, PERPETUA):
        assert email not in text
        assert name.lower() not in text
    assert purged.people == 2
    assert purged.pending == 1
    assert count(Person, Person.email == MORWENNA[0]) == 1  # she has an account: only her answer goes


def test_purge_changes_nothing_the_second_time(long_over):
    purge()
    db.session.commit()
    before = database_text()

    again = purge()
    db.session.commit()

    assert again == NOTHING
    assert database_text() == before


def test_purge_leaves_gatherings_inside_the_limit_alone(make_event, make_person, host):
    recent = make_event(host=host, title="Carers' coffee")
    coming = make_event(host=host, title="Carers' walk")
    answer(recent, *GINEVRA)
    answer(coming, *OSWIN)
    pending_answer(coming, *PERPETUA)
    age_everyone(days=100)
    move_to_past(recent, ended_days_ago=89)
    db.session.execute(update(OutboxMail).values(created_at=days_ago(1)))
    db.session.commit()
    before = database_text()

    assert purge() == Purged(answers=0, pending=0, mail=0, links=0, people=0)
    db.session.commit()

    assert database_text() == before
    assert count(Rsvp, Rsvp.person_id.is_(None)) == 0


def test_purge_removes_mail_and_links_older_than_the_limit(make_person):
    alex = make_person(email=ALEX, name="Alex Adams")
    mail_to(ALEX, created_at=days_ago(91))
    mail_to(ALEX, sent=False, created_at=days_ago(91), attempts=20)  # given up on
    recent = mail_to(ALEX, created_at=days_ago(89))
    links = [  # old and used, old and expired, recent and used
        (days_ago(91), days_ago(90), days_ago(91)),
        (days_ago(91), days_ago(90), None),
        (days_ago(1), utcnow() + timedelta(hours=1), days_ago(1)),
    ]
    for n, (created_at, expires_at, used_at) in enumerate(links):
        db.session.add(
            EmailLink(
                token_hash=f"{n}" * 64,
                purpose=LinkPurpose.SIGN_IN,
                person=alex,
                created_at=created_at,
                expires_at=expires_at,
                used_at=used_at,
            )
        )
    db.session.commit()

    purged = purge()
    db.session.commit()

    assert (purged.mail, purged.links) == (2, 2)
    assert db.session.scalars(select(OutboxMail.id)).all() == [recent.id]
    assert db.session.scalars(select(EmailLink.token_hash)).all() == ["2" * 64]


def test_purge_keeps_people_who_still_have_something_here(make_event, make_person, host):
    old = days_ago(100)
    keepers = {
        "steward": make_person(email="steward@example.org", steward=True),
        "signed in": make_person(email="session@example.org"),
        "invited": make_person(email="invited@example.org"),
        "live link": make_person(email="link@example.org"),
        "proposer": make_person(email="proposer@example.org"),
        "answer to come": make_person(email="coming@example.org"),
    }
    coming = make_event(host=host, title="Carers' walk")
    make_event(host=keepers["proposer"], title="Their own gathering")
    answer(coming, "coming@example.org")
    db.session.add(PersonSession(person=keepers["signed in"], key_hash="3" * 64))
    db.session.add(
        HostInvitation(
            event_id=coming.id,
            person_id=keepers["invited"].id,
            token_hash="4" * 64,
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    db.session.add(
        EmailLink(
            token_hash="5" * 64,
            purpose=LinkPurpose.SIGN_IN,
            person=keepers["live link"],
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    newcomer = make_person(email="newcomer@example.org")
    make_person(email="nothing@example.org")
    db.session.execute(update(Person).where(Person.id != newcomer.id).values(created_at=old))
    db.session.commit()

    purged = purge()
    db.session.commit()

    assert purged.people == 1
    remaining = set(db.session.scalars(select(Person.email)))
    assert {person.email for person in keepers.values()} | {newcomer.email, host.email} <= remaining
    assert "nothing@example.org" not in remaining


def test_the_hosts_list_and_csv_show_purged_answers_without_anyone(client, auth, host, long_over):
    purge()
    db.session.commit()

    rows = attendee_list(long_over)
    csv_text = attendees_csv(long_over)
    auth.sign_in(host.email)
    page = client.get(f"/events/{long_over.id}/attendees")
    download = client.get(f"/events/{long_over.id}/attendees.csv")

    assert [(row["name"], row["email"], row["answer"]) for row in rows] == [
        ("Removed after 90 days", "", "Going"),
        ("Removed after 90 days", "", "Maybe"),
        ("Removed after 90 days", "", "Can't go"),
    ]
    assert [row["guests"] for row in rows] == [1, 0, 0]
    assert csv_text.count("Removed after 90 days,,") == 3
    assert (page.status_code, download.status_code) == (200, 200)
    assert "Removed after 90 days" in page.text
    for email, name in (GINEVRA, OSWIN, MORWENNA):
        assert email not in page.text + download.text + csv_text
        assert name not in page.text + download.text + csv_text


def test_hosts_can_still_message_or_cancel_after_a_purge(host, long_over, mailbox):
    purge()
    db.session.commit()

    sent = message_people(long_over, "everyone", "Thank you", "It was lovely.", host)
    cancel_event(long_over, host, "")
    db.session.commit()

    assert sent == 0
    assert count(OutboxMail, OutboxMail.subject.contains("Thank you")) == 0


def test_a_purged_answers_change_link_stops_working(client, long_over):
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.event_id == long_over.id).order_by(Rsvp.id))
    token = manage_token(rsvp)
    assert rsvp_for_token(token) is not None

    purge()
    db.session.commit()

    assert rsvp_for_token(token) is None
    assert client.get(f"/rsvps/{token}").status_code == 404


def test_flask_purge_says_what_it_did_and_then_that_nothing_was_left(runner, long_over):
    first = runner.invoke(args=["purge"])
    second = runner.invoke(args=["purge"])

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Purged 3 answers")
    assert "2 people left with nothing" in first.output
    assert second.exit_code == 0, second.output
    assert second.output.strip() == str(NOTHING)


@pytest.mark.parametrize("app_settings", [{"PURGE_ANSWERS_AFTER_DAYS": 30}])
def test_the_limit_comes_from_the_setting(long_over, app_settings):
    move_to_past(long_over, ended_days_ago=31)

    assert purge().answers == 3
    db.session.commit()
    assert attendee_list(long_over)[0]["name"] == "Removed after 30 days"


# -- private details reach only the people going; a hidden gathering reaches nobody ----------------

JOIN_LINK = "https://meet.example.org/carers-room-7f3a"  # the online gathering's secret link


def unfolded(text: str) -> str:
    """iCalendar (and mail headers) fold long lines: a link may be split across two."""
    return re.sub(r"\r?\n[ \t]", "", text)


def personal_feed(client, person: Person) -> str:
    response = client.get(f"/feeds/{feed_token(person)}.ics")
    assert response.status_code == 200
    return unfolded(response.text)


def everything_mailed_to(mailbox, email: str) -> list[tuple[str, str]]:
    """(subject, everything in it) for each message to ``email``: the headers, the text and
    every attachment (the .ics too), decoded."""
    mailed = []
    for message in mailbox.to(email):
        parts = [str(part.get_content()) for part in message.walk() if not part.is_multipart()]
        mailed.append((message["Subject"], unfolded(str(message) + "".join(parts))))
    return mailed


@pytest.fixture
def online(make_event, make_person, host, mailbox):
    """An online gathering with one place: Gus goes, Wen is waitlisted and May said maybe;
    then the host moves it and writes to everyone, so each of them gets several emails."""
    event = make_event(host=host, title="Carers online", kind=EventKind.ONLINE_SESSION, is_online=True,
                       online_url=JOIN_LINK, capacity=1)  # fmt: skip
    people = {}
    for name, status in (("gus", RsvpStatus.GOING), ("wen", RsvpStatus.GOING), ("may", RsvpStatus.MAYBE)):
        people[name] = make_person(email=f"{name}@example.org", name=name.title())
        respond(locked_event(event.id), people[name], status)
        db.session.commit()
    assert find_status(event, people["wen"]) is RsvpStatus.WAITLISTED
    later = event.local_start.replace(tzinfo=None) + timedelta(hours=1)
    edit_event(locked_event(event.id), EventDetails.of(event, starts_local=later, ends_local=None), host)
    message_people(event, "everyone", "Before we meet", "Bring a cup of tea.", host)
    db.session.commit()
    deliver()
    return event, people


def find_status(event: Event, person: Person) -> RsvpStatus:
    return db.session.scalar(select(Rsvp.status).where(Rsvp.event_id == event.id, Rsvp.person_id == person.id))


@pytest.mark.parametrize("name", ["wen", "may"])
def test_the_join_link_is_in_no_feed_or_email_of_someone_waitlisted_or_maybe(client, mailbox, online, name):
    event, people = online
    person = people[name]
    mailed = everything_mailed_to(mailbox, person.email)
    subjects = [subject for subject, _ in mailed]

    assert f"Changed: {event.title}" in subjects
    assert f"Before we meet: {event.title}" in subjects
    assert event.title in personal_feed(client, person)
    assert JOIN_LINK not in personal_feed(client, person)
    for subject, text in mailed:
        assert JOIN_LINK not in text, subject


def test_someone_going_gets_the_join_link_in_their_feed_and_emails(client, mailbox, online):
    event, people = online
    gus = people["gus"]
    mailed = dict(everything_mailed_to(mailbox, gus.email))

    assert JOIN_LINK in personal_feed(client, gus)
    assert JOIN_LINK in mailed[f"You're going: {event.title}"]
    assert JOIN_LINK in mailed[f"Changed: {event.title}"]


def test_a_hidden_gathering_leaves_the_shared_feed_and_the_feeds_of_people_going(client, make_person, host, event):
    going = make_person(email="gus@example.org", name="Gus")
    respond(locked_event(event.id), going, RsvpStatus.GOING)
    db.session.commit()
    assert event.title in client.get("/calendar.ics").text
    assert event.title in personal_feed(client, going)
    assert event.title in personal_feed(client, host)

    hide(event, make_person(email="steward@example.org", name="Sam", steward=True))
    db.session.commit()

    assert event.status is EventStatus.HIDDEN
    shared = client.get("/calendar.ics")
    assert shared.status_code == 200
    assert event.title not in shared.text
    assert event.title not in personal_feed(client, going)
    assert event.title not in personal_feed(client, host)


def test_a_deleted_accounts_old_feed_link_answers_404_and_says_nothing(client, make_person, event):
    alex = make_person(email=ALEX, name="Alex Adams")
    respond(locked_event(event.id), alex, RsvpStatus.GOING)
    db.session.commit()
    old_link = f"/feeds/{feed_token(alex)}.ics"
    assert event.title in client.get(old_link).text

    delete_account(alex)
    db.session.commit()

    response = client.get(old_link)
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.text
    assert event.title not in response.text
    assert ALEX not in response.text
