"""Languages: which one each request (and each email) speaks, and dates, times and
numbers written the way that language writes them.

Every string a person sees goes through gettext (``_`` in templates, ``gettext`` or
``lazy_gettext`` in Python); the catalogues are ``eventsite/translations/<code>/``.
The language is, in order: the signed-in person's choice, the ``lang`` cookie (the
footer's switcher sets both), the browser's Accept-Language, then DEFAULT_LANGUAGE.
"""

from datetime import date, datetime
from functools import cache

from babel import Locale, UnknownLocaleError, localedata
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, LazyString, force_locale, get_locale, gettext, ngettext, pgettext
from flask_login import current_user
from markupsafe import escape

LANGUAGE_COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Babel patterns for each way a page writes a moment (English shown). Both languages we
# ship write the day before the month; a language that does not adds its own entry here.
PATTERNS = {
    "long": "EEEE d MMMM y, HH:mm",  # Wednesday 2 December 2026, 18:00
    "short": "EEE d MMM y, HH:mm",  # Wed 2 Dec 2026, 18:00
    "long_no_year": "EEEE d MMMM, HH:mm",  # Wednesday 2 December, 18:00
    "short_no_year": "EEE d MMM, HH:mm",  # Wed 2 Dec, 18:00
    "date_long": "EEEE d MMMM y",  # Wednesday 2 December 2026
    "date_short": "EEE d MMM y",  # Wed 2 Dec 2026
    "date": "d MMMM y",  # 2 December 2026
    "day": "EEEE d MMMM",  # Wednesday 2 December
    "day_short": "EEE d MMM",  # Wed 2 Dec
    "month": "LLLL y",  # December 2026 (the month on its own, not "of December")
    "time": "HH:mm",  # 18:00
}
LANGUAGE_PATTERNS: dict[str, dict[str, str]] = {}

babel = Babel()


class LazyText(LazyString):
    """A message translated when it is read: labels and constants made at import time, and
    email subjects (read in the recipient's language). Unlike Flask-Babel's own lazy string,
    a template escapes it: its values may be people's text ("Confirm your idea: %(title)s")."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    return LazyText(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyText:
    return LazyText(pgettext, context, string, **variables)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LANGUAGE"])
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # a paragraph's line breaks are not part of its msgid
    app.jinja_env.filters.update(when=when, number=number)
    app.context_processor(_template_globals)
    app.after_request(_say_language)


@cache
def locale_for(code: str) -> Locale:
    """The Babel locale for a language code. A pseudo-locale for tests (``en_XA``, ``ar_XB``:
    territories CLDR reserves for private use) borrows its language's data."""
    try:
        return Locale.parse(code)
    except UnknownLocaleError:
        language, _, territory = code.partition("_")
        if not localedata.exists(language) or not territory:
            raise
        locale = Locale(language)
        locale._data  # noqa: B018 - load the language's data before the code changes
        locale.territory = territory
        return locale


def languages() -> list[str]:
    return current_app.config["LANGUAGES"]


def language_name(code: str) -> str:
    """What a language calls itself: "English", "Polski"."""
    locale = locale_for(code)
    return (locale.language_name or code)[:1].upper() + (locale.language_name or code)[1:]


def supported(code: str | None) -> str | None:
    return code if code in languages() else None


def select_locale() -> Locale:
    if not has_request_context():  # a command, e.g. cron sending reminders
        return locale_for(current_app.config["DEFAULT_LANGUAGE"])
    choice = (
        (supported(current_user.language) if current_user.is_authenticated else None)
        or supported(request.cookies.get(LANGUAGE_COOKIE))
        or request.accept_languages.best_match(languages())
        or current_app.config["DEFAULT_LANGUAGE"]
    )
    return locale_for(choice)


def current_language() -> str:
    """The code this request (or a ``speaking`` block) speaks, e.g. "pl"."""
    locale = get_locale()
    return str(locale) if locale is not None else current_app.config["DEFAULT_LANGUAGE"]


def speaking(code: str | None):
    """A block in which gettext and dates speak ``code`` (e.g. an email to someone);
    None or an unsupported code speaks the default language."""
    return force_locale(locale_for(supported(code) or current_app.config["DEFAULT_LANGUAGE"]))


def is_right_to_left() -> bool:
    locale = get_locale()
    return locale is not None and locale.character_order == "right-to-left"


def html_lang() -> str:
    return current_language().replace("_", "-")


def when(moment: datetime | date, style: str = "short") -> str:
    """A date or time as the current language writes it; an aware datetime is written in
    its own zone (an event's local start stays in the event's zone)."""
    code = current_language()
    pattern = LANGUAGE_PATTERNS.get(code, {}).get(style) or PATTERNS[style]
    locale = locale_for(code)
    if isinstance(moment, datetime):
        return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)
    return format_date(moment, pattern, locale=locale)


def number(value: int | float) -> str:
    return format_decimal(value, locale=locale_for(current_language()))


def _template_globals() -> dict:
    return {
        "html_lang": html_lang(),
        "html_dir": "rtl" if is_right_to_left() else "ltr",
        "language_choices": [(code, language_name(code)) for code in languages()],
        "current_language": current_language(),
    }


def _say_language(response):
    """Pages differ by language: say which, and that Accept-Language chose it."""
    if response.mimetype == "text/html":
        response.headers["Content-Language"] = html_lang()
        response.vary.add("Accept-Language")
    return response
