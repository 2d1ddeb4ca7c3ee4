"""Answering (going, maybe, can't go), the emailed "change your answer" page, and
the hosts' view of who is coming: list, CSV, messages.

Every view that changes an RSVP locks the event row first (``locked_event``)."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eventsite import attendees
from eventsite.errors import InvalidInput
from eventsite.events import can_view
from eventsite.extensions import db, limiter
from eventsite.forms import MessageForm, RsvpForm
from eventsite.models import Event, RsvpStatus
from eventsite.rsvps import (
    RsvpClosed,
    closed_reason,
    locked_event,
    rsvp_for_token,
    token_event_id,
    waitlist_position,
)
from eventsite.views.events import MAX_ID, current_rsvp, event_page, event_url, load_hosted_event, remember

bp = Blueprint("rsvps", __name__)
INVALID = 422


def _lock_visible_event(event_id: int) -> Event:
    """Lock the event row (the transaction's first statement), then check who may see it."""
    event = locked_event(event_id) if event_id <= MAX_ID else None
    if event is None or not can_view(current_user, event):
        abort(404)
    return event


def _answer_message(rsvp) -> str:
    if rsvp.status is RsvpStatus.WAITLISTED:
        place = attendees.ordinal(waitlist_position(rsvp))
        return f"It's full, so you're {place} on the waitlist. We'll email you as soon as a place comes up."
    return {
        RsvpStatus.GOING: "You're going! We've emailed you the details and a calendar entry.",
        RsvpStatus.MAYBE: "Noted: maybe. We've emailed you a link to change your answer.",
        RsvpStatus.NOT_GOING: "Noted: you can't go. Thanks for letting the hosts know.",
    }[rsvp.status]


def _respond(event: Event, form: RsvpForm):
    answer = (RsvpStatus(form.answer.data), form.guests.data or 0, form.show_name.data)
    if current_user.is_authenticated:
        return attendees.respond(event, current_user, *answer)
    remembered = current_rsvp(event)  # this browser answered before: change that answer
    if remembered is not None:
        return attendees.respond(event, remembered.person, *answer)
    return attendees.respond_as_guest(event, form.email.data, form.name.data, *answer)


@bp.post("/events/<int:event_id>/rsvp")
@limiter.limit(lambda: current_app.config["RSVP_RATE_LIMIT"])
def respond(event_id):
    """Going, maybe or can't go: recorded at once, confirmed by email."""
    event = _lock_visible_event(event_id)
    form = RsvpForm()
    if form.validate():
        try:
            result = _respond(event, form)
        except RsvpClosed as closed:
            db.session.rollback()
            flash(str(closed), "error")
            return redirect(event_url(event))
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if result is None:
                flash("That address has already answered: we've emailed it a link to change the answer.", "info")
            else:
                if not current_user.is_authenticated:
                    remember(result.rsvp)
                flash(_answer_message(result.rsvp), "success")
            return redirect(event_url(event) + "#rsvp")
    return render_template("events/show.html", **event_page(event, rsvp_form=form)), INVALID


@bp.get("/rsvps/<token>")
def manage(token):
    """The page behind the emailed link: buttons only; opening it changes nothing."""
    rsvp = rsvp_for_token(token) or abort(404)
    remember(rsvp)
    form = RsvpForm(data={"answer": rsvp.status.value, "guests": rsvp.guests, "show_name": rsvp.show_name})
    return render_template("rsvps/manage.html", rsvp=rsvp, event=rsvp.event, form=form, token=token,
                           position=waitlist_position(rsvp), closed=closed_reason(rsvp.event))  # fmt: skip


@bp.post("/rsvps/<token>")
@limiter.limit(lambda: current_app.config["RSVP_RATE_LIMIT"])
def change(token):
    """Change an answer from the emailed link."""
    event_id = token_event_id(token) or abort(404)
    event = locked_event(event_id) or abort(404)  # the lock comes first
    rsvp = rsvp_for_token(token) or abort(404)
    form = RsvpForm()
    if form.validate():
        try:
            attendees.respond(event, rsvp.person, RsvpStatus(form.answer.data), form.guests.data or 0,
                              form.show_name.data)  # fmt: skip
        except RsvpClosed as closed:
            db.session.rollback()
            flash(str(closed), "error")
            return redirect(url_for("rsvps.manage", token=token))
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(_answer_message(rsvp), "success")
            return redirect(url_for("rsvps.manage", token=token))
    return render_template("rsvps/manage.html", rsvp=rsvp, event=event, form=form, token=token,
                           position=waitlist_position(rsvp), closed=closed_reason(event)), INVALID  # fmt: skip


# -- for hosts ------------------------------------------------------------------------------------


@bp.get("/events/<int:event_id>/attendees")
@login_required
def attendee_list(event_id):
    """Who is coming: everyone's answer, for the hosts."""
    event = load_hosted_event(event_id)
    return render_template("rsvps/attendees.html", event=event, rows=attendees.attendee_list(event), form=MessageForm())


@bp.get("/events/<int:event_id>/attendees.csv")
@login_required
def attendee_csv(event_id):
    """The same list as a spreadsheet."""
    event = load_hosted_event(event_id)
    response = Response(attendees.attendees_csv(event), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}-attendees.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/events/<int:event_id>/message")
@login_required
@limiter.limit(lambda: current_app.config["EMAIL_RATE_LIMIT"])
def message(event_id):
    """Email everyone going (or the waitlist, or maybe): one message each, addresses never shared."""
    event = load_hosted_event(event_id)
    form = MessageForm()
    if not form.validate():
        page = render_template("rsvps/attendees.html", event=event, rows=attendees.attendee_list(event), form=form)
        return page, INVALID
    sent = attendees.message_people(event, form.audience.data, form.subject.data, form.body.data, current_user)
    db.session.commit()
    flash(f"Your message is on its way to {sent} {'person' if sent == 1 else 'people'}.", "success")
    return redirect(url_for("rsvps.attendee_list", event_id=event.id))
