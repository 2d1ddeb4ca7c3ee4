"""Changing "this session and all later ones" of a series: each session edited as any
gathering is (the same rules), and each person answering told once, not once a session.

The later sessions keep their dates and take the new time of day, length, title, place,
capacity and description; the session being edited takes exactly what was typed. New
sessions are then made at the new time (the series remembers it).
"""

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select, update

from eventsite.attendees import tell_promoted, tell_threshold_reached
from eventsite.events import DEFAULT_LENGTH, EventDetails, apply_edit
from eventsite.extensions import db
from eventsite.host_mail import EDIT_EMAILED, Schedule, change_lines, check_host_mail_limit, record_mail_out
from eventsite.models import Event, EventStatus, Person, Rsvp, RsvpStatus
from eventsite.rsvps import ATTENDING, fill_open_seats, locked_event, threshold_just_reached
from eventsite.series import coming_sessions

TIME_AND_PLACE = ("starts_at", "ends_at", "timezone", "venue_name", "address", "place_id", "is_online", "online_url")
# For each person to tell: the person, and each session that changed for them with its lines.
Told = dict[int, tuple[Person, list[tuple[Event, list[str]]]]]


def edit_later_sessions(session: Event, details: EventDetails, editor: Person) -> Told:
    """Apply ``details`` to ``session`` and to every later session that is not cancelled."""
    length = (details.ends_local - details.starts_local) if details.ends_local else DEFAULT_LENGTH
    at = details.starts_local.time()
    later = [
        other
        for other in coming_sessions(session.series)
        if other.starts_at > session.starts_at and not other.is_cancelled and other.id != session.id
    ]
    edits = [(session, details)]
    for other in later:
        starts = datetime.combine(other.local_start.date(), at)
        edits.append((other, replace(details, starts_local=starts, ends_local=starts + length, rsvp_closes_local=None)))
    told: Told = {}
    for each, its_details in edits:
        _edit_one(locked_event(each.id), its_details, editor, told)
    if told:
        check_host_mail_limit(session, "starts_at")
        record_mail_out(session, editor, EDIT_EMAILED, len(told))
    _remember_the_new_time(session, details, length)
    return told


def _edit_one(session: Event, details: EventDetails, editor: Person, told: Told) -> None:
    changed, was = apply_edit(session, details, editor)
    if "starts_at" in changed:  # a new date deserves a new reminder
        db.session.execute(update(Rsvp).where(Rsvp.event_id == session.id).values(reminded_at=None))
    if session.status is not EventStatus.PUBLISHED:
        return
    tell_promoted(fill_open_seats(session))
    if threshold_just_reached(session):
        tell_threshold_reached(session)
    if not any(name in TIME_AND_PLACE or name == "title" for name in changed):
        return
    now = Schedule.of(session)
    answers = db.session.scalars(select(Rsvp).where(Rsvp.event_id == session.id, Rsvp.status.in_(ATTENDING)))
    for rsvp in answers:
        if rsvp.person is None:
            continue
        lines = change_lines(was, now, private=rsvp.status is RsvpStatus.GOING)
        told.setdefault(rsvp.person_id, (rsvp.person, []))[1].append((session, lines))


def _remember_the_new_time(session: Event, details: EventDetails, length: timedelta) -> None:
    series = session.series
    series.title = details.title
    series.local_time = details.starts_local.time()
    series.duration_minutes = int(length.total_seconds() // 60)
    series.timezone = details.timezone
    series.updated_at = session.updated_at
