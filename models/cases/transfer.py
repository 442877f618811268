"""Transfer to the competent authority (R16) and its feedback (R17).

A transfer hands a package to an authority from the managed list: the clue (redacted where a
redaction exists, never with identity: the identity is in the vault store and is never read
here, R8/R12), the conclusion and the evidence list. The package is kept encrypted in the
transfer register. The authority's handling deadline starts the 5-day feedback clock.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.cases.casework import load_case
from models.cases.deadlines import feedback_due, local_date, resolve_escalations
from models.cases.records import read_records, seal_record
from models.cases.redaction import apply_redactions, marks_of
from models.cases.tables import Authority, Transfer
from models.cases.workflow import Context, clean_note, run_act
from models.confidentiality.need_to_know import READ
from models.reporting.files import Upload, check_uploads
from models.reporting.sealed import data_key_context, file_context, report_context, transfer_context, unpack_file
from models.reporting.tables import Attachment, DataKey, Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

AUTHORITY_KINDS = {
    "police": N_("Public security organ"),
    "procuratorate": N_("Procuratorate"),
    "court": N_("Court"),
    "discipline": N_("Discipline inspection and supervision"),
    "administrative": N_("Administrative enforcement body"),
    "other": N_("Other authority"),
}
AUTHORITY_MANAGERS = frozenset({"unit_head", "admin"})
ADD_AUTHORITY = acting.declare("authority.add", AUTHORITY_MANAGERS, refused="authority.refused",
                               event="authority.added")
RETIRE_AUTHORITY = acting.declare("authority.retire", AUTHORITY_MANAGERS, refused="authority.refused",
                                  event="authority.retired")
MAX_EVIDENCE_ITEMS = 100
LIST_AUTHORITIES = acting.declare("authority.list", {"intake", "unit_head", "admin"}, refused="authority.refused")
PACKAGE = acting.declare("transfer.package", {"intake", "unit_head"}, refused="report.access_refused",
                         event="transfer.package_viewed")


@dataclass(frozen=True)
class AuthorityInfo:
    id: int
    name: str
    kind: str
    active: bool


def add_authority(rt: Runtime, staff_id: int, name: str, kind: str) -> int:
    """Add a receiving authority to the managed list (unit heads and administrators)."""
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = N_("Give the authority's name (at most 200 characters).")
    if kind not in AUTHORITY_KINDS:
        errors["kind"] = N_("Choose the kind of authority.")
    if errors:
        raise InvalidInput(errors)
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, ADD_AUTHORITY.name)
        if session.scalar(select(Authority.id).where(Authority.name == name)) is not None:
            raise InvalidInput({"name": N_("This authority is already on the list.")})
        row = Authority(name=name, kind=kind, active=True)
        session.add(row)
        session.flush()
        acting.done(session, staff, ADD_AUTHORITY.name, authority=row.id)
        return row.id


def retire_authority(rt: Runtime, staff_id: int, authority_id: int) -> None:
    """Take an authority off the list for new transfers (past transfers keep pointing to it)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, RETIRE_AUTHORITY.name)
        row = session.get(Authority, authority_id)
        if row is None:
            raise NotFound
        row.active = False
        acting.done(session, staff, RETIRE_AUTHORITY.name, authority=row.id)


def list_authorities(rt: Runtime, active_only: bool = True) -> list[AuthorityInfo]:
    with rt.stores.case() as session:
        query = select(Authority).order_by(Authority.kind, Authority.name)
        if active_only:
            query = query.where(Authority.active.is_(True))
        return [AuthorityInfo(a.id, a.name, a.kind, a.active) for a in session.scalars(query)]


def _clue_for_package(rt: Runtime, session: Session, report: Report) -> tuple[dict[str, Any], bool]:
    """The clue as a transfer package carries it (R12): the redacted rendering, never identity.

    Returns the rendering and whether any passage was marked. Identity fields never reach it:
    they live sealed in the vault store, and the rendering keeps only the clue's own fields.
    """
    sealed = session.get(DataKey, report.data_key_id)
    if sealed is None:
        raise NotFound
    key = vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report.id, sealed.id))
    clue = json.loads(vault.decrypt_blob(key, report.content, report_context(report.id)))
    marks = marks_of(session, report.id)
    return apply_redactions(clue, marks), bool(marks)


def _evidence_files(rt: Runtime, session: Session, report: Report, attachment_ids: list[str]) -> list[dict[str, Any]]:
    files = []
    for att_id in attachment_ids:
        att = session.get(Attachment, att_id)
        if att is None or att.report_id != report.id:
            raise InvalidInput({"attachments": N_("Choose files of this clue.")})
        sealed = session.get(DataKey, att.data_key_id)
        if sealed is None:
            raise NotFound
        key = vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report.id, sealed.id))
        name, mime, data = unpack_file(vault.decrypt_blob(key, att.blob, file_context(report.id, att.id)))
        files.append({"id": att.id, "filename": name, "type": mime, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    return files


def transfer_clue(rt: Runtime, staff_id: int, report_id: str, authority_id: int, evidence: list[str],
                  attachment_ids: list[str] | None = None, handling_deadline: date | None = None) -> str:
    """Transfer a concluded clue to the competent authority with its evidence list, and register it (R16)."""
    items = [clean_note(e, "evidence", required=False) for e in evidence]
    items = [e for e in items if e]
    if not items and not attachment_ids:
        raise InvalidInput({"evidence": N_("List the evidence handed over.")})
    if len(items) > MAX_EVIDENCE_ITEMS:
        raise InvalidInput({"evidence": N_("The evidence list is too long.")})

    def do(ctx: Context) -> None:
        session, report, track = ctx.session, ctx.report, ctx.track
        authority = session.get(Authority, authority_id)
        if authority is None or not authority.active:
            raise InvalidInput({"authority_id": N_("Choose an authority from the list.")})
        if any(t.authority_id == authority.id for t in _open_transfers(session, report.id)):
            raise InvalidInput({"authority_id": N_("The clue is already with this authority, awaiting its feedback.")})
        clue, redacted = _clue_for_package(rt, session, report)
        conclusions = [r for r in read_records(rt, session, report.id) if r.kind == "conclusion"]
        now = utcnow()
        unit = session.get(Unit, report.unit_id) if report.unit_id else None
        approver = session.get(Staff, track.approved_by) if track.approved_by else None
        files = _evidence_files(rt, session, report, attachment_ids or [])
        package: dict[str, Any] = {
            "registry_no": report.registry_no, "category": report.category, "source": report.source,
            "unit": unit.name if unit else "", "authority": authority.name,
            "transferred_on": local_date(rt.config, now).isoformat(), "clue": clue, "redacted": redacted,
            "conclusion": conclusions[-1].body.get("text", "") if conclusions else "",
            "evidence": items, "files": files,
            "approved_by": (approver.display_name or approver.username) if approver else "",
            "approved_on": local_date(rt.config, track.approved_at).isoformat() if track.approved_at else "",
        }
        transfer_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
        data_key = vault.new_data_key(rt.intake_public, data_key_context(report.id, key_id))
        session.add(DataKey(id=key_id, report_id=report.id, sealed=data_key.sealed))
        session.add(Transfer(id=transfer_id, report_id=report.id, authority_id=authority.id,
                             transferred_by=ctx.staff.id, transferred_at=now, due_on=track.transfer_due,
                             redacted=redacted, data_key_id=key_id,
                             package=vault.encrypt_blob(data_key.key,
                                                        json.dumps(package, ensure_ascii=False).encode(),
                                                        transfer_context(report.id, transfer_id))))
        on_time = track.transfer_due is None or local_date(rt.config, now) <= track.transfer_due
        if track.transferred_at is None:
            track.transferred_at = now
        row = session.get(Transfer, transfer_id)
        if row is None:  # added just above in this session: only a broken session gets here
            raise NotFound
        _set_transfer_deadline(row, handling_deadline)
        session.flush()
        refresh_due(session, track)
        resolve_escalations(session, report.id, "transfer")
        ctx.move("transferred", "clue.transferred", transfer=transfer_id, authority=authority.id,
                 on_time=on_time, evidence_items=len(items), files=len(files))

    return run_act(rt, staff_id, report_id, "transfer", do)


def _set_transfer_deadline(row: Transfer, deadline: date | None) -> None:
    row.handling_deadline = deadline
    row.feedback_due = feedback_due(deadline) if deadline else None


def _open_transfers(session: Session, report_id: str) -> list[Transfer]:
    """The transfers that left the office and await feedback (a partial one once it is approved)."""
    return list(session.scalars(select(Transfer).where(Transfer.report_id == report_id, Transfer.feedback_at.is_(None),
                                                       or_(Transfer.part == "whole", Transfer.approved_at.is_not(None)))
                                .order_by(Transfer.transferred_at, Transfer.id)))


def refresh_due(session: Session, track: Any) -> None:
    """The clue's one running deadline: its transfer until transferred, then the earliest feedback.

    The clue-level pair (``due_kind``, ``due_on``) is what the deadline board reads through one
    index; each transfer keeps its own dates, and this keeps the pair at the earliest open one.
    """
    if track.transferred_at is None:
        track.due_kind, track.due_on = ("transfer", track.transfer_due) if track.transfer_due else (None, None)
        return
    dues = [(t.feedback_due, t.id, t) for t in _open_transfers(session, track.report_id) if t.feedback_due]
    first = min(dues)[2] if dues else None
    track.handling_deadline = first.handling_deadline if first else None
    track.feedback_due = first.feedback_due if first else None
    track.due_kind, track.due_on = ("feedback", first.feedback_due) if first else (None, None)


def _pick_transfer(session: Session, report_id: str, transfer_id: str | None, field: str) -> Transfer:
    """The open transfer an act is about: the one named, or the only open one."""
    open_rows = _open_transfers(session, report_id)
    if transfer_id:
        chosen = [t for t in open_rows if t.id == transfer_id]
        if not chosen:
            raise InvalidInput({field: N_("Choose a transfer of this clue that awaits feedback.")})
        return chosen[0]
    if len(open_rows) != 1:
        raise InvalidInput({field: N_("Choose a transfer of this clue that awaits feedback.")})
    return open_rows[0]


def set_handling_deadline(rt: Runtime, staff_id: int, report_id: str, deadline: date,
                          transfer_id: str | None = None) -> str:
    """Record an authority's handling deadline for one transfer; feedback is due 5 days after it (R17)."""
    def do(ctx: Context) -> None:
        row = _pick_transfer(ctx.session, ctx.report.id, transfer_id, "transfer_id")
        if deadline < local_date(rt.config, row.transferred_at):
            raise InvalidInput({"deadline": N_("The handling deadline cannot be before the transfer.")})
        _set_transfer_deadline(row, deadline)
        ctx.session.flush()
        refresh_due(ctx.session, ctx.track)
        resolve_escalations(ctx.session, ctx.report.id, "feedback")
        trail.record(ctx.session, ctx.staff.username, "clue.handling_deadline_set", ctx.report.id,
                     transfer=row.id, deadline=deadline.isoformat())

    return run_act(rt, staff_id, report_id, "set_handling_deadline", do)


def record_feedback(rt: Runtime, staff_id: int, report_id: str, text: str,
                    uploads: list[Upload] | None = None, transfer_id: str | None = None) -> str:
    """Record one receiving authority's feedback and its files (R17); the clue moves on when all are in."""
    files = check_uploads(uploads or [], rt.config)
    text = clean_note(text, required=not files)

    def do(ctx: Context) -> None:
        now = utcnow()
        row = _pick_transfer(ctx.session, ctx.report.id, transfer_id, "transfer_id")
        due = row.feedback_due
        row.feedback_at = now
        ctx.session.flush()
        record = seal_record(rt, ctx.session, ctx.report.id, "feedback", ctx.staff.id,
                             {"text": text, "transfer": row.id}, files)
        refresh_due(ctx.session, ctx.track)
        on_time = due is None or local_date(rt.config, now) <= due
        if _open_transfers(ctx.session, ctx.report.id):
            trail.record(ctx.session, ctx.staff.username, "clue.feedback_recorded", ctx.report.id,
                         record=record.id, transfer=row.id, files=len(files), on_time=on_time)
            return
        ctx.track.feedback_at = now
        resolve_escalations(ctx.session, ctx.report.id, "feedback")
        ctx.move("feedback_received", "clue.feedback_recorded", record=record.id, transfer=row.id,
                 files=len(files), on_time=on_time)

    return run_act(rt, staff_id, report_id, "record_feedback", do)


@dataclass(frozen=True)
class TransferInfo:
    id: str
    authority: str
    at: Any
    due_on: date | None
    redacted: bool
    handling_deadline: date | None = None
    feedback_due: date | None = None
    feedback_at: Any = None
    part: str = "whole"
    awaiting_approval: bool = False


def list_transfers(session: Session, report_id: str) -> list[TransferInfo]:
    rows = session.execute(select(Transfer, Authority.name).join(Authority, Authority.id == Transfer.authority_id)
                           .where(Transfer.report_id == report_id)
                           .order_by(Transfer.transferred_at, Transfer.id)).all()
    return [TransferInfo(t.id, name, t.transferred_at, t.due_on, t.redacted, t.handling_deadline, t.feedback_due,
                         t.feedback_at, t.part or "whole", t.part != "whole" and t.approved_at is None)
            for t, name in rows]


def transfer_package(rt: Runtime, staff_id: int, transfer_id: str) -> dict[str, Any]:
    """The package of one transfer, for printing or handing over; reading it is audited."""
    with rt.stores.case() as session:
        transfer = session.get(Transfer, transfer_id)
        if transfer is None:
            raise NotFound
        staff = acting.perform(session, staff_id, READ.name, report_id=transfer.report_id)
        report = load_case(session, staff, transfer.report_id)
        sealed = session.get(DataKey, transfer.data_key_id)
        if sealed is None:
            raise NotFound
        key = vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report.id, sealed.id))
        package: dict[str, Any] = json.loads(vault.decrypt_blob(key, transfer.package,
                                                                transfer_context(report.id, transfer.id)))
        trail.record(session, staff.username, "transfer.package_viewed", report.id, transfer=transfer.id)
        return package


__all__ = ["AUTHORITY_KINDS", "add_authority", "list_authorities", "list_transfers", "record_feedback",
           "retire_authority", "set_handling_deadline", "transfer_clue", "transfer_package"]
