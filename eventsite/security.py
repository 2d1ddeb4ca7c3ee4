"""Response headers every page gets: no MIME sniffing, a referrer policy, and who may frame us."""

from flask import Flask, current_app, request


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Only /embed is meant for other sites' iframes (EMBED_FRAME_ANCESTORS); nothing else may be framed.
    ancestors = current_app.config["EMBED_FRAME_ANCESTORS"] if request.endpoint == "sharing.embed" else "'self'"
    headers.setdefault("Content-Security-Policy", f"frame-ancestors {ancestors}")
    if request.endpoint != "sharing.embed":
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response
