"""Calendars people import gatherings from (an address, or a file they uploaded), what
each brought in, matched by the source's UID, and a fetched calendar waiting for its
importer to pick what to bring in (eventsite.imports)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models.events import Event
from eventsite.models.people import Person
from eventsite.models.series import Series


class ImportSource(db.Model):
    """One calendar one person imports from. ``url`` is None for an uploaded file."""

    __table_args__ = (UniqueConstraint("person_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200), default="")  # the calendar's own name, or the file's
    keep_in_sync: Mapped[bool] = mapped_column(default=False)
    # What its gatherings are, as the propose form says it: a kind, and a place's slug or "online".
    kind: Mapped[str] = mapped_column(String(20), default="other")
    place: Mapped[str] = mapped_column(String(80), default="")
    # The last answer's validators, sent back so an unchanged calendar costs a 304.
    etag: Mapped[str] = mapped_column(String(200), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    items: Mapped[list["ImportedItem"]] = relationship(back_populates="source", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<ImportSource {self.id}>"


class ImportedItem(db.Model):
    """One VEVENT of a source, by its UID, and the gathering (or series) it became."""

    __table_args__ = (UniqueConstraint("source_id", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("import_source.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    # A digest of what was brought in, so a re-import knows what changed at the source.
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[ImportSource] = relationship(back_populates="items")
    event: Mapped[Event | None] = relationship()
    series: Mapped[Series | None] = relationship()


class PendingImport(db.Model):
    """A calendar fetched or uploaded, shown to its importer to choose from. It keeps the
    bytes, so choosing imports exactly what was shown; purged after a day."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200), default="")
    keep_in_sync: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(200), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
