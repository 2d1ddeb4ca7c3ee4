"""What the whole site shares: the version of everything a visitor can see."""

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.extensions import db


class ContentVersion(db.Model):
    """One row, whose number moves in every transaction that changes what a page or a
    shared feed could show (see ``eventsite.cache``): cached pages are keyed by it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, default=0)
