"""The ideas board: a newcomer posts an idea and confirms it from the email, a guest says
"I'd come" and proves it by the emailed link, a signed-in person offers to host, and the
board shows the counts: in a desktop browser, on a phone, and without JavaScript."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import a_place, visit, wait_for_link
from tests.browser.test_idea_to_gathering import offer_date
from tests.conftest import future_local, new_person


def test_an_idea_gathers_support_picks_a_date_and_becomes_a_gathering(site, people, mailbox):
    """The whole loop of the issue, in one journey: posted by a newcomer, supported by two
    people, one host, a date from the poll, made to happen, answered from the invitation."""
    mode = people.mode
    site.config["MODERATION"] = "open"  # the site fixture puts it back
    a_place("Armley")
    title = f"A canal walk for carers ({mode})"
    author_email, guest_email = f"nia.idea.{mode}@example.org", f"gus.idea.{mode}@example.org"
    host = new_person(f"hal.idea.{mode}@example.org", f"Hal Host {mode}")

    # A newcomer, not signed in, finds the board and posts an idea.
    nia = people()
    page = nia.page
    visit(page, "/")
    page.get_by_role("link", name="Ideas", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideas")
    nia.check("ideas-board")
    page.get_by_role("link", name="Post an idea").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post an idea")
    nia.check("idea-new")

    page.get_by_role("button", name="Post the idea").click()  # empty: every message by its field
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text(re.compile("Give your idea a title."))
    nia.check("idea-new-errors")

    page.get_by_label("Title").fill(title)
    page.get_by_label("What would it be?").fill("An easy **flat** walk, then tea.")
    page.get_by_label("Kind").select_option(label="Walk")
    page.get_by_label("Place").select_option(label="Armley")
    page.get_by_label("Tags").fill("carers, green-spaces")
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Your email").fill(author_email)
    page.get_by_role("button", name="Post the idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    nia.check("idea-check-email")

    visit(page, wait_for_link(mailbox, author_email, "/ideas/confirm/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm “{title}”")
    nia.check("idea-confirm-link")
    page.get_by_role("button", name="Confirm and post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Your idea is on the board.")).to_be_visible()
    expect(page.locator(".description strong")).to_have_text("flat")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # the link signed her in
    nia.check("idea-page")
    idea_path = page.url

    # A guest says "I'd come": it counts only once the emailed link is used.
    gus = people()
    visit(gus.page, idea_path)
    gus.page.get_by_label("Your name").fill("Gus Guest")
    gus.page.get_by_label("Your email").fill(guest_email)
    gus.page.get_by_role("button", name="I'd come").click()
    expect(gus.page.get_by_text(f"We have emailed {guest_email} a link")).to_be_visible()
    expect(gus.page.locator("#support .support-counts")).to_contain_text("0 would come")
    gus.check("idea-support-asked")
    visit(gus.page, wait_for_link(mailbox, guest_email, "/ideas/support/"))
    expect(gus.page.get_by_role("heading", level=1)).to_have_text(f"Confirm your support for “{title}”")
    gus.check("idea-support-confirm")
    gus.page.get_by_role("button", name="Confirm my support").click()
    expect(gus.page.get_by_text("Thank you: your support counts now.")).to_be_visible()
    expect(gus.page.locator("#support .support-counts")).to_contain_text("1 would come")

    # A third person signs in and offers to host, with their name shown.
    hal = people()
    hal.sign_in(host.email, mailbox)
    visit(hal.page, idea_path)
    hal.page.get_by_label("Show my name beside “could host”").check()
    hal.page.get_by_role("button", name="I could host").click()
    expect(hal.page.get_by_text("Thank you for offering to host.")).to_be_visible()
    expect(hal.page.get_by_text(f"Offered to host: {host.name}")).to_be_visible()
    expect(hal.page.get_by_role("button", name="I could host")).to_contain_text("press to withdraw")
    hal.check("idea-page-host")

    # The board shows the counts.
    visit(hal.page, "/ideas")
    card = hal.page.locator(".idea-card", has_text=title)
    expect(card).to_contain_text("1 would come · 1 could host")
    hal.check("ideas-board-supported")

    # The older ideas and the report form pass too (an invalid textarea carries Pico's icon,
    # whose contrast axe cannot judge, as on the gatherings' report form: its message is checked).
    visit(hal.page, "/ideas/older")
    expect(hal.page.get_by_role("heading", level=1)).to_have_text("Older ideas")
    hal.check("ideas-older")
    visit(hal.page, idea_path)
    hal.page.get_by_role("link", name="Report this idea").click()
    expect(hal.page.get_by_role("heading", level=1)).to_have_text(f"Report “{title}”")
    hal.check("idea-report")
    hal.page.get_by_role("button", name="Send to the stewards").click()
    expect(hal.page.locator("#reason-error")).to_have_text(re.compile("Say briefly what is wrong"))

    # A second person, signed in, would come too, and marks the date the host offers.
    ria_email = f"ria.idea.{mode}@example.org"
    ria = people()
    ria.sign_in(ria_email, mailbox)
    visit(ria.page, idea_path)
    ria.page.get_by_role("button", name="I'd come").click()
    expect(ria.page.locator("#support .support-counts")).to_contain_text("2 would come")
    day = future_local(days=12, hour=18)
    visit(hal.page, idea_path)
    offer_date(hal.page, day, 18)
    visit(ria.page, idea_path)
    ria.page.locator(".poll-option fieldset").first.get_by_label("Yes").check()
    ria.page.get_by_role("button", name="Save my marks").click()
    expect(ria.page.locator(".poll-option.best")).to_contain_text("1 yes")

    # The host makes it happen, from the form filled with the idea and the poll's date.
    visit(hal.page, idea_path)
    hal.page.get_by_role("link", name="Make it happen").click()
    expect(hal.page.get_by_label("Title")).to_have_value(title)
    expect(hal.page.get_by_label("Starts", exact=True)).to_have_value(day.strftime("%Y-%m-%dT%H:%M"))
    hal.page.get_by_label("Venue").fill("The lock-keeper's cottage")
    hal.page.get_by_role("button", name="Propose").click()
    expect(hal.page.get_by_role("heading", level=1)).to_have_text(title)

    # The guest who said "I'd come" answers from the invitation email with one press.
    visit(gus.page, wait_for_link(mailbox, guest_email, "/invited/"))
    gus.page.get_by_role("button", name="I'm going").click()
    expect(gus.page.get_by_role("heading", level=1)).to_have_text(title)
    expect(gus.page.get_by_role("region", name="Are you coming?").locator(".my-answer")).to_contain_text("You're going")

    # The idea shows what it became.
    visit(gus.page, idea_path)
    expect(gus.page.get_by_role("region", name="This became")).to_contain_text(title)
    gus.check("idea-became")
