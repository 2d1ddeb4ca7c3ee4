"""The public list of gatherings, the language switcher and the load balancer's health check."""

from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from eventsite.cache import for_visitors
from eventsite.extensions import db
from eventsite.forms import FilterForm, LanguageForm
from eventsite.i18n import COOKIE_MAX_AGE, LANGUAGE_COOKIE
from eventsite.listing import by_local_day, places, upcoming_page
from eventsite.people import host_name
from eventsite.rsvps import attendance_by_event
from eventsite.views.auth import safe_next

bp = Blueprint("main", __name__)
bp.app_template_filter("host_name")(host_name)


def redirect_without_empty_args():
    """A GET form sends its empty fields too (?kind=workshop&place=&tag=): send the browser
    to the same address without them, the others in their order, so addresses people share
    stay short. None when there is nothing to drop (so it cannot loop)."""
    pairs = list(request.args.items(multi=True))
    kept = [(name, value) for name, value in pairs if value.strip()]
    if len(kept) == len(pairs):
        return None
    query = f"?{urlencode(kept)}" if kept else ""
    return redirect(url_for(request.endpoint, **request.view_args) + query, 302)


@bp.get("/")
@for_visitors
def index():
    """Upcoming gatherings, grouped by day, with combinable filters."""
    if shorter := redirect_without_empty_args():
        return shorter
    all_places = places()
    form = FilterForm(request.args, places=all_places)
    filters = form.to_filters()
    page = upcoming_page(
        filters,
        current_app.config["ZONE"],
        request.args.get("page", 1, type=int),
        current_app.config["EVENTS_PER_PAGE"],
    )
    return render_template(
        "main/index.html",
        form=form,
        page=page,
        days=by_local_day(page.items),
        attendance=attendance_by_event(page.items),
        feed_args=form.feed_args(),
        page_args={name: value for name, value in request.args.items() if name != "page"},
        filtered=any(request.args.get(name) for name in ("kind", "place", "tag", "date_from", "date_to", "series")),
    )


@bp.get("/healthz")
def healthz():
    """200 while the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "unavailable"}, 503
    return {"status": "ok"}


@bp.post("/language")
def choose_language():
    """The footer's switcher: remember the language (in their profile too when signed in)
    and go back to the page it was pressed on."""
    form = LanguageForm()
    back = safe_next(form.next.data) or url_for("main.index")
    if not form.validate_on_submit():
        return redirect(back, 303)
    if current_user.is_authenticated:
        current_user.language = form.language.data
        db.session.commit()
    response = redirect(back, 303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        form.language.data,
        max_age=COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
