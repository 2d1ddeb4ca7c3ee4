"""The processes ``make bench`` measures: gunicorn (the site, or the hello-world baseline),
Debian's nginx with a configuration of its own in the temporary directory, and the
``flask send-mail --watch`` worker. Each is a context manager that always stops what it
started, by its process id."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent  # the venv that runs the bench
HOST = "127.0.0.1"
NGINX = "/usr/sbin/nginx"
STATIC_ROOT = ROOT / "eventsite" / "static"
sys.path.insert(0, str(ROOT))
from tests.loadtools import child_pids, stop  # noqa: E402 - the repository's own helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, headers: dict | None = None, timeout: float = 120) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@dataclass
class Process:
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# -- gunicorn -------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict, log_path: Path, app: str = "wsgi:app", workers: int = 4) -> Iterator[Process]:
    """``gunicorn -w 4`` (sync workers) on a free port, healthy; the hello-world runs from bench/
    with exactly the same options."""
    port = free_port()
    cwd = BENCH if app.startswith("hello:") else ROOT
    command = [
        str(BIN / "gunicorn"),
        *("--workers", str(workers), "--bind", f"{HOST}:{port}"),
        *("--backlog", "2048", "--timeout", "60", "--graceful-timeout", "5"),
        app,
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        _wait_for(process, port, "/" if cwd == BENCH else "/healthz")
        yield Process(port, process, log_path)
    finally:
        stop(process)


def _wait_for(process: subprocess.Popen, port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if fetch(port, path, timeout=5)[0] == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.args[0]} did not answer {path} within {timeout:g} s")


def largest_worker_rss_kib(master: subprocess.Popen) -> dict:
    """VmRSS of the master and each worker (KiB), and the largest worker's."""
    workers = {pid: rss_kib(pid) for pid in child_pids(master.pid)}
    return {"master_kib": rss_kib(master.pid), "workers_kib": workers, "largest_worker_kib": max(workers.values())}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- nginx ----------------------------------------------------------------------------------


def render(template: Path, values: dict[str, str]) -> str:
    """A configuration template with each ``{{NAME}}`` filled in; refuses to leave one unfilled."""
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"{template.name}: a placeholder was left unfilled")
    return text


@dataclass
class Nginx:
    static_port: int  # the baseline: the feed's bytes from a file
    site_port: int  # bench/nginx-site.conf in front of gunicorn
    process: subprocess.Popen


@contextlib.contextmanager
def nginx(prefix: Path, upstream_port: int, feed: bytes, feed_type: str) -> Iterator[Nginx]:
    """Debian's nginx, every path of it under ``prefix`` (readable by its unprivileged workers)."""
    static_port, site_port = free_port(), free_port()
    feed_root = prefix / "feed"
    feed_root.mkdir(parents=True)
    (feed_root / "calendar.ics").write_bytes(feed)
    site = render(
        BENCH / "nginx-site.conf",
        {
            "CACHE_DIR": str(prefix / "cache"),
            "LISTEN": f"{HOST}:{site_port}",
            "SERVER_NAME": HOST,
            "UPSTREAM": f"{HOST}:{upstream_port}",
            "STATIC_ROOT": str(STATIC_ROOT),
        },
    )
    values = {"PREFIX": str(prefix), "STATIC_LISTEN": f"{HOST}:{static_port}", "FEED_ROOT": str(feed_root)}
    config = render(BENCH / "nginx-bench.conf", values | {"FEED_TYPE": feed_type, "SITE": site})
    (prefix / "nginx.conf").write_text(config)
    for path in (prefix, *prefix.parents):  # its workers run as nobody when the bench runs as root
        if path.stat().st_mode & 0o005 != 0o005:
            path.chmod(path.stat().st_mode | 0o755)
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)  # noqa: S603
    if check.returncode:
        raise RuntimeError(f"nginx refused its configuration:\n{check.stderr}")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        for port in (static_port, site_port):
            _wait_for(process, port, "/calendar.ics")
        yield Nginx(static_port, site_port, process)
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the mail worker ------------------------------------------------------------------------


@contextlib.contextmanager
def mail_worker(env: dict, log_path: Path) -> Iterator[subprocess.Popen]:
    """``flask --app eventsite send-mail --watch`` beside gunicorn (MAIL_DELIVERY=worker)."""
    command = [str(BIN / "flask"), "--app", "eventsite", "send-mail", "--watch"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(**settings: str) -> dict[str, str]:
    """This environment minus FLASK_*, plus the bench's settings (CSRF on, rate limits off)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="0", MODERATION="open", SECRET_KEY=SECRET_KEY)
    env.update(settings)
    return env


SECRET_KEY = "bench-secret-" + "x" * 40  # a throwaway key for a local, temporary server
