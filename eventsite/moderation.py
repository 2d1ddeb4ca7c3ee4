"""Moderation without hierarchy: anyone reports, stewards approve, hide or restore.

MODERATION setting:
- ``open``: an event is published when its proposer confirms their email;
- ``newcomers`` (default): a person's first event waits for a steward;
- ``all``: every event waits for a steward.
"""

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from eventsite.database import utcnow
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.history import record_change, touch
from eventsite.mail import external_url, queue_mail
from eventsite.models import Event, EventStatus, Person, Place, Report
from eventsite.text import slugify

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


def publish_or_hold(event: Event, proposer: Person, mode: str) -> None:
    if needs_review(proposer, mode):
        event.status = EventStatus.HELD
        _tell_stewards(event)
    else:
        _publish(event)


def _publish(event: Event) -> None:
    event.status = EventStatus.PUBLISHED
    event.published_at = event.published_at or utcnow()
    event.updated_at = utcnow()


def _tell_stewards(event: Event) -> None:
    stewards = db.session.scalars(select(Person).where(Person.is_steward)).all()
    for steward in stewards:
        queue_mail(
            steward.email,
            f"Waiting for a steward: {event.title}",
            "steward_review",
            event=event,
            link=external_url("stewards.queue"),
        )


def _require_steward(person) -> None:
    if not getattr(person, "is_steward", False):
        raise NotAllowed("Only stewards can do that.")


def report_event(event: Event, reporter: Person | None, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "Say briefly what is wrong, so a steward can look.")
    report = Report(event=event, reporter_id=reporter.id if reporter else None, reason=reason)
    db.session.add(report)
    db.session.flush()
    return report


def _resolve_reports(event: Event, steward: Person) -> None:
    open_reports = select(Report).where(Report.event_id == event.id, Report.resolved_at.is_(None))
    for report in db.session.scalars(open_reports):
        report.resolved_at = utcnow()
        report.resolved_by_id = steward.id


def approve(event: Event, steward: Person) -> None:
    """Publish a held event, or keep a reported one up; its reports are closed."""
    _require_steward(steward)
    was_held = event.status is EventStatus.HELD
    if was_held:
        _publish(event)
    elif event.status not in (EventStatus.PUBLISHED, EventStatus.CANCELLED):
        raise InvalidInput("event", "Only held or reported gatherings can be approved.")
    _resolve_reports(event, steward)
    record_change(event, steward, "approved by a steward")
    if was_held:
        _tell_hosts(event, "Your gathering is live", "event_published")


def hide(event: Event, steward: Person) -> None:
    _require_steward(steward)
    if event.status is EventStatus.HIDDEN:
        return
    event.status = EventStatus.HIDDEN
    touch(event, scheduling_changed=True)
    _resolve_reports(event, steward)
    record_change(event, steward, "hidden by a steward")


def restore(event: Event, steward: Person) -> None:
    _require_steward(steward)
    if event.status is not EventStatus.HIDDEN:
        raise InvalidInput("event", "Only hidden gatherings can be restored.")
    if event.cancelled_at is not None:
        event.status = EventStatus.CANCELLED  # hiding never un-cancels a gathering
    else:
        _publish(event)
    touch(event, scheduling_changed=True)
    record_change(event, steward, "restored by a steward")


def _tell_hosts(event: Event, subject: str, template: str) -> None:
    for host in event.hosts:
        queue_mail(
            host.person.email,
            f"{subject}: {event.title}",
            template,
            event=event,
            link=external_url("events.show", event_id=event.id, slug=event.slug),
        )


def steward_queue() -> dict[str, list]:
    """Held events, events with open reports, and hidden events (to restore)."""
    with_hosts = selectinload(Event.hosts)
    held = select(Event).where(Event.status == EventStatus.HELD).options(with_hosts)
    hidden = select(Event).where(Event.status == EventStatus.HIDDEN).options(with_hosts)
    reported = (
        select(Report)
        .where(Report.resolved_at.is_(None))
        .options(selectinload(Report.event).selectinload(Event.hosts))
        .order_by(Report.created_at)
    )
    return {
        "held": db.session.scalars(held.order_by(Event.created_at)).all(),
        "reports": db.session.scalars(reported).all(),
        "hidden": db.session.scalars(hidden.order_by(Event.updated_at.desc()).limit(50)).all(),
    }


def add_place(steward: Person, name: str) -> Place:
    _require_steward(steward)
    slug = slugify(name, max_length=80)
    taken = select(Place).where((func.lower(Place.name) == name.lower()) | (Place.slug == slug))
    if db.session.scalar(taken) is not None:
        raise InvalidInput("name", f"There is already a place called {name}.")
    place = Place(name=name, slug=slug)
    db.session.add(place)
    db.session.flush()
    return place
