"""Which language a page and an email speak, the switcher, and the Polish catalogue.

The order: the signed-in person's choice, the ``lang`` cookie, Accept-Language, then
DEFAULT_LANGUAGE. Emails speak their recipient's language. The pseudo-locales (tests/pseudo.py)
make a page's language visible without knowing any message: every message reads "[Ƥšéûđö]".
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import gettext, ngettext

from eventsite.extensions import db
from eventsite.i18n import LANGUAGE_COOKIE, speaking, when
from eventsite.mail import deliver
from eventsite.models import Person
from tests.pseudo import ACCENTED, RIGHT_TO_LEFT, extract

POLISH = Path(__file__).resolve().parent.parent / "eventsite/translations/pl/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
HTML_TAG = re.compile(r"<html lang=\"([^\"]+)\" dir=\"(ltr|rtl)\">")


@pytest.fixture
def app_settings(pseudo_settings):
    return pseudo_settings


def html_language(response) -> tuple[str, str]:
    match = HTML_TAG.search(response.text)
    assert match, "the page has no <html lang dir>"
    return match.group(1), match.group(2)


def is_pseudo(text: str) -> bool:
    return "[" in text and any(letter in text for letter in "åéîöûñ")


# -- choosing the language ----------------------------------------------------------------


def test_without_a_choice_pages_speak_the_default_language(client):
    response = client.get("/")
    assert html_language(response) == ("en-GB", "ltr")
    assert response.headers["Content-Language"] == "en-GB"
    assert "Accept-Language" in response.headers["Vary"]
    assert "Gatherings" in response.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pl-PL,pl;q=0.9,en;q=0.5", "pl"),
        ("de-DE, pl;q=0.5", "pl"),
        ("en-US,en;q=0.8", "en-GB"),
        ("fr-FR", "en-GB"),  # not offered: the default
        ("*", "en-GB"),
        ("en-XA", "en-XA"),
    ],
)
def test_accept_language_chooses_among_the_languages_offered(client, header, expected):
    assert html_language(client.get("/", headers={"Accept-Language": header}))[0] == expected


def test_the_cookie_beats_accept_language_and_an_unknown_one_is_ignored(client):
    client.set_cookie(LANGUAGE_COOKIE, ACCENTED)
    assert html_language(client.get("/", headers={"Accept-Language": "pl"}))[0] == "en-XA"
    client.set_cookie(LANGUAGE_COOKIE, "xx_YY")
    assert html_language(client.get("/", headers={"Accept-Language": "pl"}))[0] == "pl"


def test_a_signed_in_persons_choice_beats_the_cookie(client, auth, make_person):
    person = make_person("lena@example.org", "Lena")
    person.language = RIGHT_TO_LEFT
    db.session.commit()
    auth.sign_in("lena@example.org")
    client.set_cookie(LANGUAGE_COOKIE, "pl")
    assert html_language(client.get("/")) == ("ar-XB", "rtl")


def test_the_right_to_left_pseudo_locale_turns_the_page_around(client):
    client.set_cookie(LANGUAGE_COOKIE, RIGHT_TO_LEFT)
    response = client.get("/")
    assert html_language(response) == ("ar-XB", "rtl")
    assert "\u202b[" in response.text


def test_the_switcher_sets_the_cookie_and_goes_back(client):
    response = client.post("/language", data={"language": "pl", "next": "/ideas?tag=walks"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/ideas?tag=walks"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie.value == "pl"
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert html_language(client.get("/ideas"))[0] == "pl"


def test_the_switcher_keeps_a_signed_in_persons_choice_in_their_profile(client, auth, make_person):
    person = make_person("lena@example.org", "Lena")
    auth.sign_in("lena@example.org")
    client.post("/language", data={"language": "pl", "next": "/"})
    db.session.expire_all()
    assert db.session.get(Person, person.id).language == "pl"
    client.delete_cookie(LANGUAGE_COOKIE)  # another browser, signed in as her
    assert html_language(client.get("/"))[0] == "pl"


@pytest.mark.parametrize(
    ("data", "location"),
    [
        ({"language": "xx", "next": "/ideas"}, "/ideas"),  # not offered: nothing changes
        ({"language": "pl", "next": "https://evil.example/"}, "/"),  # never an open redirect
        ({"language": "pl", "next": "//evil.example/"}, "/"),
        ({"language": "pl"}, "/"),
    ],
)
def test_the_switcher_refuses_what_it_does_not_offer_and_never_leaves_the_site(client, data, location):
    response = client.post("/language", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == location
    if data["language"] == "xx":
        assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_the_switcher_changes_nothing_on_get(client):
    assert client.get("/language?language=pl").status_code == 405
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_the_footer_offers_every_language_by_its_own_name(client):
    response = client.get("/")
    assert 'action="/language"' in response.text
    assert '<option value="pl" lang="pl">Polski</option>' in response.text
    assert 'value="en_GB" lang="en-GB" selected>English</option>' in response.text


# -- dates and numbers --------------------------------------------------------------------


def test_dates_are_written_the_way_the_language_writes_them(app, client, make_event):
    event = make_event()
    with app.test_request_context(), speaking("pl"):
        polish = when(event.local_start, "short")
    with app.test_request_context():
        english = when(event.local_start, "short")
    assert polish != english
    assert english == event.local_start.strftime("%a %-d %b %Y, %H:%M")
    path = f"/events/{event.id}"
    assert polish in client.get(path, headers={"Accept-Language": "pl"}, follow_redirects=True).text
    assert english in client.get(path, follow_redirects=True).text


# -- emails speak their recipient's language --------------------------------------------


def test_an_email_speaks_its_recipients_language_not_the_senders(app, client, mailbox, make_person):
    make_person("lena@example.org", "Lena").language = ACCENTED
    db.session.commit()
    client.post("/sign-in", data={"email": "lena@example.org"}, headers={"Accept-Language": "pl"})
    message = mailbox.last_to("lena@example.org")
    assert is_pseudo(message["Subject"])
    assert is_pseudo(mailbox.text(message))


def test_someone_new_hears_in_the_language_they_were_reading(client, mailbox):
    client.set_cookie(LANGUAGE_COOKIE, RIGHT_TO_LEFT)
    client.post("/sign-in", data={"email": "new@example.org"})
    assert "\u202b[" in mailbox.last_to("new@example.org")["Subject"]


def test_confirming_an_address_keeps_the_language_they_read_in_unless_they_chose(client, auth, mailbox, make_person):
    client.set_cookie(LANGUAGE_COOKIE, ACCENTED)
    auth.sign_in("new@example.org")
    chose = make_person("chose@example.org", "Chose")
    chose.language = "pl"
    db.session.commit()
    auth.sign_in("chose@example.org")
    db.session.expire_all()
    languages = dict(db.session.query(Person.email, Person.language))
    assert languages == {"new@example.org": ACCENTED, "chose@example.org": "pl"}


def test_mail_sent_by_a_command_speaks_each_recipients_language(app, make_person, mailbox):
    """Outside a request (cron), someone whose language is unknown hears the default."""
    from eventsite.people import send_sign_in_link

    make_person("lena@example.org", "Lena").language = ACCENTED
    make_person("alex@example.org", "Alex")
    db.session.commit()
    send_sign_in_link("lena@example.org")
    send_sign_in_link("alex@example.org")
    db.session.commit()
    deliver()
    assert is_pseudo(mailbox.last_to("lena@example.org")["Subject"])
    assert not is_pseudo(mailbox.last_to("alex@example.org")["Subject"])


# -- the Polish catalogue -----------------------------------------------------------------


def _polish():
    with POLISH.open("rb") as source:
        return read_po(source)


def test_polish_translates_every_message_in_the_source(tmp_path):
    """Every message the code and templates use (extracted now) has a Polish translation that
    is not fuzzy, with every plural form, and the same placeholders as the English."""
    with extract(tmp_path / "messages.pot").open("rb") as source:
        wanted = [(message.id, message.context) for message in read_po(source) if message.id]
    polish = _polish()
    missing = [
        message_id
        for message_id, context in wanted
        if (found := polish.get(message_id, context=context)) is None
        or found.fuzzy
        or not all(found.string if isinstance(found.string, tuple) else [found.string])
    ]
    assert not missing, f"{len(missing)} messages have no Polish translation, e.g. {missing[:5]}"
    problems = [(message.id, [str(error) for error in errors]) for message, errors in polish.check()]
    assert not problems, problems[:5]


def test_polish_plurals_have_its_three_forms(app):
    polish = _polish()
    assert polish.num_plurals == 3
    plurals = [message for message in polish if isinstance(message.id, tuple) and message.id[0]]
    assert plurals, "no message has a plural form: counts are not translated with ngettext"
    with app.test_request_context(), speaking("pl"):
        for message in plurals:
            values = {name: 7 if kind == "d" else "x" for name, kind in PLACEHOLDER.findall(message.id[1])}
            values.pop("num", None)
            one, few, many = message.string
            for count, form in ((1, one), (3, few), (5, many), (22, few), (12, many), (101, many)):
                assert ngettext(*message.id, count, **values) == form % {**values, "num": count}, (message.id, count)


def test_english_plurals_choose_one_or_other(app):
    with app.test_request_context():
        assert gettext("Language") == "Language"
        assert ngettext("%(num)d place", "%(num)d places", 1) == "1 place"
        assert ngettext("%(num)d place", "%(num)d places", 2) == "2 places"
