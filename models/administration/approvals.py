"""Separation of duties for accounts (R29): what an administrator asks, the unit head decides.

Granting a content role, moving an account with one to another unit, and resetting a content-role
account are stored as a pending ``AccountChange`` and take effect only when an active unit head of
the unit concerned (the account's unit; for a move, the new one) approves. Nobody approves a
change they asked for or that concerns their own account. When a change leaves the account
without credentials (a new account, a reset), the enrollment code goes to the approving unit head,
never to the administrator. The console operator (``clueguard staff ...``), who holds the server's
keys anyway, may bootstrap a unit that has no unit head yet; that is audited as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.staff import accounts, acting, enrollment, sessions
from models.staff.tables import AccountChange, Enrollment, Staff, Unit
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

HEAD_ROLE = "unit_head"
DECIDE = acting.declare("staff.decide_change", {HEAD_ROLE}, refused="staff.change_refused")
KINDS = ("role", "unit", "reset")


class NotTheApprover(NotAllowed):
    message = N_("Only the head of the unit concerned can decide this, and never on their own request "
                 "or account.")


class AlreadyDecided(WrongState):
    message = N_("This request was already decided.")


class NeedsUnit(InvalidInput):
    pass


@dataclass(frozen=True)
class AccountOutcome:
    """What an account act produced: an enrollment code (shown once) or a change awaiting approval."""

    staff_id: int
    username: str
    code: str | None
    pending_change_id: int | None = None
    approver_unit: str = ""
    unopenable_requests: int = 0


@dataclass(frozen=True)
class PendingChange:
    id: int
    username: str
    display_name: str
    kind: str
    role: str | None
    unit: str
    requested_by: str
    requested_at: datetime


def _heads(session: Session, unit_id: int | None) -> int:
    return session.scalar(select(func.count()).select_from(Staff).where(
        Staff.unit_id == unit_id, Staff.role == HEAD_ROLE, Staff.active.is_(True),
        Staff.password_hash != "")) or 0 # an empty hash means "not yet enrolled", not a password # nosec B105


def pending_role(session: Session, staff_id: int) -> bool:
    return session.scalar(select(AccountChange.id).where(
        AccountChange.staff_id == staff_id, AccountChange.kind == "role",
        AccountChange.state == "pending").limit(1)) is not None


def clear_credentials(session: Session, staff: Staff, actor: str, lost: int = 0) -> None:
    """A reset: the old password and seed stop working at once, every session ends."""
    staff.password_hash, staff.totp_secret, staff.totp_last_step = "", "", 0
    staff.failed_logins, staff.locked_until = 0, None
    sessions.end_all_sessions(session, staff, "reset")
    trail.record(session, actor, "staff.password_reset", None, staff=staff.username, unopenable_requests=lost)


def request_change(session: Session, actor: str, staff: Staff, kind: str, *, role: str | None = None,
                   unit_id: int | None = None, operator: bool = False, lost: int = 0) -> AccountOutcome:
    """File a change for the unit head; the console operator applies it at once in a headless unit."""
    approver_unit = unit_id if kind == "unit" else staff.unit_id
    if approver_unit is None:
        raise NeedsUnit({"unit": N_("A content role needs a unit whose head approves it.")})
    change = AccountChange(staff_id=staff.id, kind=kind, role=role, unit_id=unit_id,
                           approver_unit_id=approver_unit, requested_by=actor)
    session.add(change)
    session.flush()
    trail.record(session, actor, "staff.change_requested", None, staff=staff.username, change=change.id,
                 kind=kind, role=role, unit_id=unit_id, unopenable_requests=lost or None)
    unit = session.get(Unit, approver_unit)
    unit_name = unit.name if unit else ""
    if operator and _heads(session, approver_unit) == 0:
        code = _apply(session, change, staff, actor, bootstrap=True)
        return AccountOutcome(staff.id, staff.username, code, unopenable_requests=lost)
    return AccountOutcome(staff.id, staff.username, None, change.id, unit_name, lost)


def _apply(session: Session, change: AccountChange, staff: Staff, approver: str, bootstrap: bool = False) -> str | None:
    """Make the change; returns an enrollment code for the approver when the account has no credentials."""
    change.state, change.decided_by, change.decided_at = "approved", approver, utcnow()
    code: str | None = None
    if change.kind == "role":
        previous, staff.role = staff.role, change.role or accounts.NO_ROLE
        trail.record(session, approver, "staff.role_granted", None, staff=staff.username, role=staff.role,
                     previous=previous, change=change.id, bootstrap=bootstrap or None)
        if staff.password_hash and _enrolled_through_someone_else(session, staff):
            # The insider's detour: reset a clerk while their role is non-content (the code goes to
            # the administrator), then ask for the content role back. A content role never starts
            # on credentials that anyone but a unit head and the person has seen.
            clear_credentials(session, staff, approver)
    elif change.kind == "unit":
        staff.unit_id = change.unit_id
        trail.record(session, approver, "staff.unit_changed", None, staff=staff.username, unit_id=change.unit_id,
                     change=change.id, bootstrap=bootstrap or None)
    else:
        clear_credentials(session, staff, approver)
    if change.kind != "reset":
        sessions.end_all_sessions(session, staff, f"{change.kind}_changed")
    if not staff.password_hash:
        code = enrollment.issue_code(session, staff, "reset" if change.kind == "reset" else "new", approver)
    return code


def _enrolled_through_someone_else(session: Session, staff: Staff) -> bool:
    """True if the account's current credentials came from a code shown to anyone but a unit head."""
    last = session.scalar(select(Enrollment).where(Enrollment.staff_id == staff.id,
                                                   Enrollment.used_at.is_not(None))
                          .order_by(Enrollment.used_at.desc(), Enrollment.id.desc()).limit(1))
    if last is None:
        return False  # enrolled by the console operator, who holds the server's keys anyway
    shown_to = session.scalar(select(Staff).where(Staff.username == last.issued_to))
    return shown_to is None or shown_to.role != HEAD_ROLE


def _approver(session: Session, head_id: int, change: AccountChange, act: str) -> Staff:
    head = session.get(Staff, head_id)
    ok = (head is not None and head.active and head.role == HEAD_ROLE and accounts.pledge_current(head)
          and head.unit_id == change.approver_unit_id and head.id != change.staff_id
          and head.username != change.requested_by)
    if not ok or head is None:
        trail.record_refusal(session, head.username if head else f"staff:{head_id}", "staff.change_refused",
                             None, change=change.id, act=act, reason="NotTheApprover")
        raise NotTheApprover
    return head


def _change(session: Session, change_id: int) -> AccountChange:
    change = session.scalar(select(AccountChange).where(AccountChange.id == change_id).with_for_update())
    if change is None:
        raise NotFound
    return change


def approve_change(rt: Runtime, head_id: int, change_id: int) -> AccountOutcome:
    """The unit head approves; a code for a new or reset account is returned to them, once."""
    with rt.stores.case() as session:
        change = _change(session, change_id)
        head = _approver(session, head_id, change, "approve")
        if change.state != "pending":
            raise AlreadyDecided
        staff = session.get(Staff, change.staff_id)
        if staff is None:
            raise NotFound
        code = _apply(session, change, staff, head.username)
        return AccountOutcome(staff.id, staff.username, code)


def deny_change(rt: Runtime, head_id: int, change_id: int) -> None:
    """The unit head refuses the change; nothing about the account changes."""
    with rt.stores.case() as session:
        change = _change(session, change_id)
        head = _approver(session, head_id, change, "deny")
        if change.state != "pending":
            raise AlreadyDecided
        change.state, change.decided_by, change.decided_at = "denied", head.username, utcnow()
        staff = session.get(Staff, change.staff_id)
        trail.record(session, head.username, "staff.change_denied", None, change=change.id,
                     staff=staff.username if staff else None)


def pending_for(rt: Runtime, head_id: int) -> list[PendingChange]:
    """The changes waiting for this unit head (none if they are not one)."""
    with rt.stores.case() as session:
        head = session.get(Staff, head_id)
        if head is None or head.role != HEAD_ROLE or not head.active:
            return []
        rows = session.execute(
            select(AccountChange, Staff).join(Staff, Staff.id == AccountChange.staff_id)
            .where(AccountChange.approver_unit_id == head.unit_id, AccountChange.state == "pending",
                   AccountChange.staff_id != head.id)
            .order_by(AccountChange.id)).all()
        units = {u.id: u.name for u in session.scalars(select(Unit))}
        return [PendingChange(c.id, s.username, s.display_name, c.kind, c.role,
                              units.get(c.unit_id or s.unit_id or 0, ""), c.requested_by, c.requested_at)
                for c, s in rows]
