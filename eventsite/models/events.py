"""Gatherings, their places, tags, hosts, history, reports and co-host invitations."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.i18n import lazy_gettext
from eventsite.models.base import stored_enum
from eventsite.models.people import Person
from eventsite.text import slugify

if TYPE_CHECKING:
    from eventsite.models.ideas import Idea
    from eventsite.models.series import Series


class EventKind(enum.Enum):
    PARTY = "party"
    WORKSHOP = "workshop"
    CINEMA_CLUB = "cinema-club"
    PUB_COFFEE = "pub-coffee"
    ONLINE_SESSION = "online-session"
    WALK = "walk"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The kind's name in the current language."""
        return str(KIND_LABELS[self])


KIND_LABELS = {
    EventKind.PARTY: lazy_gettext("Party"),
    EventKind.WORKSHOP: lazy_gettext("Workshop"),
    EventKind.CINEMA_CLUB: lazy_gettext("Cinema club"),
    EventKind.PUB_COFFEE: lazy_gettext("Pub or coffee gathering"),
    EventKind.ONLINE_SESSION: lazy_gettext("Online session"),
    EventKind.WALK: lazy_gettext("Walk"),
    EventKind.OTHER: lazy_gettext("Other"),
}


class EventStatus(enum.Enum):
    UNCONFIRMED = "unconfirmed"  # waiting for the proposer to confirm their email
    HELD = "held"  # waiting for a steward
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by a steward
    CANCELLED = "cancelled"


# Stored by key; the labels are in the current language.
ACCESS_FEATURES = {
    "step-free": lazy_gettext("Step-free access"),
    "accessible-toilet": lazy_gettext("Accessible toilet"),
    "hearing-loop": lazy_gettext("Hearing loop"),
    "bsl": lazy_gettext("BSL interpretation"),
    "quiet-space": lazy_gettext("Quiet space"),
    "seating": lazy_gettext("Seating available"),
    "large-print": lazy_gettext("Large-print materials"),
    "captions": lazy_gettext("Captions (online)"),
}

event_tags = Table(
    "event_tag",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Place(db.Model):
    """A locality that stewards maintain (a neighbourhood, a town)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)

    def __repr__(self) -> str:
        return f"<Place {self.slug}>"


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class EventHost(db.Model):
    """Hosts of an event: all equal, no role ladder."""

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class Event(db.Model):
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("min_going IS NULL OR min_going > 0", name="min_going_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint("max_guests >= 0", name="max_guests_not_negative"),
        Index("ix_event_status_starts_at", "status", "starts_at"),
        Index("ix_event_starts_at", "starts_at"),
        Index("ix_event_updated_at", "updated_at"),  # the feeds' cheap "has anything changed?"
        UniqueConstraint("series_id", "occurs_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EventKind] = mapped_column(stored_enum(EventKind, "event_kind"))
    status: Mapped[EventStatus] = mapped_column(
        stored_enum(EventStatus, "event_status"), default=EventStatus.UNCONFIRMED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    venue_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    is_online: Mapped[bool] = mapped_column(default=False)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None]
    min_going: Mapped[int | None]
    max_guests: Mapped[int] = mapped_column(default=0)  # guests each RSVP may bring
    rsvp_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # default: the start
    address_for_attendees: Mapped[bool] = mapped_column(default=False)  # exact address only to those going
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text, default="")
    # The description rendered once, when saved: sanitised HTML and a plain-text summary.
    description_html: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    access_features: Mapped[list[str]] = mapped_column(JSON, default=list)
    access_notes: Mapped[str] = mapped_column(String(500), default="")
    cost: Mapped[str] = mapped_column(String(80), default="Free")
    cancel_message: Mapped[str] = mapped_column(String(500), default="")
    # Rises on every change to time, place, title or status (calendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A session of a series (eventsite.series): the date its rule gave it, kept when it is
    # moved, so that making sessions again never makes this one twice.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    occurs_on: Mapped[date | None]
    # Made from an idea (eventsite.ideas), or run again (below): the people waiting for it (who
    # said "I'd come", or went last time or asked again) are invited once, when it goes live.
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="SET NULL"), index=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Run again from a past gathering: whoever went or asked is invited first, and the public
    # list, feeds and API show it only from ``public_from`` (eventsite.again).
    again_of_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    public_from: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    place: Mapped[Place | None] = relationship()
    created_by: Mapped[Person] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, order_by=Tag.name)
    hosts: Mapped[list[EventHost]] = relationship(cascade="all, delete-orphan", order_by=EventHost.added_at)
    series: Mapped["Series | None"] = relationship(back_populates="sessions")
    idea: Mapped["Idea | None"] = relationship()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.status.value}>"

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        """Cancelled by its hosts, even while it is still held or hidden (eventsite.lifecycle)."""
        return self.cancelled_at is not None or self.status is EventStatus.CANCELLED

    @property
    def is_public(self) -> bool:
        return self.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)

    @property
    def host_people(self) -> list[Person]:
        return [host.person for host in self.hosts]

    @property
    def access_labels(self) -> list[str]:
        return [str(ACCESS_FEATURES[key]) for key in self.access_features if key in ACCESS_FEATURES]


class EventChange(db.Model):
    """Who changed what on an event, and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()


class Report(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()


class HostInvitation(db.Model):
    """An invitation to host: the invitee becomes a host only by accepting it (emailed link)."""

    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    hand_over: Mapped[bool] = mapped_column(default=False)  # the inviter steps down when it is accepted
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    invited_by: Mapped[Person | None] = relationship(foreign_keys=[invited_by_id])
