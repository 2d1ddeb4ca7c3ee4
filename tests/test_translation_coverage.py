"""Nothing a person reads escapes translation.

In the pseudo-locales every message reads "[Ĝåţĥéŕîñĝš]", and the demo network's own
content (titles, names, places...) is rewritten in full-width letters ("Ｃｏｆｆｅｅ"), so
any plain ASCII word left on a page, in a feed or in an email is English that did not go
through gettext. Proper names (calendar apps) and Babel's own English month and day
names (the accented pseudo-locale takes English's locale data) are the only exceptions.

Two checks: every template's text outside ``{% trans %}`` and ``_()`` (static, so a page no
crawl reaches is covered too), and every page the demo site links to, as a visitor, a host
and a steward, with form errors, error pages, feeds and the emails that journeys send.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel import Locale
from icalendar import Calendar
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from eventsite.demo import seed_network
from eventsite.extensions import db
from eventsite.i18n import LANGUAGE_COOKIE
from eventsite.mail import deliver
from eventsite.models import (
    BrewGroup,
    BrewMember,
    BrewVenue,
    Event,
    EventHost,
    Idea,
    OutboxMail,
    Person,
    Place,
    Series,
    Tag,
)
from tests.pseudo import ACCENTED, PSEUDO_LOCALES, RIGHT_TO_LEFT

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WORD = re.compile(r"[A-Za-z]{2,}")
URL = re.compile(r"(?:https?|webcal|mailto):\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|/[\w./?=&%#-]+")
ZONE = re.compile(r"\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[\w+-]+(?:/\w+)?")
# Names that stay as they are in every language.
PROPER_NAMES = {"Google", "Apple", "Outlook", "Thunderbird", "iCalendar", "Markdown", "Jitsi", "UTC", "GMT"}
FULL_WIDTH = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "".join(chr(0xFF41 + i) for i in range(26)) + "".join(chr(0xFF21 + i) for i in range(26)),
)
TAG = re.compile(r"(<[^>]*>)")
MAX_PER_ENDPOINT = 2
PAGES_PER_CRAWL = 220


def babel_words() -> set[str]:
    """English's own day and month names (and their abbreviations), which Babel writes."""
    english = Locale.parse("en_GB")
    words = set()
    for names in (english.days, english.months):
        for context in names.values():
            for width in context.values():
                words.update(word for name in width.values() for word in WORD.findall(name))
    return words


ALLOWED = PROPER_NAMES | babel_words()


def english_in(text: str) -> list[str]:
    text = URL.sub(" ", ZONE.sub(" ", text))
    return [word for word in WORD.findall(text) if word not in ALLOWED]


# -- static: template text outside gettext -----------------------------------------------


def _untranslated_template_text(env, source: str, markup: bool) -> list[str]:
    """The template's literal text outside {% trans %} blocks, each tag and expression a gap."""
    parts, inside_trans, previous_block = [], 0, False
    for _line, kind, value in env.lex(source):
        if kind == "name" and previous_block and value == "trans":
            inside_trans += 1
        elif kind == "name" and previous_block and value == "endtrans":
            inside_trans -= 1
        if kind != "whitespace":
            previous_block = kind == "block_begin"
        parts.append(value if kind == "data" and not inside_trans else "\x00")
    text = "".join(parts)
    if markup:
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<[^<>]*>", " ", text)
        text = re.sub(r"&[#a-z0-9]+;", " ", text)
    return english_in(text)


@pytest.mark.parametrize(
    "template",
    sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt")),
)
def test_no_template_has_text_outside_gettext(app, template):
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    found = _untranslated_template_text(app.jinja_env, source, markup=template.endswith(".html"))
    assert not found, f"{template}: words outside gettext: {sorted(set(found))}"


# -- dynamic: the demo site in a pseudo-locale --------------------------------------------


@pytest.fixture
def backend():
    """Translation does not depend on the database: SQLite only."""
    return "sqlite"


@pytest.fixture
def app_settings(pseudo_settings):
    return {**pseudo_settings, "SITE_NAME": "Ｅｖｅｎｔｓｉｔｅ", "MODERATION": "newcomers"}


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def full_width_markup(html: str) -> str:
    return "".join(part if part.startswith("<") else full_width(part) for part in TAG.split(html))


def rewrite_content_in_full_width() -> None:
    """Make the demo's content unmistakable: no ASCII letter left in anything people typed."""
    plain = {
        Event: ("title", "summary", "venue_name", "address", "access_notes", "cost", "cancel_message", "description"),
        Idea: ("title", "summary", "description", "pending_name"),
        Series: ("title",),
        Person: ("name",),
        Place: ("name",),
        Tag: ("name",),
        BrewMember: ("organisation", "about"),
        BrewVenue: ("name", "address"),
        BrewGroup: ("venue_name", "address"),
    }
    for model, columns in plain.items():
        for row in db.session.scalars(select(model)):
            for column in columns:
                setattr(row, column, full_width(getattr(row, column) or ""))
            if hasattr(row, "description_html"):
                row.description_html = full_width_markup(row.description_html)
            if isinstance(row, BrewMember):
                row.interests = [full_width(interest) for interest in row.interests]
    db.session.commit()


@pytest.fixture
def demo(app):
    seed_network()
    db.session.commit()
    rewrite_content_in_full_width()
    host_id = db.session.scalars(select(EventHost.person_id).order_by(EventHost.event_id)).first()
    return {"host": db.session.get(Person, host_id).email, "steward": "steward@example.org"}


class VisibleText(HTMLParser):
    """What a person reads or hears from a page: its text, and the attributes read aloud or
    shown (title, alt, placeholder, aria-label, button values, meta descriptions). Text
    inside an element with its own ``lang`` (a language's own name) or marked
    ``translate="no"`` (proper names: time zones' cities) is left out."""

    READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skip = tag in ("script", "style") or ("lang" in values and tag != "html") or values.get("translate") == "no"
        if not skip and not self._skipping():
            self.texts.extend(values[name] for name in self.READ_ATTRIBUTES if values.get(name))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.texts.append(values["value"])
            if (
                tag == "meta"
                and values.get("content")
                and (values.get("name") or values.get("property", ""))
                in (
                    "description",
                    "og:title",
                    "og:description",
                )
            ):
                self.texts.append(values["content"])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.texts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.texts)


def links_in(html: str) -> list[str]:
    return re.findall(r'href="(/[^"#]*)"', html)


def crawl(app, client, starts: list[str]) -> dict[str, list[str]]:
    """Every page reachable from ``starts`` by links (a few per endpoint), with the English on each."""
    adapter = app.url_map.bind("eventsite.test")
    seen, queue, per_endpoint, found = set(), list(starts), Counter(), {}
    while queue and len(seen) < PAGES_PER_CRAWL:
        path = queue.pop(0).replace("&amp;", "&")
        if path in seen:
            continue
        split = urlsplit(path)
        try:
            endpoint, _args = adapter.match(split.path, method="GET")
        except HTTPException:  # not a page of ours (a 404, a POST-only address): skip
            continue
        if endpoint in ("static", "main.healthz") or per_endpoint[endpoint] >= MAX_PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        seen.add(path)
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        found[path] = english_in(visible_text(response.text))
        queue.extend(link for link in links_in(response.text) if link not in seen)
    return found


def assert_no_english(found: dict[str, list[str]]) -> None:
    offenders = {path: sorted(set(words)) for path, words in found.items() if words}
    assert not offenders, "English outside gettext:\n" + "\n".join(f"{p}: {w}" for p, w in offenders.items())


STARTS = ["/", "/ideas", "/ideas/older", "/brew", "/calendar", "/events/new", "/ideas/new", "/sign-in", "/embed"]
PRIVATE_STARTS = ["/me/", "/me/delete", "/stewards/", "/stewards/brew", "/stewards/places"]


@pytest.mark.slow
@pytest.mark.parametrize("locale", PSEUDO_LOCALES)
def test_every_page_speaks_the_pseudo_locale(app, client, auth, demo, locale):
    client.set_cookie(LANGUAGE_COOKIE, locale)
    found = crawl(app, client, STARTS)
    for who in ("host", "steward"):
        auth.sign_in(demo[who])
        client.set_cookie(LANGUAGE_COOKIE, locale)
        found |= {f"{path} ({who})": words for path, words in crawl(app, client, STARTS + PRIVATE_STARTS).items()}
        auth.sign_out()
    assert len(found) > 60, f"the crawl reached only {len(found)} pages"
    assert_no_english(found)


FORM_ERRORS = [
    ("/events/new", {"title": "", "email": "not an address", "starts_at": "tomorrow"}),
    ("/sign-in", {"email": "not an address"}),
    ("/ideas/new", {"title": "", "email": "nope"}),
    ("/brew", {"email": "nope", "sector": "sorcery", "locality": "atlantis"}),
]


@pytest.mark.parametrize("locale", PSEUDO_LOCALES)
def test_form_errors_and_error_pages_speak_the_pseudo_locale(app, client, demo, locale):
    client.set_cookie(LANGUAGE_COOKIE, locale)
    event = db.session.scalars(select(Event).order_by(Event.id)).first()
    found = {}
    for path, data in [*FORM_ERRORS, (f"/events/{event.id}/rsvp", {"status": "sideways", "email": "x"})]:
        response = client.post(path, data=data)
        assert response.status_code == 422, (path, response.status_code)
        found[f"POST {path}"] = english_in(visible_text(response.text))
    for path in ("/no-such-page", "/events/999999", "/answers/not-a-token", "/brew/meet/1.bad"):
        response = client.get(path)
        assert response.status_code in (400, 404, 410), (path, response.status_code)
        found[path] = english_in(visible_text(response.text))
    assert_no_english(found)


def json_strings(value) -> list[str]:
    """The text values in a JSON document (its keys are names for programs, not words for people)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return [value] if isinstance(value, str) else []


def ics_text(body: bytes) -> str:
    """The text a calendar app shows from a feed: names and descriptions, not identifiers."""
    calendar = Calendar.from_ical(body)
    texts = [str(calendar.get(name, "")) for name in ("X-WR-CALNAME", "NAME", "X-WR-CALDESC", "DESCRIPTION")]
    for component in calendar.walk("VEVENT"):
        texts.extend(str(component.get(name, "")) for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT"))
    return " ".join(texts)


def atom_text(body: str) -> str:
    return " ".join(
        re.sub(r"<[^>]+>", " ", match)
        for match in re.findall(r"<(?:title|subtitle|summary|content)[^>]*>(.*?)</", body, flags=re.S)
    )


@pytest.mark.parametrize("locale", PSEUDO_LOCALES)
def test_feeds_and_the_api_speak_the_pseudo_locale(client, demo, locale):
    found = {}
    for path in ("/calendar.ics", "/series/1.ics"):
        response = client.get(f"{path}?lang={locale}")
        assert response.status_code == 200
        found[path] = english_in(ics_text(response.data))
    for path in ("/feed.atom", "/ideas.atom"):
        found[path] = english_in(atom_text(client.get(f"{path}?lang={locale}").text))
    response = client.get(f"/api/events?lang={locale}&date_from=not-a-date")
    assert response.status_code == 400
    found["/api/events"] = english_in(" ".join(json_strings(response.json)))
    assert_no_english(found)


@pytest.mark.slow
@pytest.mark.parametrize("locale", [ACCENTED, RIGHT_TO_LEFT])
def test_emails_speak_their_recipients_pseudo_locale(app, client, auth, runner, mailbox, demo, locale):
    """Everyone in the demo reads ``locale``; then the journeys that write to people run:
    signing in, a guest's answer, a proposal, an idea, a brew sign-up, a steward's brew
    round, reminders and follow-ups."""
    for person in db.session.scalars(select(Person)):
        person.language = locale
    db.session.commit()
    client.set_cookie(LANGUAGE_COOKIE, locale)
    event = db.session.scalars(select(Event).where(Event.capacity.is_(None)).order_by(Event.id)).first()
    client.post(f"/events/{event.id}/rsvp", data={"status": "going", "email": "guest@example.org", "name": "Ｇ"})
    client.post("/sign-in", data={"email": demo["host"]})
    client.post("/ideas/new", data={"title": "Ｉｄｅａ", "email": "idea@example.org", "name": "Ｉ"})
    client.post("/brew", data={"email": "brew@example.org", "name": "Ｂ", "sector": "nhs", "locality": "online"})
    auth.sign_in(demo["steward"])
    client.post("/stewards/brew/round")
    for command in ("send-reminders", "send-follow-ups"):
        runner.invoke(args=[command])
    deliver()
    mails = list(db.session.scalars(select(OutboxMail)))
    assert len(mails) >= 8, [mail.subject for mail in mails]
    found = {f"{mail.to_address}: {mail.subject}": english_in(f"{mail.subject}\n{mail.body}") for mail in mails}
    assert_no_english(found)
