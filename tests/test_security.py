"""Headers, hosts and proxies: links from SITE_URL (never the Host header), TRUSTED_HOSTS,
the Content-Security-Policy and HSTS, check-deploy, ProxyFix, the feed's cache keys,
and descriptions rendered once when saved."""

import random
import re
import string
from pathlib import Path

import pytest

from eventsite import feeds, text
from eventsite.demo import seed_bulk, seed_network
from eventsite.deploy import deploy_problems
from eventsite.events import EventDetails, edit_event
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.models import Event
from eventsite.rsvps import locked_event
from eventsite.text import render_markdown, summary_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
EVIL = "http://evil.example"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors "
)


def page_path(event) -> str:
    return f"/events/{event.id}-{event.slug}"


# -- links come from SITE_URL, never from the Host header ---------------------------------------


def test_no_page_or_feed_writes_the_requests_host(app, client, mailbox, make_event, make_person):
    person = make_person(email="sam@example.org")
    event = make_event(host=person, title="Hosted", description="Tea.", tags=["soup"])
    paths = [
        f"/events/{event.id}.ics",
        page_path(event),
        "/embed",
        "/embed?kind=nonsense",  # no gatherings: the "Propose one" link
        "/calendar.ics",
        "/calendar.ics?tag=soup",
        "/feed.atom",
        "/api/events",
        f"/feeds/{feed_token(person)}.ics",
    ]
    for path in paths:
        response = client.get(path, base_url=EVIL)
        assert response.status_code == 200, path
        assert "evil.example" not in response.text, path
        assert "http://eventsite.test/" in response.text, path  # the links are there, from SITE_URL
    client.post("/sign-in", data={"email": person.email}, base_url=EVIL)
    client.post(mailbox.link_to(person.email), base_url=EVIL)
    me = client.get("/me/", base_url=EVIL)
    assert me.status_code == 200
    assert "evil.example" not in me.text
    assert "webcal://eventsite.test/feeds/" in me.text


@pytest.mark.parametrize("app_settings", [{"TRUSTED_HOSTS": ["eventsite.test"]}])
def test_a_host_outside_trusted_hosts_gets_400_not_500(client, make_event):
    event = make_event()
    for path in ("/", page_path(event), "/calendar.ics", "/no-such-page"):
        response = client.get(path, base_url=EVIL)
        assert response.status_code == 400, path
        assert "evil.example" not in response.text
    assert client.post("/sign-in", data={"email": "a@example.org"}, base_url=EVIL).status_code == 400
    assert client.get("/", base_url="http://eventsite.test").status_code == 200


# -- Content-Security-Policy and HSTS ------------------------------------------------------------


def test_every_page_gets_the_full_content_security_policy(client, make_event):
    event = make_event()
    for path in ("/", page_path(event), "/sign-in", "/feed.atom", "/calendar", "/no-such-page"):
        assert client.get(path).headers["Content-Security-Policy"] == POLICY + "'self'", path
    assert client.get("/embed").headers["Content-Security-Policy"] == POLICY + "*"


def test_templates_hold_no_inline_script_style_or_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.IGNORECASE)
    attribute = re.compile(r"\s(style|on[a-z]+)\s*=", re.IGNORECASE)
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        assert not inline_script.search(source), template
        assert not attribute.search(source), template
        assert "<style" not in source.lower(), template
        assert "javascript:" not in source.lower(), template


def test_the_event_pages_only_inline_script_is_json_ld(client, make_event):
    page = client.get(page_path(make_event())).text
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts[0] == '<script type="application/ld+json">'
    assert len(scripts) == 2
    assert re.fullmatch(r'<script src="/static/site\.[0-9a-f]{8}\.js" defer>', scripts[1])


def test_hsts_only_when_the_site_is_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["SITE_URL"] = "https://eventsite.test"
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# -- flask check-deploy ----------------------------------------------------------------------------

SAFE = {
    "SECRET_KEY": "k" * 48,
    "SITE_URL": "https://gatherings.example.org",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SECURE": True,
    "DEBUG": False,
    "TRUSTED_HOSTS": ["gatherings.example.org"],
    "MAIL_SERVER": "smtp.example.org",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "WTF_CSRF_ENABLED": True,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://eventsite@db/eventsite",
}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_check_deploy_lists_each_unsafe_setting_and_exits_1(app, runner):
    app.config.update(
        SECRET_KEY="dev-only-not-secret",
        SITE_URL="http://127.0.0.1:5000",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        DEBUG=True,
        TRUSTED_HOSTS=None,
        MAIL_SERVER="",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
    )

    result = runner.invoke(args=["check-deploy"])

    assert result.exit_code == 1
    failures = [line.split(":")[0] for line in result.output.splitlines() if line.startswith("FAIL")]
    assert failures == [
        "FAIL SECRET_KEY",
        "FAIL SITE_URL",
        "FAIL SESSION_COOKIE_SECURE",
        "FAIL REMEMBER_COOKIE_SECURE",
        "FAIL DEBUG",
        "FAIL TRUSTED_HOSTS",
        "FAIL WTF_CSRF_ENABLED",  # the test app turns CSRF off
        "FAIL MAIL_SERVER",
        "FAIL RATELIMIT_STORAGE_URI",
    ]
    assert "WARN DATABASE_URL: is SQLite" in result.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_check_deploy_passes_a_safe_production_config(app, runner):
    app.config.update(SAFE)

    result = runner.invoke(args=["check-deploy"])

    assert result.exit_code == 0, result.output
    assert result.output == "No unsafe production settings.\n"


def test_check_deploy_sqlite_is_a_warning_not_a_failure():
    problems = deploy_problems({**SAFE, "SQLALCHEMY_DATABASE_URI": "sqlite:///instance/eventsite.sqlite"})
    assert [(problem.setting, problem.is_failure) for problem in problems] == [("DATABASE_URL", False)]


def test_check_deploy_refuses_a_short_secret_key_and_disabled_limits():
    problems = deploy_problems({**SAFE, "SECRET_KEY": "short-but-not-the-dev-key", "RATELIMIT_ENABLED": False})
    assert [problem.setting for problem in problems] == ["SECRET_KEY", "RATELIMIT_ENABLED"]
    assert all(problem.is_failure for problem in problems)


# -- PROXY_FIX: rate limits count clients, not the proxy ------------------------------------------


def sign_in_statuses(app, forwarded_for: str, times: int) -> list[int]:
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.post("/sign-in", data={"email": "a@example.org"}, headers=headers).status_code for _ in range(times)]


def limited(app):
    next(iter(app.extensions["limiter"])).reset()
    return app


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_settings", [{"PROXY_FIX": 1, "RATELIMIT_ENABLED": True, "EMAIL_RATE_LIMIT": "2/minute"}])
def test_behind_a_trusted_proxy_each_client_has_its_own_count(app, mailbox):
    limited(app)
    assert sign_in_statuses(app, "203.0.113.1", 3) == [302, 302, 429]
    assert sign_in_statuses(app, "203.0.113.2", 1) == [302]  # another client, the same proxy


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_settings", [{"PROXY_FIX": 0, "RATELIMIT_ENABLED": True, "EMAIL_RATE_LIMIT": "2/minute"}])
def test_without_proxy_fix_forwarded_for_is_not_believed(app, mailbox):
    limited(app)
    assert sign_in_statuses(app, "203.0.113.1", 2) == [302, 302]
    assert sign_in_statuses(app, "203.0.113.2", 1) == [429]  # a made-up header buys no new count


# -- the shared feed's cache keys ------------------------------------------------------------------


def junk_query(rng: random.Random) -> str:
    word = "".join(rng.choices(string.ascii_lowercase, k=8))
    day = f"20{rng.randint(26, 40)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return rng.choice(
        [
            f"{word}={rng.random()}",
            f"date_from={day}",
            f"date_to={day}&{word}=1",
            f"date_from={word}",
            f"kind=&place=&tag=&_={word}",
            f"utm_source={word}&utm_campaign={rng.randint(0, 10**9)}",
        ]
    )


@pytest.fixture
def builds(monkeypatch):
    """How many times the shared feed's body is built (each test's app starts with no cache)."""
    count = {"builds": 0}
    build = feeds._build_shared_feed

    def counting(*args):
        count["builds"] += 1
        return build(*args)

    monkeypatch.setattr(feeds, "_build_shared_feed", counting)
    return count


def test_junk_query_strings_reuse_one_cached_feed(client, make_event, builds):
    make_event(title="Cached")
    first = client.get("/calendar.ics")
    rng = random.Random(9)

    bodies = {client.get(f"/calendar.ics?{junk_query(rng)}").data for _ in range(50)}

    assert builds["builds"] == 1
    assert bodies == {first.data}


def test_a_tag_in_any_spelling_shares_one_cached_feed(client, make_event, builds):
    make_event(title="Soup", tags=["soup"])
    bodies = {client.get(f"/calendar.ics?tag={tag}").data for tag in ("soup", "Soup", "%23soup", "SOUP", "soup&x=1")}
    assert len(bodies) == 1
    assert builds["builds"] == 1


def test_an_unknown_tag_is_404_and_builds_nothing(client, make_event, builds):
    make_event(title="Soup", tags=["soup"])
    for tag in ("nosuchtag", "another-made-up-one"):
        assert client.get(f"/calendar.ics?tag={tag}").status_code == 404
    assert builds["builds"] == 0


# -- descriptions are rendered once, when saved ------------------------------------------------------


@pytest.fixture
def markdown_renders(monkeypatch):
    """How many times any Markdown is rendered (summaries and JSON-LD included)."""
    count = {"renders": 0}
    render = text._markdown.render

    def counting(source, *args, **kwargs):
        count["renders"] += 1
        return render(source, *args, **kwargs)

    monkeypatch.setattr(text._markdown, "render", counting)
    return count


def test_an_event_page_renders_no_markdown(client, make_event, markdown_renders):
    event = make_event(description="Tea, **cake** and [chat](https://example.org).")
    saved = markdown_renders["renders"]
    assert saved > 0  # rendered when it was saved

    page = client.get(page_path(event)).text

    assert markdown_renders["renders"] == saved
    assert "<strong>cake</strong>" in page
    assert '"description": "Tea, cake and chat."' in page  # JSON-LD, from the stored summary
    assert '<meta name="description" content="Tea, cake and chat.">' in page


def test_a_10000_character_image_storm_is_not_rendered_per_view(client, make_event, markdown_renders):
    event = make_event(description="![" * 5000)
    saved = markdown_renders["renders"]

    for _ in range(3):
        response = client.get(page_path(event))
        assert response.status_code == 200
        assert "![![" in response.text

    assert markdown_renders["renders"] == saved


def test_editing_the_description_stores_it_rendered_again(app, make_event):
    event = make_event(description="Old *words*.")
    assert event.description_html == "<p>Old <em>words</em>.</p>\n"
    host = event.hosts[0].person

    details = EventDetails.of(event, description="New **words** <script>alert(1)</script>")
    edit_event(locked_event(event.id), details, host)
    db.session.commit()

    assert event.description_html == "<p>New <strong>words</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert event.summary == "New words <script>alert(1)</script>"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_demo_data_stores_rendered_descriptions(app):
    seed_network()
    seed_bulk(events=5, people=5, rsvps=5)
    db.session.commit()

    events = db.session.query(Event).all()
    assert len(events) > 5
    assert all(event.description_html == str(render_markdown(event.description)) for event in events)
    assert all(event.summary == summary_text(event.description) for event in events)


def test_check_deploy_refuses_letting_imports_reach_private_addresses():
    problems = deploy_problems({**SAFE, "IMPORT_ALLOW_PRIVATE": ["127.0.0.1:8000"]})
    assert [problem.setting for problem in problems] == ["IMPORT_ALLOW_PRIVATE"]
    assert problems[0].is_failure
    assert "tests only" in problems[0].message
