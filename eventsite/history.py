"""What changed on an event, by whom and when; and the counters calendars read."""

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import Event, EventChange, Person


def touch(event: Event, scheduling_changed: bool) -> None:
    """Every change moves ``updated_at``; one that matters to calendars raises ``sequence``."""
    event.updated_at = utcnow()
    if scheduling_changed:
        event.sequence += 1


def record_change(event: Event, person: Person | None, action: str, detail: str = "") -> None:
    change = EventChange(event_id=event.id, person_id=person.id if person else None, action=action, detail=detail[:500])
    db.session.add(change)
