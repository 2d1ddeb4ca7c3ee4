"""Invitations to host: the emailed page to accept or decline, and withdrawing one."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from eventsite import hosting
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.extensions import db
from eventsite.forms import InvitationForm
from eventsite.models import HostInvitation
from eventsite.views.auth import log_in
from eventsite.views.events import INVALID, MAX_ID, event_url, load_hosted_event

bp = Blueprint("hosting", __name__)
MAX_TOKEN = 100


def _gone(error: LinkInvalid):
    db.session.rollback()
    return render_template("hosting/invitation_invalid.html", message=str(error)), 410


def _invitation_or_gone(token: str):
    """The live invitation, or the page saying why the link no longer works (410)."""
    try:
        if len(token) > MAX_TOKEN:
            raise LinkInvalid(hosting.INVALID_INVITATION)
        return hosting.find_invitation(token), None
    except LinkInvalid as error:
        return None, _gone(error)


def _page(invitation: HostInvitation, form: InvitationForm, token: str):
    return render_template("hosting/invitation.html", invitation=invitation, event=invitation.event, form=form,
                           token=token)  # fmt: skip


@bp.get("/invitations/<token>")
def invitation(token):
    """What the invitation is, with buttons: opening the link changes nothing."""
    invitation, gone = _invitation_or_gone(token)
    return gone or _page(invitation, InvitationForm(), token)


@bp.post("/invitations/<token>/accept")
def accept(token):
    """Become a host (and be signed in: the emailed link proves the address)."""
    invitation, gone = _invitation_or_gone(token)
    if gone:
        return gone
    form = InvitationForm()
    if form.validate():
        try:
            person = hosting.accept_invitation(invitation, form.name.data)
        except LinkInvalid as error:
            return _gone(error)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            event = invitation.event
            log_in(person)
            db.session.commit()
            flash(gettext("You are now a host of “%(title)s”.", title=event.title), "success")
            return redirect(event_url(event))
    return _page(invitation, form, token), INVALID


@bp.post("/invitations/<token>/decline")
def decline(token):
    """Say no: the inviter is told, and nothing else changes."""
    invitation, gone = _invitation_or_gone(token)
    if gone:
        return gone
    try:
        hosting.decline_invitation(invitation)
    except LinkInvalid as error:
        return _gone(error)
    db.session.commit()
    flash(gettext("You have declined the invitation. The host who sent it has been told."), "success")
    return redirect(url_for("main.index"))


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw(event_id, invitation_id):
    """Withdraw an invitation nobody has answered yet: its link stops working."""
    event = load_hosted_event(event_id)
    invitation = db.session.get(HostInvitation, invitation_id) if invitation_id <= MAX_ID else None
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    email = invitation.person.email
    hosting.withdraw_invitation(invitation, current_user)
    db.session.commit()
    flash(gettext("The invitation to %(email)s is withdrawn.", email=email), "success")
    return redirect(url_for("events.hosts", event_id=event.id))
