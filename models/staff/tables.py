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
    # Empty until the person enrolls with their one-time code: nobody else ever chooses it (R29).
    password_hash: Mapped[str] = mapped_column(String(255))
    # Sealed with a staff-side-only key (models.staff.secrets); empty until enrolled.
    totp_secret: Mapped[str] = mapped_column(String(255))
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pledge_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped at sign-out, password change, reset, role or unit change and deactivation: every
    # session and API token carries the epoch it was made in and dies with it.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Enrollment(CaseBase):
    """A one-time enrollment code (stored as a hash) with which a person sets their own secrets."""

    __tablename__ = "staff_enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "new" or "reset"
    issued_to: Mapped[str] = mapped_column(String(80))  # who was shown the code
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The TOTP seed offered at the first step, sealed like the account's own.
    totp_pending: Mapped[str | None] = mapped_column(String(255))


class AccountChange(CaseBase):
    """A content-role grant, unit change or reset waiting for the unit head's approval (R29)."""

    __tablename__ = "staff_account_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "role", "unit" or "reset"
    role: Mapped[str | None] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The unit whose head decides: the account's unit, or the new one for a move.
    approver_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(CaseBase):
    """A bearer token of the staff API, stored as its SHA-256 only; revoked with the session epoch."""

    __tablename__ = "staff_api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSession(CaseBase):
    """A staff app session kept server-side when no Redis is configured (the cookie holds only its id)."""

    __tablename__ = "staff_web_sessions"

    store_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SignInThrottle(CaseBase):
    """Failed sign-ins per address and per (account, address): progressive delays, never a hard lock."""

    __tablename__ = "staff_signin_throttle"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfficerKey(VaultBase):
    """A protection officer's X25519 key pair; the private half wrapped by their sign-in password."""

    __tablename__ = "officer_keys"

    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
