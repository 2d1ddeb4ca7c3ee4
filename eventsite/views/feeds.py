"""Calendar feeds (shared and personal), subscribing, and the month view."""

import calendar as stdlib_calendar
from datetime import date, datetime, timedelta

from babel.dates import get_day_names
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from eventsite.cache import for_visitors
from eventsite.extensions import db
from eventsite.feed_tokens import person_for_feed_token, rotate_feed_token
from eventsite.feeds import (
    Feed,
    feed_language,
    feed_language_args,
    feed_response,
    google_add_url,
    is_known_tag,
    month_entries,
    month_events,
    outlook_add_url,
    personal_feed,
    shared_feed,
    subscribe_links,
)
from eventsite.forms import FilterForm
from eventsite.i18n import current_language, locale_for, speaking
from eventsite.listing import EventFilters, places
from eventsite.mail import external_url
from eventsite.views.main import redirect_without_empty_args

bp = Blueprint("feeds", __name__)
FEED_FILTERS = ("kind", "place", "tag")


def calendar_response(feed: Feed, filename: str, private: bool, language: str) -> Response:
    """text/calendar with an ETag and Last-Modified; 304 when the client has it already."""
    return feed_response(feed, filename, private, language, request.environ)


def feed_title(filters: EventFilters, all_places) -> str:
    """'eventsite: Workshop · Armley · #frailty' for a narrowed feed."""
    place_names = {place.slug: place.name for place in all_places}
    parts = [
        filters.kind.label if filters.kind else "",
        gettext("Online") if filters.online else place_names.get(filters.place, ""),
        f"#{filters.tag}" if filters.tag else "",
    ]
    narrowed = " · ".join(part for part in parts if part)
    site = current_app.config["SITE_NAME"]
    return f"{site}: {narrowed}" if narrowed else site


@bp.get("/calendar.ics")
def shared():
    """The shared feed; ?kind=, ?place= and ?tag= narrow it (combinable), ?lang= says its language
    (see ``feed_language``); anything else is ignored."""
    filters, all_places = (
        _feed_filters() if any(request.args.get(name) for name in FEED_FILTERS) else (EventFilters(), [])
    )
    language = feed_language(request.args.get("lang"))
    with speaking(language):
        feed = shared_feed(filters, feed_title(filters, all_places), language)
    return calendar_response(feed, "gatherings.ics", private=False, language=language)


def _feed_filters() -> tuple[EventFilters, list]:
    """A narrowed feed's filters, checked (so made-up values cannot fill the cache: 404)."""
    # The places are only needed (and only queried) to check a ?place= filter.
    all_places = places() if request.args.get("place") else []
    form = FilterForm(request.args, places=all_places)
    filters = form.to_filters()
    if any(form[name].errors for name in FEED_FILTERS) or (filters.tag and not is_known_tag(filters.tag)):
        abort(404)
    return filters, all_places


@bp.get("/feeds/<token>.ics")
def personal(token):
    """My gatherings: going, maybe, waiting and hosting, in my language; the secret link is the only key."""
    person = person_for_feed_token(token) or abort(404)
    language = feed_language(person.language)  # what personal_feed speaks
    return calendar_response(personal_feed(person), "my-gatherings.ics", private=True, language=language)


@bp.post("/me/feed/rotate")
@login_required
def rotate():
    """A new secret link for my feed: the old one stops working at once."""
    rotate_feed_token(current_user)
    db.session.commit()
    flash(
        gettext("Your calendar feed has a new link. Subscribe again with it: the old link no longer works."), "success"
    )
    return redirect(url_for("me.index") + "#feed")


@bp.get("/calendar")
@bp.get("/calendar/<int:year>/<int:month>")
@for_visitors
def month(year=None, month=None):
    """A month of gatherings, with the list's filters; days listed in text, not only a grid."""
    today = datetime.now(current_app.config["ZONE"]).date()
    if year is None:
        year, month = today.year, today.month
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        abort(404)
    if shorter := redirect_without_empty_args():
        return shorter
    weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    form = FilterForm(request.args, places=places())
    shown = (weeks[0][0], weeks[-1][-1])
    events = month_events(form.to_filters(), *shown)
    first = date(year, month, 1)
    previous = first - timedelta(days=1)
    following = first + timedelta(days=32)
    return render_template(
        "feeds/month.html",
        form=form,
        first=first,
        weeks=weeks,
        days=month_entries(events, *shown),
        previous=(previous.year, previous.month),
        following=(following.year, following.month),
        today=today,
        args=form.feed_args(),
        weekdays=weekday_names(),
    )


def weekday_names() -> list[tuple[str, str]]:
    """Monday to Sunday in the page's language, in full and short: ("Monday", "Mon")."""
    locale = locale_for(current_language())
    full = get_day_names("wide", context="stand-alone", locale=locale)
    short = get_day_names("abbreviated", context="stand-alone", locale=locale)
    return [(full[day], short[day]) for day in range(7)]


@bp.app_template_global()
def subscribe_links_for(endpoint: str, **values) -> dict[str, str]:
    """Subscribe links (webcal, Google, https) for a feed, built from SITE_URL. A shared feed's
    speak the page's language; a personal feed speaks its person's own, whatever the link."""
    if endpoint != "feeds.personal":
        values = {**values, **feed_language_args()}
    return subscribe_links(external_url(endpoint, **values))


# Links to the Atom feeds and the JSON API from pages: ``url_for('sharing.atom', **feed_language_args())``.
bp.add_app_template_global(feed_language_args)


@bp.app_template_global()
def add_to_calendar_links(event) -> dict[str, str]:
    return {"google": google_add_url(event), "outlook": outlook_add_url(event)}
