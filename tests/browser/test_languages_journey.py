"""The newcomer's propose journey in Polish, and in the right-to-left pseudo-locale ``ar_XB``
(tests/pseudo.py), with axe on every page, in light and dark, in all three MODES.

The browser asks for the language as a person's would: Playwright sends the context's locale
as Accept-Language. Every label, button and heading the test uses is looked up in the
catalogue (``t``), never typed in Polish: the test stays right when a translation changes,
and fails when a page's text did not go through gettext (the English would show instead).
"""

from datetime import timedelta

import pytest
from flask_babel import gettext
from playwright.sync_api import expect

from eventsite.database import utcnow
from eventsite.extensions import db
from eventsite.i18n import speaking
from eventsite.models import Event
from tests.browser.conftest import a_place, visit, wait_for_link
from tests.pseudo import RIGHT_TO_LEFT, RLE

# (the browser's locale, the site's language code, <html lang>, <html dir>)
LANGUAGES = [
    pytest.param("pl-PL", "pl", "pl", "ltr", id="pl"),
    pytest.param("ar-XB", RIGHT_TO_LEFT, "ar-XB", "rtl", id="ar_XB"),
]


def t(app, code: str, message: str, /, **values) -> str:
    """``message`` as the catalogue of ``code`` has it (the English when it has no translation yet)."""
    with app.test_request_context(), speaking(code):
        return gettext(message, **values)


@pytest.mark.parametrize(("browser_locale", "code", "lang", "direction"), LANGUAGES)
def test_newcomer_proposes_and_confirms_in_their_language(site, people, mailbox, browser_locale, code, lang, direction):
    mode = people.mode
    a_place("Armley")
    title = f"Brew and biscuits in {code} ({mode})"
    proposer_email = f"nia.{code.lower()}.{mode}@example.org"
    starts = (utcnow() + timedelta(days=9)).strftime("%Y-%m-%dT18:30")

    def _(message: str, /, **values) -> str:
        return t(site, code, message, **values)

    nia = people(locale=browser_locale)
    page = nia.page

    def check(name: str) -> None:
        """The page speaks the language, in its direction, and passes every check."""
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("html")).to_have_attribute("dir", direction)
        nia.check(f"{code}-{name}")

    visit(page, "/")
    check("home")
    if direction == "rtl" and mode != "phone":  # on a wide screen the header reads from the right
        header = page.locator(".site-header")
        brand, width = header.locator(".brand").bounding_box(), page.viewport_size["width"]
        assert brand["x"] > width / 2, f"the brand starts at {brand['x']}px: not on the right half of {width}px"
        items = header.get_by_role("navigation", name=_("Main")).locator("ul").last.locator(":scope > li")
        first, last = items.first.bounding_box(), items.last.bounding_box()
        assert first["x"] > last["x"], f"the navigation's first item ({first}) is not right of its last ({last})"

    page.get_by_role("link", name=_("Propose a gathering"), exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Propose a gathering"))
    check("propose")

    # Sent empty: every message is by its field, and listed in a summary at the top.
    propose = page.get_by_role("button", name=_("Propose"), exact=True)
    propose.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text(_("Please check the form"))
    needs_a_title = _("Give your gathering a title.")
    in_summary = _("%(field)s: %(message)s", field=_("Title"), message=needs_a_title)
    expect(summary.get_by_role("link", name=in_summary, exact=True)).to_be_visible()
    title_field = page.get_by_label(_("Title"), exact=True)
    expect(title_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text(needs_a_title)
    if nia.js:
        expect(summary).to_be_focused()
    check("propose-errors")

    title_field.fill(title)
    page.get_by_label(_("Kind"), exact=True).select_option(label=_("Pub or coffee gathering"))
    page.get_by_label(_("Starts"), exact=True).fill(starts)
    page.get_by_label(_("Place"), exact=True).select_option(label="Armley")
    page.get_by_label(_("Venue"), exact=True).fill("Café Nova")
    page.get_by_label(_("Description"), exact=True).fill("Come and meet **someone from another sector**.")
    page.get_by_label(_("Your name"), exact=True).fill("Nia Newcomer")
    page.get_by_label(_("Your email"), exact=True).fill(proposer_email)
    propose.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Check your email"))
    check("check-email")

    # The email speaks the language the proposer's browser asked for.
    mail = mailbox.last_to(proposer_email)
    assert mail["Subject"] == _("Confirm your gathering: %(title)s", title=title)
    body = mailbox.text(mail)
    if code == RIGHT_TO_LEFT:
        untranslated = [line for line in body.splitlines() if line.strip() and "://" not in line and RLE not in line]
        assert not untranslated, "lines of the email not translated:\n" + "\n".join(untranslated)
    else:
        for paragraph in (
            "Follow this link to confirm your email address and send your gathering to a steward:",
            "It works once and expires after a day. If you did not propose this, ignore this email and nothing "
            "will be published.",
        ):
            assert _(paragraph) in body, f"{_(paragraph)!r} is not in the email:\n{body}"

    # The email's link opens a page with a button; pressing it confirms.
    visit(page, wait_for_link(mailbox, proposer_email, "/links/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Confirm “%(title)s”", title=title))
    check("confirm-link")
    page.get_by_role("button", name=_("Confirm and send to a steward"), exact=True).click()  # a newcomer waits
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    waiting = _("Waiting for a steward: only hosts and stewards can see this page for now.")
    expect(page.locator(".notice", has_text=waiting)).to_be_visible()
    expect(page.locator(".description strong")).to_have_text("someone from another sector")
    check("confirmed")

    # Their language is theirs now: later emails speak it too.
    db.session.rollback()  # end the test's read snapshot: the server has written since
    event = db.session.query(Event).filter_by(title=title).one()
    assert event.created_by.language == code
