"""Settings that are unsafe in production, each with its fix (``flask check-deploy``).

Like Django's ``check --deploy``: run it with the environment gunicorn gets. A
failure is a hole (a guessable key, cookies over plain http, one rate-limit
count per worker); a warning is fine in some deployments and worth a thought.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from config import DEV_SECRET_KEY

MIN_SECRET_KEY = 32


@dataclass(frozen=True)
class Problem:
    setting: str
    message: str  # what is wrong and the one-line fix
    is_failure: bool = True

    def __str__(self) -> str:
        return f"{'FAIL' if self.is_failure else 'WARN'} {self.setting}: {self.message}"


def deploy_problems(config: Mapping) -> list[Problem]:
    """Every unsafe production setting in ``config``, failures first."""
    problems = [*_secrets(config), *_transport(config), *_services(config)]
    return sorted(problems, key=lambda problem: not problem.is_failure)


def _secrets(config: Mapping) -> list[Problem]:
    key = config.get("SECRET_KEY") or ""
    fix = "set SECRET_KEY to a long random value: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if key == DEV_SECRET_KEY:
        return [Problem("SECRET_KEY", f"is the development key; {fix}.")]
    if len(key) < MIN_SECRET_KEY:
        return [Problem("SECRET_KEY", f"is shorter than {MIN_SECRET_KEY} characters; {fix}.")]
    return []


def _transport(config: Mapping) -> list[Problem]:
    problems = []
    if not str(config.get("SITE_URL", "")).startswith("https://"):
        problems.append(Problem("SITE_URL", "is not https://: serve the site over HTTPS and set SITE_URL to it."))
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if not config.get(name):
            problems.append(Problem(name, "is off: set SESSION_COOKIE_SECURE=1 (it turns on both cookies' flag)."))
    if config.get("DEBUG"):
        problems.append(Problem("DEBUG", "is on: unset FLASK_DEBUG (the debugger runs code for anyone)."))
    if not config.get("TRUSTED_HOSTS"):
        problems.append(Problem("TRUSTED_HOSTS", "is unset: set TRUSTED_HOSTS to the site's host name."))
    if config.get("IMPORT_ALLOW_PRIVATE"):
        message = "is set: unset it (it lets calendar imports reach private addresses; tests only)."
        problems.append(Problem("IMPORT_ALLOW_PRIVATE", message))
    if config.get("WTF_CSRF_ENABLED") is False:
        problems.append(Problem("WTF_CSRF_ENABLED", "is off: remove the override (every POST needs its token)."))
    return problems


def _services(config: Mapping) -> list[Problem]:
    problems = []
    if not config.get("MAIL_SERVER"):
        problems.append(Problem("MAIL_SERVER", "is unset, so mail is only printed: set MAIL_SERVER and MAIL_PORT."))
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append(Problem("RATELIMIT_ENABLED", "is off: unset it (forms that send email need limits)."))
    elif str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        message = "is memory://, one count per worker: set RATELIMIT_STORAGE_URI=redis://host:6379/0."
        problems.append(Problem("RATELIMIT_STORAGE_URI", message))
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        message = "is SQLite: fine on one machine; for several instances set DATABASE_URL to PostgreSQL."
        problems.append(Problem("DATABASE_URL", message, is_failure=False))
    return problems
