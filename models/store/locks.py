"""One run at a time of a scheduled job, across hosts: a PostgreSQL advisory lock.

Timers for deadline escalation, the monthly survey and the vault clean-up may fire on every host
of an installation. Each job takes a session-level advisory lock on the case store first and
skips when another host holds it; the jobs are idempotent too, so a run after another one has
finished does nothing twice. SQLite lives on one host: a lock file beside it does the same.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(f"clueguard-job:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, name: str, lock_dir: Path) -> Iterator[bool]:
    """Yield True if this process may run job ``name`` now, False if another one is running it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = lock_key(name)
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()  # the lock belongs to the session, not to this transaction
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # 0600 like every file of the data directory (it holds nothing, but says what runs).
    fd = os.open(lock_dir / f"{name}.lock", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
