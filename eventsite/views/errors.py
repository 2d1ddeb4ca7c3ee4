"""Friendly error pages; a domain refusal is a 403, a bad CSRF token a 400. Also the
rate limits, and the 429 page that says when to try again."""

import math
import time

from flask import Flask, Response, current_app, render_template
from flask_babel import gettext, ngettext
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from eventsite.errors import LinkInvalid, NotAllowed
from eventsite.extensions import db, limiter
from eventsite.forms import EmailForm
from eventsite.i18n import lazy_gettext

MESSAGES = {
    400: lazy_gettext("Something in that request was not right."),
    403: lazy_gettext("Only the people involved can do that."),
    404: lazy_gettext("We could not find that page. It may have moved, or never existed."),
    405: lazy_gettext("That page cannot be used that way."),
    413: lazy_gettext("That was too much to send in one go."),
    429: lazy_gettext("Too many requests from here. Please try again later."),
    500: lazy_gettext("Something went wrong on our side. Nothing you typed was saved; please try again."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(NotAllowed, not_allowed)
    app.register_error_handler(InternalServerError, server_error)


def _page(code: int, message: str):
    return render_template("error.html", code=code, message=message), code


def http_error(error: HTTPException):
    return _page(error.code or 500, MESSAGES.get(error.code, error.description))


def succeeded(response: Response) -> bool:
    """What counts against a limit: a request that worked (an event made, an email sent),
    which every limited view answers with a redirect; never a form sent back with its
    messages, nor a page that only shows something first (a series' dates)."""
    return 300 <= response.status_code < 400


def link_invalid(error: LinkInvalid | str, status: int = 410):
    """An emailed link that is unknown, expired or used: why, and a form to ask for a new one."""
    return render_template("auth/link_invalid.html", message=str(error), form=EmailForm()), status


def rate_limit(setting: str):
    """A limit per client address on a view's POSTs, read from the config ``setting`` when
    the request comes; only requests that succeeded count."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"], deduct_when=succeeded)


def too_many_requests(error: RateLimitExceeded):
    """The limit's own reset time, in words and in Retry-After."""
    reached = limiter.current_limit
    if reached is None:
        return _page(429, MESSAGES[429])
    seconds = max(1, math.ceil(reached.reset_at - time.time()))
    message = gettext("Too many requests from here. Please try again %(wait)s.", wait=wait_in_words(seconds))
    page, code = _page(429, message)
    return page, code, {"Retry-After": str(seconds)}


def wait_in_words(seconds: float) -> str:
    """Roughly how long until a person may try again: "in about 50 minutes"."""
    minutes = max(1, round(seconds / 60))
    if minutes == 1:
        return gettext("in about a minute")
    if minutes < 60:
        return ngettext("in about %(num)d minute", "in about %(num)d minutes", minutes)
    hours = round(minutes / 60)
    if hours == 1:
        return gettext("in about an hour")
    if hours < 48:
        return ngettext("in about %(num)d hour", "in about %(num)d hours", hours)
    return ngettext("in about %(num)d day", "in about %(num)d days", round(hours / 24))


def csrf_error(error: CSRFError):
    return _page(400, gettext("This form had expired or came from elsewhere. Go back, reload the page and try again."))


def untrusted_host(error: SecurityError):
    # A Host outside TRUSTED_HOSTS: Flask builds no URLs for it, so no page with links.
    message = gettext("This site does not answer to that host name.")
    return Response(f"{message}\n", 400, mimetype="text/plain")  # a line for curl


def not_allowed(error: NotAllowed):
    db.session.rollback()
    return _page(403, str(error))


def server_error(error: InternalServerError):
    db.session.rollback()
    return _page(500, MESSAGES[500])
