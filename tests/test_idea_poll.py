"""An idea's date poll (who may offer dates, past and duplicate dates, the cap, changeable
marks, the best date with its ties, counts in fixed queries) and "Make it happen" (the form
filled from the idea, 403 for others, the event linked, co-host and "I'd come" invitations
sent once when live, several gatherings from one idea), with the views' bad input."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventsite import idea_poll as poll
from eventsite.database import utcnow
from eventsite.demo import seed_network
from eventsite.errors import InvalidInput, NotAllowed
from eventsite.extensions import db
from eventsite.invitations import invite_waiting_people
from eventsite.mail import deliver
from eventsite.models import (
    Event,
    EventKind,
    EventStatus,
    HostInvitation,
    Idea,
    IdeaStatus,
    IdeaSupport,
    Person,
    PollChoice,
    PollOption,
    PollVote,
    Tag,
)
from eventsite.moderation import approve
from tests.conftest import future_local, new_person, new_place, statements_for

YES, MAYBE, NO = PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO
ZONE = "Europe/London"


@pytest.fixture
def author(app):
    return new_person(email="ada@example.org", name="Ada Author")


@pytest.fixture
def idea(app, author):
    place = new_place()
    idea = Idea(title="A walk by the canal", kind=EventKind.WALK, status=IdeaStatus.OPEN, created_by=author,
                description="Two hours, *slowly*.", place=place)  # fmt: skip
    idea.tags = [Tag(name="walking"), Tag(name="frailty")]
    db.session.add(idea)
    db.session.commit()
    return idea


def supporter(idea, email, would_come=True, could_host=False):
    person = new_person(email=email, name=email.split("@")[0].title())
    db.session.add(IdeaSupport(idea=idea, person=person, would_come=would_come, could_host=could_host))
    db.session.commit()
    return person


def offer(idea, person, days=7, hour=18, ends=None):
    option = poll.offer_date(idea, person, future_local(days=days, hour=hour), ends, ZONE)
    db.session.commit()
    return option


# -- who may offer dates, and which --------------------------------------------------------


def test_author_and_hosts_may_offer_dates_others_may_not(app, idea, author):
    host = supporter(idea, "hana@example.org", would_come=False, could_host=True)
    fan = supporter(idea, "fan@example.org")
    assert poll.can_offer_dates(author, idea)
    assert poll.can_offer_dates(host, idea)
    assert not poll.can_offer_dates(fan, idea)
    offer(idea, author, days=3)
    offer(idea, host, days=4)
    with pytest.raises(NotAllowed):
        poll.offer_date(idea, fan, future_local(days=5), None, ZONE)
    assert [option.created_by_id for option in poll.options_of(idea)] == [author.id, host.id]


def test_a_date_in_the_past_or_twice_is_refused(app, idea, author):
    with pytest.raises(InvalidInput, match="in the past"):
        poll.offer_date(idea, author, datetime.now() - timedelta(days=1), None, ZONE)
    offer(idea, author, days=3)
    with pytest.raises(InvalidInput, match="already offered"):
        poll.offer_date(idea, author, future_local(days=3), None, ZONE)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PollOption)) == 1


def test_at_most_ten_dates(app, idea, author):
    for day in range(1, poll.MAX_OPTIONS + 1):
        offer(idea, author, days=day)
    with pytest.raises(InvalidInput, match="at most 10"):
        poll.offer_date(idea, author, future_local(days=20), None, ZONE)


def test_an_option_ends_two_hours_later_unless_told(app, idea, author):
    short = offer(idea, author, days=3)
    long = offer(idea, author, days=4, ends=future_local(days=4, hour=21))
    assert short.ends_at - short.starts_at == timedelta(hours=2)
    assert long.ends_at - long.starts_at == timedelta(hours=3)


def test_offering_and_marking_bump_the_ideas_activity(app, idea, author):
    idea.last_activity_at = utcnow() - timedelta(days=30)
    db.session.commit()
    option = offer(idea, author)
    assert idea.last_activity_at > utcnow() - timedelta(minutes=1)
    idea.last_activity_at = utcnow() - timedelta(days=30)
    poll.mark_dates(idea, author, {option.id: YES})
    assert idea.last_activity_at > utcnow() - timedelta(minutes=1)


# -- marks, counts, the best date ----------------------------------------------------------


def test_marks_are_changeable_and_counted(app, idea, author):
    first, second = offer(idea, author, days=3), offer(idea, author, days=4)
    ann = supporter(idea, "ann@example.org")
    poll.mark_dates(idea, ann, {first.id: YES, second.id: NO})
    poll.mark_dates(idea, ann, {second.id: MAYBE})  # changes one, keeps the other
    db.session.commit()
    assert poll.marks_of(idea, ann) == {first.id: YES, second.id: MAYBE}
    counts = {count.option.id: (count.yes, count.if_need_be, count.no) for count in poll.option_counts(idea)}
    assert counts == {first.id: (1, 0, 0), second.id: (0, 1, 0)}
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 2


def test_marking_needs_dates_a_signed_in_person_and_ignores_other_polls(app, idea, author):
    ann = supporter(idea, "ann@example.org")
    with pytest.raises(InvalidInput, match="No dates"):
        poll.mark_dates(idea, ann, {1: YES})
    option = offer(idea, author)
    other = Idea(title="Other", kind=EventKind.WALK, status=IdeaStatus.OPEN, created_by=author)
    db.session.add(other)
    db.session.commit()
    elsewhere = offer(other, author)
    with pytest.raises(InvalidInput, match="Mark at least one"):
        poll.mark_dates(idea, ann, {elsewhere.id: YES})
    poll.mark_dates(idea, ann, {option.id: YES, elsewhere.id: YES})
    assert poll.marks_of(other, ann) == {}


@pytest.mark.parametrize(
    ("marks_by_person", "best"),
    [
        ([(YES, NO, NO), (YES, YES, NO)], 0),  # most yes
        ([(YES, YES, NO), (MAYBE, YES, NO)], 1),  # a tie on yes: most if-need-be
        ([(YES, YES, NO), (MAYBE, MAYBE, NO)], 0),  # a full tie: the earliest
        ([(NO, NO, YES), (NO, NO, YES), (YES, YES, NO)], 2),
    ],
)
def test_best_date_most_yes_then_if_need_be_then_earliest(app, idea, author, marks_by_person, best):
    options = [offer(idea, author, days=day) for day in (5, 3, 4)]  # offered out of order
    options.sort(key=lambda option: option.starts_at)
    for number, choices in enumerate(marks_by_person):
        person = supporter(idea, f"p{number}@example.org")
        poll.mark_dates(idea, person, {option.id: choice for option, choice in zip(options, choices, strict=True)})
    db.session.commit()
    assert poll.best_option(idea) == options[best]


def test_a_passed_date_is_never_the_best(app, idea, author):
    soon, later = offer(idea, author, days=3), offer(idea, author, days=4)
    poll.mark_dates(idea, author, {soon.id: YES, later.id: NO})
    soon.starts_at, soon.ends_at = utcnow() - timedelta(days=1), utcnow() - timedelta(hours=22)
    db.session.commit()
    assert poll.best_option(idea) == later


def test_removing_a_date_takes_its_marks(app, idea, author):
    option = offer(idea, author)
    poll.mark_dates(idea, author, {option.id: YES})
    poll.remove_date(option, author)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 0
    assert poll.options_of(idea) == []


# -- making it happen ------------------------------------------------------------------------


def test_only_someone_who_offered_to_host_may_make_it_happen(app, idea, author):
    fan = supporter(idea, "fan@example.org")
    assert not poll.can_make_it_happen(author, idea)  # posting it is not offering to host
    assert not poll.can_make_it_happen(fan, idea)
    db.session.add(IdeaSupport(idea=idea, person=author, could_host=True))
    db.session.commit()
    assert poll.can_make_it_happen(author, idea)


def test_form_data_comes_from_the_idea_and_its_best_date(app, idea, author):
    assert "starts_at" not in poll.form_data_for(idea)
    offer(idea, author, days=3)
    best = offer(idea, author, days=4, hour=19, ends=future_local(days=4, hour=22))
    poll.mark_dates(idea, author, {best.id: YES})
    data = poll.form_data_for(idea)
    assert data["title"] == "A walk by the canal"
    assert data["kind"] == "walk"
    assert data["place"] == "armley"
    assert data["tags"] == "frailty, walking"
    assert data["description"] == "Two hours, *slowly*."
    assert (data["starts_at"], data["ends_at"]) == (future_local(days=4, hour=19), future_local(days=4, hour=22))


def form_for(when, **overrides) -> dict:
    data = {"title": "A walk by the canal", "kind": "walk", "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
            "timezone": ZONE, "place": "armley", "venue_name": "The lock-keeper's cottage", "cost": "Free"}  # fmt: skip
    return {**data, **overrides}


@pytest.fixture
def hosts(app, idea):
    """Two people who offered to host (the second would come too), and two who'd come."""
    hana = supporter(idea, "hana@example.org", would_come=False, could_host=True)
    otto = supporter(idea, "otto@example.org", would_come=True, could_host=True)
    ann = supporter(idea, "ann@example.org")
    bob = supporter(idea, "bob@example.org")
    return hana, otto, ann, bob


def test_make_it_happen_form_is_filled_and_forbidden_to_others(app, client, auth, idea, author, hosts):
    hana = hosts[0]
    option = offer(idea, author, days=6, hour=11)
    poll.mark_dates(idea, hana, {option.id: YES})
    db.session.commit()
    path = f"/ideas/{idea.id}/make-it-happen"
    assert client.get(path).status_code == 302  # not signed in: sign in first
    auth.sign_in(author.email)
    assert client.get(path).status_code == 403  # the author did not offer to host
    assert client.post(path, data=form_for(future_local(days=6))).status_code == 403
    auth.sign_out()
    auth.sign_in(hana.email)
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="A walk by the canal"' in page.text
    assert f'value="{future_local(days=6, hour=11):%Y-%m-%dT%H:%M}"' in page.text
    assert f'action="{path}"' in page.text
    assert '<option selected value="walk">' in page.text
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0  # a GET changes nothing


def test_make_it_happen_links_invites_cohosts_and_the_people_who_would_come_once(
    app, client, auth, idea, hosts, mailbox
):
    hana, otto, ann, bob = hosts
    auth.sign_in(hana.email)
    mailbox.clear()
    response = client.post(f"/ideas/{idea.id}/make-it-happen", data=form_for(future_local(days=9)))
    assert response.status_code == 302, response.text
    event = db.session.scalars(select(Event)).one()
    assert event.idea_id == idea.id
    assert event.status is EventStatus.PUBLISHED
    [invitation] = db.session.scalars(select(HostInvitation)).all()
    assert invitation.person_id == otto.id  # the other host, not the one proposing
    deliver()
    assert [m["Subject"] for m in mailbox.to(ann.email)] == [f"You're invited: {event.title}"]
    assert len(mailbox.to(bob.email)) == 1
    subjects = [m["Subject"] for m in mailbox.to(otto.email)]
    assert f"You're invited to host {event.title}" in subjects
    assert f"You're invited: {event.title}" in subjects
    assert all("invited" not in m["Subject"] for m in mailbox.to(hana.email))  # the proposer hosts it
    assert event.invited_at is not None
    # Again: another gathering from the same idea, its own invitations.
    client.post(f"/ideas/{idea.id}/make-it-happen", data=form_for(future_local(days=16)))
    assert db.session.scalar(select(func.count()).where(Event.idea_id == idea.id)) == 2
    deliver()
    assert len(mailbox.to(ann.email)) == 2
    page = client.get(f"/ideas/{idea.id}-{idea.slug}")
    assert page.text.count("/events/") >= 2
    assert "This became:" in page.text


def test_in_newcomers_mode_supporters_are_invited_only_once_a_steward_approves(app, client, auth, idea, mailbox):
    app.config["MODERATION"] = "newcomers"
    newcomer = supporter(idea, "nina@example.org", would_come=False, could_host=True)
    ann = supporter(idea, "ann@example.org")
    auth.sign_in(newcomer.email)
    assert client.post(f"/ideas/{idea.id}/make-it-happen", data=form_for(future_local(days=9))).status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.status is EventStatus.HELD
    assert event.idea_id == idea.id
    deliver()
    assert mailbox.to(ann.email) == []
    assert "This became" not in client.get(f"/ideas/{idea.id}-{idea.slug}").text  # not public yet
    approve(event, new_person(email="sam@example.org", name="Sam", steward=True))
    db.session.commit()
    deliver()
    assert [m["Subject"] for m in mailbox.to(ann.email)] == [f"You're invited: {event.title}"]
    assert invite_waiting_people(event) == 0  # once


def test_make_it_happen_validates_as_proposing_does(app, client, auth, idea, hosts):
    auth.sign_in(hosts[0].email)
    past = datetime.now() - timedelta(days=2)
    response = client.post(f"/ideas/{idea.id}/make-it-happen", data=form_for(past, title=""))
    assert response.status_code == 422
    assert "Give your gathering a title." in response.text
    assert "The start is in the past" in response.text
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_make_it_happen_shows_a_series_first_dates_before_making_it(app, client, auth, idea, hosts):
    auth.sign_in(hosts[0].email)
    data = form_for(future_local(days=9), repeats="weekly", repeat_count="3")
    response = client.post(f"/ideas/{idea.id}/make-it-happen", data=data)
    assert response.status_code == 200
    assert "Create these sessions" in response.text
    assert f'action="/ideas/{idea.id}/make-it-happen"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


# -- the views, with bad input -------------------------------------------------------------


def test_idea_page_shows_the_poll_with_counts_and_best(app, client, auth, idea, author):
    first, second = offer(idea, author, days=3), offer(idea, author, days=4)
    ann = supporter(idea, "ann@example.org")
    poll.mark_dates(idea, ann, {first.id: MAYBE, second.id: YES})
    db.session.commit()
    page = client.get(f"/ideas/{idea.id}-{idea.slug}")
    assert page.status_code == 200
    assert "0 yes · 1 if need be · 0 no" in page.text
    assert "1 yes · 0 if need be · 0 no" in page.text
    assert page.text.count("Best so far") == 1
    assert page.text.index("Best so far") > page.text.index("1 if need be")  # the second date is best
    assert "sign in with your email" in page.text
    assert 'type="radio"' not in page.text
    assert "Offer a date" not in page.text
    auth.sign_in(ann.email)
    page = client.get(f"/ideas/{idea.id}-{idea.slug}")
    assert re.search(r'checked[^>]*value="yes"|value="yes"[^>]*checked', page.text)
    assert "<legend>" in page.text
    assert "Save my marks" in page.text


def test_marking_from_the_page_and_changing_it(app, client, auth, idea, author):
    option = offer(idea, author)
    ann = supporter(idea, "ann@example.org")
    auth.sign_in(ann.email)
    field = f"marks-option_{option.id}"
    assert client.post(f"/ideas/{idea.id}/poll/marks", data={field: "yes"}).status_code == 302
    assert client.post(f"/ideas/{idea.id}/poll/marks", data={field: "no"}).status_code == 302
    assert poll.marks_of(idea, ann) == {option.id: NO}


def test_marking_without_being_signed_in_goes_to_sign_in_and_saves_nothing(app, client, idea, author):
    option = offer(idea, author)
    response = client.post(f"/ideas/{idea.id}/poll/marks", data={f"marks-option_{option.id}": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 0


def test_marking_a_poll_with_no_dates_is_refused_with_a_message(app, client, auth, idea):
    host = supporter(idea, "hana@example.org", would_come=False, could_host=True)
    auth.sign_in(host.email)
    response = client.post(f"/ideas/{idea.id}/poll/marks", data={"marks-option_1": "yes"})
    assert response.status_code == 422
    assert str(poll.NO_DATES) in response.text


@pytest.mark.parametrize("value", ["maybe", "<script>alert(1)</script>", "yes\x00", "1" * 5000])
def test_hostile_marks_are_refused(app, client, auth, idea, author, value):
    option = offer(idea, author)
    auth.sign_in(author.email)
    response = client.post(f"/ideas/{idea.id}/poll/marks", data={f"marks-option_{option.id}": value})
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 0


def test_offering_a_date_from_the_page_with_bad_input(app, client, auth, idea, author):
    auth.sign_in(author.email)
    url = f"/ideas/{idea.id}/poll/options"
    yesterday = (datetime.now() - timedelta(days=1)).date().isoformat()
    response = client.post(url, data={"option-date": yesterday, "option-time": "18:00", "option-timezone": ZONE})
    assert response.status_code == 422
    assert "in the past" in response.text
    response = client.post(url, data={"option-date": "soon", "option-time": "25:99", "option-timezone": "Mars/Base"})
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.text
    assert db.session.scalar(select(func.count()).select_from(PollOption)) == 0
    day = future_local(days=5).date().isoformat()
    good = {"option-date": day, "option-time": "18:00", "option-end_time": "20:30", "option-timezone": ZONE}
    assert client.post(url, data=good).status_code == 302
    [option] = poll.options_of(idea)
    assert option.ends_at - option.starts_at == timedelta(hours=2, minutes=30)
    response = client.post(url, data=good)
    assert response.status_code == 422
    assert "already offered" in response.text


def test_only_the_author_or_a_host_may_offer_or_remove_dates(app, client, auth, idea, author):
    option = offer(idea, author)
    fan = supporter(idea, "fan@example.org")
    auth.sign_in(fan.email)
    data = {"option-date": future_local(days=9).date().isoformat(), "option-time": "18:00", "option-timezone": ZONE}
    assert client.post(f"/ideas/{idea.id}/poll/options", data=data).status_code == 403
    assert client.post(f"/ideas/{idea.id}/poll/options/{option.id}/remove").status_code == 403
    assert "Offer a date" not in client.get(f"/ideas/{idea.id}-{idea.slug}").text
    auth.sign_out()
    auth.sign_in(author.email)
    assert "Offer a date" in client.get(f"/ideas/{idea.id}-{idea.slug}").text
    assert client.post(f"/ideas/{idea.id}/poll/options/{option.id}/remove").status_code == 302
    assert poll.options_of(idea) == []


def test_hidden_ideas_polls_are_not_found(app, client, auth, idea, author):
    option = offer(idea, author)
    idea.status = IdeaStatus.HIDDEN
    db.session.commit()
    fan = supporter(idea, "fan@example.org", could_host=True)
    auth.sign_in(fan.email)
    assert client.post(f"/ideas/{idea.id}/poll/marks", data={f"marks-option_{option.id}": "yes"}).status_code == 404
    assert client.get(f"/ideas/{idea.id}/make-it-happen").status_code == 404
    assert client.post(f"/ideas/{idea.id}/poll/options/{option.id}/remove").status_code == 404
    assert client.post("/ideas/99999999999/poll/marks").status_code == 404


def test_removing_another_ideas_option_is_not_found(app, client, auth, idea, author):
    other = Idea(title="Other", kind=EventKind.WALK, status=IdeaStatus.OPEN, created_by=author)
    db.session.add(other)
    db.session.commit()
    elsewhere = offer(other, author)
    auth.sign_in(author.email)
    assert client.post(f"/ideas/{idea.id}/poll/options/{elsewhere.id}/remove").status_code == 404
    assert client.post(f"/ideas/{idea.id}/poll/options/99999999999/remove").status_code == 404
    assert len(poll.options_of(other)) == 1


def test_poll_options_are_not_in_calendar_feeds(app, client, idea, author):
    offer(idea, author)
    feed = client.get("/calendar.ics")
    assert feed.status_code == 200
    assert "canal" not in feed.text


def test_idea_page_queries_do_not_grow_with_options_or_voters(app, client, auth, idea, author):
    path, idea_id, author_id = f"/ideas/{idea.id}-{idea.slug}", idea.id, author.id
    first = offer(idea, author, days=2)
    first_id = first.id
    poll.mark_dates(idea, author, {first_id: YES})
    db.session.commit()
    auth.sign_in(author.email)  # the author sees the add-a-date form and their own marks
    few = statements_for(client, path)
    idea, author = db.session.get(Idea, idea_id), db.session.get(Person, author_id)
    options = [db.session.get(PollOption, first_id), *(offer(idea, author, days=day) for day in range(3, 10))]
    for number in range(12):
        person = supporter(idea, f"voter{number}@example.org", could_host=number % 2 == 0)
        poll.mark_dates(idea, person, {option.id: (YES, MAYBE, NO)[number % 3] for option in options})
    db.session.commit()
    many = statements_for(client, path)
    assert len(many) == len(few)


def test_poll_posts_need_the_csrf_token(app, client, auth, idea, author):
    option = offer(idea, author)
    auth.sign_in(author.email)
    app.config["WTF_CSRF_ENABLED"] = True
    day = future_local(days=9).date().isoformat()
    for path, data in [
        (f"/ideas/{idea.id}/poll/options", {"option-date": day, "option-time": "18:00", "option-timezone": ZONE}),
        (f"/ideas/{idea.id}/poll/options/{option.id}/remove", {}),
        (f"/ideas/{idea.id}/poll/marks", {f"marks-option_{option.id}": "yes"}),
        (f"/ideas/{idea.id}/make-it-happen", form_for(future_local(days=9))),
    ]:
        assert client.post(path, data=data).status_code == 400, path
    assert len(poll.options_of(idea)) == 1
    assert db.session.scalar(select(func.count()).select_from(PollVote)) == 0


def test_the_demo_has_a_live_poll_and_an_idea_that_became_a_gathering(app):
    seed_network()
    db.session.commit()
    polled = db.session.scalars(select(Idea).join(PollOption, PollOption.idea_id == Idea.id)).first()
    counts = poll.option_counts(polled)
    assert len(counts) == 3
    assert sum(count.yes + count.if_need_be + count.no for count in counts) >= 6
    assert poll.best_option(polled) is not None
    became = db.session.scalars(select(Event).where(Event.idea_id.is_not(None))).all()
    assert len(became) == 1
    assert poll.events_from(db.session.get(Idea, became[0].idea_id)) == became


HOSTILE = ["", "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "9" * 40, "-1", "😀" * 300, "a" * 5000]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_poll_route_answers_500_to_hostile_input(app, client, auth, idea, hosts, value):
    option = offer(idea, hosts[0])
    auth.sign_in(hosts[0].email)
    fields = [
        "option-date",
        "option-time",
        "option-end_time",
        "option-timezone",
        f"marks-option_{option.id}",
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "timezone",
        "place",
        "venue_name",
        "repeats",
        "seen_dates",
    ]
    data = dict.fromkeys(fields, value)
    for path in (
        f"/ideas/{idea.id}/poll/options",
        f"/ideas/{idea.id}/poll/marks",
        f"/ideas/{idea.id}/make-it-happen",
        f"/ideas/{idea.id}/poll/options/{option.id}/remove",
    ):
        assert client.post(path, data=data).status_code < 500, path
    assert client.get(f"/ideas/{idea.id}/make-it-happen", query_string={"x": value}).status_code == 200
