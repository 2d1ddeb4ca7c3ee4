"""The secret link behind each person's personal feed: their random feed key and an HMAC
of it under the site's secret (eventsite.feeds serves the feed itself)."""

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.models import Person

__all__ = ["feed_token", "person_for_feed_token", "rotate_feed_token"]


def feed_token(person: Person) -> str:
    """The secret in a person's feed link: their random key and an HMAC of it under the
    site's secret. The database never holds the token; a new key revokes the old one."""
    return person.feed_key + _feed_mac(person.feed_key)


def _feed_mac(feed_key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"feed:{feed_key}".encode(), hashlib.sha256).hexdigest()[:32]


def person_for_feed_token(token: str) -> Person | None:
    feed_key, mac = token[:32], token[32:]
    if len(token) != 64 or not hmac.compare_digest(_feed_mac(feed_key), mac):
        return None
    person = db.session.scalar(select(Person).where(Person.feed_key == feed_key))
    return None if person is None or person.is_deleted else person


def rotate_feed_token(person: Person) -> None:
    person.feed_key = secrets.token_hex(16)
