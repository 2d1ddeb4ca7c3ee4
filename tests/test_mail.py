"""The mail queue: queued in the request's transaction, sent after it commits,
kept when SMTP is down and sent later by `flask send-mail`, never sent twice."""

import re
import sqlite3
from datetime import date, datetime, timedelta
from email.utils import mktime_tz, parsedate_tz

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from eventsite.attendees import manage_link, respond, send_reminders
from eventsite.database import utcnow
from eventsite.events import EventDetails, edit_event
from eventsite.extensions import db
from eventsite.mail import CLAIM_TIMEOUT, deliver, pending_count, queue_mail, watch
from eventsite.models import OutboxMail, Rsvp, RsvpStatus
from eventsite.people import find_person, send_sign_in_link
from eventsite.rsvps import locked_event
from tests.conftest import Inbox, free_port, future_local, new_person

SUBJECT = "Your sign-in link for eventsite"


def outbox() -> list[OutboxMail]:
    db.session.expire_all()  # the request and the CLI work in the same session: read afresh
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def body_of(message) -> str:
    """The text as written (SMTP carries lines ending in CRLF)."""
    return message.get_content().replace("\r\n", "\n").strip()


def queue_sign_in_mail(email: str = "alex@example.org") -> OutboxMail:
    """Queue a message outside any request (nothing sends it until deliver() runs)."""
    send_sign_in_link(email)
    db.session.commit()
    return outbox()[-1]


# -- sent after the request commits ------------------------------------------------------


def test_mail_queued_in_a_committed_request_is_sent_right_after_it(app, client, mailbox):
    response = client.post("/sign-in", data={"email": "alex@example.org"})

    assert response.status_code == 302
    assert len(mailbox.messages) == 1  # already delivered: no send-mail needed
    message = mailbox.last_to("alex@example.org")
    [row] = outbox()
    assert row.sent_at is not None
    assert row.attempts == 0
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Subject"] == SUBJECT
    assert abs(mktime_tz(parsedate_tz(message["Date"])) - row.created_at.timestamp()) < 1
    assert re.fullmatch(r"<[^<>@\s]+@eventsite\.test>", message["Message-ID"])
    assert "Follow this link to sign in to eventsite" in body_of(message)
    assert "http://eventsite.test/links/" in message.get_content()
    assert row.body == ""  # the one-time link is not kept once delivered


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, mailbox):
    send_sign_in_link("ghost@example.org")
    db.session.rollback()
    send_sign_in_link("alex@example.org")
    db.session.commit()

    assert deliver() == (1, 0)
    assert [row.to_address for row in outbox()] == ["alex@example.org"]
    assert [message["To"] for message in mailbox.messages] == ["alex@example.org"]


# -- SMTP down ---------------------------------------------------------------------------


def test_request_succeeds_and_mail_stays_queued_when_smtp_is_down(app, client, mailbox):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there

    response = client.post("/sign-in", data={"email": "alex@example.org"})

    assert response.status_code == 302
    [row] = outbox()
    assert row.sent_at is None
    assert row.attempts == 1
    assert "ConnectionRefused" in row.last_error
    assert row.claimed_at is None  # free for the next send-mail at once
    assert mailbox.messages == []


def test_send_mail_sends_what_an_smtp_outage_left_queued_once(app, client, runner, mailbox):
    smtp_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    client.post("/sign-in", data={"email": "alex@example.org"})
    app.config["MAIL_PORT"] = smtp_port
    [queued] = outbox()
    queued_body = queued.body

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0, still queued 0." in result.output
    [row] = outbox()
    assert row.sent_at is not None
    message = mailbox.last_to("alex@example.org")
    assert message["Subject"] == SUBJECT
    assert body_of(message) == queued_body.strip()
    assert row.body == ""  # the one-time link is not kept once delivered

    again = runner.invoke(args=["send-mail"])

    assert again.exit_code == 0, again.output
    assert "Sent 0, failed 0, still queued 0." in again.output
    assert len(mailbox.messages) == 1


def test_with_a_mail_worker_the_request_only_queues_and_the_watcher_sends(app, client, mailbox):
    """MAIL_DELIVERY=worker: no web worker talks to SMTP; `flask send-mail --watch` does."""
    app.config["MAIL_DELIVERY"] = "worker"
    client.post("/sign-in", data={"email": "alex@example.org"})

    assert mailbox.messages == []
    assert outbox()[0].sent_at is None

    watch(every=0.05, rounds=2)  # the first round sends, the second finds nothing and waits

    assert mailbox.last_to("alex@example.org")["Subject"] == SUBJECT
    assert outbox()[0].sent_at is not None
    assert pending_count() == 0


def test_send_mail_exits_non_zero_when_delivery_fails(app, runner, mailbox):
    queue_sign_in_mail()
    app.config["MAIL_PORT"] = free_port()

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code != 0
    assert "failed 1, still queued 1" in result.output
    [row] = outbox()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error


class RefusingInbox(Inbox):
    """An SMTP server that refuses one mailbox, as a relay does for an unknown user."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd calls this hook by name
        if address.startswith("refused@"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_mailbox(app):
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config["MAIL_PORT"] = controller.port
    yield controller.handler
    controller.stop()


def test_refused_recipient_does_not_hold_back_other_mail(app, refusing_mailbox):
    queue_sign_in_mail("refused@example.org")
    queue_sign_in_mail("alex@example.org")

    assert deliver() == (1, 1)

    assert [message["To"] for message in refusing_mailbox.messages] == ["alex@example.org"]
    refused, sent = outbox()
    assert refused.sent_at is None
    assert refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error
    assert sent.sent_at is not None
    assert sent.attempts == 0


# -- claiming: a message goes out once, whoever sends it ----------------------------------


def test_message_claimed_by_another_sender_is_left_to_it(app, mailbox):
    row = queue_sign_in_mail()
    row.claimed_at = utcnow()  # a concurrent send-mail or web worker is sending it now
    db.session.commit()

    assert deliver() == (0, 0)
    assert deliver([row.id]) == (0, 0)

    assert mailbox.messages == []
    [row] = outbox()
    assert row.sent_at is None


def test_claim_older_than_the_timeout_is_taken_over(app, mailbox):
    row = queue_sign_in_mail()
    row.claimed_at = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)  # its sender died mid-way
    db.session.commit()

    assert deliver() == (1, 0)

    assert len(mailbox.to("alex@example.org")) == 1
    [row] = outbox()
    assert row.sent_at is not None


def test_second_delivery_of_a_sent_message_sends_nothing(app, mailbox):
    row = queue_sign_in_mail()

    assert deliver([row.id]) == (1, 0)
    assert deliver([row.id]) == (0, 0)
    assert deliver() == (0, 0)

    assert len(mailbox.messages) == 1


# -- the console backend (development) ---------------------------------------------------


def test_console_backend_prints_mail_instead_of_sending(app, mailbox, capsys):
    app.config["MAIL_SERVER"] = ""
    queue_sign_in_mail()

    assert deliver() == (1, 0)

    printed = capsys.readouterr().out
    assert "To: alex@example.org" in printed
    assert f"Subject: {SUBJECT}" in printed
    assert "Follow this link to sign in" in printed
    assert mailbox.messages == []
    [row] = outbox()
    assert row.sent_at is not None


def test_console_backend_prints_the_link_whole_so_a_developer_can_follow_it(app, capsys):
    app.config["MAIL_SERVER"] = ""
    row = queue_sign_in_mail()
    [link] = re.findall(r"https?://\S+", row.body)

    deliver()

    assert link in capsys.readouterr().out.splitlines()


def test_console_backend_walks_a_guest_answer_with_its_calendar_attachment(app, client, make_event, capsys):
    """The path `make run` takes: the confirmation link is printed, and the "You're going"
    email after it, whose .ics attachment is named (it used to crash the console mailer)."""
    app.config["MAIL_SERVER"] = ""
    event = make_event(capacity=5)
    answer = {"answer": "going", "email": "guest@example.org", "name": "Guest"}

    client.post(f"/events/{event.id}/rsvp", data=answer)
    [link] = re.findall(r"http://eventsite\.test(/answers/\S+)", capsys.readouterr().out)
    client.post(link)

    printed = capsys.readouterr().out
    assert f"Subject: You're going: {event.title}" in printed
    assert f"[attached: event-{event.id}.ics]" in printed
    assert re.search(r"http://eventsite\.test/rsvps/\S+", printed)
    assert pending_count() == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_database_lock_is_held_while_the_smtp_server_answers(app, client, mailbox, monkeypatch):
    """A slow mail server must not stall the site: while a message is being
    delivered, another process can take SQLite's write lock at once."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    outcomes = []
    deliver_to_inbox = mailbox.handle_DATA

    async def write_elsewhere_then_deliver(server, session, envelope):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE person SET name = name")
            other.execute("COMMIT")
            outcomes.append("wrote")
        except sqlite3.OperationalError as error:
            outcomes.append(str(error))
        finally:
            other.close()
        return await deliver_to_inbox(server, session, envelope)

    monkeypatch.setattr(mailbox, "handle_DATA", write_elsewhere_then_deliver)

    response = client.post("/sign-in", data={"email": "alex@example.org"})

    assert response.status_code == 302
    assert outcomes == ["wrote"]
    assert len(mailbox.to("alex@example.org")) == 1


# -- Reply-To: where answers go ----------------------------------------------------------------


def test_reply_to_is_the_header_when_given_and_absent_otherwise(app, mailbox):
    queue_mail("alex@example.org", "Hello", "sign_in", reply_to="hana@example.org", link="x", person=None)
    queue_mail("bea@example.org", "Hello", "sign_in", link="x", person=None)
    db.session.commit()

    assert deliver() == (2, 0)

    assert mailbox.last_to("alex@example.org")["Reply-To"] == "hana@example.org"
    assert mailbox.last_to("bea@example.org")["Reply-To"] is None


@pytest.mark.parametrize("reply_to", ["hana@example.org\r\nBcc: everyone@example.org", "a@example.org\nX: y"])
def test_a_reply_to_that_would_add_a_header_is_refused_before_it_is_queued(app, reply_to):
    with pytest.raises(ValueError, match="one line"):
        queue_mail("alex@example.org", "Hello", "sign_in", reply_to=reply_to, link="x", person=None)
    assert outbox() == []


def test_console_backend_prints_the_reply_to(app, capsys):
    app.config["MAIL_SERVER"] = ""
    queue_mail("alex@example.org", "Hello", "sign_in", reply_to="hana@example.org", link="x", person=None)
    db.session.commit()

    deliver()

    assert "Reply-To: hana@example.org" in capsys.readouterr().out


# -- what the emails about an answer say -------------------------------------------------------

ALICE = "alice@example.org"
BEA = "bea@example.org"
NEXT_YEAR = date.today().year + 1


def text_of(message) -> str:
    """The plain-text part (beside any .ics), with lines as written."""
    return Inbox.text(message).replace("\r\n", "\n")


def day(when: datetime) -> str:
    return f"{when:%a %-d %B}"


def answer_going(event, email: str) -> Rsvp:
    person = find_person(email) or new_person(email=email, name=email.split("@")[0].title())
    rsvp = respond(locked_event(event.id), person, RsvpStatus.GOING).rsvp
    db.session.commit()
    deliver()  # as the request would, after its commit
    return rsvp


def test_the_change_your_answer_link_follows_please_say_so_when_promoted(app, mailbox, make_event):
    event = make_event(title="Soup night", capacity=1)
    alice = answer_going(event, ALICE)
    bea = answer_going(event, BEA)
    assert bea.status is RsvpStatus.WAITLISTED
    mailbox.clear()

    respond(locked_event(event.id), alice.person, RsvpStatus.NOT_GOING)
    db.session.commit()
    deliver()

    message = mailbox.last_to(BEA)
    assert message["Subject"] == "A place came up for you: Soup night"
    after = text_of(message).split("please say so, so the next person gets the place:\n", 1)[1]
    assert after.splitlines()[0] == manage_link(db.session.get(Rsvp, bea.id))


def test_the_change_your_answer_link_follows_please_say_so_in_a_reminder(app, mailbox, make_event):
    event = make_event(title="Soup night", starts_local=future_local(days=3))
    rsvp = answer_going(event, ALICE)
    mailbox.clear()

    assert send_reminders(now=event.starts_at - timedelta(hours=2)) == 1
    db.session.commit()
    deliver()

    after = text_of(mailbox.last_to(ALICE)).split("please say so, so someone on the waitlist can have your place:\n")[1]
    assert after.splitlines()[0] == manage_link(rsvp)


# -- "Changed" emails: the old beside the new ----------------------------------------------------


def edit(event, host, **changes) -> None:
    edit_event(locked_event(event.id), EventDetails.of(event, **changes), host)
    db.session.commit()
    deliver()


THURSDAY = datetime(NEXT_YEAR, 3, 13, 19, 0)  # before the clocks change
FRIDAY = datetime(NEXT_YEAR, 3, 14, 18, 30)


@pytest.fixture
def soup_night(make_event, host, make_place):
    make_place("Armley")
    event = make_event(
        host=host,
        title="Soup night",
        starts_local=THURSDAY,
        ends_local=THURSDAY.replace(hour=21),
        venue_name="Café Nova",
        address="1 High Street",
        description="Bring a **bowl**.",
    )
    answer_going(event, ALICE)
    return event


def test_a_change_of_time_emails_the_old_time_beside_the_new(app, mailbox, soup_night, host):
    mailbox.clear()

    edit(soup_night, host, starts_local=FRIDAY, ends_local=FRIDAY.replace(hour=20))

    text = text_of(mailbox.last_to(ALICE))
    assert f"When: was {day(THURSDAY)} 19:00–21:00, now {day(FRIDAY)} 18:30–20:30" in text
    assert "Where:" not in text.split("Here is how it stands now")[0]  # only what changed is listed


def test_a_change_of_place_emails_the_old_place_beside_the_new(app, mailbox, soup_night, host, make_place):
    beeston = make_place("Beeston")
    mailbox.clear()

    edit(soup_night, host, venue_name="Cup and Saucer Café", place=beeston, address="112 Dewsbury Road")

    text = text_of(mailbox.last_to(ALICE))
    assert "Where: was Café Nova, Armley, now Cup and Saucer Café, Beeston" in text
    assert "Address: was 1 High Street, now 112 Dewsbury Road" in text
    assert "When: was" not in text


def test_a_new_title_is_shown_beside_the_old_with_a_change_of_time(app, mailbox, soup_night, host):
    mailbox.clear()

    edit(soup_night, host, title="Soup and bread night", starts_local=THURSDAY.replace(minute=30), ends_local=None)

    message = mailbox.last_to(ALICE)
    assert message["Subject"] == "Changed: Soup and bread night"
    text = text_of(message)
    assert 'Title: was "Soup night", now "Soup and bread night"' in text
    assert f"When: was {day(THURSDAY)} 19:00–21:00, now {day(THURSDAY)} 19:30–21:30" in text


def test_a_new_join_link_is_shown_only_to_people_going(app, mailbox, make_event, host):
    event = make_event(host=host, title="Online soup", is_online=True, online_url="https://meet.example.org/old")
    answer_going(event, ALICE)
    maybe = new_person(email=BEA, name="Bea")
    respond(locked_event(event.id), maybe, RsvpStatus.MAYBE)
    db.session.commit()
    mailbox.clear()

    edit(event, host, online_url="https://meet.example.org/new")

    assert "Join online: was https://meet.example.org/old, now https://meet.example.org/new" in text_of(
        mailbox.last_to(ALICE)
    )
    assert "meet.example.org" not in text_of(mailbox.last_to(BEA))


def test_a_change_of_description_only_emails_nobody(app, mailbox, soup_night, host):
    mailbox.clear()

    edit(soup_night, host, description="Bring a **bowl** and a spoon.")

    assert mailbox.to(ALICE) == []
