"""The stewards' brew page and the brew cron commands (issue 13): only stewards, counts and
never names, starting a round from the button (and the refusal that changes nothing),
the venues per locality, and `flask brew-match` / `flask send-follow-ups`."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsite import brew, brew_meetings, brew_rounds
from eventsite.brew import SignUp
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import BrewFrequency, BrewMode, BrewRound, BrewSector, BrewVenue, MetAnswer, OutboxMail
from tests.conftest import STEWARD_EMAIL, new_person, new_place

PAGE = "/stewards/brew"
INTRODUCTION = "Your brew and biscuits match"
MEMBERS = (
    ("ana.member@example.org", "Anwen Quigley", BrewSector.HOUSING, "Leeds Homes Trust", "Tenancy sustainment"),
    ("ben.member@example.org", "Benedikt Oyelaran", BrewSector.SOCIAL_CARE, "Adult Care North", "Discharge planning"),
)
CAT = ("cat.member@example.org", "Cathal Rimmer", BrewSector.PRIMARY_CARE, "Riverside Surgery", "Social prescribing")


def join_pool(members=MEMBERS, **fields):
    joined = []
    for email, name, sector, organisation, about in members:
        person = new_person(email=email, name=name)
        member, _ = brew.join(
            person,
            SignUp(
                sector=sector, frequency=BrewFrequency.EVERY_ROUND, organisation=organisation, about=about, **fields
            ),
        )
        joined.append(member)
    db.session.commit()
    return joined


def rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(BrewRound))


# -- who may -------------------------------------------------------------------------------------------


ROUTES = [("get", PAGE), ("post", f"{PAGE}/round"), ("post", f"{PAGE}/venues"), ("post", f"{PAGE}/venues/1/remove")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_someone_signed_in_who_is_not_a_steward_is_refused(client, auth, method, path):
    join_pool()
    armley = new_place("Armley")
    db.session.add(BrewVenue(place=armley, name="Armley Mills Café"))
    db.session.commit()
    auth.sign_in("ana.member@example.org")
    response = getattr(client, method)(path, data={"place": str(armley.id), "name": "Sneaky Café"})
    assert response.status_code == 403
    assert rounds() == 0
    assert db.session.scalars(select(BrewVenue.name)).all() == ["Armley Mills Café"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_someone_not_signed_in_is_sent_to_sign_in(client, app, method, path):
    join_pool()
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert rounds() == 0


# -- what stewards see ------------------------------------------------------------------------------------


def test_a_steward_sees_counts_and_never_who(client, auth, steward, mailbox):
    armley = new_place("Armley")
    join_pool(mode=BrewMode.IN_PERSON, place=armley)
    brew_round = brew_rounds.start_round()
    group = brew_round.groups[0]
    for row in group.members:
        brew_meetings.answer_follow_up(group, row, MetAnswer.YES, now=brew_meetings.follow_up_due(group))
    join_pool([CAT])  # joins after the round: primary care has never been paired
    db.session.commit()

    auth.sign_in(STEWARD_EMAIL)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.text
    assert "Start a round now" in html
    assert "Housing" in html
    assert "Primary care" in html
    assert "Rarely matched" in html  # primary care: in the pool, never paired
    assert "Armley" in html
    assert "1 of 1 (100%)" in html  # the one meeting, and someone said they met
    for email, name, _, organisation, about in (*MEMBERS, CAT):
        for private in (email, *name.split(), organisation, about):
            assert private not in html, private


def test_the_steward_queue_links_to_the_brew_page(client, auth, steward):
    auth.sign_in(STEWARD_EMAIL)
    assert f'href="{PAGE}"' in client.get("/stewards/").text


# -- starting a round ----------------------------------------------------------------------------------------


def test_the_button_starts_a_round_and_emails_the_introductions(client, auth, steward, mailbox):
    join_pool()
    auth.sign_in(STEWARD_EMAIL)
    mailbox.clear()
    response = client.post(f"{PAGE}/round")
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    assert "Round 1: 1 pair, 0 trios, 0 left out." in client.get(PAGE).text
    brew_round = db.session.scalars(select(BrewRound)).one()
    assert brew_round.started_by.email == STEWARD_EMAIL
    queued = db.session.scalars(select(OutboxMail.to_address).where(OutboxMail.subject == INTRODUCTION)).all()
    assert sorted(queued) == ["ana.member@example.org", "ben.member@example.org"]
    assert {message["To"] for message in mailbox.messages if message["Subject"] == INTRODUCTION} == set(queued)


def test_with_too_few_people_the_button_says_why_and_changes_nothing(client, auth, steward):
    join_pool(MEMBERS[:1])
    auth.sign_in(STEWARD_EMAIL)
    mails = db.session.scalar(select(func.count()).select_from(OutboxMail))
    response = client.post(f"{PAGE}/round", follow_redirects=True)
    assert "Only one person is ready to be paired, so no round was started." in response.text
    assert rounds() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == mails


# -- venues ----------------------------------------------------------------------------------------------


def test_a_steward_adds_and_removes_a_venue(client, auth, steward):
    armley = new_place("Armley")
    auth.sign_in(STEWARD_EMAIL)
    response = client.post(
        f"{PAGE}/venues", data={"place": str(armley.id), "name": "Armley Mills Café", "address": "Canal Road"}
    )
    assert response.status_code == 302
    venue = db.session.scalars(select(BrewVenue)).one()
    assert (venue.place, venue.name, venue.address) == (armley, "Armley Mills Café", "Canal Road")
    page = client.get(PAGE).text
    assert "Added Armley Mills Café (Armley)." in page
    assert "Canal Road" in page

    response = client.post(f"{PAGE}/venues/{venue.id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(select(BrewVenue)).all() == []
    assert "Removed Armley Mills Café." in client.get(PAGE).text
    assert client.post(f"{PAGE}/venues/{venue.id}/remove").status_code == 404
    assert client.post(f"{PAGE}/venues/{2**40}/remove").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"place": "", "name": "Café"}, "place", "Choose the locality it is in."),
        ({"place": "armley", "name": ""}, "name", "Give the venue a name."),
        ({"place": "armley", "name": "x" * 121}, "name", "Field cannot be longer than 120 characters."),
        ({"place": "armley", "name": "Café", "address": "x" * 301}, "address", "Field cannot be longer than 300"),
        ({"place": "999999", "name": "Café"}, "place", "Not a valid choice"),
        ({"place": "9" * 40, "name": "Café"}, "place", "Not a valid choice"),
        ({"place": "armley", "name": "Caf\x00é"}, "name", "characters that cannot be used"),
        ({"place": "armley", "name": "armley mills café"}, "name", "Armley already has a venue called"),
    ],
)
def test_a_venue_with_bad_input_is_refused_beside_its_field(client, auth, steward, data, field, message):
    armley = new_place("Armley")
    db.session.add(BrewVenue(place=armley, name="Armley Mills Café"))
    db.session.commit()
    auth.sign_in(STEWARD_EMAIL)
    data = {**data, "place": str(armley.id) if data["place"] == "armley" else data["place"]}
    response = client.post(f"{PAGE}/venues", data=data)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-error">' in response.text
    error = response.text.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&#39;", "'")
    assert db.session.scalar(select(func.count()).select_from(BrewVenue)) == 1


# -- the cron commands ------------------------------------------------------------------------------------


def test_brew_match_starts_a_round_and_sends_the_introductions(runner, mailbox):
    join_pool()
    mailbox.clear()
    result = runner.invoke(args=["brew-match"])
    assert result.exit_code == 0, result.output
    assert "Round 1: 2 ready, 1 pair, 0 trios, 0 left out." in result.output
    assert "failed 0" in result.output
    assert rounds() == 1
    assert sorted(m["To"] for m in mailbox.messages if m["Subject"] == INTRODUCTION) == [
        "ana.member@example.org",
        "ben.member@example.org",
    ]


def test_brew_match_with_too_few_people_says_why_and_exits_1(runner, mailbox):
    join_pool(MEMBERS[:1])
    result = runner.invoke(args=["brew-match"])
    assert result.exit_code == 1
    assert "Only one person is ready to be paired, so no round was started." in result.output
    assert rounds() == 0


def test_send_follow_ups_also_asks_brew_pairs_did_you_meet(runner, mailbox):
    join_pool()
    brew_rounds.start_round(now=utcnow() - timedelta(days=20))  # its times have all passed
    db.session.commit()
    mailbox.clear()
    result = runner.invoke(args=["send-follow-ups"])
    assert result.exit_code == 0, result.output
    assert "Queued 0 follow-ups, and 2 for brews." in result.output
    assert sorted(m["To"] for m in mailbox.messages if m["Subject"] == "Did you meet?") == [
        "ana.member@example.org",
        "ben.member@example.org",
    ]
    again = runner.invoke(args=["send-follow-ups"])
    assert "and 0 for brews." in again.output
