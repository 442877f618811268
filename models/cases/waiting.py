"""What waits for a staff member (the counts beside the navigation, the "my work" filters).

Each count is a query capped at ``CAP`` rows, so a store of a million clues answers as fast as a
small one: the navigation says "99+" rather than counting every row on every page.
Every query stays inside ``visible_cases`` (need-to-know, R20).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from models.cases.deadlines import local_today, own_work
from models.cases.tables import CaseRead, ClueTrack, Escalation
from models.confidentiality.need_to_know import visible_cases
from models.reporting.tables import Message, Report
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.runtime import Runtime

CAP = 100
UNREAD_DAYS = 60
UNREAD_SCAN = 1000  # at most this many recent reporter messages are looked at per count


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


def unread_for_me(staff: Staff) -> Select[Any]:
    """Ids of clues whose reporter wrote in the last ``UNREAD_DAYS`` days and whom this person has
    not read since: the clues they handle, and those not yet given to a unit (the intake office's).

    It walks the reporters' recent messages (an index range on direction and time, at most
    ``UNREAD_SCAN``), so it costs what the last weeks' messages cost, however many clues the store
    holds; older messages are the handler's, not a badge's, business.
    """
    since = utcnow() - timedelta(days=UNREAD_DAYS)
    # The recent messages first (a bounded, fenced index range), then their clues by primary key.
    recent = (select(Message.report_id, Message.created_at)
              .where(Message.direction == "reporter", Message.created_at >= since)
              .order_by(Message.created_at.desc()).limit(UNREAD_SCAN).subquery())
    seen = exists().where(CaseRead.staff_id == staff.id, CaseRead.report_id == recent.c.report_id,
                          CaseRead.read_at >= recent.c.created_at)
    # A scalar subquery per message (one primary-key probe each): the planner cannot turn it into a
    # join that would read every unassigned clue of the store.
    mine = (select(Report.id).where(Report.id == recent.c.report_id, visible_cases(staff),
                                    or_(Report.handler_id == staff.id, Report.unit_id.is_(None)))
            .limit(1).scalar_subquery())
    return select(recent.c.report_id).where(mine.is_not(None), ~seen)


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


def waiting_for(rt: Runtime, staff_id: int) -> Waiting:
    """The counts for the navigation of a content role; other roles get zeros here."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active or staff.role not in CONTENT_ROLES:
            return Waiting()
        visible = visible_cases(staff)
        mine = unread_for_me(staff).distinct().limit(CAP).subquery()
        unread = session.scalar(select(func.count()).select_from(mine)) or 0
        if staff.role not in {"intake", "unit_head"}:
            return Waiting(unread=unread)
        approvals = approvals_waiting(session, staff) if staff.role == "unit_head" else 0
        # The unit's overdue tracks first (an index range), then need-to-know on just those.
        late = (select(ClueTrack.report_id).where(own_work(staff), ClueTrack.due_on < local_today(rt.config))
                .limit(CAP).subquery())
        overdue = session.scalar(select(func.count()).select_from(late).join(Report, Report.id == late.c.report_id)
                                 .where(visible)) or 0
        # In the same session: one round trip, not a second session for one count.
        escalations = (session.scalar(select(func.count()).select_from(Escalation).where(
            Escalation.unit_id == staff.unit_id, Escalation.resolved_at.is_(None))) or 0
            if staff.role == "unit_head" and staff.unit_id is not None else 0)
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
