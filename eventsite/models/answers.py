"""Answers: RSVPs, and guests' answers waiting for their address to be proven."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models.base import stored_enum
from eventsite.models.events import Event
from eventsite.models.people import Person


class RsvpStatus(enum.Enum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not-going"
    WAITLISTED = "waitlisted"


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
    status: Mapped[RsvpStatus] = mapped_column(stored_enum(RsvpStatus, "rsvp_status"))
    guests: Mapped[int] = mapped_column(default=0)
    show_name: Mapped[bool] = mapped_column(default=False)
    # The waitlist is first come, first served: ordered by when each joined it.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Per-RSVP secret behind the emailed "change your answer" link; a new value revokes old links.
    manage_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Did you make it?", the day after (eventsite.again): None until they say; asked once.
    went: Mapped[bool | None]
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    status: Mapped[RsvpStatus] = mapped_column(stored_enum(RsvpStatus, "rsvp_status"))
    guests: Mapped[int] = mapped_column(default=0)
    show_name: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    held_places: Mapped[int] = mapped_column(default=0)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
