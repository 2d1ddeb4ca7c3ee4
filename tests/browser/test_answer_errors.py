"""An answer sent back with a message, in a real browser: the error summary is in view
(at the top of the answer section and focused with JavaScript; at the top of the page
without it), and the message sits beside its field."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import a_place, event_url, visit
from tests.conftest import future_local, new_event, new_person

EMAIL_NEEDED = "Enter your email address, so we can send your answer and a link to change it."
# A description long enough to put the answer section below the fold.
LONG_DESCRIPTION = "\n\n".join(f"Paragraph {n}: tea, soup, songs and a chat by the fire." for n in range(40))


@pytest.mark.parametrize("people", ["desktop", "no-js"], indirect=True)
def test_an_answer_without_an_email_shows_the_summary_in_view(site, people):
    mode = people.mode
    host = new_person(f"soup.host.{mode}@example.org", "Hana Host")
    title = f"Soup and songs ({mode})"
    event = new_event(host, title=title, starts_local=future_local(days=9), place=a_place(),
                      description=LONG_DESCRIPTION)  # fmt: skip

    ann = people()
    page = ann.page
    visit(page, event_url(event))
    email = page.get_by_label("Your email")
    expect(email).not_to_be_in_viewport()  # the answer form is far below the top
    page.get_by_label("Your name").fill("Ann Answer")
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.get_by_role("button", name="I'm going").click()
    assert sent.value.status == 422

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    summary = page.locator(".error-summary")
    expect(summary).to_have_count(1)
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("link", name=f"Your email: {EMAIL_NEEDED}")).to_be_visible()
    region = page.get_by_role("region", name="Are you coming?")
    if ann.js:
        expect(summary).to_be_focused()
        expect(region.locator(".error-summary")).to_have_count(1)  # at the top of the answer section
    else:
        expect(region.locator(".error-summary")).to_have_count(0)  # at the top of the page
        assert summary.bounding_box()["y"] < page.get_by_role("heading", level=1).bounding_box()["y"] + 300

    # The message is beside the field it is about, and tied to it for screen readers.
    message = region.locator("#email-error")
    expect(message).to_have_text(EMAIL_NEEDED)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", "email-hint email-error")
    gap = email.bounding_box()["y"] - message.bounding_box()["y"]
    assert 0 < gap < 120, f"the message is {gap}px from its field"
    expect(page.get_by_label("Your name")).to_have_value("Ann Answer")  # what was typed is kept
    ann.check("answer-without-email")

    # The summary's link leads to the field.
    summary.get_by_role("link", name=f"Your email: {EMAIL_NEEDED}").click()
    expect(email).to_be_in_viewport()
