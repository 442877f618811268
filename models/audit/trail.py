"""The append-only, hash-chained audit log (R23).

Each event's hash covers the previous hash and a canonical JSON of the event, so editing,
deleting or reordering any row breaks the chain. Appends lock the single ``audit_head`` row,
which serialises writers across processes on PostgreSQL and SQLite alike.
Events carry ids and event names only: never clue content or identity (R8).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models.audit import mirror, writers
from models.audit.tables import AuditEvent, AuditHead
from models.store.db import utcnow

GENESIS = "0" * 64
# Every refused act is audited under an event whose name ends so ("borrow.refused",
# "clue.act_refused" …): the auditor's pages filter refusals by it.
REFUSED = "refused"


def _digest(prev_hash: str, event_id: int, at: datetime, actor: str, event: str,
            report_id: str | None, detail: Mapping[str, object], writer: str | None = None) -> str:
    fields: list[object] = [event_id, at.isoformat(timespec="microseconds"), actor, event, report_id, detail]
    if writer is not None:  # rows older than the writer column were hashed without it
        fields.append(writer)
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _normalise(at: datetime) -> datetime:
    """SQLite hands datetimes back naive (UTC), PostgreSQL aware: hash naive UTC in both cases."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def record(session: Session, actor: str, event: str, report_id: str | None = None,
           **detail: object) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the act)."""
    # The role this session writes as: the database fills the row's ``writer`` with it, and the
    # hash covers it (models/audit/writers.py). Read in the same round trip as the head's lock.
    postgres = session.get_bind().dialect.name == "postgresql"
    whoami = func.current_user() if postgres else literal(writers.EMBEDDED)
    found = session.execute(
        select(AuditHead, whoami).where(AuditHead.id == 1).with_for_update()
    ).one_or_none()
    if found is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
        writer = str(session.scalar(select(whoami)))
    else:
        head, writer = found[0], str(found[1])
    at = utcnow()
    event_id = head.last_id + 1
    # Only plain values: what is hashed must be exactly what the JSON column gives back.
    clean = {k: v if isinstance(v, str | int | float | bool) else str(v)
             for k, v in detail.items() if v is not None}
    digest = _digest(head.last_hash, event_id, _normalise(at), actor, event, report_id, clean, writer)
    row = AuditEvent(id=event_id, at=at, actor=actor, event=event, report_id=report_id,
                     detail=clean, prev_hash=head.last_hash, hash=digest)
    if not postgres:
        row.writer = writer  # SQLite has no roles: the column has no default to fill it
    session.add(row)
    head.last_id, head.last_hash = event_id, digest
    session.flush()
    if postgres:
        # Known without reading it back (the internet-facing roles may not SELECT audit rows).
        set_committed_value(row, "writer", writer)
    mirror.note(session, mirror.event_record(row, writer))  # sent only if the transaction commits
    return row


def record_refusal(session: Session, actor: str, event: str, report_id: str | None = None,
                   **detail: object) -> None:
    """Audit a refused act and commit at once (R23).

    The caller raises next, and the rollback that follows an exception would otherwise take the
    audit event with it: a refusal would leave no trace.
    """
    record(session, actor, event, report_id, **detail)
    session.commit()


@dataclass(frozen=True)
class AuditProblem:
    event_id: int
    reason: str


def verify(session: Session, batch: int = 5000) -> list[AuditProblem]:
    """Walk the whole chain; an empty list means it is intact end to end."""
    problems: list[AuditProblem] = []
    prev_hash, expected_id = GENESIS, 1
    for row in _iter_events(session, batch):
        if row.id != expected_id:
            problems.append(AuditProblem(expected_id, "missing event"))
        if row.prev_hash != prev_hash:
            problems.append(AuditProblem(row.id, "chain broken"))
        digest = _digest(row.prev_hash, row.id, _normalise(row.at), row.actor, row.event,
                         row.report_id, dict(row.detail or {}), row.writer)
        if digest != row.hash:
            problems.append(AuditProblem(row.id, "event altered"))
        prev_hash, expected_id = row.hash, row.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != prev_hash):
        problems.append(AuditProblem(head.last_id, "events removed from the end"))
    return problems


def _iter_events(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
