"""The figures a monitoring system reads (/metrics), computed from the stores when it asks.

Counts, ages and lengths only: never content, never an address, never a name. Computed at
scrape time from the database rather than counted in each server process, so every gunicorn
worker (and every host) gives the same answer and a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit.tables import AuditCheckpoint, AuditHead
from models.cases.deadlines import local_today
from models.cases.tables import ClueTrack
from models.reporting.tables import Message, Report
from models.store.db import utcnow
from models.store.runtime import Runtime
from models.sync.health import sync_health


@dataclass
class Figures:
    """What /metrics reports beyond the requests themselves."""

    reports_by_channel: dict[str, int] = field(default_factory=dict)
    follow_ups: int = 0
    deadlines_open: int = 0
    deadlines_overdue: int = 0
    audit_events: int = 0
    checkpoint_age_seconds: float | None = None
    # Split deployment only (None on a single site).
    sync_lag_seconds: float | None = None
    sync_oldest_unacked_seconds: float | None = None
    sync_waiting_here: int | None = None
    sync_waiting_on_peer: int | None = None


def _case_figures(rt: Runtime, session: Session, figures: Figures) -> None:
    rows = session.execute(select(Report.channel, func.count()).group_by(Report.channel)).all()
    figures.reports_by_channel = {channel: int(n) for channel, n in rows}
    figures.follow_ups = session.scalar(select(func.count()).select_from(Message)
                                        .where(Message.direction == "reporter")) or 0
    today = local_today(rt.config)
    open_tracks = select(func.count()).select_from(ClueTrack).where(ClueTrack.due_on.is_not(None))
    figures.deadlines_open = session.scalar(open_tracks) or 0
    figures.deadlines_overdue = session.scalar(open_tracks.where(ClueTrack.due_on < today)) or 0
    figures.audit_events = session.scalar(select(func.max(AuditHead.last_id))) or 0
    last = session.scalar(select(func.max(AuditCheckpoint.at)))
    if last is not None:
        last = last if last.tzinfo is not None else last.replace(tzinfo=UTC)  # SQLite: naive UTC
        figures.checkpoint_age_seconds = (utcnow() - last).total_seconds()


def site_figures(rt: Runtime) -> Figures:
    """Every figure of this node, read now."""
    figures = Figures()
    with rt.stores.case() as session:
        _case_figures(rt, session, figures)
    if rt.config.role in ("intake", "internal"):
        _verdict, sync = sync_health(rt)
        figures.sync_lag_seconds = sync.lag_seconds
        figures.sync_oldest_unacked_seconds = sync.oldest_unacked_seconds
        figures.sync_waiting_here = int(sync.waiting_here["items"]) + int(sync.waiting_here["unacked_batches"])
        if sync.waiting_on_peer is not None:
            figures.sync_waiting_on_peer = (int(sync.waiting_on_peer["items"])
                                            + int(sync.waiting_on_peer["unacked_batches"]))
    return figures
