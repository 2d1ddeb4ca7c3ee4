"""The mail queue: messages are queued in the transaction that causes them and
delivered after it commits, so a failed SMTP connection loses nothing.

Who delivers them is ``MAIL_DELIVERY``: ``after-response`` (the default) has the web
worker send what its request queued once the response has gone to the browser, so
nobody waits for SMTP; ``worker`` leaves it all to ``flask send-mail --watch``, a
process of its own (production: the web workers then only ever write to the database).

Each message is claimed before it is sent, so a web worker and a concurrent
``flask send-mail`` never send the same message twice.
"""

import secrets
import signal
import smtplib
import sys
import time
from contextlib import nullcontext
from dataclasses import astuple, dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context, render_template
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from eventsite.database import immediate_writes, utcnow
from eventsite.extensions import db
from eventsite.i18n import current_language, speaking
from eventsite.models import OutboxMail, Person
from eventsite.text import has_control_chars

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 20
DELIVERY_MODES = ("after-response", "worker")
_PENDING = "outbox_pending"
_COMMITTED = "outbox_committed"


def init_app(app: Flask) -> None:
    app.after_request(_deliver_after_request)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from SITE_URL (works outside requests too)."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["SITE_URL"] + adapter.build(endpoint, values)


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    text: str


def queue_mail(
    to: str,
    subject: str,
    template: str,
    attachment: Attachment | None = None,
    category: str = "",
    reply_to: str = "",
    language: str | None = None,
    **context,
) -> OutboxMail:
    """Queue a plain-text message rendered from ``templates/mail/<template>.txt``;
    ``category`` marks the messages a limit counts; ``reply_to`` (an address from the
    database, e.g. a host's) is where answers go instead of MAIL_FROM.

    The subject (a lazy_gettext string) and body are written in the recipient's language:
    ``language`` if given, else the one their Person row keeps, else (someone the site
    does not know yet, typically the person making this request) the request's."""
    if has_control_chars(reply_to):
        raise ValueError("reply_to must be one address on one line")
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    with speaking(language or _language_of(to)):
        subject = str(subject)
        body = render_template(f"mail/{template}.txt", **context)
    mail = OutboxMail(to_address=to, subject=subject, body=body, category=category, reply_to=reply_to)
    if attachment is not None:
        mail.attachment_name, mail.attachment_type, mail.attachment = astuple(attachment)
    db.session.add(mail)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(mail.id)
    return mail


def _language_of(address: str) -> str:
    known = db.session.scalar(select(Person.language).where(Person.email == address))
    return known or current_language()


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _deliver_after_request(response):
    """Send what this request queued once the response is out (``call_on_close``), with
    an app context of its own: the request's is gone by then."""
    ids = db.session.info.pop(_COMMITTED, None)
    if ids and current_app.config["MAIL_DELIVERY"] == "after-response":
        app = current_app._get_current_object()
        response.call_on_close(lambda: _deliver_in(app, ids))
    return response


def _deliver_in(app: Flask, ids: list[int]) -> None:
    """After the response, under a WSGI server, no app context is left: push one (and so a
    session of its own). One that is still active (a test's) is used as it is."""
    with nullcontext() if has_app_context() else app.app_context(), immediate_writes():
        try:
            deliver(ids)
        except Exception:  # the change is saved; its mail stays queued for send-mail
            db.session.rollback()
            app.logger.exception("could not deliver mail after the request")


def watch(every: float, rounds: int | None = None) -> None:
    """``flask send-mail --watch``: deliver whatever is due, then look again ``every`` seconds
    (at once while there is more), until SIGTERM or Ctrl-C (``rounds``: tests stop sooner)."""
    stopping = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    done = 0
    try:
        while not stopping and (rounds is None or done < rounds):
            sent, failed = deliver()
            done += 1
            if sent + failed == 0 or failed:
                time.sleep(every)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send queued messages (the given ones, or all due); return (sent, failed)."""
    messages = _claim(ids)
    if not messages:
        return 0, 0
    failed = _send_all(messages)  # no transaction is open while SMTP is slow
    db.session.add_all(messages)  # record the outcome in one short write
    db.session.commit()
    return len(messages) - failed, failed


def pending_count() -> int:
    query = select(db.func.count()).where(OutboxMail.sent_at.is_(None))
    return db.session.scalar(query)


def _claim(ids: list[int] | None) -> list[OutboxMail]:
    token = secrets.token_hex(8)
    stale = utcnow() - CLAIM_TIMEOUT
    claim = (
        update(OutboxMail)
        .where(
            OutboxMail.sent_at.is_(None),
            OutboxMail.attempts < MAX_ATTEMPTS,
            or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < stale),
        )
        .values(claimed_at=utcnow(), claim_token=token)
    )
    if ids is not None:
        claim = claim.where(OutboxMail.id.in_(ids))
    db.session.execute(claim, execution_options={"synchronize_session": False})
    db.session.commit()
    query = select(OutboxMail).where(OutboxMail.claim_token == token).order_by(OutboxMail.id)
    messages = list(db.session.scalars(query))
    for mail in messages:
        db.session.expunge(mail)
    db.session.rollback()  # hold no lock (SQLite's write lock above all) during delivery
    return messages


def _send_all(messages: list[OutboxMail]) -> int:
    """Send over one connection and return how many failed. A message the server
    refuses fails alone; a broken connection leaves the rest queued for a retry."""
    try:
        with _connect() as connection:
            for mail in messages:
                _send_one(connection, mail)
    except (OSError, smtplib.SMTPException) as error:
        for mail in messages:
            if mail.sent_at is None and mail.claimed_at is not None:
                _record_failure(mail, error)
        current_app.logger.warning("mail delivery failed: %s", error)
    return sum(mail.sent_at is None for mail in messages)


def _send_one(connection, mail: OutboxMail) -> None:
    try:
        connection.send_message(_as_email(mail))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
        _record_failure(mail, error)  # this message only: the connection goes on
        return
    mail.sent_at = utcnow()
    mail.body = mail.attachment = ""  # they may hold private links: keep no copy once delivered


def _record_failure(mail: OutboxMail, error: Exception) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:500]
    mail.claimed_at = None


def _as_email(mail: OutboxMail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to_address
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(mail.created_at.timestamp())
    message["Message-ID"] = make_msgid(domain=urlsplit(config["SITE_URL"]).hostname)
    message.set_content(mail.body)
    if mail.attachment:
        _text, _, rest = mail.attachment_type.partition("/")  # text attachments only
        subtype, *params = (part.strip() for part in rest.split(";"))
        message.add_attachment(
            mail.attachment,
            subtype=subtype,
            filename=mail.attachment_name,
            params=dict(param.split("=", 1) for param in params),
        )
    return message


def _connect():
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return ConsoleConnection()
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


class ConsoleConnection:
    """Development: print each message to standard output instead of sending it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def send_message(self, message: EmailMessage) -> None:
        rule = "-" * 72
        names = ("From", "To", "Reply-To", "Subject", "Date")
        headers = "".join(f"{name}: {message[name]}\n" for name in names if message[name] is not None)
        text = message.get_body(preferencelist=("plain",)).get_content()
        attached = "".join(f"[attached: {part.get_filename()}]\n" for part in message.iter_attachments())
        sys.stdout.write(f"{rule}\n{headers}\n{text}{attached}{rule}\n")
        sys.stdout.flush()
