"""Friendly error pages; a domain refusal is a 403, a bad CSRF token a 400."""

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from eventsite.errors import NotAllowed
from eventsite.extensions import db

MESSAGES = {
    400: "Something in that request was not right.",
    403: "Only the people involved can do that.",
    404: "We could not find that page. It may have moved, or never existed.",
    405: "That page cannot be used that way.",
    413: "That was too much to send in one go.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing you typed was saved; please try again.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(NotAllowed, not_allowed)
    app.register_error_handler(InternalServerError, server_error)


def _page(code: int, message: str):
    return render_template("error.html", code=code, message=message), code


def http_error(error: HTTPException):
    return _page(error.code or 500, MESSAGES.get(error.code, error.description))


def csrf_error(error: CSRFError):
    return _page(400, "This form had expired or came from elsewhere. Go back, reload the page and try again.")


def untrusted_host(error: SecurityError):
    # A Host outside TRUSTED_HOSTS: Flask builds no URLs for it, so no page with links.
    return Response("This site does not answer to that host name.\n", 400, mimetype="text/plain")


def not_allowed(error: NotAllowed):
    db.session.rollback()
    return _page(403, str(error))


def server_error(error: InternalServerError):
    db.session.rollback()
    return _page(500, MESSAGES[500])
