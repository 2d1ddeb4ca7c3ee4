"""The one table ``make bench`` ends with, its verdicts, and bench/results/latest.json."""

import json
import math
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
P99_LIMIT = 10  # a row with a goal also misses when its p99 is over this many times its p50
COLUMNS = ("target", "req/s", "p50 ms", "p99 ms", "ratio", "goal", "verdict")


def verdict(met: bool, p50: float | None = None, p99: float | None = None, errors: int = 0) -> str:
    """ "ok", "MISS" (the goal), "MISS p99" (the tail), "MISS+p99" (both), or "ERROR" (failed requests)."""
    if errors:
        return "ERROR"
    tail = p50 is not None and p99 is not None and p99 > P99_LIMIT * p50
    return {(True, False): "ok", (False, False): "MISS", (True, True): "MISS p99", (False, True): "MISS+p99"}[
        (met, tail)
    ]


def baseline_means(baselines: dict[str, list[float]]) -> dict[str, dict]:
    return {
        name: {"start": figures[0], "end": figures[-1], "mean": statistics.mean(figures)}
        for name, figures in baselines.items()
    }


def page_lines(pages: dict) -> list[dict]:
    """Each page row as a line of the table: its ratio to its baseline's mean, and verdict."""
    means = {name: figures["mean"] for name, figures in pages["baselines"].items()}
    lines = []
    for row in pages["rows"]:
        line = {"target": row["name"], "rps": row["rps"], "p50_ms": row["p50_ms"], "p99_ms": row["p99_ms"]}
        if row.get("versus"):
            ratio = row["rps"] / means[row["versus"]]
            met = ratio >= row["goal"]
            shown = math.floor(ratio * 100) / 100  # rounded down: 0.899 shows as 0.89, not as the goal it missed
            line |= {"ratio": f"{shown:.2f} × {row['versus']}", "goal": f"≥ {row['goal']:.2f} × {row['versus']}"}
            line["verdict"] = verdict(met, row["p50_ms"], row["p99_ms"], row["errors"])
            row |= {"ratio": round(ratio, 3), "verdict": line["verdict"]}
        lines.append(line)
    return lines


def write_lines(writes: dict) -> list[dict]:
    lines = []
    for database, result in writes.items():
        row, goal = result["row"], result["goal"]
        errors = row["errors"] + len(result["problems"])
        result["verdict"] = verdict(row["rps"] >= goal, row["p50_ms"], row["p99_ms"], errors)
        lines.append({"target": f"answer writes/s, {database}", "rps": row["rps"], "p50_ms": row["p50_ms"],
                      "p99_ms": row["p99_ms"], "goal": f"≥ {goal}/s", "verdict": result["verdict"]})  # fmt: skip
    return lines


def figure_line(target: str, value: float, unit: str, goal: float) -> dict:
    """A figure that must stay under its goal (the cold build, memory)."""
    return {"target": target, "ratio": f"{value:,.1f} {unit}", "goal": f"< {goal:g} {unit}",
            "verdict": verdict(value < goal)}  # fmt: skip


def print_table(lines: list[dict]) -> None:
    cells = [[_cell(line, key) for key in ("target", "rps", "p50_ms", "p99_ms", "ratio", "goal", "verdict")]
             for line in lines]  # fmt: skip
    widths = [max(len(text) for text in column) for column in zip(COLUMNS, *cells, strict=True)]
    print("  ".join(f"{name:<{widths[0]}}" if n == 0 else f"{name:>{widths[n]}}" for n, name in enumerate(COLUMNS)))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print("  ".join(f"{text:<{widths[0]}}" if n == 0 else f"{text:>{widths[n]}}" for n, text in enumerate(row)))


def _cell(line: dict, key: str) -> str:
    value = line.get(key)
    if value is None:
        return "—" if key not in ("target", "verdict") else ""
    if key == "rps":
        return f"{value:,.0f}"
    if key in ("p50_ms", "p99_ms"):
        return f"{value:,.1f}"
    return str(value)


def write_json(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path
