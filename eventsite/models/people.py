"""People, their signed-in sessions and the one-time links emailed to them."""

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.models.base import stored_enum

if TYPE_CHECKING:
    from eventsite.models.events import Event


class LinkPurpose(enum.Enum):
    SIGN_IN = "sign-in"
    CONFIRM_EVENT = "confirm-event"


DELETED_DOMAIN = "@deleted.invalid"


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    is_steward: Mapped[bool] = mapped_column(default=False)
    # Random key behind the personal calendar feed's secret link (see eventsite.feeds);
    # a new key revokes the old link.
    feed_key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: secrets.token_hex(16))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language they chose, or were using when they last signed in or confirmed an
    # address ("pl"); their emails go out in it. None: not known yet.
    language: Mapped[str | None] = mapped_column(String(16))
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


# Addresses are looked up as typed, in any case (``people.find_person``): one index lookup.
Index("ix_person_email_lower", func.lower(Person.email))


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
    purpose: Mapped[LinkPurpose] = mapped_column(stored_enum(LinkPurpose, "link_purpose"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    next_url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    event: Mapped["Event | None"] = relationship()
