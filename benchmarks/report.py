"""What every ``clueguard bench`` command produces: rows of figures, a table, and a JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

JSON_OPTION = click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="Add the figures to this JSON file.")


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    """Milliseconds of each of ``rounds`` calls of ``fn``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..1) by nearest rank; 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Row:
    """One measured figure: latencies in ms, an optional rate, and its target as a ratio."""

    name: str
    n: int
    p50_ms: float
    p95_ms: float
    rate_per_s: float | None = None
    ratio: float | None = None
    target: str = ""
    meets: bool | None = None
    note: str = ""
    # The machine's 1-minute load average when the row was measured (others' processes count).
    load: float | None = None

    @classmethod
    def of(cls, name: str, samples: list[float], **extra: object) -> Row:
        return cls(name, len(samples), round(statistics.median(samples) if samples else 0.0, 2),
                   round(percentile(samples, 0.95), 2), **extra)  # type: ignore[arg-type]  # the extra columns are the dataclass's own fields


@dataclass
class Report:
    """A bench run: the machine, the settings, the rows."""

    settings: dict[str, object] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        if row.load is None and hasattr(os, "getloadavg"):
            row.load = round(os.getloadavg()[0], 2)
        self.rows.append(row)
        click.echo(format_row(row))
        return row

    def write(self, path: Path | None) -> None:
        if path is None:
            return
        existing: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        rows = {r["name"]: r for r in existing.get("rows", [])}
        rows.update({r.name: asdict(r) for r in self.rows})
        existing.update(machine=machine(), measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        rows=list(rows.values()))
        settings = dict(existing.get("settings", {}))
        settings.update(self.settings)
        existing["settings"] = settings
        path.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"figures written to {path}")


def format_row(row: Row) -> str:
    rate = f"{row.rate_per_s:8.2f}/s" if row.rate_per_s is not None else " " * 10
    verdict = "" if row.meets is None else "meets" if row.meets else "MISSES"
    ratio = f"ratio {row.ratio:5.2f} {row.target:<8} {verdict}" if row.ratio is not None else ""
    return f"{row.name:<44} n={row.n:<5} p50={row.p50_ms:8.2f} ms p95={row.p95_ms:8.2f} ms {rate} {ratio}"


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # The load average says how much of the machine other processes took during the run.
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "load_average_1_5_15": load}
