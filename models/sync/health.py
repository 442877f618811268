"""How a node of a split deployment stands, for ``sync status --json``, monitors and /metrics.

Figures only (times, ages, counts); nothing about any clue. Each node records when it last
synced successfully; the intake node's answers also say what waits there (items not yet in a
batch, batches not yet acknowledged, the oldest one's age), so the internal node can show what
waits on the other side. A monitor reads the verdict from the exit code: 0 ok, 1 warning,
2 critical (``Thresholds``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.confidentiality.offices import intake_office_names
from models.reporting.tables import Message, Report
from models.store.db import utcnow
from models.store.runtime import Runtime
from models.store.tables import SiteSetting
from models.sync.packets import DOWN, UP
from models.sync.streams import stream_row
from models.sync.tables import SyncBatch, SyncItem

LAST_SUCCESS = "sync.last_success"
PEER_WAITING = "sync.peer_waiting"
OK, WARNING, CRITICAL = 0, 1, 2
VERDICTS = {OK: "ok", WARNING: "warning", CRITICAL: "critical"}


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _age(at: datetime | None, now: datetime) -> float | None:
    at = _aware(at)
    return None if at is None else max(0.0, (now - at).total_seconds())


def _setting(session: Session, name: str) -> bytes | None:
    return session.scalar(select(SiteSetting.value).where(SiteSetting.name == name))


def _put(session: Session, name: str, value: bytes) -> None:
    row = session.get(SiteSetting, name)
    if row is None:
        session.add(SiteSetting(name=name, value=value))
    else:
        row.value = value


def record_success(rt: Runtime, peer_waiting: dict[str, Any] | None = None) -> None:
    """A sync finished (internal node), or a request was answered (intake node)."""
    with rt.stores.case() as session:
        _put(session, LAST_SUCCESS, utcnow().isoformat().encode())
        if peer_waiting is not None:
            _put(session, PEER_WAITING, json.dumps(peer_waiting, sort_keys=True).encode())


def waiting_here(session: Session, sending: str) -> dict[str, Any]:
    """What this node holds for its peer: items in no batch yet, batches not acknowledged."""
    row = stream_row(session, sending)
    unacked = select(SyncBatch).where(SyncBatch.stream == sending, SyncBatch.seq > row.acked_seq)
    oldest_batch = _aware(session.scalar(select(func.min(unacked.subquery().c.created_at))))
    items, oldest_item = 0, None
    if sending == UP:  # submissions and follow-ups not yet formed into a batch
        sent_reports = select(SyncItem.ref_id).where(SyncItem.stream == UP, SyncItem.kind == "submission")
        sent_messages = select(SyncItem.ref_id).where(SyncItem.stream == UP, SyncItem.kind == "follow_up")
        reports = session.execute(select(func.count(), func.min(Report.created_at))
                                  .where(Report.id.not_in(sent_reports))).one()
        messages = session.execute(select(func.count(), func.min(Message.created_at))
                                   .where(Message.direction == "reporter", Message.id.not_in(sent_messages))).one()
        items = int(reports[0] or 0) + int(messages[0] or 0)
        oldest_item = min(filter(None, (_aware(reports[1]), _aware(messages[1]))), default=None)
    return {"items": items, "oldest_item": oldest_item.isoformat() if oldest_item else None,
            "unacked_batches": session.scalar(select(func.count()).select_from(unacked.subquery())) or 0,
            "oldest_unacked": oldest_batch.isoformat() if oldest_batch else None}


@dataclass(frozen=True)
class Thresholds:
    """Seconds after which a monitor warns and calls it critical."""

    warn_lag: float = 300
    crit_lag: float = 1800
    warn_unacked: float = 600
    crit_unacked: float = 3600


@dataclass
class SyncHealth:
    role: str
    last_success: str | None
    lag_seconds: float | None
    oldest_unacked_seconds: float | None
    waiting_here: dict[str, Any]
    waiting_on_peer: dict[str, Any] | None
    streams: dict[str, dict[str, int]]
    intake_office: list[str] | None = None
    status: str = "ok"
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def _oldest(waiting: dict[str, Any] | None, now: datetime) -> float | None:
    if not waiting:
        return None
    ages = [_age(datetime.fromisoformat(waiting[k]), now) for k in ("oldest_unacked", "oldest_item") if waiting.get(k)]
    return max((a for a in ages if a is not None), default=None)


def sync_health(rt: Runtime, limits: Thresholds | None = None) -> tuple[int, SyncHealth]:
    """The verdict (OK, WARNING, CRITICAL) and the figures behind it."""
    limits = limits or Thresholds()
    now = utcnow()
    sending = UP if rt.config.role == "intake" else DOWN
    with rt.stores.case() as session:
        raw = _setting(session, LAST_SUCCESS)
        peer = _setting(session, PEER_WAITING)
        here = waiting_here(session, sending)
        streams = {}
        for name in (UP, DOWN):
            row = stream_row(session, name)
            streams[name] = {"sent": row.sent_seq, "acknowledged": row.acked_seq, "applied": row.applied_seq}
    last = datetime.fromisoformat(raw.decode()) if raw else None
    on_peer = json.loads(peer) if peer else None
    own_unacked = _oldest({"oldest_unacked": here["oldest_unacked"]}, now)
    oldest = max((a for a in (own_unacked, _oldest(on_peer, now)) if a is not None), default=None)
    health = SyncHealth(role=rt.config.role, last_success=last.isoformat() if last else None,
                        lag_seconds=_age(last, now), oldest_unacked_seconds=oldest, waiting_here=here,
                        waiting_on_peer=on_peer, streams=streams)
    verdict = OK
    if health.lag_seconds is None:
        verdict = CRITICAL
        health.problems.append("never synced")
    elif health.lag_seconds >= limits.warn_lag:
        verdict = CRITICAL if health.lag_seconds >= limits.crit_lag else WARNING
        health.problems.append(f"last sync {int(health.lag_seconds)} s ago")
    if oldest is not None and oldest >= limits.warn_unacked:
        verdict = max(verdict, CRITICAL if oldest >= limits.crit_unacked else WARNING)
        health.problems.append(f"something waits for {int(oldest)} s")
    if rt.config.role != "intake":
        health.intake_office = intake_office_names(rt)
        if not health.intake_office:
            verdict = max(verdict, WARNING)
            health.problems.append("no intake office: staff see none of the pulled clues")
    health.status = VERDICTS[verdict]
    return verdict, health
