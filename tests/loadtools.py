"""Helpers for driving a real gunicorn with many simultaneous visitors.

Shared by tests/test_concurrency.py, tests/test_cache_invalidation.py and bench/writes.py; standard library only.

- ``serve()``: start ``gunicorn wsgi:app`` on a free 127.0.0.1 port, wait for
  /healthz, and always stop it (and its workers) afterwards.
- ``Visitor``: one browser. It keeps its session cookie, reads the CSRF token
  from the forms it is shown, and posts forms with it (CSRF is on under wsgi.py).
- ``release_together()``: run one call per visitor in its own thread; each
  connects first, then all wait at a barrier and send their request at once.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv running the tests (or the bench)
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60  # seconds for one request, queueing for a worker included
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- gunicorn ------------------------------------------------------------------------------


def app_env(**settings: str) -> dict[str, str]:
    """The environment for wsgi.py (ProductionConfig): this one, minus FLASK_*, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update({"SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0", "MODERATION": "open"})
    env.update(settings)
    return env


@dataclass
class Server:
    port: int
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def serve(env: dict[str, str], log_path: Path, workers: int = 4, timeout: float = 30) -> Iterator[Server]:
    """gunicorn with ``workers`` sync workers, up and healthy; stopped on the way out."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        *("--workers", str(workers), "--bind", f"{HOST}:{port}"),
        *("--backlog", "2048", "--timeout", "60", "--graceful-timeout", "5"),
        "wsgi:app",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(process, port, timeout)
        yield Server(port, log_path, process)
    finally:
        stop(process)


def wait_until_healthy(process: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Visitor(port).get("/healthz", timeout=2).status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:g} s")


def stop(process: subprocess.Popen) -> None:
    """Ask the master to stop (it stops its workers); kill them all if it hangs."""
    workers = child_pids(process.pid)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def child_pids(pid: int) -> list[int]:
    pids = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        pids += [int(child) for child in children.read_text().split()]
    return sorted(pids)


# -- a browser ----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int  # 0 when the request failed before an answer came
    location: str = ""  # the Location header's path
    body: str = ""
    error: str = ""  # the exception, when the request failed
    seconds: float = 0.0  # from sending the request to reading the whole answer

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500 or self.status == 0


@dataclass
class Visitor:
    """One browser: its own session cookie and CSRF token, one connection at a time."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    keep_cookies: bool = True  # False: keep sending the first session (the bench: no growing cookie)
    _connection: http.client.HTTPConnection | None = None

    def open_page(self, path: str) -> Reply:
        """GET a page with a form (following one redirect) and remember its CSRF token."""
        reply = self.get(path)
        if reply.status in (301, 302, 308):
            reply = self.get(reply.location)
        found = CSRF_FIELD.search(reply.body)
        if reply.status != 200 or not found:
            raise RuntimeError(f"GET {path}: status {reply.status}, no CSRF token")
        self.csrf_token = found.group(1)
        return reply

    def connect(self, timeout: float = REQUEST_TIMEOUT) -> None:
        """Open the TCP connection now, so a later request costs only the sending."""
        self._connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        self._connection.connect()

    def get(self, path: str, timeout: float = REQUEST_TIMEOUT) -> Reply:
        return self._request("GET", path, None, timeout)

    def post(self, path: str, fields: dict[str, str], timeout: float = REQUEST_TIMEOUT) -> Reply:
        """POST a form with this session's CSRF token."""
        return self._request("POST", path, {"csrf_token": self.csrf_token, **fields}, timeout)

    def _request(self, method: str, path: str, fields: dict | None, timeout: float) -> Reply:
        connection, self._connection = self._connection, None
        connection = connection or http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            return Reply(0, error=f"{type(error).__name__}: {error}", seconds=time.perf_counter() - started)
        finally:
            connection.close()
        self._store_cookies(response.headers.get_all("Set-Cookie") or [])
        location = urlsplit(response.getheader("Location", "")).path
        fragment = urlsplit(response.getheader("Location", "")).fragment
        location += f"#{fragment}" if fragment else ""
        return Reply(response.status, location, text, seconds=time.perf_counter() - started)

    def _store_cookies(self, headers: list[str]) -> None:
        if not self.keep_cookies and self.cookies:
            return
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


def release_together(calls: list[Callable[[], Reply]], visitors: list[Visitor], timeout: float = 90) -> list[Reply]:
    """Connect every visitor, then make every call at the same moment, one thread each.
    Returns the replies in order; a call that did not finish within ``timeout`` is an error."""
    if len(calls) != len(visitors):
        raise ValueError("one call per visitor")
    barrier = threading.Barrier(len(calls), timeout=timeout)
    replies: list[Reply | None] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            visitors[index].connect()
            barrier.wait()
            replies[index] = calls[index]()
        except (OSError, threading.BrokenBarrierError) as error:
            replies[index] = Reply(0, error=f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    return [reply or Reply(0, error="no answer in time") for reply in replies]


def prepare(visitors: list[Visitor], paths: list[str], threads: int = 8) -> None:
    """Open one page per visitor (their session and CSRF token), a few at a time."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(Visitor.open_page, visitors, paths, timeout=120))
