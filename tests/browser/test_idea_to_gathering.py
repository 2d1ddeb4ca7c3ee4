"""An idea becomes a gathering in a real browser: the host who offered adds two dates to its
poll, a supporter marks them, the host presses "Make it happen" and finds the propose form
filled with the best date, proposes, a supporter answers from the invitation email, and the
idea shows what it became. On a desktop, a phone, and without JavaScript."""

from playwright.sync_api import expect
from sqlalchemy import select

from eventsite.extensions import db
from eventsite.models import Event, EventKind, Idea, IdeaStatus, IdeaSupport, Rsvp, RsvpStatus
from tests.browser.conftest import a_place, visit, wait_for_link
from tests.conftest import future_local, new_person


def arrange_idea(mode: str) -> tuple[Idea, dict[str, str]]:
    """An open idea with two people who'd come and one who could host."""
    emails = {who: f"{who}.idea.{mode}@example.org" for who in ("ada", "ann", "bob", "hana")}
    people = {who: new_person(email, who.title()) for who, email in emails.items()}
    idea = Idea(title=f"A walk by the canal ({mode})", kind=EventKind.WALK, status=IdeaStatus.OPEN,
                created_by=people["ada"], place=a_place("Kirkstall"), description="Slowly, with stops.",
                would_come_count=2, could_host_count=1)  # fmt: skip
    db.session.add(idea)
    db.session.add_all([
        IdeaSupport(idea=idea, person=people["ann"], would_come=True),
        IdeaSupport(idea=idea, person=people["bob"], would_come=True),
        IdeaSupport(idea=idea, person=people["hana"], could_host=True, show_name=True),
    ])  # fmt: skip
    db.session.commit()
    return idea, emails


def offer_date(page, day, hour: int) -> None:
    form = page.get_by_role("group", name="Offer a date")
    form.get_by_label("Date").fill(day.strftime("%Y-%m-%d"))
    form.get_by_label("Starts at").fill(f"{hour:02d}:00")
    form.get_by_role("button", name="Add this date").click()
    expect(page.get_by_text("The date is in the poll.")).to_be_visible()


def test_host_polls_dates_makes_it_happen_and_a_supporter_answers_the_invitation(site, people, mailbox):
    site.config["MODERATION"] = "open"
    idea, emails = arrange_idea(people.mode)
    idea_path = f"/ideas/{idea.id}-{idea.slug}"
    first, second = future_local(days=10, hour=18), future_local(days=11, hour=18)

    # The host offers two dates.
    hana = people()
    hana.sign_in(emails["hana"], mailbox)
    page = hana.page
    visit(page, idea_path)
    offer_date(page, first, 18)
    offer_date(page, second, 18)
    options = page.locator(".poll-option")
    expect(options).to_have_count(2)

    # A supporter marks them: the second is better.
    ann = people()
    ann.sign_in(emails["ann"], mailbox)
    visit(ann.page, idea_path)
    marks = ann.page.locator(".poll-option fieldset")
    marks.nth(0).get_by_label("If need be").check()
    marks.nth(1).get_by_label("Yes").check()
    ann.page.get_by_role("button", name="Save my marks").click()
    expect(ann.page.get_by_text("Your marks are saved.", exact=False)).to_be_visible()
    expect(ann.page.locator(".poll-option.best")).to_contain_text("1 yes · 0 if need be · 0 no")
    expect(ann.page.locator(".poll-option.best")).to_contain_text("Best so far")
    ann.check("idea-poll")

    # The host makes it happen: the form is filled from the idea and the best date.
    visit(page, idea_path)
    expect(page.locator(".poll-option.best")).to_contain_text(second.strftime("%-d %b %Y, 18:00"))
    page.get_by_role("link", name="Make it happen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a gathering")
    expect(page.get_by_label("Title")).to_have_value(idea.title)
    expect(page.get_by_label("Starts", exact=True)).to_have_value(second.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("Place")).to_have_value("kirkstall")
    hana.check("make-it-happen-form")
    page.get_by_label("Venue").fill("The lock-keeper's cottage")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(idea.title)
    expect(page.get_by_text("Your gathering is live.", exact=False)).to_be_visible()

    # A supporter answers from the invitation email, with one press.
    bob = people()
    visit(bob.page, wait_for_link(mailbox, emails["bob"], "/invited/"))
    expect(bob.page.get_by_role("heading", level=1)).to_contain_text(idea.title)
    bob.check("idea-invitation")
    bob.page.get_by_role("button", name="I'm going").click()
    expect(bob.page.get_by_role("heading", level=1)).to_have_text(idea.title)
    db.session.rollback()
    event = db.session.scalars(select(Event).where(Event.idea_id == idea.id)).one()
    rsvp = db.session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)).one()
    assert rsvp.status is RsvpStatus.GOING

    # The idea shows what it became.
    visit(bob.page, idea_path)
    became = bob.page.get_by_role("region", name="This became")
    expect(became).to_contain_text("This became:")
    became.get_by_role("link", name=idea.title).click()
    expect(bob.page.get_by_role("heading", level=1)).to_have_text(idea.title)
