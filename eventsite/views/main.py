"""The public list of gatherings, and the load balancer's health check."""

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from eventsite.extensions import db
from eventsite.forms import ONLINE, FilterForm
from eventsite.listing import EventFilters, by_local_day, places, upcoming_page
from eventsite.models import EventKind
from eventsite.rsvps import attendance_by_event
from eventsite.text import normalise_tag

bp = Blueprint("main", __name__)


def _filters(form: FilterForm) -> EventFilters:
    """The filters whose values are valid; each invalid one shows its message instead."""
    form.validate()
    value = {field.name: None if field.errors else field.data for field in form}
    place = value["place"] or ""
    return EventFilters(
        kind=EventKind(value["kind"]) if value["kind"] else None,
        place="" if place == ONLINE else place,
        online=place == ONLINE,
        tag=normalise_tag(value["tag"] or ""),
        date_from=value["date_from"],
        date_to=value["date_to"],
    )


@bp.get("/")
def index():
    """Upcoming gatherings, grouped by day, with combinable filters."""
    all_places = places()
    form = FilterForm(request.args, places=all_places)
    filters = _filters(form)
    page = upcoming_page(
        filters,
        ZoneInfo(current_app.config["TIMEZONE"]),
        request.args.get("page", 1, type=int),
        current_app.config["EVENTS_PER_PAGE"],
    )
    return render_template(
        "main/index.html",
        form=form,
        page=page,
        days=by_local_day(page.items),
        attendance=attendance_by_event(page.items),
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
