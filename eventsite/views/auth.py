"""Signing in by emailed link (no passwords), and confirming proposals."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from eventsite.errors import LinkInvalid
from eventsite.events import use_email_link
from eventsite.extensions import db, login_manager
from eventsite.forms import ActionForm, EmailForm
from eventsite.models import LinkPurpose, Person
from eventsite.moderation import waits_for_steward
from eventsite.people import find_link, send_sign_in_link
from eventsite.sessions import end_all_sessions, end_session, find_session, session_id, split_session_id, start_session
from eventsite.text import has_control_chars
from eventsite.views.errors import link_invalid, rate_limit

bp = Blueprint("auth", __name__)
MAX_NEXT_URL = 200  # the length of EmailLink.next_url


@login_manager.user_loader
def load_person(stored_id: str) -> Person | None:
    """The person whose browser session (or remember cookie) is still live; None once it ended."""
    found = find_session(stored_id)
    if found is None or found.person.is_deleted:
        return None
    return _signed_in(found.person, stored_id)


def _signed_in(person: Person, stored_id: str) -> Person:
    # Flask-Login stores get_id() in both cookies: make it name this browser's session,
    # not only the person (Flask-Login's "alternative tokens").
    person.get_id = lambda: stored_id
    return person


def log_in(person: Person) -> None:
    """Sign this browser in (remembered) with a session of its own; the view commits."""
    key = start_session(person)
    login_user(_signed_in(person, session_id(person, key)), remember=True)


def log_out() -> None:
    """End this browser's session and forget everything it remembered (answers too)."""
    parts = split_session_id(current_user.get_id() or "") if current_user.is_authenticated else None
    if parts is not None:
        end_session(current_user, parts[1])
    session.clear()
    logout_user()  # after clear(): it asks for the remember cookie to be deleted


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or len(target) > MAX_NEXT_URL or has_control_chars(target):
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limit("EMAIL_RATE_LIMIT")
def sign_in():
    """Ask for an email address and send a one-time sign-in link to it."""
    form = EmailForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        send_sign_in_link(form.email.data, next_url=next_url)
        db.session.commit()
        flash(
            gettext("We have emailed a sign-in link to %(email)s. It works once, for a day.", email=form.email.data),
            "success",
        )
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


@bp.get("/links/<token>")
def redeem_link_page(token):
    """Show what the link does, with a button: mail scanners fetch links, only a POST acts."""
    try:
        link = find_link(token)
    except LinkInvalid as error:
        return link_invalid(error)
    held = link.purpose is LinkPurpose.CONFIRM_EVENT and waits_for_steward(link.person)
    return render_template("auth/link.html", link=link, form=ActionForm(), purpose=LinkPurpose, held=held)


@bp.post("/links/<token>")
def redeem_link(token):
    """Use the link: sign in, and confirm a proposal if that is what it was for."""
    try:
        link = use_email_link(token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    log_in(link.person)
    db.session.commit()
    if link.purpose is LinkPurpose.CONFIRM_EVENT and link.event is not None:
        flash(_confirmed_message(link.event), "success")
        return redirect(url_for("events.show", event_id=link.event.id, slug=link.event.slug))
    name = link.person.name
    flash(
        gettext("Welcome, %(name)s. You are signed in.", name=name) if name else gettext("Welcome. You are signed in."),
        "success",
    )
    return redirect(link.next_url or url_for("main.index"))


def _confirmed_message(event) -> str:
    if event.is_public:
        return gettext("Thank you for confirming. Your gathering is live.")
    return gettext("Thank you for confirming. Your gathering will be live once a steward has looked at it.")


@bp.post("/sign-out")
@login_required
def sign_out():
    """Sign out (a POST, so a link cannot sign anyone out)."""
    log_out()
    db.session.commit()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("main.index"))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of mine: each browser, phone and remembered sign-in, this one too."""
    end_all_sessions(current_user)
    log_out()
    db.session.commit()
    flash(gettext("You are signed out everywhere. Sign in again on each device you use."), "success")
    return redirect(url_for("main.index"))
