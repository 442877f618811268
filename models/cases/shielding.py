"""The 保护伞 part of a clue, transferred on its own to discipline inspection (R15, R16; #27 item 7).

A clue whose approved conclusion finds a public official shielding it (R15 kind 3) has two lines:
the gang goes to the police, the official to the discipline inspection and supervision commission
(纪委监委), each with its own feedback. The shielding part can go once the conclusion is approved
(and the police transfer, if one is called for, is made), also after the police's feedback is in,
without concluding again or closing the main line. The handler proposes it, saying which part goes
(sealed, like every handling text); a unit head other than the proposer approves it, and only then
does the package leave the office and its feedback clock start.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

import vault
from models.audit import trail
from models.cases.records import read_records, seal_record
from models.cases.tables import Authority, Transfer
from models.cases.transfer import (
    MAX_EVIDENCE_ITEMS,
    _clue_for_package,
    _evidence_files,
    _set_transfer_deadline,
    refresh_due,
)
from models.cases.workflow import Context, clean_note, run_act
from models.reporting.sealed import data_key_context, transfer_context
from models.reporting.tables import DataKey
from models.staff.tables import Unit
from models.store.db import utcnow
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.runtime import Runtime

# Only the discipline inspection and supervision organs receive the shielding part.
SHIELDING_AUTHORITY_KINDS = frozenset({"discipline"})


def propose_shielding_transfer(rt: Runtime, staff_id: int, report_id: str, authority_id: int, part: str,
                               evidence: list[str], attachment_ids: list[str] | None = None) -> str:
    """Propose sending the clue's 保护伞 part to discipline inspection; a unit head approves it."""
    part = clean_note(part, "part")
    items = [e for e in (clean_note(e, "evidence", required=False) for e in evidence) if e]
    if not items and not attachment_ids:
        raise InvalidInput({"evidence": N_("List the evidence handed over.")})
    if len(items) > MAX_EVIDENCE_ITEMS:
        raise InvalidInput({"evidence": N_("The evidence list is too long.")})

    def do(ctx: Context) -> None:
        session, report = ctx.session, ctx.report
        authority = session.get(Authority, authority_id)
        if authority is None or not authority.active or authority.kind not in SHIELDING_AUTHORITY_KINDS:
            raise InvalidInput({"authority_id": N_("Choose a discipline inspection and supervision authority.")})
        clue, redacted = _clue_for_package(rt, session, report)
        conclusions = [r for r in read_records(rt, session, report.id) if r.kind == "conclusion"]
        unit = session.get(Unit, report.unit_id) if report.unit_id else None
        package: dict[str, Any] = {
            "registry_no": report.registry_no, "category": report.category, "source": report.source,
            "unit": unit.name if unit else "", "authority": authority.name, "part": "shielding",
            "part_note": part, "clue": clue, "redacted": redacted,
            "conclusion": conclusions[-1].body.get("text", "") if conclusions else "",
            "evidence": items, "files": _evidence_files(rt, session, report, attachment_ids or []),
        }
        transfer_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
        data_key = vault.new_data_key(rt.intake_public, data_key_context(report.id, key_id))
        session.add(DataKey(id=key_id, report_id=report.id, sealed=data_key.sealed))
        session.add(Transfer(id=transfer_id, report_id=report.id, authority_id=authority.id, part="shielding",
                             transferred_by=ctx.staff.id, transferred_at=utcnow(), redacted=redacted,
                             data_key_id=key_id,
                             package=vault.encrypt_blob(data_key.key, json.dumps(package, ensure_ascii=False).encode(),
                                                        transfer_context(report.id, transfer_id))))
        ctx.track.shielding_transfer, ctx.track.shielding_proposed_by = "proposed", ctx.staff.id
        trail.record(session, ctx.staff.username, "clue.shielding_transfer_proposed", report.id,
                     transfer=transfer_id, authority=authority.id, evidence_items=len(items),
                     files=len(package["files"]))

    return run_act(rt, staff_id, report_id, "transfer_shielding", do)


def _pending(ctx: Context) -> Transfer:
    row = ctx.session.scalar(select(Transfer).where(Transfer.report_id == ctx.report.id, Transfer.part == "shielding",
                                                    Transfer.approved_at.is_(None)))
    if row is None:  # the track says "proposed" only while the row exists
        raise InvalidInput({"transfer_id": N_("There is no transfer of the shielding part to approve.")})
    return row


def decide_shielding_transfer(rt: Runtime, staff_id: int, report_id: str, approve: bool, note: str = "",
                              handling_deadline: date | None = None) -> str:
    """A unit head approves the partial transfer (the package leaves) or refuses it, saying why."""
    note = clean_note(note, "note", required=not approve)

    def do(ctx: Context) -> None:
        row, now = _pending(ctx), utcnow()
        if note:
            seal_record(rt, ctx.session, ctx.report.id, "shielding_decision", ctx.staff.id,
                        {"text": note, "approved": approve, "transfer": row.id})
        if not approve:
            ctx.session.delete(row)
            ctx.track.shielding_transfer = ctx.track.shielding_proposed_by = None
            trail.record(ctx.session, ctx.staff.username, "clue.shielding_transfer_refused", ctx.report.id,
                         transfer=row.id)
            return
        row.approved_by, row.approved_at, row.transferred_at = ctx.staff.id, now, now
        _set_transfer_deadline(row, handling_deadline)
        ctx.track.shielding_transfer = "transferred"
        if ctx.track.transferred_at is None:
            ctx.track.transferred_at = now
        ctx.session.flush()
        refresh_due(ctx.session, ctx.track)
        detail = {"transfer": row.id, "authority": row.authority_id, "part": "shielding"}
        if ctx.report.state == "transferred":
            trail.record(ctx.session, ctx.staff.username, "clue.transferred", ctx.report.id, **detail)
        else:
            ctx.move("transferred", "clue.transferred", **detail)

    return run_act(rt, staff_id, report_id, "approve_shielding", do)


__all__ = ["SHIELDING_AUTHORITY_KINDS", "decide_shielding_transfer", "propose_shielding_transfer"]
