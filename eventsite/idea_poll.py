"""An idea's date poll, and making an idea happen.

Whoever posted the idea, or anyone who offered to host it, offers a few dates; proven
(signed-in) people mark each "yes", "if need be" or "no", and may change their marks. The
best date has the most yes, then the most if-need-be, then comes first. A host then makes
the idea happen: the propose form opens filled from the idea and that date, and once the
gathering is saved it is linked to the idea, the other hosts who offered are invited as
co-hosts, and everyone who said "I'd come" is invited when it is live (eventsite.invitations).

A poll's dates are not gatherings: they never appear in calendar feeds.
Functions here flush and raise domain errors; the view commits once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from eventsite import hosting
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.events import resolve_times
from eventsite.extensions import db
from eventsite.forms.base import ONLINE
from eventsite.i18n import lazy_gettext
from eventsite.ideas import OPEN, is_author, touch
from eventsite.invitations import invite_waiting_people
from eventsite.models import Event, EventStatus, Idea, IdeaSupport, Person, PollChoice, PollOption, PollVote

MAX_OPTIONS = 10
NO_DATES = lazy_gettext("No dates have been offered yet, so there is nothing to mark.")
NOT_OPEN = lazy_gettext("This idea is not open, so its poll cannot change.")


@dataclass
class OptionCount:
    """One offered date with how many marked it yes, if need be and no."""

    option: PollOption
    yes: int = 0
    if_need_be: int = 0
    no: int = 0

    @property
    def local_start(self) -> datetime:
        return self.option.starts_at.astimezone(ZoneInfo(self.option.timezone))

    @property
    def local_end(self) -> datetime:
        return self.option.ends_at.astimezone(ZoneInfo(self.option.timezone))

    @property
    def is_past(self) -> bool:
        return self.option.starts_at <= utcnow()

    def rank(self) -> tuple:
        """Sorts the best first: most yes, then most if-need-be, then the earliest."""
        return (-self.yes, -self.if_need_be, self.option.starts_at, self.option.id)


@dataclass
class PollSummary:
    """Everything the poll shows, read in a fixed number of queries."""

    options: list[OptionCount] = field(default_factory=list)
    best: OptionCount | None = None
    mine: dict[int, PollChoice] = field(default_factory=dict)  # option id -> this person's mark


# -- who may do what -------------------------------------------------------------------------


def _signed_in(person) -> bool:
    return getattr(person, "is_authenticated", False)


def offered_to_host(person, idea: Idea) -> bool:
    if not _signed_in(person):
        return False
    query = select(IdeaSupport.id).where(
        IdeaSupport.idea_id == idea.id, IdeaSupport.person_id == person.id, IdeaSupport.could_host
    )
    return db.session.scalar(query) is not None


def can_offer_dates(person, idea: Idea) -> bool:
    """The idea's author, or anyone who offered to host it, while it is open."""
    return idea.status is OPEN and (is_author(person, idea) or offered_to_host(person, idea))


def can_make_it_happen(person, idea: Idea) -> bool:
    """Only someone who offered to host (the author too, if they offered), while it is open."""
    return idea.status is OPEN and offered_to_host(person, idea)


def _require_offerer(person, idea: Idea) -> None:
    if idea.status is not OPEN:
        raise NotAllowed(str(NOT_OPEN))
    if not can_offer_dates(person, idea):
        raise NotAllowed(
            gettext("Only the person who posted this idea, or someone who offered to host it, can offer dates.")
        )


# -- offering dates --------------------------------------------------------------------------


def options_of(idea: Idea) -> list[PollOption]:
    query = select(PollOption).where(PollOption.idea_id == idea.id).order_by(PollOption.starts_at, PollOption.id)
    return list(db.session.scalars(query))


def offer_date(
    idea: Idea, person: Person, starts_local: datetime, ends_local: datetime | None, timezone: str
) -> PollOption:
    """Offer a date and time (local, in ``timezone``): not in the past, not twice, at most MAX_OPTIONS."""
    _require_offerer(person, idea)
    starts_at, ends_at = resolve_times(starts_local, ends_local, timezone, utcnow())
    count = db.session.scalar(select(func.count()).where(PollOption.idea_id == idea.id))
    if count >= MAX_OPTIONS:
        raise InvalidInput(
            "date",
            ngettext(
                "A poll can offer at most %(num)d date. Remove one to add another.",
                "A poll can offer at most %(num)d dates. Remove one to add another.",
                MAX_OPTIONS,
            ),
        )
    same = select(PollOption.id).where(PollOption.idea_id == idea.id, PollOption.starts_at == starts_at)
    if db.session.scalar(same) is not None:
        raise InvalidInput("date", gettext("That date and time is already offered."))
    option = PollOption(
        idea_id=idea.id, starts_at=starts_at, ends_at=ends_at, timezone=timezone, created_by_id=person.id
    )
    db.session.add(option)
    db.session.flush()
    touch(idea)
    return option


def remove_date(option: PollOption, person: Person) -> None:
    """Take a date out of the poll, with its marks."""
    _require_offerer(person, option.idea)
    touch(option.idea)
    db.session.delete(option)
    db.session.flush()


# -- marking ---------------------------------------------------------------------------------


def mark_dates(idea: Idea, person, marks: dict[int, PollChoice]) -> int:
    """A signed-in person marks some of the poll's dates (marks already given change);
    options not in this idea's poll are ignored. Returns how many marks were saved."""
    if not _signed_in(person):
        raise NotAllowed(gettext("Sign in with your email to mark dates."))
    if idea.status is not OPEN:
        raise NotAllowed(str(NOT_OPEN))
    options = {option.id for option in options_of(idea)}
    if not options:
        raise InvalidInput("marks", str(NO_DATES))
    wanted = {option_id: choice for option_id, choice in marks.items() if option_id in options}
    if not wanted:
        raise InvalidInput("marks", gettext("Mark at least one date: yes, if need be, or no."))
    existing = select(PollVote).where(PollVote.person_id == person.id, PollVote.option_id.in_(wanted))
    votes = {vote.option_id: vote for vote in db.session.scalars(existing)}
    now = utcnow()
    for option_id, choice in wanted.items():
        vote = votes.get(option_id) or PollVote(option_id=option_id, person_id=person.id)
        vote.choice, vote.updated_at = choice, now
        db.session.add(vote)
    db.session.flush()
    touch(idea)
    return len(wanted)


# -- reading the poll ------------------------------------------------------------------------


def option_counts(idea: Idea) -> list[OptionCount]:
    """Each option with its counts, earliest first, in two queries whatever the number of voters."""
    options = options_of(idea)
    counts = {option.id: OptionCount(option) for option in options}
    if counts:
        query = (
            select(PollVote.option_id, PollVote.choice, func.count())
            .where(PollVote.option_id.in_(counts))
            .group_by(PollVote.option_id, PollVote.choice)
        )
        for option_id, choice, number in db.session.execute(query):
            setattr(counts[option_id], choice.name.lower(), number)
    return list(counts.values())


def best_of(counts: list[OptionCount], now: datetime | None = None) -> OptionCount | None:
    """The best date still to come (see OptionCount.rank), or None."""
    now = now or utcnow()
    upcoming = [count for count in counts if count.option.starts_at > now]
    return min(upcoming, key=OptionCount.rank) if upcoming else None


def best_option(idea: Idea) -> PollOption | None:
    best = best_of(option_counts(idea))
    return best.option if best else None


def marks_of(idea: Idea, person) -> dict[int, PollChoice]:
    if not _signed_in(person):
        return {}
    query = (
        select(PollVote.option_id, PollVote.choice)
        .join(PollOption, PollOption.id == PollVote.option_id)
        .where(PollOption.idea_id == idea.id, PollVote.person_id == person.id)
    )
    return dict(db.session.execute(query).all())


def poll_summary(idea: Idea, person) -> PollSummary:
    counts = option_counts(idea)
    return PollSummary(options=counts, best=best_of(counts), mine=marks_of(idea, person) if counts else {})


# -- making it happen ------------------------------------------------------------------------


def form_data_for(idea: Idea) -> dict:
    """The propose form's starting values, from the idea and its best date (if any)."""
    data = {
        "title": idea.title,
        "kind": idea.kind.value,
        "description": idea.description,
        "place": ONLINE if idea.is_online else (idea.place.slug if idea.place else ""),
        "tags": ", ".join(tag.name for tag in idea.tags),
    }
    best = best_option(idea)
    if best is not None:
        zone = ZoneInfo(best.timezone)
        data["starts_at"] = best.starts_at.astimezone(zone).replace(tzinfo=None)
        data["ends_at"] = best.ends_at.astimezone(zone).replace(tzinfo=None)
        data["timezone"] = best.timezone
    return data


def other_hosts(idea: Idea, person: Person) -> list[Person]:
    """Everyone else who offered to host, oldest offer first."""
    query = (
        select(Person)
        .join(IdeaSupport, IdeaSupport.person_id == Person.id)
        .where(IdeaSupport.idea_id == idea.id, IdeaSupport.could_host, Person.id != person.id)
        .order_by(IdeaSupport.created_at, IdeaSupport.id)
    )
    return [someone for someone in db.session.scalars(query) if not someone.is_deleted]


def make_it_happen(idea: Idea, event: Event, person: Person) -> tuple[int, int]:
    """The gathering ``person`` just proposed comes from ``idea``: link them, invite the other
    hosts who offered as co-hosts, and (once it is live) everyone who said "I'd come".
    Returns how many co-hosts were invited, and how many who'd come (0 while it waits for a steward)."""
    if not can_make_it_happen(person, idea):
        raise NotAllowed(gettext("Only someone who offered to host this idea can make it happen."))
    event.idea_id = idea.id
    cohosts = other_hosts(idea, person)
    for someone in cohosts:
        hosting.add_cohost(event, person, someone.email)
    touch(idea)
    db.session.flush()
    # publish_or_hold ran before the link was made: invite now (it acts once, when live).
    return len(cohosts), invite_waiting_people(event)


def events_from(idea: Idea) -> list[Event]:
    """The public gatherings the idea became, soonest first."""
    query = (
        select(Event)
        .where(Event.idea_id == idea.id, Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)))
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.scalars(query))
