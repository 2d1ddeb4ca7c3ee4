"""Brew and biscuits: people who signed up to be paired across sectors, the rounds that
pair them, and each pair's (or trio's) private meeting (eventsite.brew, eventsite.brew_rounds).

A meeting is not a gathering: it has no row in ``event``, so no public list, feed, API,
Atom or embed query can ever find it. It reaches its own people's personal feeds only.
"""

import enum
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.database import UTCDateTime, utcnow
from eventsite.extensions import db
from eventsite.i18n import lazy_gettext
from eventsite.models.base import stored_enum
from eventsite.models.events import Place
from eventsite.models.people import Person


class BrewSector(enum.Enum):
    NHS_HOSPITAL = "nhs-hospital"
    PRIMARY_CARE = "primary-care"
    COMMUNITY_HEALTH = "community-health"
    SOCIAL_CARE = "social-care"
    HOUSING = "housing"
    VOLUNTARY = "voluntary-community"
    PUBLIC_HEALTH = "public-health"
    PATIENT_CARER = "patient-carer"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The sector's name in the current language."""
        return str(SECTOR_LABELS[self])


SECTOR_LABELS = {
    BrewSector.NHS_HOSPITAL: lazy_gettext("NHS hospital"),
    BrewSector.PRIMARY_CARE: lazy_gettext("Primary care"),
    BrewSector.COMMUNITY_HEALTH: lazy_gettext("Community health"),
    BrewSector.SOCIAL_CARE: lazy_gettext("Social care"),
    BrewSector.HOUSING: lazy_gettext("Housing"),
    BrewSector.VOLUNTARY: lazy_gettext("Voluntary and community"),
    BrewSector.PUBLIC_HEALTH: lazy_gettext("Public health"),
    BrewSector.PATIENT_CARER: lazy_gettext("Patient or carer"),
    BrewSector.OTHER: lazy_gettext("Other"),
}


class BrewFrequency(enum.Enum):
    """How often someone asked to be paired: the least number of days between two pairings."""

    EVERY_ROUND = "every-round"
    MONTHLY = "monthly"
    EVERY_FEW_MONTHS = "every-few-months"

    @property
    def label(self) -> str:
        labels = {
            "every-round": gettext("Every round"),
            "monthly": gettext("Once a month"),
            "every-few-months": gettext("Every few months"),
        }
        return labels[self.value]

    @property
    def min_days(self) -> int:
        return {"every-round": 0, "monthly": 28, "every-few-months": 84}[self.value]


class BrewMode(enum.Enum):
    IN_PERSON = "in-person"
    ONLINE = "online"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {"in-person": gettext("In person"), "online": gettext("Online"), "either": gettext("Either")}[self.value]


class MetAnswer(enum.Enum):
    """The one follow-up question: "Did you meet?"."""

    YES = "yes"
    NOT_YET = "not-yet"
    COULD_NOT = "could-not"

    @property
    def label(self) -> str:
        return {"yes": gettext("Yes"), "not-yet": gettext("Not yet"), "could-not": gettext("We couldn't")}[self.value]


class BrewMember(db.Model):
    """Someone in the pool (their address proven). Leaving deletes the row."""

    __table_args__ = (CheckConstraint("missed_rounds >= 0", name="missed_rounds_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    sector: Mapped[BrewSector] = mapped_column(stored_enum(BrewSector, "brew_sector"))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    # Where they are: a locality, or "happy to travel" (any locality), or neither ("online is fine").
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"), index=True)
    travels: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[BrewMode] = mapped_column(stored_enum(BrewMode, "brew_mode"), default=BrewMode.EITHER)
    about: Mapped[str] = mapped_column(String(300), default="")  # what they'd like to learn or could show
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)  # tags, lower case
    frequency: Mapped[BrewFrequency] = mapped_column(
        stored_enum(BrewFrequency, "brew_frequency"), default=BrewFrequency.MONTHLY
    )
    share_email: Mapped[bool] = mapped_column(default=True)  # with the people they are paired with
    # "Rather not be paired with": addresses, lower case; shown to nobody but this member.
    excluded_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    snoozed_until: Mapped[date | None]
    # Paused after MISSED_ROUNDS_TO_PAUSE rounds without a word (they come back from the email).
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_rounds: Mapped[int] = mapped_column(default=0)
    # Left out of, or the third in, the last round they were in: first in line next time.
    owed: Mapped[bool] = mapped_column(default=False)
    last_matched_round_id: Mapped[int | None] = mapped_column(ForeignKey("brew_round.id", ondelete="SET NULL"))
    last_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret behind the emailed "snooze, change or leave" link; a new value revokes old links.
    manage_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    place: Mapped[Place | None] = relationship()

    def __repr__(self) -> str:
        return f"<BrewMember {self.id} {self.sector.value}>"


class PendingBrewSignup(db.Model):
    """A sign-up typed by someone not signed in, waiting for the emailed link: it changes
    nobody's details until the address is proven (a second one replaces the first)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict] = mapped_column(JSON)  # eventsite.brew.SignUp, as stored values
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BrewVenue(db.Model):
    """A coffee shop or community space that stewards suggest for meetings in a locality."""

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    place: Mapped[Place] = relationship()


class BrewRound(db.Model):
    """One run of the matcher, and its counts (stewards see these, never who was paired)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    eligible: Mapped[int] = mapped_column(default=0)
    pairs: Mapped[int] = mapped_column(default=0)
    trios: Mapped[int] = mapped_column(default=0)
    left_out: Mapped[int] = mapped_column(default=0)
    # Frozen when its meetings are purged (eventsite.retention): how many met, and how many
    # answered "Did you meet?". None while the meetings are kept (counted from them).
    met: Mapped[int | None]
    answered: Mapped[int | None]

    started_by: Mapped[Person | None] = relationship()
    groups: Mapped[list["BrewGroup"]] = relationship(back_populates="round", order_by="BrewGroup.id")


class BrewGroup(db.Model):
    """A pair (or trio) from one round: three suggested slots, a suggested place, and,
    once everyone has accepted the same slot, a meeting in their personal feeds."""

    __table_args__ = (CheckConstraint("sequence >= 0", name="sequence_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("brew_round.id", ondelete="CASCADE"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # The three suggestions, as UTC ISO instants; each lasts SLOT_MINUTES.
    slots: Mapped[list[str]] = mapped_column(JSON)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))
    venue_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    is_online: Mapped[bool] = mapped_column(default=False)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agreed_slot: Mapped[int | None]  # the index into ``slots`` everyone accepted
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counted for the "missed rounds" rule when the next round starts.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(default=0)  # calendar SEQUENCE
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[BrewRound] = relationship(back_populates="groups")
    place: Mapped[Place | None] = relationship()
    members: Mapped[list["BrewGroupMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="BrewGroupMember.person_id"
    )

    def __repr__(self) -> str:
        return f"<BrewGroup {self.id} of round {self.round_id}>"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slot_starts(self) -> list[datetime]:
        return [datetime.fromisoformat(slot) for slot in self.slots]


class BrewGroupMember(db.Model):
    """One person in a pair or trio: the slots they accepted and their answer to "Did you meet?".

    ``person_id`` survives leaving the scheme, so the cooldown still keeps the two apart."""

    group_id: Mapped[int] = mapped_column(ForeignKey("brew_group.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    # The secret in this person's one-click links for this meeting (compared in constant time).
    key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    accepted: Mapped[list[int]] = mapped_column(JSON, default=list)  # indexes into the group's slots
    met: Mapped[MetAnswer | None] = mapped_column(stored_enum(MetAnswer, "met_answer"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What they chose to share, as it was when the pair was made (the introduction shows it).
    sector: Mapped[BrewSector] = mapped_column(stored_enum(BrewSector, "brew_sector"))

    group: Mapped[BrewGroup] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()

    @property
    def responded(self) -> bool:
        return bool(self.accepted) or self.met is not None
