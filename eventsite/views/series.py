"""Series pages: the sessions, "every session", the series' feed, and "still happening"."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from eventsite import series as rules
from eventsite.attendees import tell_promoted
from eventsite.cache import for_visitors
from eventsite.errors import DomainError, NotAllowed
from eventsite.extensions import db
from eventsite.feeds import feed_language, feed_language_args, subscribe_links
from eventsite.forms import ActionForm, EndSeriesForm, EverySessionForm
from eventsite.i18n import speaking
from eventsite.mail import external_url
from eventsite.models import RsvpStatus, Series
from eventsite.series_mail import tell_every_session, tell_series_ended, tell_stopped_coming
from eventsite.series_pages import series_feed, series_page
from eventsite.views.errors import rate_limit
from eventsite.views.feeds import calendar_response

bp = Blueprint("series", __name__)
MAX_ID = 2**31 - 1


def load_series(series_id: int) -> Series:
    """The series, or 404 if it does not exist or none of its sessions is public."""
    series = db.session.get(Series, series_id) if series_id <= MAX_ID else None
    if series is None or not rules.can_view(current_user, series):
        abort(404)
    return series


def series_url(series: Series) -> str:
    return url_for("series.show", series_id=series.id, slug=series.slug)


@bp.get("/series/<int:series_id>")
@bp.get("/series/<int:series_id>-<slug>")
@for_visitors
def show(series_id, slug=None):
    """The series: its rule, coming and past sessions with their counts, and "every session"."""
    series = load_series(series_id)
    feed = external_url("series.feed", series_id=series.id, **feed_language_args())
    return render_template(
        "series/show.html",
        **series_page(series, current_user),
        every_session=EverySessionForm(),
        end_form=EndSeriesForm(),
        action=ActionForm(),
        links=subscribe_links(feed),
    )


@bp.get("/series/<int:series_id>.ics")
def feed(series_id):
    """Every public session of the series, each its own VEVENT (cancelled ones too), in the
    language of ``?lang=`` (a shared feed: never Accept-Language)."""
    series = load_series(series_id)
    language = feed_language(request.args.get("lang"))
    with speaking(language):
        feed = series_feed(series)
    return calendar_response(feed, f"series-{series.id}.ics", private=False, language=language)


@bp.post("/series/<int:series_id>/every-session")
@login_required
@rate_limit("EMAIL_RATE_LIMIT")
def every_session(series_id):
    """Answer going (or maybe) for every coming session and those added later."""
    series = load_series(series_id)
    form = EverySessionForm()
    if not form.validate_on_submit():
        flash(gettext("Choose going or maybe for every session."), "error")
        return redirect(series_url(series))
    status = RsvpStatus(form.answer.data)
    person = current_user._get_current_object()
    results = rules.answer_every_session(series, person, status)
    for result in results:
        tell_promoted(result.promoted)
    tell_every_session(series, person, status, results)
    db.session.commit()
    message = gettext(
        "You're down for every session. We've emailed %(email)s where you stand in each.", email=person.email
    )
    flash(message, "success")
    return redirect(series_url(series))


@bp.post("/series/<int:series_id>/stop-coming")
@login_required
@rate_limit("EMAIL_RATE_LIMIT")
def stop_coming(series_id):
    """End the standing answer: can't go to any coming session."""
    series = load_series(series_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = current_user._get_current_object()
    results = rules.stop_coming(series, person)
    for result in results:
        tell_promoted(result.promoted)
    tell_stopped_coming(series, person, results)
    db.session.commit()
    flash(gettext("You've stopped coming to this series. Your places went to the waitlists."), "success")
    return redirect(series_url(series))


@bp.post("/series/<int:series_id>/renew")
@login_required
def renew(series_id):
    """A host says the series is still happening (or restarts a paused one)."""
    series = load_series(series_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        made = rules.renew(series, current_user)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(series_url(series))
    db.session.commit()
    if made:
        message = ngettext(
            "Thanks: the series goes on. %(num)d new session added.",
            "Thanks: the series goes on. %(num)d new sessions added.",
            len(made),
        )
    else:
        message = gettext("Thanks: the series goes on.")
    flash(message, "success")
    return redirect(series_url(series))


@bp.post("/series/<int:series_id>/end")
@login_required
def end(series_id):
    """A host ends the series: its coming sessions are cancelled, everyone told once."""
    series = load_series(series_id)
    form = EndSeriesForm()
    if not form.validate_on_submit():
        flash(gettext("Keep the message under 500 characters."), "error")
        return redirect(series_url(series))
    try:
        told = rules.end_series(series, current_user, form.message.data)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(series_url(series))
    tell_series_ended(series, told, form.message.data)
    db.session.commit()
    message = ngettext(
        "The series has ended. We've emailed the %(num)d person who had answered its sessions.",
        "The series has ended. We've emailed the %(num)d people who had answered its sessions.",
        len(told),
    )
    flash(message, "success")
    return redirect(series_url(series))
