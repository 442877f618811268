"""Destruction (R22) by crypto-shredding, and the destruction register (登记造册).

A request names a reason; a unit head of the clue's unit approves it (never the requester); then
an executor carries it out before a witness (another staff account). Execution deletes every
data key of the clue, so nothing sealed under them (the clue, files, messages, records, transfer
packages, protection notes) can be opened again even with the intake private key, deletes those
rows as well, deletes the sealed identity and its shares from the vault store, and compacts the
storage so that a copy of the files taken afterwards holds no trace of the keys. The register
keeps registry number, category, dates, names and reason: never content.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Engine, Table, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models.audit import trail
from models.confidentiality.classification import level_of
from models.confidentiality.need_to_know import Destroyed, can_handle_case, handles, is_head_for, second_person
from models.confidentiality.tables import DestructionEntry, DestructionRequest
from models.identities.sealing import delete_identity
from models.identities.tables import IdentityShare, SealedIdentityRow
from models.reporting.notifications import ReplySubscription
from models.reporting.tables import DataKey, Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import CaseBase, Stores, VaultBase, utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

REASONS = {
    "retention_expired": N_("The retention period has run out"),
    "not_accepted": N_("Not accepted; nothing to keep"),
    "duplicate": N_("A duplicate of another clue"),
    "superior_order": N_("Ordered by a superior authority"),
    "other": N_("Other reason (see note)"),
}
# A clue is destroyed only once its handling is over.
DESTROYABLE = frozenset({"archived", "not_accepted", "merged"})
REQUESTERS = frozenset({"intake", "unit_head"})
log = logging.getLogger(__name__)


class SelfApprovedDestruction(NotAllowed):
    message = N_("A destruction must be approved by someone other than its requester.")


def _approved_and_handled(session: Session, staff: Staff, target: object) -> None:
    row, report = cast(tuple[DestructionRequest, Report], target)
    if row.status != "approved":
        raise acting.because(NotAllowed(N_("A unit head must approve the destruction first.")), "not_approved")
    handles(session, staff, report)


REQUEST = acting.declare("destruction.request", REQUESTERS, refused="destruction.refused", check=handles,
                         event="destruction.requested")
APPROVE = acting.declare("destruction.approve", {"unit_head"}, refused="destruction.refused",
                         check=second_person(SelfApprovedDestruction))
REFUSE = acting.declare("destruction.refuse", {"unit_head"}, refused="destruction.refused",
                        check=second_person(SelfApprovedDestruction))
EXECUTE = acting.declare("destruction.execute", REQUESTERS, refused="destruction.refused",
                         check=_approved_and_handled, event="destruction.executed")
LIST = acting.declare("destruction.list", CONTENT_ROLES, refused="destruction.refused")
# The register keeps public facts only: unit heads and the auditor read it (R22, R23).
REGISTER = acting.declare("destruction.register", {"unit_head", "auditor"}, refused="destruction.refused")


def request_destruction(rt: Runtime, staff_id: int, report_id: str, reason: str, note: str = "") -> str:
    """Ask to destroy a clue whose handling is over; returns the request id."""
    note = (note or "").strip()
    if reason not in REASONS:
        raise InvalidInput({"reason": N_("Choose a reason.")})
    if len(note) > 200:
        raise InvalidInput({"note": N_("The note is too long.")})
    if reason == "other" and not note:
        raise InvalidInput({"note": N_("Say why in the note.")})
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound
        if report.state == "destroyed":
            raise Destroyed
        staff = acting.perform(session, staff_id, REQUEST.name, report, report_id=report.id)
        if report.state not in DESTROYABLE:
            raise WrongState(N_("Only an archived, refused or merged clue can be destroyed."))
        row = DestructionRequest(id=str(uuid.uuid4()), report_id=report.id, requester_id=staff.id,
                                 reason=reason, note=note)
        session.add(row)
        acting.done(session, staff, REQUEST.name, report.id, request=row.id, reason=reason)
        return row.id


def _load(session: Session, request_id: str) -> tuple[DestructionRequest, Report]:
    row = session.get(DestructionRequest, request_id)
    report = (session.scalar(select(Report).where(Report.id == row.report_id).with_for_update(of=Report))
              if row else None)
    if row is None or report is None:
        raise NotFound
    return row, report


def approve_destruction(rt: Runtime, staff_id: int, request_id: str, approve: bool = True) -> None:
    """Approve (or refuse) a destruction: a unit head of the clue's unit, not the requester."""
    with rt.stores.case() as session:
        row, report = _load(session, request_id)
        staff = acting.perform(session, staff_id, (APPROVE if approve else REFUSE).name,
                               (report, row.requester_id), report_id=report.id)
        if row.status != "pending":
            raise WrongState(N_("This request has been decided already."))
        row.status = "approved" if approve else "refused"
        row.decided_by, row.decided_at = staff.id, utcnow()
        trail.record(session, staff.username, f"destruction.{row.status}", report.id, request=row.id)


def _sealed_tables() -> list[str]:
    """Case-store tables whose rows are sealed under one of a report's data keys."""
    return [t.name for t in CaseBase.metadata.sorted_tables
            if "report_id" in t.c and "data_key_id" in t.c]


def _derived_tables() -> list[Table]:
    """Case-store tables derived from a clue's content (flagged ``derived_from_content``), such as
    the blind index's tokens: found by their flag, since the tables that own them sit above us."""
    return [t for t in CaseBase.metadata.sorted_tables
            if "report_id" in t.c and t.info.get("derived_from_content")]


def execute_destruction(rt: Runtime, staff_id: int, request_id: str, witness: str) -> int:
    """Carry out an approved destruction before a witness; returns the register entry's id."""
    witness = (witness or "").strip()
    if not witness:
        raise InvalidInput({"witness": N_("Name the witness (their user name).")})
    with rt.stores.case() as session:
        row, report = _load(session, request_id)
        if row.status == "executed" or report.state == "destroyed":
            raise Destroyed
        staff = acting.perform(session, staff_id, EXECUTE.name, (row, report), report_id=report.id)
        seen = session.scalar(select(Staff).where(Staff.username == witness))
        if seen is None or not seen.active or seen.id == staff.id:
            raise InvalidInput({"witness": N_("The witness must be another active staff account.")})
        if report.state not in DESTROYABLE:
            raise WrongState(N_("Only an archived, refused or merged clue can be destroyed."))
        names = {s.id: s.display_name for s in session.scalars(
            select(Staff).where(Staff.id.in_({row.requester_id, row.decided_by or 0})))}
        level = level_of(session, rt.config, report.id)
        identity_id = report.identity_id
        # Rows sealed under the clue's data keys go first (files, messages, records, ...), then the
        # keys themselves: without them nothing left anywhere can be opened (crypto-shredding).
        for table in _sealed_tables():
            session.execute(delete(CaseBase.metadata.tables[table])
                            .where(CaseBase.metadata.tables[table].c.report_id == report.id))
        # Rows derived from the content (the blind index of models/linking) go with it.
        for derived in _derived_tables():
            session.execute(delete(derived).where(derived.c.report_id == report.id))
        # The bot's sealed address of the reporter opens with the bot's key, not a data key.
        session.execute(delete(ReplySubscription).where(ReplySubscription.report_id == report.id))
        keys = len(session.scalars(select(DataKey.id).where(DataKey.report_id == report.id)).all())
        session.execute(delete(DataKey).where(DataKey.report_id == report.id))
        report.content, report.receipt_lookup, report.reporter_public_key = b"", None, None
        report.identity_id = None
        before = report.state
        report.state = "destroyed"
        entry = DestructionEntry(
            registry_no=report.registry_no, category=report.category, level=level.level,
            received_on=report.created_at.date(), requested_on=row.requested_at.date(),
            approved_on=(row.decided_at or utcnow()).date(), requester=names.get(row.requester_id, ""),
            approver=names.get(row.decided_by or 0, ""), executor=staff.display_name,
            witness=seen.display_name, reason=row.reason, note=row.note, keys_deleted=keys)
        session.add(entry)
        row.status = "executed"
        session.flush()
        acting.done(session, staff, EXECUTE.name, report.id, request=row.id,
                     entry=entry.id, from_state=before, to_state="destroyed", witness=seen.username,
                     keys=keys)
        entry_id = entry.id
    # The identity after the case store: a crash in between leaves an orphan nobody points to,
    # which ``clueguard doctor --fix`` removes.
    if identity_id:
        delete_identity(rt.stores, identity_id)
    _drop_resealed_shares(rt.stores, report.id)
    compact(rt.stores)
    return entry_id


def _drop_resealed_shares(stores: Stores, report_id: str) -> None:
    """Shares once re-sealed to an officer for an unsealing of this clue open nothing any more (the
    identity is gone), but they go too. Found by table name: the unseal tables sit above us."""
    requests = VaultBase.metadata.tables.get("unseal_requests")
    resealed = VaultBase.metadata.tables.get("resealed_shares")
    if requests is None or resealed is None:
        return
    with stores.vault() as session:
        ids = select(requests.c.id).where(requests.c.report_id == report_id)
        session.execute(delete(resealed).where(resealed.c.request_id.in_(ids)))


def compact(stores: Stores) -> None:
    """Leave no deleted key bytes in the files: SQLite overwrites freed pages (secure_delete) and
    the WAL is checkpointed and truncated; PostgreSQL rewrites the key tables (VACUUM FULL)."""
    for engine, tables in ((stores.case_engine, [DataKey.__tablename__]),
                           (stores.vault_engine, [SealedIdentityRow.__tablename__,
                                                  IdentityShare.__tablename__])):
        try:
            _compact(engine, tables)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            # The destruction itself is committed; a role that does not own the tables cannot
            # VACUUM FULL them. Say so (no content here) so the operator runs it (docs/confidentiality.md).
            log.warning("compacting after a destruction failed on %s: %s", engine.dialect.name,
                        type(exc).__name__)


def _compact(engine: Engine, tables: list[str]) -> None:
    if engine.dialect.name == "sqlite":
        # Outside any transaction (the engine's "begin" hook would open one): a raw connection.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for name in tables:
            conn.execute(text(f"VACUUM FULL {name}"))


@dataclass(frozen=True)
class RequestView:
    id: str
    report_id: str
    registry_no: str
    state: str
    reason: str
    note: str
    status: str
    requester: str
    requested_on: date
    can_approve: bool
    can_execute: bool


def destruction_requests(rt: Runtime, staff_id: int) -> list[RequestView]:
    """Open destruction requests of the clues this staff member handles."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        out = []
        for row, report, requester in session.execute(
                select(DestructionRequest, Report, Staff.display_name)
                .join(Report, Report.id == DestructionRequest.report_id)
                .join(Staff, Staff.id == DestructionRequest.requester_id)
                .where(DestructionRequest.status.in_(("pending", "approved")))
                .order_by(DestructionRequest.requested_at)):
            if not can_handle_case(session, staff, report):
                continue
            head = is_head_for(session, staff, report) and row.requester_id != staff.id
            out.append(RequestView(row.id, report.id, report.registry_no, report.state, row.reason, row.note,
                                   row.status, requester, row.requested_at.date(),
                                   head and row.status == "pending",
                                   row.status == "approved" and staff.role in REQUESTERS))
        return out


def register_entries(session: Session) -> list[DestructionEntry]:
    """The destruction register, newest first."""
    return list(session.scalars(select(DestructionEntry).order_by(DestructionEntry.destroyed_at.desc())))


def destruction_register(rt: Runtime) -> list[DestructionEntry]:
    """The destruction register, newest first (public facts only, R22)."""
    with rt.stores.case() as session:
        return register_entries(session)


def register_entry(rt: Runtime, registry_no: str) -> DestructionEntry | None:
    with rt.stores.case() as session:
        return session.scalar(select(DestructionEntry).where(DestructionEntry.registry_no == registry_no))
