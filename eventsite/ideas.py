"""Ideas that may become gatherings: posting one (confirmed by email when not signed in),
"I'd come" and "I could host" (proven before they count), closing, hiding, reporting,
and the board's queries (fading ideas move to "older ideas").

Functions here flush and raise domain errors; the view commits once.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, gettext, ngettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import proposer_problems
from eventsite.extensions import db
from eventsite.i18n import lazy_gettext, lazy_ngettext
from eventsite.listing import MAX_PAGE, EventFilters, Page
from eventsite.mail import external_url, queue_mail
from eventsite.models import EventKind, Idea, IdeaStatus, IdeaSupport, OutboxMail, PendingSupport, Person, Place, Tag
from eventsite.moderation import needs_review
from eventsite.people import address_confirmed, find_or_create_person
from eventsite.text import parse_tags, render_markdown, summary_text

TITLE_MAX = 120
TITLE_TOO_LONG = lazy_ngettext(
    "Keep the title to %(num)d character or fewer.", "Keep the title to %(num)d characters or fewer.", TITLE_MAX
)
MAX_TAGS = 10
SUPPORT_CONFIRM = "idea-support-confirm"  # the category of "confirm your support" emails, limited per address
SUPPORT_NEEDED = lazy_gettext("Choose “I'd come”, “I could host”, or both.")
_GONE = lazy_gettext("This link has already been used or has expired. Open the idea and try again.")
OPEN, HELD, HIDDEN, CLOSED, UNCONFIRMED = (IdeaStatus.OPEN, IdeaStatus.HELD, IdeaStatus.HIDDEN,
                                           IdeaStatus.CLOSED, IdeaStatus.UNCONFIRMED)  # fmt: skip
PUBLIC = (OPEN, CLOSED)
# For each action: the statuses it may start from, and where each one goes.
TRANSITIONS: dict[str, dict[IdeaStatus, IdeaStatus]] = {
    "open": {UNCONFIRMED: OPEN},
    "hold": {UNCONFIRMED: HELD},
    "approve": {HELD: OPEN},
    "close": {OPEN: CLOSED, HELD: CLOSED},
    "hide": {UNCONFIRMED: HIDDEN, HELD: HIDDEN, OPEN: HIDDEN, CLOSED: HIDDEN},
    "restore": {HIDDEN: OPEN},
}


@dataclass
class IdeaDetails:
    """What someone types into the new-idea form, already format-checked."""

    title: str
    kind: EventKind
    description: str = ""
    place: Place | None = None
    is_online: bool = False
    tags: list[str] = field(default_factory=list)


# -- who may see and do what ---------------------------------------------------------------


def is_author(person, idea: Idea) -> bool:
    return getattr(person, "is_authenticated", False) and idea.created_by_id == person.id


def can_view(person, idea: Idea) -> bool:
    """Open and closed ideas are public; held, hidden and unconfirmed ones only to their author and stewards."""
    return idea.status in PUBLIC or is_author(person, idea) or getattr(person, "is_steward", False)


def can_close(person, idea: Idea) -> bool:
    return is_author(person, idea) and idea.status in TRANSITIONS["close"]


def change_status(idea: Idea, action: str) -> IdeaStatus:
    """The one place an idea's status changes; returns the status before. A restored idea
    goes back to closed if its author had closed it."""
    before = idea.status
    allowed = TRANSITIONS[action]
    if before not in allowed:
        raise InvalidInput("status", gettext("That cannot be done to this idea now."))
    idea.status = allowed[before]
    if action == "restore" and idea.closed_at is not None:
        idea.status = CLOSED
    return before


def touch(idea: Idea) -> None:
    """Someone did something with the idea: it sorts above its ties and does not fade."""
    idea.last_activity_at = utcnow()


# -- posting ---------------------------------------------------------------------------------


def idea_problems(details: IdeaDetails) -> list[InvalidInput]:
    """Everything wrong with an idea, each for its field (the form shows them all at once)."""
    problems = []
    if not details.title.strip():
        problems.append(InvalidInput("title", gettext("Give your idea a title.")))
    elif len(details.title) > TITLE_MAX:
        problems.append(InvalidInput("title", str(TITLE_TOO_LONG)))
    if len(details.tags) > MAX_TAGS:
        problems.append(
            InvalidInput("tags", ngettext("Use at most %(num)d tag.", "Use at most %(num)d tags.", MAX_TAGS))
        )
    return problems


def _refuse(problems: list[InvalidInput]) -> None:
    if problems:
        raise problems[0]


def _tags_named(names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in existing:
            existing[name] = Tag(name=name)
            db.session.add(existing[name])
    return [existing[name] for name in names]


def _new_idea(details: IdeaDetails) -> Idea:
    _refuse(idea_problems(details))
    now = utcnow()
    idea = Idea(title=details.title.strip(), kind=details.kind, description=details.description,
                is_online=details.is_online, place=None if details.is_online else details.place,
                status=UNCONFIRMED, created_at=now, last_activity_at=now)  # fmt: skip
    # Rendered once, when saved: the board and the page read the result.
    idea.description_html = str(render_markdown(details.description))
    idea.summary = summary_text(details.description)
    idea.tags = _tags_named(parse_tags(",".join(details.tags)))
    db.session.add(idea)
    return idea


def post_idea(details: IdeaDetails, person: Person, name: str = "") -> Idea:
    """A signed-in person posts an idea: open at once, or held for a steward, by the site's
    moderation mode (as for gatherings). One with no name yet gives it."""
    _refuse(proposer_problems(person, person.email, name))
    if not person.name:
        person.name = name.strip()
    idea = _new_idea(details)
    idea.created_by = person
    db.session.flush()
    _open_or_hold(idea, person)
    return idea


def post_idea_as_guest(details: IdeaDetails, email: str, name: str) -> Idea:
    """Someone not signed in posts an idea: it waits, unseen, until the emailed link proves
    the address (nobody is looked up, so nothing tells whether the address was known)."""
    _refuse(proposer_problems(None, email, name))
    idea = _new_idea(details)
    idea.pending_email, idea.pending_name = email.strip().lower(), name.strip()
    secret = secrets.token_urlsafe(16)  # 128 bits
    idea.confirm_token_hash = _hash(secret)
    idea.confirm_expires_at = utcnow() + timedelta(seconds=current_app.config["EMAIL_LINK_MAX_AGE"])
    db.session.flush()
    subject = lazy_gettext("Confirm your idea: %(title)s", title=idea.title)
    queue_mail(idea.pending_email, subject, "idea_confirm", idea=idea, name=idea.pending_name,
               link=external_url("ideas.confirm_page", token=secret))  # fmt: skip
    return idea


def _open_or_hold(idea: Idea, person: Person) -> None:
    if needs_review(person, current_app.config["MODERATION"]):
        change_status(idea, "hold")
        tell_stewards(
            idea, lazy_gettext("An idea waiting for a steward: %(title)s", title=idea.title), "idea_steward_review"
        )
    else:
        change_status(idea, "open")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def idea_for_token(token: str) -> Idea:
    """The unconfirmed idea behind a live "confirm your idea" link (found by the secret's hash)."""
    if not token or len(token) > 64:
        raise LinkInvalid(_GONE)
    token_hash = _hash(token)
    idea = db.session.scalar(select(Idea).where(Idea.confirm_token_hash == token_hash))
    if idea is None or not hmac.compare_digest(idea.confirm_token_hash or "", token_hash):
        raise LinkInvalid(_GONE)
    if idea.confirm_expires_at is None or idea.confirm_expires_at <= utcnow():
        raise LinkInvalid(_GONE)
    return idea


def confirm_idea(token: str) -> Idea:
    """The emailed link was used: the address is proven, the idea is theirs, and it opens
    (or waits for a steward). The link works once."""
    idea = idea_for_token(token)
    # A conditional update, so two requests racing with one link cannot both win.
    used = db.session.execute(
        update(Idea)
        .where(Idea.id == idea.id, Idea.confirm_token_hash == idea.confirm_token_hash)
        .values(confirm_token_hash=None, confirm_expires_at=None),
        execution_options={"synchronize_session": False},
    )
    if used.rowcount != 1:
        raise LinkInvalid(_GONE)
    idea.confirm_token_hash, idea.confirm_expires_at = None, None
    person = find_or_create_person(idea.pending_email, idea.pending_name)
    _name_if_none(person, idea.pending_name)
    address_confirmed(person)
    idea.created_by = person
    idea.pending_email, idea.pending_name = "", ""
    touch(idea)
    db.session.flush()
    if idea.status is UNCONFIRMED:  # a steward may have hidden it meanwhile
        _open_or_hold(idea, person)
    return idea


def _name_if_none(person: Person, name: str) -> None:
    """A proven owner may give a name they lack; nobody's stored name is ever replaced."""
    if not person.name and name.strip():
        person.name = name.strip()


# -- support ----------------------------------------------------------------------------------


def support_of(idea: Idea, person) -> IdeaSupport | None:
    """This person's support for the idea (None for someone not signed in)."""
    if not getattr(person, "is_authenticated", False):
        return None
    return _support_row(idea, person)


def _support_row(idea: Idea, person: Person) -> IdeaSupport | None:
    query = select(IdeaSupport).where(IdeaSupport.idea_id == idea.id, IdeaSupport.person_id == person.id)
    return db.session.scalar(query)


def _require_open(idea: Idea) -> None:
    if idea.status is not OPEN:
        raise NotAllowed(gettext("This idea is not open for support."))


def set_support(
    idea: Idea, person: Person, would_come: bool | None = None, could_host: bool | None = None,
    show_name: bool | None = None,
) -> IdeaSupport | None:  # fmt: skip
    """Change a proven person's support (None: leave that part as it is). Withdrawing both
    removes it. ``idea`` comes from ``locked_idea``: the counts are recounted in the same
    transaction, so they always equal the rows."""
    _require_open(idea)
    support = _support_row(idea, person)
    if support is None:
        support = IdeaSupport(idea_id=idea.id, person_id=person.id, would_come=False, could_host=False)
    if would_come is not None:
        support.would_come = would_come
    if could_host is not None:
        support.could_host = could_host
    if show_name is not None:
        support.show_name = show_name
    support.updated_at = utcnow()
    if not (support.would_come or support.could_host):
        if support.id is not None:
            db.session.delete(support)
        support = None
    elif support.id is None:
        db.session.add(support)
    db.session.flush()
    _recount(idea)
    touch(idea)
    return support


def _recount(idea: Idea) -> None:
    counts = select(func.count().filter(IdeaSupport.would_come), func.count().filter(IdeaSupport.could_host)).where(
        IdeaSupport.idea_id == idea.id
    )
    would_come, could_host = db.session.execute(counts).one()
    idea.would_come_count, idea.could_host_count = would_come, could_host


def locked_idea(idea_id: int) -> Idea | None:
    """The idea with its row locked (PostgreSQL) for the rest of the transaction."""
    query = select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def ask_to_confirm_support(
    idea: Idea, email: str, name: str, would_come: bool, could_host: bool, show_name: bool = False
) -> None:
    """Keep a guest's support until the emailed link proves the address, at most
    ANSWER_MAILS_PER_ADDRESS emails an hour per address (past that, silently nothing).
    The same work happens whoever the address belongs to: nobody is looked up."""
    _require_open(idea)
    if not (would_come or could_host):
        raise InvalidInput("support", str(SUPPORT_NEEDED))
    email = email.strip().lower()
    if not email:
        raise InvalidInput(
            "email", gettext("Enter your email address, so we can send you the link that makes it count.")
        )
    if _support_mails_this_hour(email) >= current_app.config["ANSWER_MAILS_PER_ADDRESS"]:
        return
    db.session.execute(delete(PendingSupport).where(PendingSupport.idea_id == idea.id, PendingSupport.email == email))
    now, secret = utcnow(), secrets.token_urlsafe(16)  # 128 bits
    pending = PendingSupport(idea_id=idea.id, email=email, name=name.strip(), would_come=would_come,
                             could_host=could_host, show_name=show_name, token_hash=_hash(secret), created_at=now,
                             expires_at=now + timedelta(seconds=current_app.config["EMAIL_LINK_MAX_AGE"]))  # fmt: skip
    db.session.add(pending)
    db.session.flush()
    token = f"{idea.id}.{secret}"
    subject = lazy_gettext("Confirm your support: %(title)s", title=idea.title)
    queue_mail(email, subject, "idea_support_confirm", category=SUPPORT_CONFIRM, idea=idea, pending=pending,
               link=external_url("ideas.support_page", token=token), idea_url=idea_link(idea))  # fmt: skip


def _support_mails_this_hour(email: str) -> int:
    since = utcnow() - timedelta(hours=1)
    query = select(func.count()).where(
        OutboxMail.to_address == email, OutboxMail.category == SUPPORT_CONFIRM, OutboxMail.created_at > since
    )
    return db.session.scalar(query)


def pending_idea_id(token: str) -> int | None:
    """The idea a "confirm your support" token is for (``<idea id>.<secret>``), to lock it first."""
    idea_id = token.partition(".")[0]
    return int(idea_id) if idea_id.isdigit() and len(idea_id) <= 9 else None


def pending_support_for_token(token: str, idea: Idea | None = None) -> PendingSupport:
    """The live pending support behind an emailed link (``idea``: its locked idea)."""
    idea_id, secret = pending_idea_id(token), token.partition(".")[2]
    if idea_id is None or not secret or len(secret) > 64:
        raise LinkInvalid(_GONE)
    token_hash = _hash(secret)
    pending = db.session.scalar(select(PendingSupport).where(PendingSupport.token_hash == token_hash))
    if pending is None or not hmac.compare_digest(pending.token_hash, token_hash):
        raise LinkInvalid(_GONE)
    if pending.idea_id != idea_id or (idea is not None and pending.idea_id != idea.id):
        raise LinkInvalid(_GONE)
    if pending.expires_at <= utcnow():
        raise LinkInvalid(_GONE)
    return pending


def confirm_support(idea: Idea, token: str) -> tuple[Person, IdeaSupport | None]:
    """The emailed link was used: the address is proven and the support counts, added to
    any the person gave before. ``idea`` comes from ``locked_idea``."""
    pending = pending_support_for_token(token, idea)
    person = find_or_create_person(pending.email, pending.name)
    _name_if_none(person, pending.name)
    address_confirmed(person)
    db.session.flush()
    wants = (pending.would_come or None, pending.could_host or None, pending.show_name if pending.could_host else None)
    db.session.delete(pending)
    db.session.flush()
    return person, _set_support_row(idea, person, _support_row(idea, person), *wants)


def _set_support_row(idea, person, existing, would_come, could_host, show_name) -> IdeaSupport:
    _require_open(idea)
    support = existing or IdeaSupport(idea_id=idea.id, person_id=person.id, would_come=False, could_host=False)
    support.would_come = support.would_come or bool(would_come)
    support.could_host = support.could_host or bool(could_host)
    if show_name is not None:
        support.show_name = show_name
    support.updated_at = utcnow()
    db.session.add(support)
    db.session.flush()
    _recount(idea)
    touch(idea)
    return support


def hosts_offering(idea: Idea) -> list[str]:
    """Who offered to host, oldest offer first: a name only with their consent, else "someone"."""
    query = (
        select(IdeaSupport)
        .where(IdeaSupport.idea_id == idea.id, IdeaSupport.could_host)
        .options(joinedload(IdeaSupport.person))
        .order_by(IdeaSupport.created_at, IdeaSupport.id)
    )
    return [
        support.person.display_name if support.show_name and support.person.display_name else gettext("someone")
        for support in db.session.scalars(query)
    ]


# -- closing, stewards and reports -----------------------------------------------------------


def close_idea(idea: Idea, person) -> None:
    """Its author closes an idea: it stays reachable, off the board, and takes no more support."""
    if not is_author(person, idea):
        raise NotAllowed(gettext("Only the person who posted this idea can close it."))
    change_status(idea, "close")
    idea.closed_at = utcnow()
    touch(idea)


def _require_steward(person) -> None:
    if not getattr(person, "is_steward", False):
        raise NotAllowed(gettext("Only stewards can do that."))


def steward_act(idea: Idea, steward, action: str) -> None:
    """A steward approves a held idea, or hides or restores one."""
    _require_steward(steward)
    if action == "hide" and idea.status is HIDDEN:
        return
    before = change_status(idea, action)
    touch(idea)
    if action == "approve" and before is HELD and idea.created_by is not None:
        subject = lazy_gettext("Your idea is on the board: %(title)s", title=idea.title)
        queue_mail(idea.created_by.email, subject, "idea_published", idea=idea, link=idea_link(idea))


def report_idea(idea: Idea, reason: str) -> None:
    """Anyone reports an idea: every steward is emailed the reason and the idea's link (ideas
    have no stored reports); a steward hides it from its page or the queue."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", gettext("Say briefly what is wrong, so a steward can look."))
    tell_stewards(
        idea, lazy_gettext("An idea was reported: %(title)s", title=idea.title), "idea_steward_report", reason=reason
    )


def tell_stewards(idea: Idea, subject: LazyString, template: str, **context) -> None:
    """Email every steward (if STEWARD_ALERTS) enough to act without opening the idea; ``subject``
    is a lazy_gettext string, so each steward reads it in their own language."""
    if not current_app.config["STEWARD_ALERTS"]:
        return
    author = idea.created_by.email if idea.created_by else idea.pending_email
    for steward in db.session.scalars(select(Person).where(Person.is_steward)):
        queue_mail(steward.email, subject, template, idea=idea, author=author,
                   link=idea_link(idea), queue_link=external_url("stewards.queue"), **context)  # fmt: skip


def idea_link(idea: Idea) -> str:
    return external_url("ideas.show", idea_id=idea.id, slug=idea.slug)


# -- the board -------------------------------------------------------------------------------


def fade_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=current_app.config["IDEA_FADE_DAYS"])


def is_faded(idea: Idea, now: datetime | None = None) -> bool:
    return idea.status is OPEN and idea.last_activity_at <= fade_cutoff(now)


def apply_idea_filters(query, filters: EventFilters):
    """Narrow an Idea query by kind, place (or online) and tag, as the gatherings list does."""
    if filters.kind:
        query = query.where(Idea.kind == filters.kind)
    if filters.online:
        query = query.where(Idea.is_online)
    if filters.place:
        query = query.where(Idea.place.has(Place.slug == filters.place))
    if filters.tag:
        query = query.where(Idea.tags.any(Tag.name == filters.tag))
    return query


def board_query(filters: EventFilters, now: datetime | None = None):
    """Open ideas with recent activity, most supported first, the most recently active breaking ties."""
    query = select(Idea).where(Idea.status == OPEN, Idea.last_activity_at > fade_cutoff(now))
    support = Idea.would_come_count + Idea.could_host_count
    return apply_idea_filters(query, filters).order_by(support.desc(), Idea.last_activity_at.desc(), Idea.id.desc())


def older_query(filters: EventFilters, now: datetime | None = None):
    """Ideas that faded (no activity for IDEA_FADE_DAYS) and closed ones, the most recently active first."""
    faded = (Idea.status == OPEN) & (Idea.last_activity_at <= fade_cutoff(now))
    query = select(Idea).where(or_(faded, Idea.status == CLOSED))
    return apply_idea_filters(query, filters).order_by(Idea.last_activity_at.desc(), Idea.id.desc())


def newest_query():
    """Open ideas, newest first (the Atom feed)."""
    return select(Idea).where(Idea.status == OPEN).order_by(Idea.created_at.desc(), Idea.id.desc())


def idea_page(query, number: int, per_page: int) -> Page:
    """One page of ideas, with their place and tags loaded in a fixed number of queries."""
    number = min(max(number, 1), MAX_PAGE)
    query = query.options(selectinload(Idea.place), selectinload(Idea.tags))
    items = list(db.session.scalars(query.offset((number - 1) * per_page).limit(per_page + 1)))
    return Page(items=items[:per_page], number=number, has_next=len(items) > per_page)
