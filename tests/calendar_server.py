"""A real HTTP server on 127.0.0.1, in a thread, standing in for the calendars people import:
it serves what a test puts at a path with an ETag and Last-Modified, answers 304 to a
matching If-None-Match (or an If-Modified-Since not older than the file), redirects, sends
a body over 2 MB, drips bytes, answers any status, and records every request's headers.

Fixtures under tests/fixtures/imports/ write dates as tokens relative to today, so the
suite never rots: ``@D+7@`` is the date 7 days from today (20260107), ``@DAY+7@`` its
iCalendar weekday (WE), ``@Y-1@`` last year.
"""

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def fixture(name: str, today: date | None = None) -> bytes:
    """A fixture file with its date tokens filled in from ``today``."""
    return dated(FIXTURES.joinpath(name).read_bytes().decode("utf-8"), today).encode()


def dated(text: str, today: date | None = None) -> str:
    today = today or date.today()

    def day(match: re.Match) -> str:
        moment = today + timedelta(days=int(match.group(2)))
        return WEEKDAYS[moment.weekday()] if match.group(1) == "DAY" else f"{moment:%Y%m%d}"

    text = re.sub(r"@(D|DAY)([+-]\d+)@", day, text)
    return re.sub(r"@Y([+-]\d+)@", lambda match: str(today.year + int(match.group(1))), text)


@dataclass
class Served:
    body: bytes
    etag: str
    last_modified: float
    content_type: str = "text/calendar; charset=utf-8"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class CalendarServer:
    files: dict[str, Served] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    port: int = 0

    @property
    def allow(self) -> str:
        """What IMPORT_ALLOW_PRIVATE lists to let the site fetch from this server."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes | str, content_type: str = "text/calendar; charset=utf-8") -> str:
        """Serve ``body`` at ``path`` (a new ETag and a later Last-Modified when it changed); its URL."""
        body = body.encode() if isinstance(body, str) else body
        served = self.files.get(path)
        if served is None or served.body != body:
            modified = max(time.time(), served.last_modified + 1) if served else time.time() - 60
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            self.files[path] = Served(body, etag, modified, content_type)
        return self.url(path)

    def remove(self, path: str) -> None:
        self.files.pop(path, None)

    def redirect(self, path: str, location: str) -> str:
        self.redirects[path] = location
        return self.url(path)

    def seen(self, path: str) -> list[dict[str, str]]:
        """The headers of each request for ``path``, oldest first."""
        return [request.headers for request in self.requests if request.path == path]


def _handler(server: CalendarServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path
            server.requests.append(Seen(path, {name.lower(): value for name, value in self.headers.items()}))
            if path in server.redirects:
                return self._answer(302, b"", {"Location": server.redirects[path]})
            if match := re.fullmatch(r"/status/(\d{3})", path):
                return self._answer(int(match.group(1)), b"no calendar here")
            if path == "/big":  # says how big it is
                return self._answer(200, b"x" * (2 * 1024 * 1024 + 1))
            if path == "/big-unsaid":  # says nothing: the limit must hold while reading
                return self._stream(b"BEGIN:VCALENDAR\r\n" + b"X" * (3 * 1024 * 1024))
            if path == "/drip":
                return self._drip()
            served = server.files.get(path)
            if served is None:
                return self._answer(404, b"not found")
            validators = {"ETag": served.etag, "Last-Modified": formatdate(served.last_modified, usegmt=True)}
            if self._unchanged(served):
                return self._answer(304, b"", validators)
            self._answer(200, served.body, {**validators, "Content-Type": served.content_type})

        def _unchanged(self, served: Served) -> bool:
            if "If-None-Match" in self.headers:
                return self.headers["If-None-Match"] == served.etag
            since = self.headers.get("If-Modified-Since")
            return since == formatdate(served.last_modified, usegmt=True)

        def _answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self._write(body)

        def _stream(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(body), 64 * 1024):
                if not self._write(body[start : start + 64 * 1024]):
                    return
            self.close_connection = True

        def _drip(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(100):  # a byte every 0.1 s: 10 s in all, unless the fetcher hangs up
                if not self._write(b"B"):
                    return
                time.sleep(0.1)

        def _write(self, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
                return True
            except OSError:  # the fetcher hung up (as it should, past a limit)
                return False

    return Handler


def start() -> tuple[CalendarServer, ThreadingHTTPServer]:
    served = CalendarServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    served.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return served, httpd


def stop(httpd: ThreadingHTTPServer) -> None:
    httpd.shutdown()
    httpd.server_close()
