"""An idea's date poll (offer, remove and mark dates) and "Make it happen". The poll is shown
on the idea's page through the template globals ``idea_poll`` and ``idea_events``."""

from flask import Blueprint, Flask, abort, flash, g, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from eventsite import idea_poll as rules
from eventsite.errors import InvalidInput
from eventsite.extensions import db
from eventsite.forms import ActionForm, PollMarkForm, PollOptionForm, ProposeForm
from eventsite.listing import places
from eventsite.models import Idea, PollOption
from eventsite.views import ideas as idea_views
from eventsite.views.errors import rate_limit
from eventsite.views.events import MAX_ID, propose

bp = Blueprint("idea_poll", __name__)
INVALID = 422


def init_app(app: Flask) -> None:
    app.add_template_global(idea_poll)
    app.add_template_global(idea_events)


def idea_poll(idea: Idea) -> dict:
    """What the poll on the idea's page shows, for this visitor (a fixed number of queries)."""
    summary = rules.poll_summary(idea, current_user)
    options = [count.option for count in summary.options]
    return {
        "summary": summary,
        "can_offer": rules.can_offer_dates(current_user, idea),
        "can_make_it_happen": rules.can_make_it_happen(current_user, idea),
        "option_form": g.get("poll_option_form") or PollOptionForm(),
        "mark_form": g.get("poll_mark_form") or PollMarkForm.for_options(options, summary.mine),
        "is_open": idea.status is rules.OPEN,
        "mark_error": g.get("poll_mark_error", ""),
    }


def idea_events(idea: Idea) -> list:
    """The public gatherings the idea became."""
    return rules.events_from(idea)


def _poll_url(idea: Idea) -> str:
    return idea_views.idea_url(idea) + "#poll"


def _idea_page_again(idea: Idea):
    """The idea's page with the poll's form and its messages (what was typed is kept)."""
    return idea_views.show(idea.id, idea.slug), INVALID


@bp.post("/ideas/<int:idea_id>/poll/options")
@login_required
@rate_limit("RSVP_RATE_LIMIT")
def add_option(idea_id):
    """The author or a host offers a date and time."""
    idea = idea_views.load_idea(idea_id)
    if not rules.can_offer_dates(current_user, idea):
        abort(403)
    form = PollOptionForm()
    if form.validate_on_submit():
        try:
            rules.offer_date(idea, current_user, form.starts_local(), form.ends_local(), form.timezone.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(gettext("The date is in the poll."), "success")
            return redirect(_poll_url(idea))
    g.poll_option_form = form
    return _idea_page_again(idea)


@bp.post("/ideas/<int:idea_id>/poll/options/<int:option_id>/remove")
@login_required
@rate_limit("RSVP_RATE_LIMIT")
def remove_option(idea_id, option_id):
    """Take a date out of the poll, with its marks."""
    idea = idea_views.load_idea(idea_id)
    option = db.session.get(PollOption, option_id) if option_id <= MAX_ID else None
    if option is None or option.idea_id != idea.id:
        abort(404)
    if not rules.can_offer_dates(current_user, idea):
        abort(403)
    if ActionForm().validate_on_submit():
        rules.remove_date(option, current_user)
        db.session.commit()
        flash(gettext("The date is out of the poll."), "success")
    return redirect(_poll_url(idea))


@bp.post("/ideas/<int:idea_id>/poll/marks")
@rate_limit("RSVP_RATE_LIMIT")
def mark(idea_id):
    """Mark every date at once; only a proven (signed-in) person's marks count."""
    idea = idea_views.load_idea(idea_id)
    if not current_user.is_authenticated:
        flash(gettext("Sign in with your email to mark dates (no password: we email you a link)."), "info")
        return redirect(url_for("auth.sign_in", next=idea_views.idea_url(idea)))
    form = PollMarkForm.for_options(rules.options_of(idea))
    if form.validate_on_submit():
        try:
            rules.mark_dates(idea, current_user, form.marks())
        except InvalidInput as error:
            db.session.rollback()
            g.poll_mark_error = error.message
        else:
            db.session.commit()
            flash(gettext("Your marks are saved. You can change them any time."), "success")
            return redirect(_poll_url(idea))
    g.poll_mark_form = form
    return _idea_page_again(idea)


@bp.route("/ideas/<int:idea_id>/make-it-happen", methods=["GET", "POST"])
@login_required
@rate_limit("PROPOSE_RATE_LIMIT")
def make_it_happen(idea_id):
    """Someone who offered to host proposes the gathering, filled from the idea and its best date."""
    idea = idea_views.load_idea(idea_id)
    if not rules.can_make_it_happen(current_user, idea):
        abort(403)
    data = None if request.method == "POST" else rules.form_data_for(idea)
    form = ProposeForm(data=data, places=places(), proposer=current_user._get_current_object())
    action = url_for("idea_poll.make_it_happen", idea_id=idea.id)
    return propose(form, after=lambda event: _made(idea, event), form_action=action, idea=idea)


def _made(idea: Idea, event) -> str:
    """The sentences added to the "proposed" message, each after a space."""
    hosts, invited = rules.make_it_happen(idea, event, current_user)
    sentences = []
    if hosts:
        sentences.append(gettext("The others who offered to host are invited as co-hosts."))
    if invited:
        sentences.append(
            ngettext(
                "%(num)d person who said they'd come is invited by email.",
                "%(num)d people who said they'd come are invited by email.",
                invited,
            )
        )
    return "".join(f" {sentence}" for sentence in sentences)
