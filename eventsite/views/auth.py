"""Signing in by emailed link (no passwords), and confirming proposals."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from eventsite.errors import LinkInvalid
from eventsite.events import use_email_link
from eventsite.extensions import db, limiter, login_manager
from eventsite.forms import ActionForm, EmailForm
from eventsite.models import LinkPurpose, Person
from eventsite.people import find_link, send_sign_in_link
from eventsite.text import has_control_chars

bp = Blueprint("auth", __name__)
MAX_NEXT_URL = 200  # the length of EmailLink.next_url


@login_manager.user_loader
def load_person(person_id: str) -> Person | None:
    person = db.session.get(Person, int(person_id)) if person_id.isdigit() and len(person_id) < 10 else None
    return None if person is None or person.is_deleted else person


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or len(target) > MAX_NEXT_URL or has_control_chars(target):
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EMAIL_RATE_LIMIT"], methods=["POST"])
def sign_in():
    """Ask for an email address and send a one-time sign-in link to it."""
    form = EmailForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        send_sign_in_link(form.email.data, next_url=next_url)
        db.session.commit()
        flash(f"We have emailed a sign-in link to {form.email.data}. It works once, for a day.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


@bp.get("/links/<token>")
def redeem_link_page(token):
    """Show what the link does, with a button: mail scanners fetch links, only a POST acts."""
    try:
        link = find_link(token)
    except LinkInvalid as error:
        return render_template("auth/link_invalid.html", message=str(error), form=EmailForm()), 410
    return render_template("auth/link.html", link=link, form=ActionForm(), purpose=LinkPurpose)


@bp.post("/links/<token>")
def redeem_link(token):
    """Use the link: sign in, and confirm a proposal if that is what it was for."""
    try:
        link = use_email_link(token)
    except LinkInvalid as error:
        db.session.rollback()
        return render_template("auth/link_invalid.html", message=str(error), form=EmailForm()), 410
    db.session.commit()
    login_user(link.person, remember=True)
    if link.purpose is LinkPurpose.CONFIRM_EVENT and link.event is not None:
        flash(_confirmed_message(link.event), "success")
        return redirect(url_for("events.show", event_id=link.event.id, slug=link.event.slug))
    flash(f"Welcome, {link.person.display_name}. You are signed in.", "success")
    return redirect(link.next_url or url_for("main.index"))


def _confirmed_message(event) -> str:
    if event.is_public:
        return "Thank you for confirming. Your gathering is live."
    return "Thank you for confirming. Your gathering will be live once a steward has looked at it."


@bp.post("/sign-out")
@login_required
def sign_out():
    """Sign out (a POST, so a link cannot sign anyone out)."""
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("main.index"))
