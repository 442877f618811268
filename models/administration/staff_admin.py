"""Staff account administration (R29) with the handover rule (R24, 调动工作时移交).

Administrators list, add, deactivate, reactivate, unlock and reset accounts; every staff member
changes their own password. An account is not deactivated while it still handles open clues or,
for a custodian, still holds identity shares: the work is handed over first. An administrator
sees accounts only, never clue content or identities.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.protection import custodian_lifecycle
from models.protection.unseal import OPEN_STATES as OPEN_UNSEAL_STATES
from models.protection.unseal_tables import UnsealRequest
from models.reporting.tables import Report
from models.staff import accounts, officer_keys
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

ADMIN_ROLE = "admin"
OPERATOR = "cli"
# A clue in any other state still needs its handler (R24: hand over before leaving).
SETTLED_STATES = frozenset({"closed", "archived", "merged", "not_accepted", "destroyed"})


class AdminOnly(NotAllowed):
    message = N_("Only administrators can manage staff accounts.")


class SelfDeactivation(NotAllowed):
    message = N_("You cannot deactivate your own account.")


class HandlesOpenCases(WrongState):
    message = N_("This account still handles %(count)s open clue(s). Reassign them first.")


class OfficerRequestsOpen(WrongState):
    message = N_("This protection officer has %(count)s open unseal request(s). After a reset they can "
                 "no longer be opened; confirm to reset anyway.")


class AccountInactive(NotAllowed):
    message = N_("This account is deactivated.")


@dataclass(frozen=True)
class StaffRow:
    """What an administrator sees of an account: never content, never secrets."""

    id: int
    username: str
    display_name: str
    role: str
    unit: str
    active: bool
    locked: bool
    pledge_accepted_at: datetime | None


@dataclass(frozen=True)
class Credentials:
    """A password and TOTP secret, shown once to the administrator and never stored in clear."""

    staff_id: int
    username: str
    password: str
    totp_secret: str
    unopenable_requests: int = 0

    def provisioning_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.username, issuer_name="ClueGuard")


def generate_password() -> str:
    """A random initial password (about 96 bits), for the administrator to hand over once."""
    return secrets.token_urlsafe(12)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=utcnow().tzinfo)


def _admin(session: Session, admin_id: int | None, act: str) -> str:
    """The acting administrator's name; anyone else is refused, and the refusal is audited.

    ``None`` is the operator at the staff server's console (``clueguard staff ...``), who holds
    the keys anyway; the audit log names them ``cli``.
    """
    if admin_id is None:
        return OPERATOR
    actor = session.get(Staff, admin_id)
    if actor is None or not actor.active or actor.role != ADMIN_ROLE:
        trail.record_refusal(session, actor.username if actor else f"staff:{admin_id}", "staff.admin_refused",
                             None, act=act, reason="AdminOnly")
        raise AdminOnly
    return actor.username


def _target(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(N_("No staff account with this user name."))
    return staff


def _refused(rt: Runtime, actor: str, username: str, act: str, err: ClueGuardError) -> None:
    with rt.stores.case() as session:
        trail.record(session, actor, f"staff.{act}_refused", None, staff=username, reason=type(err).__name__)


def list_staff(rt: Runtime, admin_id: int | None) -> list[StaffRow]:
    """Every staff account with role, unit, status and pledge date, for administrators."""
    now = utcnow()
    with rt.stores.case() as session:
        _admin(session, admin_id, "list")
        rows = session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.username)).all()
        return [StaffRow(s.id, s.username, s.display_name, s.role, s.unit.name if s.unit else "", s.active,
                         s.locked_until is not None and _aware(s.locked_until) > now, s.pledge_accepted_at)
                for s in rows]


def add_staff_account(rt: Runtime, admin_id: int | None, username: str, role: str, unit: str | None,
                      display_name: str = "") -> Credentials:
    """An administrator adds an account; its generated password and TOTP secret are shown once."""
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "add")
    password = generate_password()
    account = accounts.add_staff(rt, username.strip(), role, (unit or "").strip() or None, password,
                                 display_name.strip(), actor=actor)
    return Credentials(account.staff_id, username.strip(), password, account.totp_secret)


def open_case_count(session: Session, staff_id: int) -> int:
    """Clues this account still handles (not closed, archived, merged, refused or destroyed)."""
    return session.scalar(select(func.count()).select_from(Report).where(
        Report.handler_id == staff_id, Report.state.notin_(SETTLED_STATES))) or 0


def deactivate_staff(rt: Runtime, admin_id: int | None, staff_id: int) -> None:
    """Deactivate an account, refused while it handles open clues or holds identity shares (R24)."""
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "deactivate")
        target = _target(session, staff_id)
        username, role = target.username, target.role
        err: ClueGuardError | None = None
        if target.id == admin_id:
            err = SelfDeactivation()
        elif count := open_case_count(session, target.id):
            err = HandlesOpenCases(count=count)
    if err is not None:
        _refused(rt, actor, username, "deactivation", err)
        raise err
    if role == "custodian" or custodian_lifecycle.holds_shares(rt, username):
        # Refuses (and audits) while shares are held; deactivates otherwise.
        custodian_lifecycle.deactivate_custodian_account(rt, actor, username)
        return
    with rt.stores.case() as session:
        target = _target(session, staff_id)
        target.active = False
        trail.record(session, actor, "staff.deactivated", None, staff=username)


def reactivate_staff(rt: Runtime, admin_id: int | None, staff_id: int) -> None:
    """Let a deactivated account sign in again (a custodian gets shares only by a re-deal)."""
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "reactivate")
        target = _target(session, staff_id)
        target.active, target.failed_logins, target.locked_until = True, 0, None
        trail.record(session, actor, "staff.reactivated", None, staff=target.username)


def unlock_staff(rt: Runtime, admin_id: int | None, staff_id: int) -> None:
    """Clear a lockout after too many failed sign-ins."""
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "unlock")
        target = _target(session, staff_id)
        target.failed_logins, target.locked_until = 0, None
        trail.record(session, actor, "staff.unlocked", None, staff=target.username)


def open_officer_requests(rt: Runtime, staff_id: int) -> int:
    """Unseal requests of this officer that are still pending or approved."""
    with rt.stores.vault() as vs:
        return vs.scalar(select(func.count()).select_from(UnsealRequest).where(
            UnsealRequest.requester_id == staff_id, UnsealRequest.state.in_(OPEN_UNSEAL_STATES))) or 0


def reset_password(rt: Runtime, admin_id: int | None, staff_id: int, new_password: str,
                   accept_lost_requests: bool = False) -> Credentials:
    """Set a new password and TOTP secret (returned once); an officer's key pair is replaced.

    A protection officer's private key is wrapped by the old password, which nobody else knows:
    a new key pair replaces it, so shares already re-sealed to the old key (their pending and
    approved unseal requests) can never be opened. That is refused unless confirmed.
    """
    if len(new_password) < accounts.MIN_PASSWORD:
        raise InvalidInput({"password": N_("The password must have at least 10 characters.")})
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "reset_password")
        target = _target(session, staff_id)
        username, role = target.username, target.role
    lost = open_officer_requests(rt, staff_id) if role == officer_keys.OFFICER_ROLE else 0
    if lost and not accept_lost_requests:
        err = OfficerRequestsOpen(count=lost)
        _refused(rt, actor, username, "password_reset", err)
        raise err
    secret = pyotp.random_base32()
    password_hash = accounts.password_hasher(rt).hash(new_password)
    previous = (officer_keys.replace_officer_key(rt, staff_id, new_password)
                if role == officer_keys.OFFICER_ROLE else None)
    try:
        with rt.stores.case() as session:
            target = _target(session, staff_id)
            target.password_hash, target.totp_secret, target.totp_last_step = password_hash, secret, 0
            target.failed_logins, target.locked_until = 0, None
            trail.record(session, actor, "staff.password_reset", None, staff=username,
                         officer_key_replaced=previous is not None, unopenable_requests=lost)
    except BaseException:
        if previous is not None:
            officer_keys.restore_officer_key(rt, staff_id, previous)
        raise
    return Credentials(staff_id, username, new_password, secret, lost)


def change_own_password(rt: Runtime, staff_id: int, old: str, new: str) -> None:
    """Any staff member changes their own password; an officer's key is re-wrapped, not replaced."""
    staff = accounts.get_staff(rt, staff_id)
    if not staff.active:
        raise AccountInactive
    try:
        accounts.change_password(rt, staff_id, old, new)
    except ClueGuardError as err:
        _refused(rt, staff.username, staff.username, "password_change", err)
        raise
