"""Real-browser tests: Playwright drives Debian's Chromium against the app served
by a real HTTP server in a thread, on an SQLite file migrated as in production,
with CSRF on and the SMTP test server receiving the mail.

Skipped, with the reason, where /usr/bin/chromium is missing (CI installs it and
fails on any skip). Screenshots of the pages go to test-artifacts/screenshots/.
"""

import re
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask_migrate import upgrade
from playwright.sync_api import Page, Response, expect

from config import Config
from eventsite import create_app
from eventsite.extensions import db
from eventsite.mail import external_url
from eventsite.models import Place
from eventsite.text import slugify
from tests.pseudo import PSEUDO_LOCALES

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
PHONE = {"width": 360, "height": 740}
# WCAG 2.2 A and AA, plus axe's best practices (lang, one main, one h1...).
AXE_OPTIONS = {
    "resultTypes": ["violations", "incomplete"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}


class _Server(ThreadingMixIn, WSGIServer):
    """The standard library's WSGI server, a thread per request. (Werkzeug's development
    server can leave a static file unclosed when the browser drops a request it no longer
    needs, which the suite's warnings-as-errors would report against a random test.)"""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(autouse=True, scope="session")
def _needs_chromium():
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, smtp_server, pseudo_translations, _needs_chromium):
    """The site, served on a free port for the whole session; it offers the pseudo-locales
    (tests/pseudo.py) beside the real languages."""
    database = tmp_path_factory.mktemp("browser") / "site.sqlite"
    app = create_app(
        Config,
        SECRET_KEY="browser-test-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_FROM="eventsite <noreply@eventsite.test>",
        RATELIMIT_ENABLED=False,  # the journeys come from one address, faster than people
        LANGUAGES=[*Config.LANGUAGES, *PSEUDO_LOCALES],
        BABEL_TRANSLATION_DIRECTORIES=f"{pseudo_translations};translations",  # this order: see tests/conftest.py
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
    server = make_server("127.0.0.1", 0, _closed_first(app), server_class=_Server, handler_class=_QuietHandler)
    app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def _closed_first(app):
    """Hand each answer to the server only once the app has closed it. What runs after the
    response (mail delivery: ``call_on_close``) has then run before the browser sees the
    page, so a journey may read the inbox right after a click."""

    def serve(environ, start_response):
        answered = []
        body = app(environ, lambda status, headers, exc_info=None: answered.append((status, headers, exc_info)))
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        start_response(*answered[-1])
        return [content]

    return serve


@pytest.fixture(scope="session")
def base_url(live_app):
    return live_app.config["SITE_URL"]


@pytest.fixture
def site(live_app, mailbox):
    """An app context on the served site's database, for arranging data; the
    moderation setting goes back to the default afterwards."""
    with live_app.app_context():
        yield live_app
        db.session.remove()
    live_app.config["MODERATION"] = Config.MODERATION


# The ways people come: a desktop browser, a phone, and a browser without JavaScript.
MODES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
    "no-js": {"viewport": {"width": 1024, "height": 768}, "java_script_enabled": False},
}


class Visitor:
    """One person at their own browser (their own cookies), in one of the MODES."""

    def __init__(self, browser, base_url: str, mode: str, locale: str = "en-GB") -> None:
        self.mode = mode
        self.js = MODES[mode].get("java_script_enabled", True)
        # Reduced motion: Pico's colour transitions would otherwise be caught halfway by axe
        # right after the colour scheme changes.
        self.context = browser.new_context(
            base_url=base_url, reduced_motion="reduce", locale=locale, timezone_id="Europe/London", **MODES[mode]
        )
        # Every page of every journey runs under the site's Content-Security-Policy: Chromium
        # logs each thing it refuses (an inline style or script, a foreign font...).
        self.csp_violations: list[str] = []
        self.context.on("console", self._note_csp_violation)
        self.page = self.context.new_page()

    def _note_csp_violation(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def assert_no_csp_violations(self) -> None:
        assert not self.csp_violations, "the browser refused something:\n" + "\n".join(self.csp_violations)

    def check(self, name: str) -> None:
        """The page has one h1 and one main, a label on every visible field, no sideways
        scrolling, an error summary when a field has an error, and nothing so far broke the CSP. With
        JavaScript (axe hangs without it) it also passes axe, and every button's text
        stands out from the button, in light and dark. Screenshots of each go to
        test-artifacts/screenshots/."""
        page = self.page
        expect(page.locator("h1")).to_have_count(1)
        expect(page.locator("main")).to_have_count(1)
        unlabelled = unlabelled_fields(page)
        assert not unlabelled, f"{name} ({page.url}): fields without a label:\n" + "\n".join(unlabelled)
        sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 0, f"{name} ({page.url}) scrolls sideways by {sideways}px in {self.mode}"
        if page.locator(".field.has-error").count():
            expect(page.locator(".error-summary")).to_have_count(1)
        self.assert_no_csp_violations()
        if not self.js:
            screenshot(page, f"{name}-{self.mode}")
            return
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            results = _axe.run(page, options=AXE_OPTIONS)
            assert results.violations_count == 0, f"{name} ({scheme}, {page.url}):\n{results.generate_report()}"
            unsure = _unjudged_contrast(results)
            assert not unsure, f"{name} ({scheme}, {page.url}): contrast axe could not judge:\n" + "\n".join(unsure)
            faint = faint_buttons(page)
            assert not faint, f"{name} ({scheme}, {page.url}): button text too faint:\n" + "\n".join(faint)
            screenshot(page, f"{name}-{self.mode}-{scheme}")
        page.emulate_media(color_scheme="light")

    def answer_as_guest(self, name: str, email: str, button: str = "I'm going"):
        """Answer on the event page without signing in, with an address this browser has not
        proven: the page asks to check the email and shows no answer. Returns the page's
        "Are you coming?" region."""
        page = self.page
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Your email").fill(email)
        page.get_by_role("button", name=button).click()
        expect(page).to_have_url(re.compile(r"/events/\d+[^/#]*#rsvp$"))
        flash = f"Check your email: open the link we sent to {email} to confirm your answer."
        expect(page.get_by_text(flash, exact=True)).to_be_visible()
        region = page.get_by_role("region", name="Are you coming?")
        expect(region.locator(".my-answer")).to_contain_text(f"We've emailed {email} a link to confirm your answer")
        return region

    def open_answer_link(self, mailbox, email: str, title: str) -> None:
        """Open the "confirm your answer" link mailed to ``email``: a page with a button."""
        page = self.page
        visit(page, wait_for_link(mailbox, email, "/answers/"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm your answer for “{title}”")

    def confirm_answer(self, mailbox, email: str, title: str):
        """Open the emailed link and press the button; the answer the event page then shows."""
        self.open_answer_link(mailbox, email, title)
        self.page.get_by_role("button", name="Confirm my answer").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)
        return self.page.get_by_role("region", name="Are you coming?").locator(".my-answer")

    def sign_in(self, email: str, mailbox) -> None:
        """Sign in as people do: ask for a link, open it from the email, press the button."""
        page = self.page
        visit(page, "/sign-in")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Email me a sign-in link").click()
        visit(page, wait_for_link(mailbox, email))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture(params=list(MODES))
def people(request, browser, base_url):
    """Open a browser for another person: ``people()``, in this test's mode; ``people(locale="pl-PL")``
    for someone whose browser asks for another language (Playwright sends it as Accept-Language)."""
    visitors = []

    def open_browser(locale: str = "en-GB") -> Visitor:
        visitor = Visitor(browser, base_url, request.param, locale)
        visitors.append(visitor)
        return visitor

    open_browser.mode = request.param
    yield open_browser
    for visitor in visitors:
        visitor.context.close()
    for visitor in visitors:  # pages visited after the journey's last check() count too
        visitor.assert_no_csp_violations()


def visit(page: Page, url: str, status: int = 200) -> Response:
    """Open ``url`` and assert the status it answered with (after any redirect): a test
    that lands on the 404 page must not pass for the page it meant to see."""
    response = page.goto(url)
    assert response is not None, f"{url} gave no response"
    assert response.status == status, f"{url} answered {response.status}, not {status} (now at {page.url})"
    return response


def wait_for_link(mailbox, address: str, containing: str = "/") -> str:
    """The last link mailed to ``address`` (the live server sends mail before the page: ``_closed_first``)."""
    links = [link for link in mailbox.links(mailbox.last_to(address)) if containing in link]
    assert links, f"no link containing {containing!r} in the mail to {address}"
    return links[-1]


# -- arranging data on the served site's database (inside the ``site`` fixture) ----------


def a_place(name: str = "Armley") -> Place:
    """The place called ``name``, made the first time a test asks for it."""
    place = db.session.query(Place).filter_by(name=name).one_or_none()
    if place is None:
        place = Place(name=name, slug=slugify(name))
        db.session.add(place)
        db.session.commit()
    return place


def event_url(event) -> str:
    """The event page's absolute address, as emails give it."""
    return external_url("events.show", event_id=event.id, slug=event.slug)


_axe = Axe()


def _unjudged_contrast(results) -> list[str]:
    """Text whose contrast axe could not judge: it files text the colour of its own
    background (1:1, invisible) as *incomplete*, not as a violation. One kind is
    expected: selects and date, time and invalid fields carry one of Pico's icons as a
    background image at their end, beside text on their plain background colour; and a
    table's caption on a phone is partly out of sight in its sideways-scrolling region."""
    unjudged = []
    for result in results.response["incomplete"]:
        if result["id"] != "color-contrast":
            continue
        for node in result["nodes"]:
            keys = {check["data"].get("messageKey") for check in node["any"]}
            icon = node["html"].startswith(("<select", "<input", "<textarea")) and keys == {"bgImage"}
            scrolled = node["html"].startswith("<caption") and keys == {"elmPartiallyObscured"}
            if not (icon or scrolled):
                reasons = " ".join(check["message"] for check in node["any"])
                unjudged.append(f"{', '.join(node['target'])}: {reasons}")
    return unjudged


# A field's accessible name, as a screen reader would announce it: a <label>, aria-label,
# or aria-labelledby (a title or placeholder is not a label).
_UNLABELLED = r"""fields => fields
    .filter(field => field.getClientRects().length && getComputedStyle(field).visibility !== "hidden")
    .filter(field => {
        const text = element => (element && element.textContent.trim()) || "";
        const labelledBy = (field.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
            .map(id => text(document.getElementById(id))).join("");
        const labels = Array.from(field.labels || []).map(text).join("");
        return !(labels || (field.getAttribute("aria-label") || "").trim() || labelledBy);
    })
    .map(field => field.outerHTML.slice(0, 120))"""
FIELDS = "input:not([type=hidden], [type=submit], [type=button], [type=reset], [type=image]), select, textarea"


def unlabelled_fields(page: Page) -> list[str]:
    """The visible form fields nobody could name: none, on a good page."""
    return page.locator(FIELDS).evaluate_all(_UNLABELLED)


# WCAG 1.4.3 for each visible button: its text against its own background (the first
# opaque background up its ancestors, translucent ones blended in), 4.5:1, or 3:1 for
# large text (24 px, or 18.66 px bold). axe judges text against the page; this catches a
# button whose text is the colour of the button itself.
_FAINT_BUTTONS = r"""buttons => {
    const canvas = matchMedia("(prefers-color-scheme: dark)").matches ? [18, 18, 18, 1] : [255, 255, 255, 1];
    const parse = value => {
        const match = value.match(/^rgba?\(([^)]*)\)$/);
        if (!match) return null;
        const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
        return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = (top, bottom) => {  // top composited over an opaque bottom
        const a = top[3];
        return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
    };
    const background = element => {
        const layers = [];
        for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
            const colour = parse(getComputedStyle(node).backgroundColor);
            if (!colour) return null;
            if (colour[3] > 0) layers.push(colour);
            if (colour[3] >= 1) break;
        }
        return layers.reduceRight((below, layer) => over(layer, below), canvas);
    };
    const luminance = rgb => {
        const [r, g, b] = rgb.slice(0, 3).map(v => {
            v /= 255;
            return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const faint = [];
    for (const button of buttons) {
        const style = getComputedStyle(button);
        const text = (button.tagName === "INPUT" ? button.value : button.textContent).trim();
        if (!text || button.disabled || !button.getClientRects().length || style.visibility === "hidden") continue;
        const classes = button.className.trim().split(/\s+/).filter(Boolean).map(name => "." + name).join("");
        const name = `${button.tagName.toLowerCase()}${classes} "${text.slice(0, 40)}"`;
        const back = background(button), colour = parse(style.color);
        if (!back || !colour) {
            faint.push(`${name}: colours not in rgb(): ${style.color} on ${style.backgroundColor}`);
            continue;
        }
        const front = over(colour, back);
        const [light, dark] = [luminance(front), luminance(back)].sort((x, y) => y - x);
        const ratio = (light + 0.05) / (dark + 0.05);
        const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
        const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
        if (ratio < needed) {
            const on = `rgb(${back.slice(0, 3).map(Math.round).join(", ")})`;
            faint.push(`${name}: ${ratio.toFixed(2)}:1, needs ${needed}:1 (${style.color} on ${on})`);
        }
    }
    return faint;
}"""
BUTTONS = "button, input[type=submit], input[type=button], input[type=reset], a.button, [role=button]"


def faint_buttons(page: Page) -> list[str]:
    """The visible buttons whose text does not stand out from the button: none, on a good page."""
    return page.locator(BUTTONS).evaluate_all(_FAINT_BUTTONS)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
