"""Staff account administration (R29) with the handover rule (R24, 调动工作时移交).

Administrators list, add, deactivate, reactivate, unlock and reset accounts and change roles and
units; every staff member changes their own password. Nobody but the person ever sees or chooses
their password or TOTP seed: new accounts and resets get a one-time enrollment code, which goes to
a second person, never to the administrator who asked: a content role, a unit change or a reset of
a content-role account waits for the unit head, and an auditor, custodian or administrator account
(created, reset or granted) for another administrator (``approvals``).
An account is not deactivated while it still handles open clues or, for a custodian, still holds
identity shares: the work is handed over first. An administrator
sees accounts only, never clue content or identities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.administration import approvals
from models.audit import trail
from models.protection import custodian_lifecycle
from models.protection.unseal import OPEN_STATES as OPEN_UNSEAL_STATES
from models.protection.unseal_tables import UnsealRequest
from models.reporting.tables import Report
from models.staff import accounts, acting, officer_keys, sessions, throttle
from models.staff.tables import Staff
from models.store.db import as_utc, utcnow
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

ADMIN_ROLE = approvals.ADMIN_ROLE
OPERATOR = "cli"
# A clue in any other state still needs its handler (R24: hand over before leaving).
SETTLED_STATES = frozenset({"closed", "archived", "merged", "not_accepted", "destroyed"})


class AdminOnly(NotAllowed):
    message = N_("Only administrators can manage staff accounts.")


# Every account act of an administrator (the step it was is in the refusal's ``step``).
MANAGE = acting.declare("staff.manage", {ADMIN_ROLE}, refused="staff.admin_refused", denied=AdminOnly)


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



def _admin(session: Session, admin_id: int | None, step: str) -> str:
    """Who does an account act: an administrator, through the act runner (``MANAGE``: an inactive
    account or another role is refused and audited), or ``None``, the operator at the staff server's
    console (``clueguard staff ...``), who holds the keys anyway; the trail names them ``cli``."""
    if admin_id is None:
        return OPERATOR
    return acting.perform(session, admin_id, MANAGE.name, step=step).username


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
        slowed = throttle.slowed_accounts(session, rt.config.lockout_failures)
        return [StaffRow(s.id, s.username, s.display_name, s.role, s.unit.name if s.unit else "", s.active,
                         (s.locked_until is not None and as_utc(s.locked_until) > now)
                         or s.username.casefold() in slowed, s.pledge_accepted_at)
                for s in rows]


def add_staff_account(rt: Runtime, admin_id: int | None, username: str, role: str, unit: str | None,
                      display_name: str = "") -> approvals.AccountOutcome:
    """An administrator adds an account: no password, no TOTP seed, only a one-time enrollment code.

    The role waits for a second person's approval (the unit head for a content role, another
    administrator for the others); the code then goes to that approver, so the administrator never
    holds credentials of anyone else (R29). Only the console's bootstrap gets it at once.
    """
    username, unit = username.strip(), (unit or "").strip() or None
    accounts.validate_new_account(username, role)
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "add")
    unit_id = accounts.get_or_create_unit(rt, unit) if unit else None
    with rt.stores.case() as session:
        if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            raise InvalidInput({"username": N_("This user name is taken.")})
        # No role, password or TOTP secret until the approver decides and the person enrolls.
        staff = Staff(username=username, display_name=display_name.strip() or username,  # nosec B106
                      password_hash="", totp_secret="", role=accounts.NO_ROLE, unit_id=unit_id)
        session.add(staff)
        session.flush()
        trail.record(session, actor, "staff.created", None, staff=username, role=role, enrolled=False)
        return approvals.request_change(session, actor, staff, "role", role=role, operator=admin_id is None)


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
        with rt.stores.case() as session:
            target = _target(session, staff_id)
            if not target.active:
                sessions.end_all_sessions(session, target, "deactivated")
        return
    with rt.stores.case() as session:
        target = _target(session, staff_id)
        target.active = False
        trail.record(session, actor, "staff.deactivated", None, staff=username)
        sessions.end_all_sessions(session, target, "deactivated")


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
        throttle.clear_account(session, target.username)
        trail.record(session, actor, "staff.unlocked", None, staff=target.username)


def open_officer_requests(rt: Runtime, staff_id: int) -> int:
    """Unseal requests of this officer that are still pending or approved."""
    with rt.stores.vault() as vs:
        return vs.scalar(select(func.count()).select_from(UnsealRequest).where(
            UnsealRequest.requester_id == staff_id, UnsealRequest.state.in_(OPEN_UNSEAL_STATES))) or 0


def reset_password(rt: Runtime, admin_id: int | None, staff_id: int,
                   accept_lost_requests: bool = False) -> approvals.AccountOutcome:
    """Reset an account to a one-time enrollment code, after the unit head (content role) or another
    administrator approves; the code goes to the approver.

    A protection officer's private key is wrapped by their password, which nobody else knows:
    at re-enrollment a new key pair replaces it, so shares already re-sealed to the old key (their
    pending and approved unseal requests) can never be opened. That is refused unless confirmed.
    """
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "reset_password")
        target = _target(session, staff_id)
        username, role = target.username, target.role
    lost = open_officer_requests(rt, staff_id) if role == officer_keys.OFFICER_ROLE else 0
    if lost and not accept_lost_requests:
        err = OfficerRequestsOpen(count=lost)
        _refused(rt, actor, username, "password_reset", err)
        raise err
    with rt.stores.case() as session:
        target = _target(session, staff_id)
        return approvals.request_change(session, actor, target, "reset", operator=admin_id is None, lost=lost)


def change_role(rt: Runtime, admin_id: int | None, staff_id: int, role: str) -> approvals.AccountOutcome:
    """Change an account's role; the grant waits for the unit head (content role) or another
    administrator (auditor, custodian, administrator); a content role given up ends at once (R29)."""
    if role not in accounts.ROLES:
        raise InvalidInput({"role": N_("Unknown role.")})
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "change_role")
        target = _target(session, staff_id)
        if role == target.role:
            return approvals.AccountOutcome(staff_id, target.username, None)  # nothing to change
        if role in accounts.CONTENT_ROLES:
            return approvals.request_change(session, actor, target, "role", role=role, operator=admin_id is None)
        if target.role in accounts.CONTENT_ROLES:
            # Taking a content role away needs nobody's approval: it only narrows access, at once.
            previous, target.role = target.role, accounts.NO_ROLE
            sessions.end_all_sessions(session, target, "role_changed")
            trail.record(session, actor, "staff.role_changed", None, staff=target.username, role=target.role,
                         previous=previous)
        # An auditor's, custodian's or administrator's role is granted by another administrator.
        return approvals.request_change(session, actor, target, "role", role=role, operator=admin_id is None)


def change_unit(rt: Runtime, admin_id: int | None, staff_id: int, unit: str) -> approvals.AccountOutcome:
    """Move an account to another unit; for a content role, after the new unit's head approves."""
    if not unit.strip() or len(unit) > 200:
        raise InvalidInput({"unit": N_("Name the unit.")})
    with rt.stores.case() as session:
        actor = _admin(session, admin_id, "change_unit")
    unit_id = accounts.get_or_create_unit(rt, unit.strip())
    with rt.stores.case() as session:
        target = _target(session, staff_id)
        if target.role in accounts.CONTENT_ROLES or approvals.pending_role(session, staff_id):
            return approvals.request_change(session, actor, target, "unit", unit_id=unit_id,
                                            operator=admin_id is None)
        target.unit_id = unit_id
        sessions.end_all_sessions(session, target, "unit_changed")
        trail.record(session, actor, "staff.unit_changed", None, staff=target.username, unit_id=unit_id)
        return approvals.AccountOutcome(staff_id, target.username, None)


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
