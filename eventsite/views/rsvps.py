"""Answering (going, maybe, can't go), the emailed "change your answer" page, and
the hosts' view of who is coming: list, CSV, messages.

Every view that changes an RSVP locks the event row first (``locked_event``)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from eventsite import attendees
from eventsite.again import again_count
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.events import can_view
from eventsite.extensions import db
from eventsite.forms import ActionForm, MessageForm, RemoveAnswerForm, RsvpForm
from eventsite.host_mail import messaging_closed
from eventsite.hosting import remove_answer
from eventsite.models import Event, Rsvp, RsvpStatus
from eventsite.rsvps import (
    RsvpClosed,
    closed_reason,
    locked_event,
    pending_event_id,
    pending_for_token,
    rsvp_for_token,
    token_event_id,
    waitlist_position,
)
from eventsite.views.errors import link_invalid, rate_limit
from eventsite.views.events import (
    MAX_ID,
    await_confirmation,
    event_page,
    event_url,
    load_event,
    load_hosted_event,
    remember,
    visitor,
)

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
        return gettext(
            "It's full, so you're number %(position)d on the waitlist. We'll email you as soon as a place comes up.",
            position=waitlist_position(rsvp),
        )
    if rsvp.status is RsvpStatus.GOING:
        return gettext("You're going! We've emailed you the details and a calendar entry.")
    if rsvp.status is RsvpStatus.MAYBE:
        return gettext("Noted: maybe. We've emailed you a link to change your answer.")
    return gettext("Noted: you can't go. Thanks for letting the hosts know.")


@bp.post("/events/<int:event_id>/rsvp")
@rate_limit("RSVP_RATE_LIMIT")
def respond(event_id):
    """Going, maybe or can't go: at once when signed in or proven here, else confirmed by email."""
    form = RsvpForm()
    valid = form.validate()  # before the lock: it needs no database
    event = _lock_visible_event(event_id)
    back = event_url(event) + "#rsvp"  # before the commit, which expires the event
    if valid:
        answer = (RsvpStatus(form.answer.data), form.guests.data or 0, form.show_name.data)
        try:
            result = attendees.respond_from_form(event, visitor(event), form.email.data, form.name.data, *answer)
        except RsvpClosed as closed:
            db.session.rollback()
            flash(str(closed), "error")
            return redirect(event_url(event))
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if result is None:  # the same page whoever the address belongs to
                await_confirmation(event_id, form.email.data.strip())
                flash(gettext("Check your email: open the link we sent to %(email)s to confirm your answer.",
                              email=form.email.data.strip()), "info")  # fmt: skip
            else:
                if not current_user.is_authenticated:
                    remember(result.rsvp)
                flash(_answer_message(result.rsvp), "success")
            return redirect(back)
    return render_template("events/show.html", **event_page(event, rsvp_form=form)), INVALID


@bp.get("/events/<int:event_id>/rsvp")
def respond_page(event_id):
    """A reload after a failed answer, or a shared address: the answer is on the event's page."""
    event = load_event(event_id)
    return redirect(event_url(event) + "#rsvp")


@bp.get("/answers/<token>")
def confirm_page(token):
    """The emailed "confirm your answer" link: what it confirms, and a button (mail scanners fetch links)."""
    try:
        pending = pending_for_token(token)
    except LinkInvalid as error:
        return link_invalid(error)
    return render_template("rsvps/confirm.html", pending=pending, event=pending.event, form=ActionForm(), token=token)


@bp.post("/answers/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def confirm(token):
    """Use the link: the address is proven and the answer counts."""
    event = _lock_visible_event(pending_event_id(token) or abort(404))
    try:
        result = attendees.confirm_pending(event, token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    except RsvpClosed as closed:
        db.session.rollback()
        flash(str(closed), "error")
        return redirect(event_url(event))
    db.session.commit()
    if not current_user.is_authenticated:
        remember(result.rsvp)
    flash(_answer_message(result.rsvp), "success")
    return redirect(event_url(event) + "#rsvp")


@bp.get("/rsvps/<token>")
def manage(token):
    """The page behind the emailed link: buttons only; opening it changes nothing, here or in the browser."""
    rsvp = rsvp_for_token(token) or abort(404)
    form = RsvpForm(data={"answer": rsvp.status.value, "guests": rsvp.guests, "show_name": rsvp.show_name})
    return render_template("rsvps/manage.html", rsvp=rsvp, event=rsvp.event, form=form, token=token,
                           position=waitlist_position(rsvp), closed=closed_reason(rsvp.event))  # fmt: skip


@bp.post("/rsvps/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def change(token):
    """Change an answer from the emailed link (which proves the address to this browser)."""
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
            if not current_user.is_authenticated:
                remember(rsvp)
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
    return _attendees_page(event, MessageForm())


def _attendees_page(event: Event, form: MessageForm) -> str:
    rows = attendees.attendee_list(event)
    return render_template(
        "rsvps/attendees.html",
        event=event,
        rows=rows,
        form=form,
        closed=messaging_closed(event),
        asked_again=again_count(event),
    )


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
@rate_limit("EMAIL_RATE_LIMIT")
def message(event_id):
    """Email everyone going (or the waitlist, or maybe): one message each, addresses never shared."""
    event = load_hosted_event(event_id, lock=True)  # the hourly limit counts one mail-out at a time
    form = MessageForm()
    if form.validate():
        try:
            sent = attendees.message_people(
                event, form.audience.data, form.subject.data, form.body.data, current_user, form.reply_to_me.data
            )
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            message = ngettext(
                "Your message is on its way to %(num)d person.", "Your message is on its way to %(num)d people.", sent
            )
            flash(message, "success")
            return redirect(url_for("rsvps.attendee_list", event_id=event.id))
    return _attendees_page(event, form), INVALID


@bp.route("/events/<int:event_id>/attendees/<int:rsvp_id>/remove", methods=["GET", "POST"])
@login_required
def remove(event_id, rsvp_id):
    """Hosts remove an answer (spam, a duplicate): its place goes to the waitlist; the person is told."""
    event = load_hosted_event(event_id, lock=request.method == "POST")
    rsvp = db.session.get(Rsvp, rsvp_id) if rsvp_id <= MAX_ID else None
    if rsvp is None or rsvp.event_id != event.id:
        abort(404)
    form = RemoveAnswerForm()
    if form.validate_on_submit():
        remove_answer(event, rsvp, current_user, form.reason.data)
        db.session.commit()
        flash(gettext("The answer is removed, and the person has been told."), "success")
        return redirect(url_for("rsvps.attendee_list", event_id=event.id))
    page = render_template("rsvps/remove.html", event=event, rsvp=rsvp, form=form)
    return page, INVALID if form.errors else 200
