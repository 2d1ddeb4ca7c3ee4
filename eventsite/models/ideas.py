"""Ideas that become gatherings: the idea, who would come or could host, answers waiting
for their address to be proven, and the date poll (eventsite.ideas, eventsite.idea_poll)."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models.base import stored_enum
from eventsite.models.events import EventKind, Place, Tag
from eventsite.models.people import Person
from eventsite.text import slugify

idea_tags = Table(
    "idea_tag",
    db.metadata,
    Column("idea_id", ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class IdeaStatus(enum.Enum):
    UNCONFIRMED = "unconfirmed"  # waiting for its author to confirm their email
    HELD = "held"  # waiting for a steward (the same moderation mode as gatherings)
    OPEN = "open"
    HIDDEN = "hidden"  # hidden by a steward
    CLOSED = "closed"  # closed by its author


class PollChoice(enum.Enum):
    YES = "yes"
    IF_NEED_BE = "if-need-be"
    NO = "no"


class Idea(db.Model):
    __table_args__ = (Index("ix_idea_status_last_activity_at", "status", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EventKind] = mapped_column(stored_enum(EventKind, "event_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    is_online: Mapped[bool] = mapped_column(default=False)
    status: Mapped[IdeaStatus] = mapped_column(stored_enum(IdeaStatus, "idea_status"), default=IdeaStatus.UNCONFIRMED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # Posted by someone not signed in: the address and name they typed, and the hash of the
    # emailed link's secret, until the link proves the address (then created_by is set).
    pending_email: Mapped[str] = mapped_column(String(254), default="")
    pending_name: Mapped[str] = mapped_column(String(100), default="")
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last time someone posted, supported or voted on it: the list's tie-break, and fading.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Counts kept beside the rows they count, so the list sorts by them with an index scan.
    would_come_count: Mapped[int] = mapped_column(default=0)
    could_host_count: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    place: Mapped[Place | None] = relationship()
    created_by: Mapped[Person | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=idea_tags, order_by=Tag.name)

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status.value}>"

    @property
    def slug(self) -> str:
        return slugify(self.title)


class IdeaSupport(db.Model):
    """A proven person's "I'd come" and/or "I could host" for an idea."""

    __table_args__ = (
        UniqueConstraint("idea_id", "person_id"),
        CheckConstraint("would_come OR could_host", name="supports_somehow"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    would_come: Mapped[bool] = mapped_column(default=False)
    could_host: Mapped[bool] = mapped_column(default=False)
    show_name: Mapped[bool] = mapped_column(default=False)  # name shown beside "could host"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea] = relationship()
    person: Mapped[Person] = relationship()


class PendingSupport(db.Model):
    """Support typed by someone not signed in, waiting for the emailed link (as PendingAnswer)."""

    __table_args__ = (UniqueConstraint("idea_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100), default="")
    would_come: Mapped[bool] = mapped_column(default=False)
    could_host: Mapped[bool] = mapped_column(default=False)
    show_name: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    idea: Mapped[Idea] = relationship()


class PollOption(db.Model):
    """A date and time offered in an idea's poll."""

    __table_args__ = (
        UniqueConstraint("idea_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea] = relationship()


class PollVote(db.Model):
    """One person's mark on one date: yes, if need be, or no (changeable)."""

    option_id: Mapped[int] = mapped_column(ForeignKey("poll_option.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    choice: Mapped[PollChoice] = mapped_column(stored_enum(PollChoice, "poll_choice"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    option: Mapped[PollOption] = relationship()


class AgainRequest(db.Model):
    """ "I'd come if it ran again", on a past gathering."""

    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
