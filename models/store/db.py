"""The two stores: the case store (clues, workflow, audit) and the vault store (identities)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
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


def as_utc(at: datetime) -> datetime:
    """An instant read from a store as an aware UTC datetime: SQLite hands datetimes back naive
    (they are UTC), PostgreSQL aware. The one home of this fix."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine with sane defaults for SQLite (WAL, foreign keys, waiting for locks) or PostgreSQL."""
    if url.startswith("sqlite"):
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

    def dispose(self) -> None:
        self.case_engine.dispose()
        self.vault_engine.dispose()
