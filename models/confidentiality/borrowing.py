"""Borrowing (借阅单, R20): read access to another unit's clue, for a limited time, approved.

A staff member who does not handle a clue files a request with a reason and a number of days; a
unit head of the lending unit (the clue's unit, or the intake office before registration) approves
or refuses it, never the requester. The grant lets the borrower read the clue, its files and
records (never the reporter's identity, never an export, never an act) until it ends by itself;
each read is recorded (``need_to_know.check_access``) and listed for the lending unit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.confidentiality.need_to_know import can_handle_case, is_head_for, second_person
from models.confidentiality.tables import BorrowRead, BorrowRequest
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import as_utc, utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime
from models.store.text import clean_text

MAX_DAYS = 30
MAX_REASON = 500


class SelfApprovedLoan(NotAllowed):
    message = N_("A borrowing request must be decided by someone other than its requester.")


def _borrower_or_lender(session: Session, staff: Staff, target: object) -> None:
    row, report = cast(tuple[BorrowRequest, Report], target)
    if row.requester_id != staff.id and not is_head_for(session, staff, report):
        raise NotAllowed


_DECIDE = second_person(SelfApprovedLoan, not_head=N_("Only a unit head of the lending unit may decide this."))
REQUEST = acting.declare("borrow.request", CONTENT_ROLES, refused="borrow.refused", event="borrow.requested")
APPROVE = acting.declare("borrow.approve", {"unit_head"}, refused="borrow.refused", check=_DECIDE)
REFUSE = acting.declare("borrow.refuse", {"unit_head"}, refused="borrow.refused", check=_DECIDE)
RETURN = acting.declare("borrow.return", CONTENT_ROLES, refused="borrow.refused", check=_borrower_or_lender,
                        event="borrow.returned")
LIST = acting.declare("borrow.list", CONTENT_ROLES, refused="borrow.refused")


def clean_days(days: object, limit: int = MAX_DAYS) -> int:
    try:
        value = int(str(days).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= limit:
        raise InvalidInput({"days": N_("Choose 1 to %(max)s days.")}, max=limit)
    return value


def clean_reason(reason: object, field: str = "reason") -> str:
    return clean_text(reason, field, MAX_REASON, N_("Give a reason."), N_("The reason is too long."))


def request_borrowing(rt: Runtime, staff_id: int, report_id: str, reason: str, days: object) -> str:
    """File a borrowing request for a clue of another unit; returns its id."""
    reason, n_days = clean_reason(reason), clean_days(days)
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None or report.state == "destroyed":
            raise NotFound
        staff = acting.perform(session, staff_id, REQUEST.name, report, report_id=report.id)
        if can_handle_case(session, staff, report):
            raise WrongState(N_("You can read this clue already; there is nothing to borrow."))
        row = BorrowRequest(id=str(uuid.uuid4()), report_id=report.id, requester_id=staff.id,
                            reason=reason, days=n_days)
        session.add(row)
        acting.done(session, staff, REQUEST.name, report.id, request=row.id, days=n_days)
        return row.id


def file_blind_requests(session: Session, staff: Staff, report_ids: list[str], reason: str, days: int) -> int:
    """File one request per clue, blind (issue 24): each goes to its own unit's head as any other,
    but its requester (the office director, who knows only a count) is not shown which clue it
    names until it is approved. A clue already asked for and not refused is not asked for again.
    In the caller's transaction (its act has checked the actor); returns how many were filed."""
    asked = set(session.scalars(select(BorrowRequest.report_id).where(
        BorrowRequest.requester_id == staff.id, BorrowRequest.report_id.in_(report_ids),
        BorrowRequest.status.in_(("pending", "approved")))))
    filed = 0
    for report_id in sorted(set(report_ids) - asked):
        row = BorrowRequest(id=str(uuid.uuid4()), report_id=report_id, requester_id=staff.id, reason=reason,
                            days=days, blind=True)
        session.add(row)
        trail.record(session, staff.username, REQUEST.event or "", report_id, request=row.id, days=days, blind=True)
        filed += 1
    return filed


def blind_waiting(rt: Runtime, staff_id: int) -> int:
    """How many of one's blind requests wait for a decision (the only thing shown of them)."""
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(BorrowRequest).where(
            BorrowRequest.requester_id == staff_id, BorrowRequest.blind.is_(True),
            BorrowRequest.status == "pending")) or 0


def decide_borrowing(rt: Runtime, staff_id: int, request_id: str, approve: bool, note: str = "") -> None:
    """Approve or refuse a borrowing request: a unit head of the lending unit, not the requester."""
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise InvalidInput({"note": N_("The note is too long.")})
    with rt.stores.case() as session:
        row = session.get(BorrowRequest, request_id)
        if row is None:
            raise NotFound
        report = session.get(Report, row.report_id)
        if report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, (APPROVE if approve else REFUSE).name,
                               (report, row.requester_id), report_id=report.id)
        if row.status != "pending":
            raise WrongState(N_("This request has been decided already."))
        now = utcnow()
        row.status = "approved" if approve else "refused"
        row.decided_by, row.decided_at, row.note = staff.id, now, note
        if approve:
            row.ends_at = now + timedelta(days=row.days)
        trail.record(session, staff.username, f"borrow.{row.status}", report.id, request=row.id)


def return_borrowing(rt: Runtime, staff_id: int, request_id: str) -> None:
    """End a grant early: the borrower gives it back, or the lending unit's head withdraws it."""
    with rt.stores.case() as session:
        row = session.get(BorrowRequest, request_id)
        report = session.get(Report, row.report_id) if row else None
        if row is None or report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, RETURN.name, (row, report), report_id=report.id)
        if row.status != "approved":
            raise WrongState(N_("This request gives no access to end."))
        row.status, row.ends_at = "returned", utcnow()
        acting.done(session, staff, RETURN.name, report.id, request=row.id)


@dataclass(frozen=True)
class LoanView:
    id: str
    report_id: str
    registry_no: str
    requester: str
    reason: str
    days: int
    status: str  # pending, approved (running), ended, refused, returned
    requested_at: datetime
    ends_at: datetime | None
    note: str
    reads: int
    mine: bool
    can_decide: bool


def _status(row: BorrowRequest, now: datetime) -> str:
    if row.status == "approved" and row.ends_at is not None:
        return "approved" if as_utc(row.ends_at) > now else "ended"
    return row.status


def list_loans(rt: Runtime, staff_id: int) -> list[LoanView]:
    """One's own requests and, for a unit head, those for the clues of their unit (with reads)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        now = utcnow()
        reads: dict[str, int] = {rid: n for rid, n in session.execute(
            select(BorrowRead.request_id, func.count()).group_by(BorrowRead.request_id))}
        query = (select(BorrowRequest, Report, Staff.display_name)
                 .join(Report, Report.id == BorrowRequest.report_id)
                 .join(Staff, Staff.id == BorrowRequest.requester_id))
        mine = BorrowRequest.requester_id == staff.id
        if staff.role == "unit_head" and staff.unit_id is not None:
            query = query.where(or_(mine, Report.unit_id == staff.unit_id, Report.unit_id.is_(None)))
        else:
            query = query.where(mine)
        out = []
        for row, report, requester in session.execute(query.order_by(BorrowRequest.requested_at.desc())):
            head = is_head_for(session, staff, report)
            if row.requester_id != staff.id and not head:
                continue
            if row.blind and row.requester_id == staff.id and row.status != "approved" and not head:
                continue  # asked from a count: which clue it names shows once it is lent
            out.append(LoanView(row.id, report.id, report.registry_no, requester, row.reason, row.days,
                                _status(row, now), row.requested_at, row.ends_at, row.note,
                                reads.get(row.id, 0), row.requester_id == staff.id,
                                head and row.status == "pending" and row.requester_id != staff.id))
        return out
