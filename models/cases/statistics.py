"""Statistics for unit heads (R27): counts by category, state, source, unit and month, time to
transfer, and the follow-up survey's answers. Aggregates only: no content, no identity."""

from __future__ import annotations

import statistics as pystats
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models.audit import trail
from models.cases.deadlines import local_date
from models.cases.tables import ClueTrack, Survey
from models.cases.workflow import acting_staff
from models.reporting.tables import Message, Report
from models.staff.tables import Staff, Unit
from models.store.errors import NotAllowed
from models.store.runtime import Runtime

STATISTICS_ROLES = frozenset({"unit_head"})


@dataclass(frozen=True)
class ClueStatistics:
    total: int
    by_category: list[tuple[str, int]]
    by_state: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    by_unit: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    transfers: int
    median_days_to_transfer: float | None
    p90_days_to_transfer: float | None
    surveys_sent: int
    surveys_answered: int
    satisfaction: dict[str, int] = field(default_factory=dict)


def _grouped(session: Session, column: InstrumentedAttribute[str]) -> list[tuple[str, int]]:
    rows = session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc())).all()
    return [(str(key) if key is not None else "", int(n)) for key, n in rows]


def _days(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return (end - start).total_seconds() / 86400


def percentile(values: list[float], pct: int) -> float | None:
    """The ``pct``th percentile (inclusive method; exact for one value)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return pystats.quantiles(values, n=100, method="inclusive")[pct - 1]


def clue_statistics(rt: Runtime, staff_id: int) -> ClueStatistics:
    """The figures of every unit, for unit heads only; viewing them is audited."""
    with rt.stores.case() as session:
        staff = acting_staff(session, staff_id)
        if staff.role not in STATISTICS_ROLES:
            raise NotAllowed
        total = session.scalar(select(func.count()).select_from(Report)) or 0
        units = session.execute(
            select(Unit.name, func.count()).select_from(Report).outerjoin(Unit, Unit.id == Report.unit_id)
            .group_by(Unit.name).order_by(func.count().desc())).all()
        # Months in the configured zone: bucketed here, the same on SQLite and PostgreSQL.
        months = Counter(local_date(rt.config, at).strftime("%Y-%m")
                         for at in session.scalars(select(Report.created_at)))
        spans = sorted(_days(a, b) for a, b in session.execute(
            select(ClueTrack.registered_at, ClueTrack.transferred_at)
            .where(ClueTrack.registered_at.is_not(None), ClueTrack.transferred_at.is_not(None))).all())
        replied = exists().where(Message.report_id == Survey.report_id, Message.direction == "reporter",
                                 Message.created_at > Survey.asked_at)
        sent = session.scalar(select(func.count()).select_from(Survey)) or 0
        answered = session.scalar(select(func.count()).select_from(Survey)
                                  .where(Survey.satisfaction.is_not(None) | replied)) or 0
        satisfaction = dict(session.execute(select(Survey.satisfaction, func.count())
                                            .where(Survey.satisfaction.is_not(None))
                                            .group_by(Survey.satisfaction)).all())
        trail.record(session, staff.username, "statistics.viewed", None)
        return ClueStatistics(
            total=total,
            by_category=_grouped(session, Report.category),
            by_state=_grouped(session, Report.state),
            by_source=_grouped(session, Report.source),
            by_unit=[(name or "", int(n)) for name, n in units],
            by_month=sorted(months.items()),
            transfers=len(spans),
            median_days_to_transfer=pystats.median(spans) if spans else None,
            p90_days_to_transfer=percentile(spans, 90),
            surveys_sent=sent,
            surveys_answered=answered,
            satisfaction={str(k): int(v) for k, v in satisfaction.items()},
        )


__all__ = ["ClueStatistics", "Staff", "clue_statistics", "percentile"]
