"""The mail queue."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db


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
