"""What a unit head decides about an escalated deadline (R18): 通报, 约谈 or 问责.

An overdue item is escalated to the unit head of the clue's unit (``deadlines.escalate_overdue``);
here that head records a decision on it: a notice (通报), a talk with the handler (约谈) or
accountability (问责), with a note sealed like every record of the handling. Decisions are listed
per unit and handler, so a pattern of lateness shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.audit import trail
from models.cases.records import seal_record
from models.cases.tables import Escalation, EscalationDecision
from models.cases.workflow import clean_note
from models.reporting.tables import Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.errors import InvalidInput, NotAllowed, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

DECISIONS = {
    "notice": N_("Notice (通报)"),
    "talk": N_("Admonition talk (约谈)"),
    "accountability": N_("Accountability (问责)"),
}




def _head_of_its_unit(session: Session, staff: Staff, target: object) -> None:
    escalation = cast(Escalation, target)
    if staff.unit_id is None or staff.unit_id != escalation.unit_id:
        raise NotAllowed(N_("Only a unit head of the clue's unit may do this."))


DECIDE = acting.declare("escalation.decide", {"unit_head"}, refused="escalation.decision_refused",
                        check=_head_of_its_unit, event="escalation.decided")
LIST = acting.declare("escalation.list", {"intake", "unit_head"}, refused="escalation.refused")


@dataclass(frozen=True)
class DecisionView:
    id: int
    report_id: str
    registry_no: str
    kind: str
    decision: str
    unit_name: str
    handler_name: str
    decided_by: str
    decided_at: datetime


def record_escalation_decision(rt: Runtime, staff_id: int, escalation_id: int, decision: str,
                               note: str) -> int:
    """A unit head of the clue's unit records 通报, 约谈 or 问责 on an escalated item (R18)."""
    if decision not in DECISIONS:
        raise InvalidInput({"decision": N_("Choose a decision.")})
    note = clean_note(note, "note")
    with rt.stores.case() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound
        staff = acting.perform(session, staff_id, DECIDE.name, escalation, report_id=escalation.report_id,
                               escalation=escalation.id)
        record = seal_record(rt, session, escalation.report_id, "escalation_decision", staff.id,
                             {"text": note, "decision": decision, "escalation": escalation.id})
        row = EscalationDecision(escalation_id=escalation.id, report_id=escalation.report_id, decision=decision,
                                 unit_id=escalation.unit_id, handler_id=escalation.handler_id,
                                 record_id=record.id, decided_by=staff.id)
        session.add(row)
        session.flush()
        trail.record(session, staff.username, "escalation.decided", escalation.report_id, escalation=escalation.id,
                     decision=decision, handler=escalation.handler_id)
        return row.id


def list_decisions(rt: Runtime, staff_id: int, limit: int = 200) -> list[DecisionView]:
    """Decisions on escalated items of this staff member's unit, newest first (unit heads and intake)."""
    handler, head = aliased(Staff), aliased(Staff)
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        if staff.unit_id is None:
            return []
        rows = session.execute(
            select(EscalationDecision, Escalation.kind, Report.registry_no, Unit.name, handler.display_name,
                   head.display_name)
            .join(Escalation, Escalation.id == EscalationDecision.escalation_id)
            .join(Report, Report.id == EscalationDecision.report_id)
            .outerjoin(Unit, Unit.id == EscalationDecision.unit_id)
            .outerjoin(handler, handler.id == EscalationDecision.handler_id)
            .join(head, head.id == EscalationDecision.decided_by)
            .where(EscalationDecision.unit_id == staff.unit_id)
            .order_by(EscalationDecision.decided_at.desc(), EscalationDecision.id.desc()).limit(limit)
        ).all()
        return [DecisionView(d.id, d.report_id, no, kind, d.decision, unit or "", hname or "", by or "",
                             d.decided_at) for d, kind, no, unit, hname, by in rows]
