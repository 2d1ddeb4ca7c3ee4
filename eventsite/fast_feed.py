"""The shared feed without the framework: every subscriber's calendar server polls
``/calendar.ics`` all day, mostly to be told "304, nothing new".

A WSGI layer in front of the app answers ``GET``/``HEAD /calendar.ics``, with no query or
only ``?lang=``, from the feeds' cache when it holds the feed for the current content
version: one quick read (``feeds.feed_state``), then the cached bytes or a 304. No request
context, session, form or ORM. Anything else (a filter, a feed not built yet, a Host
outside ``TRUSTED_HOSTS``, a database error) goes to the app, which builds, caches and
answers as usual. Both make the answer with ``feeds.feed_response`` and the same
security headers, and use the same cache key (``feeds.shared_feed_key``).
"""

from urllib.parse import parse_qs

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from eventsite.cache import store
from eventsite.database import utcnow
from eventsite.feeds import feed_filters, feed_language, feed_response, feed_state, shared_feed_key
from eventsite.listing import EventFilters
from eventsite.security import add_security_headers

PATH = "/calendar.ics"
FILENAME = "gatherings.ics"  # as the app's view names it


class FastSharedFeed:
    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        response = self._cached(environ) if environ.get("PATH_INFO") == PATH else None
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def _cached(self, environ):
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or not self._host_allowed(environ):
            return None
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if set(query) - {"lang"}:
            return None  # filters (and junk) are checked by the view
        with self.app.app_context():
            try:
                language = feed_language(query.get("lang", [None])[0])
                now = utcnow()
                key = shared_feed_key(feed_filters(EventFilters()), self.app.config["SITE_NAME"], language,
                                      feed_state(now), now)  # fmt: skip
                feed = store("feeds").get(key)
            except Exception:  # the app will say what is wrong, and log it
                return None
            if feed is None:
                return None
            response = feed_response(feed, FILENAME, private=False, language=language, environ=environ)
            return add_security_headers(response, self.app.config)

    def _host_allowed(self, environ) -> bool:
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if not trusted:
            return True
        try:
            get_host(environ, trusted_hosts=trusted)
        except SecurityError:
            return False
        return True
