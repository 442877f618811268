"""What waits for protection officers and custodians (counts beside the navigation).

Confidential reporters without a risk assessment wait for a protection officer (R11); pending
unseal requests a custodian has not answered wait for that custodian (R10); an approved request
not opened yet waits for the officer who asked, inside its window. Capped like
``models.cases.waiting``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, select

from models.confidentiality.need_to_know import visible_cases
from models.identities.tables import Custodian
from models.protection.tables import ProtectionCase
from models.protection.unseal_tables import UnsealAnswer, UnsealRequest
from models.reporting.tables import Report
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.runtime import Runtime

CAP = 100
OPEN_STATES = ("received", "registered", "checking", "concluded", "transferred", "feedback_received")


def awaiting_assessment_filter() -> ColumnElement[bool]:
    """Confidential reports of clues still being handled that have no risk assessment yet."""
    assessed = exists().where(ProtectionCase.report_id == Report.id)
    return Report.confidential.is_(True) & Report.state.in_(OPEN_STATES) & ~assessed


def assessments_waiting(rt: Runtime, staff_id: int) -> int:
    """Confidential reporters of clues this officer may see who wait for a risk assessment."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active or staff.role != "protection_officer":
            return 0
        ids = select(Report.id).where(visible_cases(staff), awaiting_assessment_filter()).limit(CAP).subquery()
        return session.scalar(select(func.count()).select_from(ids)) or 0


def unseal_requests_waiting(rt: Runtime, staff_id: int) -> int:
    """Pending, unexpired unseal requests this custodian holds a share for and has not answered."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active or staff.role != "custodian":
            return 0
        username = staff.username
    with rt.stores.vault() as vs:
        if vs.scalar(select(Custodian.username).where(Custodian.username == username)) is None:
            return 0
        answered = exists().where(UnsealAnswer.request_id == UnsealRequest.id, UnsealAnswer.custodian == username)
        ids = (select(UnsealRequest.id)
               .where(UnsealRequest.state == "pending", UnsealRequest.expires_at > utcnow(),
                      UnsealRequest.requester != username, ~answered)
               .limit(CAP).subquery())
        return vs.scalar(select(func.count()).select_from(ids)) or 0


def approved_unseals_waiting(rt: Runtime, staff_id: int) -> int:
    """This officer's approved unseal requests, inside their window, not opened yet."""
    with rt.stores.vault() as vs:
        ids = (select(UnsealRequest.id)
               .where(UnsealRequest.requester_id == staff_id, UnsealRequest.state == "approved",
                      UnsealRequest.first_opened_at.is_(None), UnsealRequest.window_ends_at > utcnow())
               .limit(CAP).subquery())
        return vs.scalar(select(func.count()).select_from(ids)) or 0
