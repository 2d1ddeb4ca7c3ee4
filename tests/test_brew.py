"""Brew and biscuits, the pool (issue 13): joining and changing a sign-up, signing up by
emailed link when not signed in, the sign-up rules, snoozing, coming back, leaving, and
the emailed "snooze, change or leave" link. Rounds are tested in test_brew_rounds.py."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from eventsite import brew, brew_rounds
from eventsite.accounts import delete_account, export_data
from eventsite.brew import SignUp
from eventsite.database import utcnow
from eventsite.errors import InvalidInput, LinkInvalid
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.mail import external_url
from eventsite.models import (
    BrewFrequency,
    BrewGroupMember,
    BrewMember,
    BrewMode,
    BrewSector,
    OutboxMail,
    PendingBrewSignup,
    Person,
)
from eventsite.people import find_person
from tests.conftest import new_person, new_place


def details(**fields) -> SignUp:
    fields.setdefault("sector", BrewSector.HOUSING)
    return SignUp(**fields)


def mails_to(address: str, subject_start: str = "") -> list[OutboxMail]:
    query = select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id)
    return [mail for mail in db.session.scalars(query) if mail.subject.startswith(subject_start)]


def confirm_token(address: str) -> str:
    """The secret in the last "confirm your sign-up" email to ``address``."""
    mail = mails_to(address, "Confirm your sign-up")[-1]
    link = next(word for word in mail.body.split() if "/brew/confirm/" in word)
    return link.rsplit("/", 1)[1]


def members() -> int:
    return db.session.scalar(select(func.count()).select_from(BrewMember))


# -- joining ------------------------------------------------------------------------------------


def test_join_makes_one_membership_with_the_cleaned_details_and_a_welcome_email(app):
    person = new_person()
    place = new_place()
    member, is_new = brew.join(
        person,
        details(
            place=place,
            organisation="  Leeds Homes ",
            interests=["Tenancy Support", "tenancy-support", "hoarding"],
            excluded_emails=[" Boss@Example.org", "boss@example.org"],
        ),
    )
    db.session.commit()
    assert is_new
    assert (member.person, member.sector, member.place) == (person, BrewSector.HOUSING, place)
    assert member.organisation == "Leeds Homes"
    assert member.interests == ["tenancy-support", "hoarding"]
    assert member.excluded_emails == ["boss@example.org"]
    welcome = mails_to(person.email, "You're in")
    assert len(welcome) == 1
    assert brew.manage_url(member) in welcome[0].body
    assert external_url("feeds.personal", token=feed_token(person)) in welcome[0].body


def test_joining_again_updates_the_one_membership_and_sends_no_second_welcome(app):
    person = new_person()
    first, _ = brew.join(person, details())
    db.session.commit()
    again, is_new = brew.join(person, details(sector=BrewSector.SOCIAL_CARE, frequency=BrewFrequency.EVERY_ROUND))
    db.session.commit()
    assert not is_new
    assert again.id == first.id
    assert members() == 1
    assert (again.sector, again.frequency) == (BrewSector.SOCIAL_CARE, BrewFrequency.EVERY_ROUND)
    assert len(mails_to(person.email, "You're in")) == 1


def test_join_gives_a_nameless_person_the_name_they_typed_and_needs_one(app):
    person = new_person(name="")
    with pytest.raises(InvalidInput) as error:
        brew.join(person, details())
    assert error.value.field == "name"
    brew.join(person, details(), name="  Nia ")
    assert person.name == "Nia"


def test_choosing_online_drops_happy_to_travel(app):
    member, _ = brew.join(new_person(), details(mode=BrewMode.ONLINE, travels=True))
    assert member.travels is False


# -- signing up by emailed link -------------------------------------------------------------------


def test_asking_to_join_saves_nothing_to_anyone_until_the_link_is_used(app):
    known = new_person(email="kim@example.org", name="Kim")
    brew.join(known, details(organisation="Original"))
    db.session.commit()

    brew.ask_to_join(details(organisation="Typed by someone else"), " Kim@Example.org", "Mallory")
    brew.ask_to_join(details(), "new@example.org", "Nia")
    db.session.commit()
    assert members() == 1
    assert brew.member_of(known).organisation == "Original"
    assert known.name == "Kim"
    assert find_person("new@example.org") is None
    assert mails_to("kim@example.org", "Confirm your sign-up")  # normalised address

    member, is_new = brew.confirm_sign_up(confirm_token("new@example.org"))
    db.session.commit()
    assert is_new
    assert member.person.email == "new@example.org"
    assert member.person.name == "Nia"
    assert member.person.email_confirmed_at is not None
    assert len(mails_to("new@example.org", "You're in")) == 1


def test_confirming_updates_a_known_persons_membership_without_renaming_them(app):
    known = new_person(email="kim@example.org", name="Kim")
    brew.join(known, details(organisation="Original"))
    db.session.commit()
    brew.ask_to_join(details(organisation="Changed"), "kim@example.org", "Someone")
    db.session.commit()
    member, is_new = brew.confirm_sign_up(confirm_token("kim@example.org"))
    db.session.commit()
    assert not is_new
    assert member.organisation == "Changed"
    assert known.name == "Kim"
    assert members() == 1


def test_a_second_request_replaces_the_earlier_pending_sign_up(app):
    brew.ask_to_join(details(organisation="First"), "new@example.org", "Nia")
    db.session.commit()
    first = confirm_token("new@example.org")
    brew.ask_to_join(details(organisation="Second"), "new@example.org", "Nia")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PendingBrewSignup)) == 1
    with pytest.raises(LinkInvalid):
        brew.confirm_sign_up(first)
    member, _ = brew.confirm_sign_up(confirm_token("new@example.org"))
    assert member.organisation == "Second"


def test_confirmation_emails_are_limited_per_address(app):
    app.config["ANSWER_MAILS_PER_ADDRESS"] = 2
    for organisation in ("one", "two", "three"):
        brew.ask_to_join(details(organisation=organisation), "new@example.org", "Nia")
        db.session.commit()
    assert len(mails_to("new@example.org", "Confirm your sign-up")) == 2
    pending = db.session.scalars(select(PendingBrewSignup)).all()
    assert [p.details["organisation"] for p in pending] == ["two"]  # past the limit: silently nothing
    brew.ask_to_join(details(), "other@example.org", "Oli")  # another address has its own limit
    assert len(mails_to("other@example.org", "Confirm your sign-up")) == 1


def test_the_link_works_once(app):
    brew.ask_to_join(details(), "new@example.org", "Nia")
    db.session.commit()
    token = confirm_token("new@example.org")
    brew.confirm_sign_up(token)
    db.session.commit()
    with pytest.raises(LinkInvalid):
        brew.confirm_sign_up(token)
    assert members() == 1


def test_an_expired_or_unknown_link_is_refused(app):
    brew.ask_to_join(details(), "new@example.org", "Nia")
    db.session.commit()
    token = confirm_token("new@example.org")
    pending = db.session.scalars(select(PendingBrewSignup)).one()
    pending.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for bad in (token, "", "x" * 65, token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(LinkInvalid):
            brew.confirm_sign_up(bad)
    assert members() == 0
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_asking_to_join_needs_a_name_and_an_address(app):
    with pytest.raises(InvalidInput) as error:
        brew.ask_to_join(details(), "new@example.org", "")
    assert error.value.field == "name"
    with pytest.raises(InvalidInput) as error:
        brew.ask_to_join(details(), "", "Nia")
    assert error.value.field == "email"
    assert not mails_to("new@example.org")


# -- the sign-up rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mode": BrewMode.IN_PERSON}, "place"),
        ({"organisation": "x" * 121}, "organisation"),
        ({"about": "x" * 301}, "about"),
        ({"interests": [f"t{n}" for n in range(6)]}, "interests"),
        ({"excluded_emails": [f"p{n}@example.org" for n in range(21)]}, "excluded"),
        ({"excluded_emails": ["Me@Example.org "]}, "excluded"),
    ],
)
def test_sign_up_problems_name_the_field(app, fields, field):
    problems = brew.sign_up_problems(details(**fields), "me@example.org")
    assert [problem.field for problem in problems] == [field]


def test_a_sign_up_within_the_limits_has_no_problems(app):
    place = new_place()
    fine = [
        details(),
        details(mode=BrewMode.IN_PERSON, place=place),
        details(mode=BrewMode.IN_PERSON, travels=True),
        details(
            organisation="x" * 120,
            about="x" * 300,
            interests=[f"t{n}" for n in range(5)],
            excluded_emails=[f"p{n}@example.org" for n in range(20)],
        ),
    ]
    assert [brew.sign_up_problems(each, "me@example.org") for each in fine] == [[], [], [], []]


def test_sign_up_problems_are_all_reported_at_once(app):
    problems = brew.sign_up_problems(details(mode=BrewMode.IN_PERSON, organisation="x" * 121), "me@example.org")
    assert {problem.field for problem in problems} == {"place", "organisation"}


# -- snoozing, coming back, leaving ---------------------------------------------------------------


def test_snooze_rests_a_member_until_the_day_and_come_back_ends_it(app):
    member, _ = brew.join(new_person(), details())
    assert not brew.is_resting(member)
    brew.snooze(member, brew.today() + timedelta(days=14))
    assert member.snoozed_until == brew.today() + timedelta(days=14)
    assert brew.is_resting(member)
    brew.come_back(member)
    assert member.snoozed_until is None
    assert not brew.is_resting(member)


def test_a_snooze_that_has_ended_no_longer_rests(app):
    member, _ = brew.join(new_person(), details())
    member.snoozed_until = brew.today()
    assert not brew.is_resting(member)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_snooze_needs_a_day_after_today_and_within_a_year(app, days):
    member, _ = brew.join(new_person(), details())
    with pytest.raises(InvalidInput) as error:
        brew.snooze(member, brew.today() + timedelta(days=days))
    assert error.value.field == "until"
    assert member.snoozed_until is None


def test_come_back_ends_the_pause_after_missed_rounds(app):
    member, _ = brew.join(new_person(), details())
    member.paused_at, member.missed_rounds = utcnow(), 3
    assert brew.is_resting(member)
    brew.come_back(member)
    assert (member.paused_at, member.missed_rounds) == (None, 0)
    assert not brew.is_resting(member)


def test_leaving_removes_the_membership_but_keeps_who_met_whom(app):
    ana, _ = brew.join(new_person(email="ana@example.org", name="Ana"), details(sector=BrewSector.HOUSING))
    ben, _ = brew.join(new_person(email="ben@example.org", name="Ben"), details(sector=BrewSector.SOCIAL_CARE))
    brew_rounds.start_round()
    db.session.commit()
    person_id = ana.person_id
    brew.leave(ana)
    db.session.commit()
    assert db.session.scalar(select(BrewMember).where(BrewMember.person_id == person_id)) is None
    assert members() == 1
    rows = db.session.scalars(select(BrewGroupMember.person_id)).all()
    assert sorted(rows) == sorted([person_id, ben.person_id])
    assert brew.member_of(db.session.get(Person, person_id)) is None


# -- the emailed "snooze, change or leave" link ------------------------------------------------------


def test_the_manage_token_finds_the_member_only_with_the_right_key(app):
    member, _ = brew.join(new_person(), details())
    db.session.commit()
    assert brew.member_for_manage_token(f"{member.id}.{member.manage_key}") == member
    wrong = "0" * 32 if member.manage_key != "0" * 32 else "1" * 32
    for token in (f"{member.id}.{wrong}", f"{member.id + 1}.{member.manage_key}", member.manage_key, "", "x.y"):
        assert brew.member_for_manage_token(token) is None
    assert brew.manage_url(member).endswith(f"{member.id}.{member.manage_key}")


def test_member_of_someone_not_signed_in_is_none(app):
    assert brew.member_of(AnonymousUserMixin()) is None


def test_my_data_holds_my_sign_up_and_deleting_my_account_removes_it(app):
    person = new_person(email="ada@example.org", name="Ada")
    brew.join(person, details(organisation="Leeds Housing", excluded_emails=["bob@example.org"]))
    brew.ask_to_join(details(sector=BrewSector.SOCIAL_CARE), "ada@example.org", "Ada")
    db.session.commit()
    data = export_data(person)["brew"]
    assert data["sector"] == "housing"
    assert data["organisation"] == "Leeds Housing"
    assert data["rather_not_be_paired_with"] == ["bob@example.org"]

    delete_account(person)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(BrewMember)) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingBrewSignup)) == 0
    assert export_data(person)["brew"] is None
