"""Brew and biscuits' pages (issue 13): the sign-up and its emailed link, bad input beside
its field, the "snooze, come back or leave" link and /me, each meeting's one-click page,
the private meeting in its people's personal feeds only, the follow-up, CSRF and 404s.
The rules themselves are tested in test_brew.py and test_brew_rounds.py."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventsite import brew, brew_rounds
from eventsite.brew import SignUp
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.mail import deliver
from eventsite.models import BrewGroup, BrewGroupMember, BrewMember, BrewMode, BrewSector, MetAnswer, PendingBrewSignup
from tests.conftest import new_person, new_place

GUEST = {"name": "Gus", "email": "gus@example.org"}
GOOD = {
    "sector": "housing",
    "organisation": "Leeds Homes",
    "place": "online",
    "mode": "either",
    "about": "How tenancy support works",
    "interests": "tenancy, hoarding",
    "frequency": "monthly",
    "share_email": "y",
    "excluded": "",
}


def members() -> int:
    return db.session.scalar(select(func.count()).select_from(BrewMember))


def the_member() -> BrewMember:
    db.session.expire_all()
    return db.session.scalar(select(BrewMember))


def error_beside(page: str, field: str) -> str:
    """The message shown beside ``field`` ("" when there is none)."""
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def sign_up_as_guest(client, mailbox, email="gus@example.org", **fields):
    """Sign up not signed in, then use the emailed link (GET the page, POST its button)."""
    response = client.post("/brew", data={**GOOD, **GUEST, "email": email, **fields})
    assert response.status_code == 302, response.text
    link = mailbox.link_to(email, containing="/brew/confirm/")
    assert client.get(link).status_code == 200
    return client.post(link)


def joined(email: str, name: str, sector: BrewSector, **fields) -> BrewMember:
    member, _ = brew.join(new_person(email=email, name=name), SignUp(sector=sector, mode=BrewMode.ONLINE, **fields))
    db.session.commit()
    return member


@pytest.fixture
def pair(app, mailbox):
    """Two members from different sectors, paired in a round; their introductions are sent."""
    ada = joined("ada@example.org", "Ada", BrewSector.HOUSING, share_email=False, about="Damp and mould")
    bo = joined("bo@example.org", "Bo", BrewSector.PRIMARY_CARE, organisation="Leeds GP", interests=["frailty"])
    brew_rounds.start_round()
    db.session.commit()
    deliver()
    group = db.session.scalar(select(BrewGroup))
    return {
        "group": group,
        "ada": ada,
        "bo": bo,
        "ada_link": mailbox.link_to("ada@example.org", containing="/brew/meet/"),
        "bo_link": mailbox.link_to("bo@example.org", containing="/brew/meet/"),
    }


def row_of(group: BrewGroup, member: BrewMember) -> BrewGroupMember:
    db.session.expire_all()
    return db.session.get(BrewGroupMember, (group.id, member.person_id))


# -- the page and the sign-up ---------------------------------------------------------------------


def test_the_page_explains_the_scheme_and_the_matching_rule(client, app):
    page = client.get("/brew")
    assert page.status_code == 200
    assert "<h1>Brew and biscuits</h1>" in page.text
    rule = re.search(r'<p id="matching-rule">(.*?)</p>', page.text, re.S).group(1)
    assert "different sector" in rule
    assert len([part for part in re.split(r"[.!?](?:\s|$)", " ".join(rule.split())) if part.strip()]) == 2
    for field in ("name", "email", "sector", "organisation", "place", "about", "interests", "excluded"):
        assert f'id="{field}"' in page.text, field
    assert "<legend>How you&#39;d meet</legend>" in page.text
    assert "<legend>How often</legend>" in page.text
    assert "Share my email address with the people I&#39;m paired with" in page.text
    assert 'href="/brew"' in client.get("/").text  # in the site's navigation


def test_guest_signs_up_confirms_by_link_and_is_signed_in(client, mailbox, app):
    response = client.post("/brew", data={**GOOD, **GUEST})
    assert response.status_code == 302
    assert response.location.endswith("/brew/check-email")
    assert "Check your email" in client.get("/brew/check-email").text
    assert members() == 0
    link = mailbox.link_to("gus@example.org", containing="/brew/confirm/")
    page = client.get(link)
    assert page.status_code == 200
    assert "gus@example.org" in page.text
    assert "Confirm and join" in page.text
    assert members() == 0  # a GET changes nothing
    assert db.session.scalar(select(func.count()).select_from(PendingBrewSignup)) == 1
    response = client.post(link)
    assert response.status_code == 302
    assert response.location.endswith("/me/#brew")
    member = the_member()
    assert (member.person.email, member.person.name, member.sector) == ("gus@example.org", "Gus", BrewSector.HOUSING)
    assert member.interests == ["tenancy", "hoarding"]
    assert (member.place, member.travels) == (None, False)  # "online is fine"
    me = client.get("/me/")
    assert "Sign out (Gus)" in me.text
    assert "In the pool" in me.text
    assert "You're in" in mailbox.last_to("gus@example.org")["Subject"]
    assert client.post(link).status_code == 410  # once only
    assert client.get(link).status_code == 410
    assert client.get("/brew/confirm/nonsense").status_code == 410


def test_signed_in_person_joins_at_once_with_their_place(client, auth, app):
    armley = new_place("Armley")
    new_person(email="ada@example.org", name="Ada")
    auth.sign_in("ada@example.org")
    page = client.get("/brew")
    assert 'id="email"' not in page.text  # signed in: the address is known
    response = client.post("/brew", data={**GOOD, "place": str(armley.id), "mode": "in-person"})
    assert response.status_code == 302
    member = the_member()
    assert (member.place, member.mode, member.person.email) == (armley, BrewMode.IN_PERSON, "ada@example.org")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sector": "astronaut"}, "sector", "Choose where you work, or who you are, from the list."),
        ({"place": "999999999999999999999"}, "place", "Choose your area, “Happy to travel” or “Online is fine”."),
        ({"place": "atlantis"}, "place", "Choose your area, “Happy to travel” or “Online is fine”."),
        ({"excluded": "boss@example.org\nnot-an-address"}, "excluded", "“not-an-address” is not an email address."),
        ({"excluded": "gus@example.org"}, "excluded", "That list has your own address in it."),
        (
            {"mode": "in-person", "place": "online"},
            "place",
            "To meet in person, choose your area or “Happy to travel”.",
        ),
        ({"about": "x" * 301}, "about", "Keep it to 300 characters or fewer."),
        ({"interests": "a, b, c, d, e, f"}, "interests", "Use at most 5 tags."),
        ({"mode": "teleport"}, "mode", "Choose in person, online or either."),
        ({"frequency": "hourly"}, "frequency", "Choose how often you'd like a brew."),
        ({"email": ""}, "email", "Enter your email address"),
        ({"name": ""}, "name", "Enter your name"),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_saved(client, mailbox, app, fields, field, message):
    response = client.post("/brew", data={**GOOD, **GUEST, **fields})
    assert response.status_code == 422
    assert message in error_beside(response.text, field)
    assert re.search(
        rf'aria-describedby="[^"]*{field}-error" aria-invalid="true"', response.text
    )  # linked for screen readers
    assert db.session.scalar(select(func.count()).select_from(PendingBrewSignup)) == 0
    assert members() == 0
    assert mailbox.messages == []


def test_every_message_shows_at_once_and_what_was_typed_stays(client, app):
    response = client.post("/brew", data={"about": "x" * 301, "organisation": "Leeds Homes", "excluded": "nope"})
    assert response.status_code == 422
    for field in ("sector", "place", "about", "excluded", "name", "email"):
        assert error_beside(response.text, field), field
    assert 'value="Leeds Homes"' in response.text


def test_missing_fields_and_hostile_values_do_not_break_the_form(client, app):
    assert client.post("/brew", data={}).status_code == 422
    response = client.post("/brew", data={**GOOD, **GUEST, "about": "Hi\x00there", "sector": "\r\nX: 1"})
    assert response.status_code == 422
    assert members() == 0


def test_signing_up_again_signed_in_updates_the_one_membership(client, auth, app):
    new_person(email="ada@example.org", name="Ada")
    auth.sign_in("ada@example.org")
    client.post("/brew", data=GOOD)
    page = client.get("/brew")
    assert "Change your sign-up" in page.text
    assert 'value="Leeds Homes"' in page.text  # the form shows the current sign-up
    response = client.post("/brew", data={**GOOD, "sector": "social-care", "frequency": "every-round"})
    assert response.status_code == 302
    assert members() == 1
    assert the_member().sector is BrewSector.SOCIAL_CARE


def test_a_guest_confirming_twice_updates_the_one_membership(app, mailbox):
    assert sign_up_as_guest(app.test_client(), mailbox).status_code == 302
    assert sign_up_as_guest(app.test_client(), mailbox, sector="public-health").status_code == 302
    assert members() == 1
    assert the_member().sector is BrewSector.PUBLIC_HEALTH


def test_a_guest_typing_a_members_address_changes_nothing_until_the_link_is_used(client, mailbox, app):
    joined("ada@example.org", "Ada", BrewSector.HOUSING, about="Damp and mould")
    response = client.post("/brew", data={**GOOD, "name": "Mallory", "email": "ada@example.org", "sector": "other"})
    assert response.location.endswith("/brew/check-email")  # the same answer as for a new address
    member = the_member()
    assert (member.sector, member.about, member.person.name) == (BrewSector.HOUSING, "Damp and mould", "Ada")
    assert "Sign out" not in client.get("/brew").text
    client.post(mailbox.link_to("ada@example.org", containing="/brew/confirm/"))  # only Ada's inbox has it
    assert the_member().sector is BrewSector.OTHER
    assert the_member().person.name == "Ada"


# -- snooze, come back and leave ------------------------------------------------------------------


def manage_link(mailbox, email="gus@example.org") -> str:
    return mailbox.link_to(email, containing="/brew/you/")


def test_snooze_come_back_and_leave_from_the_emailed_link(app, mailbox):
    sign_up_as_guest(app.test_client(), mailbox)
    client = app.test_client()  # the link works without signing in
    link = manage_link(mailbox)
    page = client.get(link)
    assert page.status_code == 200
    assert "In the pool" in page.text
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    refused = client.post(f"{link}/snooze", data={"until": yesterday})
    assert refused.status_code == 422
    assert error_beside(refused.text, "until") == "Choose a day after today."
    assert the_member().snoozed_until is None
    until = (utcnow() + timedelta(days=30)).date()
    response = client.post(f"{link}/snooze", data={"until": until.isoformat()})
    assert response.status_code == 302
    assert the_member().snoozed_until == until
    assert "Snoozed until" in client.get(link).text
    assert client.post(f"{link}/come-back").status_code == 302
    assert the_member().snoozed_until is None
    response = client.post(f"{link}/leave")
    assert response.status_code == 302
    assert response.location.endswith("/brew")
    assert members() == 0
    assert client.get(link).status_code == 404


def test_snooze_come_back_and_leave_from_my_page(client, auth, app):
    new_person(email="ada@example.org", name="Ada")
    auth.sign_in("ada@example.org")
    assert "Not signed up" in client.get("/me/").text
    client.post("/brew", data=GOOD)
    refused = client.post("/brew/me/snooze", data={"until": "not a date"})
    assert refused.status_code == 422
    assert error_beside(refused.text, "until")
    until = (utcnow() + timedelta(days=10)).date()
    response = client.post("/brew/me/snooze", data={"until": until.isoformat()})
    assert response.location.endswith("/me/#brew")
    assert the_member().snoozed_until == until
    me = client.get("/me/").text
    assert "Snoozed until" in me
    assert 'action="/brew/me/come-back"' in me
    client.post("/brew/me/come-back")
    assert the_member().snoozed_until is None
    client.post("/brew/me/leave")
    assert members() == 0
    assert client.post("/brew/me/come-back").status_code == 404  # no longer a member


def test_my_page_actions_need_signing_in(client, app):
    response = client.post("/brew/me/leave")
    assert response.status_code == 302
    assert "/sign-in" in response.location


@pytest.mark.parametrize(
    "path",
    [
        "/brew/you/nonsense",
        "/brew/you/1." + "0" * 32,
        "/brew/you/99999999999999999999." + "0" * 32,
        "/brew/meet/nonsense",
        "/brew/meet/1." + "0" * 32,
        "/brew/meet/99999999999999999999." + "0" * 32,
        "/brew/meet/1." + "0" * 32 + ".ics",
    ],
)
def test_a_wrong_key_is_404(client, pair, path):
    assert client.get(path).status_code == 404


def test_a_wrong_key_is_404_for_every_post(client, pair):
    wrong = "/brew/meet/" + str(pair["group"].id) + "." + "0" * 32
    for path in (f"{wrong}/slots/0", f"{wrong}/met", "/brew/you/1." + "0" * 32 + "/leave"):
        assert client.post(path, data={"met": "yes"}).status_code == 404, path
    assert members() == 2


# -- a meeting ------------------------------------------------------------------------------------


def test_the_meeting_page_shows_what_each_chose_to_share_and_changes_nothing(client, pair):
    before = pair["group"].updated_at
    page = client.get(pair["bo_link"])
    assert page.status_code == 200
    assert "Ada" in page.text
    assert "Damp and mould" in page.text
    assert "ada@example.org" not in page.text  # Ada does not share her address
    assert page.text.count("This works for me") == 3
    other = client.get(pair["ada_link"]).text
    for shared in ("Leeds GP", "frailty", "bo@example.org"):
        assert shared in other
    assert row_of(pair["group"], pair["bo"]).accepted == []
    assert db.session.get(BrewGroup, pair["group"].id).updated_at == before
    assert client.get(pair["bo_link"] + ".ics").status_code == 404  # nothing agreed yet


def test_accepting_the_same_slot_agrees_the_meeting_and_emails_the_calendar(client, pair, mailbox):
    response = client.post(pair["ada_link"] + "/slots/1", data={"accepted": "1"})
    assert response.status_code == 302
    assert row_of(pair["group"], pair["ada"]).accepted == [1]
    assert "Works for you" in client.get(pair["ada_link"]).text
    assert "Works for Ada" in client.get(pair["bo_link"]).text
    assert "No longer works" in client.get(pair["ada_link"]).text
    assert not [m for m in mailbox.messages if m["Subject"].startswith("It's agreed")]
    client.post(pair["bo_link"] + "/slots/1", data={"accepted": "1"})
    group = db.session.get(BrewGroup, pair["group"].id)
    db.session.refresh(group)
    assert group.agreed_slot == 1
    for email in ("ada@example.org", "bo@example.org"):
        agreed = mailbox.last_to(email)
        assert agreed["Subject"].startswith("It's agreed")
        (ics,) = mailbox.attachments(agreed)
        assert ics.get_content_type() == "text/calendar"
        assert "BEGIN:VEVENT" in ics.get_content()
    page = client.get(pair["ada_link"])
    assert "It's agreed" in page.text
    assert "This works for me" not in page.text
    download = client.get(pair["ada_link"] + ".ics")
    assert download.status_code == 200
    assert download.mimetype == "text/calendar"
    assert "Brew with Bo" in download.text
    refused = client.post(pair["ada_link"] + "/slots/0", data={"accepted": "1"}, follow_redirects=True)
    assert "already agreed" in refused.text


def test_withdrawing_a_slot_takes_it_back(client, pair):
    client.post(pair["ada_link"] + "/slots/2", data={"accepted": "1"})
    client.post(pair["ada_link"] + "/slots/2", data={"accepted": "0"})
    assert row_of(pair["group"], pair["ada"]).accepted == []


def test_a_slot_that_does_not_exist_is_refused_without_error(client, pair):
    for index in ("3", "99999999999999999999999"):
        response = client.post(pair["ada_link"] + f"/slots/{index}", data={"accepted": "1"}, follow_redirects=True)
        assert response.status_code == 200
        assert "Choose one of the suggested times." in response.text
    assert row_of(pair["group"], pair["ada"]).accepted == []


def agree(client, pair) -> None:
    for link in (pair["ada_link"], pair["bo_link"]):
        assert client.post(link + "/slots/0", data={"accepted": "1"}).status_code == 302


def test_the_agreed_meeting_is_in_its_peoples_personal_feeds_only(client, pair):
    outsider = new_person(email="cy@example.org", name="Cy")
    agree(client, pair)
    for member, other in ((pair["ada"], "Bo"), (pair["bo"], "Ada")):
        feed = client.get(f"/feeds/{feed_token(member.person)}.ics")
        assert feed.status_code == 200
        assert f"Brew with {other}" in feed.text
        assert "CLASS:PRIVATE" in feed.text
    assert "Brew with" not in client.get(f"/feeds/{feed_token(outsider)}.ics").text
    for path in ("/calendar.ics", "/", "/api/events", "/feed.atom", "/embed", "/calendar"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Brew with" not in response.text, path
        assert "brew-" not in response.text, path


def test_the_follow_up_answer_is_recorded_by_post_only(client, pair):
    agree(client, pair)
    assert 'id="yes"' not in client.get(pair["ada_link"]).text  # not before the time
    group = db.session.get(BrewGroup, pair["group"].id)
    past = utcnow() - timedelta(days=1)
    group.slots = [(past + timedelta(minutes=n)).astimezone(UTC).isoformat() for n in range(3)]
    db.session.commit()
    page = client.get(pair["ada_link"])
    for answer in ("yes", "not-yet", "could-not"):  # the follow-up email's #anchors
        assert f'id="{answer}"' in page.text
    assert row_of(pair["group"], pair["ada"]).met is None  # a GET changes nothing
    response = client.post(pair["ada_link"] + "/met", data={"met": "yes"})
    assert response.status_code == 302
    assert row_of(pair["group"], pair["ada"]).met is MetAnswer.YES
    bad = client.post(pair["ada_link"] + "/met", data={"met": "maybe"}, follow_redirects=True)
    assert "Choose “Yes”" in bad.text
    assert row_of(pair["group"], pair["ada"]).met is MetAnswer.YES


def test_the_follow_up_cannot_be_answered_before_the_meeting(client, pair):
    agree(client, pair)
    early = client.post(pair["ada_link"] + "/met", data={"met": "yes"}, follow_redirects=True)
    assert "once the time has come" in early.text
    assert row_of(pair["group"], pair["ada"]).met is None


def test_my_page_lists_my_meetings(client, auth, pair):
    auth.sign_in("ada@example.org")
    me = client.get("/me/").text
    token = pair["ada_link"].rsplit("/", 1)[1]
    assert f"/brew/meet/{token}" in me
    assert "choose a time" in me


# -- CSRF -----------------------------------------------------------------------------------------


POST_FORM = re.compile(r'<form method="post".*?</form>', re.S)


def test_every_form_carries_a_csrf_token_and_every_post_needs_one(app, mailbox, pair):
    client = app.test_client()
    client.post("/brew", data={**GOOD, **GUEST})
    confirm = mailbox.link_to("gus@example.org", containing="/brew/confirm/")
    manage = brew.manage_url(pair["ada"]).removeprefix("http://eventsite.test")
    app.config["WTF_CSRF_ENABLED"] = True
    pages = ["/brew", confirm, manage, pair["ada_link"]]
    forms = [form for path in pages for form in POST_FORM.findall(client.get(path).text)]
    # the sign-up; confirm; snooze and leave; the three slots; and each page's language switcher
    assert len(forms) == 7 + len(pages)
    for form in forms:
        assert 'name="csrf_token"' in form, form
    posts = [
        ("/brew", {**GOOD, **GUEST, "email": "eve@example.org"}),
        (confirm, {}),
        (f"{manage}/snooze", {"until": (utcnow() + timedelta(days=9)).date().isoformat()}),
        (f"{manage}/leave", {}),
        (pair["ada_link"] + "/slots/0", {"accepted": "1"}),
        (pair["ada_link"] + "/met", {"met": "yes"}),
        ("/brew/me/leave", {}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
    assert members() == 2
    assert the_member().snoozed_until is None
    assert row_of(pair["group"], pair["ada"]).accepted == []
    assert db.session.scalar(select(func.count()).select_from(PendingBrewSignup)) == 1  # Gus's, not Eve's


def test_my_page_brew_forms_carry_a_csrf_token(app, client, auth):
    new_person(email="ada@example.org", name="Ada")
    auth.sign_in("ada@example.org")
    client.post("/brew", data=GOOD)
    app.config["WTF_CSRF_ENABLED"] = True
    me = client.get("/me/").text
    section = me[me.index('id="brew"') : me.index("</section>", me.index('id="brew"'))]
    forms = POST_FORM.findall(section)
    assert len(forms) == 2  # snooze and leave (not resting: no "come back")
    assert all('name="csrf_token"' in form for form in forms)


def test_suggested_slots_are_shown_in_local_time(client, pair):
    group = pair["group"]
    first = datetime.fromisoformat(group.slots[0]).astimezone(group.zone)
    assert first.strftime("%A %-d %B, %H:%M") in client.get(pair["ada_link"]).text


HOSTILE = ["", "\x00", "\r\nX-Injected: 1", "<script>x</script>", "9" * 40, "-1", "😀" * 300, "a" * 5000]


def test_hostile_input_never_breaks_a_brew_page(app, client, pair):
    manage = brew.manage_url(pair["ada"]).removeprefix("http://eventsite.test")
    meet = pair["ada_link"]
    paths = ["/brew", f"{manage}/snooze", f"{manage}/come-back", f"{meet}/slots/0", f"{meet}/slots/9{'9' * 30}"]
    paths += [f"{meet}/met", "/brew/confirm/x", f"/brew/confirm/{'a' * 5000}"]
    fields = [*GOOD, *GUEST, "until", "accepted", "met"]
    failures = []
    for value in HOSTILE:
        for path in paths:
            response = client.post(path, data=dict.fromkeys(fields, value))
            if response.status_code >= 500:
                failures.append(f"POST {path[:60]} {value[:10]!r}: {response.status_code}")
            db.session.rollback()
        for path in (f"/brew/you/{value}", f"/brew/meet/{value}", f"/brew/meet/{value}.ics", f"/brew/confirm/{value}"):
            if client.get(path).status_code >= 500:
                failures.append(f"GET {path[:60]}")
    assert failures == []
    assert members() == 2
    assert row_of(pair["group"], pair["ada"]).met is None
