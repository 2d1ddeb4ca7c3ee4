"""Importing gatherings from a calendar: the address or file, the preview to choose from,
bringing the chosen ones in, and stopping a calendar's sync."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from eventsite import imports as rules
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.fetch import MAX_BYTES
from eventsite.forms import ActionForm
from eventsite.forms.imports import ChooseForm, ImportForm
from eventsite.listing import places
from eventsite.models import ImportSource
from eventsite.views.errors import rate_limit
from eventsite.views.events import INVALID

bp = Blueprint("imports", __name__)
MAX_ID = 2**31 - 1


@bp.route("/import", methods=["GET", "POST"])
@login_required
@rate_limit("IMPORT_RATE_LIMIT")
def new():
    """Where the calendar is: an address (fetched now) or a file."""
    request.max_content_length = MAX_BYTES + 64 * 1024  # the file and the form around it
    form = ImportForm()
    if form.validate_on_submit():
        try:
            pending = rules.start_import(current_user, url=form.url.data, upload=form.upload(),
                                         filename=form.file.data.filename if form.file.data else "",
                                         keep_in_sync=form.keep_in_sync.data)  # fmt: skip
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            return redirect(url_for("imports.choose", pending_id=pending.id), 303)
    return render_template("imports/new.html", form=form), INVALID if form.errors else 200


@bp.route("/import/<int:pending_id>", methods=["GET", "POST"])
@login_required
def choose(pending_id):
    """What the calendar holds against what came from it before; bring in the chosen ones."""
    if pending_id > MAX_ID:
        abort(404)
    try:
        pending = rules.pending_of(current_user, pending_id)
        seen = rules.preview(pending)
    except NotAllowed as expired:
        flash(str(expired), "error")
        return redirect(url_for("imports.new"))
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("imports.new"))
    source = rules.source_for(current_user, pending.url)
    choosable = [row.found.uid for row in seen.rows if row.can_choose]
    form = ChooseForm(uids=choosable, places=places(), data=_defaults(source, choosable))
    if form.validate_on_submit():
        outcome = rules.bring_in(pending, current_user, set(form.chosen.data), form.kind.data, form.place.data)
        db.session.commit()
        flash(_summary(outcome), "success" if not outcome.refused else "error")
        return redirect(url_for("me.index", _anchor="imports"), 303)
    return render_template("imports/choose.html", pending=pending, seen=seen, form=form,
                           source=source), INVALID if form.errors else 200  # fmt: skip


def _defaults(source: ImportSource | None, choosable: list[str]) -> dict | None:
    if request.method == "POST":
        return None
    if source is None:
        return {"chosen": choosable}
    return {"chosen": choosable, "kind": source.kind, "place": source.place}


def _summary(outcome: rules.Outcome) -> str:
    parts = []
    if outcome.made:
        parts.append(ngettext("%(num)d gathering brought in.", "%(num)d gatherings brought in.", len(outcome.made)))
    if outcome.updated:
        parts.append(ngettext("%(num)d updated.", "%(num)d updated.", len(outcome.updated)))
    if outcome.cancelled:
        parts.append(ngettext("%(num)d cancelled.", "%(num)d cancelled.", len(outcome.cancelled)))
    for title, why in outcome.refused:
        parts.append(gettext("“%(title)s” was not brought in: %(why)s", title=title, why=why))
    return " ".join(parts) or gettext("Nothing to bring in: the calendar is as it was.")


@bp.post("/imports/<int:source_id>/stop-syncing")
@login_required
def stop_syncing(source_id):
    if source_id > MAX_ID or not ActionForm().validate_on_submit():
        abort(400)
    source = db.session.get(ImportSource, source_id)
    if source is None:
        abort(404)
    try:
        rules.stop_syncing(source, current_user)
    except NotAllowed:
        abort(404)  # someone else's: as if it did not exist
    db.session.commit()
    flash(gettext("That calendar is no longer kept in sync; what it brought in stays."), "success")
    return redirect(url_for("me.index", _anchor="imports"), 303)
