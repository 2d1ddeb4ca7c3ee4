"""What pages and feeds may reuse, and the one rule that says when they must not.

**The rule.** Every transaction that writes a row a visitor could see moves the content
version (one row, ``ContentVersion``) in that same transaction, just before it commits.
Everything cached is keyed by the version read at the start of the request, so the
first request after any change (in any worker, on any instance sharing the database)
misses and builds afresh. Only the plumbing in ``PLUMBING`` (the mail queue, links
waiting to be used, sign-in sessions, imports in progress) writes without moving it:
a new table moves it too until it is listed there.

**What is cached, per app in each process** (each gunicorn worker keeps its own, bounded in bytes):

- the shared feeds' bytes (``eventsite.feeds``), keyed by filters, language and version;
- each event's VEVENT as feeds write it (``eventsite.ical``), keyed by what it shows: the
  event's ``updated_at`` (which every change to it moves), its place's and tags' names,
  the note the feed adds (counts, a waitlist place) and the language; so a feed rebuilt
  after one change writes one VEVENT afresh;
- whole pages for visitors who are not signed in and whose session holds nothing of
  their own (``for_visitors``): the list, the month, an event, a series, the ideas.
  Keyed by address, language, version and the minute (what is "upcoming" moves with the
  clock). Each form's CSRF token is written into the cached page afresh per request.

A signed-in person, or a visitor with flashed messages, answers remembered in their
session or an address waiting for its link, always gets a page built for them.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from itertools import chain
from threading import Lock

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState, Session

from eventsite.database import utcnow
from eventsite.i18n import current_language
from eventsite.models import (
    ContentVersion,
    EmailLink,
    ImportSource,
    OutboxMail,
    PendingAnswer,
    PendingBrewSignup,
    PendingImport,
    PendingSupport,
    PersonSession,
)

# Written without moving the version: no cached page or feed shows any of them.
PLUMBING = frozenset(
    {
        ContentVersion,
        EmailLink,
        ImportSource,
        OutboxMail,
        PendingAnswer,
        PendingBrewSignup,
        PendingImport,
        PendingSupport,
        PersonSession,
    }
)
# A visitor whose session holds only these (a CSRF secret, Flask-Login's bookkeeping)
# sees the same page as any other visitor.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh", "_id"})
CSRF_PLACEHOLDER = "\x00csrf-token\x00"  # never in real output: the sanitiser and forms drop NULs
_CHANGED = "content_changed"
PAGES_LIMIT = 4 * 1024 * 1024  # bytes per worker
FEEDS_KEPT = 8  # full feeds' worth of bytes per worker (FEED_MAX_BYTES each at most)
VEVENTS_KEPT = 3  # full feeds' worth of single VEVENTs


def init_app(app: Flask) -> None:
    feed = app.config["FEED_MAX_BYTES"]
    limits = {"pages": PAGES_LIMIT, "feeds": FEEDS_KEPT * feed, "vevents": VEVENTS_KEPT * feed}
    app.extensions["eventsite.cache"] = {name: Store(limit) for name, limit in limits.items()}


def store(name: str) -> "Store":
    """This app's store of ``pages``, ``feeds`` or ``vevents``."""
    return current_app.extensions["eventsite.cache"][name]


# -- the version ------------------------------------------------------------------------------


def content_version() -> int:
    """The version now. Read it before what it keys: whatever is read after it is as new or
    newer, so an entry can only be fresher than its key. Outside any transaction, so a page
    served from the cache opens none."""
    reads = current_app.extensions["eventsite.quick_reads"]
    return reads.one("SELECT number FROM content_version WHERE id = 1", ())[0] or 0


def _shows_content(objects: Iterable) -> bool:
    return any(type(instance) not in PLUMBING for instance in objects)


@event.listens_for(Session, "before_flush")
def _note_flushed_changes(session: Session, _context, _instances) -> None:
    if _shows_content(chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements (through the session) count too."""
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is None or mapper.class_ not in PLUMBING:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _move_version(session: Session) -> None:
    session.flush()  # what is still pending counts too (commit would flush it next)
    if session.info.pop(_CHANGED, False):
        # Last in the transaction: on PostgreSQL the row stays locked only while committing.
        session.execute(update(ContentVersion).where(ContentVersion.id == 1).values(number=ContentVersion.number + 1))


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@event.listens_for(ContentVersion.__table__, "after_create")
def _first_version(target, connection, **_kw) -> None:
    """``create_all`` (the tests) starts the row as the migration does."""
    connection.execute(target.insert().values(id=1, number=0))


# -- a bounded store --------------------------------------------------------------------------


class Store:
    """Least recently used entries, up to ``limit`` bytes of values (bytes, or anything with
    a ``body``). Safe across threads (the development server runs several)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple, value) -> None:
        size = _size(value)
        if size > self.limit:
            return
        with self._lock:
            if (old := self._entries.pop(key, None)) is not None:
                self.size -= _size(old)
            self._entries[key] = value
            self.size += size
            while self.size > self.limit:
                _key, evicted = self._entries.popitem(last=False)
                self.size -= _size(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


def _size(value) -> int:
    return len(value if isinstance(value, bytes) else value.body)


# -- pages for visitors -----------------------------------------------------------------------


def for_visitors(view: Callable) -> Callable:
    """Cache a GET view's page for visitors who are not signed in (see the module's rule)."""

    @wraps(view)
    def cached_view(**view_args):
        if not _is_anyones_page():
            return view(**view_args)
        key = (
            request.endpoint,
            tuple(sorted(view_args.items())),
            tuple(request.args.items(multi=True)),
            current_language(),
            content_version(),
            utcnow().replace(second=0, microsecond=0),
        )
        pages = store("pages")
        body = pages.get(key)
        if body is None:
            g.csrf_token = CSRF_PLACEHOLDER  # what Flask-WTF hands out while this page renders
            try:
                page = view(**view_args)
            finally:
                g.pop("csrf_token", None)
            if not isinstance(page, str):  # a redirect, a (page, status) pair: not kept
                return page
            body = page.encode()
            pages.put(key, body)
        return body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode())

    return cached_view


def _is_anyones_page() -> bool:
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and ANONYMOUS_SESSION_KEYS.issuperset(session.keys())
    )
