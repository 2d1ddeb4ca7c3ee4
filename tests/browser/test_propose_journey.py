"""A newcomer proposes a gathering, confirms it from the email, a steward lets it
through, and everyone sees it: in a desktop browser, on a phone, and without JavaScript."""

from datetime import timedelta

from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.models import Event, EventStatus
from tests.browser.conftest import a_place, event_url, visit, wait_for_link
from tests.conftest import new_person


def test_newcomer_proposes_confirms_and_goes_live_after_a_steward(site, people, mailbox):
    mode = people.mode
    a_place("Armley")
    steward = new_person(f"steward.{mode}@example.org", "Sam Steward", steward=True)
    title = f"Brew and biscuits for newcomers ({mode})"
    proposer_email = f"nia.{mode}@example.org"
    starts = (utcnow() + timedelta(days=9)).strftime("%Y-%m-%dT18:30")

    nia = people()
    page = nia.page
    visit(page, "/")
    nia.check("home")
    page.get_by_role("link", name="Propose a gathering").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a gathering")
    nia.check("propose")

    # Sent empty: every message is by its field, and listed in a summary at the top.
    page.get_by_role("button", name="Propose").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Title:")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    title_error = page.locator("#title-error")
    expect(title_error).to_be_visible()
    expect(page.get_by_label("Title")).to_have_attribute("aria-describedby", "title-error")
    if nia.js:
        expect(summary).to_be_focused()
    nia.check("propose-errors")

    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind").select_option(label="Pub or coffee gathering")
    page.get_by_label("Starts").fill(starts)
    page.get_by_label("Place", exact=True).select_option(label="Armley")
    page.get_by_label("Venue").fill("Café Nova")
    page.get_by_label("Description").fill("Come and meet **someone from another sector**.")
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Your email").fill(proposer_email)
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    nia.check("check-email")

    # The email's link opens a page with a button; pressing it confirms.
    visit(page, wait_for_link(mailbox, proposer_email, "/links/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm “{title}”")
    nia.check("confirm-link")
    page.get_by_role("button", name="Confirm and send to a steward").click()  # moderation is on by default
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Waiting for a steward")).to_be_visible()
    expect(page.locator(".description strong")).to_have_text("someone from another sector")

    # Not live yet: a visitor does not find it.
    visitor = people()
    visit(visitor.page, "/")
    expect(visitor.page.get_by_role("link", name=title)).to_have_count(0)

    # The steward is told, signs in from the email, and approves it.
    assert mailbox.to(steward.email), "the steward is told a gathering is waiting"
    sam = people()
    sam.sign_in(steward.email, mailbox)
    sam.page.get_by_role("link", name="Stewards").click()
    expect(sam.page.get_by_role("heading", name=title)).to_be_visible()
    sam.check("stewards")
    sam.page.locator(".queue-item", has_text=title).get_by_role("button", name="Approve").click()
    expect(sam.page.locator(".queue-item", has_text=title)).to_have_count(0)

    db.session.rollback()  # end the test's read snapshot: the server has written since
    event = db.session.query(Event).filter_by(title=title).one()
    assert event.status is EventStatus.PUBLISHED
    told = mailbox.last_to(proposer_email)
    assert told["Subject"] == f"Your gathering is live: {title}"
    assert event_url(event) in mailbox.links(told)

    # Now anyone finds it on the list of that day's gatherings (other tests fill the first page) and opens it.
    visit(visitor.page, f"/?date_from={starts[:10]}&date_to={starts[:10]}")
    card = visitor.page.locator(".event-card", has_text=title)
    expect(card).to_contain_text("Pub or coffee gathering")
    expect(card).to_contain_text("Café Nova, Armley")
    card.get_by_role("link", name=title).click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.page.get_by_text("Waiting for a steward")).to_have_count(0)
    expect(visitor.page.locator(".facts")).to_contain_text("Nia Newcomer")
    visitor.check("event")
