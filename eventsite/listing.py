"""Finding gatherings: the public list with its filters, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased, selectinload

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import Event, EventHost, EventKind, EventStatus, Place, Tag
from eventsite.times import start_of_local_day

MAX_PAGE = 10_000
# A gathering lasts at most this long (see events.resolve_times), so the list can
# start its index scan here instead of walking every event that ever happened.
MAX_LENGTH = timedelta(days=31)


@dataclass(frozen=True)
class EventFilters:
    kind: EventKind | None = None
    place: str = ""  # a place's slug
    online: bool = False
    tag: str = ""  # a tag's name
    date_from: date | None = None
    date_to: date | None = None
    series: str = ""  # "": a series shows its next session; ONLY_SERIES; EVERY_SESSION


ONLY_SERIES, EVERY_SESSION = "only", "every"


def upcoming_query(filters: EventFilters, zone: ZoneInfo, now: datetime | None = None):
    """Published and cancelled events that have not ended, soonest first."""
    now = now or utcnow()
    query = select(Event).where(
        Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
        Event.starts_at > now - MAX_LENGTH,
        Event.ends_at > now,
        listed_now(now),
    )
    query = apply_filters(query, filters, zone)
    if filters.series == ONLY_SERIES:
        query = query.where(Event.series_id.is_not(None))
    if filters.series != EVERY_SESSION:
        query = query.where(_next_of_its_series(filters, zone, now))
    return query.order_by(Event.starts_at, Event.id)


def listed_now(now: datetime, entity=Event):
    """SQL: the gathering may be on public lists and feeds now. One run again waits until
    ``public_from``, while the people who went or asked hear first (eventsite.again)."""
    return or_(entity.public_from.is_(None), entity.public_from <= now)


def is_listed_now(event: Event, now: datetime | None = None) -> bool:
    """``listed_now`` for one gathering already loaded."""
    return event.public_from is None or event.public_from <= (now or utcnow())


def _next_of_its_series(filters: EventFilters, zone: ZoneInfo, now: datetime):
    """A one-off, or a session with no earlier live session of its series that the filters
    would list: a weekly series takes one slot, not the whole page. (Its skipped sessions
    before the next one still show, marked cancelled.)"""
    earlier = aliased(Event)
    sooner = or_(earlier.starts_at < Event.starts_at, and_(earlier.starts_at == Event.starts_at, earlier.id < Event.id))
    query = select(earlier.id).where(
        earlier.series_id == Event.series_id,
        earlier.status == EventStatus.PUBLISHED,
        earlier.ends_at > now,
        sooner,
    )
    return or_(Event.series_id.is_(None), ~exists(apply_filters(query, filters, zone, earlier)))


def apply_filters(query, filters: EventFilters, zone: ZoneInfo, entity=Event):
    """Narrow an Event query (or one on an alias of Event) by kind, place (or online), tag and local dates."""
    if filters.kind:
        query = query.where(entity.kind == filters.kind)
    if filters.online:
        query = query.where(entity.is_online)
    if filters.place:
        query = query.where(entity.place.has(Place.slug == filters.place))
    if filters.tag:
        query = query.where(entity.tags.any(Tag.name == filters.tag))
    if filters.date_from:
        query = query.where(entity.ends_at > start_of_local_day(filters.date_from, zone))
    if filters.date_to:
        day_after = filters.date_to + timedelta(days=1)
        query = query.where(entity.starts_at < start_of_local_day(day_after, zone))
    return query


@dataclass(frozen=True)
class Page:
    """One page of a list. No total count: counting every match costs more as the site grows."""

    items: list[Event]
    number: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def upcoming_page(filters: EventFilters, zone: ZoneInfo, number: int, per_page: int) -> Page:
    number = min(max(number, 1), MAX_PAGE)
    query = (
        upcoming_query(filters, zone)
        .options(
            selectinload(Event.place),
            selectinload(Event.tags),
            selectinload(Event.hosts).joinedload(EventHost.person),
            selectinload(Event.series),
        )
        .offset((number - 1) * per_page)
        .limit(per_page + 1)  # one more tells whether there is a next page
    )
    items = list(db.session.scalars(query))
    return Page(items=items[:per_page], number=number, has_next=len(items) > per_page)


def by_local_day(events: list[Event]) -> list[tuple[date, list[Event]]]:
    """Group events (in start order) by the day they start in their own zone: one
    heading per day, even when events in other zones interleave."""
    days: dict[date, list[Event]] = {}
    for event in events:
        days.setdefault(event.local_start.date(), []).append(event)
    return sorted(days.items())


def places() -> list[Place]:
    return db.session.scalars(select(Place).order_by(Place.name)).all()
