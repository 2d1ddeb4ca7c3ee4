"""Load with wrk (``-t2 -c10``, closed loop) and what one row of the table holds."""

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from servers import HOST, fetch

BENCH = Path(__file__).resolve().parent
SUMMARY_SCRIPT = BENCH / "wrk_summary.lua"
WARMUP_REQUESTS = 20


@dataclass
class Options:
    seconds: float = 10
    threads: int = 2
    connections: int = 10


@dataclass
class Row:
    """One target under load: wrk's figures, and the answers counted by status."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # 4xx/5xx answers and failed connections
    bytes_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # write rows: answers by status
    sent: int = 0  # write rows: requests sent (in flight at the end included)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def bytes_per_answer(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


def wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("make bench needs wrk: apt-get install -y wrk")
    return found


def warm_up(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """WARMUP_REQUESTS untimed requests (every worker has compiled its templates); the last answer."""
    for _ in range(WARMUP_REQUESTS):
        answer = fetch(port, path, headers)
    return answer


def run_wrk(
    name: str, port: int, path: str, options: Options, headers: dict | None = None, script=SUMMARY_SCRIPT, args=()
) -> Row:
    extra = [arg for header, value in (headers or {}).items() for arg in ("-H", f"{header}: {value}")]
    command = [
        wrk(),
        *("-t", str(options.threads), "-c", str(options.connections), "-d", f"{options.seconds:g}s"),
        *("--timeout", "30s", "-s", str(script)),
        *extra,
        f"http://{HOST}:{port}{path}",
    ]
    if args:
        command += ["--", *args]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return parse(name, output)


def parse(name: str, output: str) -> Row:
    """The JSON line the Lua script printed; wrk counts 4xx/5xx as status errors."""
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    summary = json.loads(line.removeprefix("BENCH "))
    return Row(
        name=name,
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=summary["status_errors"] + summary["socket_errors"],
        bytes_read=summary["bytes"],
        counts=summary.get("counts", {}),
        sent=summary.get("sent", 0),
    )
