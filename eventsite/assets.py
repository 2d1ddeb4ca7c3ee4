"""Static files under fingerprinted names, so browsers and proxies may keep them for a year.

Pages link ``asset_url("site.css")``: ``/static/site.3f2a9c1b.css``, where the eight hex
digits are the start of the file's SHA-256. A new version of the file gets a new name, so
a cached copy is never stale: the answer says ``immutable`` for a year. The plain name
still works (links from outside, an old page after a deploy: an old fingerprint gets
today's file), cached for an hour. Behind nginx, the README's configuration serves both
from disk without asking the app.
"""

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Flask, send_from_directory, url_for
from werkzeug.security import safe_join

STATIC = Path(__file__).resolve().parent / "static"
FINGERPRINTED = re.compile(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})(?P<suffix>\.[A-Za-z0-9]+)")
YEAR = 365 * 24 * 3600
HOUR = 3600


def init_app(app: Flask) -> None:
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve)
    app.add_template_global(asset_url)


def asset_url(filename: str) -> str:
    """The fingerprinted address of a file under eventsite/static."""
    stem, _, suffix = filename.rpartition(".")
    return url_for("static", filename=f"{stem}.{_fingerprint_of(str(STATIC / filename))}.{suffix}")


@cache
def fingerprint(path: Path, _modified: int) -> str:
    """Eight hex digits of the file's SHA-256 (recomputed when it changes, as in development)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def serve(filename: str):
    named = FINGERPRINTED.fullmatch(filename)
    plain = f"{named['stem']}{named['suffix']}" if named else filename
    path = safe_join(str(STATIC), plain)  # None for anything outside eventsite/static
    current = named is not None and path is not None and Path(path).is_file() and _fingerprint_of(path) == named["hash"]
    response = send_from_directory(STATIC, plain if path and Path(path).is_file() else filename, max_age=HOUR)
    if current:
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.public = True
    return response


def _fingerprint_of(path: str) -> str:
    return fingerprint(Path(path), Path(path).stat().st_mtime_ns)
