"""The Content-Security-Policy in a real browser: inline script and style are refused,
and the journeys' visitors (tests/browser/conftest.py) notice any refusal, so every
page they pass through is known to work under the policy."""

from playwright.sync_api import expect

from tests.browser.conftest import Visitor, visit

INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.inlineRan = true";
    document.head.append(script);
    const style = document.createElement("style");
    style.textContent = "body { outline: 7px solid rgb(255, 0, 0) }";
    document.head.append(style);
}"""


def test_inline_script_and_style_are_refused_and_noticed(browser, base_url):
    visitor = Visitor(browser, base_url, "desktop")
    page = visitor.page
    try:
        response = visit(page, "/")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "style-src 'self';" in policy
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        visitor.assert_no_csp_violations()  # the site's own page breaks nothing

        with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
            page.evaluate(INJECT)
        assert page.evaluate("window.inlineRan === undefined"), "an inline script ran"
        assert page.evaluate("getComputedStyle(document.body).outlineWidth") != "7px", "an inline style applied"
        assert visitor.csp_violations, "the visitor did not notice the refusal"
    finally:
        visitor.context.close()
