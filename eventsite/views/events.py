"""Event pages: propose, show, edit, hosts, cancel and report."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from eventsite import again, hosting
from eventsite import events as rules
from eventsite import series as series_rules
from eventsite.attendees import Visitor, public_names
from eventsite.cache import for_visitors
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.forms import CancelForm, CohostForm, EmailForm, EventForm, ProposeForm, ReportForm, RsvpForm
from eventsite.ical import event_calendar
from eventsite.listing import is_listed_now, places
from eventsite.mail import external_url
from eventsite.models import Event, EventStatus, Rsvp
from eventsite.moderation import report_event
from eventsite.rsvps import (
    attendance,
    closed_reason,
    find_rsvp,
    has_private_details,
    locked_event,
    manage_token,
    rsvp_for_token,
    sees_private_details,
    waitlist_position,
)
from eventsite.series_edits import edit_later_sessions
from eventsite.series_mail import tell_series_changed
from eventsite.series_pages import rule_in_words
from eventsite.sharing import json_ld
from eventsite.views.errors import rate_limit

bp = Blueprint("events", __name__)
MAX_ID = 2**31 - 1
REMEMBERED_ANSWERS = 12
INVALID = 422  # the status of a form sent back with messages


def load_event(event_id: int, lock: bool = False) -> Event:
    """The event, or 404 if it does not exist or is not visible to this person.
    ``lock``: for changes that touch RSVPs (capacity, cancelling), lock its row."""
    if event_id > MAX_ID:
        abort(404)
    event = locked_event(event_id) if lock else db.session.get(Event, event_id)
    if event is None or not rules.can_view(current_user, event):
        abort(404)
    return event


def load_hosted_event(event_id: int, lock: bool = False) -> Event:
    event = load_event(event_id, lock)
    if not rules.can_edit(current_user, event):
        abort(403)
    return event


def remember(rsvp: Rsvp) -> None:
    """This browser has proven the address behind ``rsvp``: let it change that answer
    without the email, and answer at once for the address elsewhere (not signed in)."""
    remembered = {key: value for key, value in session.get("rsvps", {}).items() if key != str(rsvp.event_id)}
    remembered[str(rsvp.event_id)] = manage_token(rsvp)
    # The newest few only: a cookie over 4 KB is dropped by browsers, sign-in with it.
    session["rsvps"] = dict(list(remembered.items())[-REMEMBERED_ANSWERS:])
    proven = [person_id for person_id in session.get("proven", []) if person_id != rsvp.person_id]
    session["proven"] = [*proven, rsvp.person_id][-REMEMBERED_ANSWERS:]
    awaiting = dict(session.get("awaiting", {}))
    if awaiting.pop(str(rsvp.event_id), None) is not None:
        session["awaiting"] = awaiting


def await_confirmation(event_id: int, email: str) -> None:
    """Remember (for this page only) which address was asked to confirm an answer."""
    awaiting = {key: value for key, value in session.get("awaiting", {}).items() if key != str(event_id)}
    awaiting[str(event_id)] = email
    session["awaiting"] = dict(list(awaiting.items())[-REMEMBERED_ANSWERS:])


def visitor(event: Event) -> Visitor:
    """Who is answering, as far as this browser shows."""
    if current_user.is_authenticated:
        return Visitor(signed_in=current_user._get_current_object())
    proven = session.get("proven", [])
    return Visitor(remembered=current_rsvp(event), proven=frozenset(p for p in proven if isinstance(p, int)))


def current_rsvp(event: Event) -> Rsvp | None:
    """This visitor's answer: their own if signed in, else the one this browser made."""
    if current_user.is_authenticated:
        return find_rsvp(event, current_user)
    token = session.get("rsvps", {}).get(str(event.id))
    rsvp = rsvp_for_token(token) if isinstance(token, str) else None
    return rsvp if rsvp is not None and rsvp.event_id == event.id else None


def event_page(event: Event, rsvp_form: RsvpForm | None = None) -> dict:
    """Everything the event page shows, in a fixed number of queries."""
    is_host = rules.can_edit(current_user, event)
    mine = current_rsvp(event)
    if rsvp_form is None:
        data = {"guests": mine.guests, "show_name": mine.show_name} if mine else {}
        rsvp_form = RsvpForm(data=data)
    return {
        "event": event,
        "json_ld": json_ld(event),
        "summary": event.summary,
        "description": Markup(event.description_html),  # noqa: S704 - sanitised when saved
        "attendance": attendance(event),
        "names": public_names(event),
        "can_edit": is_host,
        "my_rsvp": mine,
        "awaiting": None if mine or current_user.is_authenticated else session.get("awaiting", {}).get(str(event.id)),
        "position": waitlist_position(mine) if mine else None,
        "sees_private": sees_private_details(is_host, mine),
        "has_private": has_private_details(event),
        "closed": closed_reason(event),
        "series_rule": rule_in_words(event.series) if event.series else "",
        "standing": series_rules.standing_answer_of(event.series, current_user) if event.series else None,
        "rsvp_form": rsvp_form,
        "listed_from": None if is_listed_now(event) else event.public_from.astimezone(event.zone),
        **after_gathering(event, is_host),
    }


def after_gathering(event: Event, is_host: bool) -> dict:
    """A past gathering: how many went, and who asked for it to run again (one query each)."""
    if not again.has_ended(event):
        return {"has_ended": False}
    return {
        "has_ended": True,
        "went": again.went_count(event),
        "asked_again": again.again_count(event) if is_host else None,
        "i_asked_again": again.has_asked_again(event, current_user),
        "again_form": EmailForm(),
    }


def event_url(event: Event) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug)


@bp.route("/events/new", methods=["GET", "POST"])
@rate_limit("PROPOSE_RATE_LIMIT")
def new():
    """Propose a gathering; no account needed."""
    signed_in = current_user.is_authenticated
    form = ProposeForm(places=places(), proposer=current_user._get_current_object() if signed_in else None)
    return propose(form)


def propose(form: ProposeForm, after=None, **context):
    """The propose form: show it, a series' first dates, or save the gathering. ``after(event)``
    runs on the new gathering before the commit (making an idea happen) and returns words for
    the flash; ``context`` goes to the template (``form_action``: where the form posts)."""
    signed_in = current_user.is_authenticated
    if form.validate_on_submit():
        rule = form.repeat_rule()
        if rule and not form.has_seen_dates(rule):  # a series: show its first dates before making it
            return render_template("events/new.html", form=form, preview=form.preview(rule), **context)
        try:
            if signed_in:
                event = rules.propose_signed_in(form.details(places()), current_user, form.name.data)
            else:
                event = rules.propose_as_guest(form.details(places()), form.email.data, form.name.data)
            made = series_rules.sessions_of(series_rules.start_series(event, rule)) if rule else []
            extra = after(event) if after else ""
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if not signed_in:
                return redirect(url_for("events.check_email"))
            flash(_sentences(_status_message(event), _series_message(made)) + extra, "success")
            return redirect(event_url(event))
    return render_template("events/new.html", form=form, **context), INVALID if form.errors else 200


def _sentences(*sentences: str) -> str:
    """Whole sentences, one after another; the empty ones left out."""
    return " ".join(sentence for sentence in sentences if sentence)


def _series_message(sessions: list[Event]) -> str:
    if not sessions:
        return ""
    return ngettext(
        "It repeats: %(num)d session is planned so far, each its own gathering.",
        "It repeats: %(num)d sessions are planned so far, each its own gathering.",
        len(sessions),
    )


def _status_message(event: Event) -> str:
    if event.status is EventStatus.HELD:
        return gettext("Thank you! Your gathering will be live once a steward has looked at it.")
    return gettext("Your gathering is live.")


@bp.get("/events/new/check-email")
def check_email():
    """Where a proposer who is not signed in lands: look for our email."""
    return render_template("events/check_email.html")


@bp.get("/events/<int:event_id>")
@bp.get("/events/<int:event_id>-<slug>")
@for_visitors
def show(event_id, slug=None):
    """An event's page; the slug after the id is cosmetic and corrected if stale."""
    event = load_event(event_id)
    if slug != event.slug:
        return redirect(event_url(event), 301)
    return render_template("events/show.html", **event_page(event))


@bp.get("/events/<int:event_id>.ics")
def ics(event_id):
    """One event as an iCalendar file, to add to any calendar app."""
    event = load_event(event_id)
    body = event_calendar(event, url=external_url("events.show", event_id=event.id, slug=event.slug))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id):
    """Hosts change an event; changes to time, place or title raise its sequence."""
    event = load_hosted_event(event_id, lock=request.method == "POST")
    if event.is_cancelled:
        flash(gettext("A cancelled gathering cannot be edited."), "error")
        return redirect(event_url(event))
    form = EventForm(data=None if request.method == "POST" else EventForm.data_for(event), places=places())
    if form.validate_on_submit():
        rule = None if event.series_id else form.repeat_rule()
        if rule and not form.has_seen_dates(rule):
            return render_template("events/edit.html", form=form, event=event, preview=form.preview(rule))
        try:
            message = _save_edit(event, form, rule)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(event_url(event))
    return render_template("events/edit.html", form=form, event=event), INVALID if form.errors else 200


def _save_edit(event: Event, form: EventForm, rule) -> str:
    """One session, this and the later ones of its series, or a one-off that now repeats."""
    details = form.details(places())
    if event.series_id and form.apply_to.data == "later":
        told = edit_later_sessions(event, details, current_user)
        tell_series_changed(event.series, told)
        return gettext("Your changes are saved, on this session and all later ones.")
    rules.edit_event(event, details, current_user)
    if rule:
        made = series_rules.sessions_of(series_rules.start_series(event, rule))
        return _sentences(gettext("Your changes are saved."), _series_message(made))
    return gettext("Your changes are saved.")


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id):
    """Hosts cancel, with a short message; the event stays up, marked cancelled."""
    event = load_hosted_event(event_id, lock=request.method == "POST")
    form = CancelForm()
    if form.validate_on_submit():
        rules.cancel_event(event, current_user, form.message.data)
        db.session.commit()
        flash(gettext("The gathering is cancelled."), "success")
        return redirect(event_url(event))
    return render_template("events/cancel.html", form=form, event=event), INVALID if form.errors else 200


@bp.get("/events/<int:event_id>/hosts")
@login_required
def hosts(event_id):
    """Hosts: invite a co-host, hand the event over, step down, or withdraw an invitation."""
    event = load_hosted_event(event_id)
    return _hosts_page(event)


def _hosts_page(event: Event, **forms) -> str:
    defaults = {"cohost_form": CohostForm(prefix="cohost"), "handover_form": CohostForm(prefix="handover")}
    invitations = hosting.pending_invitations(event)
    return render_template("events/hosts.html", event=event, invitations=invitations, **{**defaults, **forms})


def _host_change(event_id, form_name: str, change) -> tuple:
    """Validate one of the host forms and apply ``change``: (an error page or None, its result)."""
    event = load_hosted_event(event_id)
    form = CohostForm(prefix=form_name.removesuffix("_form"))
    if form.validate_on_submit():
        try:
            result = change(event, current_user, form.email.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            return None, result
    return (_hosts_page(event, **{form_name: form}), INVALID), None


@bp.post("/events/<int:event_id>/hosts")
@login_required
@rate_limit("EMAIL_RATE_LIMIT")
def add_host(event_id):
    """Invite a co-host by email: they become a host with the same rights once they accept."""
    error_page, invitation = _host_change(event_id, "cohost_form", hosting.add_cohost)
    if error_page:
        return error_page
    message = gettext(
        "We have emailed %(email)s an invitation: they become a host once they accept.", email=invitation.person.email
    )
    flash(message, "success")
    return redirect(url_for("events.hosts", event_id=event_id))


@bp.post("/events/<int:event_id>/hand-over")
@login_required
@rate_limit("EMAIL_RATE_LIMIT")
def hand_over(event_id):
    """Hand the event to someone else: you step down once they accept (at once if they host it)."""
    error_page, invitation = _host_change(event_id, "handover_form", hosting.hand_over)
    if error_page:
        return error_page
    if invitation is None:
        flash(gettext("You have handed the gathering over and are no longer a host."), "success")
        return redirect(url_for("events.show", event_id=event_id))
    message = gettext(
        "We have emailed %(email)s an invitation to take over: you step down once they accept.",
        email=invitation.person.email,
    )
    flash(message, "success")
    return redirect(url_for("events.hosts", event_id=event_id))


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
    flash(gettext("You are no longer a host of this gathering."), "success")
    return redirect(event_url(event))


@bp.route("/events/<int:event_id>/report", methods=["GET", "POST"])
@rate_limit("PROPOSE_RATE_LIMIT")
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
            flash(gettext("Thank you. A steward will look at it."), "success")
            return redirect(event_url(event))
    return render_template("events/report.html", form=form, event=event), INVALID if form.errors else 200
