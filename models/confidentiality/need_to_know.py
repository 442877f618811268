"""Who may do what: one place for role and need-to-know checks (R20)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from models.reporting.tables import Report
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff


def can_read_case(staff: Staff, report: Report) -> bool:
    """Content roles see clues of their unit, assigned to them, or not yet given to any unit."""
    if staff.role not in CONTENT_ROLES or not staff.active:
        return False
    return (
        report.unit_id is None
        or report.unit_id == staff.unit_id
        or report.handler_id == staff.id
    )


def visible_cases(staff: Staff) -> ColumnElement[bool]:
    """The same rule as ``can_read_case``, as a query filter for lists."""
    if staff.role not in CONTENT_ROLES or not staff.active:
        return Report.id.is_(None)
    return or_(
        Report.unit_id.is_(None),
        Report.unit_id == staff.unit_id,
        Report.handler_id == staff.id,
    )
