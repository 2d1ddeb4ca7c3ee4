"""The ideas board's rules: posting (signed in or by emailed link, in each moderation mode),
support proven and unproven, counts that always equal the rows, sorting, filters, fading,
closing, and stewards' hide and restore."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsite import ideas
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid, NotAllowed
from eventsite.extensions import db
from eventsite.ideas import IdeaDetails
from eventsite.listing import EventFilters
from eventsite.models import EventKind, Idea, IdeaStatus, IdeaSupport, OutboxMail, PendingSupport
from eventsite.people import find_person
from tests.conftest import new_event, new_person, new_place


def details(**fields) -> IdeaDetails:
    fields.setdefault("title", "A walk by the canal")
    fields.setdefault("kind", EventKind.WALK)
    return IdeaDetails(**fields)


def post(person=None, **fields) -> Idea:
    person = person or new_person(email=f"author{utcnow().timestamp()}@example.org", name="Ada")
    idea = ideas.post_idea(details(**fields), person)
    db.session.commit()
    return idea


def secret_in(mail: OutboxMail, marker: str) -> str:
    link = next(word for word in mail.body.split() if marker in word)
    return link.rsplit("/", 1)[1]


def last_mail_to(address: str) -> OutboxMail:
    return db.session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id.desc())
    ).first()


def assert_counts_match(idea: Idea) -> None:
    db.session.refresh(idea)
    rows = select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea.id)
    assert idea.would_come_count == db.session.scalar(rows.where(IdeaSupport.would_come))
    assert idea.could_host_count == db.session.scalar(rows.where(IdeaSupport.could_host))


# -- posting ----------------------------------------------------------------------------------


def test_signed_in_idea_opens_at_once_in_open_mode(app):
    idea = post(description="Bring **boots**.", tags=["walks", "Green Spaces"])
    assert idea.status is IdeaStatus.OPEN
    assert "<strong>boots</strong>" in idea.description_html
    assert idea.summary == "Bring boots."
    assert [tag.name for tag in idea.tags] == ["green-spaces", "walks"]


@pytest.mark.parametrize(("mode", "held"), [("open", False), ("newcomers", True), ("all", True)])
def test_moderation_mode_decides_whether_an_idea_waits(app, mode, held):
    app.config["MODERATION"] = mode
    new_person(email="sam@example.org", name="Sam", steward=True)
    idea = post()
    assert idea.status is (IdeaStatus.HELD if held else IdeaStatus.OPEN)
    told = db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == "sam@example.org")).all()
    assert bool(told) is held


def test_newcomer_with_a_published_gathering_is_not_held(app):
    app.config["MODERATION"] = "newcomers"
    person = new_person(email="old@example.org")
    new_event(host=person).published_at = utcnow()
    db.session.commit()
    assert post(person).status is IdeaStatus.OPEN


def test_title_is_required_and_at_most_120(app):
    person = new_person()
    with pytest.raises(InvalidInput) as error:
        ideas.post_idea(details(title="  "), person)
    assert error.value.field == "title"
    with pytest.raises(InvalidInput):
        ideas.post_idea(details(title="x" * 121), person)
    with pytest.raises(InvalidInput) as error:
        ideas.post_idea(details(tags=[f"t{n}" for n in range(11)]), person)
    assert error.value.field == "tags"


def test_guest_idea_waits_for_the_emailed_link(app):
    idea = ideas.post_idea_as_guest(details(), "Guest@Example.org ", "Gus")
    db.session.commit()
    assert idea.status is IdeaStatus.UNCONFIRMED
    assert idea.created_by is None
    assert idea.pending_email == "guest@example.org"
    token = secret_in(last_mail_to("guest@example.org"), "/ideas/confirm/")
    assert len(idea.confirm_token_hash) == 64
    assert token not in idea.confirm_token_hash
    assert find_person("guest@example.org") is None  # nobody is made until the link proves the address

    confirmed = ideas.confirm_idea(token)
    db.session.commit()
    assert confirmed.status is IdeaStatus.OPEN
    assert confirmed.created_by.email == "guest@example.org"
    assert confirmed.created_by.name == "Gus"
    assert confirmed.created_by.email_confirmed_at is not None
    assert confirmed.confirm_token_hash is None
    assert confirmed.pending_email == ""
    with pytest.raises(LinkInvalid):  # once only
        ideas.confirm_idea(token)


def test_guest_idea_in_newcomers_mode_is_held_once_confirmed(app):
    app.config["MODERATION"] = "newcomers"
    ideas.post_idea_as_guest(details(), "new@example.org", "Nia")
    db.session.commit()
    idea = ideas.confirm_idea(secret_in(last_mail_to("new@example.org"), "/ideas/confirm/"))
    assert idea.status is IdeaStatus.HELD


def test_guest_needs_email_and_name(app):
    with pytest.raises(InvalidInput) as error:
        ideas.post_idea_as_guest(details(), "", "Gus")
    assert error.value.field == "email"
    with pytest.raises(InvalidInput) as error:
        ideas.post_idea_as_guest(details(), "gus@example.org", "")
    assert error.value.field == "name"


def test_expired_or_unknown_confirm_link_is_refused(app):
    idea = ideas.post_idea_as_guest(details(), "late@example.org", "Lee")
    db.session.commit()
    token = secret_in(last_mail_to("late@example.org"), "/ideas/confirm/")
    with pytest.raises(LinkInvalid):
        ideas.confirm_idea(token + "x")
    idea.confirm_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(LinkInvalid):
        ideas.confirm_idea(token)
    assert idea.status is IdeaStatus.UNCONFIRMED


# -- support ----------------------------------------------------------------------------------


def test_signed_in_support_counts_at_once_both_kinds_and_withdrawing(app):
    idea = post()
    person = new_person(email="bo@example.org", name="Bo")
    ideas.set_support(idea, person, would_come=True)
    assert (idea.would_come_count, idea.could_host_count) == (1, 0)
    ideas.set_support(idea, person, could_host=True, show_name=True)
    assert (idea.would_come_count, idea.could_host_count) == (1, 1)
    assert ideas.hosts_offering(idea) == ["Bo"]
    ideas.set_support(idea, person, would_come=False)
    assert (idea.would_come_count, idea.could_host_count) == (0, 1)
    ideas.set_support(idea, person, could_host=False)
    db.session.commit()
    assert (idea.would_come_count, idea.could_host_count) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(IdeaSupport)) == 0  # the row is gone
    assert_counts_match(idea)


def test_host_names_shown_only_with_consent(app):
    idea = post()
    ideas.set_support(idea, new_person(email="a@example.org", name="Ann"), could_host=True, show_name=False)
    ideas.set_support(idea, new_person(email="b@example.org", name="Ben"), could_host=True, show_name=True)
    assert ideas.hosts_offering(idea) == ["someone", "Ben"]


def test_guest_support_does_not_count_until_the_link_is_used(app):
    idea = post()
    ideas.ask_to_confirm_support(idea, "Cat@Example.org", "Cat", would_come=True, could_host=True, show_name=True)
    db.session.commit()
    assert (idea.would_come_count, idea.could_host_count) == (0, 0)
    assert ideas.hosts_offering(idea) == []
    token = secret_in(last_mail_to("cat@example.org"), "/ideas/support/")
    person, _support = ideas.confirm_support(ideas.locked_idea(idea.id), token)
    db.session.commit()
    assert person.email == "cat@example.org"
    assert person.email_confirmed_at is not None
    assert (idea.would_come_count, idea.could_host_count) == (1, 1)
    assert ideas.hosts_offering(idea) == ["Cat"]
    assert db.session.scalar(select(func.count()).select_from(PendingSupport)) == 0
    with pytest.raises(LinkInvalid):
        ideas.confirm_support(idea, token)
    assert_counts_match(idea)


def test_guest_support_adds_to_what_the_person_gave_before(app):
    idea = post()
    known = new_person(email="dee@example.org", name="Dee")
    ideas.set_support(idea, known, would_come=True)
    ideas.ask_to_confirm_support(idea, "dee@example.org", "Someone Else", would_come=False, could_host=True)
    db.session.commit()
    ideas.confirm_support(idea, secret_in(last_mail_to("dee@example.org"), "/ideas/support/"))
    db.session.commit()
    assert (idea.would_come_count, idea.could_host_count) == (1, 1)
    assert known.name == "Dee"  # a typed name never replaces a stored one


def test_new_pending_support_replaces_the_old_link(app):
    idea = post()
    ideas.ask_to_confirm_support(idea, "eve@example.org", "Eve", would_come=True, could_host=False)
    first = secret_in(last_mail_to("eve@example.org"), "/ideas/support/")
    ideas.ask_to_confirm_support(idea, "eve@example.org", "Eve", would_come=False, could_host=True)
    second = secret_in(last_mail_to("eve@example.org"), "/ideas/support/")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PendingSupport)) == 1
    with pytest.raises(LinkInvalid):
        ideas.confirm_support(idea, first)
    ideas.confirm_support(idea, second)
    assert (idea.would_come_count, idea.could_host_count) == (0, 1)


def test_support_emails_are_limited_per_address_per_hour(app):
    app.config["ANSWER_MAILS_PER_ADDRESS"] = 2
    idea = post()
    for _ in range(4):
        ideas.ask_to_confirm_support(idea, "flo@example.org", "", would_come=True, could_host=False)
    db.session.commit()
    assert len(db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == "flo@example.org")).all()) == 2


def test_support_needs_a_choice_and_an_open_idea(app):
    idea = post()
    with pytest.raises(InvalidInput):
        ideas.ask_to_confirm_support(idea, "g@example.org", "", would_come=False, could_host=False)
    ideas.close_idea(idea, idea.created_by)
    with pytest.raises(NotAllowed):
        ideas.set_support(idea, new_person(email="h@example.org"), would_come=True)


def test_counts_always_equal_the_rows(app):
    idea = post()
    people = [new_person(email=f"p{n}@example.org", name=f"P{n}") for n in range(6)]
    changes = [(0, True, None), (1, True, True), (2, None, True), (1, False, None), (3, True, True),
               (0, False, None), (2, None, False), (4, True, None), (3, None, False)]  # fmt: skip
    for who, come, host in changes:
        ideas.set_support(idea, people[who], would_come=come, could_host=host)
        db.session.commit()
        assert_counts_match(idea)
    assert (idea.would_come_count, idea.could_host_count) == (2, 1)


def test_each_change_bumps_last_activity(app):
    idea = post()
    idea.last_activity_at = utcnow() - timedelta(days=5)
    db.session.commit()
    ideas.set_support(idea, new_person(email="i@example.org"), would_come=True)
    assert idea.last_activity_at > utcnow() - timedelta(minutes=1)


# -- the board ---------------------------------------------------------------------------------


def board(filters: EventFilters | None = None) -> list[str]:
    filters = filters or EventFilters()
    return [idea.title for idea in db.session.scalars(ideas.board_query(filters))]


def test_board_sorts_by_support_then_recent_activity(app):
    quiet, popular, tie_old, tie_new = (post(title=title) for title in ("Quiet", "Popular", "Tie old", "Tie new"))
    fans = [new_person(email=f"fan{n}@example.org") for n in range(3)]
    for fan in fans:
        ideas.set_support(popular, fan, would_come=True)
    ideas.set_support(tie_old, fans[0], could_host=True)
    ideas.set_support(tie_new, fans[1], would_come=True)
    now = utcnow()
    tie_old.last_activity_at, tie_new.last_activity_at = now - timedelta(days=2), now - timedelta(days=1)
    quiet.last_activity_at = now
    db.session.commit()
    assert board() == ["Popular", "Tie new", "Tie old", "Quiet"]


def test_board_filters_by_kind_place_online_and_tag(app):
    armley = new_place("Armley")
    post(title="Walk in Armley", place=armley, tags=["green"])
    post(title="Online film", kind=EventKind.CINEMA_CLUB, is_online=True, tags=["film"])
    post(title="Anywhere party", kind=EventKind.PARTY)
    assert board(EventFilters(kind=EventKind.CINEMA_CLUB)) == ["Online film"]
    assert board(EventFilters(place="armley")) == ["Walk in Armley"]
    assert board(EventFilters(online=True)) == ["Online film"]
    assert board(EventFilters(tag="green")) == ["Walk in Armley"]
    assert board(EventFilters(tag="nothing")) == []


def test_quiet_ideas_fade_to_older_ideas_and_closed_ones_join_them(app):
    app.config["IDEA_FADE_DAYS"] = 90
    fresh, faded, closed = post(title="Fresh"), post(title="Faded"), post(title="Closed")
    faded.last_activity_at = utcnow() - timedelta(days=91)
    db.session.commit()
    ideas.close_idea(closed, closed.created_by)
    db.session.commit()
    assert board() == ["Fresh"]
    assert {idea.title for idea in db.session.scalars(ideas.older_query(EventFilters()))} == {"Faded", "Closed"}
    assert ideas.is_faded(faded)
    assert not ideas.is_faded(fresh)
    assert faded.status is IdeaStatus.OPEN  # fading is a query, not a status
    ideas.set_support(faded, new_person(email="j@example.org"), would_come=True)  # support brings it back
    db.session.commit()
    assert "Faded" in board()


def test_held_hidden_and_unconfirmed_ideas_are_not_on_the_board(app):
    post(title="Open")
    post(title="Hidden").status = IdeaStatus.HIDDEN
    post(title="Held").status = IdeaStatus.HELD
    ideas.post_idea_as_guest(details(title="Unconfirmed"), "k@example.org", "Kay")
    db.session.commit()
    assert board() == ["Open"]
    assert [idea.title for idea in db.session.scalars(ideas.newest_query())] == ["Open"]


# -- closing, hiding, reporting ---------------------------------------------------------------


def test_only_the_author_can_close(app):
    idea = post()
    with pytest.raises(NotAllowed):
        ideas.close_idea(idea, new_person(email="other@example.org"))
    with pytest.raises(NotAllowed):
        ideas.close_idea(idea, new_person(email="steward@example.org", steward=True))
    ideas.close_idea(idea, idea.created_by)
    assert idea.status is IdeaStatus.CLOSED
    assert idea.closed_at is not None


def test_only_stewards_hide_and_restore(app):
    idea = post()
    steward = new_person(email="st@example.org", steward=True)
    with pytest.raises(NotAllowed):
        ideas.steward_act(idea, idea.created_by, "hide")
    ideas.steward_act(idea, steward, "hide")
    assert idea.status is IdeaStatus.HIDDEN
    assert not ideas.can_view(new_person(email="x@example.org"), idea)
    assert ideas.can_view(idea.created_by, idea)
    assert ideas.can_view(steward, idea)
    with pytest.raises(NotAllowed):
        ideas.close_idea(idea, new_person(email="y@example.org"))
    with pytest.raises(InvalidInput):  # a hidden idea stays hidden whatever its author does
        ideas.close_idea(idea, idea.created_by)
    ideas.steward_act(idea, steward, "restore")
    assert idea.status is IdeaStatus.OPEN


def test_restoring_a_closed_idea_keeps_it_closed(app):
    idea = post()
    steward = new_person(email="st@example.org", steward=True)
    ideas.close_idea(idea, idea.created_by)
    ideas.steward_act(idea, steward, "hide")
    ideas.steward_act(idea, steward, "restore")
    assert idea.status is IdeaStatus.CLOSED


def test_steward_approves_a_held_idea_and_the_author_is_told(app):
    app.config["MODERATION"] = "all"
    idea = post()
    assert idea.status is IdeaStatus.HELD
    ideas.steward_act(idea, new_person(email="st@example.org", steward=True), "approve")
    assert idea.status is IdeaStatus.OPEN
    assert "on the board" in last_mail_to(idea.created_by.email).subject


def test_a_report_emails_every_steward_the_reason_and_link(app):
    idea = post(title="Dodgy")
    new_person(email="st1@example.org", steward=True)
    new_person(email="st2@example.org", steward=True)
    with pytest.raises(InvalidInput):
        ideas.report_idea(idea, "   ")
    ideas.report_idea(idea, "Selling something")
    for address in ("st1@example.org", "st2@example.org"):
        mail = last_mail_to(address)
        assert "Selling something" in mail.body
        assert f"/ideas/{idea.id}-dodgy" in mail.body
