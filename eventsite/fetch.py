"""Fetching a calendar from an address someone typed, without letting them use the site to
reach what they could not reach themselves.

- http and https only, no user name or password in the address, no cookies sent;
- every address the host name resolves to must be public: loopback, private, link-local,
  shared, multicast and reserved ranges are refused (IPv4-mapped IPv6 too), and the
  connection goes to the address that was checked, so a second DNS answer cannot differ;
- redirects are followed by hand, at most five, each checked the same way;
- at most MAX_BYTES, within TIMEOUT seconds in all; no compression (no zip bombs).

``allow`` (IMPORT_ALLOW_PRIVATE, tests only) lists "host:port" pairs let through although
private: the test suite's own local servers.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from flask_babel import gettext, ngettext

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 10.0
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}


class FetchRefused(Exception):
    """Why the address gave no calendar, in words for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


def fetch(url: str, *, etag: str = "", last_modified: str = "", allow: frozenset[str] = frozenset()) -> Fetched:
    deadline = time.monotonic() + TIMEOUT
    headers = {
        "User-Agent": "eventsite-calendar-import/1",
        "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(MAX_REDIRECTS + 1):
        target = _checked_target(url, allow)
        response, connection = _request(target, headers, deadline)
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(gettext("The address redirects without saying where to."))
                url = urljoin(url, location.strip())
                continue
            if response.status == 304:
                return Fetched(url, not_modified=True, etag=etag, last_modified=last_modified)
            if response.status != 200:
                answer = f"{response.status} {response.reason}"
                raise FetchRefused(gettext("The address answered %(answer)s, not a calendar.", answer=answer))
            body = _read_limited(response, connection, deadline)
            return Fetched(
                url,
                not_modified=False,
                body=body,
                etag=response.getheader("ETag", "")[:200],
                last_modified=response.getheader("Last-Modified", "")[:100],
            )
        finally:
            response.close()  # its socket stays open until the response lets it go
            connection.close()
    raise FetchRefused(gettext("The address redirects too many times (more than %(count)d).", count=MAX_REDIRECTS))


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    address: str
    path: str


def _checked_target(url: str, allow: frozenset[str]) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(gettext("That is not a web address.")) from None
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(gettext("Only http:// and https:// addresses can be imported."))
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(gettext("Leave the user name and password out of the address."))
    host = parts.hostname
    if not host:
        raise FetchRefused(gettext("That is not a web address."))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRefused(gettext("No such host: %(host)s.", host=host)) from None
    addresses = [info[4][0] for info in found]
    if f"{host}:{port}" not in allow and not all(_is_public(address) for address in addresses):
        message = gettext("%(host)s is a private or local address: only public addresses can be imported.", host=host)
        raise FetchRefused(message)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(parts.scheme, host, port, addresses[0], path)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to now."""

    def __init__(self, target: _Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: _Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _request(target: _Target, headers: dict, deadline: float):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _too_slow()
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, timeout=remaining)
    try:
        connection.request("GET", target.path, headers=headers)
        return connection.getresponse(), connection
    except TimeoutError:
        connection.close()
        raise _too_slow() from None
    except ssl.SSLError:
        connection.close()
        raise FetchRefused(gettext("The address's secure connection could not be checked.")) from None
    except (OSError, http.client.HTTPException):
        connection.close()
        raise FetchRefused(gettext("The address could not be reached.")) from None


def _read_limited(response, connection, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_big()
    chunks, size = [], 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _too_slow()
            if connection.sock is not None:
                connection.sock.settimeout(remaining)  # a server dripping bytes still stops at the deadline
            chunk = response.read1(64 * 1024) if hasattr(response, "read1") else response.read(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BYTES:
                raise _too_big()
            chunks.append(chunk)
    except TimeoutError:
        raise _too_slow() from None
    except (OSError, http.client.HTTPException):
        raise FetchRefused(gettext("The address stopped answering part way.")) from None
    return b"".join(chunks)


def _too_big() -> FetchRefused:
    return FetchRefused(gettext("The calendar is larger than %(megabytes)d MB.", megabytes=MAX_BYTES // (1024 * 1024)))


def _too_slow() -> FetchRefused:
    seconds = max(1, round(TIMEOUT))
    return FetchRefused(
        ngettext(
            "The address took longer than %(num)d second.", "The address took longer than %(num)d seconds.", seconds
        )
    )
