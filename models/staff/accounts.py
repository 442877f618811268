"""Staff accounts: Argon2id passwords, TOTP with replay protection, lockout (R29)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from models.audit import trail
from models.staff import officer_keys
from models.staff.tables import Staff, Unit
from models.store.db import utcnow
from models.store.errors import ClueGuardError, InvalidInput, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

ROLES = ("intake", "unit_head", "protection_officer", "custodian", "auditor", "admin")
# Roles that may read clue content at all (R20 narrows it further to unit and assignment).
CONTENT_ROLES = frozenset({"intake", "unit_head", "protection_officer"})
MIN_PASSWORD = 10


class SignInFailed(ClueGuardError):
    """One message for every way sign-in fails, so nobody learns which part was wrong."""

    message = N_("Sign-in failed. Check your user name, password and authenticator code.")


class AccountLocked(ClueGuardError):
    message = N_("Too many failed attempts. The account is locked for a while; try again later.")


def password_hasher(rt: Runtime) -> PasswordHasher:
    p = rt.config.argon2
    return PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_cost, parallelism=p.parallelism)


@dataclass(frozen=True)
class NewAccount:
    staff_id: int
    totp_secret: str

    def provisioning_uri(self, username: str) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=username, issuer_name="ClueGuard")


def get_or_create_unit(rt: Runtime, name: str) -> int:
    with rt.stores.case() as session:
        unit = session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            unit = Unit(name=name)
            session.add(unit)
            session.flush()
        return unit.id


def add_staff(rt: Runtime, username: str, role: str, unit: str | None, password: str,
              display_name: str = "", actor: str = "cli") -> NewAccount:
    """Create a staff account; returns its fresh TOTP secret (shown once)."""
    errors = {}
    if role not in ROLES:
        errors["role"] = N_("Unknown role.")
    if not username.strip() or len(username) > 80:
        errors["username"] = N_("Choose a user name of at most 80 characters.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = N_("The password must have at least 10 characters.")
    if errors:
        raise InvalidInput(errors)
    unit_id = get_or_create_unit(rt, unit) if unit else None
    secret = pyotp.random_base32()
    with rt.stores.case() as session:
        if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            raise InvalidInput({"username": N_("This user name is taken.")})
        staff = Staff(username=username, display_name=display_name or username,
                      password_hash=password_hasher(rt).hash(password), totp_secret=secret,
                      role=role, unit_id=unit_id)
        session.add(staff)
        session.flush()
        trail.record(session, actor, "staff.created", None, staff=username, role=role)
        account = NewAccount(staff.id, secret)
    _after_password_known(rt, account.staff_id, username, role, password)
    return account


def _after_password_known(rt: Runtime, staff_id: int, username: str, role: str, password: str) -> None:
    """Hook: a protection officer's unsealing key is wrapped by their password (models.officer_keys)."""
    if role == officer_keys.OFFICER_ROLE:
        officer_keys.ensure_officer_key(rt, staff_id, username, password)


def _totp_step(secret: str, code: str) -> int | None:
    """The time step a code belongs to (now or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    code = "".join(ch for ch in code if ch.isdigit())
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if totp.verify(code, for_time=at):
            return totp.timecode(at)
    return None


def authenticate(rt: Runtime, username: str, password: str, totp_code: str) -> Staff:
    """Check password and TOTP; count failures, lock after too many, refuse replayed codes."""
    cfg = rt.config
    with rt.stores.case() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None or not staff.active:
            password_hasher(rt).hash(password)  # spend the same time as a real check
            trail.record(session, "anonymous", "signin.failed", None, reason="unknown_user")
            raise SignInFailed
        now = utcnow()
        locked = staff.locked_until
        if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=now.tzinfo)) > now:
            trail.record(session, staff.username, "signin.refused", None, reason="locked")
            raise AccountLocked
        password_ok: bool
        try:
            password_ok = password_hasher(rt).verify(staff.password_hash, password)
        except (VerificationError, InvalidHashError):
            password_ok = False
        step = _totp_step(staff.totp_secret, totp_code)
        if not password_ok or step is None or step <= staff.totp_last_step:
            staff.failed_logins += 1
            reason = "password" if not password_ok else ("totp" if step is None else "totp_replay")
            if staff.failed_logins >= cfg.lockout_failures:
                staff.locked_until = now + timedelta(minutes=cfg.lockout_minutes)
                staff.failed_logins = 0
                trail.record(session, staff.username, "signin.locked", None)
            trail.record(session, staff.username, "signin.failed", None, reason=reason)
            session.commit()
            raise SignInFailed
        staff.failed_logins, staff.locked_until, staff.totp_last_step = 0, None, step
        trail.record(session, staff.username, "signin.succeeded", None)
    _after_password_known(rt, staff.id, staff.username, staff.role, password)
    return staff


def get_staff(rt: Runtime, staff_id: int) -> Staff:
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None:
            raise NotFound
        return staff


def find_staff(rt: Runtime, username: str) -> Staff:
    with rt.stores.case() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise NotFound(N_("No staff account with this user name."))
        return staff


def accept_pledge(rt: Runtime, staff_id: int) -> None:
    """Record the confidentiality undertaking (保密承诺, R30); renewed yearly."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None:
            raise NotFound
        staff.pledge_accepted_at = utcnow()
        trail.record(session, staff.username, "staff.pledge_accepted", None)


def change_password(rt: Runtime, staff_id: int, old: str, new: str) -> None:
    """Change one's own password; a protection officer's unsealing key is re-wrapped with it."""
    if len(new) < MIN_PASSWORD:
        raise InvalidInput({"password": N_("The password must have at least 10 characters.")})
    staff = get_staff(rt, staff_id)
    try:
        password_hasher(rt).verify(staff.password_hash, old)
    except (VerificationError, InvalidHashError) as exc:
        raise SignInFailed from exc
    previous = officer_keys.rewrap_officer_key(rt, staff_id, old, new)
    try:
        with rt.stores.case() as session:
            row = session.get(Staff, staff_id)
            if row is None:
                raise NotFound
            row.password_hash = password_hasher(rt).hash(new)
            trail.record(session, row.username, "staff.password_changed", None)
    except BaseException:
        if previous is not None:
            officer_keys.restore_officer_key(rt, staff_id, previous)
        raise
