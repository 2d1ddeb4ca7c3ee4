"""Importing gatherings from a calendar people already keep (an address, or a file).

The importer sees what the calendar holds (eventsite.ical_import reads it), picks what
to bring in, and each becomes a gathering they host, through the propose form and
rules like one typed by hand (so the moderation mode applies, and every length, link
and Markdown rule). What came from where is kept by the source's UID: importing the same
address again, or syncing it, updates what changed there, cancels what it cancelled or
removed, and never makes a second copy.

A file's UIDs are matched against the importer's earlier files, but a file cannot say
what was removed: only an address can.
"""

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from eventsite.database import utcnow
from eventsite.errors import DomainError, InvalidInput, NotAllowed
from eventsite.events import EventDetails, cancel_event, edit_event, propose_signed_in
from eventsite.extensions import db
from eventsite.fetch import Fetched, FetchRefused, fetch
from eventsite.forms import EventForm
from eventsite.forms.base import ONLINE
from eventsite.ical_import import Found, ReadCalendar, UnreadableCalendar, read_calendar
from eventsite.listing import places
from eventsite.models import Event, ImportedItem, ImportSource, PendingImport, Person, SeriesStatus
from eventsite.rsvps import locked_event
from eventsite.series import coming_sessions, end_series, start_series
from eventsite.series_edits import edit_later_sessions
from eventsite.series_mail import tell_series_changed, tell_series_ended

PENDING_FOR = timedelta(days=1)
# Properties that name people (with their addresses): never stored.
PEOPLE = {"ATTENDEE", "ORGANIZER", "CONTACT", "X-OWNER", "X-MS-OLK-SENDER"}
NEW, CHANGED, UNCHANGED, CANCELLED, OVER = "new", "changed", "unchanged", "cancelled", "over"


# -- reading a calendar in -----------------------------------------------------------------


def fetch_for_import(url: str, etag: str = "", last_modified: str = "") -> Fetched:
    allow = frozenset(current_app.config["IMPORT_ALLOW_PRIVATE"])
    return fetch(url, etag=etag, last_modified=last_modified, allow=allow)


def start_import(person: Person, *, url: str = "", upload: bytes = b"", filename: str = "",
                 keep_in_sync: bool = False) -> PendingImport:  # fmt: skip
    """Fetch (or take) the calendar and keep it for the importer to choose from. A calendar
    that cannot be fetched or read raises InvalidInput for its field, and nothing is kept."""
    field_name = "url" if url else "file"
    etag = last_modified = ""
    if url:
        try:
            fetched = fetch_for_import(url)
        except FetchRefused as refused:
            raise InvalidInput("url", refused.message) from None
        body, etag, last_modified = fetched.body, fetched.etag, fetched.last_modified
    else:
        body = upload
    # No NUL: PostgreSQL text cannot hold one (and no calendar needs one).
    text = without_people(body.decode("utf-8", errors="replace").replace("\x00", ""))
    calendar = _read(text, field_name)
    name = calendar.name or (filename[:200] if not url else url[:200])
    pending = PendingImport(person_id=person.id, url=url or None, name=name, keep_in_sync=keep_in_sync and bool(url),
                            body=text, etag=etag, last_modified=last_modified)  # fmt: skip
    db.session.add(pending)
    db.session.flush()
    return pending


def without_people(text: str) -> str:
    """The calendar without who organised it or was invited (their addresses are never
    kept, not even while the preview waits). Properties are whole unfolded lines."""
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        if line[:1] in (" ", "\t"):  # a folded line goes with the property it continues
            if not dropping:
                kept.append(line)
            continue
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().rpartition(".")[2].upper()
        dropping = name in PEOPLE
        if not dropping:
            kept.append(line)
    return "".join(kept)


def _read(text: str, field_name: str) -> ReadCalendar:
    try:
        return read_calendar(text.encode("utf-8"), current_app.config["TIMEZONE"], utcnow())
    except UnreadableCalendar as unreadable:
        raise InvalidInput(field_name, unreadable.message) from None


def pending_of(person: Person, pending_id: int) -> PendingImport:
    pending = db.session.get(PendingImport, pending_id)
    if pending is None or pending.person_id != person.id or pending.created_at < utcnow() - PENDING_FOR:
        raise NotAllowed(gettext("This import has expired: start it again."))
    return pending


# -- what the calendar holds against what came from it before -------------------------------


@dataclass
class Row:
    found: Found
    state: str  # NEW, CHANGED, UNCHANGED, CANCELLED or OVER
    item: ImportedItem | None = None

    @property
    def can_choose(self) -> bool:
        """A new event the importer may bring in (changes to earlier ones apply by themselves)."""
        return self.state == NEW and not self.found.problem and not self.found.cancelled


@dataclass
class Preview:
    name: str
    rows: list[Row]
    gone: list[ImportedItem]  # brought in before, no longer in the calendar (addresses only)
    past: int


def source_for(person: Person, url: str | None) -> ImportSource | None:
    """The person's earlier import of this address (or of files, for url None)."""
    where = ImportSource.url.is_(None) if url is None else ImportSource.url == url
    return db.session.scalars(select(ImportSource).where(ImportSource.person_id == person.id, where)).first()


def preview(pending: PendingImport) -> Preview:
    calendar = _read(pending.body, "url" if pending.url else "file")
    source = source_for(db.session.get(Person, pending.person_id), pending.url)
    return _compare(calendar, source, removals=pending.url is not None)


def _compare(calendar: ReadCalendar, source: ImportSource | None, removals: bool) -> Preview:
    earlier = {item.uid: item for item in source.items} if source else {}
    rows = []
    for found in calendar.items:
        item = earlier.get(found.uid)
        if item is None:
            rows.append(Row(found, NEW, None))  # brought in only if chosen, and not when cancelled
        elif _is_over(item):
            rows.append(Row(found, OVER, item))  # cancelled or over here: never made again
        elif found.cancelled:
            rows.append(Row(found, CANCELLED, item))
        elif found.problem:
            rows.append(Row(found, UNCHANGED, item))  # it can no longer come in (its problem says why): left as it is
        else:
            rows.append(Row(found, UNCHANGED if hmac.compare_digest(item.fingerprint, found.fingerprint) else CHANGED,
                            item))  # fmt: skip
    present = {found.uid for found in calendar.items}
    gone = [item for uid, item in earlier.items() if removals and uid not in present and not _is_over(item)]
    return Preview(calendar.name, rows, gone, calendar.past)


def _is_over(item: ImportedItem) -> bool:
    """Nothing of it is left to change: its event is past or cancelled, its series ended."""
    if item.series is not None:
        return item.series.status is SeriesStatus.ENDED or not coming_sessions(item.series)
    event = item.event
    return event is None or event.is_cancelled or event.ends_at <= utcnow()


# -- bringing it in ------------------------------------------------------------------------


@dataclass
class Outcome:
    made: list[Event] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # titles
    cancelled: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # title, why


def bring_in(pending: PendingImport, person: Person, chosen: set[str], kind: str, place: str) -> Outcome:
    """Make the chosen new events (as ``kind``, at ``place``: a place's slug or "online"),
    apply every change and cancellation to what came from this calendar before, and
    remember the choices for syncing (only when some were chosen: the form asks for a kind and
    a place only then). The pending import is used up."""
    source = source_for(person, pending.url) or ImportSource(person_id=person.id, url=pending.url)
    source.name = pending.name[:200]
    if chosen:
        source.kind, source.place = kind, place
    source.keep_in_sync = source.keep_in_sync or pending.keep_in_sync  # stopped only by "Stop syncing"
    source.etag, source.last_modified = pending.etag, pending.last_modified
    source.last_checked_at = source.last_ok_at = utcnow()
    source.last_error = ""
    db.session.add(source)
    outcome = apply(source, preview(pending), person, chosen)
    db.session.delete(pending)
    return outcome


def apply(source: ImportSource, seen: Preview, person: Person, chosen: set[str] | None) -> Outcome:
    """``chosen``: the UIDs of new events to make; None (a sync) makes every new one."""
    outcome = Outcome()
    for row in seen.rows:
        title = row.found.title
        try:
            with db.session.begin_nested():
                if row.state == NEW and row.can_choose and (chosen is None or row.found.uid in chosen):
                    outcome.made.append(_make(source, row.found, person))
                elif row.state == CHANGED:
                    _update(row.item, row.found, person)
                    outcome.updated.append(title)
                elif row.state == CANCELLED and row.item is not None:
                    _cancel(row.item, person, gettext("Cancelled in its own calendar."))
                    outcome.cancelled.append(title)
        except DomainError as refused:
            outcome.refused.append((title, str(refused)))
    for item in seen.gone:
        title = item.series.title if item.series else item.event.title
        with db.session.begin_nested():
            _cancel(item, person, gettext("Removed from its own calendar."))
        outcome.cancelled.append(title)
    return outcome


def _form_for(found: Found, kind: str, place: str) -> EventForm:
    """The propose form filled in: at the importer's locality, or online when all it has is a link."""
    if found.online_url and not found.venue_name:
        place = ONLINE
    data = MultiDict({**found.form_data, "kind": kind, "place": place})
    form = EventForm(formdata=data, places=places(), meta={"csrf": False})
    if not form.validate():
        problems = [f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items()]
        raise InvalidInput("events", " ".join(problems))
    return form


def _make(source: ImportSource, found: Found, person: Person) -> Event:
    form = _form_for(found, source.kind, source.place)
    event = propose_signed_in(form.details(places()), person, "")
    series = start_series(event, found.repeats) if found.repeats is not None else None
    item = ImportedItem(uid=found.uid, fingerprint=found.fingerprint, event=None if series else event, series=series)
    source.items.append(item)
    db.session.flush()
    return event


def _update(item: ImportedItem, found: Found, person: Person) -> None:
    """Apply the source's new title, time, place and description; never the host's own
    choices (capacity, kind, tags...). A series takes them on every coming session; a
    changed repeat rule is not followed."""
    details = _form_for(found, item.source.kind, item.source.place).details(places())
    length = details.ends_local - details.starts_local
    if item.series is not None:
        coming = [session for session in coming_sessions(item.series) if not session.is_cancelled]
        if coming:
            first = coming[0]
            starts = datetime.combine(first.local_start.date(), details.starts_local.time())
            new = EventDetails.of(first, **_changes(details), starts_local=starts, ends_local=starts + length)
            tell_series_changed(item.series, edit_later_sessions(first, new, person))
    else:
        event = locked_event(item.event_id)
        times = {"starts_local": details.starts_local, "ends_local": details.ends_local, "timezone": details.timezone}
        edit_event(event, EventDetails.of(event, **_changes(details), **times), person)
    item.fingerprint = found.fingerprint


def _changes(details: EventDetails) -> dict:
    return {
        "title": details.title,
        "venue_name": details.venue_name,
        "address": details.address,
        "online_url": details.online_url,
        "description": details.description,
    }


def _cancel(item: ImportedItem, person: Person, message: str) -> None:
    if item.series is not None:
        told = end_series(item.series, person, message)
        tell_series_ended(item.series, told, message)
    elif item.event is not None and not item.event.is_cancelled:
        cancel_event(locked_event(item.event_id), person, message)


# -- keeping an address in sync ------------------------------------------------------------


def fetch_again(url: str, etag: str, last_modified: str) -> Fetched | FetchRefused:
    """A source's address again, with its last validators (a 304 when unchanged). Call it
    outside any transaction: it may take TIMEOUT seconds."""
    try:
        return fetch_for_import(url, etag, last_modified)
    except FetchRefused as refused:
        return refused


def sync(source: ImportSource, fetched: Fetched | FetchRefused) -> Outcome | None:
    """Apply what changed at the source since the last time; record when it last worked
    and why it last failed. None when nothing changed or it failed."""
    now = utcnow()
    source.last_checked_at = now
    if isinstance(fetched, FetchRefused):
        source.last_error = fetched.message[:500]
        return None
    if fetched.not_modified:
        source.last_ok_at, source.last_error = now, ""
        return None
    try:
        calendar = read_calendar(fetched.body, current_app.config["TIMEZONE"], now)
    except UnreadableCalendar as unreadable:
        source.last_error = unreadable.message[:500]
        return None
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.last_ok_at, source.last_error = now, ""
    if calendar.name:
        source.name = calendar.name[:200]
    return apply(source, _compare(calendar, source, removals=True), source.person, None)


def sources_to_sync() -> list[ImportSource]:
    return list(db.session.scalars(select(ImportSource).where(ImportSource.keep_in_sync.is_(True))))


def sources_of(person: Person) -> list[ImportSource]:
    return list(db.session.scalars(select(ImportSource).where(ImportSource.person_id == person.id)
                                   .order_by(ImportSource.created_at)))  # fmt: skip


def stop_syncing(source: ImportSource, person: Person) -> None:
    if source.person_id != person.id:
        raise NotAllowed(gettext("Only the person who imported this calendar can do that."))
    source.keep_in_sync = False


def purge_pending(now=None) -> int:
    """Fetched calendars nobody chose from within a day."""
    old = list(
        db.session.scalars(select(PendingImport).where(PendingImport.created_at < (now or utcnow()) - PENDING_FOR))
    )
    for pending in old:
        db.session.delete(pending)
    return len(old)
