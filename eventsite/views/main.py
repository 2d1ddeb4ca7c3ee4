"""The public list of gatherings, and the load balancer's health check."""

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from eventsite.extensions import db
from eventsite.forms import FilterForm
from eventsite.listing import by_local_day, places, upcoming_page
from eventsite.people import host_name
from eventsite.rsvps import attendance_by_event

bp = Blueprint("main", __name__)
bp.app_template_filter("host_name")(host_name)


@bp.get("/")
def index():
    """Upcoming gatherings, grouped by day, with combinable filters."""
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
        filtered=any(request.args.get(name) for name in ("kind", "place", "tag", "date_from", "date_to")),
    )


@bp.get("/healthz")
def healthz():
    """200 while the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
