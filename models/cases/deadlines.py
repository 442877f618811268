"""Deadlines (R16–R18): the 7-day transfer, the 5-day feedback, the board and escalation.

Dates are calendar days in the configured time zone (``config.timezone``, Asia/Shanghai by
default): a clue concluded at 23:30 Beijing time on the 1st is due on the 8th, whatever UTC says.
A deadline day is still on time; the day after it, the item is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from models.audit import trail
from models.cases.tables import ClueTrack, Escalation
from models.confidentiality.need_to_know import visible_cases
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff, Unit
from models.store.config import Config
from models.store.db import as_utc, utcnow
from models.store.i18n import N_
from models.store.runtime import Runtime

TRANSFER_DAYS = 7
FEEDBACK_DAYS = 5
# Items this many days or fewer before their deadline count as "due soon".
DUE_SOON_DAYS = 2
# The deadline board (R18): who handles clues sees what is due.
BOARD = acting.declare("deadline.board", {"intake", "unit_head"}, refused="deadline.refused")
READ = acting.declare("deadline.read", CONTENT_ROLES, refused="deadline.refused")

KIND_LABELS = {"transfer": N_("Transfer"), "feedback": N_("Feedback")}
STATUS_LABELS = {"overdue": N_("Overdue"), "due_soon": N_("Due soon"), "pending": N_("Pending")}


def zone(config: Config) -> ZoneInfo:
    return ZoneInfo(config.timezone)


def local_date(config: Config, at: datetime) -> date:
    """The calendar date of an instant in the configured zone (naive datetimes are UTC)."""
    return as_utc(at).astimezone(zone(config)).date()


def local_today(config: Config) -> date:
    return local_date(config, utcnow())


def transfer_due(config: Config, concluded_at: datetime) -> date:
    """R16: a possible gang is transferred within 7 days of the conclusion that says so."""
    return local_date(config, concluded_at) + timedelta(days=TRANSFER_DAYS)


def feedback_due(handling_deadline: date) -> date:
    """R17: the receiving authority reports back within 5 days after its handling period."""
    return handling_deadline + timedelta(days=FEEDBACK_DAYS)


def due_status(due: date, today: date) -> str:
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "pending"


@dataclass(frozen=True)
class BoardItem:
    report_id: str
    registry_no: str
    kind: str
    due_on: date
    days_left: int
    status: str
    unit_id: int | None
    unit_name: str
    handler_id: int | None
    handler_name: str
    escalated: bool
    escalation_id: int | None = None


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: a status (overdue, due_soon, pending), a kind, a unit, a handler."""

    status: str | None = None
    kind: str | None = None
    unit_id: int | None = None
    handler_id: int | None = None


def _board_query(today: date, wanted: BoardFilter | None = None, scope: ColumnElement[bool] | None = None,
                 limit: int | None = None) -> Select[*tuple[Any, ...]]:
    """The board's rows. The tracks are picked first (one small index range per unit, sorted and
    cut to ``limit``), and only those rows are joined to their reports, units and handlers."""
    wanted = wanted or BoardFilter()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    tracks = select(ClueTrack.report_id, ClueTrack.due_kind, ClueTrack.due_on).where(ClueTrack.due_on.is_not(None))
    if wanted.status == "overdue":
        tracks = tracks.where(ClueTrack.due_on < today)
    elif wanted.status == "due_soon":
        tracks = tracks.where(ClueTrack.due_on >= today, ClueTrack.due_on <= soon)
    elif wanted.status == "pending":
        tracks = tracks.where(ClueTrack.due_on > soon)
    if wanted.kind in KIND_LABELS:
        tracks = tracks.where(ClueTrack.due_kind == wanted.kind)
    if wanted.unit_id is not None:
        tracks = tracks.where(ClueTrack.unit_id == wanted.unit_id)
    if wanted.handler_id is not None:
        tracks = tracks.where(ClueTrack.handler_id == wanted.handler_id)
    if scope is not None:
        tracks = tracks.where(scope)
    if limit is not None:
        tracks = tracks.order_by(ClueTrack.due_on, ClueTrack.report_id).limit(limit)
    picked = tracks.subquery("board_tracks")
    handler = aliased(Staff)
    open_escalation = (
        select(func.min(Escalation.id))
        .where(Escalation.report_id == picked.c.report_id, Escalation.kind == picked.c.due_kind,
               Escalation.due_on == picked.c.due_on, Escalation.resolved_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(picked.c.report_id, picked.c.due_kind, picked.c.due_on, Report.registry_no, Report.unit_id,
               Unit.name, Report.handler_id, handler.display_name, open_escalation)
        .join(Report, Report.id == picked.c.report_id)
        .outerjoin(Unit, Unit.id == Report.unit_id)
        .outerjoin(handler, handler.id == Report.handler_id)
        .order_by(picked.c.due_on, picked.c.report_id)
    )


def _items(session: Session, query: Select[*tuple[Any, ...]], today: date) -> list[BoardItem]:
    rows = session.execute(query).all()
    return [
        BoardItem(r[0], r[3], r[1], r[2], (r[2] - today).days, due_status(r[2], today), r[4], r[5] or "",
                  r[6], r[7] or "", r[8] is not None, r[8])
        for r in rows
    ]


def deadline_board(rt: Runtime, staff_id: int | None = None, wanted: BoardFilter | None = None,
                   limit: int | None = None) -> list[BoardItem]:
    """Every open transfer and feedback deadline with its due date, earliest first (R18).

    Staff see the items of clues they may read (their unit, their own); ``staff_id`` None is the
    operator's command line, which sees every unit. ``limit`` caps a page of the board.
    """
    today = local_today(rt.config)
    with rt.stores.case() as session:
        if staff_id is None:
            return _items(session, _board_query(today, wanted, limit=limit), today)
        staff = acting.perform(session, staff_id, READ.name)
        query = _board_query(today, wanted, own_work(staff), limit).where(visible_cases(staff))
        return _items(session, query, today)


def own_work(staff: Staff) -> ColumnElement[bool]:
    """Deadlines of the staff member's unit or their own clues, read through the tracks' indexes.

    A clue carries a deadline only once registered to a unit, so this loses nothing the board
    should show; ``visible_cases`` is still applied beside it and decides need-to-know (R20).
    """
    mine = ClueTrack.handler_id == staff.id
    return or_(ClueTrack.unit_id == staff.unit_id, mine) if staff.unit_id is not None else mine


def escalate_overdue(rt: Runtime, actor: str = "cli") -> list[BoardItem]:
    """Record an escalation to the unit head for every overdue item not yet escalated (R18)."""
    today = local_today(rt.config)
    created = []
    with rt.stores.case() as session:
        for item in _items(session, _board_query(today, BoardFilter(status="overdue")), today):
            if item.escalated:
                continue
            session.add(Escalation(report_id=item.report_id, kind=item.kind, due_on=item.due_on,
                                   unit_id=item.unit_id, handler_id=item.handler_id))
            session.flush()
            trail.record(session, actor, "deadline.escalated", item.report_id, kind=item.kind,
                         due_on=item.due_on.isoformat(), unit=item.unit_id, handler=item.handler_id)
            created.append(item)
    return created


def resolve_escalations(session: Session, report_id: str, kind: str | None = None) -> None:
    """The act an escalation was about is done (or the clue left the line): close it."""
    conditions = [Escalation.report_id == report_id, Escalation.resolved_at.is_(None)]
    if kind:
        conditions.append(Escalation.kind == kind)
    session.execute(update(Escalation).where(and_(*conditions)).values(resolved_at=utcnow()))


def open_escalations(rt: Runtime, staff_id: int) -> int:
    """How many escalations await this unit head (shown to them on sign-in)."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or staff.role != "unit_head" or staff.unit_id is None:
            return 0
        return session.scalar(
            select(func.count()).select_from(Escalation)
            .where(Escalation.unit_id == staff.unit_id, Escalation.resolved_at.is_(None))
        ) or 0
