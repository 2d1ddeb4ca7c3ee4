"""Brew and biscuits: the page and sign-up, the emailed links (confirm; snooze, come back or
leave), and each meeting's page. A GET never changes anything: every link opens a page
with a button, and only the button's POST acts (CSRFProtect checks every POST's token)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from eventsite import brew as rules
from eventsite import brew_meetings as meetings
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.extensions import db
from eventsite.forms import ActionForm, BrewSignUpForm, SnoozeForm
from eventsite.i18n import when
from eventsite.ical import meeting_calendar
from eventsite.listing import places
from eventsite.models import BrewMember, MetAnswer
from eventsite.views.auth import log_in
from eventsite.views.errors import link_invalid, rate_limit
from eventsite.views.events import INVALID

bp = Blueprint("brew", __name__)
ACTIONS = "<any(snooze, 'come-back', leave):action>"


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


# -- the page and the sign-up ------------------------------------------------------------------


@bp.route("/brew", methods=["GET", "POST"])
@rate_limit("EMAIL_RATE_LIMIT")
def index():
    """What the scheme is, the matching rule, and the sign-up (or a change to it)."""
    member = rules.member_of(current_user)
    data = BrewSignUpForm.data_for(rules.SignUp.of(member)) if member and request.method == "GET" else None
    form = BrewSignUpForm(data=data, places=places(), member=_signed_in())
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated:
                _, is_new = rules.join(current_user, form.details(), form.name.data)
            else:
                rules.ask_to_join(form.details(), form.email.data, form.name.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if not current_user.is_authenticated:
                return redirect(url_for("brew.check_email"))
            flash(gettext("You're in the pool.") if is_new else gettext("Your sign-up is updated."), "success")
            return redirect(url_for("me.index") + "#brew")
    page = render_template("brew/index.html", form=form, member=member)
    return page, INVALID if form.errors else 200


@bp.get("/brew/check-email")
def check_email():
    """Where someone not signed in lands after signing up: look for our email."""
    return render_template("brew/check_email.html")


@bp.get("/brew/confirm/<token>")
def confirm_page(token):
    """The emailed "confirm your sign-up" link: what it confirms, and a button."""
    try:
        pending = rules.pending_for_token(token)
    except LinkInvalid as error:
        return link_invalid(error)
    return render_template("brew/confirm.html", pending=pending, form=ActionForm())


@bp.post("/brew/confirm/<token>")
@rate_limit("EMAIL_RATE_LIMIT")
def confirm(token):
    """Use the link: the address is proven, the sign-up applies, and this browser is signed in."""
    try:
        member, is_new = rules.confirm_sign_up(token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    except InvalidInput as error:  # a name or choice that no longer passes
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("brew.index"))
    log_in(member.person)
    db.session.commit()
    message = (
        gettext("Thank you for confirming. You're in the pool.") if is_new else gettext("Your sign-up is updated.")
    )
    flash(message, "success")
    return redirect(url_for("me.index") + "#brew")


# -- snooze, come back or leave: from the emailed link, or signed in -------------------------------


def _manage_page(member: BrewMember, action_url, form: SnoozeForm | None = None):
    return render_template(
        "brew/manage.html",
        member=member,
        resting=rules.is_resting(member),
        snooze_form=form or SnoozeForm(),
        action_form=ActionForm(),
        action_url=action_url,
    )


def _member_for(token: str) -> BrewMember:
    member = rules.member_for_manage_token(token)
    if member is None:
        abort(404)
    return member


@bp.get("/brew/you/<token>")
def manage(token):
    """The emailed "snooze, change or leave" link: the member's status and the buttons."""
    member = _member_for(token)
    return _manage_page(member, lambda action: url_for("brew.manage_act", token=token, action=action))


@bp.post(f"/brew/you/<token>/{ACTIONS}")
def manage_act(token, action):
    """Snooze, come back or leave, from the emailed link."""
    member = _member_for(token)
    back = url_for("brew.manage", token=token)
    return _act(member, action, back, lambda action: url_for("brew.manage_act", token=token, action=action))


@bp.post(f"/brew/me/{ACTIONS}")
@login_required
def me_act(action):
    """Snooze, come back or leave, signed in (from My gatherings)."""
    member = rules.member_of(current_user)
    if member is None:
        abort(404)
    return _act(member, action, url_for("me.index") + "#brew", lambda action: url_for("brew.me_act", action=action))


def _act(member: BrewMember, action: str, back: str, action_url):
    if action == "snooze":
        form = SnoozeForm()
        if not form.validate_on_submit():
            return _manage_page(member, action_url, form), INVALID
        try:
            rules.snooze(member, form.until.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
            return _manage_page(member, action_url, form), INVALID
        message = gettext("Snoozed: no brews until %(day)s.", day=when(form.until.data, "date"))
    elif action == "come-back":
        rules.come_back(member)
        message = gettext("Welcome back: you're in the pool for the next round.")
    else:
        rules.leave(member)
        db.session.commit()
        flash(
            gettext("You've left brew and biscuits, and your details are deleted. You're welcome back any time."),
            "success",
        )
        return redirect(url_for("brew.index"))
    db.session.commit()
    flash(message, "success")
    return redirect(back)


# -- a meeting ------------------------------------------------------------------------------------


def _meeting(token: str, lock: bool = False):
    found = meetings.meeting_for_token(token, lock=lock)
    if found is None:
        abort(404)
    return found


@bp.get("/brew/meet/<token>")
def meeting(token):
    """Who you're meeting, the three times (one button each), and, later, "Did you meet?"."""
    group, row = _meeting(token)
    times = meetings.meeting_times(group)
    return render_template(
        "brew/meeting.html",
        group=group,
        row=row,
        token=token,
        others=meetings.others_in(group, row),
        slots=list(enumerate(meetings.local_slots(group))),
        passed=[start <= utcnow() for start in group.slot_starts],
        agreed_start=times[0].astimezone(group.zone) if times else None,
        follow_up=meetings.follow_up_open(group),
        answers=list(MetAnswer),
        and_list=meetings.and_list,
        form=ActionForm(),
    )


@bp.post("/brew/meet/<token>/slots/<int:index>")
@rate_limit("RSVP_RATE_LIMIT")
def accept(token, index):
    """ "This works for me" (or "No longer works") for one of the three times."""
    group, row = _meeting(token, lock=True)
    try:
        agreed = meetings.accept_slot(group, row, index, accepted=request.form.get("accepted") != "0")
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("brew.meeting", token=token) + "#slots")
    db.session.commit()
    flash(
        gettext("It's agreed: it's in your calendar feed now.") if agreed else gettext("Noted, thank you."), "success"
    )
    return redirect(url_for("brew.meeting", token=token) + ("#agreed" if agreed else "#slots"))


@bp.post("/brew/meet/<token>/met")
@rate_limit("RSVP_RATE_LIMIT")
def met(token):
    """The one follow-up question: did you meet?"""
    group, row = _meeting(token)
    answer = {answer.value: answer for answer in MetAnswer}.get(request.form.get("met", ""))
    if answer is None:
        flash(gettext("Choose “Yes”, “Not yet” or “We couldn't”."), "error")
        return redirect(url_for("brew.meeting", token=token) + "#met")
    try:
        meetings.answer_follow_up(group, row, answer)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("brew.meeting", token=token) + "#met")
    db.session.commit()
    flash(gettext("Thank you for letting us know."), "success")
    return redirect(url_for("brew.meeting", token=token) + "#met")


@bp.get("/brew/meet/<token>.ics")
def meeting_ics(token):
    """The agreed meeting, to add to a calendar by hand (there is none to download before)."""
    group, row = _meeting(token)
    if group.agreed_slot is None:
        abort(404)
    body = meeting_calendar(meetings.as_calendar_meeting(group, row.person_id))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="brew-{group.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
