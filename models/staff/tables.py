"""Staff accounts and units (case store), and protection officers' key pairs (vault store).

Staff names are not reporter identities: they may appear in the audit log. An officer's key pair
lives in the vault store beside the shares re-sealed to it, never in the case store (R9).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.store.db import CaseBase, VaultBase, utcnow


class Unit(CaseBase):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The intake office (受理部门): clues not yet registered to a unit belong to it alone (R20).
    intake_office: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Staff(CaseBase):
    """A staff account. Staff names are not reporter identities; they may appear in the audit log."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str] = mapped_column(String(64))
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pledge_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class OfficerKey(VaultBase):
    """A protection officer's X25519 key pair; the private half wrapped by their sign-in password."""

    __tablename__ = "officer_keys"

    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
