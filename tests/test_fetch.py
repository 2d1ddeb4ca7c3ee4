"""Fetching a calendar from a typed address cannot reach what the site's own network can:
each refusal says why, in the words the importer reads."""

import socket
import time

import pytest

from eventsite import fetch as fetching
from eventsite.fetch import FetchRefused, fetch
from tests import calendar_server

PRIVATE = "is a private or local address: only public addresses can be imported."


@pytest.fixture
def backend():
    return "sqlite"  # nothing here touches the database


@pytest.fixture
def calendars():
    served, httpd = calendar_server.start()
    yield served
    calendar_server.stop(httpd)


def refusal(url: str, **kwargs) -> str:
    with pytest.raises(FetchRefused) as refused:
        fetch(url, **kwargs)
    return refused.value.message


def test_the_allowed_test_server_is_fetched_with_its_validators(app, calendars):
    url = calendars.put("/cal.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    fetched = fetch(url, allow=frozenset({calendars.allow}))
    assert fetched.body.startswith(b"BEGIN:VCALENDAR")
    assert fetched.etag == calendars.files["/cal.ics"].etag
    assert fetched.last_modified.endswith("GMT")
    again = fetch(url, etag=fetched.etag, allow=frozenset({calendars.allow}))
    assert again.not_modified
    assert again.body == b""


def test_no_cookie_or_credentials_are_sent(app, calendars):
    url = calendars.put("/cal.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    fetch(url, allow=frozenset({calendars.allow}))
    (headers,) = calendars.seen("/cal.ics")
    assert "cookie" not in headers
    assert "authorization" not in headers
    assert headers["accept-encoding"] == "identity"  # no compressed bombs


def test_the_test_server_itself_is_refused_unless_allowed(app, calendars):
    url = calendars.put("/cal.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert refusal(url) == f"127.0.0.1 {PRIVATE}"
    assert calendars.requests == []  # refused before connecting


def test_a_name_resolving_to_loopback_is_refused(app, calendars):
    calendars.put("/cal.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    # The allowance is for 127.0.0.1:port as written; another name for it is not let through.
    assert refusal(f"http://localhost:{calendars.port}/cal.ics", allow=frozenset({calendars.allow})) == (
        f"localhost {PRIVATE}"
    )
    assert calendars.requests == []


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["93.184.215.14", "127.0.0.1"], ["10.1.2.3"], ["::1"], ["fe80::1%1"], ["::ffff:192.168.0.1"]],
)
def test_every_address_a_name_resolves_to_is_checked(app, monkeypatch, answers):
    def resolve(host, port, *args, **kwargs):
        family = lambda address: socket.AF_INET6 if ":" in address else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert refusal("https://calendar.example.net/team.ics") == f"calendar.example.net {PRIVATE}"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://10.0.0.5/cal.ics", "10.0.0.5"),
        ("http://192.168.1.1/cal.ics", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://172.16.0.1/cal.ics", "172.16.0.1"),
        ("http://100.64.0.1/cal.ics", "100.64.0.1"),
        ("http://0.0.0.0/cal.ics", "0.0.0.0"),  # noqa: S104 - an address to refuse, not to bind
        ("http://[::1]/cal.ics", "::1"),
        ("http://[::ffff:127.0.0.1]/cal.ics", "::ffff:127.0.0.1"),
        ("http://[fd00::1]/cal.ics", "fd00::1"),
        ("http://224.0.0.1/cal.ics", "224.0.0.1"),
        ("http://2130706433/cal.ics", "2130706433"),  # 127.0.0.1 written as one number
    ],
)
def test_private_and_local_literals_are_refused(app, url, host):
    assert refusal(url) == f"{host} {PRIVATE}"


def test_an_ipv6_loopback_is_refused_even_on_the_allowed_port(app, calendars):
    assert refusal(f"http://[::1]:{calendars.port}/cal.ics", allow=frozenset({calendars.allow})) == f"::1 {PRIVATE}"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/cal.ics",
        "gopher://example.org/",
        "webcal://example.org/cal.ics",
        "javascript:alert(1)",
    ],
)
def test_only_http_and_https(app, url):
    assert refusal(url) == "Only http:// and https:// addresses can be imported."


@pytest.mark.parametrize("url", ["http://robin:secret@example.org/cal.ics", "https://token@example.org/cal.ics"])
def test_user_name_and_password_are_refused(app, url):
    assert refusal(url) == "Leave the user name and password out of the address."


@pytest.mark.parametrize("url", ["http:///cal.ics", "http://example.org:99999/cal.ics", "http://[::1/cal.ics"])
def test_not_a_web_address(app, url):
    assert refusal(url) == "That is not a web address."


def test_a_redirect_to_a_private_address_is_refused(app, calendars):
    url = calendars.redirect("/moved.ics", "http://192.168.0.10/cal.ics")
    assert refusal(url, allow=frozenset({calendars.allow})) == f"192.168.0.10 {PRIVATE}"


def test_a_redirect_to_loopback_on_another_port_is_refused(app, calendars):
    url = calendars.redirect("/moved.ics", f"http://127.0.0.1:{calendars.port + 1}/cal.ics")
    assert refusal(url, allow=frozenset({calendars.allow})) == f"127.0.0.1 {PRIVATE}"


def test_a_redirect_to_ipv6_loopback_is_refused(app, calendars):
    url = calendars.redirect("/moved.ics", f"http://[::1]:{calendars.port}/cal.ics")
    assert refusal(url, allow=frozenset({calendars.allow})) == f"::1 {PRIVATE}"


def test_a_redirect_to_a_file_is_refused(app, calendars):
    url = calendars.redirect("/moved.ics", "file:///etc/passwd")
    assert refusal(url, allow=frozenset({calendars.allow})) == "Only http:// and https:// addresses can be imported."


def test_a_redirect_within_the_allowed_server_is_followed(app, calendars):
    calendars.put("/new.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    url = calendars.redirect("/old.ics", "/new.ics")  # relative, as servers often write it
    fetched = fetch(url, allow=frozenset({calendars.allow}))
    assert fetched.url == calendars.url("/new.ics")
    assert fetched.body.startswith(b"BEGIN:VCALENDAR")


def test_too_many_redirects(app, calendars):
    url = calendars.redirect("/loop.ics", "/loop.ics")
    assert refusal(url, allow=frozenset({calendars.allow})) == "The address redirects too many times (more than 5)."
    assert len(calendars.seen("/loop.ics")) == 6


@pytest.mark.parametrize("path", ["/big", "/big-unsaid"])
def test_at_most_2_mb(app, calendars, path):
    assert refusal(calendars.url(path), allow=frozenset({calendars.allow})) == "The calendar is larger than 2 MB."


def test_a_server_that_drips_bytes_is_given_up_on(app, calendars, monkeypatch):
    monkeypatch.setattr(fetching, "TIMEOUT", 1.0)
    started = time.monotonic()
    assert refusal(calendars.url("/drip"), allow=frozenset({calendars.allow})) == (
        "The address took longer than 1 second."
    )
    assert time.monotonic() - started < 3  # the drip would last 10 s


@pytest.mark.parametrize(
    ("status", "answer"),
    [(404, "404 Not Found"), (500, "500 Internal Server Error"), (401, "401 Unauthorized"), (204, "204 No Content")],
)
def test_an_answer_other_than_200(app, calendars, status, answer):
    message = refusal(calendars.url(f"/status/{status}"), allow=frozenset({calendars.allow}))
    assert message == f"The address answered {answer}, not a calendar."


def test_nothing_listening(app, calendars):
    port = calendars.port
    message = refusal(f"http://127.0.0.1:{port + 1}/cal.ics", allow=frozenset({f"127.0.0.1:{port + 1}"}))
    assert message == "The address could not be reached."


def test_an_unknown_host(app, monkeypatch):
    def resolve(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert refusal("https://calendar.invalid/cal.ics") == "No such host: calendar.invalid."
