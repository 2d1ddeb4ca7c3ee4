"""The ideas board: post an idea, say "I'd come" or "I could host", close, report, and
stewards' hide and restore. Each view makes one domain call and commits once."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from eventsite import ideas as rules
from eventsite.cache import for_visitors
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.extensions import db
from eventsite.forms import ActionForm, IdeaFilterForm, IdeaForm, IdeaReportForm, SupportForm
from eventsite.i18n import lazy_gettext
from eventsite.listing import places
from eventsite.models import Idea, IdeaStatus
from eventsite.moderation import waits_for_steward
from eventsite.people import find_person
from eventsite.views.auth import log_in
from eventsite.views.errors import link_invalid, rate_limit
from eventsite.views.events import MAX_ID
from eventsite.views.main import redirect_without_empty_args
from eventsite.views.stewards import steward_required

bp = Blueprint("ideas", __name__)
INVALID = 422
STEWARD_MESSAGES = {
    "approve": lazy_gettext("Approved: the idea is on the board."),
    "hide": lazy_gettext("Hidden: only its author and stewards can see it now."),
    "restore": lazy_gettext("Restored: the idea is back."),
}


def load_idea(idea_id: int, lock: bool = False) -> Idea:
    """The idea, or 404 if it does not exist or is not visible to this person.
    ``lock``: for support changes, lock its row so the counts stay exact."""
    if idea_id > MAX_ID:
        abort(404)
    idea = rules.locked_idea(idea_id) if lock else db.session.get(Idea, idea_id)
    if idea is None or not rules.can_view(current_user, idea):
        abort(404)
    return idea


def idea_url(idea: Idea) -> str:
    return url_for("ideas.show", idea_id=idea.id, slug=idea.slug)


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _board(query_for, template_title: str, older: bool):
    if shorter := redirect_without_empty_args():
        return shorter
    form = IdeaFilterForm(request.args, places=places())
    page = rules.idea_page(
        query_for(form.to_filters()), request.args.get("page", 1, type=int), current_app.config["EVENTS_PER_PAGE"]
    )
    return render_template(
        "ideas/index.html",
        form=form,
        page=page,
        older=older,
        title=template_title,
        page_args={name: value for name, value in request.args.items() if name != "page"},
        filtered=any(request.args.get(name) for name in ("kind", "place", "tag")),
    )


@bp.get("/ideas")
@for_visitors
def index():
    """Open ideas, most supported first, with the gatherings list's filters."""
    return _board(rules.board_query, gettext("Ideas"), older=False)


@bp.get("/ideas/older")
def older():
    """Ideas nobody has touched for a while, and closed ones: still reachable."""
    return _board(rules.older_query, gettext("Older ideas"), older=True)


@bp.route("/ideas/new", methods=["GET", "POST"])
@rate_limit("PROPOSE_RATE_LIMIT")
def new():
    """Post an idea; no date needed and no account: an email address is enough."""
    form = IdeaForm(places=places(), author=_signed_in())
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated:
                idea = rules.post_idea(form.details(), current_user, form.name.data)
            else:
                idea = rules.post_idea_as_guest(form.details(), form.email.data, form.name.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            if not current_user.is_authenticated:
                return redirect(url_for("ideas.check_email"))
            flash(_status_message(idea), "success")
            return redirect(idea_url(idea))
    return render_template("ideas/new.html", form=form), INVALID if form.errors else 200


def _status_message(idea: Idea) -> str:
    if idea.status is IdeaStatus.HELD:
        return gettext("Thank you! Your idea will be on the board once a steward has looked at it.")
    return gettext("Your idea is on the board.")


@bp.get("/ideas/new/check-email")
def check_email():
    """Where someone not signed in lands after posting: look for our email."""
    return render_template("ideas/check_email.html")


@bp.get("/ideas/<int:idea_id>")
@bp.get("/ideas/<int:idea_id>-<slug>")
def show(idea_id, slug=None):
    """An idea's page; the slug after the id is cosmetic and corrected if stale."""
    idea = load_idea(idea_id)
    if slug != idea.slug:
        return redirect(idea_url(idea), 301)
    return render_template("ideas/show.html", **_idea_page(idea))


def _idea_page(idea: Idea, support_form: SupportForm | None = None) -> dict:
    mine = rules.support_of(idea, current_user)
    return {
        "idea": idea,
        "description": Markup(idea.description_html),  # noqa: S704 - sanitised when saved
        "hosts": rules.hosts_offering(idea),
        "my_support": mine,
        "can_close": rules.can_close(current_user, idea),
        "faded": rules.is_faded(idea),
        "support_form": support_form or SupportForm(data={"show_name": mine.show_name} if mine else {}),
        "action_form": ActionForm(),
    }


@bp.post("/ideas/<int:idea_id>/support")
@rate_limit("RSVP_RATE_LIMIT")
def support(idea_id):
    """ "I'd come" or "I could host" (each a toggle): at once when signed in, else confirmed by email."""
    idea = load_idea(idea_id, lock=True)
    form = SupportForm()
    if idea.status is not IdeaStatus.OPEN:
        flash(gettext("This idea is not open for support."), "error")
        return redirect(idea_url(idea))
    if form.validate():
        try:
            message = _support(idea, form)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(idea_url(idea) + "#support")
    return render_template("ideas/show.html", **_idea_page(idea, form)), INVALID


def _support(idea: Idea, form: SupportForm) -> str:
    come, host = form.support.data == "come", form.support.data == "host"
    if not current_user.is_authenticated:
        rules.ask_to_confirm_support(idea, form.email.data, form.name.data, come, host, form.show_name.data)
        # The same words whoever the address belongs to, and however many emails it had.
        return gettext(
            "Thank you. We have emailed %(email)s a link: your support counts once you open it.", email=form.email.data
        )
    mine = rules.support_of(idea, current_user)
    if come:
        now = not (mine and mine.would_come)
        rules.set_support(idea, current_user, would_come=now)
        return gettext("Noted: you'd come.") if now else gettext("You no longer say you'd come.")
    now = not (mine and mine.could_host)
    rules.set_support(idea, current_user, could_host=now, show_name=form.show_name.data if now else None)
    return gettext("Thank you for offering to host.") if now else gettext("You no longer offer to host.")


@bp.get("/ideas/support/<token>")
def support_page(token):
    """The emailed "confirm your support" link: what it confirms, and a button (mail scanners fetch links)."""
    try:
        pending = rules.pending_support_for_token(token)
    except LinkInvalid as error:
        return link_invalid(error)
    return render_template("ideas/support_confirm.html", pending=pending, idea=pending.idea, form=ActionForm())


@bp.post("/ideas/support/<token>")
@rate_limit("RSVP_RATE_LIMIT")
def confirm_support(token):
    """Use the link: the address is proven and the support counts."""
    idea_id = rules.pending_idea_id(token)
    idea = rules.locked_idea(idea_id) if idea_id is not None else None
    if idea is None:
        return link_invalid(LinkInvalid(rules._GONE))
    try:
        rules.confirm_support(idea, token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(idea_url(idea))
    db.session.commit()
    flash(gettext("Thank you: your support counts now."), "success")
    return redirect(idea_url(idea) + "#support")


@bp.get("/ideas/confirm/<token>")
def confirm_page(token):
    """The emailed "confirm your idea" link: a page with a button (mail scanners fetch links)."""
    try:
        idea = rules.idea_for_token(token)
    except LinkInvalid as error:
        return link_invalid(error)
    held = _would_wait(idea)
    return render_template("ideas/confirm.html", idea=idea, held=held, form=ActionForm())


def _would_wait(idea: Idea) -> bool:
    """Whether confirming will send the idea to a steward (the button says what will happen)."""
    known = find_person(idea.pending_email)
    return waits_for_steward(known) if known is not None else current_app.config["MODERATION"] != "open"


@bp.post("/ideas/confirm/<token>")
@rate_limit("EMAIL_RATE_LIMIT")
def confirm(token):
    """Use the link: sign in, and the idea opens (or waits for a steward)."""
    try:
        idea = rules.confirm_idea(token)
    except LinkInvalid as error:
        db.session.rollback()
        return link_invalid(error)
    log_in(idea.created_by)
    db.session.commit()
    if idea.status is IdeaStatus.OPEN:
        flash(gettext("Thank you for confirming. Your idea is on the board."), "success")
    else:
        flash(
            gettext("Thank you for confirming. Your idea will be on the board once a steward has looked at it."),
            "success",
        )
    return redirect(idea_url(idea))


@bp.post("/ideas/<int:idea_id>/close")
def close(idea_id):
    """Its author closes an idea: it stays reachable, off the board."""
    idea = load_idea(idea_id)
    if not rules.is_author(current_user, idea):
        abort(403)
    try:
        rules.close_idea(idea, current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(idea_url(idea))
    db.session.commit()
    flash(gettext("Your idea is closed. It stays here for anyone with the link."), "success")
    return redirect(idea_url(idea))


@bp.route("/ideas/<int:idea_id>/report", methods=["GET", "POST"])
@rate_limit("PROPOSE_RATE_LIMIT")
def report(idea_id):
    """Anyone can report an idea to the stewards."""
    idea = load_idea(idea_id)
    form = IdeaReportForm()
    if form.validate_on_submit():
        try:
            rules.report_idea(idea, form.reason.data)
        except InvalidInput as error:
            db.session.rollback()
            form.add_error(error)
        else:
            db.session.commit()
            flash(gettext("Thank you. A steward will look at it."), "success")
            return redirect(idea_url(idea))
    return render_template("ideas/report.html", form=form, idea=idea), INVALID if form.errors else 200


@bp.post("/stewards/ideas/<int:idea_id>/<any(approve, hide, restore):action>")
@steward_required
def steward_act(idea_id, action):
    """Approve a held idea, or hide or restore one."""
    idea = db.session.get(Idea, idea_id) if idea_id <= MAX_ID else None
    if idea is None:
        abort(404)
    try:
        rules.steward_act(idea, current_user, action)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(str(STEWARD_MESSAGES[action]), "success")
    return redirect(idea_url(idea) if request.form.get("back") == "idea" else url_for("stewards.queue"))
