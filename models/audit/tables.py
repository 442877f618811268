"""Case-store tables of the audit log (R23): the events, the chain's head, auditors' keys, checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, FetchedValue, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import CaseBase

UUID_LEN = 36


class AuditEvent(CaseBase):
    """One entry of the append-only, hash-chained audit log (R23). Never content or identity."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The database role that inserted the row, filled in by the database (``current_user`` on
    # PostgreSQL, "sqlite" on SQLite) and covered by the hash; NULL on rows older than the column.
    writer: Mapped[str | None] = mapped_column(String(63), server_default=FetchedValue())

    # The writer is never fetched back: the internet-facing roles may insert but not read rows.
    __mapper_args__ = {"eager_defaults": False}


class AuditWriter(CaseBase):
    """An installation's database role and the writer it is (public, bot, staff): R23's trigger reads it."""

    __tablename__ = "audit_writers"

    role_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    writer: Mapped[str] = mapped_column(String(16))


class AuditHead(CaseBase):
    """Single row holding the chain's tip; locking it serialises appends across processes."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditorKey(CaseBase):
    """An auditor's Ed25519 key pair; the private half wrapped by their passphrase. Append-only."""

    __tablename__ = "auditor_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditCheckpoint(CaseBase):
    """The chain's head at one moment, signed by an auditor's key the server cannot use alone."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    auditor: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
