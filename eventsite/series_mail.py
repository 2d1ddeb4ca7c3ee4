"""Telling people about a series: one email per series change, never one per session.

"Every session" answers list each coming session with the answer it got (going, on the
waitlist, maybe) and attach one calendar file holding them all; the hosts of a series
that runs on are asked now and then whether it still happens.
"""

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.feeds import event_url
from eventsite.i18n import current_language, lazy_gettext, lazy_ngettext, speaking
from eventsite.ical import FeedEntry, calendar_bytes
from eventsite.mail import Attachment, external_url, queue_mail
from eventsite.models import Event, LinkPurpose, Person, Rsvp, RsvpStatus, Series
from eventsite.people import mail_link
from eventsite.rsvps import Answer, waitlist_position

TENTATIVE = (RsvpStatus.MAYBE, RsvpStatus.WAITLISTED)


def series_url(series: Series) -> str:
    return external_url("series.show", series_id=series.id, slug=series.slug)


def as_answered(session: Event, status: RsvpStatus | None) -> FeedEntry:
    """A session as this person's calendar should hold it: maybe and waitlisted are tentative,
    and only someone going gets the joining details."""
    return FeedEntry(session, "TENTATIVE" if status in TENTATIVE else None, private_details=status is RsvpStatus.GOING)


def sessions_file(series: Series, entries: list[FeedEntry], suffix: str = "") -> Attachment:
    """One .ics holding these sessions (no METHOD: opening it adds or updates them by UID),
    in the current language (see ``for_person``)."""
    description = gettext("Sessions of %(title)s", title=series.title)
    body = calendar_bytes(entries, name=series.title, description=description, url_for_event=event_url)
    return Attachment(f"series-{series.id}{suffix}.ics", "text/calendar", body.decode())


def for_person(person: Person):
    """A block speaking the language this person's email will speak (see eventsite.mail.queue_mail)."""
    return speaking(person.language or current_language())


def tell_every_session(series: Series, person: Person, standing: RsvpStatus, results: list[Answer]) -> None:
    """One email for a standing answer: each session and where the person stands in it."""
    lines = [(result.rsvp, waitlist_position(result.rsvp)) for result in results]
    entries = [as_answered(result.rsvp.event, result.rsvp.status) for result in results]
    with for_person(person):
        attachment = sessions_file(series, entries) if entries else None
    queue_mail(
        person.email,
        lazy_gettext("Every session: %(title)s", title=series.title),
        "series_every_session",
        attachment=attachment,
        person=person,
        series=series,
        standing=standing,
        lines=lines,
        series_url=series_url(series),
        feed_url=external_url("feeds.personal", token=feed_token(person)),
    )


def tell_stopped_coming(series: Series, person: Person, results: list[Answer]) -> None:
    queue_mail(
        person.email,
        lazy_gettext("You've stopped coming: %(title)s", title=series.title),
        "series_stopped",
        person=person,
        series=series,
        sessions=[result.rsvp.event for result in results],
        series_url=series_url(series),
    )


def tell_series_ended(series: Series, told: dict[int, tuple[Person, list[Event]]], message: str) -> None:
    """One email to each person who had answered a session the end cancelled, with a
    calendar file that marks those sessions cancelled (same UIDs, so calendars update)."""
    for person, sessions in told.values():
        with for_person(person):
            attachment = sessions_file(series, [FeedEntry(session) for session in sessions], "-cancelled")
        queue_mail(
            person.email,
            lazy_gettext("Series ended: %(title)s", title=series.title),
            "series_ended",
            attachment=attachment,
            person=person,
            series=series,
            sessions=sessions,
            message=message,
            series_url=series_url(series),
        )


def tell_series_changed(series: Series, told: dict) -> None:
    """One email to each person answering sessions that changed: each session with what
    changed (old beside new), and one calendar file that updates them all (same UIDs)."""
    for person, changes in told.values():
        entries = [as_answered(session, _status_in(session, person)) for session, _lines in changes]
        with for_person(person):
            attachment = sessions_file(series, entries)
        subject = lazy_ngettext(
            "Changed: %(title)s (%(num)d session)",
            "Changed: %(title)s (%(num)d sessions)",
            len(changes),
            title=series.title,
        )
        queue_mail(
            person.email,
            subject,
            "series_changed",
            attachment=attachment,
            person=person,
            series=series,
            changes=changes,
            series_url=series_url(series),
            feed_url=external_url("feeds.personal", token=feed_token(person)),
        )


def _status_in(session: Event, person: Person) -> RsvpStatus | None:
    return db.session.scalar(select(Rsvp.status).where(Rsvp.event_id == session.id, Rsvp.person_id == person.id))


def ask_still_happening(series: Series) -> None:
    """Ask each host, with a sign-in link to the series page and its "still happening" button."""
    page = series_url(series).removeprefix(current_app.config["SITE_URL"])
    for person in series.host_people:
        mail_link(
            person,
            LinkPurpose.SIGN_IN,
            lazy_gettext("Still happening? %(title)s", title=series.title),
            "series_still_happening",
            next_url=page,
            series=series,
            days=current_app.config["SERIES_RENEW_DAYS"],
        )
