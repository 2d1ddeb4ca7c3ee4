"""After a gathering: "Did you make it?", "I'd come if it ran again" and running it again."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from eventsite import again
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.events import resolve_times
from eventsite.extensions import db
from eventsite.forms import ActionForm, EmailForm
from eventsite.forms.base import DATETIME_FORMATS, DATETIME_MESSAGE, BaseForm, LocalDateTimeField
from eventsite.i18n import lazy_gettext, number
from eventsite.times import timezone_choices, timezone_names
from eventsite.views.errors import link_invalid, rate_limit
from eventsite.views.events import event_url, load_event, load_hosted_event

bp = Blueprint("again", __name__)
INVALID = 422


class RunAgainForm(BaseForm):
    """The new date: everything else is copied from the gathering that happened."""

    starts_at = LocalDateTimeField(
        lazy_gettext("Starts"), format=DATETIME_FORMATS, validators=[InputRequired(DATETIME_MESSAGE)],
        description=lazy_gettext("Local time, in the time zone below."),
    )  # fmt: skip
    ends_at = LocalDateTimeField(
        lazy_gettext("Ends"), format=DATETIME_FORMATS, validators=[Optional()],
        description=lazy_gettext("Optional: two hours after the start if left empty."),
    )  # fmt: skip
    timezone = SelectField(lazy_gettext("Time zone"), validators=[InputRequired()])

    def __init__(self, *args, default_timezone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not self.timezone.data:
            self.timezone.data = default_timezone or current_app.config["TIMEZONE"]
        self.timezone.choices = timezone_choices(current_app.config["TIMEZONE"], self.timezone.data)

    def validate_timezone(self, field) -> None:
        if field.data not in timezone_names():
            raise ValidationError(gettext("Choose a time zone from the list."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or not self.starts_at.data:
            return valid
        try:
            resolve_times(self.starts_at.data, self.ends_at.data, self.timezone.data, utcnow())
        except InvalidInput as error:
            self.add_error(error)
            return False
        return True


def _past_public_event(event_id: int):
    """A gathering anyone may see (hidden ones 404, even for their hosts)."""
    event = load_event(event_id)
    if not event.is_public:
        abort(404)
    return event


# -- "I'd come if it ran again" ------------------------------------------------------------------


@bp.post("/events/<int:event_id>/again")
@rate_limit("EMAIL_RATE_LIMIT")
def ask(event_id):
    """ "I'd come if it ran again": counts at once when signed in, else after the emailed link."""
    event = _past_public_event(event_id)
    signed_in = current_user.is_authenticated
    form = ActionForm() if signed_in else EmailForm()
    if not form.validate_on_submit():
        flash(gettext("Give your email address, so we can send you the link that makes it count."), "error")
        return redirect(event_url(event) + "#again")
    try:
        if signed_in:
            again.ask_again(event, current_user._get_current_object())
        else:
            again.ask_again_as_guest(event, form.email.data)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(event_url(event))
    db.session.commit()
    if signed_in:
        flash(gettext("Thanks: the hosts will know you'd come if it ran again."), "success")
    else:  # the same words whoever the address belongs to
        email = form.email.data.strip().lower()
        flash(gettext("We've emailed %(email)s a link: it counts once you open it.", email=email), "success")
    return redirect(event_url(event) + "#again")


@bp.get("/again/<token>")
def confirm_page(token):
    """The emailed link: what it confirms, and a button (mail scanners fetch links)."""
    try:
        event, email = again.read_again_token(token)
    except LinkInvalid as error:
        return link_invalid(error)
    return render_template("again/confirm.html", event=event, email=email, form=ActionForm())


@bp.post("/again/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def confirm(token):
    """Use the link: the address is proven and "I'd come if it ran again" counts."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        event, _person = again.confirm_again(token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    except InvalidInput as error:
        db.session.rollback()
        return link_invalid(error)
    db.session.commit()
    flash(gettext("Thanks: the hosts will know you'd come if it ran again."), "success")
    return redirect(event_url(event) + "#again")


# -- run it again ---------------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/run-again", methods=["GET", "POST"])
@login_required
@rate_limit("EMAIL_RATE_LIMIT")
def run(event_id):
    """Hosts propose a new date; the people who went or asked are invited first."""
    old = load_hosted_event(event_id)
    if not old.is_public:
        abort(404)
    form = RunAgainForm(default_timezone=old.timezone)
    if not again.has_ended(old):
        flash(gettext("You can run it again once it has happened."), "error")
        return redirect(event_url(old))
    if form.validate_on_submit():
        try:
            new = again.run_again(old, form.starts_at.data, form.ends_at.data, form.timezone.data, current_user)
        except NotAllowed:
            abort(403)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(_run_message(new), "success")
            return redirect(event_url(new))
    page = render_template("again/run.html", event=old, form=form, asked=again.again_count(old))
    return page, INVALID if form.errors else 200


def _run_message(new) -> str:
    if new.status.value == "held":
        return gettext(
            "Thank you! The new date will be live once a steward has looked at it; then those waiting hear first."
        )
    hours = current_app.config["INVITE_FIRST_HOURS"]
    return ngettext(
        "It's on again. Those who went or asked have been invited; everyone else sees it in %(hours)s hour.",
        "It's on again. Those who went or asked have been invited; everyone else sees it in %(hours)s hours.",
        _plural_count(hours),
        hours=number(hours),
    )


def _plural_count(value: float) -> int:
    """The whole number that chooses a plural form for ``value``: a fraction takes the form of 2
    ("0.5 hours", "0,5 godziny")."""
    return int(value) if float(value).is_integer() else 2


# -- "Did you make it?" -------------------------------------------------------------------------


@bp.get("/went/<token>")
def went_page(token):
    """The emailed question's page: two buttons; opening it records nothing."""
    rsvp = again.rsvp_for_went_token(token) or abort(404)
    said = request.args.get("said") if request.args.get("said") in again.WENT_ANSWERS else "yes"
    return render_template("again/went.html", rsvp=rsvp, event=rsvp.event, token=token, said=said, form=ActionForm())


@bp.post("/went/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def went(token):
    """Record "I went" or "I couldn't in the end": the first answer counts."""
    rsvp = again.rsvp_for_went_token(token) or abort(404)
    form = ActionForm()
    said = request.form.get("said")
    if not form.validate_on_submit() or said not in again.WENT_ANSWERS:
        flash(gettext("Choose “I went” or “I couldn't in the end”."), "error")
        return redirect(request.path)
    try:
        recorded = again.record_went(rsvp, again.WENT_ANSWERS[said])
    except NotAllowed as error:
        flash(str(error), "error")
        return redirect(request.path)
    db.session.commit()
    if not recorded:
        message = gettext("Your answer was already recorded: nothing changed.")
    elif said == "yes":
        message = gettext("Thanks: that's recorded.")
    else:
        message = gettext("Thanks for letting us know.")
    flash(message, "success")
    return redirect(request.path)
