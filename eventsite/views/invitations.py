"""Answering from an emailed invitation: the link proves the address; only the button acts."""

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext
from flask_login import current_user

from eventsite.attendees import respond
from eventsite.errors import DomainError
from eventsite.extensions import db
from eventsite.forms import RsvpForm
from eventsite.invitations import ANSWERS, invited_person, token_ids
from eventsite.models import Event, Person, RsvpStatus
from eventsite.people import address_confirmed
from eventsite.rsvps import closed_reason, find_rsvp, locked_event
from eventsite.views.errors import link_invalid, rate_limit
from eventsite.views.events import event_url, remember

bp = Blueprint("invitations", __name__)


def _invitation(token: str, lock: bool = False) -> tuple[Event | None, Person | None]:
    """The gathering and the person a genuine invitation names (the gathering locked, to answer)."""
    ids = token_ids(token)
    person = invited_person(token) if ids else None
    if person is None:
        return None, None
    event = locked_event(ids[0]) if lock else db.session.get(Event, ids[0])
    if event is None or not event.is_public:
        return None, None
    return event, person


@bp.get("/invited/<token>")
def answer_page(token):
    """The invitation's page: the gathering, and the three answers as buttons."""
    event, person = _invitation(token)
    if event is None:
        return link_invalid(gettext("This invitation link is not valid."), 404)
    suggested = request.args.get("answer") if request.args.get("answer") in ANSWERS else "going"
    rsvp = find_rsvp(event, person)
    return render_template(
        "invitations/answer.html",
        event=event,
        person=person,
        token=token,
        form=RsvpForm(),
        suggested=suggested,
        current=rsvp.status.value if rsvp else None,
        closed=closed_reason(event),
    )


@bp.post("/invited/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def answer(token):
    """Press a button: the answer counts at once (the address is proven by the link)."""
    event, person = _invitation(token, lock=True)
    if event is None:
        abort(404)
    form = RsvpForm()
    if not form.validate_on_submit() or form.answer.data not in ANSWERS:
        flash(gettext("Choose going, maybe or can't go."), "error")
        return redirect(request.path)
    try:
        result = respond(event, person, RsvpStatus(form.answer.data), show_name=form.show_name.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(event_url(event))
    address_confirmed(person)
    db.session.commit()
    if not current_user.is_authenticated:
        remember(result.rsvp)
    flash(gettext("Thanks: your answer is saved. We've emailed you the details."), "success")
    return redirect(event_url(event) + "#rsvp")
