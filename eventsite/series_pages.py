"""What the series page and the series feed show, in a fixed number of queries."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.feeds import Feed, event_url
from eventsite.i18n import when
from eventsite.ical import FeedEntry, calendar_bytes
from eventsite.models import Event, EventStatus, Series
from eventsite.recurrence import MISSING_DATE_RULE, Repeats
from eventsite.rsvps import attendance_by_event
from eventsite.series import can_host, rule_of, standing_answer_of

PAST_SHOWN = 12
PUBLIC = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
FEED_PAST = timedelta(days=30)


def rule_in_words(series: Series) -> str:
    """ "Every month on the first Thursday, 19:00 (Europe/London)"."""
    at = datetime.combine(series.first_date, series.local_time, tzinfo=ZoneInfo(series.timezone))
    return gettext(
        "%(rule)s, %(time)s (%(zone)s)",
        rule=rule_of(series).describe(series.first_date),
        time=when(at, "time"),
        zone=series.timezone,
    )


def missing_date_note(series: Series) -> str:
    rule = rule_of(series)
    return MISSING_DATE_RULE if rule.repeats is Repeats.MONTHLY_ON_DATE and series.first_date.day > 28 else ""


def _sessions(series: Series, visible_to_host: bool):
    query = select(Event).where(Event.series_id == series.id).options(selectinload(Event.place))
    return query if visible_to_host else query.where(Event.status.in_(PUBLIC))


def series_page(series: Series, person) -> dict:
    is_host = can_host(person, series) or getattr(person, "is_steward", False)
    now = utcnow()
    coming = list(db.session.scalars(_sessions(series, is_host).where(Event.ends_at > now).order_by(Event.starts_at)))
    past = list(
        db.session.scalars(
            _sessions(series, is_host).where(Event.ends_at <= now).order_by(Event.starts_at.desc()).limit(PAST_SHOWN)
        )
    )
    return {
        "series": series,
        "rule": rule_in_words(series),
        "missing_date_note": missing_date_note(series),
        "coming": coming,
        "past": past,
        "counts": attendance_by_event(coming + past),
        "next_session": next((session for session in coming if not session.is_cancelled), None),
        "is_host": can_host(person, series),
        "standing": standing_answer_of(series, person),
    }


def series_feed(series: Series) -> Feed:
    """Its public sessions from the last month on: each its own VEVENT and UID."""
    since = utcnow() - FEED_PAST
    query = _sessions(series, visible_to_host=False).where(Event.starts_at >= since).options(selectinload(Event.tags))
    sessions = list(db.session.scalars(query))
    site = current_app.config["SITE_NAME"]
    body = calendar_bytes(
        [FeedEntry(session) for session in sessions],
        name=f"{site}: {series.title}",
        description=gettext("Every session of %(title)s, on %(site)s", title=series.title, site=site),
        url_for_event=event_url,
    )
    newest = max([series.updated_at, *(session.updated_at for session in sessions)])
    return Feed(body=body, etag=hashlib.sha256(body).hexdigest()[:32], last_modified=newest)
