"""The path `make run` takes: the Flask development server, the default settings (SQLite
under a DATABASE_URL of our own, no MAIL_SERVER, so every email is printed to the
console), driven over HTTP as a person would, through propose → confirm → a steward's
approval → answer → waitlist → promotion → change → cancel; and brew and biscuits: sign up →
confirm → a steward's round → both accept a time.

Each step reads the link it needs from what the server printed, as a developer would,
so a console mailer that crashes, stalls or drops the attachment fails here.
"""

import contextlib
import os
import re
import subprocess
import threading
import time
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest

from tests.loadtools import BIN, HOST, ROOT, Visitor, free_port

LINK = re.compile(r"https?://\S+")
RULE = "-" * 72  # the console mailer's line between messages


class Console:
    """What the development server prints, read line by line as it comes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def close(self) -> None:
        self._thread.join(timeout=5)
        self._stream.close()

    def mark(self) -> int:
        return len(self.lines)

    def message(self, since: int, subject: str, to: str, timeout: float = 15) -> list[str]:
        """The lines of the first message printed after ``since`` to ``to`` whose subject starts
        with ``subject`` (mail is sent just after the response, so wait a little for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.lines[since:]
            for start, line in enumerate(lines):
                if line == f"To: {to}" and any(
                    later.startswith(f"Subject: {subject}") for later in lines[start : start + 6]
                ):
                    end = next((i for i in range(start, len(lines)) if lines[i] == RULE), len(lines))
                    return lines[start:end]
            time.sleep(0.05)
        printed = "\n".join(self.lines[since:])
        raise AssertionError(f"no mail to {to} with subject {subject!r} was printed; printed:\n{printed}")

    def link(self, since: int, subject: str, to: str, containing: str) -> str:
        """The path of the link containing ``containing`` in that message."""
        lines = self.message(since, subject, to)
        links = [found for line in lines for found in LINK.findall(line) if containing in found]
        assert links, f"no link with {containing!r} in:\n" + "\n".join(lines)
        return "/" + links[0].split("/", 3)[3]


class FormReader(HTMLParser):
    """The fields of the form on ``page`` posting to ``action``, with the values the page filled in."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__()
        self.action = action
        self.page = page  # where a form without an action posts
        self.fields: dict[str, str | list[str]] = {}
        self.found = False
        self._inside = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = (attrs.get("action") or self.page).split("#")[0] == self.action
            self.found = self.found or self._inside
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "y"))
            else:
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data.removeprefix("\n") if not self.fields[self._textarea] else data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _add(self, name: str, value: str) -> None:
        present = self.fields.get(name)
        self.fields[name] = [*present, value] if isinstance(present, list) else [value]


def moved(reply) -> bool:
    """The form was accepted (a redirect); if not, the messages the page gave, to read in the failure."""
    assert reply.status == 302, f"{reply.status}: " + " / ".join(re.findall(r'class="error"[^>]*>([^<]+)', reply.body))
    return True


class Person(Visitor):
    """A person at their own browser, who fills in forms as the page offers them."""

    def submit(self, page: str, action: str, **changes: str):
        """Open ``page``, fill the form posting to ``action`` as shown plus ``changes``, send it."""
        reply = self.open_page(page)
        reader = FormReader(action, page)
        reader.feed(reply.body)
        fields = {name: value for name, value in reader.fields.items() if name != "csrf_token"}
        assert reader.found, f"no form posting to {action} on {page}"
        fields.update(changes)
        return self.post_form(action, fields)

    def post_form(self, action: str, fields: dict):
        pairs = [
            (name, item) for name, value in fields.items() for item in (value if isinstance(value, list) else [value])
        ]
        return self._request("POST", action, [("csrf_token", self.csrf_token), *pairs], 60)

    def sign_in(self, console: Console, email: str) -> None:
        since = console.mark()
        assert moved(self.submit("/sign-in", "/sign-in", email=email))
        link = console.link(since, "", email, "/links/")
        assert moved(self.submit(link, link.split("?")[0]))


@pytest.fixture
def development_server(tmp_path):
    """`flask run --debug`, as `make run` starts it, on a migrated SQLite file of its own."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "MAIL_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite'}",
        SITE_URL=f"http://{HOST}:{port}",
        PYTHONUNBUFFERED="1",
    )
    for key in ("SECRET_KEY", "MODERATION", "RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE"):
        env.pop(key, None)
    flask = [str(BIN / "flask"), "--app", "eventsite"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "steward", "add", "steward@example.org"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    # --no-reload: the reloader would restart the server if a file changed under it.
    command = [*flask, "run", "--debug", "--no-reload", "--host", HOST, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    console = Console(process)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if Visitor(port).get("/healthz", timeout=2).status == 200:
                    break
            assert process.poll() is None, "\n".join(console.lines)
            time.sleep(0.1)
        yield port, console, env
    finally:
        process.terminate()
        process.wait(timeout=15)
        console.close()
        assert not any("Traceback" in line for line in console.lines), "\n".join(console.lines)


def test_make_run_prints_every_email_of_a_gathering_s_life(development_server):
    port, console, env = development_server
    host, steward, first, second = (Person(port) for _ in range(4))
    starts = (datetime.now() + timedelta(days=10)).replace(hour=18, minute=30, second=0, microsecond=0)

    # Propose as a newcomer, and confirm by the printed link.
    since = console.mark()
    proposal = {
        "title": "Coffee and system leadership",
        "kind": "pub-coffee",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "place": "online",
        "online_url": "https://meet.example.org/brew",
        "capacity": "1",
        "name": "Hannah Host",
        "email": "host@example.org",
    }
    assert moved(host.submit("/events/new", "/events/new", **proposal))
    confirm = console.link(since, "", "host@example.org", "/links/")
    confirmed = host.submit(confirm, confirm)
    assert moved(confirmed)
    event_id = int(re.match(r"/events/(\d+)", confirmed.location).group(1))

    # The newcomer's first gathering waits for a steward, who is told and approves it.
    console.message(since, "", "steward@example.org")
    steward.sign_in(console, "steward@example.org")
    since = console.mark()
    assert moved(steward.submit("/stewards/", f"/stewards/events/{event_id}/approve"))
    console.message(since, "", "host@example.org")
    page = f"/events/{event_id}"

    # The first answer takes the one place: confirm link, then "You're going" with its .ics.
    since = console.mark()
    answer = {"answer": "going", "name": "Fatima", "email": "first@example.org"}
    assert moved(first.submit(page, f"/events/{event_id}/rsvp", **answer))
    link = console.link(since, "", "first@example.org", "/answers/")
    since = console.mark()
    assert moved(first.submit(link, link))
    going = console.message(since, "You're going", "first@example.org")
    assert f"[attached: event-{event_id}.ics]" in going
    first_manage = console.link(since, "You're going", "first@example.org", "/rsvps/")

    # The second joins the waitlist.
    since = console.mark()
    answer = {"answer": "going", "name": "Tom", "email": "second@example.org"}
    assert moved(second.submit(page, f"/events/{event_id}/rsvp", **answer))
    link = console.link(since, "", "second@example.org", "/answers/")
    since = console.mark()
    assert moved(second.submit(link, link))
    console.message(since, "", "second@example.org")

    # The first withdraws by the link in their email: the second is promoted and told.
    since = console.mark()
    stranger = Person(port)
    assert moved(stranger.submit(first_manage, first_manage, answer="not-going"))
    promoted = console.message(since, "", "second@example.org")
    assert any("/rsvps/" in line for line in promoted)
    assert any(line.startswith("[attached: ") for line in promoted)

    # The host signs in and moves it by an hour: the person going is told, with the new time.
    host.sign_in(console, "host@example.org")
    since = console.mark()
    later = (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        host.submit(f"/events/{event_id}/edit", f"/events/{event_id}/edit", starts_at=later, ends_at="").status == 302
    )
    changed = console.message(since, "", "second@example.org")
    assert any("19:30" in line for line in changed), "\n".join(changed)
    assert any("/rsvps/" in line for line in changed)

    # The host cancels: the person going is told once more.
    since = console.mark()
    cancel = f"/events/{event_id}/cancel"
    assert moved(host.submit(cancel, cancel, message="The room flooded"))
    cancelled = console.message(since, "", "second@example.org")
    assert any("The room flooded" in line for line in cancelled), "\n".join(cancelled)

    # Nothing was left claimed or queued: every message was printed as it was sent.
    send_mail = [str(BIN / "flask"), "--app", "eventsite", "send-mail"]
    report = subprocess.run(send_mail, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert report.stdout.strip() == "Sent 0, failed 0, still queued 0."


def test_make_run_prints_every_email_of_a_brew(development_server):
    """Two newcomers sign up for brew and biscuits and confirm by the printed links, the
    steward starts a round, and both accept the same time: each "It's agreed" carries its .ics."""
    port, console, _env = development_server
    steward = Person(port)
    people = {"ada@example.org": ("Ada", "housing"), "ben@example.org": ("Ben", "social-care")}
    for email, (name, sector) in people.items():
        visitor = Person(port)
        since = console.mark()
        sign_up = {"name": name, "email": email, "sector": sector, "place": "online", "mode": "online"}
        assert moved(visitor.submit("/brew", "/brew", **sign_up))
        link = console.link(since, "Confirm your sign-up", email, "/brew/confirm/")
        since = console.mark()
        assert moved(visitor.submit(link, link))
        console.message(since, "You're in", email)

    steward.sign_in(console, "steward@example.org")
    since = console.mark()
    assert moved(steward.submit("/stewards/brew", "/stewards/brew/round"))
    meetings = {email: console.link(since, "Your brew and biscuits match", email, "/brew/meet/") for email in people}

    since = console.mark()
    for meeting in meetings.values():
        assert moved(Person(port).submit(meeting, f"{meeting}/slots/0", accepted="1"))
    for email in people:
        agreed = console.message(since, "It's agreed", email)
        assert any(re.fullmatch(r"\[attached: brew-\d+\.ics\]", line) for line in agreed), "\n".join(agreed)
