"""Database plumbing: UTC timestamps, SQLite tuning and write transactions.

SQLite allows one writer at a time. A transaction that starts as a reader
(a plain deferred BEGIN) and later writes can fail at once with "database is
locked", whatever the busy timeout, so write paths begin with BEGIN IMMEDIATE:
they queue for the write lock up front. Requests with an unsafe method do this
for the whole request; CLI commands call ``begin_writes()``.
"""

import fcntl
import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, request
from sqlalchemy import DateTime, Engine, event
from sqlalchemy.types import TypeDecorator

from eventsite.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
_immediate = ContextVar("sqlite_begin_immediate", default=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python; naive UTC in the database (same on both engines)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def begin_writes(enabled: bool = True) -> None:
    """Make transactions opened from now on (in this context) BEGIN IMMEDIATE on SQLite."""
    _immediate.set(enabled)


@contextmanager
def immediate_writes():
    """Within this block, SQLite transactions BEGIN IMMEDIATE (for CLI commands that write)."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        if engine.url.database and engine.url.database != ":memory:":
            queue = WriterQueue(f"{engine.url.database}-writers.lock")
            event.listen(engine, "begin", queue.join)  # first: listeners run in the order they were added
            for moment in ("checkin", "close", "invalidate"):
                event.listen(engine.pool, moment, queue.leave)
        event.listen(engine, "begin", _sqlite_begin)


class WriterQueue:
    """SQLite's busy handler sleeps (1, 2, 5 … up to 100 ms) between tries, so writers waiting
    for the lock mostly sleep through the moments it is free: under load, answers waited
    hundreds of milliseconds while the database sat idle. So writers on this machine first
    queue on a lock file (``flock``: the kernel wakes the next one the moment it is free),
    then BEGIN IMMEDIATE, which the busy timeout still guards against a writer elsewhere.
    The place is given up when the connection goes back to the pool (after its COMMIT or
    ROLLBACK) or is closed. A thread already queued with one connection never waits again
    with another (it would wait for itself): that one relies on the busy timeout alone."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._mine = threading.local()  # this thread's connection records holding a place

    def join(self, connection) -> None:
        held = self._held_here()
        if not _immediate.get() or held:
            return
        info = connection.connection.info
        if "writer_lock" not in info:
            info["writer_lock"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(info["writer_lock"], fcntl.LOCK_EX)
        info["writer_queued"] = True
        held.add(id(info))

    def leave(self, _dbapi_connection, record, *_exception) -> None:
        if record.info.pop("writer_queued", False):
            fcntl.flock(record.info["writer_lock"], fcntl.LOCK_UN)
            self._held_here().discard(id(record.info))

    def _held_here(self) -> set:
        if not hasattr(self._mine, "records"):
            self._mine.records = set()
        return self._mine.records


class QuickReads:
    """One-row reads in tens of microseconds, for the version checks of ``eventsite.cache``
    and ``eventsite.feeds``: one driver connection per process, taken from the pool once and
    kept, in autocommit, so no BEGIN, ROLLBACK or ORM runs around the statement (threads take
    turns: a read is that short). ``{p}`` in the SQL is the driver's placeholder. A broken
    connection (a database restart) is replaced once, then the error is raised."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
        self._fairy = None
        self._lock = threading.Lock()

    def one(self, sql: str, parameters: tuple) -> tuple:
        statement = sql.format(p=self.placeholder)
        with self._lock:
            try:
                return self._read(statement, parameters)
            except self.engine.dialect.loaded_dbapi.Error:
                self._drop(invalidate=True)
                return self._read(statement, parameters)

    def close(self) -> None:
        """Give the connection back (tests, whose apps come and go)."""
        with self._lock:
            self._drop(invalidate=False)

    def _read(self, statement: str, parameters: tuple) -> tuple:
        cursor = self._connection().cursor()
        try:
            cursor.execute(statement, parameters)
            return cursor.fetchone()
        finally:
            cursor.close()

    def _connection(self):
        if self._fairy is None:
            fairy = self.engine.raw_connection()  # never given back: it is this process's
            if self.engine.dialect.name != "sqlite":  # SQLite's is autocommit already (_sqlite_connect)
                fairy.driver_connection.autocommit = True
            self._fairy = fairy
        return self._fairy.driver_connection

    def _drop(self, invalidate: bool) -> None:
        fairy, self._fairy = self._fairy, None
        if fairy is None:
            return
        if invalidate:
            fairy.invalidate()
            return
        if self.engine.dialect.name != "sqlite":
            fairy.driver_connection.autocommit = False  # as the pool's other connections are
        fairy.close()


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own BEGIN is always deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def engine_options(config) -> None:
    """Before ``db.init_app``: a pre-ping (one more round trip per request) only where a
    server can drop connections; a SQLite file cannot."""
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}


def init_app(app: Flask) -> None:
    """Tune the engine, and make every unsafe request a write transaction on SQLite."""
    with app.app_context():
        configure_engine(db.engine)
        app.extensions["eventsite.quick_reads"] = QuickReads(db.engine)

    @app.before_request
    def _writes_begin_immediate() -> None:
        begin_writes(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _reset(_exc) -> None:
        begin_writes(False)


def render_item(type_, obj, autogen_context):
    """Alembic: write UTCDateTime as a plain DateTime, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False
