"""Stewards keep the site safe: the queue of held and reported gatherings, and places."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from eventsite import moderation
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.forms import ActionForm, PlaceForm
from eventsite.i18n import lazy_gettext
from eventsite.listing import places
from eventsite.rsvps import locked_event
from eventsite.views.events import MAX_ID

bp = Blueprint("stewards", __name__, url_prefix="/stewards")
ACTIONS = {
    "approve": (moderation.approve, lazy_gettext("Approved: the gathering is live.")),
    "hide": (moderation.hide, lazy_gettext("Hidden: only its hosts and stewards can see it now.")),
    "restore": (moderation.restore, lazy_gettext("Restored: the gathering is live again.")),
}


def steward_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_steward:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@steward_required
def queue():
    """Held and reported gatherings waiting for a steward."""
    return render_template("stewards/queue.html", form=ActionForm(), **moderation.steward_queue())


@bp.post("/events/<int:event_id>/<any(approve, hide, restore):action>")
@steward_required
def act(event_id, action):
    """Approve, hide or restore one gathering."""
    event = locked_event(event_id) if event_id <= MAX_ID else None  # restoring may fill places
    if event is None:
        abort(404)
    change, message = ACTIONS[action]
    try:
        change(event, current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(str(message), "success")
    return redirect(url_for("stewards.queue"))


@bp.route("/places", methods=["GET", "POST"])
@steward_required
def manage_places():
    """The list of localities people choose from when they propose."""
    form = PlaceForm()
    if form.validate_on_submit():
        try:
            place = moderation.add_place(current_user, form.name.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(gettext("Added %(name)s.", name=place.name), "success")
            return redirect(url_for("stewards.manage_places"))
    return render_template("stewards/places.html", form=form, places=places()), 422 if form.errors else 200
