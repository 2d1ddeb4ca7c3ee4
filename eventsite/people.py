"""People and the emailed one-time links that sign them in (no passwords).

A link carries a 256-bit random secret, signed with the site's key and a
timestamp (so a forged or stale link is refused before the database is asked);
only the secret's SHA-256 is stored, compared in constant time, and the link
is marked used the first time it is redeemed.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from eventsite.database import utcnow
from eventsite.errors import LinkInvalid
from eventsite.extensions import db
from eventsite.i18n import current_language, lazy_gettext
from eventsite.mail import external_url, queue_mail
from eventsite.models import EmailLink, Event, LinkPurpose, Person

_SALT = "email-link"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_person(email: str) -> Person | None:
    query = select(Person).where(func.lower(Person.email) == normalise_email(email))
    return db.session.scalar(query)


def host_name(person: Person) -> str:
    """How a host is shown: the name they gave, or "a host" (never their address)."""
    return person.display_name or gettext("a host")


def find_or_create_person(email: str, name: str = "") -> Person:
    """The person with this address; ``name`` is used only if they are new. Whoever types an
    address is not its owner: a name given for someone already known never replaces theirs."""
    return find_person(email) or _create_person(email, name)


def _create_person(email: str, name: str) -> Person:
    """Insert in a savepoint: if another transaction added the same address first, use theirs."""
    try:
        with db.session.begin_nested():
            person = Person(email=normalise_email(email), name=name.strip())
            db.session.add(person)
    except IntegrityError:
        person = find_person(email)
    return person


def address_confirmed(person: Person, at: datetime | None = None) -> None:
    """They used a link sent to their address: it is theirs, and the language they are
    reading in becomes theirs too unless they already chose one."""
    if person.email_confirmed_at is None:
        person.email_confirmed_at = at or utcnow()
    if person.language is None:
        person.language = current_language()


def make_steward(email: str) -> Person:
    person = find_or_create_person(email)
    person.is_steward = True
    return person


def remove_steward(email: str) -> Person | None:
    """Stop someone being a steward; None if nobody has that address."""
    person = find_person(email)
    if person is not None:
        person.is_steward = False
    return person


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_link(
    person: Person, purpose: LinkPurpose, event: Event | None = None, next_url: str = "", typed_name: str = ""
) -> str:
    """Create a one-time link and return its token (the only copy of the secret).
    ``typed_name``: a name typed with the address, signed into the token and used
    only once the link proves the address (see ``name_in_link``)."""
    secret = secrets.token_urlsafe(32)
    max_age = timedelta(seconds=current_app.config["EMAIL_LINK_MAX_AGE"])
    link = EmailLink(
        token_hash=_hash(secret),
        purpose=purpose,
        person=person,
        event=event,
        next_url=next_url,
        expires_at=utcnow() + max_age,
    )
    db.session.add(link)
    db.session.flush()
    return _serializer().dumps([secret, typed_name] if typed_name else secret)


def mail_link(
    person: Person,
    purpose: LinkPurpose,
    subject: LazyString,
    template: str,
    event: Event | None = None,
    next_url: str = "",
    typed_name: str = "",
    **context,
) -> None:
    """Issue a one-time link and queue the email that carries it (``subject``: a lazy_gettext string)."""
    token = issue_link(person, purpose, event=event, next_url=next_url, typed_name=typed_name)
    link = external_url("auth.redeem_link", token=token)
    queue_mail(person.email, subject, template, person=person, event=event, link=link, **context)


def send_sign_in_link(email: str, next_url: str = "") -> Person:
    person = find_or_create_person(email)
    subject = lazy_gettext("Your sign-in link for %(site_name)s", site_name=current_app.config["SITE_NAME"])
    mail_link(person, LinkPurpose.SIGN_IN, subject, "sign_in", next_url=next_url)
    return person


def find_link(token: str) -> EmailLink:
    """The live link for ``token``, without using it up (for the confirmation page)."""
    secret, _name = _read_token(token)
    token_hash = _hash(secret)
    link = db.session.scalar(select(EmailLink).where(EmailLink.token_hash == token_hash))
    if link is None or not hmac.compare_digest(link.token_hash, token_hash):
        raise LinkInvalid(gettext("This link is not valid. Links work once and expire after a day.")) from None
    if link.used_at is not None:
        raise LinkInvalid(gettext("This link has already been used. Ask for a new one below."))
    if link.expires_at <= utcnow():
        raise LinkInvalid(gettext("This link has expired. Ask for a new one below."))
    return link


def _read_token(token: str) -> tuple[str, str]:
    """The secret and the typed name a link carries, once its signature and age check out."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["EMAIL_LINK_MAX_AGE"])
    except BadSignature:
        raise LinkInvalid(gettext("This link is not valid. Links work once and expire after a day.")) from None
    if isinstance(payload, str):
        return payload, ""
    if isinstance(payload, list) and len(payload) == 2 and all(isinstance(part, str) for part in payload):
        return payload[0], payload[1]
    raise LinkInvalid(gettext("This link is not valid."))


def name_in_link(token: str) -> str:
    """The name typed when the link was asked for (a proposer's), or ""."""
    return _read_token(token)[1]


def redeem_link(token: str) -> EmailLink:
    """Use a link up and confirm its person's email address."""
    link = find_link(token)
    now = utcnow()
    # A conditional update, so two requests racing with one link cannot both win.
    used = db.session.execute(
        update(EmailLink).where(EmailLink.id == link.id, EmailLink.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:
        raise LinkInvalid(gettext("This link has already been used. Ask for a new one below."))
    if link.purpose is LinkPurpose.SIGN_IN:
        _use_up_sign_in_links(link.person, now)
    address_confirmed(link.person, now)
    return link


def _use_up_sign_in_links(person: Person, now: datetime) -> None:
    """Signing in ends the person's other sign-in links: one left in a mailbox opens nothing."""
    others = update(EmailLink).where(
        EmailLink.person_id == person.id, EmailLink.purpose == LinkPurpose.SIGN_IN, EmailLink.used_at.is_(None)
    )
    db.session.execute(others.values(used_at=now), execution_options={"synchronize_session": False})
