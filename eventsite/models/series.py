"""Series: a rule that makes sessions, each an ordinary gathering, the people who host
it, and the standing answers of people coming to every session (eventsite.series)."""

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models.answers import RsvpStatus
from eventsite.models.base import stored_enum
from eventsite.models.events import Event
from eventsite.models.people import Person
from eventsite.text import slugify


class SeriesStatus(enum.Enum):
    ACTIVE = "active"  # sessions are made up to the horizon
    PAUSED = "paused"  # no host said it is still happening: no new sessions until one restarts it
    ENDED = "ended"  # its hosts ended it; its later sessions were cancelled


class Series(db.Model):
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    # eventsite.recurrence.RepeatRule as an RRULE, counted from ``first_date``.
    rule: Mapped[str] = mapped_column(String(200))
    first_date: Mapped[date]
    # Every session's wall-clock start and length, in ``timezone`` (19:00 stays 19:00).
    local_time: Mapped[time]
    duration_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[SeriesStatus] = mapped_column(
        stored_enum(SeriesStatus, "series_status"), default=SeriesStatus.ACTIVE
    )
    # Sessions exist for every date of the rule up to this one.
    made_through: Mapped[date | None]
    # When a host last said it is still happening (or made it), and when they were last asked.
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    renewal_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[Event]] = relationship(back_populates="series", order_by=Event.starts_at)
    hosts: Mapped[list["SeriesHost"]] = relationship(cascade="all, delete-orphan", order_by="SeriesHost.added_at")

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.status.value}>"

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def host_people(self) -> list[Person]:
        return [host.person for host in self.hosts]


class SeriesHost(db.Model):
    """Who hosts a series: each new session gets them as its hosts."""

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class StandingAnswer(db.Model):
    """ "Every session": applied, in the order given, to each session as it is made."""

    __table_args__ = (
        UniqueConstraint("series_id", "person_id"),
        CheckConstraint("guests >= 0", name="guests_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(stored_enum(RsvpStatus, "rsvp_status"))  # going or maybe
    guests: Mapped[int] = mapped_column(default=0)
    show_name: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[Series] = relationship()
    person: Mapped[Person] = relationship()
