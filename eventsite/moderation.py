"""Moderation without hierarchy: anyone reports, stewards approve, hide or restore.

MODERATION setting:
- ``open``: an event is published when its proposer confirms their email;
- ``newcomers`` (default): a person's first event waits for a steward;
- ``all``: every event waits for a steward.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from eventsite.attendees import tell_promoted
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.history import record_change, touch
from eventsite.i18n import lazy_gettext
from eventsite.invitations import invite_waiting_people
from eventsite.lifecycle import change_status
from eventsite.mail import external_url, queue_mail
from eventsite.models import Event, EventStatus, Idea, IdeaStatus, Person, Place, Report
from eventsite.rsvps import fill_open_seats, locked_event
from eventsite.series import follow_session
from eventsite.text import render_markdown, slugify, summary_text

MODERATION_MODES = ("open", "newcomers", "all")


def is_newcomer(person: Person) -> bool:
    """Nobody has yet seen an event of theirs published."""
    published_before = exists().where(Event.created_by_id == person.id, Event.published_at.is_not(None))
    return not db.session.scalar(select(published_before))


def needs_review(person: Person, mode: str) -> bool:
    if mode == "open" or person.is_steward:
        return False
    if mode == "newcomers":
        return is_newcomer(person)
    return True


def waits_for_steward(person: Person) -> bool:
    """Whether this person's proposal, once confirmed, waits for a steward in the site's mode
    (so the confirmation email and button say what will really happen)."""
    return needs_review(person, current_app.config["MODERATION"])


def publish_or_hold(event: Event, proposer: Person, mode: str) -> None:
    if needs_review(proposer, mode):
        change_status(event, "hold")
        tell_stewards(event, lazy_gettext("Waiting for a steward: %(title)s", title=event.title), "steward_review")
    else:
        change_status(event, "publish")
        event.updated_at = utcnow()
        invite_waiting_people(event)


def tell_stewards(event: Event, subject: str, template: str, **context) -> None:
    """Email every steward (if STEWARD_ALERTS) enough to act without opening the gathering;
    ``subject`` is a lazy_gettext string, written in each steward's language."""
    if not current_app.config["STEWARD_ALERTS"]:
        return
    for steward in db.session.scalars(select(Person).where(Person.is_steward)):
        queue_mail(
            steward.email,
            subject,
            template,
            language=steward.language,
            event=event,
            summary=event.summary or summary_text(event.description),
            proposer=event.created_by.email,
            link=external_url("stewards.queue"),
            **context,
        )


def _require_steward(person) -> None:
    if not getattr(person, "is_steward", False):
        raise NotAllowed(gettext("Only stewards can do that."))


def report_event(event: Event, reporter: Person | None, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", gettext("Say briefly what is wrong, so a steward can look."))
    report = Report(event=event, reporter_id=reporter.id if reporter else None, reason=reason)
    db.session.add(report)
    db.session.flush()
    tell_stewards(event, lazy_gettext("Reported: %(title)s", title=event.title), "steward_report", reason=reason)
    return report


def _resolve_reports(event: Event, steward: Person) -> None:
    open_reports = select(Report).where(Report.event_id == event.id, Report.resolved_at.is_(None))
    for report in db.session.scalars(open_reports):
        report.resolved_at = utcnow()
        report.resolved_by_id = steward.id


def approve(event: Event, steward: Person) -> None:
    """Publish a held event (as cancelled, if its hosts cancelled it meanwhile), or
    keep a reported one up; its reports are closed."""
    _require_steward(steward)
    before = change_status(event, "approve")
    was_held = before is EventStatus.HELD
    if was_held:
        touch(event, scheduling_changed=False)
        follow_session(event, "approve", before)
    _resolve_reports(event, steward)
    record_change(event, steward, "approved by a steward")
    if was_held and not event.is_cancelled:  # a gathering its hosts cancelled meanwhile is not "live"
        _tell_hosts(event, lazy_gettext("Your gathering is live: %(title)s", title=event.title), "event_published")
        if event.again_of_id is not None and event.public_from is not None:  # the head start runs from now
            event.public_from = utcnow() + timedelta(hours=current_app.config["INVITE_FIRST_HOURS"])
        invite_waiting_people(event)


def hide(event: Event, steward: Person) -> None:
    _require_steward(steward)
    before = change_status(event, "hide")
    if before is EventStatus.HIDDEN:
        return
    touch(event, scheduling_changed=True)
    follow_session(event, "hide", before)
    _resolve_reports(event, steward)
    record_change(event, steward, "hidden by a steward")


def restore(event: Event, steward: Person) -> None:
    """Put a hidden event back (cancelled, if it was: hiding never un-cancels a gathering).
    ``event`` comes from ``locked_event``: places a host opened meanwhile are filled now."""
    _require_steward(steward)
    before = change_status(event, "restore")
    touch(event, scheduling_changed=True)
    for other in follow_session(event, "restore", before):
        tell_promoted(fill_open_seats(locked_event(other.id)))
    record_change(event, steward, "restored by a steward")
    tell_promoted(fill_open_seats(event))  # nobody, if it is restored as cancelled


def _tell_hosts(event: Event, subject: str, template: str) -> None:
    for host in event.hosts:
        queue_mail(
            host.person.email,
            subject,
            template,
            language=host.person.language,
            event=event,
            link=external_url("events.show", event_id=event.id, slug=event.slug),
        )


def steward_queue() -> dict:
    """Held events, events with open reports, and hidden events (to restore), each
    with what a steward needs to decide: description, place and proposer."""
    details = (selectinload(Event.hosts), selectinload(Event.place), selectinload(Event.created_by))
    held = select(Event).where(Event.status == EventStatus.HELD).options(*details)
    hidden = select(Event).where(Event.status == EventStatus.HIDDEN).options(*details)
    reported = (
        select(Report)
        .where(Report.resolved_at.is_(None))
        .options(*(selectinload(Report.event).options(option) for option in details))
        .order_by(Report.created_at)
    )
    queue = {
        "held": db.session.scalars(held.order_by(Event.created_at)).all(),
        "reports": db.session.scalars(reported).all(),
        "hidden": db.session.scalars(hidden.order_by(Event.updated_at.desc()).limit(50)).all(),
    }
    events = [*queue["held"], *(report.event for report in queue["reports"]), *queue["hidden"]]
    return {**queue, **_idea_queue(), "descriptions": {event.id: description_html(event) for event in events}}


def _idea_queue() -> dict:
    """Ideas waiting for a steward, and hidden ones (reported ideas are emailed to stewards)."""
    ideas = select(Idea).options(selectinload(Idea.created_by), selectinload(Idea.place))
    return {
        "held_ideas": db.session.scalars(ideas.where(Idea.status == IdeaStatus.HELD).order_by(Idea.created_at)).all(),
        "hidden_ideas": db.session.scalars(
            ideas.where(Idea.status == IdeaStatus.HIDDEN).order_by(Idea.last_activity_at.desc()).limit(50)
        ).all(),
    }


def description_html(event: Event) -> Markup:
    """The description as saved (sanitised HTML), or rendered now for events saved before that."""
    if event.description_html:
        return Markup(event.description_html)  # noqa: S704 - sanitised when it was saved
    return render_markdown(event.description)


def add_place(steward: Person, name: str) -> Place:
    _require_steward(steward)
    slug = slugify(name, max_length=80)
    taken = select(Place).where((func.lower(Place.name) == name.lower()) | (Place.slug == slug))
    if db.session.scalar(taken) is not None:
        raise InvalidInput("name", gettext("There is already a place called %(name)s.", name=name))
    place = Place(name=name, slug=slug)
    db.session.add(place)
    db.session.flush()
    return place
