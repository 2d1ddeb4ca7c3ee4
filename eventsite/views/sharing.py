"""Sharing: the Atom feed of new gatherings, the read-only JSON API and the embeddable list.

The Atom feeds and the API speak ``?lang=`` (see ``feeds.feed_language``), never the reader's
browser: feed readers and scripts send no Accept-Language, and what is cached must not vary by it.
"""

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from eventsite.database import utcnow
from eventsite.feeds import feed_language
from eventsite.forms import FilterForm, IdeaFilterForm
from eventsite.i18n import speaking
from eventsite.listing import by_local_day, places, upcoming_page
from eventsite.mail import external_url
from eventsite.rsvps import attendance_by_event
from eventsite.sharing import (
    api_ideas_page,
    api_page,
    event_url,
    feed_updated,
    idea_url,
    newest_ideas,
    newest_proposals,
)

bp = Blueprint("sharing", __name__)
# Absolute links in pages shown on other sites, from SITE_URL (never the request's Host header).
bp.add_app_template_global(external_url)
EMBED_EVENTS = 10


@bp.get("/feed.atom")
def atom():
    """Atom feed of newly proposed gatherings (for feed readers and newsletters)."""
    events = newest_proposals()
    updated = feed_updated(events) or utcnow()
    return _atom("sharing/feed.xml", events=events, updated=updated, event_url=event_url)


@bp.get("/api/events")
def api_events():
    """Read-only JSON of upcoming published gatherings; the list's filters; ?page= and ?per_page=."""
    return _api(FilterForm, api_page)


@bp.get("/ideas.atom")
def ideas_atom():
    """Atom feed of new ideas, newest first (an idea has no date: it is never in a calendar feed)."""
    ideas = newest_ideas()
    updated = max((idea.created_at for idea in ideas), default=None) or utcnow()
    return _atom("ideas/feed.xml", ideas=ideas, updated=updated, idea_url=idea_url)


@bp.get("/api/ideas")
def api_ideas():
    """Read-only JSON of the ideas board; ?kind=, ?place=, ?tag=, ?page= and ?per_page=."""
    return _api(IdeaFilterForm, api_ideas_page)


@bp.get("/embed")
def embed():
    """The next gatherings (with the list's filters) for a partner site's iframe."""
    form = FilterForm(request.args, places=places())
    page = upcoming_page(form.to_filters(), current_app.config["ZONE"], 1, EMBED_EVENTS)
    return render_template(
        "sharing/embed.html",
        days=by_local_day(page.items),
        attendance=attendance_by_event(page.items),
        feed_args=form.feed_args(),
    )


def _atom(template: str, **context) -> Response:
    """The template rendered as Atom, in the ``?lang=`` language."""
    language = feed_language(request.args.get("lang"))
    with speaking(language):
        body = render_template(template, **context)
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=900"
    response.headers["Content-Language"] = language.replace("_", "-")
    return response


def _api(form_class, page_of) -> Response:
    """JSON of ``page_of(filters, page, per_page)`` for the filters in ``form_class``, or their
    errors (in the ``?lang=`` language) with a 400."""
    with speaking(feed_language(request.args.get("lang"))):
        form = form_class(request.args, places=places())
        filters = form.to_filters()
        errors = {field.name: [str(message) for message in field.errors] for field in form if field.errors}
    if errors:
        response = jsonify({"errors": errors})
        response.status_code = 400
    else:
        page, per_page = request.args.get("page", 1, type=int), request.args.get("per_page", 20, type=int)
        response = jsonify(page_of(filters, page, per_page))
        response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"  # partner sites' scripts may read answers and errors
    return response
