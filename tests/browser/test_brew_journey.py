"""Brew and biscuits in a real browser: a newcomer signs up without an account and confirms
by the emailed link, a steward starts a round, both people open their introductions and
accept the same time, and the meeting is in their personal feeds (and no public one).
On a desktop, a phone, and without JavaScript; axe and the layout checks on every page."""

from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import delete, select

from eventsite.brew import SignUp, join
from eventsite.brew_rounds import start_round
from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.mail import deliver
from eventsite.models import BrewGroup, BrewMember, BrewMode, BrewRound, BrewSector, BrewVenue, Person
from tests.browser.conftest import a_place, visit, wait_for_link
from tests.conftest import new_person


def arrange_pool(mode: str, who: str = "journey") -> tuple[Person, Person]:
    """A pool of one (Ben, social care, in Armley), a venue there, and a steward. Earlier
    journeys' members leave and their rounds move back a day: each journey pairs only its own."""
    db.session.execute(delete(BrewMember))
    for brew_round in db.session.scalars(select(BrewRound)):
        brew_round.started_at -= timedelta(days=1)
    armley = a_place("Armley")
    if not db.session.scalars(select(BrewVenue).where(BrewVenue.place_id == armley.id)).first():
        db.session.add(BrewVenue(place=armley, name="Cup of Armley", address="12 Town Street"))
    ben = new_person(f"ben.brew.{who}.{mode}@example.org", "Ben Barnes")
    join(ben, SignUp(sector=BrewSector.SOCIAL_CARE, place=armley, mode=BrewMode.IN_PERSON, about="Reablement"))
    steward = new_person(f"sam.brew.{who}.{mode}@example.org", "Sam Steward", steward=True)
    db.session.commit()
    deliver()  # Ben's welcome, with his "snooze, come back or leave" link
    return ben, steward


def test_sign_up_confirm_a_round_both_accept_and_it_is_in_their_feeds(site, people, mailbox):
    mode = people.mode
    ben, steward = arrange_pool(mode)
    ada_email = f"ada.brew.{mode}@example.org"

    # A newcomer signs up from the brew page, with no account.
    ada = people()
    page = ada.page
    visit(page, "/brew")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brew and biscuits")
    expect(page.locator("#matching-rule")).to_contain_text("different sector")
    ada.check("brew-page")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email").fill(ada_email)
    page.get_by_label("Where you work, or who you are").select_option(label="Housing")
    page.get_by_label("Organisation").fill("Leeds Housing Options")
    page.get_by_label("Where you are").select_option(label="Armley")
    page.get_by_label("In person").check()
    page.get_by_label("What you'd like to learn about, or could show someone").fill("How reablement works")
    page.get_by_label("Every round").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")
    db.session.rollback()
    assert db.session.scalars(select(BrewMember).join(Person).where(Person.email == ada_email)).first() is None

    # The emailed link shows a button; pressing it joins and signs in.
    visit(page, wait_for_link(mailbox, ada_email, "/brew/confirm/"))
    ada.check("brew-confirm")
    page.get_by_role("button", name="Confirm and join").click()
    expect(page.get_by_text("Thank you for confirming. You're in the pool.")).to_be_visible()
    expect(page.locator("#brew")).to_be_visible()

    # A steward starts a round: counts only, never names.
    sam = people()
    sam.sign_in(steward.email, mailbox)
    visit(sam.page, "/stewards/brew")
    expect(sam.page.locator("main")).not_to_contain_text("Ada Lovelace")
    sam.check("brew-stewards")
    sam.page.get_by_role("button", name="Start a round now").click()
    expect(sam.page.get_by_text("1 pair", exact=False)).to_be_visible()

    # Each opens their own introduction and accepts the second time.
    introduction = wait_for_link(mailbox, ada_email, "/brew/meet/")
    assert "Ben Barnes" in mailbox.last_to(ada_email).get_body(("plain",)).get_content()
    visit(page, introduction)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your brew with Ben Barnes")
    expect(page.get_by_role("region", name="Who you're meeting")).to_contain_text("Social care")
    expect(page.get_by_role("region", name="Three times to choose from")).to_contain_text("Cup of Armley")
    ada.check("brew-meeting")
    page.locator("#slot-1").get_by_role("button", name="This works for me").click()
    expect(page.get_by_text("Noted, thank you.")).to_be_visible()
    expect(page.locator("#slot-1")).to_contain_text("Works for you")

    bens = people()
    visit(bens.page, wait_for_link(mailbox, ben.email, "/brew/meet/"))
    expect(bens.page.locator("#slot-1")).to_contain_text("Works for Ada Lovelace")
    bens.page.locator("#slot-1").get_by_role("button", name="This works for me").click()
    expect(bens.page.get_by_role("region", name="It's agreed")).to_contain_text("Cup of Armley")
    bens.check("brew-agreed")
    assert mailbox.last_to(ada_email)["Subject"] == "It's agreed: Brew with Ben Barnes"

    # The meeting is in both personal feeds, at the agreed time, and in no public feed.
    db.session.rollback()
    group = db.session.scalars(select(BrewGroup).order_by(BrewGroup.id.desc())).first()
    assert group.agreed_slot == 1
    host = site.config["SITE_URL"].split("://", 1)[1].split(":")[0]
    for person in (ben, db.session.scalars(select(Person).where(Person.email == ada_email)).one()):
        feed = page.request.get(f"/feeds/{feed_token(person)}.ics")
        assert feed.status == 200
        (vevent,) = [v for v in Calendar.from_ical(feed.body()).walk("VEVENT") if str(v["UID"]).startswith("brew-")]
        assert str(vevent["UID"]) == f"brew-{group.id}@{host}"
        assert vevent.decoded("DTSTART") == group.slot_starts[1]
    shared = page.request.get("/calendar.ics")
    assert b"brew-" not in shared.body()
    assert b"Ben Barnes" not in shared.body()


def test_the_other_brew_pages_pass_the_checks(site, people, mailbox):
    """The sign-up form with its errors, the emailed manage link (snooze refused, then taken),
    /me's brew section, and a meeting whose time has passed, with "Did you meet?"."""
    mode = people.mode
    ben, _steward = arrange_pool(mode, "pages")
    visitor = people()
    page = visitor.page
    visit(page, "/brew")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#sector-error")).to_be_visible()
    visitor.check("brew-errors")

    # Ben's emailed manage link: a date in the past is refused beside its field, then a snooze.
    visit(page, wait_for_link(mailbox, ben.email, "/brew/you/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your brew and biscuits")
    page.get_by_label("Snooze until").fill("2020-01-01")
    page.get_by_role("button", name="Snooze").click()
    expect(page.locator("#until-error")).to_have_text("Choose a day after today.")
    visitor.check("brew-manage-errors")
    page.get_by_label("Snooze until").fill((utcnow() + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="Snooze").click()
    expect(page.get_by_role("button", name="Come back")).to_be_visible()
    visitor.check("brew-manage-snoozed")
    page.get_by_role("button", name="Come back").click()
    expect(page.locator(".brew-status")).to_contain_text("In the pool")

    # A meeting whose times have passed asks "Did you meet?", and /me lists it.
    db.session.rollback()  # a fresh read after the served site's writes (SQLite WAL)
    cat = new_person(f"cat.brew.{mode}@example.org", "Cat Carter")
    join(cat, SignUp(sector=BrewSector.HOUSING, mode=BrewMode.EITHER, place=a_place("Armley")))
    db.session.commit()
    start_round()
    db.session.commit()
    group = db.session.scalars(select(BrewGroup).order_by(BrewGroup.id.desc())).first()
    past = utcnow() - timedelta(days=2)
    group.slots = [(past + timedelta(hours=n)).isoformat() for n in range(3)]
    db.session.commit()
    deliver()
    introduction = wait_for_link(mailbox, cat.email, "/brew/meet/")
    visitor.sign_in(cat.email, mailbox)
    visit(page, "/me/")
    brew = page.get_by_role("region", name="Brew and biscuits")
    expect(brew).to_contain_text("In the pool")
    visitor.check("me-brew")
    visit(page, introduction)
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Thank you for letting us know.")).to_be_visible()
    expect(page.get_by_text("You said: Yes.", exact=False)).to_be_visible()
    visitor.check("brew-met")
