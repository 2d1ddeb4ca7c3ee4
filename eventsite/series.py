"""Series: a repeat rule that makes sessions, each an ordinary gathering with its own
answers, capacity, waitlist and feed entry.

Sessions are made only up to SERIES_HORIZON_DAYS ahead (``extend_series``, from cron
and whenever a series is made or changed), so a series never makes an unbounded
number of rows; making them again is idempotent, because each session keeps the date
its rule gave it (``Event.occurs_on``), even when it is moved or skipped.

A new session copies the latest session that is not cancelled (its title, place,
capacity, description...), takes the series' hosts, and then the standing answers
("every session"), oldest first, each under the session's own capacity and waitlist.

A series with no end asks its hosts every SERIES_RENEW_DAYS whether it is still
happening; if none says so within RENEWAL_GRACE, it pauses: no new sessions until a
host restarts it. Functions here flush; the caller commits once.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from eventsite.database import utcnow
from eventsite.errors import DomainError, InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.history import record_change, touch
from eventsite.lifecycle import change_status
from eventsite.models import (
    Event,
    EventHost,
    EventStatus,
    Person,
    Rsvp,
    RsvpStatus,
    Series,
    SeriesHost,
    SeriesStatus,
    StandingAnswer,
)
from eventsite.recurrence import RepeatRule, session_start
from eventsite.rsvps import Answer, answer, locked_event

RENEWAL_GRACE = timedelta(days=14)
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
STANDING = (RsvpStatus.GOING, RsvpStatus.MAYBE)
TOLD = (RsvpStatus.GOING, RsvpStatus.MAYBE, RsvpStatus.WAITLISTED)  # who hears of a cancellation
# What a new session copies from the latest one (the rest comes from the rule).
COPIED = ("title", "kind", "timezone", "venue_name", "address", "place_id", "is_online", "online_url",
          "capacity", "min_going", "max_guests", "address_for_attendees", "description",
          "description_html", "summary", "access_features", "access_notes", "cost", "created_by_id")  # fmt: skip


def rule_of(series: Series) -> RepeatRule:
    return RepeatRule.from_rrule(series.rule)


def runs_on(series: Series) -> bool:
    """A series with neither an end date nor a number of sessions (its hosts are asked
    now and then whether it is still happening)."""
    rule = rule_of(series)
    return rule.until is None and rule.count is None


def can_host(person, series: Series) -> bool:
    if not getattr(person, "is_authenticated", False):
        return False
    return any(host.person_id == person.id for host in series.hosts)


def can_view(person, series: Series) -> bool:
    """A series is public once one of its sessions is; before that, its hosts and stewards see it."""
    if can_host(person, series) or getattr(person, "is_steward", False):
        return True
    query = select(Event.id).where(Event.series_id == series.id, Event.status.in_(PUBLIC_STATUSES)).limit(1)
    return db.session.scalar(query) is not None


def start_series(first: Event, rule: RepeatRule, now: datetime | None = None) -> Series:
    """Make ``first`` (just proposed, with its hosts) the first session of a new series
    repeating by ``rule``, and make its sessions up to the horizon."""
    local = first.local_start
    rule.check(local.date())
    series = Series(
        title=first.title,
        rule=rule.to_rrule(local.date()),
        first_date=local.date(),
        local_time=local.time().replace(tzinfo=None),
        duration_minutes=int((first.ends_at - first.starts_at).total_seconds() // 60),
        timezone=first.timezone,
        created_by_id=first.created_by_id,
        hosts=[SeriesHost(person_id=host.person_id) for host in first.hosts],
    )
    db.session.add(series)
    first.series, first.occurs_on = series, local.date()
    db.session.flush()
    extend_series(series, now)
    return series


def horizon(series: Series, now: datetime | None = None) -> date:
    """The last date sessions are made for now, in the series' own zone."""
    today = (now or utcnow()).astimezone(ZoneInfo(series.timezone)).date()
    return today + timedelta(days=current_app.config["SERIES_HORIZON_DAYS"])


def extend_series(series: Series, now: datetime | None = None) -> list[Event]:
    """Make the sessions the rule gives up to the horizon that do not exist yet
    (none for a paused or ended series); the new ones, oldest first."""
    if series.status is not SeriesStatus.ACTIVE:
        return []
    if not series.hosts:  # its last host left the site: nobody to run new sessions
        series.status = SeriesStatus.PAUSED
        return []
    through = horizon(series, now)
    made = set(db.session.scalars(select(Event.occurs_on).where(Event.series_id == series.id)))
    template = latest_session(series)
    days = [day for day in rule_of(series).dates(series.first_date, through) if day not in made]
    with db.session.no_autoflush:  # each session is whole before it is written
        new = [_new_session(series, template, day) for day in days]
    db.session.add_all(new)
    series.made_through = max(through, series.made_through or through)
    db.session.flush()
    for session in new:
        apply_standing_answers(session)
    return new


def latest_session(series: Series) -> Event:
    """The session new ones copy: the latest that is not cancelled (else the latest)."""
    sessions = db.session.scalars(
        select(Event).where(Event.series_id == series.id).order_by(Event.occurs_on.desc())
    ).all()
    return next((session for session in sessions if not session.is_cancelled), sessions[0])


def _new_session(series: Series, template: Event, day: date) -> Event:
    zone = ZoneInfo(series.timezone)
    starts = session_start(day, series.local_time, zone)
    session = Event(**{name: getattr(template, name) for name in COPIED})
    session.timezone = series.timezone
    session.starts_at, session.ends_at = starts, starts + timedelta(minutes=series.duration_minutes)
    session.series_id, session.occurs_on = series.id, day
    session.tags = list(template.tags)
    session.hosts = [EventHost(person_id=host.person_id) for host in series.hosts]
    # A hidden series stays hidden, a held one waits for the steward with its first session.
    session.status = EventStatus.PUBLISHED if template.is_cancelled else template.status
    session.published_at = utcnow() if session.status is EventStatus.PUBLISHED else None
    return session


def sessions_of(series: Series) -> list[Event]:
    """Every session made so far, in order (the first included)."""
    return list(db.session.scalars(select(Event).where(Event.series_id == series.id).order_by(Event.starts_at)))


def coming_sessions(series: Series, now: datetime | None = None) -> list[Event]:
    """Sessions that have not started, in order, cancelled ones included."""
    query = select(Event).where(Event.series_id == series.id, Event.starts_at > (now or utcnow()))
    return list(db.session.scalars(query.order_by(Event.starts_at)))


def follow_session(session: Event, action: str, before: EventStatus) -> list[Event]:
    """A proposer's confirmation or a steward's approval of one session of a series applies
    to all its coming sessions in the same state (one review for the series, no email per
    session); hiding or restoring one applies to it and the sessions after it. Returns the
    sessions changed."""
    if session.series_id is None or before is session.status:
        return []
    later_only = action in ("hide", "restore")
    others = [
        other
        for other in coming_sessions(session.series)
        if other.id != session.id
        and other.status is before
        and not (later_only and other.starts_at < session.starts_at)
    ]
    for other in others:
        change_status(other, action)
        touch(other, scheduling_changed=action in ("hide", "restore"))
    return others


# -- standing answers ("every session") ---------------------------------------------------


def answer_every_session(
    series: Series, person: Person, status: RsvpStatus, guests: int = 0, show_name: bool = False
) -> list[Answer]:
    """Keep ``status`` (going or maybe) for every session: the coming ones now, each under
    its own capacity and waitlist, and those made later. Sessions that take no answers
    (cancelled, closed) or cannot take this party are passed over."""
    if status not in STANDING:
        raise InvalidInput("answer", gettext("Choose going or maybe for every session."))
    standing = _standing_answer(series, person) or StandingAnswer(series=series, person=person)
    standing.status, standing.guests, standing.show_name = status, guests, show_name
    db.session.add(standing)
    db.session.flush()
    return [result for session in coming_sessions(series) if (result := _apply(session, standing))]


def stop_coming(series: Series, person: Person) -> list[Answer]:
    """End a standing answer: the person can't go to any coming session (their places go
    to the waitlists); answers to past sessions stay."""
    standing = _standing_answer(series, person)
    if standing is not None:
        db.session.delete(standing)
    results = []
    for session in coming_sessions(series):
        locked = locked_event(session.id)
        try:
            results.append(answer(locked, person, RsvpStatus.NOT_GOING))
        except DomainError:
            continue  # closed or cancelled: nothing to withdraw from
    return results


def apply_standing_answers(session: Event) -> list[Answer]:
    """Give a new session the series' standing answers, oldest first."""
    query = select(StandingAnswer).where(StandingAnswer.series_id == session.series_id)
    standing = db.session.scalars(query.order_by(StandingAnswer.created_at, StandingAnswer.id)).all()
    return [result for each in standing if (result := _apply(session, each))]


def _apply(session: Event, standing: StandingAnswer) -> Answer | None:
    locked = locked_event(session.id)
    try:
        return answer(locked, standing.person, standing.status, standing.guests, standing.show_name)
    except DomainError:
        return None


def _standing_answer(series: Series, person: Person) -> StandingAnswer | None:
    query = select(StandingAnswer).where(StandingAnswer.series_id == series.id, StandingAnswer.person_id == person.id)
    return db.session.scalar(query)


def standing_answers_of(person: Person) -> list[StandingAnswer]:
    """The series this person comes to every session of."""
    query = select(StandingAnswer).where(StandingAnswer.person_id == person.id).order_by(StandingAnswer.created_at)
    return list(db.session.scalars(query))


def standing_answer_of(series: Series, person) -> StandingAnswer | None:
    """This person's "every session" answer, if they gave one (None when not signed in)."""
    if not getattr(person, "is_authenticated", False):
        return None
    return _standing_answer(series, person)


# -- ending ---------------------------------------------------------------------------------


def end_series(series: Series, person, message: str = "") -> dict[int, tuple[Person, list[Event]]]:
    """End the series: every coming session is cancelled, standing answers end, and no
    session is made again. Returns, for each person who had answered a cancelled
    session, that person and those sessions, so each is told once (series_mail)."""
    if not can_host(person, series):
        raise NotAllowed(gettext("Only the hosts of this series can do that."))
    if series.status is SeriesStatus.ENDED:
        raise InvalidInput("series", gettext("This series has already ended."))
    series.status, series.updated_at = SeriesStatus.ENDED, utcnow()
    told: dict[int, tuple[Person, list[Event]]] = {}
    for session in coming_sessions(series):
        if session.is_cancelled:
            continue
        change_status(session, "cancel")
        session.cancel_message = message
        touch(session, scheduling_changed=True)
        record_change(session, person, "cancelled", "the series ended")
        if session.status is not EventStatus.CANCELLED:
            continue  # held or hidden: nobody could answer it
        for rsvp in db.session.scalars(select(Rsvp).where(Rsvp.event_id == session.id, Rsvp.status.in_(TOLD))):
            if rsvp.person is not None:
                told.setdefault(rsvp.person_id, (rsvp.person, []))[1].append(session)
    for standing in db.session.scalars(select(StandingAnswer).where(StandingAnswer.series_id == series.id)):
        db.session.delete(standing)
    db.session.flush()
    return told


# -- still happening? ------------------------------------------------------------------


def due_for_renewal(series: Series, now: datetime | None = None) -> bool:
    """A running-on series whose hosts have not said for SERIES_RENEW_DAYS that it goes on."""
    now = now or utcnow()
    days = timedelta(days=current_app.config["SERIES_RENEW_DAYS"])
    return (
        series.status is SeriesStatus.ACTIVE
        and series.renewal_asked_at is None
        and runs_on(series)
        and now - series.renewed_at >= days
    )


def unanswered_for_too_long(series: Series, now: datetime | None = None) -> bool:
    asked = series.renewal_asked_at
    return series.status is SeriesStatus.ACTIVE and asked is not None and (now or utcnow()) - asked >= RENEWAL_GRACE


def renew(series: Series, person, now: datetime | None = None) -> list[Event]:
    """A host says it is still happening: it runs (again), and its sessions are made."""
    if not can_host(person, series):
        raise NotAllowed(gettext("Only the hosts of this series can do that."))
    if series.status is SeriesStatus.ENDED:
        raise InvalidInput("series", gettext("This series has ended: propose a new one."))
    series.status = SeriesStatus.ACTIVE
    series.renewed_at, series.renewal_asked_at = now or utcnow(), None
    series.updated_at = now or utcnow()
    return extend_series(series, now)


def look_after_series(now: datetime | None = None) -> dict[str, list[Series]]:
    """The cron job: pause the series nobody renewed in time, list those to ask, and make
    every running series' sessions up to the horizon. Returns what it did, by name."""
    now = now or utcnow()
    done: dict[str, list[Series]] = {"paused": [], "ask": [], "extended": []}
    for series in db.session.scalars(select(Series).where(Series.status == SeriesStatus.ACTIVE).order_by(Series.id)):
        if unanswered_for_too_long(series, now):
            series.status, series.updated_at = SeriesStatus.PAUSED, now
            done["paused"].append(series)
            continue
        if due_for_renewal(series, now):
            series.renewal_asked_at = now
            done["ask"].append(series)
        if extend_series(series, now):
            done["extended"].append(series)
    db.session.flush()
    return done
