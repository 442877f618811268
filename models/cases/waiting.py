"""What waits for a staff member (the counts beside the navigation, the "my work" filters).

Each count is a query capped at ``CAP`` rows, so a store of a million clues answers as fast as a
small one: the navigation says "99+" rather than counting every row on every page.
Every query stays inside ``visible_cases`` (need-to-know, R20).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from models.cases.deadlines import local_today, open_escalations, own_work
from models.cases.tables import CaseRead, ClueTrack
from models.confidentiality.need_to_know import visible_cases
from models.reporting.tables import Message, Report
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.runtime import Runtime

CAP = 100


@dataclass(frozen=True)
class Waiting:
    """Counts of what waits for one person (each capped at ``CAP``)."""

    unread: int = 0
    approvals: int = 0
    overdue: int = 0
    escalations: int = 0


def unread_filter(staff: Staff) -> ColumnElement[bool]:
    """Clues with a reporter message newer than this staff member's last look at the clue."""
    seen = exists().where(CaseRead.staff_id == staff.id, CaseRead.report_id == Message.report_id,
                          CaseRead.read_at >= Message.created_at)
    return exists().where(Message.report_id == Report.id, Message.direction == "reporter", ~seen)


def awaiting_approval_filter(staff: Staff | None = None) -> ColumnElement[bool]:
    """Concluded clues of a mandatory kind (R15) whose conclusion no unit head has approved yet;
    with ``staff``, not those they concluded themselves (nobody approves their own)."""
    conditions = [ClueTrack.report_id == Report.id, ClueTrack.awaiting_approval.is_(True)]
    if staff is not None:
        conditions.append(ClueTrack.concluded_by != staff.id)
    return and_(Report.state == "concluded", exists().where(*conditions))


def approvals_waiting(session: Session, staff: Staff) -> int:
    """Conclusions of the unit head's unit waiting for approval, not their own (capped)."""
    waiting = (select(ClueTrack.report_id)
               .where(ClueTrack.unit_id == staff.unit_id, ClueTrack.awaiting_approval.is_(True),
                      ClueTrack.concluded_by != staff.id)
               .limit(CAP).subquery())
    return session.scalar(select(func.count()).select_from(waiting).join(Report, Report.id == waiting.c.report_id)
                          .where(visible_cases(staff), Report.state == "concluded")) or 0


def overdue_filter(rt: Runtime) -> ColumnElement[bool]:
    today = local_today(rt.config)
    return exists().where(ClueTrack.report_id == Report.id, ClueTrack.due_on < today)


def _capped(session: Session, *conditions: ColumnElement[bool]) -> int:
    ids = select(Report.id).where(*conditions).limit(CAP).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def waiting_for(rt: Runtime, staff_id: int) -> Waiting:
    """The counts for the navigation of a content role; other roles get zeros here."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active or staff.role not in CONTENT_ROLES:
            return Waiting()
        visible = visible_cases(staff)
        unread = _capped(session, visible, unread_filter(staff))
        if staff.role not in {"intake", "unit_head"}:
            return Waiting(unread=unread)
        approvals = approvals_waiting(session, staff) if staff.role == "unit_head" else 0
        # The unit's overdue tracks first (an index range), then need-to-know on just those.
        late = (select(ClueTrack.report_id).where(own_work(staff), ClueTrack.due_on < local_today(rt.config))
                .limit(CAP).subquery())
        overdue = session.scalar(select(func.count()).select_from(late).join(Report, Report.id == late.c.report_id)
                                 .where(visible)) or 0
    escalations = open_escalations(rt, staff_id) if staff.role == "unit_head" else 0
    return Waiting(unread=unread, approvals=approvals, overdue=overdue, escalations=escalations)


def mark_read(session: Session, staff_id: int, report_id: str) -> None:
    """The staff member has seen the clue and its messages as of now."""
    row = session.get(CaseRead, (staff_id, report_id))
    if row is None:
        session.add(CaseRead(staff_id=staff_id, report_id=report_id, read_at=utcnow()))
    else:
        row.read_at = utcnow()


def unread_ids(session: Session, staff: Staff, report_ids: list[str]) -> set[str]:
    """Which of these clues have reporter messages this staff member has not read."""
    if not report_ids:
        return set()
    return set(session.scalars(select(Report.id).where(Report.id.in_(report_ids), unread_filter(staff))))
