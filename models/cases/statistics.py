"""Statistics for unit heads (R27): counts by category, state, source, unit and month, time to
transfer, and the follow-up survey's answers. Aggregates only: no content, no identity."""

from __future__ import annotations

import statistics as pystats
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models.audit import trail
from models.cases.deadlines import local_date
from models.cases.tables import ClueTrack, Survey
from models.reporting.tables import Message, Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.config import Config
from models.store.runtime import Runtime

STATISTICS_ROLES = frozenset({"unit_head"})
VIEW = acting.declare("statistics.view", STATISTICS_ROLES, refused="statistics.refused")


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


@dataclass(frozen=True)
class StatsFilter:
    """Clues received from ``since`` to ``until`` (calendar days in the site's zone), of one unit."""

    since: date | None = None
    until: date | None = None
    unit_id: int | None = None

    def conditions(self, config: Config) -> list[ColumnElement[bool]]:
        zone = ZoneInfo(config.timezone)
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(Report.created_at >= datetime.combine(self.since, time.min, zone))
        if self.until is not None:
            found.append(Report.created_at < datetime.combine(self.until + timedelta(days=1), time.min, zone))
        if self.unit_id is not None:
            found.append(Report.unit_id == self.unit_id)
        return found


def _grouped(session: Session, column: InstrumentedAttribute[str],
             where: list[ColumnElement[bool]]) -> list[tuple[str, int]]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)
                           .order_by(func.count().desc())).all()
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


def clue_statistics(rt: Runtime, staff_id: int, wanted: StatsFilter | None = None,
                    event: str = "statistics.viewed") -> ClueStatistics:
    """The figures of every unit (or of one, over some days), for unit heads only; audited."""
    wanted = wanted or StatsFilter()
    where = wanted.conditions(rt.config)
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, VIEW.name)
        total = session.scalar(select(func.count()).select_from(Report).where(*where)) or 0
        units = session.execute(
            select(Unit.name, func.count()).select_from(Report).outerjoin(Unit, Unit.id == Report.unit_id)
            .where(*where).group_by(Unit.name).order_by(func.count().desc())).all()
        # Months in the configured zone: bucketed here, the same on SQLite and PostgreSQL.
        months = Counter(local_date(rt.config, at).strftime("%Y-%m")
                         for at in session.scalars(select(Report.created_at).where(*where)))
        spans = sorted(_days(a, b) for a, b in session.execute(
            select(ClueTrack.registered_at, ClueTrack.transferred_at).join(Report, Report.id == ClueTrack.report_id)
            .where(ClueTrack.registered_at.is_not(None), ClueTrack.transferred_at.is_not(None), *where)).all())
        replied = exists().where(Message.report_id == Survey.report_id, Message.direction == "reporter",
                                 Message.created_at > Survey.asked_at)
        surveys = select(func.count()).select_from(Survey).join(Report, Report.id == Survey.report_id).where(*where)
        sent = session.scalar(surveys) or 0
        answered = session.scalar(surveys.where(Survey.satisfaction.is_not(None) | replied)) or 0
        satisfaction = dict(session.execute(select(Survey.satisfaction, func.count())
                                            .join(Report, Report.id == Survey.report_id)
                                            .where(Survey.satisfaction.is_not(None), *where)
                                            .group_by(Survey.satisfaction)).all())
        trail.record(session, staff.username, event, None, since=wanted.since.isoformat() if wanted.since else None,
                     until=wanted.until.isoformat() if wanted.until else None, unit=wanted.unit_id)
        return ClueStatistics(
            total=total,
            by_category=_grouped(session, Report.category, where),
            by_state=_grouped(session, Report.state, where),
            by_source=_grouped(session, Report.source, where),
            by_unit=[(name or "", int(n)) for name, n in units],
            by_month=sorted(months.items()),
            transfers=len(spans),
            median_days_to_transfer=pystats.median(spans) if spans else None,
            p90_days_to_transfer=percentile(spans, 90),
            surveys_sent=sent,
            surveys_answered=answered,
            satisfaction={str(k): int(v) for k, v in satisfaction.items()},
        )


__all__ = ["ClueStatistics", "Staff", "StatsFilter", "clue_statistics", "percentile"]
