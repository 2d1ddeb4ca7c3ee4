"""Response headers every page gets: a Content-Security-Policy with no inline script,
no MIME sniffing, a referrer policy, who may frame us, and HSTS on an https site."""

from flask import Flask, current_app, request

# Every script, style and font is a file of ours (a JSON-LD block is data, which CSP
# does not run); data: images are Pico's icons for selects and checkboxes.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
)
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)


def _security_headers(response):
    return add_security_headers(response, current_app.config, embeddable=request.endpoint == "sharing.embed")


def add_security_headers(response, config, embeddable: bool = False):
    """The headers; also for answers made outside Flask (``eventsite.fast_feed``)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Only /embed is meant for other sites' iframes (EMBED_FRAME_ANCESTORS); nothing else may be framed.
    ancestors = config["EMBED_FRAME_ANCESTORS"] if embeddable else "'self'"
    headers.setdefault("Content-Security-Policy", POLICY.format(ancestors=ancestors))
    if not embeddable:
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if config["SITE_URL"].startswith("https://"):
        # Browsers then refuse plain http for a year (production: SITE_URL is https).
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
