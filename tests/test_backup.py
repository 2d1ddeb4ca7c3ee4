"""``flask backup``: a checked copy of a SQLite database taken while the site serves,
never over an existing file; on PostgreSQL, the pg_dump command instead.

The slow test backs up while separate processes (tests/answer_writer.py) keep
committing answers, then restores the copy as the command says and opens it
with the app: it must hold every answer committed before the backup began.
"""

import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import insert, make_url, select

from config import Config
from eventsite import create_app
from eventsite.backup import pg_dump_advice
from eventsite.extensions import db
from eventsite.models import Event, OutboxMail, Rsvp
from eventsite.rsvps import going_total
from tests.conftest import PG_URL
from tests.loadtools import ROOT, app_env, stop

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
NEEDS_PG = pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need TEST_DATABASE_URL")
POSTGRESQL_ONLY = pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=NEEDS_PG)])
WRITERS = 2
BULK_MAIL = 5000  # rows of 8 KB (40 MB): the copy takes long enough for answers to come meanwhile


def database_file(app) -> Path:
    return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def pragma(path: Path, name: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(f"PRAGMA {name}").fetchall()


def titles_in(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [title for (title,) in connection.execute("SELECT title FROM event ORDER BY id")]


@SQLITE_ONLY
def test_backup_writes_a_checked_copy_and_says_how_to_restore(app, runner, tmp_path, make_event):
    make_event(title="Carers' café")
    copy = tmp_path / "backups" / "eventsite-monday.sqlite"
    copy.parent.mkdir()

    result = runner.invoke(args=["backup", str(copy)])

    assert result.exit_code == 0, result.output
    assert pragma(copy, "integrity_check") == [("ok",)]
    assert titles_in(copy) == ["Carers' café"]
    source = database_file(app)
    assert "integrity check: ok" in result.output
    assert f"cp {copy} {source}" in result.output
    assert f"rm -f {source}-wal {source}-shm" in result.output


@SQLITE_ONLY
def test_backup_never_overwrites_a_file(runner, tmp_path):
    existing = tmp_path / "precious.sqlite"
    existing.write_bytes(b"not to be lost")

    result = runner.invoke(args=["backup", str(existing)])

    assert result.exit_code == 1
    assert f"{existing} already exists" in result.output
    assert existing.read_bytes() == b"not to be lost"


@SQLITE_ONLY
def test_backup_into_a_missing_folder_fails_clearly(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "no-such-folder" / "copy.sqlite")])

    assert result.exit_code == 1
    assert "Cannot write" in result.output


@POSTGRESQL_ONLY
def test_backup_on_postgresql_gives_the_pg_dump_command_and_fails(app, runner, tmp_path):
    target = tmp_path / "eventsite.dump"

    result = runner.invoke(args=["backup", str(target)])

    assert result.exit_code == 1
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    assert f"pg_dump --format=custom --file={target} postgresql://{url.username}@{url.host}" in result.output
    assert "pg_restore" in result.output
    assert not target.exists()


def test_the_pg_dump_command_never_shows_the_password():
    url = make_url("postgresql+psycopg://site:s3cret@db.internal:5433/eventsite")

    advice = pg_dump_advice(url, Path("/backups/eventsite.dump"))

    assert "s3cret" not in advice
    plain = "postgresql://site@db.internal:5433/eventsite"
    assert f"pg_dump --format=custom --file=/backups/eventsite.dump {plain}" in advice
    assert f"pg_restore --clean --if-exists --no-owner --dbname={plain} /backups/eventsite.dump" in advice


# -- while people answer -------------------------------------------------------------------------


def committed(logs: list[Path]) -> dict[int, float]:
    """Each writer's committed RSVP ids, with when each commit ended."""
    ids = {}
    for log in logs:
        text = log.read_text() if log.exists() else ""
        for line in text[: text.rfind("\n") + 1].splitlines():  # not a half-written last line
            rsvp_id, at = line.split()
            ids[int(rsvp_id)] = float(at)
    return ids


def wait_for(condition, writers, outputs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        exited = [writer.returncode for writer in writers if writer.poll() is not None]
        if exited or time.monotonic() > deadline:
            raise AssertionError("writers stalled or died:\n" + "\n".join(out.read_text()[-3000:] for out in outputs))
        time.sleep(0.05)


@pytest.fixture
def big_database(app, make_event):
    """A gathering to answer, and some megabytes of old mail so the copy takes a while."""
    event = make_event(title="Carers' café")
    body = "x" * 8192
    rows = [{"to_address": f"old{n}@example.org", "subject": "Old", "body": body} for n in range(BULK_MAIL)]
    db.session.execute(insert(OutboxMail), rows)
    db.session.commit()
    event_id = event.id
    db.session.close()
    return event_id


@pytest.mark.slow
@SQLITE_ONLY
def test_a_backup_while_people_answer_holds_every_answer_committed_before_it(app, runner, tmp_path, big_database):
    env = app_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test-secret", SITE_URL=app.config["SITE_URL"]
    )
    stop_file, copy = tmp_path / "stop", tmp_path / "backup.sqlite"
    logs = [tmp_path / f"writer{n}.log" for n in range(WRITERS)]
    outputs = [tmp_path / f"writer{n}.out" for n in range(WRITERS)]
    command = [sys.executable, "-m", "tests.answer_writer", str(big_database)]
    writers = []
    try:
        for n, (log, out) in enumerate(zip(logs, outputs, strict=True)):
            with out.open("w") as output:
                arguments = [f"writer{n}", str(log), str(stop_file)]
                writers.append(
                    subprocess.Popen([*command, *arguments], cwd=ROOT, env=env, stdout=output, stderr=output)
                )
        wait_for(lambda: len(committed(logs)) >= 20 * WRITERS, writers, outputs)

        before = set(committed(logs))  # every one of these had committed before the backup began
        started = time.time()
        result = runner.invoke(args=["backup", str(copy)])
        finished = time.time()
        wait_for(lambda: len(committed(logs)) >= len(before) + 10 * WRITERS, writers, outputs)  # they carry on
    finally:
        stop_file.touch()
        for writer in writers:
            try:
                writer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop(writer)
    every_commit = committed(logs)

    assert result.exit_code == 0, result.output
    assert [writer.returncode for writer in writers] == [0] * WRITERS, [out.read_text() for out in outputs]
    assert any(started <= at <= finished for at in every_commit.values()), "nobody could answer during the backup"
    assert pragma(copy, "integrity_check") == [("ok",)]
    assert pragma(copy, "foreign_key_check") == []
    restored = tmp_path / "restored" / "eventsite.sqlite"  # restored as the command says: a plain copy
    restored.parent.mkdir()
    shutil.copyfile(copy, restored)
    ids, going = rsvps_in(restored, big_database)
    assert before <= ids  # nothing committed before the backup is missing
    assert ids <= set(every_commit)  # and nothing half-done is there
    assert going == len(ids)  # the counts agree with the rows: one consistent moment


def rsvps_in(path: Path, event_id: int) -> tuple[set[int], int]:
    """Open a database file with the app, as a restored site would; its answers and count."""
    restored = create_app(Config, TESTING=True, SECRET_KEY="test-secret", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with restored.app_context():
        try:
            ids = set(db.session.scalars(select(Rsvp.id).where(Rsvp.event_id == event_id)))
            return ids, going_total(db.session.get(Event, event_id))
        finally:
            db.session.remove()
            db.engine.dispose()
