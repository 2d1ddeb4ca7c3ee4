"""Proposing and running gatherings: the rules, as plain functions on models.

Functions here flush and raise domain errors; the view commits once.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import select

from eventsite.attendees import after_host_change, tell_of_cancellation
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.history import record_change, touch
from eventsite.host_mail import EDIT_EMAILED, Schedule, record_mail_out
from eventsite.i18n import lazy_gettext
from eventsite.lifecycle import change_status
from eventsite.listing import MAX_LENGTH
from eventsite.models import (
    EmailLink,
    Event,
    EventHost,
    EventKind,
    EventStatus,
    LinkPurpose,
    Person,
    Place,
    Tag,
)
from eventsite.moderation import publish_or_hold, waits_for_steward
from eventsite.people import find_or_create_person, mail_link, name_in_link, redeem_link
from eventsite.series import follow_session
from eventsite.text import render_markdown, summary_text
from eventsite.times import NonexistentLocalTime, local_to_utc

DEFAULT_LENGTH = timedelta(hours=2)
NAME_NEEDED = lazy_gettext("Enter your name, as hosts are shown on the event page.")
EMAIL_NEEDED = lazy_gettext("Enter your email address so we can send you the confirmation link.")
MAX_YEARS_AHEAD = 5
# Changes that matter to attendees and calendars: each raises the SEQUENCE.
SCHEDULING_FIELDS = ("title", "starts_at", "ends_at", "timezone", "venue_name", "address",
                     "place_id", "is_online", "online_url")  # fmt: skip


@dataclass
class EventDetails:
    """What a host types into the propose or edit form, already format-checked."""

    title: str
    kind: EventKind
    starts_local: datetime  # naive wall-clock time in ``timezone``
    timezone: str
    ends_local: datetime | None = None
    venue_name: str = ""
    address: str = ""
    place: Place | None = None
    is_online: bool = False
    online_url: str = ""
    capacity: int | None = None
    min_going: int | None = None
    description: str = ""
    tags: list[str] = field(default_factory=list)
    access_features: list[str] = field(default_factory=list)
    access_notes: str = ""
    cost: str = "Free"
    max_guests: int = 0
    rsvp_closes_local: datetime | None = None  # naive wall-clock time; None: at the start
    address_for_attendees: bool = False

    @classmethod
    def of(cls, event: Event, **changes) -> "EventDetails":
        """An event's details as saved (times in its own zone), with ``changes`` applied."""
        closes = event.rsvp_closes_at.astimezone(event.zone).replace(tzinfo=None) if event.rsvp_closes_at else None
        details = cls(
            title=event.title,
            kind=event.kind,
            starts_local=event.local_start.replace(tzinfo=None),
            ends_local=event.local_end.replace(tzinfo=None),
            timezone=event.timezone,
            venue_name=event.venue_name,
            address=event.address,
            place=event.place,
            is_online=event.is_online,
            online_url=event.online_url,
            capacity=event.capacity,
            min_going=event.min_going,
            description=event.description,
            tags=[tag.name for tag in event.tags],
            access_features=list(event.access_features),
            access_notes=event.access_notes,
            cost=event.cost,
            max_guests=event.max_guests,
            rsvp_closes_local=closes,
            address_for_attendees=event.address_for_attendees,
        )
        return replace(details, **changes)


def can_edit(person, event: Event) -> bool:
    """Hosts may change an event; every host has the same rights."""
    if not getattr(person, "is_authenticated", False):
        return False
    return any(host.person_id == person.id for host in event.hosts)


def can_view(person, event: Event) -> bool:
    """Published and cancelled events are public; others only to hosts and stewards."""
    if event.is_public:
        return True
    return can_edit(person, event) or getattr(person, "is_steward", False)


def _require_host(person, event: Event) -> None:
    if not can_edit(person, event):
        raise NotAllowed(gettext("Only the hosts of this gathering can do that."))


def resolve_times(
    starts_local: datetime, ends_local: datetime | None, timezone: str, now: datetime
) -> tuple[datetime, datetime]:
    """Turn the local start and end into UTC, refusing impossible or past times."""
    zone = ZoneInfo(timezone)
    starts_at = _to_utc("starts_at", starts_local, zone, now)
    if starts_at <= now:
        raise InvalidInput("starts_at", gettext("The start is in the past. Choose a time that is still to come."))
    if ends_local is None:
        return starts_at, starts_at + DEFAULT_LENGTH
    ends_at = _to_utc("ends_at", ends_local, zone, now)
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", gettext("The end must be after the start."))
    if ends_at - starts_at > MAX_LENGTH:
        message = gettext("A gathering can last at most 31 days. For a series, propose each date.")
        raise InvalidInput("ends_at", message)
    return starts_at, ends_at


def _to_utc(field: str, local: datetime, zone: ZoneInfo, now: datetime) -> datetime:
    if local.year > now.year + MAX_YEARS_AHEAD:
        message = ngettext(
            "Choose a date within the next %(num)d year.",
            "Choose a date within the next %(num)d years.",
            MAX_YEARS_AHEAD,
        )
        raise InvalidInput(field, message)
    if local.year < now.year - 1:
        if field == "starts_at":
            raise InvalidInput(field, gettext("The start is in the past. Choose a time that is still to come."))
        raise InvalidInput(field, gettext("The end is in the past. Choose a time that is still to come."))
    try:
        return local_to_utc(local, zone)
    except NonexistentLocalTime as error:
        raise InvalidInput(field, str(error)) from None


def where_problems(
    is_online: bool,
    place: Place | None,
    venue_name: str,
    online_url: str,
    capacity: int | None = None,
    min_going: int | None = None,
) -> list[InvalidInput]:
    """Everything wrong with where a gathering happens (and a threshold above its capacity),
    each for its field: the forms show them all at once, proposing and editing refuse the first."""
    problems = []
    if is_online and not online_url:
        problems.append(
            InvalidInput("online_url", gettext("An online gathering needs the link people will join with."))
        )
    if not is_online and place is None:
        problems.append(InvalidInput("place", gettext("Choose the locality, or “Online”.")))
    if not is_online and not venue_name:
        problems.append(InvalidInput("venue_name", gettext("Say where people should go (a venue name).")))
    if capacity and min_going and min_going > capacity:
        problems.append(InvalidInput("min_going", gettext("This cannot be more than the capacity.")))
    return problems


def proposer_problems(person: Person | None, email: str, name: str) -> list[InvalidInput]:
    """What a proposer still has to give: someone not signed in (``person`` None) an email
    and a name; a signed-in person with no name yet, their name."""
    problems = []
    if person is None and not email:
        problems.append(InvalidInput("email", EMAIL_NEEDED))
    if (person is None or not person.name) and not name:
        problems.append(InvalidInput("name", NAME_NEEDED))
    return problems


def _refuse(problems: list[InvalidInput]) -> None:
    if problems:
        raise problems[0]


def _check_where(details: EventDetails) -> None:
    where = (details.is_online, details.place, details.venue_name, details.online_url)
    _refuse(where_problems(*where, details.capacity, details.min_going))


def _tags_named(names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in existing:
            existing[name] = Tag(name=name)
            db.session.add(existing[name])
    return [existing[name] for name in names]


def _apply(event: Event, details: EventDetails, starts_at: datetime, ends_at: datetime) -> None:
    event.title = details.title
    event.kind = details.kind
    event.starts_at, event.ends_at = starts_at, ends_at
    event.timezone = details.timezone
    event.is_online = details.is_online
    event.place = None if details.is_online else details.place
    event.venue_name = details.venue_name
    event.address = details.address
    event.online_url = details.online_url
    event.capacity = details.capacity
    event.min_going = details.min_going
    event.description = details.description
    _render_description(event)
    event.tags = _tags_named(details.tags)
    event.access_features = list(details.access_features)
    event.access_notes = details.access_notes
    event.cost = details.cost or "Free"
    event.max_guests = details.max_guests
    event.address_for_attendees = details.address_for_attendees
    event.rsvp_closes_at = resolve_rsvp_close(details.rsvp_closes_local, details.timezone, starts_at)


def _render_description(event: Event) -> None:
    """Render the Markdown once, when it is saved: pages, JSON-LD and previews read the result."""
    event.description_html = str(render_markdown(event.description))
    event.summary = summary_text(event.description)


def resolve_rsvp_close(closes_local: datetime | None, timezone: str, starts_at: datetime) -> datetime | None:
    """When answers close, in UTC (None: at the start), refused if after the start."""
    if closes_local is None:
        return None
    closes_at = _to_utc("rsvp_closes_at", closes_local, ZoneInfo(timezone), utcnow())
    if closes_at > starts_at:
        message = gettext("Answers must close by the start (leave it empty to close at the start).")
        raise InvalidInput("rsvp_closes_at", message)
    return closes_at


def propose_event(details: EventDetails, proposer: Person, email_confirmed: bool, typed_name: str = "") -> Event:
    """Save a proposal. A signed-in proposer goes straight to moderation; anyone
    else is emailed a one-time link that confirms their address first (and carries
    the name they typed, ``typed_name``, until then)."""
    now = utcnow()
    starts_at, ends_at = resolve_times(details.starts_local, details.ends_local, details.timezone, now)
    _check_where(details)
    event = Event(created_by=proposer, status=EventStatus.UNCONFIRMED, created_at=now, updated_at=now)
    _apply(event, details, starts_at, ends_at)
    event.hosts.append(EventHost(person=proposer))
    db.session.add(event)
    db.session.flush()
    record_change(event, proposer, "proposed")
    if email_confirmed:
        publish_or_hold(event, proposer, current_app.config["MODERATION"])
    else:
        subject = lazy_gettext("Confirm your gathering: %(title)s", title=event.title)
        held = waits_for_steward(proposer)  # the email says what confirming will do
        mail_link(
            proposer, LinkPurpose.CONFIRM_EVENT, subject, "confirm_event", event=event, typed_name=typed_name, held=held
        )
    return event


def propose_as_guest(details: EventDetails, email: str, name: str) -> Event:
    """Someone not signed in proposes: the event waits until they confirm their email."""
    _refuse(proposer_problems(None, email, name))
    # Anyone could type this address: the name is theirs only once the emailed link proves it.
    return propose_event(details, find_or_create_person(email), email_confirmed=False, typed_name=name)


def propose_signed_in(details: EventDetails, person: Person, name: str) -> Event:
    """A signed-in person proposes; one with no name yet gives it (their address is proven)."""
    _refuse(proposer_problems(person, person.email, name))
    if not person.name:
        person.name = name
    return propose_event(details, person, email_confirmed=True)


def confirm_proposal(event: Event, person: Person, typed_name: str = "") -> None:
    """The proposer followed the emailed link: publish, or hold for a steward. The
    name they typed when proposing becomes theirs if they have none yet."""
    if typed_name and not person.name:
        person.name = typed_name
    if event.status is EventStatus.UNCONFIRMED:
        record_change(event, person, "confirmed")
        publish_or_hold(event, person, current_app.config["MODERATION"])
        follow_session(event, "hold" if event.status is EventStatus.HELD else "publish", EventStatus.UNCONFIRMED)


def use_email_link(token: str) -> EmailLink:
    """Redeem an emailed link; a proposal's link also confirms the proposal."""
    link = redeem_link(token)
    if link.purpose is LinkPurpose.CONFIRM_EVENT and link.event is not None:
        confirm_proposal(link.event, link.person, name_in_link(token))
    return link


def edit_event(event: Event, details: EventDetails, editor: Person) -> list[str]:
    """Apply a host's changes and tell attendees of a new time or place; return the
    scheduling fields that changed. ``event`` comes from ``locked_event``: a larger
    capacity promotes from the waitlist in this same transaction."""
    changed, was = apply_edit(event, details, editor)
    told = after_host_change(event, changed, was)
    if told:
        record_mail_out(event, editor, EDIT_EMAILED, told)
    return changed


def apply_edit(event: Event, details: EventDetails, editor: Person) -> tuple[list[str], Schedule]:
    """The edit itself, telling nobody: the scheduling fields that changed, and how the
    event stood before (eventsite.series tells people of a change to many sessions at once)."""
    _require_host(editor, event)
    if event.is_cancelled:
        raise NotAllowed(gettext("A cancelled gathering cannot be edited."))
    starts_at, ends_at = resolve_times(details.starts_local, details.ends_local, details.timezone, utcnow())
    _check_where(details)
    before = {name: getattr(event, name) for name in SCHEDULING_FIELDS}
    was = Schedule.of(event)  # before the change: the email shows the old beside the new
    _apply(event, details, starts_at, ends_at)
    db.session.flush()
    changed = [name for name in SCHEDULING_FIELDS if getattr(event, name) != before[name]]
    touch(event, scheduling_changed=bool(changed))
    record_change(event, editor, "edited", ", ".join(changed))
    return changed, was


def cancel_event(event: Event, person: Person, message: str) -> None:
    """Cancel: the event stays up, marked cancelled, and everyone answering is told.
    A held or hidden event stays held or hidden (eventsite.lifecycle) and nobody is emailed."""
    _require_host(person, event)
    if event.is_cancelled:
        return
    change_status(event, "cancel")
    event.cancel_message = message
    touch(event, scheduling_changed=True)
    record_change(event, person, "cancelled", message)
    if event.status is EventStatus.CANCELLED:
        tell_of_cancellation(event)


def step_down(event: Event, person: Person) -> None:
    """Stop being a host. The last host cannot leave: hand the event over instead."""
    _require_host(person, event)
    if len(event.hosts) == 1:
        raise InvalidInput("email", gettext("You are the only host: hand the gathering over to someone first."))
    event.hosts = [host for host in event.hosts if host.person_id != person.id]
    touch(event, scheduling_changed=False)
    record_change(event, person, "stepped down")
