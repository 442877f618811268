"""Who may read a clue (R20): one place for the need-to-know rule, as a check and as a query filter.

A clue belongs to its unit once registered, and to the intake office (受理部门, a unit flagged as
such) before that. Its unit's content roles and its handler may read and handle it; a protection
officer also reads the clues whose protection they were given; anyone else reads only under an
approved borrowing grant (借阅单), read-only, and every such read is recorded for the lending unit.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.confidentiality.tables import BorrowRead, BorrowRequest, ProtectionAssignment
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import NotAllowed, NotFound
from models.store.i18n import N_

OFFICER = "protection_officer"
# Reading clues (their pages, files, records, lists): the content roles; which clue is then the
# rule of ``check_access`` and ``visible_cases``.
READ = acting.declare("clue.read", CONTENT_ROLES, refused="report.access_refused")


class Destroyed(NotFound):
    """The clue was destroyed (R22); only its destruction register entry remains."""

    message = N_("This clue has been destroyed; only its entry in the destruction register remains.")


def in_intake_office(staff: Staff) -> bool:
    return staff.unit is not None and bool(staff.unit.intake_office)


def owns_case(staff: Staff, report: Report) -> bool:
    """Its unit's (or, unregistered, the intake office's) content roles, and its handler."""
    if staff.role not in CONTENT_ROLES or not staff.active:
        return False
    if report.handler_id is not None and report.handler_id == staff.id:
        return True
    if report.unit_id is None:
        return in_intake_office(staff)
    return report.unit_id == staff.unit_id


def is_protection_officer_of(session: Session, staff: Staff, report_id: str) -> bool:
    if staff.role != OFFICER or not staff.active:
        return False
    return session.get(ProtectionAssignment, (report_id, staff.id)) is not None


def can_handle_case(session: Session, staff: Staff, report: Report) -> bool:
    """Read and act on the clue (reply, workflow, protection, export): never under a loan."""
    return owns_case(staff, report) or is_protection_officer_of(session, staff, report.id)


def active_loan(session: Session, staff: Staff, report_id: str) -> BorrowRequest | None:
    """An approved borrowing grant of this staff member for this clue that has not yet ended."""
    if staff.role not in CONTENT_ROLES or not staff.active:
        return None
    return session.scalar(
        select(BorrowRequest).where(
            BorrowRequest.report_id == report_id, BorrowRequest.requester_id == staff.id,
            BorrowRequest.status == "approved", BorrowRequest.ends_at > utcnow(),
        ).order_by(BorrowRequest.ends_at.desc()).limit(1))


def check_access(session: Session, staff: Staff, report: Report, *, read_only: bool = False,
                 what: str = "report") -> BorrowRequest | None:
    """Raise NotAllowed (audited) unless ``staff`` may see this clue; returns the loan if reading
    under one, after recording the read for the lending unit (R20)."""
    if report.state == "destroyed":
        raise Destroyed
    if can_handle_case(session, staff, report):
        return None
    loan = active_loan(session, staff, report.id) if read_only else None
    if loan is None:
        trail.record_refusal(session, staff.username, "report.access_refused", report.id)
        raise NotAllowed
    session.add(BorrowRead(request_id=loan.id, what=what))
    trail.record(session, staff.username, "borrow.read", report.id, request=loan.id, what=what)
    return loan


def can_read_case(session: Session, staff: Staff, report: Report) -> bool:
    """The rule of ``check_access`` for reading, without recording anything (for links and lists)."""
    return can_handle_case(session, staff, report) or active_loan(session, staff, report.id) is not None


def visible_cases(staff: Staff) -> ColumnElement[bool]:
    """The clues ``staff`` handles, as a query filter for lists (loans are listed apart)."""
    if staff.role not in CONTENT_ROLES or not staff.active:
        return false()
    rules: list[ColumnElement[bool]] = [Report.handler_id == staff.id]
    if staff.unit_id is not None:
        rules.append(Report.unit_id == staff.unit_id)
    if in_intake_office(staff):
        rules.append(Report.unit_id.is_(None))
    if staff.role == OFFICER:
        rules.append(Report.id.in_(select(ProtectionAssignment.report_id)
                                   .where(ProtectionAssignment.officer_id == staff.id)))
    return (Report.state != "destroyed") & or_(*rules)


def is_head_for(session: Session, staff: Staff, report: Report) -> bool:
    """A unit head of the clue's unit (of the intake office while it is unregistered)."""
    if staff.role != "unit_head" or not staff.active or staff.unit_id is None:
        return False
    if report.unit_id is None:
        return in_intake_office(staff)
    return staff.unit_id == report.unit_id


def handles(session: Session, staff: Staff, target: object) -> None:
    """An act's check: ``staff`` handles the clue ``target`` (its unit, or its handler)."""
    if not can_handle_case(session, staff, cast(Report, target)):
        raise NotAllowed


def head_of_clue(session: Session, staff: Staff, target: object) -> None:
    """An act's check: a unit head of the clue ``target``'s unit."""
    if not is_head_for(session, staff, cast(Report, target)):
        raise NotAllowed(N_("Only a unit head of the clue's unit may do this."))


def second_person(own: type[NotAllowed], own_reason: str = "own_request",
                  not_head: str = N_("Only a unit head of the clue's unit may do this.")) -> acting.Check:
    """The four-eyes check of every confidentiality decision, over a target (clue, requester id): a
    unit head of the clue's unit (the lending unit, for a loan) who is not the one who asked."""

    def check_target(session: Session, staff: Staff, target: object) -> None:
        report, requester_id = cast(tuple[Report, int | None], target)
        if requester_id == staff.id:
            raise acting.because(own(), own_reason)
        if not is_head_for(session, staff, report):
            raise acting.because(NotAllowed(not_head), "not_unit_head")

    return check_target
