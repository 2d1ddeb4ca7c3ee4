"""Settings, read from environment variables with safe development defaults."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


def database_url(url: str | None) -> str:
    """Normalise DATABASE_URL so PostgreSQL always goes through psycopg 3."""
    if not url:
        return f"sqlite:///{ROOT / 'instance' / 'eventsite.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SITE_NAME = os.environ.get("SITE_NAME", "eventsite")
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/")
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/London")
    # The languages offered (each but the default needs a catalogue in eventsite/translations).
    LANGUAGES = os.environ.get("LANGUAGES", "en_GB pl").split()
    DEFAULT_LANGUAGE = os.environ.get("DEFAULT_LANGUAGE", "en_GB")
    # open: published on email confirmation; newcomers: a person's first event
    # waits for a steward; all: every event waits for a steward.
    MODERATION = os.environ.get("MODERATION", "newcomers")
    EVENTS_PER_PAGE = int(os.environ.get("EVENTS_PER_PAGE", "20"))
    # The shared feed holds at most this many events (Google ignores feeds over ~1 MB).
    FEED_MAX_EVENTS = int(os.environ.get("FEED_MAX_EVENTS", "1000"))
    FEED_MAX_BYTES = int(os.environ.get("FEED_MAX_BYTES", "780000"))  # and under 800 KB, which Google needs
    EMAIL_LINK_MAX_AGE = int(os.environ.get("EMAIL_LINK_MAX_AGE", str(24 * 3600)))

    # Mail: with no MAIL_SERVER, messages are printed to the console.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = env_flag("MAIL_USE_TLS")
    MAIL_FROM = os.environ.get("MAIL_FROM", "eventsite <noreply@localhost>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # Who sends: "after-response" (the web worker, once the page is out) or "worker"
    # (only `flask send-mail --watch`, a process of its own).
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "after-response")

    # Rate limits on the forms that send email or create rows. Use Redis when
    # running several workers or instances, so they share one count.
    RATELIMIT_ENABLED = env_flag("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    EMAIL_RATE_LIMIT = os.environ.get("EMAIL_RATE_LIMIT", "5 per minute; 20 per hour")
    PROPOSE_RATE_LIMIT = os.environ.get("PROPOSE_RATE_LIMIT", "10 per hour")
    # Generous: a whole team behind one hospital address may answer within a minute.
    RSVP_RATE_LIMIT = os.environ.get("RSVP_RATE_LIMIT", "60 per minute")
    IMPORT_RATE_LIMIT = os.environ.get("IMPORT_RATE_LIMIT", "20 per hour")  # calendars fetched or uploaded

    # Series (see the README's "Series" section): sessions are made this many days ahead,
    # and the hosts of a series with no end are asked this often whether it goes on.
    SERIES_HORIZON_DAYS = int(os.environ.get("SERIES_HORIZON_DAYS", "120"))
    SERIES_RENEW_DAYS = int(os.environ.get("SERIES_RENEW_DAYS", "180"))
    # An open idea with no activity (posted, supported) for this many days moves to "older ideas".
    IDEA_FADE_DAYS = int(os.environ.get("IDEA_FADE_DAYS", "90"))
    # A gathering run again is on the public list, feeds and API only this many hours after
    # the people who went, or asked for it again, were invited (see "After a gathering").
    INVITE_FIRST_HOURS = float(os.environ.get("INVITE_FIRST_HOURS", "24"))
    # Brew and biscuits (see the README's section): two people are not paired again within
    # this many rounds; a pair meeting online gets a room at this address ({key} is random).
    BREW_COOLDOWN_ROUNDS = int(os.environ.get("BREW_COOLDOWN_ROUNDS", "6"))
    BREW_ONLINE_URL = os.environ.get("BREW_ONLINE_URL", "https://meet.jit.si/brew-{key}")
    # Tests only: "host:port" pairs an import may fetch although they are private (the suite's servers).
    IMPORT_ALLOW_PRIVATE = os.environ.get("IMPORT_ALLOW_PRIVATE", "").split()

    # Trust and safety (see the README's "Trust and safety" section).
    # A guest's "going" holds a place this long while it waits for the emailed link.
    ANSWER_HOLD_MINUTES = float(os.environ.get("ANSWER_HOLD_MINUTES", "30"))
    # Answer emails one address gets from the answer form in an hour, whoever asks.
    ANSWER_MAILS_PER_ADDRESS = int(os.environ.get("ANSWER_MAILS_PER_ADDRESS", "3"))
    # Host edits and messages that email an event's attendees, per event per hour.
    HOST_MAILS_PER_HOUR = int(os.environ.get("HOST_MAILS_PER_HOUR", "6"))
    # Email stewards when something waits for them or is reported.
    STEWARD_ALERTS = env_flag("STEWARD_ALERTS", True)
    # Days after a gathering ends before its answers' names and addresses are purged.
    PURGE_ANSWERS_AFTER_DAYS = int(os.environ.get("PURGE_ANSWERS_AFTER_DAYS", "90"))
    # How long an emailed co-host invitation stays open.
    HOST_INVITATION_MAX_AGE = int(os.environ.get("HOST_INVITATION_MAX_AGE", str(7 * 24 * 3600)))
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted (Werkzeug's ProxyFix).
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    # Host names the site answers to (comma-separated; empty: any). Links never use the Host header.
    TRUSTED_HOSTS = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()] or None

    # Which sites may show /embed in an iframe (a CSP frame-ancestors value).
    EMBED_FRAME_ANCESTORS = os.environ.get("EMBED_FRAME_ANCESTORS", "*")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 1024 * 1024


class ProductionConfig(Config):
    """Used by wsgi.py unless FLASK_DEBUG is set; refuses the development key."""

    SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
    REQUIRE_REAL_SECRET_KEY = True
