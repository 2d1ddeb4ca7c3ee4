"""The language a feed speaks: a shared feed (calendar, Atom, JSON) speaks ``?lang=`` when it
is one the site offers, else the default, whatever the browser says; a personal feed speaks
its person's language; and a page's subscribe links ask for the page's language.

Polish is checked against its catalogue (which may not say everything yet); the accented
pseudo-locale (tests/pseudo.py) translates every message, so with it each text must differ.
"""

import re

import pytest
from flask import request
from flask_babel import gettext, ngettext

from eventsite.attendees import respond
from eventsite.extensions import db
from eventsite.feed_tokens import feed_token
from eventsite.forms import FilterForm
from eventsite.i18n import speaking
from eventsite.models import EventKind, RsvpStatus
from eventsite.rsvps import locked_event
from tests.pseudo import ACCENTED
from tests.test_ical import parse

DESCRIPTION = "Gatherings on %(site)s"
PERSONAL_NAME = "My gatherings on %(site)s"
SITE_NAME = "eventsite"


@pytest.fixture
def app_settings(pseudo_settings):
    return pseudo_settings


def said_in(app, code: str | None, message: str, **values) -> str:
    """``message`` as the catalogue of ``code`` says it."""
    with app.test_request_context(), speaking(code):
        return gettext(message, **values)


def counted_in(app, code: str | None, singular: str, plural: str, num: int) -> str:
    with app.test_request_context(), speaking(code):
        return ngettext(singular, plural, num)


def kind_in(app, code: str, kind: EventKind) -> str:
    with app.test_request_context(), speaking(code):
        return str(kind.label)


def calendar_text(response, name: str) -> str:
    return str(parse(response.data)[name])


@pytest.fixture
def workshop(app, make_event):
    return make_event(title="Soup workshop", kind=EventKind.WORKSHOP)


@pytest.mark.parametrize("code", ["pl", ACCENTED])
def test_the_shared_feed_speaks_its_lang_argument(app, client, workshop, code):
    response = client.get(f"/calendar.ics?kind=workshop&lang={code}")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == code.replace("_", "-")
    assert calendar_text(response, "X-WR-CALDESC") == said_in(app, code, DESCRIPTION, site=SITE_NAME)
    name = f"{SITE_NAME}: {kind_in(app, code, EventKind.WORKSHOP)}"
    assert calendar_text(response, "X-WR-CALNAME") == calendar_text(response, "NAME") == name
    [vevent] = parse(response.data).events
    going = counted_in(app, code, "%(num)d going", "%(num)d going", 0)
    assert str(vevent["DESCRIPTION"]).startswith(going)


def test_the_pseudo_locale_feed_is_all_translated(app, client, workshop):
    """With every message translated, nothing of the English feed's own text is left."""
    response = client.get(f"/calendar.ics?kind=workshop&lang={ACCENTED}")
    assert calendar_text(response, "X-WR-CALDESC") != "Gatherings on eventsite"
    assert calendar_text(response, "X-WR-CALNAME") != "eventsite: Workshop"
    assert not str(parse(response.data).events[0]["DESCRIPTION"]).startswith("0 going.")


@pytest.mark.parametrize("code", ["pl", ACCENTED])
def test_each_language_has_its_own_cached_bytes_and_etag(app, client, workshop, code):
    """The plain feed's name is the site's in every language: only the cache key's language
    keeps one language's bytes from being served for another."""
    english = client.get("/calendar.ics")
    translated = client.get(f"/calendar.ics?lang={code}")
    english_again = client.get("/calendar.ics")
    assert english_again.data == english.data
    assert english_again.headers["ETag"] == english.headers["ETag"]
    assert calendar_text(english, "X-WR-CALDESC") == "Gatherings on eventsite"
    assert calendar_text(translated, "X-WR-CALDESC") == said_in(app, code, DESCRIPTION, site=SITE_NAME)
    if said_in(app, code, DESCRIPTION, site=SITE_NAME) != "Gatherings on eventsite":
        assert translated.data != english.data
        assert translated.headers["ETag"] != english.headers["ETag"]
        # A client holding the English ETag gets the translated feed, not a 304.
        asked = client.get(f"/calendar.ics?lang={code}", headers={"If-None-Match": english.headers["ETag"]})
        assert asked.status_code == 200


def test_the_translated_feed_is_built_first_and_english_still_follows(app, client, workshop):
    translated = client.get(f"/calendar.ics?lang={ACCENTED}")
    english = client.get("/calendar.ics")
    assert calendar_text(english, "X-WR-CALDESC") == "Gatherings on eventsite"
    assert english.headers["ETag"] != translated.headers["ETag"]


@pytest.mark.parametrize("lang", ["xx", "de", "", "en_XA<script>", "PL", "pl-PL"])
def test_an_unknown_lang_falls_back_to_the_default(app, client, workshop, lang):
    default = client.get("/calendar.ics")
    response = client.get("/calendar.ics", query_string={"lang": lang})
    assert response.status_code == 200
    assert response.data == default.data
    assert response.headers["Content-Language"] == "en-GB"


def test_the_browser_language_does_not_change_a_shared_feed(app, client, workshop):
    """Calendar servers fetch without Accept-Language, and a cache keyed by URL must get the
    same bytes: neither the header nor the site's language cookie changes the feed."""
    default = client.get("/calendar.ics")
    client.set_cookie("lang", ACCENTED)
    response = client.get("/calendar.ics", headers={"Accept-Language": "pl"})
    assert response.data == default.data
    assert "Accept-Language" not in response.headers.get("Vary", "")


@pytest.fixture
def answered(app, make_person, workshop):
    """Pat, going to the workshop; the feed's language is Pat's."""
    pat = make_person(email="pat@example.org", name="Pat")
    respond(locked_event(workshop.id), pat, RsvpStatus.GOING)
    db.session.commit()
    return pat


@pytest.mark.parametrize("code", ["pl", ACCENTED, None])
def test_a_personal_feed_follows_its_persons_language(app, client, answered, code):
    answered.language = code
    db.session.commit()
    # Neither ?lang= nor the browser chooses a personal feed's language.
    response = client.get(f"/feeds/{feed_token(answered)}.ics?lang=pl", headers={"Accept-Language": "pl"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == (code or "en_GB").replace("_", "-")
    assert calendar_text(response, "X-WR-CALNAME") == said_in(app, code, PERSONAL_NAME, site=SITE_NAME)
    [vevent] = parse(response.data).events
    assert str(vevent["DESCRIPTION"]).startswith(said_in(app, code, "You're going."))
    if code == ACCENTED:
        assert calendar_text(response, "X-WR-CALNAME") != "My gatherings on eventsite"


def test_a_person_in_an_unsupported_language_gets_the_default(app, client, answered):
    answered.language = "de"
    db.session.commit()
    response = client.get(f"/feeds/{feed_token(answered)}.ics")
    assert calendar_text(response, "X-WR-CALNAME") == "My gatherings on eventsite"
    assert response.headers["Content-Language"] == "en-GB"


@pytest.mark.parametrize("code", ["pl", ACCENTED])
def test_the_atom_feed_speaks_its_lang_argument(app, client, workshop, code):
    response = client.get(f"/feed.atom?lang={code}")
    assert response.headers["Content-Language"] == code.replace("_", "-")
    title = re.search(r"<title>(.*?)</title>", response.text).group(1)
    assert title == said_in(app, code, "New gatherings on %(site)s", site=SITE_NAME)
    assert f'xml:lang="{code.replace("_", "-")}"' in response.text
    assert f"/feed.atom?lang={code}" in response.text  # its self link


def test_the_atom_feed_ignores_the_browser(app, client, workshop):
    response = client.get("/feed.atom", headers={"Accept-Language": ACCENTED})
    assert "<title>New gatherings on eventsite</title>" in response.text


@pytest.mark.parametrize("code", ["pl", ACCENTED, "xx"])
def test_the_apis_errors_speak_its_lang_argument(app, client, code):
    query = {"date_from": "1999-01-01", "lang": code}
    response = client.get("/api/events", query_string=query)
    assert response.status_code == 400
    with app.test_request_context(query_string=query), speaking(code):
        form = FilterForm(request.args)
        form.to_filters()
        expected = [str(message) for message in form.date_from.errors]
    assert response.json["errors"]["date_from"] == expected


def subscribe_address(page: str, path: str) -> str:
    """The https address a subscribe box offers to copy, for the feed at ``path``."""
    match = re.search(rf'value="(http://eventsite\.test{re.escape(path)}[^"]*)"', page)
    assert match, f"no subscribe address for {path}"
    return match.group(1).replace("&amp;", "&")


def test_subscribe_links_ask_for_the_pages_language(app, client, workshop):
    english = client.get("/calendar").text
    assert subscribe_address(english, "/calendar.ics") == "http://eventsite.test/calendar.ics"
    client.set_cookie("lang", "pl")
    polish = client.get("/calendar?kind=workshop").text
    assert subscribe_address(polish, "/calendar.ics") == "http://eventsite.test/calendar.ics?kind=workshop&lang=pl"
    assert "webcal://eventsite.test/calendar.ics?kind=workshop&amp;lang=pl" in polish
    assert 'href="/feed.atom?lang=pl"' in polish  # the page's Atom link too


def test_the_personal_subscribe_link_has_no_lang(app, client, auth, make_person):
    """A personal feed speaks its person's language whatever the link says: no lang= in it."""
    person = make_person(email="sam@example.org", name="Sam")
    auth.sign_in(person.email)
    client.set_cookie("lang", "pl")
    page = client.get("/me/").text
    assert subscribe_address(page, "/feeds/") == f"http://eventsite.test/feeds/{feed_token(person)}.ics"
