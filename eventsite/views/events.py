"""Event pages: propose, show, edit, hosts, cancel and report."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eventsite import events as rules
from eventsite.errors import InvalidInput
from eventsite.extensions import db, limiter
from eventsite.forms import CancelForm, CohostForm, EventForm, ProposeForm, ReportForm
from eventsite.listing import going_counts, places
from eventsite.models import Event, EventStatus
from eventsite.moderation import report_event
from eventsite.text import render_markdown

bp = Blueprint("events", __name__)
MAX_ID = 2**31 - 1
INVALID = 422  # the status of a form sent back with messages


def load_event(event_id: int) -> Event:
    """The event, or 404 if it does not exist or is not visible to this person."""
    event = db.session.get(Event, event_id) if event_id <= MAX_ID else None
    if event is None or not rules.can_view(current_user, event):
        abort(404)
    return event


def load_hosted_event(event_id: int) -> Event:
    event = load_event(event_id)
    if not rules.can_edit(current_user, event):
        abort(403)
    return event


def event_url(event: Event) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug)


def _limit(setting: str):
    """A rate limit on POSTs, read from the config when the request comes."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


@bp.route("/events/new", methods=["GET", "POST"])
@_limit("PROPOSE_RATE_LIMIT")
def new():
    """Propose a gathering; no account needed."""
    form = ProposeForm(places=places())
    if form.validate_on_submit():
        signed_in = current_user.is_authenticated
        try:
            if signed_in:
                event = rules.propose_event(form.details(places()), current_user, email_confirmed=True)
            else:
                event = rules.propose_as_guest(form.details(places()), form.email.data, form.name.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if not signed_in:
                return redirect(url_for("events.check_email"))
            flash(_status_message(event), "success")
            return redirect(event_url(event))
    return render_template("events/new.html", form=form), INVALID if form.errors else 200


def _status_message(event: Event) -> str:
    if event.status is EventStatus.HELD:
        return "Thank you! Your gathering will be live once a steward has looked at it."
    return "Your gathering is live."


@bp.get("/events/new/check-email")
def check_email():
    """Where a proposer who is not signed in lands: look for our email."""
    return render_template("events/check_email.html")


@bp.get("/events/<int:event_id>")
@bp.get("/events/<int:event_id>-<slug>")
def show(event_id, slug=None):
    """An event's page; the slug after the id is cosmetic and corrected if stale."""
    event = load_event(event_id)
    if slug != event.slug:
        return redirect(event_url(event), 301)
    return render_template(
        "events/show.html",
        event=event,
        description=render_markdown(event.description),
        going=going_counts([event]).get(event.id, 0),
        can_edit=rules.can_edit(current_user, event),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id):
    """Hosts change an event; changes to time, place or title raise its sequence."""
    event = load_hosted_event(event_id)
    if event.is_cancelled:
        flash("A cancelled gathering cannot be edited.", "error")
        return redirect(event_url(event))
    form = EventForm(data=None if request.method == "POST" else EventForm.data_for(event), places=places())
    if form.validate_on_submit():
        try:
            rules.edit_event(event, form.details(places()), current_user)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash("Your changes are saved.", "success")
            return redirect(event_url(event))
    return render_template("events/edit.html", form=form, event=event), INVALID if form.errors else 200


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id):
    """Hosts cancel, with a short message; the event stays up, marked cancelled."""
    event = load_hosted_event(event_id)
    form = CancelForm()
    if form.validate_on_submit():
        rules.cancel_event(event, current_user, form.message.data)
        db.session.commit()
        flash("The gathering is cancelled.", "success")
        return redirect(event_url(event))
    return render_template("events/cancel.html", form=form, event=event), INVALID if form.errors else 200


@bp.get("/events/<int:event_id>/hosts")
@login_required
def hosts(event_id):
    """Hosts: add a co-host, hand the event over, or step down."""
    event = load_hosted_event(event_id)
    return render_template("events/hosts.html", event=event, **_host_forms())


def _host_forms(**forms) -> dict:
    defaults = {"cohost_form": CohostForm(prefix="cohost"), "handover_form": CohostForm(prefix="handover")}
    return {**defaults, **forms}


def _host_change(event_id, form_name: str, change) -> tuple:
    """Validate one of the host forms and apply ``change``; re-render on any error."""
    event = load_hosted_event(event_id)
    form = CohostForm(prefix=form_name.removesuffix("_form"))
    if form.validate_on_submit():
        try:
            person = change(event, current_user, form.email.data, form.name.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            return person, None
    page = render_template("events/hosts.html", event=event, **_host_forms(**{form_name: form}))
    return None, (page, INVALID)


@bp.post("/events/<int:event_id>/hosts")
@login_required
@_limit("EMAIL_RATE_LIMIT")
def add_host(event_id):
    """Add a co-host by email: they get the same rights and a sign-in link."""
    person, error_page = _host_change(event_id, "cohost_form", rules.add_cohost)
    if error_page:
        return error_page
    flash(f"{person.email} is now a host and has been emailed.", "success")
    return redirect(url_for("events.hosts", event_id=event_id))


@bp.post("/events/<int:event_id>/hand-over")
@login_required
def hand_over(event_id):
    """Hand the event to someone else and step down."""
    person, error_page = _host_change(event_id, "handover_form", rules.hand_over)
    if error_page:
        return error_page
    flash(f"You have handed the gathering over to {person.email}.", "success")
    return redirect(url_for("events.show", event_id=event_id))


@bp.post("/events/<int:event_id>/step-down")
@login_required
def step_down(event_id):
    """Stop being a host (another host stays)."""
    event = load_hosted_event(event_id)
    try:
        rules.step_down(event, current_user)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("events.hosts", event_id=event_id))
    db.session.commit()
    flash("You are no longer a host of this gathering.", "success")
    return redirect(event_url(event))


@bp.route("/events/<int:event_id>/report", methods=["GET", "POST"])
@_limit("PROPOSE_RATE_LIMIT")
def report(event_id):
    """Anyone can report a gathering to the stewards."""
    event = load_event(event_id)
    form = ReportForm()
    if form.validate_on_submit():
        reporter = current_user if current_user.is_authenticated else None
        try:
            report_event(event, reporter, form.reason.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash("Thank you. A steward will look at it.", "success")
            return redirect(event_url(event))
    return render_template("events/report.html", form=form, event=event), INVALID if form.errors else 200
