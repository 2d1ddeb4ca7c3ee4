"""Sharing gatherings beyond the site: schema.org JSON-LD, the Atom feed of new
gatherings, and the read-only JSON API (the same filters as the list)."""

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.ideas import board_query, idea_page, newest_query
from eventsite.listing import EventFilters, listed_now, upcoming_page
from eventsite.mail import external_url
from eventsite.models import Event, EventStatus, Idea
from eventsite.people import host_name
from eventsite.rsvps import Attendance, attendance_by_event

ATOM_ENTRIES = 50
API_MAX_PER_PAGE = 100


def event_url(event: Event) -> str:
    return external_url("events.show", event_id=event.id, slug=event.slug)


def json_ld(event: Event) -> dict:
    """schema.org Event: what search engines and chat apps show for a shared link."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": event.local_start.isoformat(),
        "endDate": event.local_end.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if event.is_cancelled
        else "https://schema.org/EventScheduled",
        "url": event_url(event),
        "description": event.summary,
        "organizer": [{"@type": "Person", "name": host_name(person)} for person in event.host_people],
        "isAccessibleForFree": event.cost.strip().lower() == "free",
    }
    if event.is_online:
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", "url": event_url(event)}
    else:
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        data["location"] = _place(event)
    return data


def _place(event: Event) -> dict:
    place = {"@type": "Place", "name": event.venue_name or (event.place.name if event.place else "")}
    if event.address and not event.address_for_attendees:
        place["address"] = event.address
    elif event.place:
        place["address"] = event.place.name
    return place


def newest_proposals() -> list[Event]:
    """The gatherings most recently published, newest first."""
    query = (
        select(Event)
        .where(
            Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
            Event.published_at.is_not(None),
            listed_now(utcnow()),
        )
        .options(selectinload(Event.place), selectinload(Event.hosts))
        .order_by(Event.published_at.desc(), Event.id.desc())
        .limit(ATOM_ENTRIES)
    )
    return list(db.session.scalars(query))


def feed_updated(events: list[Event]) -> datetime | None:
    return max((max(event.updated_at, event.published_at) for event in events), default=None)


def api_page(filters: EventFilters, page: int, per_page: int) -> dict:
    """One page of upcoming published gatherings as JSON-ready data."""
    per_page = min(max(per_page, 1), API_MAX_PER_PAGE)
    found = upcoming_page(filters, current_app.config["ZONE"], page, per_page)
    counts = attendance_by_event(found.items)
    return {
        "page": found.number,
        "per_page": per_page,
        "has_next": found.has_next,
        "events": [api_event(event, counts[event.id]) for event in found.items],
    }


def api_event(event: Event, counts: Attendance) -> dict:
    return {
        "id": event.id,
        "url": event_url(event),
        "ics": external_url("events.ics", event_id=event.id),
        "title": event.title,
        "kind": event.kind.value,
        "status": event.status.value,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "local_start": event.local_start.isoformat(),
        "local_end": event.local_end.isoformat(),
        "online": event.is_online,
        "place": event.place.slug if event.place else None,
        "venue": event.venue_name or None,
        "tags": [tag.name for tag in event.tags],
        "cost": event.cost,
        "capacity": event.capacity,
        "going": counts.going,
        "places_left": counts.places_left,
        "full": counts.is_full,
        "hosts": [host_name(person) for person in event.host_people],
    }


# -- ideas: an Atom feed of new ones and /api/ideas (never in calendar feeds: no date) --


def idea_url(idea: Idea) -> str:
    return external_url("ideas.show", idea_id=idea.id, slug=idea.slug)


def newest_ideas() -> list[Idea]:
    """Open ideas, newest first."""
    return idea_page(newest_query(), 1, ATOM_ENTRIES).items


def api_ideas_page(filters: EventFilters, page: int, per_page: int) -> dict:
    """One page of the ideas board (open ideas, most supported first) as JSON-ready data."""
    per_page = min(max(per_page, 1), API_MAX_PER_PAGE)
    found = idea_page(board_query(filters), page, per_page)
    return {
        "page": found.number,
        "per_page": per_page,
        "has_next": found.has_next,
        "ideas": [api_idea(idea) for idea in found.items],
    }


def api_idea(idea: Idea) -> dict:
    return {
        "id": idea.id,
        "url": idea_url(idea),
        "title": idea.title,
        "kind": idea.kind.value,
        "summary": idea.summary,
        "online": idea.is_online,
        "place": idea.place.slug if idea.place else None,
        "tags": [tag.name for tag in idea.tags],
        "would_come": idea.would_come_count,
        "could_host": idea.could_host_count,
        "created_at": idea.created_at.isoformat(),
        "last_activity_at": idea.last_activity_at.isoformat(),
    }
