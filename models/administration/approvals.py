"""Separation of duties for accounts (R29): what an administrator asks, a second person decides.

Every account act that could hand someone credentials waits as a pending ``AccountChange``:
granting a content role, moving an account with one to another unit and resetting a content-role
account wait for an active unit head of the unit concerned (the account's unit; for a move, the
new one); creating or resetting an auditor, custodian or administrator account, or granting one
of those roles, waits for another administrator (``approver_unit_id`` is then empty; why not the
unit head: docs/security.md). Nobody approves a change they asked for or that concerns their own
account. When a change leaves the account without credentials (a new account, a reset), the
enrollment code goes to the approver, never to whoever asked. The console operator
(``clueguard staff ...``), who holds the server's keys anyway, may bootstrap what nobody could
approve yet (a unit without a head, a site without an enrolled administrator); that is audited
as such (``bootstrap``).
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
ADMIN_ROLE = "admin"
KINDS = ("role", "unit", "reset")
# Roles outside the content roles: their accounts are created, reset and granted only with a
# second administrator's approval (R29: no single person takes over another's account).
PRIVILEGED_ROLES = frozenset(accounts.ROLES) - accounts.CONTENT_ROLES


class NotTheApprover(NotAllowed):
    message = N_("Only the head of the unit concerned can decide this, and never on their own request "
                 "or account.")


class NotTheOtherAdministrator(NotTheApprover):
    message = N_("Only another administrator can decide this, never the one who asked for it or the "
                 "account's holder.")


class AlreadyDecided(WrongState):
    message = N_("This request was already decided.")


class NeedsUnit(InvalidInput):
    pass


def _decides(session: Session, staff: Staff, change: AccountChange) -> None:
    """Who decides this change (R29): the head of the unit concerned or, for an account outside the
    content roles, another administrator; enrolled, pledged within the year, never on their own
    request or account; and only while it waits."""
    by_admins = change.approver_unit_id is None
    if not (accounts.pledge_current(staff) and staff.password_hash and staff.id != change.staff_id
            and staff.username != change.requested_by
            and (staff.role == ADMIN_ROLE if by_admins
                 else staff.role == HEAD_ROLE and staff.unit_id == change.approver_unit_id)):
        raise NotTheOtherAdministrator() if by_admins else NotTheApprover()
    if change.state != "pending":
        raise AlreadyDecided


DECIDE = acting.declare("staff.decide_change", {HEAD_ROLE, ADMIN_ROLE}, refused="staff.change_refused",
                        check=_decides, denied=NotTheApprover)


@dataclass(frozen=True)
class AccountOutcome:
    """What an account act produced: an enrollment code (shown once) or a change awaiting approval."""

    staff_id: int
    username: str
    code: str | None
    pending_change_id: int | None = None
    approver_unit: str = ""
    unopenable_requests: int = 0
    # True when another administrator, not a unit head, must approve (auditor, custodian, admin).
    by_administrators: bool = False


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
    # Who must decide: "" for another administrator, else the unit whose head decides.
    approver_unit: str = ""
    # False when nobody could decide it today (a unit without an enrolled head, no other
    # administrator): the administrator's overview says so (issue #27, item 6).
    decidable: bool = True


def _heads(session: Session, unit_id: int | None) -> int:
    return session.scalar(select(func.count()).select_from(Staff).where(
        Staff.unit_id == unit_id, Staff.role == HEAD_ROLE, Staff.active.is_(True),
        Staff.password_hash != "")) or 0 # an empty hash means "not yet enrolled", not a password # nosec B105


def _admins(session: Session, *, besides: tuple[int, ...] = (), besides_name: str = "") -> int:
    """Active, enrolled administrators other than the given accounts and requester."""
    return session.scalar(select(func.count()).select_from(Staff).where(
        Staff.role == ADMIN_ROLE, Staff.active.is_(True), Staff.id.notin_(besides or (-1,)),
        Staff.username != besides_name,
        Staff.password_hash != "")) or 0 # an empty hash means "not yet enrolled", not a password # nosec B105


def decided_by_admins(staff: Staff, kind: str, role: str | None) -> bool:
    """True if another administrator, not a unit head, decides this change (R29)."""
    if kind == "role":
        return role in PRIVILEGED_ROLES
    # A reset of an account with no role yet (its grant pending) too: its code must not reach anyone
    # who asked for it.
    return kind == "reset" and staff.role not in accounts.CONTENT_ROLES


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
    """File a change for its approver; the console operator applies it at once when nobody could
    approve it yet (bootstrap: a unit without a head, a site without another enrolled administrator)."""
    by_admins = decided_by_admins(staff, kind, role)
    approver_unit = None if by_admins else unit_id if kind == "unit" else staff.unit_id
    if approver_unit is None and not by_admins:
        raise NeedsUnit({"unit": N_("A content role needs a unit whose head approves it.")})
    change = AccountChange(staff_id=staff.id, kind=kind, role=role, unit_id=unit_id,
                           approver_unit_id=approver_unit, requested_by=actor)
    session.add(change)
    session.flush()
    trail.record(session, actor, "staff.change_requested", None, staff=staff.username, change=change.id,
                 kind=kind, role=role, unit_id=unit_id, unopenable_requests=lost or None,
                 approver=ADMIN_ROLE if by_admins else f"unit:{approver_unit}")
    unit = session.get(Unit, approver_unit) if approver_unit is not None else None
    unit_name = unit.name if unit else ""
    nobody = (_admins(session, besides=(staff.id,), besides_name=actor) if by_admins
              else _heads(session, approver_unit)) == 0
    if operator and nobody:
        code = _apply(session, change, staff, actor, bootstrap=True)
        return AccountOutcome(staff.id, staff.username, code, unopenable_requests=lost)
    return AccountOutcome(staff.id, staff.username, None, change.id, unit_name, lost, by_admins)


def _apply(session: Session, change: AccountChange, staff: Staff, approver: str, bootstrap: bool = False) -> str | None:
    """Make the change; returns an enrollment code for the approver when the account has no credentials."""
    change.state, change.decided_by, change.decided_at = "approved", approver, utcnow()
    code: str | None = None
    if change.kind == "role":
        previous, staff.role = staff.role, change.role or accounts.NO_ROLE
        trail.record(session, approver, "staff.role_granted", None, staff=staff.username, role=staff.role,
                     previous=previous, change=change.id, requested_by=change.requested_by,
                     bootstrap=bootstrap or None)
        if staff.password_hash and staff.id != _staff_id(session, change.requested_by) and (
                _last_code_shown_to(session, staff) == change.requested_by):
            # The same detour for an auditor, custodian or administrator role: credentials the
            # requester once held never carry a role only a second person may grant.
            clear_credentials(session, staff, approver)
        elif staff.password_hash and staff.role in accounts.CONTENT_ROLES and _enrolled_through_someone_else(
                session, staff):
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
        code = enrollment.issue_code(session, staff, "reset" if change.kind == "reset" else "new", approver,
                                     requested_by=change.requested_by, bootstrap=bootstrap)
    return code


def _staff_id(session: Session, username: str) -> int | None:
    return session.scalar(select(Staff.id).where(Staff.username == username))


def _last_code_shown_to(session: Session, staff: Staff) -> str | None:
    """Who was shown the code with which the account's current credentials were set (None: no code)."""
    return session.scalar(select(Enrollment.issued_to).where(Enrollment.staff_id == staff.id,
                                                             Enrollment.used_at.is_not(None))
                          .order_by(Enrollment.used_at.desc(), Enrollment.id.desc()).limit(1))


def _enrolled_through_someone_else(session: Session, staff: Staff) -> bool:
    """True if the account's current credentials came from a code shown to anyone but a unit head."""
    last = session.scalar(select(Enrollment).where(Enrollment.staff_id == staff.id,
                                                   Enrollment.used_at.is_not(None))
                          .order_by(Enrollment.used_at.desc(), Enrollment.id.desc()).limit(1))
    if last is None:
        return False  # enrolled by the console operator, who holds the server's keys anyway
    shown_to = session.scalar(select(Staff).where(Staff.username == last.issued_to))
    return shown_to is None or shown_to.role != HEAD_ROLE


def _change(session: Session, change_id: int) -> AccountChange:
    change = session.scalar(select(AccountChange).where(AccountChange.id == change_id).with_for_update())
    if change is None:
        raise NotFound
    return change


def approve_change(rt: Runtime, head_id: int, change_id: int) -> AccountOutcome:
    """The unit head approves; a code for a new or reset account is returned to them, once."""
    with rt.stores.case() as session:
        change = _change(session, change_id)
        head = acting.perform(session, head_id, DECIDE.name, change, change=change.id, decision="approve")
        staff = session.get(Staff, change.staff_id)
        if staff is None:
            raise NotFound
        code = _apply(session, change, staff, head.username)
        return AccountOutcome(staff.id, staff.username, code)


def deny_change(rt: Runtime, head_id: int, change_id: int) -> None:
    """The unit head refuses the change; nothing about the account changes."""
    with rt.stores.case() as session:
        change = _change(session, change_id)
        head = acting.perform(session, head_id, DECIDE.name, change, change=change.id, decision="deny")
        change.state, change.decided_by, change.decided_at = "denied", head.username, utcnow()
        staff = session.get(Staff, change.staff_id)
        trail.record(session, head.username, "staff.change_denied", None, change=change.id,
                     staff=staff.username if staff else None)


def pending_for(rt: Runtime, head_id: int) -> list[PendingChange]:
    """The changes waiting for this unit head or administrator to decide (none for anyone else)."""
    return [row for row in pending_changes(rt, head_id) if row.decidable and row.mine]


@dataclass(frozen=True)
class PendingRow(PendingChange):
    # True if the person asking may decide it.
    mine: bool = False


def pending_changes(rt: Runtime, viewer_id: int) -> list[PendingRow]:
    """What waits for a decision: a unit head sees his unit's; an administrator sees every pending
    change with who must decide it, so that a change nobody can decide (a unit with no head) is
    seen by someone who can act (issue #27, item 6)."""
    with rt.stores.case() as session:
        viewer = session.get(Staff, viewer_id)
        if viewer is None or not viewer.active or not acting.role_may(viewer.role, DECIDE.name):
            return []
        query = (select(AccountChange, Staff).join(Staff, Staff.id == AccountChange.staff_id)
                 .where(AccountChange.state == "pending").order_by(AccountChange.id))
        if viewer.role == HEAD_ROLE:
            query = query.where(AccountChange.approver_unit_id == viewer.unit_id,
                                AccountChange.staff_id != viewer.id)
        rows = session.execute(query).all()
        units = {u.id: u.name for u in session.scalars(select(Unit))}
        out = []
        for c, s in rows:
            by_admins = c.approver_unit_id is None
            decidable = (_admins(session, besides=(s.id,), besides_name=c.requested_by) if by_admins
                         else _heads(session, c.approver_unit_id)) > 0
            mine = acting.may(DECIDE.name, session, viewer, c)
            out.append(PendingRow(c.id, s.username, s.display_name, c.kind, c.role,
                                  units.get(c.unit_id or s.unit_id or 0, ""), c.requested_by, c.requested_at,
                                  "" if by_admins else units.get(c.approver_unit_id or 0, ""), decidable, mine))
        return out
