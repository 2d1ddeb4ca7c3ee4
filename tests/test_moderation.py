"""Moderation without hierarchy: held proposals, reports, and what stewards do with them.

The rules are tested on eventsite/moderation.py (and propose_event, which applies
the MODERATION setting); the view tests check the wiring of /events/<id>/report
and /stewards/, who may use them, and the ``flask steward`` commands.

The test client shares the test's app context, and Flask-Login caches the
signed-in person in ``g``: so each test uses one client and signs out before
acting as someone else.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from eventsite.errors import InvalidInput, NotAllowed
from eventsite.events import EventDetails, can_view, cancel_event, propose_event
from eventsite.extensions import db
from eventsite.mail import deliver
from eventsite.models import Event, EventKind, EventStatus, Person, Place, Report
from eventsite.moderation import add_place, approve, hide, needs_review, report_event, restore
from tests.conftest import future_local
from tests.test_propose_journey import proposal

HOST = "hana@example.org"
STEWARD = "sam@example.org"
STRANGER = "sid@example.org"


@pytest.fixture
def moderation(app):
    """Set the MODERATION mode for this test: moderation("all")."""

    def use(mode: str) -> None:
        app.config["MODERATION"] = mode

    return use


@pytest.fixture
def held_event(make_event, moderation, host):
    moderation("all")
    return make_event(host=host, title="Brew and biscuits", status=EventStatus.HELD)


def propose(person: Person, title: str = "Brew and biscuits", days: int = 7) -> Event:
    """Propose through the domain, as someone whose email is confirmed."""
    place = db.session.scalar(db.select(Place)) or Place(name="Armley", slug="armley")
    details = EventDetails(
        title=title,
        kind=EventKind.PUB_COFFEE,
        starts_local=future_local(days=days),
        timezone="Europe/London",
        place=place,
        venue_name="Café Nova",
    )
    event = propose_event(details, person, email_confirmed=True)
    db.session.commit()
    return event


def event_page(event: Event) -> str:
    return f"/events/{event.id}-{event.slug}"


def open_reports(event: Event) -> list[Report]:
    query = db.select(Report).where(Report.event_id == event.id, Report.resolved_at.is_(None))
    return db.session.scalars(query).all()


def subjects_to(mailbox, address: str) -> list[str]:
    return [message["Subject"] for message in mailbox.to(address)]


# -- MODERATION modes ---------------------------------------------------------------------------


def test_open_mode_publishes_on_confirmation(moderation, host):
    moderation("open")

    event = propose(host)

    assert event.status is EventStatus.PUBLISHED
    assert event.published_at is not None


def test_newcomers_mode_holds_a_first_event(moderation, host):
    moderation("newcomers")

    event = propose(host)

    assert event.status is EventStatus.HELD
    assert event.published_at is None


def test_newcomers_mode_publishes_once_an_earlier_event_was_published(moderation, host, steward):
    moderation("newcomers")
    first = propose(host, "First brew")
    second = propose(host, "Second brew", days=8)
    assert second.status is EventStatus.HELD  # the first is not published yet

    approve(first, steward)
    db.session.commit()
    third = propose(host, "Third brew", days=9)

    assert third.status is EventStatus.PUBLISHED


def test_newcomers_mode_still_holds_someone_elses_first_event(moderation, host, steward, make_person):
    moderation("newcomers")
    approve(propose(host), steward)
    db.session.commit()

    event = propose(make_person(email="nadia@example.org", name="Nadia"), "Nadia's walk")

    assert event.status is EventStatus.HELD


def test_all_mode_holds_every_event_even_from_experienced_hosts(moderation, host, steward):
    moderation("all")
    approve(propose(host, "First brew"), steward)
    db.session.commit()

    event = propose(host, "Second brew", days=8)

    assert event.status is EventStatus.HELD


@pytest.mark.parametrize("mode", ["open", "newcomers", "all"])
def test_a_stewards_own_event_is_never_held(moderation, steward, mode):
    moderation(mode)

    assert not needs_review(steward, mode)
    assert propose(steward).status is EventStatus.PUBLISHED


def test_stewards_are_emailed_when_an_event_is_held(mailbox, moderation, host, steward, make_person):
    make_person(email="sasha@example.org", name="Sasha", steward=True)
    make_person(email=STRANGER, name="Sid")
    moderation("all")

    propose(host, "Brew and biscuits")
    deliver()

    assert subjects_to(mailbox, STEWARD) == ["Waiting for a steward: Brew and biscuits"]
    assert subjects_to(mailbox, "sasha@example.org") == ["Waiting for a steward: Brew and biscuits"]
    assert mailbox.links(mailbox.last_to(STEWARD)) == ["http://eventsite.test/stewards/"]
    assert mailbox.to(STRANGER) == []
    assert mailbox.to(HOST) == []


def test_stewards_are_not_emailed_when_an_event_goes_live(moderation, host, steward, mailbox):
    moderation("open")

    propose(host)
    deliver()

    assert mailbox.to(STEWARD) == []


def test_anonymous_newcomer_proposal_is_held_after_confirming(client, mailbox, moderation, make_place, steward):
    moderation("newcomers")
    make_place("Armley")

    response = client.post("/events/new", data=proposal())
    assert response.status_code == 302
    response = client.post(mailbox.link_to("nadia@example.org"))

    event = db.session.scalars(db.select(Event)).one()
    assert event.status is EventStatus.HELD
    assert response.headers["Location"] == event_page(event)
    page = client.get(event_page(event))  # the proposer is signed in by the link
    assert page.status_code == 200
    assert "will be live once a steward has looked at it" in page.text
    assert "Waiting for a steward" in page.text
    assert subjects_to(mailbox, STEWARD) == ["Waiting for a steward: Brew and biscuits in Armley"]

    client.post("/sign-out")
    assert client.get(event_page(event)).status_code == 404


# -- who sees a held event ----------------------------------------------------------------------


def test_held_event_is_hidden_from_public_but_shown_to_host_and_stewards(
    client, auth, held_event, steward, make_person
):
    make_person(email=STRANGER, name="Sid")
    page = event_page(held_event)

    assert client.get(page).status_code == 404
    assert page not in client.get("/").text  # not listed (the nav links to "Brew and biscuits" too)
    assert client.get(f"/events/{held_event.id}/report").status_code == 404

    auth.sign_in(STRANGER)
    assert client.get(page).status_code == 404
    auth.sign_out()

    auth.sign_in(HOST)
    assert "Waiting for a steward" in client.get(page).text
    auth.sign_out()

    auth.sign_in(STEWARD)
    assert "Waiting for a steward" in client.get(page).text


# -- reporting ----------------------------------------------------------------------------------


def test_report_needs_a_reason(app, make_event):
    event = make_event()

    with pytest.raises(InvalidInput, match="what is wrong"):
        report_event(event, None, "   ")


def test_anyone_can_report_an_event_and_stewards_see_it(client, auth, make_event, steward):
    event = make_event(title="Free crypto seminar")

    assert client.get(f"/events/{event.id}/report").status_code == 200
    response = client.post(f"/events/{event.id}/report", data={"reason": "  Looks like a scam.  "})

    assert response.status_code == 302
    assert response.headers["Location"] == event_page(event)
    assert "Thank you. A steward will look at it." in client.get(event_page(event)).text
    [report] = open_reports(event)
    assert report.reason == "Looks like a scam."
    assert report.reporter_id is None

    auth.sign_in(STEWARD)
    queue = client.get("/stewards/")
    assert queue.status_code == 200
    assert "Free crypto seminar" in queue.text
    assert "Looks like a scam." in queue.text


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
def test_report_without_a_reason_is_refused(client, make_event, reason):
    event = make_event()

    response = client.post(f"/events/{event.id}/report", data={"reason": reason})

    assert response.status_code == 422
    assert "Say briefly what is wrong" in response.text
    assert open_reports(event) == []


def test_signed_in_reporter_is_remembered(client, auth, make_event, make_person):
    event = make_event()
    reporter = make_person(email=STRANGER, name="Sid")
    auth.sign_in(STRANGER)

    client.post(f"/events/{event.id}/report", data={"reason": "Wrong venue."})

    assert open_reports(event)[0].reporter_id == reporter.id


# -- what stewards do: the rules ----------------------------------------------------------------


def test_approve_publishes_a_held_event_and_tells_its_hosts(mailbox, held_event, steward):
    approve(held_event, steward)
    db.session.commit()
    deliver()

    assert held_event.status is EventStatus.PUBLISHED
    assert held_event.published_at is not None
    assert subjects_to(mailbox, HOST) == ["Your gathering is live: Brew and biscuits"]


def test_approving_a_reported_event_keeps_it_up_and_closes_its_reports(make_event, steward):
    event = make_event()
    report_event(event, None, "Not sure about this.")

    approve(event, steward)

    assert event.status is EventStatus.PUBLISHED
    assert open_reports(event) == []


def test_hide_takes_a_reported_event_down_and_closes_its_reports(make_event, steward):
    event = make_event()
    report = report_event(event, None, "Spam.")
    sequence = event.sequence

    hide(event, steward)

    assert event.status is EventStatus.HIDDEN
    assert not can_view(None, event)
    assert event.sequence == sequence + 1
    assert report.resolved_at is not None
    assert report.resolved_by_id == steward.id


def test_restore_puts_a_hidden_event_back(make_event, steward):
    event = make_event()
    hide(event, steward)
    sequence = event.sequence

    restore(event, steward)

    assert event.status is EventStatus.PUBLISHED
    assert can_view(None, event)
    assert event.sequence == sequence + 1


def test_only_hidden_events_can_be_restored(make_event, steward):
    with pytest.raises(InvalidInput, match="Only hidden"):
        restore(make_event(), steward)


def test_restoring_a_hidden_cancelled_event_keeps_it_cancelled(make_event, host, steward):
    event = make_event(host=host)
    cancel_event(event, host, "The café is closed.")
    hide(event, steward)

    restore(event, steward)

    assert event.status is EventStatus.CANCELLED


@pytest.mark.parametrize("action", [approve, hide, restore])
def test_only_stewards_can_moderate(held_event, host, action):
    with pytest.raises(NotAllowed):
        action(held_event, host)

    assert held_event.status is EventStatus.HELD


# -- what stewards do: the pages ----------------------------------------------------------------


def test_steward_approves_a_held_event_from_the_queue(client, auth, mailbox, held_event, steward):
    auth.sign_in(STEWARD)
    assert "Brew and biscuits" in client.get("/stewards/").text

    response = client.post(f"/stewards/events/{held_event.id}/approve")

    assert response.status_code == 302
    assert response.headers["Location"] == "/stewards/"
    assert "Approved: the gathering is live." in client.get("/stewards/").text
    db.session.refresh(held_event)
    assert held_event.status is EventStatus.PUBLISHED
    assert subjects_to(mailbox, HOST) == ["Your gathering is live: Brew and biscuits"]
    auth.sign_out()
    assert client.get(event_page(held_event)).status_code == 200


def test_steward_hides_a_reported_event_then_restores_it(client, auth, make_event, steward):
    event = make_event(title="Free crypto seminar")
    client.post(f"/events/{event.id}/report", data={"reason": "Spam."})
    sequence = event.sequence
    auth.sign_in(STEWARD)

    response = client.post(f"/stewards/events/{event.id}/hide")

    assert response.status_code == 302
    assert "Hidden: only its hosts and stewards can see it now." in client.get("/stewards/").text
    db.session.refresh(event)
    assert event.sequence == sequence + 1
    assert open_reports(event) == []
    assert client.get(event_page(event)).status_code == 200  # stewards still see it
    auth.sign_out()
    assert client.get(event_page(event)).status_code == 404
    assert "Free crypto seminar" not in client.get("/").text

    auth.sign_in(STEWARD)
    response = client.post(f"/stewards/events/{event.id}/restore")

    assert response.status_code == 302
    assert "Restored: the gathering is live again." in client.get("/stewards/").text
    auth.sign_out()
    assert client.get(event_page(event)).status_code == 200
    assert "Free crypto seminar" in client.get("/").text


def test_a_refused_steward_action_is_explained(client, auth, make_event, steward):
    event = make_event()
    auth.sign_in(STEWARD)

    response = client.post(f"/stewards/events/{event.id}/restore")

    assert response.status_code == 302
    assert "Only hidden gatherings can be restored." in client.get("/stewards/").text
    db.session.refresh(event)
    assert event.status is EventStatus.PUBLISHED


def test_steward_action_on_a_missing_event_is_404(client, auth, steward):
    auth.sign_in(STEWARD)

    assert client.post("/stewards/events/999/approve").status_code == 404
    assert client.post(f"/stewards/events/{2**40}/approve").status_code == 404


STEWARD_POSTS = ["approve", "hide", "restore"]


def test_non_steward_is_refused_the_stewards_pages(client, auth, held_event):
    auth.sign_in(HOST)  # even the event's own host

    assert client.get("/stewards/").status_code == 403
    assert client.get("/stewards/places").status_code == 403
    assert client.post("/stewards/places", data={"name": "Bramley"}).status_code == 403
    for action in STEWARD_POSTS:
        assert client.post(f"/stewards/events/{held_event.id}/{action}").status_code == 403, action

    db.session.refresh(held_event)
    assert held_event.status is EventStatus.HELD
    assert db.session.scalar(db.select(Place).where(Place.name == "Bramley")) is None


def test_anonymous_visitor_is_sent_to_sign_in_from_the_stewards_pages(client, held_event):
    paths = [("get", "/stewards/"), ("get", "/stewards/places"), ("post", "/stewards/places")]
    paths += [("post", f"/stewards/events/{held_event.id}/{action}") for action in STEWARD_POSTS]

    for method, path in paths:
        response = getattr(client, method)(path)

        assert response.status_code == 302, path
        location = urlsplit(response.headers["Location"])
        assert location.path == "/sign-in"
        assert parse_qs(location.query)["next"] == [path]


# -- places -------------------------------------------------------------------------------------


def test_add_place_refuses_a_name_already_taken(steward, make_place):
    make_place("Armley")

    with pytest.raises(InvalidInput, match="already a place called"):
        add_place(steward, "ARMLEY")
    with pytest.raises(InvalidInput, match="already a place called"):
        add_place(steward, "Armley!")  # the same slug


def test_only_stewards_add_places(host):
    with pytest.raises(NotAllowed):
        add_place(host, "Bramley")


def test_steward_adds_a_place(client, auth, steward):
    auth.sign_in(STEWARD)

    response = client.post("/stewards/places", data={"name": "Bramley"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/stewards/places"
    page = client.get("/stewards/places")
    assert "Added Bramley." in page.text
    assert db.session.scalar(db.select(Place).where(Place.slug == "bramley")).name == "Bramley"


def test_steward_adding_a_duplicate_place_is_told_why(client, auth, steward, make_place):
    make_place("Armley")
    auth.sign_in(STEWARD)

    response = client.post("/stewards/places", data={"name": "armley"})

    assert response.status_code == 422
    assert "There is already a place called armley." in response.text
    assert len(db.session.scalars(db.select(Place)).all()) == 1


def test_steward_adding_a_blank_place_is_refused(client, auth, steward):
    auth.sign_in(STEWARD)

    response = client.post("/stewards/places", data={"name": "   "})

    assert response.status_code == 422
    assert "Give the place a name." in response.text
    assert db.session.scalars(db.select(Place)).all() == []


# -- the steward commands -----------------------------------------------------------------------


def stewards_now() -> list[str]:
    """Stewards' emails as the database has them (the CLI commits in its own session)."""
    db.session.commit()  # end this session's transaction, so it reads what the CLI wrote
    return db.session.scalars(db.select(Person.email).where(Person.is_steward).order_by(Person.email)).all()


def test_steward_add_list_and_remove_from_the_command_line(runner, make_person):
    make_person(email="alex@example.org", name="Alex")

    result = runner.invoke(args=["steward", "add", STEWARD])
    assert result.exit_code == 0, result.output
    assert "sam@example.org is a steward." in result.output
    assert stewards_now() == [STEWARD]
    runner.invoke(args=["steward", "add", "rue@example.org"])

    result = runner.invoke(args=["steward", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["rue@example.org", STEWARD]

    result = runner.invoke(args=["steward", "remove", STEWARD])
    assert result.exit_code == 0, result.output
    assert "sam@example.org is no longer a steward." in result.output
    assert stewards_now() == ["rue@example.org"]


def test_a_steward_added_on_the_command_line_can_open_the_queue(client, auth, runner):
    runner.invoke(args=["steward", "add", STEWARD])
    db.session.commit()

    auth.sign_in(STEWARD)

    assert client.get("/stewards/").status_code == 200


# -- words --------------------------------------------------------------------------------------


def test_the_site_never_says_admin(client, auth, runner, make_event, held_event, steward):
    reported = make_event(title="Free crypto seminar")
    client.post(f"/events/{reported.id}/report", data={"reason": "Spam."})
    auth.sign_in(STEWARD)

    pages = {path: client.get(path).text for path in ["/", "/stewards/", "/stewards/places", event_page(held_event)]}
    pages["flask steward --help"] = runner.invoke(args=["steward", "--help"]).output

    for name, text in pages.items():
        assert "admin" not in text.lower(), name


# -- what confirming a proposal promises ---------------------------------------------------------


def confirm_page_and_email(client, mailbox, email: str = "nadia@example.org") -> tuple[str, str]:
    """Propose as a guest; return the text of the confirmation email and of its link's page."""
    response = client.post("/events/new", data=proposal(email=email))
    assert response.status_code == 302
    message = mailbox.last_to(email)
    page = client.get(mailbox.link_to(email))
    assert page.status_code == 200
    return message.get_content(), page.text


def test_in_open_mode_the_confirmation_promises_to_publish(client, mailbox, moderation, make_place):
    moderation("open")
    make_place("Armley")

    email, page = confirm_page_and_email(client, mailbox)

    assert "publish your gathering: it goes live straight away" in email
    assert "steward" not in email
    assert ">Confirm and publish</button>" in page
    assert "send your gathering to a steward" not in page


@pytest.mark.parametrize("mode", ["newcomers", "all"])
def test_a_held_proposal_says_a_steward_will_look_first(client, mailbox, moderation, make_place, mode):
    moderation(mode)
    make_place("Armley")

    email, page = confirm_page_and_email(client, mailbox)

    assert "send your gathering to a steward" in email
    assert "looks at it before it goes live" in email
    assert "goes live straight away" not in email
    assert ">Confirm and send to a steward</button>" in page
    assert "Confirm and publish" not in page
    client.post(mailbox.link_to("nadia@example.org"))
    assert db.session.scalars(db.select(Event)).one().status is EventStatus.HELD  # as promised


def test_in_newcomers_mode_someone_published_before_is_promised_publishing(
    client, mailbox, moderation, make_place, host, steward
):
    moderation("newcomers")
    make_place("Armley")
    approve(propose(host, title="First"), steward)
    db.session.commit()

    email, page = confirm_page_and_email(client, mailbox, email=HOST)

    assert "goes live straight away" in email
    assert ">Confirm and publish</button>" in page
    client.post(mailbox.link_to(HOST))
    second = db.session.scalars(db.select(Event).where(Event.title != "First")).one()
    assert second.status is EventStatus.PUBLISHED  # as promised


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("open", "Your gathering then goes live straight away."),
        ("all", "A steward then looks at it, and we email you when it is live."),
        ("newcomers", "if this is the first gathering from your address, a steward looks at it first"),
    ],
)
def test_the_check_your_email_page_says_what_happens_in_the_site_s_mode(app, client, mode, words):
    app.config["MODERATION"] = mode
    page = client.get("/events/new/check-email")
    assert page.status_code == 200
    assert words in " ".join(page.text.split())
