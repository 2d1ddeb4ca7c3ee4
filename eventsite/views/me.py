"""My gatherings: my answers and the events I host, my data, and deleting my account."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from eventsite.accounts import delete_account, export_data, hosting, my_rsvps
from eventsite.brew import is_resting, member_of
from eventsite.brew_meetings import meeting_url, meetings_of
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.forms import DeleteAccountForm, RsvpForm, SnoozeForm
from eventsite.imports import sources_of
from eventsite.rsvps import closed_reason, waitlist_position
from eventsite.series import standing_answers_of
from eventsite.views.auth import log_out

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("/")
@login_required
def index():
    """What I'm going to, maybe, waiting for, and hosting; change any answer still open here."""
    answers = my_rsvps(current_user)
    brew = member_of(current_user)
    return render_template(
        "me/index.html",
        answers=answers,
        positions={rsvp.id: waitlist_position(rsvp) for rsvp in answers},
        closed={rsvp.id: closed_reason(rsvp.event) for rsvp in answers},
        hosting=hosting(current_user),
        standing=standing_answers_of(current_user),
        form=RsvpForm(),
        feed_token=feed_token(current_user),
        brew=brew,
        brew_resting=brew is not None and is_resting(brew),
        brew_meetings=[(row.group, meeting_url(row.group, row)) for row in meetings_of(current_user)],
        snooze_form=SnoozeForm(),
        brew_action_url=lambda action: url_for("brew.me_act", action=action),
        imports=sources_of(current_user),
    )


@bp.get("/data.json")
@login_required
def data():
    """Everything we hold about me, as a JSON download."""
    body = json.dumps(export_data(current_user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-eventsite-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    """Delete my account and my answers (after a confirmation)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account(current_user)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            log_out()
            db.session.commit()
            flash(gettext("Your account and your answers are deleted."), "success")
            return redirect(url_for("main.index"))
    return render_template("me/delete.html", form=form), 422 if form.errors else 200
