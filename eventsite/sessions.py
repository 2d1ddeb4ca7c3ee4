"""Signed-in browsers: one PersonSession row each, so signing out really ends a session.

Flask-Login keeps ``"<person id>-<key>"`` in the session cookie and the remember
cookie. The key carries 256 bits of randomness and only its SHA-256 is stored;
a cookie opens nothing once its row is deleted (signing out, "sign out
everywhere", deleting the account), however long the cookie itself lives.
"""

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from eventsite.extensions import db
from eventsite.models import Person, PersonSession

MAX_SESSION_ID = 80  # a person id, a dash and a 43-character key, with room to spare


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def session_id(person: Person, key: str) -> str:
    """What Flask-Login stores for this browser."""
    return f"{person.id}-{key}"


def split_session_id(value: str) -> tuple[int, str] | None:
    """(person id, key) from a stored session id; None for anything else (an old plain id too)."""
    person_id, _, key = value.partition("-")
    if not key or len(value) > MAX_SESSION_ID or not person_id.isdigit() or len(person_id) > 9:
        return None
    return int(person_id), key


def start_session(person: Person) -> str:
    """Record a newly signed-in browser; return its key (the only copy)."""
    key = secrets.token_urlsafe(32)
    db.session.add(PersonSession(person=person, key_hash=_hash(key)))
    db.session.flush()
    return key


def find_session(value: str) -> PersonSession | None:
    """The live session for a stored session id (its person loaded in the same query)."""
    parts = split_session_id(value)
    if parts is None:
        return None
    person_id, key = parts
    key_hash = _hash(key)
    query = (
        select(PersonSession)
        .where(PersonSession.key_hash == key_hash, PersonSession.person_id == person_id)
        .options(joinedload(PersonSession.person))
    )
    found = db.session.scalar(query)
    if found is None or not hmac.compare_digest(found.key_hash, key_hash):
        return None
    return found


def end_session(person: Person, key: str) -> None:
    """Sign one browser out: its cookies stop working."""
    query = delete(PersonSession).where(PersonSession.person_id == person.id, PersonSession.key_hash == _hash(key))
    db.session.execute(query)
    db.session.flush()


def end_all_sessions(person: Person) -> int:
    """Sign the person out on every browser; return how many sessions ended."""
    ended = db.session.execute(delete(PersonSession).where(PersonSession.person_id == person.id))
    db.session.flush()
    return ended.rowcount
