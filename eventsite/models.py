"""The data: people, gatherings, places, tags, RSVPs, reports and the mail queue.

Times are aware UTC datetimes (see ``UTCDateTime``); an event's own IANA zone
is kept beside them for display and calendar output.
"""

import enum
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.text import slugify


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a plain string column (portable, readable)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


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
        return KIND_LABELS[self]


KIND_LABELS = {
    EventKind.PARTY: "Party",
    EventKind.WORKSHOP: "Workshop",
    EventKind.CINEMA_CLUB: "Cinema club",
    EventKind.PUB_COFFEE: "Pub or coffee gathering",
    EventKind.ONLINE_SESSION: "Online session",
    EventKind.WALK: "Walk",
    EventKind.OTHER: "Other",
}


class EventStatus(enum.Enum):
    UNCONFIRMED = "unconfirmed"  # waiting for the proposer to confirm their email
    HELD = "held"  # waiting for a steward
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by a steward
    CANCELLED = "cancelled"


class RsvpStatus(enum.Enum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not-going"
    WAITLISTED = "waitlisted"


class LinkPurpose(enum.Enum):
    SIGN_IN = "sign-in"
    CONFIRM_EVENT = "confirm-event"


DELETED_DOMAIN = "@deleted.invalid"

ACCESS_FEATURES = {
    "step-free": "Step-free access",
    "accessible-toilet": "Accessible toilet",
    "hearing-loop": "Hearing loop",
    "bsl": "BSL interpretation",
    "quiet-space": "Quiet space",
    "seating": "Seating available",
    "large-print": "Large-print materials",
    "captions": "Captions (online)",
}


event_tags = Table(
    "event_tag",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    is_steward: Mapped[bool] = mapped_column(default=False)
    # Random key behind the personal calendar feed's secret link (see eventsite.feeds);
    # a new key revokes the old link.
    feed_key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: secrets.token_hex(16))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.id}>"

    @property
    def display_name(self) -> str:
        """The name they gave, or "": never anything taken from their address."""
        return self.name

    @property
    def is_deleted(self) -> bool:
        """Anonymised by eventsite.accounts.delete_account: no session may load it."""
        return self.email.endswith(DELETED_DOMAIN)


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus, "event_status"), default=EventStatus.UNCONFIRMED)
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

    place: Mapped[Place | None] = relationship()
    created_by: Mapped[Person] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, order_by=Tag.name)
    hosts: Mapped[list[EventHost]] = relationship(cascade="all, delete-orphan", order_by=EventHost.added_at)

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
        return [ACCESS_FEATURES[key] for key in self.access_features if key in ACCESS_FEATURES]


class Rsvp(db.Model):
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        CheckConstraint("guests >= 0", name="guests_not_negative"),
        Index("ix_rsvp_event_id_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    # None once the answer's personal data is purged (eventsite.retention): the count stays.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(_enum(RsvpStatus, "rsvp_status"))
    guests: Mapped[int] = mapped_column(default=0)
    show_name: Mapped[bool] = mapped_column(default=False)
    # The waitlist is first come, first served: ordered by when each joined it.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Per-RSVP secret behind the emailed "change your answer" link; a new value revokes old links.
    manage_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    person: Mapped[Person | None] = relationship()


class PendingAnswer(db.Model):
    """A guest's answer, waiting for its address to be proven by the emailed link.

    Until then it shows nowhere and changes no answer; a "going" answer to an event
    with a capacity holds ``held_places`` until ``held_until`` (eventsite.rsvps).
    The address is kept as typed: no person is created or looked up for it.
    """

    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        CheckConstraint("guests >= 0", name="guests_not_negative"),
        CheckConstraint("held_places >= 0", name="held_places_not_negative"),
        Index("ix_pending_answer_event_id_held_until", "event_id", "held_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[RsvpStatus] = mapped_column(_enum(RsvpStatus, "rsvp_status"))
    guests: Mapped[int] = mapped_column(default=0)
    show_name: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    held_places: Mapped[int] = mapped_column(default=0)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

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


class PersonSession(db.Model):
    """One signed-in browser. Signing out deletes its row; "sign out everywhere" all of them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()


class EmailLink(db.Model):
    """A one-time link sent by email. Only a hash of its secret is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose, "link_purpose"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    next_url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    event: Mapped[Event | None] = relationship()


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


class OutboxMail(db.Model):
    """A message queued in the transaction that caused it, sent after commit."""

    __table_args__ = (Index("ix_outbox_mail_to_address_created_at", "to_address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    # What kind of message it is, where a limit counts them (e.g. "answer-confirm").
    category: Mapped[str] = mapped_column(String(32), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Where answers go, when not to MAIL_FROM (a host who lets people reply to them).
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    # An optional attachment (an .ics): its file name, MIME type and text.
    attachment_name: Mapped[str] = mapped_column(String(100), default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    attachment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(16), index=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
