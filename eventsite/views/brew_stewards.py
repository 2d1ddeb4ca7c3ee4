"""Stewards' brew and biscuits page: counts of the pool and of rounds (never who is in it,
who was paired with whom, or what anyone said), starting a round, and the venues
suggested for in-person meetings in each locality."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from eventsite import brew_rounds, brew_venues
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.forms import VenueForm
from eventsite.listing import places
from eventsite.models import BrewRound, BrewVenue
from eventsite.views.events import INVALID, MAX_ID
from eventsite.views.stewards import steward_required

bp = Blueprint("brew_stewards", __name__, url_prefix="/stewards/brew")


@bp.get("")
@steward_required
def index():
    """How many are in the pool (by sector and place), the last rounds, and the venues."""
    return _page(VenueForm(places()))


@bp.post("/round")
@steward_required
def start_round():
    """Pair everyone ready now and email the introductions."""
    try:
        brew_round = brew_rounds.start_round(by=current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(round_summary(brew_round), "success")
    return redirect(url_for("brew_stewards.index"))


@bp.post("/venues")
@steward_required
def add_venue():
    """Suggest a venue for meetings in one locality."""
    form = VenueForm(places())
    if form.validate_on_submit():
        try:
            venue = brew_venues.add_venue(form.chosen_place(), form.name.data, form.address.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(gettext("Added %(venue)s (%(place)s).", venue=venue.name, place=venue.place.name), "success")
            return redirect(url_for("brew_stewards.index"))
    return _page(form), INVALID


@bp.post("/venues/<int:venue_id>/remove")
@steward_required
def remove_venue(venue_id):
    """Stop suggesting a venue (meetings already suggested there keep it)."""
    if venue_id > MAX_ID:
        abort(404)
    venue = db.get_or_404(BrewVenue, venue_id)
    name = venue.name
    brew_venues.remove_venue(venue)
    db.session.commit()
    flash(gettext("Removed %(name)s.", name=name), "success")
    return redirect(url_for("brew_stewards.index"))


def round_summary(brew_round: BrewRound) -> str:
    return gettext(
        "Round %(number)d: %(pairs)s, %(trios)s, %(left_out)s.",
        number=brew_round.id,
        pairs=ngettext("%(num)d pair", "%(num)d pairs", brew_round.pairs),
        trios=ngettext("%(num)d trio", "%(num)d trios", brew_round.trios),
        left_out=ngettext("%(num)d left out", "%(num)d left out", brew_round.left_out),
    )


def _page(form: VenueForm):
    return render_template(
        "stewards/brew.html",
        counts=brew_rounds.pool_counts(),
        venues=brew_venues.all_venues(),
        form=form,
    )
