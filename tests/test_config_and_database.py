"""Settings and database plumbing: production refuses the development key,
URLs go through psycopg 3, SQLite runs in WAL with writes that BEGIN IMMEDIATE."""

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from config import DEV_SECRET_KEY, Config, ProductionConfig, database_url
from eventsite import create_app
from eventsite.database import immediate_writes
from eventsite.extensions import db


def test_production_refuses_the_development_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=DEV_SECRET_KEY, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_moderation_mode_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="MODERATION"):
        create_app(Config, MODERATION="sometimes", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/a.sqlite", "sqlite:////tmp/a.sqlite"),
    ],
)
def test_database_url_uses_psycopg_3(given, expected):
    assert database_url(given) == expected


def test_default_database_is_a_file_in_instance():
    assert database_url(None).endswith("/instance/eventsite.sqlite")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _begins(app) -> list[str]:
    statements = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            statements.append(statement)

    return statements


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_write_requests_begin_immediate_and_reads_do_not(app, client):
    begins = _begins(app)
    client.get("/")
    assert begins
    assert set(begins) == {"BEGIN"}
    begins.clear()
    client.post("/sign-in", data={"email": "writer@example.org"})
    assert begins
    assert begins[0] == "BEGIN IMMEDIATE"


def test_healthz_answers_503_when_the_database_does_not():
    broken = create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/x.sqlite", TESTING=True)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}


# -- writers queue on a lock file (eventsite.database.WriterQueue) ---------------------------------


def _write_in_thread(app, started: threading.Event, done: list) -> None:
    with app.app_context(), immediate_writes(), db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS queued (n INTEGER)")
        started.set()
        connection.exec_driver_sql("INSERT INTO queued VALUES (1)")
        connection.commit()
        done.append(time.monotonic())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_second_writer_waits_in_the_queue_and_goes_the_moment_the_first_commits(app):
    """Not SQLite's busy handler, which sleeps up to 100 ms between tries."""
    done: list[float] = []
    with immediate_writes(), db.engine.connect() as first:
        first.exec_driver_sql("CREATE TABLE queued (n INTEGER)")
        started = threading.Event()
        second = threading.Thread(target=_write_in_thread, args=(app, started, done))
        second.start()
        started.wait(5)
        time.sleep(0.3)
        assert done == []  # it is waiting for the first
        first.commit()
        committed = time.monotonic()
    second.join(5)

    assert len(done) == 1
    assert done[0] - committed < 0.05
    assert Path(f"{db.engine.url.database}-writers.lock").exists()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_thread_holding_the_queue_never_waits_for_itself(app):
    """A second write connection in the same thread skips the queue (it would wait forever
    for itself): SQLite's busy timeout answers it instead, here after 0.1 s."""
    with immediate_writes(), db.engine.connect() as first, db.engine.connect() as second:
        first.exec_driver_sql("CREATE TABLE mine (n INTEGER)")  # holds the queue and the write lock
        second.connection.driver_connection.execute("PRAGMA busy_timeout = 100")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            second.exec_driver_sql("INSERT INTO mine VALUES (1)")
        assert time.monotonic() - started < 5
