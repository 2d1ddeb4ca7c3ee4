"""A gathering's status, changed in one place that knows which changes are allowed.

Held and hidden gatherings stay out of public view whatever a host does: a host
who cancels one records the cancellation, and the status stays until a steward
acts. Once a steward lets it out, a cancelled gathering is public as cancelled.
"""

from eventsite.database import utcnow
from eventsite.errors import InvalidInput
from eventsite.i18n import lazy_gettext
from eventsite.models import Event, EventStatus

UNCONFIRMED, HELD, PUBLISHED, HIDDEN, CANCELLED = (
    EventStatus.UNCONFIRMED,
    EventStatus.HELD,
    EventStatus.PUBLISHED,
    EventStatus.HIDDEN,
    EventStatus.CANCELLED,
)
PUBLIC = "public"  # PUBLISHED, or CANCELLED once the hosts have cancelled it
KEEP = "keep"  # the status stays as it is

# For each action: the statuses it may start from, and where each one goes.
TRANSITIONS: dict[str, dict[EventStatus, EventStatus | str]] = {
    "hold": {UNCONFIRMED: HELD},
    "publish": {UNCONFIRMED: PUBLIC},
    "approve": {HELD: PUBLIC, PUBLISHED: KEEP, CANCELLED: KEEP},
    "hide": {HELD: HIDDEN, PUBLISHED: HIDDEN, CANCELLED: HIDDEN, HIDDEN: KEEP},
    "restore": {HIDDEN: PUBLIC},
    "cancel": {PUBLISHED: CANCELLED, UNCONFIRMED: KEEP, HELD: KEEP, HIDDEN: KEEP},
}
REFUSALS = {
    "hold": lazy_gettext("This gathering has already been confirmed."),
    "publish": lazy_gettext("This gathering has already been confirmed."),
    "approve": lazy_gettext("Only held or reported gatherings can be approved."),
    "hide": lazy_gettext("This gathering is not confirmed yet, so there is nothing to hide."),
    "restore": lazy_gettext("Only hidden gatherings can be restored."),
    "cancel": lazy_gettext("This gathering is already cancelled."),
}


def next_status(event: Event, action: str) -> EventStatus:
    """Where ``action`` takes the event; InvalidInput if it may not be done from here."""
    target = TRANSITIONS[action].get(event.status)
    if target is None:
        raise InvalidInput("event", REFUSALS[action])
    if target == KEEP:
        return event.status
    if target == PUBLIC:
        return CANCELLED if event.cancelled_at is not None else PUBLISHED
    return target


def change_status(event: Event, action: str) -> EventStatus:
    """Apply ``action`` (one of TRANSITIONS) and return the old status."""
    before = event.status
    event.status = next_status(event, action)
    if event.status in (PUBLISHED, CANCELLED) and event.published_at is None:
        event.published_at = utcnow()
    if action == "cancel" and event.cancelled_at is None:
        event.cancelled_at = utcnow()
    return before
