"""Controlled copies (R21): exporting a clue needs a unit head's approval for a number of copies.

Each copy is numbered (第N份 共M份) and has one holder; only that holder can produce it, only
after approval and only within the approved count; every copy is registered, can be marked
returned or destroyed, and the recall list shows those still out (the rules ask for a yearly
recall in February). A copy stays inside need-to-know (R20): its holder must be able to read the
clue, as staff of its unit (or its handler or protection officer) or under an approved loan; a copy
held under a loan is produced only while the loan runs and says so on its face, so it cannot
outlive the loan. The PDF itself is rendered by ``models.cases.printing``, which calls
``issue_copy`` here first: the checks live in one place whichever front end asks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.confidentiality.borrowing import clean_reason
from models.confidentiality.need_to_know import (
    Destroyed,
    active_loan,
    can_handle_case,
    handles,
    head_of_clue,
    is_head_for,
    second_person,
)
from models.confidentiality.tables import ExportCopy, ExportRequest
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

MAX_COPIES = 20
CLOSED = ("returned", "destroyed")


class ExportNotApproved(NotAllowed):
    message = N_("This export has not been approved by a unit head.")


class NotTheHolder(NotAllowed):
    message = N_("Only the holder of this copy may produce it.")


class SelfApprovedExport(NotAllowed):
    message = N_("An export must be approved by someone other than its requester.")


class HolderOutsideNeedToKnow(NotAllowed):
    message = N_("%(holder)s may not read this clue, so cannot hold a copy of it: a holder must work in the "
                 "clue's unit or hold an approved loan of it, and the copy then ends with the loan.")


class LoanEnded(NotAllowed):
    message = N_("This copy was held under a loan that has ended: it can no longer be produced. Return it to "
                 "the clue's unit.")


def holder_until(session: Session, holder: Staff, report: Report) -> tuple[bool, datetime | None]:
    """May ``holder`` hold a copy of this clue, and until when: (True, None) for its unit's staff,
    (True, the loan's end) under an approved loan, (False, None) for anyone else (R20, R21)."""
    if can_handle_case(session, holder, report):
        return True, None
    loan = active_loan(session, holder, report.id)
    return (True, loan.ends_at) if loan is not None else (False, None)


def _check_holders(session: Session, actor: Staff, report: Report, people: list[Staff], act: str) -> None:
    """Refuse (audited) a copy for anyone outside need-to-know."""
    for holder in people:
        if not holder_until(session, holder, report)[0]:
            trail.record_refusal(session, actor.username, "export.refused", report.id, act=act,
                                 reason="holder_outside_need_to_know", holder=holder.username)
            raise HolderOutsideNeedToKnow(holder=holder.display_name or holder.username)


# Handling the clue is needed: a loan never allows an export (R20).
REQUEST = acting.declare("export.request", CONTENT_ROLES, refused="export.refused", check=handles,
                         event="export.requested")
APPROVE = acting.declare("export.approve", {"unit_head"}, refused="export.refused",
                         check=second_person(SelfApprovedExport))
REFUSE = acting.declare("export.refuse", {"unit_head"}, refused="export.refused",
                        check=second_person(SelfApprovedExport))
CLOSE = acting.declare("export.close", {"unit_head"}, refused="export.refused", check=head_of_clue)
LIST = acting.declare("export.list", CONTENT_ROLES, refused="export.refused")
# Producing a numbered copy: its holder only (``issue_copy`` checks which copy, audited there).
PRINT = acting.declare("export.print", CONTENT_ROLES, refused="export.copy_refused")


def _holders(session: Session, requester: Staff, copies: int, holders: list[str] | None) -> list[Staff]:
    if not holders:
        return [requester] * copies
    if len(holders) != copies:
        raise InvalidInput({"holders": N_("Name one holder for each copy.")})
    found = []
    for name in holders:
        staff = session.scalar(select(Staff).where(Staff.username == str(name).strip()))
        if staff is None or not staff.active or staff.role not in CONTENT_ROLES:
            raise InvalidInput({"holders": N_("Each holder must be an active staff member who handles clues.")})
        found.append(staff)
    return found


def request_export(rt: Runtime, staff_id: int, report_id: str, copies: object, reason: str,
                   holders: list[str] | None = None) -> str:
    """Ask to export a clue (its redacted rendering) as ``copies`` numbered PDF copies."""
    try:
        n = int(str(copies).strip())
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= MAX_COPIES:
        raise InvalidInput({"copies": N_("Choose 1 to %(max)s copies.")}, max=MAX_COPIES)
    reason = clean_reason(reason)
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound
        if report.state == "destroyed":
            raise Destroyed
        staff = acting.perform(session, staff_id, REQUEST.name, report, report_id=report.id)
        people = _holders(session, staff, n, holders)
        _check_holders(session, staff, report, people, "request")
        row = ExportRequest(id=str(uuid.uuid4()), report_id=report.id, requester_id=staff.id, copies=n,
                            reason=reason)
        session.add(row)
        session.flush()
        for i, holder in enumerate(people, start=1):
            session.add(ExportCopy(export_id=row.id, n=i, holder_id=holder.id, status="awaiting"))
        acting.done(session, staff, REQUEST.name, report.id, export=row.id, copies=n)
        return row.id


def decide_export(rt: Runtime, staff_id: int, export_id: str, approve: bool) -> None:
    """Approve or refuse an export: a unit head of the clue's unit, not the requester."""
    with rt.stores.case() as session:
        row = session.get(ExportRequest, export_id)
        report = session.get(Report, row.report_id) if row else None
        if row is None or report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, (APPROVE if approve else REFUSE).name,
                               (report, row.requester_id), report_id=report.id)
        if row.status != "pending":
            raise WrongState(N_("This request has been decided already."))
        if approve:
            # Checked again: a holder may have left the unit, or their loan ended, since the request.
            holders = [session.get(Staff, c.holder_id) for c in
                       session.scalars(select(ExportCopy).where(ExportCopy.export_id == row.id))]
            _check_holders(session, staff, report, [h for h in holders if h is not None], "approve")
        row.status = "approved" if approve else "refused"
        row.decided_by, row.decided_at = staff.id, utcnow()
        for copy in session.scalars(select(ExportCopy).where(ExportCopy.export_id == row.id)):
            copy.status = "outstanding" if approve else "refused"
        trail.record(session, staff.username, f"export.{row.status}", report.id, export=row.id)


@dataclass(frozen=True)
class IssuedCopy:
    report_id: str
    registry_no: str
    n: int
    of: int
    holder: str
    at: datetime
    # The end of the loan the holder reads under; None for the clue's own unit.
    until: datetime | None = None


def issue_copy(session: Session, staff: Staff, export_id: str, n: int) -> IssuedCopy:
    """Check that ``staff`` holds approved copy ``n`` of this export and register its production.

    Called in the printer's transaction; every refusal is audited."""
    row = session.get(ExportRequest, export_id)
    report = session.get(Report, row.report_id) if row else None
    if row is None or report is None:
        raise NotFound
    if report.state == "destroyed":
        raise Destroyed
    copy = session.get(ExportCopy, (export_id, n))
    if row.status != "approved":
        trail.record_refusal(session, staff.username, "export.copy_refused", report.id, export=row.id,
                             n=n, reason="not_approved")
        raise ExportNotApproved
    if copy is None:
        trail.record_refusal(session, staff.username, "export.copy_refused", report.id, export=row.id,
                             n=n, reason="beyond_count")
        raise NotAllowed(N_("Only %(count)s copies were approved."), count=row.copies)
    if copy.holder_id != staff.id:
        trail.record_refusal(session, staff.username, "export.copy_refused", report.id, export=row.id,
                             n=n, reason="not_holder")
        raise NotTheHolder
    if copy.status != "outstanding":
        raise WrongState(N_("This copy has been returned or destroyed."))
    may, until = holder_until(session, staff, report)
    if not may:
        trail.record_refusal(session, staff.username, "export.copy_refused", report.id, export=row.id,
                             n=n, reason="holder_outside_need_to_know")
        raise LoanEnded
    now = utcnow()
    copy.issued_at = copy.issued_at or now
    copy.downloads += 1
    trail.record(session, staff.username, "export.copy_issued", report.id, export=row.id, n=n,
                 of=row.copies)
    return IssuedCopy(report.id, report.registry_no, n, row.copies, staff.display_name, now, until)


def close_copy(rt: Runtime, staff_id: int, export_id: str, n: int, status: str) -> None:
    """Mark a copy returned or destroyed: the clue's unit head (who receives it back)."""
    if status not in CLOSED:
        raise InvalidInput({"status": N_("Choose returned or destroyed.")})
    with rt.stores.case() as session:
        row = session.get(ExportRequest, export_id)
        report = session.get(Report, row.report_id) if row else None
        copy = session.get(ExportCopy, (export_id, n))
        if row is None or report is None or copy is None:
            raise NotFound
        staff = acting.perform(session, staff_id, CLOSE.name, report, report_id=report.id)
        if copy.status != "outstanding":
            raise WrongState(N_("This copy is not outstanding."))
        copy.status, copy.closed_by, copy.closed_at = status, staff.id, utcnow()
        trail.record(session, staff.username, f"export.copy_{status}", report.id, export=row.id, n=n)


@dataclass(frozen=True)
class CopyView:
    export_id: str
    report_id: str
    registry_no: str
    n: int
    of: int
    holder: str
    holder_id: int
    status: str
    issued_at: datetime | None
    requested_at: datetime
    reason: str
    export_status: str
    requester_id: int


def list_copies(session: Session, where: ColumnElement[bool] | None = None,
                outstanding_only: bool = False) -> list[CopyView]:
    """The copy register (or, with ``outstanding_only``, the recall list), oldest first."""
    query = (select(ExportCopy, ExportRequest, Report.registry_no, Staff.display_name)
             .join(ExportRequest, ExportRequest.id == ExportCopy.export_id)
             .join(Report, Report.id == ExportRequest.report_id)
             .join(Staff, Staff.id == ExportCopy.holder_id))
    if where is not None:
        query = query.where(where)
    if outstanding_only:
        query = query.where(ExportCopy.status == "outstanding")
    return [CopyView(c.export_id, e.report_id, no, c.n, e.copies, holder, c.holder_id, c.status, c.issued_at,
                     e.requested_at, e.reason, e.status, e.requester_id)
            for c, e, no, holder in session.execute(query.order_by(ExportRequest.requested_at, ExportCopy.n))]


def copies_for(rt: Runtime, staff_id: int) -> list[CopyView]:
    """The copies a staff member holds or requested, and for a unit head those of their unit."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        out = []
        for view in list_copies(session):
            report = session.get(Report, view.report_id)
            if report is None:
                continue
            if view.holder_id == staff.id or view.requester_id == staff.id or is_head_for(session, staff, report):
                out.append(view)
        return out
