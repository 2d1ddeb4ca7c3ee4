"""Brew and biscuits, the pool: signing up (proven by the emailed link when not signed
in), changing it, snoozing, coming back and leaving. Rounds are in eventsite.brew_rounds.

A sign-up typed by someone not signed in changes nothing until its link is used: nobody
is looked up, so nothing tells whether the address was known, and nobody's details can be
replaced by someone typing their address. Signing up again updates the one membership.

Functions here flush and raise domain errors; the view commits once.
"""

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import delete, func, select

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.events import proposer_problems
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.i18n import lazy_gettext
from eventsite.mail import external_url, queue_mail
from eventsite.models import (
    BrewFrequency,
    BrewMember,
    BrewMode,
    BrewSector,
    OutboxMail,
    PendingBrewSignup,
    Person,
    Place,
)
from eventsite.people import address_confirmed, find_or_create_person, normalise_email
from eventsite.text import parse_tags

CONFIRM_CATEGORY = "brew-confirm"  # "confirm your sign-up" emails, limited per address
ABOUT_MAX, ORGANISATION_MAX = 300, 120
MAX_INTERESTS, MAX_EXCLUDED = 5, 20
MAX_SNOOZE_DAYS = 366
_GONE = lazy_gettext("This link has already been used or has expired. Sign up again from the brew page.")


@dataclass
class SignUp:
    """What someone chose on the sign-up form, already format-checked. ``place`` None and
    ``travels`` False means "online is fine"."""

    sector: BrewSector
    frequency: BrewFrequency = BrewFrequency.MONTHLY
    mode: BrewMode = BrewMode.EITHER
    place: Place | None = None
    travels: bool = False
    organisation: str = ""
    about: str = ""
    interests: list[str] = field(default_factory=list)
    share_email: bool = True
    excluded_emails: list[str] = field(default_factory=list)

    def stored(self) -> dict:
        """As kept in a pending sign-up until its link is used (JSON)."""
        values = asdict(self) | {"place": self.place.id if self.place else None}
        return values | {name: values[name].value for name in ("sector", "frequency", "mode")}

    @classmethod
    def from_stored(cls, values: dict) -> "SignUp":
        place = db.session.get(Place, values["place"]) if values.get("place") else None
        return cls(
            **values
            | {
                "place": place,
                "sector": BrewSector(values["sector"]),
                "frequency": BrewFrequency(values["frequency"]),
                "mode": BrewMode(values["mode"]),
            }
        )

    @classmethod
    def of(cls, member: BrewMember) -> "SignUp":
        """A member's current choices (to fill the form when they change them)."""
        return cls(
            sector=member.sector,
            frequency=member.frequency,
            mode=member.mode,
            place=member.place,
            travels=member.travels,
            organisation=member.organisation,
            about=member.about,
            interests=list(member.interests),
            share_email=member.share_email,
            excluded_emails=list(member.excluded_emails),
        )


# -- the rules of a sign-up ------------------------------------------------------------------


def sign_up_problems(details: SignUp, email: str) -> list[InvalidInput]:
    """Everything wrong with a sign-up, each for its field (the form shows them all at once)."""
    problems = []
    if details.mode is BrewMode.IN_PERSON and details.place is None and not details.travels:
        problems.append(InvalidInput("place", gettext("To meet in person, choose your area or “Happy to travel”.")))
    if len(details.organisation) > ORGANISATION_MAX:
        problems.append(InvalidInput("organisation", _too_long(ORGANISATION_MAX)))
    if len(details.about) > ABOUT_MAX:
        problems.append(InvalidInput("about", _too_long(ABOUT_MAX)))
    if len(details.interests) > MAX_INTERESTS:
        message = ngettext("Use at most %(num)d tag.", "Use at most %(num)d tags.", MAX_INTERESTS)
        problems.append(InvalidInput("interests", message))
    if len(details.excluded_emails) > MAX_EXCLUDED:
        message = ngettext("List at most %(num)d address.", "List at most %(num)d addresses.", MAX_EXCLUDED)
        problems.append(InvalidInput("excluded", message))
    elif email and normalise_email(email) in map(normalise_email, details.excluded_emails):
        problems.append(InvalidInput("excluded", gettext("That list has your own address in it.")))
    return problems


def _too_long(limit: int) -> str:
    return ngettext("Keep it to %(num)d character or fewer.", "Keep it to %(num)d characters or fewer.", limit)


def _refuse(problems: list[InvalidInput]) -> None:
    if problems:
        raise problems[0]


def _clean(details: SignUp) -> SignUp:
    """Stored as the matcher compares them: tags and addresses lower case, once each."""
    details.organisation, details.about = details.organisation.strip(), details.about.strip()
    details.interests = parse_tags(",".join(details.interests))
    details.excluded_emails = list(dict.fromkeys(normalise_email(email) for email in details.excluded_emails if email))
    if details.mode is BrewMode.ONLINE:
        details.travels = False
    return details


# -- joining -----------------------------------------------------------------------------------


def member_of(person) -> BrewMember | None:
    """This person's membership, or None (also for someone not signed in)."""
    if not getattr(person, "is_authenticated", False):
        return None
    return db.session.scalar(select(BrewMember).where(BrewMember.person_id == person.id))


def join(person: Person, details: SignUp, name: str = "") -> tuple[BrewMember, bool]:
    """A proven person joins the pool, or changes their sign-up; returns it and whether it is new.
    Joining sends one email with the link that snoozes or leaves."""
    _refuse(proposer_problems(person, person.email, name) + sign_up_problems(details, person.email))
    if not person.name and name.strip():
        person.name = name.strip()
    details = _clean(details)
    member = member_of(person)
    is_new = member is None
    if is_new:
        member = BrewMember(person=person, sector=details.sector)
        db.session.add(member)
    _apply(member, details)
    db.session.flush()
    if is_new:
        queue_mail(
            person.email,
            lazy_gettext("You're in: brew and biscuits"),
            "brew_welcome",
            member=member,
            manage_url=manage_url(member),
            feed_url=external_url("feeds.personal", token=feed_token(person)),
        )
    return member, is_new


def _apply(member: BrewMember, details: SignUp) -> None:
    member.sector, member.frequency, member.mode = details.sector, details.frequency, details.mode
    member.place, member.travels = details.place, details.travels
    member.organisation, member.about, member.interests = details.organisation, details.about, details.interests
    member.share_email, member.excluded_emails = details.share_email, details.excluded_emails
    member.updated_at = utcnow()


def ask_to_join(details: SignUp, email: str, name: str) -> None:
    """Someone not signed in signs up: kept, unseen, until the emailed link proves the address;
    at most ANSWER_MAILS_PER_ADDRESS such emails an hour per address (past that, silently nothing)."""
    _refuse(proposer_problems(None, email, name) + sign_up_problems(details, email))
    email = normalise_email(email)
    if _confirm_mails_this_hour(email) >= current_app.config["ANSWER_MAILS_PER_ADDRESS"]:
        return
    db.session.execute(delete(PendingBrewSignup).where(PendingBrewSignup.email == email))
    now, secret = utcnow(), secrets.token_urlsafe(16)  # 128 bits
    pending = PendingBrewSignup(
        email=email,
        name=name.strip(),
        details=_clean(details).stored(),
        token_hash=_hash(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["EMAIL_LINK_MAX_AGE"]),
    )
    db.session.add(pending)
    db.session.flush()
    queue_mail(
        email,
        lazy_gettext("Confirm your sign-up: brew and biscuits"),
        "brew_confirm",
        category=CONFIRM_CATEGORY,
        name=pending.name,
        link=external_url("brew.confirm_page", token=secret),
    )


def _confirm_mails_this_hour(email: str) -> int:
    since = utcnow() - timedelta(hours=1)
    query = select(func.count()).where(
        OutboxMail.to_address == email, OutboxMail.category == CONFIRM_CATEGORY, OutboxMail.created_at > since
    )
    return db.session.scalar(query)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pending_for_token(token: str) -> PendingBrewSignup:
    """The live sign-up behind an emailed link (found by the secret's hash)."""
    if not token or len(token) > 64:
        raise LinkInvalid(_GONE)
    token_hash = _hash(token)
    pending = db.session.scalar(select(PendingBrewSignup).where(PendingBrewSignup.token_hash == token_hash))
    if pending is None or not hmac.compare_digest(pending.token_hash, token_hash) or pending.expires_at <= utcnow():
        raise LinkInvalid(_GONE)
    return pending


def confirm_sign_up(token: str) -> tuple[BrewMember, bool]:
    """The emailed link was used: the address is proven and the sign-up applies (the person's
    membership is made, or updated). The link works once."""
    pending = pending_for_token(token)
    used = db.session.execute(delete(PendingBrewSignup).where(PendingBrewSignup.id == pending.id))
    if used.rowcount != 1:  # a request racing with the same link won
        raise LinkInvalid(_GONE)
    person = find_or_create_person(pending.email, pending.name)
    address_confirmed(person)
    return join(person, SignUp.from_stored(pending.details), pending.name)


# -- the emailed "snooze, change or leave" link --------------------------------------------------


def manage_url(member: BrewMember) -> str:
    return external_url("brew.manage", token=f"{member.id}.{member.manage_key}")


def member_for_manage_token(token: str) -> BrewMember | None:
    member_id, _, key = token.partition(".")
    if not (member_id.isdigit() and len(member_id) <= 9 and len(key) == 32):
        return None
    member = db.session.get(BrewMember, int(member_id))
    if member is None or not hmac.compare_digest(member.manage_key, key):
        return None
    return member


# -- pausing and leaving ---------------------------------------------------------------------------


def today() -> date:
    return utcnow().astimezone(current_app.config["ZONE"]).date()


def snooze(member: BrewMember, until: date) -> None:
    """Not paired again until that day (at most a year ahead)."""
    if until <= today():
        raise InvalidInput("until", gettext("Choose a day after today."))
    if until > today() + timedelta(days=MAX_SNOOZE_DAYS):
        raise InvalidInput("until", gettext("Choose a day within the next year."))
    member.snoozed_until = until
    member.updated_at = utcnow()


def come_back(member: BrewMember) -> None:
    """Paired again from the next round: ends a snooze, or the pause after missed rounds."""
    member.snoozed_until, member.paused_at, member.missed_rounds = None, None, 0
    member.updated_at = utcnow()


def is_resting(member: BrewMember) -> bool:
    """Snoozed or paused: left out of rounds until they come back (or the snooze ends)."""
    return member.paused_at is not None or (member.snoozed_until is not None and member.snoozed_until > today())


def leave(member: BrewMember) -> None:
    """Out of the pool; their details go with the row. Past pairs keep only who met whom, so
    that the cooldown still holds if they come back."""
    db.session.delete(member)
    db.session.flush()
