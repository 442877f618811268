"""``bench inbox --explain FILE``: EXPLAIN ANALYZE of the slowest statements behind each page.

The statements are the ones the staff app really runs: recorded from the engine while one
request of each page is served, then the slowest few are explained with their own parameters.
Explaining runs them again inside a transaction that is rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

SLOWEST = 3


def record_statements(engine: Engine, request: Callable[[], object]) -> list[tuple[float, str, Any]]:
    """Run ``request`` and return (milliseconds, statement, parameters) of every SELECT it ran."""
    seen: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(((time.perf_counter() - started.pop(id(cursor), time.perf_counter())) * 1000,
                         statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return seen


def explain(engine: Engine, label: str, statements: list[tuple[float, str, Any]]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statements, as text for docs/performance.md."""
    out = [f"### {label}", ""]
    for ms, statement, parameters in sorted(statements, key=lambda s: -s[0])[:SLOWEST]:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).scalars().all()
            conn.rollback()
        out += [f"{ms:.1f} ms when the page ran it:", "```", statement.strip(), "", *rows, "```", ""]
    return "\n".join(out)
