"""Backups: a consistent copy of a SQLite database, taken while the site serves.

SQLite's online backup API copies the database from one read transaction: in
WAL mode, writers carry on meanwhile and the copy is the database as it stood
when the backup began. Copying the file itself could catch a half-written page,
or miss what still sits in the ``-wal`` file. PostgreSQL has ``pg_dump``.
"""

import shlex
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL

from eventsite.errors import DomainError
from eventsite.extensions import db


class BackupFailed(DomainError):
    """No backup was written (or the one written was damaged, and removed)."""


def backup_sqlite(target: Path) -> str:
    """Copy the site's SQLite database to a new file at ``target``, check the copy,
    and return what was done and how to restore it."""
    source = sqlite_path(db.engine.url, target)
    try:
        target.open("xb").close()  # claims the name: a backup never overwrites anything
    except FileExistsError:
        raise BackupFailed(f"{target} already exists: give a new file name (a backup never overwrites).") from None
    except OSError as error:
        raise BackupFailed(f"Cannot write {target}: {error.strerror}.") from None
    try:
        problems = _copy_and_check(target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if problems:
        target.unlink()
        raise BackupFailed("The copy failed its integrity check, so it was removed: " + "; ".join(problems[:5]))
    return restore_instructions(source, target)


def sqlite_path(url: URL, target: Path) -> Path:
    """The database file behind ``url``; refused, with the right tool named, for any other database."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve()
    if url.get_backend_name() == "postgresql":
        raise BackupFailed(pg_dump_advice(url, target))
    raise BackupFailed("flask backup copies a SQLite database file; this database is not one.")


def _copy_and_check(target: Path) -> list[str]:
    """The copy in one step (pages=-1): one read transaction, so one consistent state."""
    connection = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            connection.driver_connection.backup(copy)
            rows = copy.execute("PRAGMA integrity_check").fetchall()
        finally:
            copy.close()
    finally:
        connection.close()
    return [] if rows == [("ok",)] else [row[0] for row in rows]


def restore_instructions(source: Path, target: Path) -> str:
    size = target.stat().st_size
    backup, database = shlex.quote(str(target)), shlex.quote(str(source))
    return (
        f"Backed up {source} to {target} ({size:,} bytes); integrity check: ok.\n"
        "To restore it:\n"
        "  1. stop the site (every gunicorn worker, and the cron jobs);\n"
        f"  2. copy the backup over the database: cp {backup} {database}\n"
        f"  3. remove the old write-ahead files, if any: rm -f {database}-wal {database}-shm\n"
        "  4. start the site."
    )


def pg_dump_advice(url: URL, target: Path) -> str:
    """How to back up and restore PostgreSQL, with the site's URL minus its password."""
    without_password = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    ).render_as_string(hide_password=False)
    plain = shlex.quote(without_password)
    dump = shlex.quote(str(target))
    return (
        "This database is PostgreSQL: flask backup is for SQLite. Use pg_dump, which reads one "
        "consistent snapshot while the site serves:\n"
        f"  pg_dump --format=custom --file={dump} {plain}\n"
        "and to restore (site stopped):\n"
        f"  pg_restore --clean --if-exists --no-owner --dbname={plain} {dump}\n"
        "(the password comes from PGPASSWORD or ~/.pgpass)."
    )
