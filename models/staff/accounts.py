"""Staff accounts: Argon2id passwords, sealed TOTP with replay protection, throttling, the pledge (R29, R30).

Sign-in gives one answer and costs one Argon2id verification whatever went wrong (unknown name,
deactivated account, not yet enrolled, throttled, wrong password, wrong or replayed code), and every
failure is audited and committed before the error is raised.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

import vault
from models.audit import trail
from models.staff import officer_keys, secrets, sessions, throttle
from models.staff.tables import Staff, Unit
from models.store.db import as_utc, utcnow
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

ROLES = ("intake", "unit_head", "protection_officer", "custodian", "auditor", "admin")
# Roles that may read clue content at all (R20 narrows it further to unit and assignment).
CONTENT_ROLES = frozenset({"intake", "unit_head", "protection_officer"})
# The role of an account whose content role still waits for the unit head (it can do nothing).
NO_ROLE = ""
MIN_PASSWORD = 10
PLEDGE_VALID = timedelta(days=365)


class SignInFailed(ClueGuardError):
    """One message for every way sign-in fails, so nobody learns which part was wrong."""

    message = N_("Sign-in failed. Check your user name, password and authenticator code.")


class PledgeDue(NotAllowed):
    message = N_("Accept the confidentiality undertaking first.")


def password_hasher(rt: Runtime) -> PasswordHasher:
    p = rt.config.argon2
    return PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_cost, parallelism=p.parallelism)


@functools.lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash to verify against when there is no account: the same cost as a real check."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism).hash("no account has this password")


def _check_password(rt: Runtime, stored: str, password: str) -> bool:
    p = rt.config.argon2
    against = stored or _dummy_hash(p.time_cost, p.memory_cost, p.parallelism)
    try:
        return rt.run_argon2(password_hasher(rt).verify, against, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput({"password": N_("The password must have at least 10 characters.")})


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


def validate_new_account(username: str, role: str) -> None:
    errors = {}
    if role not in ROLES:
        errors["role"] = N_("Unknown role.")
    if not username.strip() or len(username) > 80:
        errors["username"] = N_("Choose a user name of at most 80 characters.")
    if errors:
        raise InvalidInput(errors)


def add_staff(rt: Runtime, username: str, role: str, unit: str | None, password: str,
              display_name: str = "", actor: str = "cli") -> NewAccount:
    """Create an account already enrolled with ``password``: the console operator's and the demo's path.

    Administrators on the staff pages never come here: they get an enrollment code for the person
    (models.administration.staff_admin), and a content role waits for the unit head (R29).
    """
    validate_new_account(username, role)
    check_password_rules(password)
    unit_id = get_or_create_unit(rt, unit) if unit else None
    secret = pyotp.random_base32()
    with rt.stores.case() as session:
        if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            raise InvalidInput({"username": N_("This user name is taken.")})
        # The TOTP secret is set at enrollment.
        staff = Staff(username=username, display_name=display_name or username,  # nosec B106
                      password_hash=password_hasher(rt).hash(password), totp_secret="",
                      role=role, unit_id=unit_id)
        session.add(staff)
        session.flush()
        staff.totp_secret = secrets.seal_totp(rt, staff.id, secret)
        trail.record(session, actor, "staff.created", None, staff=username, role=role, enrolled=True)
        account = NewAccount(staff.id, secret)
    after_password_known(rt, account.staff_id, username, role, password)
    return account


def after_password_known(rt: Runtime, staff_id: int, username: str, role: str, password: str) -> None:
    """Hook: a protection officer's unsealing key is wrapped by their password (models.officer_keys)."""
    if role == officer_keys.OFFICER_ROLE:
        officer_keys.ensure_officer_key(rt, staff_id, username, password)


def totp_step(secret: str, code: str) -> int | None:
    """The time step a code belongs to (now or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    code = "".join(ch for ch in code if ch.isdigit())
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if totp.verify(code, for_time=at):
            return totp.timecode(at)
    return None


def _refuse(rt: Runtime, actor: str, reason: str, username: str, address: str, count: bool = True,
            device: str | None = None) -> NoReturn:
    """Audit a failed sign-in, count it for throttling and commit both before raising."""
    with rt.stores.case() as session:
        if count:
            throttle.count_failure(session, username, address, device)
        trail.record(session, actor, "signin.failed", None, reason=reason, address=address[:100] or None)
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is not None:
            staff.failed_logins += 1
    raise SignInFailed


def authenticate(rt: Runtime, username: str, password: str, totp_code: str, address: str = "",
                 device: str | None = None) -> Staff:
    """Check password and TOTP; throttle repeated failures, refuse replayed codes, audit every failure.

    ``device`` is the id of a known device of this user (the staff app's signed device cookie): its
    attempts are throttled per device, apart from the strangers at the same address.
    """
    cfg = rt.config
    username = username[:80]
    with rt.stores.case() as session:
        wait = throttle.wait_left(session, username, address, cfg.lockout_failures, cfg.lockout_minutes * 60,
                                  device)
        staff = session.scalar(select(Staff).where(Staff.username == username))
        known = staff is not None and staff.active and bool(staff.password_hash)
        stored_hash = staff.password_hash if staff is not None and known and not wait else ""
        staff_id = staff.id if staff is not None else 0
        stored_totp = staff.totp_secret if staff is not None else ""
        last_step = staff.totp_last_step if staff is not None else 0
    actor = username if known else "anonymous"
    # Exactly one Argon2id verification on every path: the answer's timing tells nothing.
    password_ok = _check_password(rt, stored_hash, password)
    if wait:
        _refuse(rt, actor, "throttled", username, address, count=False, device=device)
    if not known:
        _refuse(rt, actor, "unknown_or_inactive", username, address, device=device)
    if not password_ok:
        _refuse(rt, actor, "password", username, address, device=device)
    try:
        secret = secrets.open_totp(rt, staff_id, stored_totp)
    except vault.VaultError:
        secret = ""  # no secret yet # nosec B105
    step = totp_step(secret, totp_code) if secret else None
    if step is None or step <= last_step:
        _refuse(rt, actor, "totp" if step is None else "totp_replay", username, address, device=device)
    signed_in = _mark_signed_in(rt, staff_id, step or 0, secret, address, device)
    if signed_in is None:  # a concurrent sign-in used this very code
        _refuse(rt, actor, "totp_replay", username, address, device=device)
    after_password_known(rt, signed_in.id, signed_in.username, signed_in.role, password)
    return signed_in


def _mark_signed_in(rt: Runtime, staff_id: int, step: int, secret: str, address: str,
                    device: str | None) -> Staff | None:
    with rt.stores.case() as session:
        row = session.scalar(select(Staff).where(Staff.id == staff_id).with_for_update(of=Staff))
        if row is None or row.totp_last_step >= step:
            return None
        row.failed_logins, row.locked_until, row.totp_last_step = 0, None, step
        if not secrets.is_sealed(row.totp_secret):
            row.totp_secret = secrets.seal_totp(rt, row.id, secret)
        throttle.clear(session, row.username, address, device)
        trail.record(session, row.username, "signin.succeeded", None)
        return row


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


def pledge_current(staff: Staff) -> bool:
    """True if the confidentiality undertaking was accepted within the year (R30)."""
    accepted = staff.pledge_accepted_at
    if accepted is None:
        return False
    return utcnow() - as_utc(accepted) <= PLEDGE_VALID


def require_pledge(rt: Runtime, username: str, act: str) -> Staff:
    """A console act done by a person (R30): an active account whose pledge is within the year."""
    with rt.stores.case() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise NotFound(N_("No staff account with this user name."))
        if not staff.active or not pledge_current(staff):
            trail.record_refusal(session, username, "cli.refused", None, act=act, reason="PledgeDue")
            raise PledgeDue
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
    """Change one's own password; every session ends, an officer's unsealing key is re-wrapped."""
    check_password_rules(new)
    staff = get_staff(rt, staff_id)
    if not _check_password(rt, staff.password_hash, old):
        raise SignInFailed
    previous = officer_keys.rewrap_officer_key(rt, staff_id, old, new)
    try:
        with rt.stores.case() as session:
            row = session.get(Staff, staff_id)
            if row is None:
                raise NotFound
            row.password_hash = password_hasher(rt).hash(new)
            trail.record(session, row.username, "staff.password_changed", None)
            sessions.end_all_sessions(session, row, "password_changed")
    except BaseException:
        if previous is not None:
            officer_keys.restore_officer_key(rt, staff_id, previous)
        raise
