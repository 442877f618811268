"""The auditor's acts (R23, R30): signing keys, checkpoints, verification, reading and exporting the trail.

Each act checks that the person is an active auditor who accepted the pledge within the year,
whether it comes from the auditor's pages or ``clueguard audit`` at the console. The trail shows
ids, event names and staff names only: never clue content or identity (R8).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, column, func, select, table
from sqlalchemy.orm import Session

from models.audit import checkpoint, mirror, receipt, trail
from models.audit.tables import AuditCheckpoint, AuditEvent, AuditorKey
from models.staff import accounts, acting
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed
from models.store.i18n import N_
from models.store.runtime import Runtime

AUDITOR_ROLE = "auditor"
PAGE_SIZE = 100


class AuditorOnly(NotAllowed):
    message = N_("Only an auditor who accepted the confidentiality undertaking within the year can do this.")


def _pledged(session: Session, staff: Staff, target: object) -> None:
    """The auditor's undertaking, accepted within the year (R30), whether at the pages or the console."""
    if not accounts.pledge_current(staff):
        raise acting.because(AuditorOnly(), "pledge")


# Reading (the trail, its export, its verification) and signing (a key, a checkpoint); each step
# is named in a refusal's ``step``.
READ = acting.declare("audit.read", {AUDITOR_ROLE}, refused="audit.refused", check=_pledged, denied=AuditorOnly)
SIGN = acting.declare("audit.sign", {AUDITOR_ROLE}, refused="audit.refused", check=_pledged, denied=AuditorOnly)


@dataclass(frozen=True)
class KeyInfo:
    username: str
    fingerprint: str
    created_at: datetime


def create_auditor_key(rt: Runtime, username: str, passphrase: str) -> KeyInfo:
    """Give the auditor a new signing key wrapped by their passphrase; returns its fingerprint to note."""
    if len(passphrase) < accounts.MIN_PASSWORD:
        raise InvalidInput({"passphrase": N_("The passphrase must have at least 10 characters.")})
    with rt.stores.case() as session:
        staff = acting.perform_by_name(session, username, SIGN.name, step="create_key")
        key = checkpoint.add_key(session, staff.username, passphrase, rt.config.argon2)
        return KeyInfo(key.username, key.fingerprint, key.created_at)


def my_key(rt: Runtime, username: str) -> KeyInfo | None:
    with rt.stores.case() as session:
        key = checkpoint.current_key(session, username)
        return None if key is None else KeyInfo(key.username, key.fingerprint, key.created_at)


@dataclass(frozen=True)
class CheckpointInfo:
    id: int
    at: datetime
    auditor: str
    fingerprint: str
    last_id: int
    last_hash: str


def _info(cp: AuditCheckpoint) -> CheckpointInfo:
    return CheckpointInfo(cp.id, cp.at, cp.auditor, cp.fingerprint, cp.last_id, cp.last_hash)


def checkpoint_trail(rt: Runtime, username: str, passphrase: str) -> CheckpointInfo:
    """Sign the chain's current head with the auditor's key (a wrong passphrase is audited)."""
    try:
        with rt.stores.case() as session:
            staff = acting.perform_by_name(session, username, SIGN.name, step="checkpoint")
            return _info(checkpoint.sign_head(session, staff.username, passphrase))
    except (checkpoint.WrongPassphrase, checkpoint.NoAuditorKey, checkpoint.ChainBroken,
            checkpoint.ClassicalKey) as err:
        with rt.stores.case() as session:
            trail.record(session, username, "audit.checkpoint_refused", None, reason=type(err).__name__)
        raise


def checkpoint_with_receipt(rt: Runtime, username: str, passphrase: str,
                            previous: receipt.Receipt | None) -> tuple[CheckpointInfo, receipt.Receipt]:
    """Hold the store against the auditor's last receipt, sign a checkpoint, and give the new receipt."""
    if previous is not None:
        with rt.stores.case() as session:
            acting.perform_by_name(session, username, SIGN.name, step="checkpoint")
            found = receipt.problems(session, previous)
            if found:
                trail.record_refusal(session, username, "audit.checkpoint_refused",
                                     reason="StoreDiffersFromReceipt")
                raise receipt.StoreDiffersFromReceipt(where=found[0])
    info = checkpoint_trail(rt, username, passphrase)
    with rt.stores.case() as session:
        cp = session.get(AuditCheckpoint, info.id)
        key = session.scalar(select(AuditorKey).where(AuditorKey.fingerprint == info.fingerprint))
        if cp is None or key is None:  # just committed: only a forger deleting at once gets here
            raise receipt.StoreDiffersFromReceipt(where=f"checkpoint {info.id} vanished")
        return info, receipt.write(session, cp, key, passphrase, utcnow().isoformat())


@dataclass(frozen=True)
class Verification:
    events: int
    problems: list[str]
    latest: CheckpointInfo | None
    checkpoints: int

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_everything(session: Session, trusted: Collection[str] = (),
                      kept: receipt.Receipt | None = None, copy: list[str] | None = None) -> Verification:
    """The chain end to end, then every checkpoint against it, then the store against the
    auditor's receipt and the SIEM copy (its lines) if given; problems as plain sentences."""
    problems = checkpoint.trail_problems(session, trusted)
    if kept is not None:
        problems += receipt.problems(session, kept, trusted)
    if copy is not None:
        problems += mirror.compare(session, copy)
    latest = checkpoint.latest_checkpoint(session)
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    n_cp = session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0
    return Verification(count, problems, _info(latest) if latest else None, n_cp)


def verify_trail(rt: Runtime, username: str, trusted: Collection[str] = ()) -> Verification:
    """The auditor's verify button: the result is itself an audited event."""
    with rt.stores.case() as session:
        staff = acting.perform_by_name(session, username, READ.name, step="verify")
        result = verify_everything(session, trusted)
        trail.record(session, staff.username, "audit.verified", None, intact=result.intact,
                     problems=len(result.problems))
        return result


@dataclass(frozen=True)
class TrailFilter:
    actor: str = ""
    report_id: str = ""
    event: str = ""
    since: datetime | None = None
    until: datetime | None = None
    refusals: bool = False  # only refused acts (every gate audits its refusals as "….refused", R23)
    registry_no: str = ""  # the clue as staff know it (2026-000009), rather than its internal id


@dataclass(frozen=True)
class TrailRow:
    id: int
    at: datetime
    actor: str
    event: str
    report_id: str | None
    detail: dict[str, object]
    hash: str
    registry_no: str | None = None
    # A flagged search names the clues it could not show (R31): their registry numbers, to follow.
    flagged: tuple[str, ...] = ()


# The case store's register, read by name: this domain sits below reporting (whose table it is),
# and the auditor needs only the number a clue is known by.
_REPORTS = table("reports", column("id"), column("registry_no"))


def _query(f: TrailFilter) -> Select[AuditEvent]:
    q = select(AuditEvent)
    if f.actor:
        q = q.where(AuditEvent.actor == f.actor)
    if f.report_id:
        q = q.where(AuditEvent.report_id == f.report_id)
    if f.registry_no:
        q = q.where(AuditEvent.report_id.in_(
            select(_REPORTS.c.id).where(_REPORTS.c.registry_no == f.registry_no).scalar_subquery()))
    if f.event:
        q = q.where(AuditEvent.event.startswith(f.event, autoescape=True))
    if f.since:
        q = q.where(AuditEvent.at >= f.since)
    if f.until:
        q = q.where(AuditEvent.at < f.until)
    if f.refusals:
        q = q.where(AuditEvent.event.endswith(trail.REFUSED, autoescape=True))
    return q


FLAGGED_SEARCH = "link.search_flagged"


def _flagged_ids(row: TrailRow) -> list[str]:
    return str(row.detail.get("clues", "")).split() if row.event == FLAGGED_SEARCH else []


def _registry_numbers(session: Session, ids: set[str]) -> dict[str, str]:
    """Registry numbers of these clues (internal ids), read in batches."""
    numbers: dict[str, str] = {}
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        found = session.execute(select(_REPORTS.c.id, _REPORTS.c.registry_no)
                                .where(_REPORTS.c.id.in_(listed[start:start + 500])))
        numbers.update({str(report_id): str(number) for report_id, number in found})
    return numbers


def _row(e: AuditEvent) -> TrailRow:
    return TrailRow(e.id, e.at, e.actor, e.event, e.report_id, dict(e.detail or {}), e.hash)


def read_trail(rt: Runtime, username: str, f: TrailFilter, before: int | None = None) -> list[TrailRow]:
    """One page of events, newest first, matching the filter; the reading is audited."""
    with rt.stores.case() as session:
        staff = acting.perform_by_name(session, username, READ.name, step="read")
        q = _query(f)
        if before:
            q = q.where(AuditEvent.id < before)
        rows = [_row(e) for e in session.scalars(q.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE))]
        numbers = _registry_numbers(session, {r.report_id for r in rows if r.report_id}
                                    | {c for r in rows for c in _flagged_ids(r)})
        rows = [replace(r, registry_no=numbers.get(r.report_id or ""),
                        flagged=tuple(numbers[c] for c in _flagged_ids(r) if c in numbers)) for r in rows]
        trail.record(session, staff.username, "audit.read", None, actor_filter=f.actor or None,
                     report_filter=f.report_id or f.registry_no or None, event_filter=f.event or None,
                     refusals_only=f.refusals or None)
        return rows


def export_trail(rt: Runtime, username: str, f: TrailFilter) -> Iterator[TrailRow]:
    """Every matching event, oldest first, for a CSV or JSON-lines export; the export is audited."""
    with rt.stores.case() as session:
        staff = acting.perform_by_name(session, username, READ.name, step="export")
        trail.record(session, staff.username, "audit.exported", None, actor_filter=f.actor or None,
                     report_filter=f.report_id or f.registry_no or None, event_filter=f.event or None,
                     refusals_only=f.refusals or None)
    last = 0
    while True:
        with rt.stores.case() as session:
            batch = [_row(e) for e in session.scalars(
                _query(f).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(2000))]
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def auditor_keys(rt: Runtime) -> list[KeyInfo]:
    with rt.stores.case() as session:
        return [KeyInfo(k.username, k.fingerprint, k.created_at)
                for k in session.scalars(select(AuditorKey).order_by(AuditorKey.id))]
