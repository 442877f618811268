"""The two stores: the case store (clues, workflow, audit) and the vault store (identities)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CaseBase(DeclarativeBase):
    """Tables of the case store."""

    metadata = MetaData(naming_convention=_NAMING)


class VaultBase(DeclarativeBase):
    """Tables of the vault store: sealed identities and custodian keys, nothing else."""

    metadata = MetaData(naming_convention=_NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite gives its -wal and -shm files the mode of the database file: 0600 covers all three.
SQLITE_MODE = 0o600
SQLITE_SIDE_FILES = ("", "-wal", "-shm")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _create_owner_only(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use 0644 less the umask)."""
    if path.exists() or not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_MODE))
    except FileExistsError:  # another process made it first
        return


def as_utc(at: datetime) -> datetime:
    """An instant read from a store as an aware UTC datetime: SQLite hands datetimes back naive
    (they are UTC), PostgreSQL aware. The one home of this fix."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine with sane defaults for SQLite (WAL, foreign keys, waiting for locks) or PostgreSQL."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _create_owner_only(path)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below open transactions instead of pysqlite.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # Deleted rows are overwritten, not just unlinked: destroyed keys leave no bytes (R22).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock up front: a transaction that reads and then writes would
            # otherwise fail with "database is locked" under concurrent writers (WAL snapshot).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # hide_parameters: SQL errors must not echo values into logs (R8).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


# session.info key under which a case-store session carries the audit mirror's settings
# (models/audit/mirror.py sends each committed audit event there).
AUDIT_MIRROR = "audit_mirror"


def wipe_freed(engine: Engine, tables: tuple[str, ...]) -> bool:
    """Leave no copy of rows just deleted or blanked (the commit must come first).

    SQLite overwrites freed space itself (``secure_delete``), but the old pages stay in the
    ``-wal`` file until a checkpoint: a TRUNCATE checkpoint copies the pages back and empties
    it. PostgreSQL: VACUUM removes the dead row versions of ``tables`` (and of their TOAST
    tables) so they are no longer readable through the database; what its files, its WAL and
    its backups still hold is in docs/split-deployment.md. Returns False if the checkpoint
    could not finish (a reader held an old snapshot for the whole busy timeout).
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _frames, _copied = cur.fetchone() or (1, 0, 0)
            cur.close()
        finally:
            raw.close()
        return not busy
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:  # our own table names, quoted: never input
            conn.exec_driver_sql(f"VACUUM {quote(table)}")
    return True


class Stores:
    """Engines and session factories for both stores; one per process."""

    def __init__(self, case_url: str, vault_url: str) -> None:
        self.case_engine = make_engine(case_url)
        self.vault_engine = make_engine(vault_url)
        self._case = sessionmaker(self.case_engine, expire_on_commit=False)
        self._vault = sessionmaker(self.vault_engine, expire_on_commit=False)

    @contextmanager
    def case(self) -> Iterator[Session]:
        """A case-store transaction: committed on success, rolled back on any error."""
        with self._case.begin() as session:
            yield session

    @contextmanager
    def vault(self) -> Iterator[Session]:
        """A vault-store transaction."""
        with self._vault.begin() as session:
            yield session

    def mirror_audit(self, syslog: str | None, jsonl: str | None) -> None:
        """Send each committed audit event to a syslog receiver and/or a JSON-lines file too."""
        if syslog or jsonl:
            self._case.configure(info={AUDIT_MIRROR: (syslog, jsonl)})

    def dispose(self) -> None:
        self.case_engine.dispose()
        self.vault_engine.dispose()
