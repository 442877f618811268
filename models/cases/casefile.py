"""What the case page shows of a clue's handling: state, acts allowed now, records, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from models.audit import trail
from models.cases.casework import load_case
from models.cases.deadlines import due_status, local_today
from models.cases.records import RecordView, read_records
from models.cases.survey import SurveyView, survey_of
from models.cases.tables import Assignment, ClueTrack
from models.cases.transfer import AuthorityInfo, TransferInfo, list_authorities, list_transfers
from models.cases.workflow import HANDLING_ROLES, allowed_acts
from models.confidentiality.need_to_know import READ
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.runtime import Runtime


@dataclass(frozen=True)
class AssignmentView:
    unit: str
    handler: str
    by: str
    at: datetime


@dataclass(frozen=True)
class CaseWorkflow:
    report_id: str
    state: str
    acts: list[str]
    track: ClueTrack | None
    due_status: str | None
    assignments: list[AssignmentView]
    records: list[RecordView]
    transfers: list[TransferInfo]
    survey: SurveyView | None
    authorities: list[AuthorityInfo]
    handlers: list[tuple[int, str, int, str]]  # (unit id, unit name, staff id, staff name)
    today: date


def case_workflow(rt: Runtime, staff_id: int, report_id: str) -> CaseWorkflow:
    """The handling of one clue as the staff member may see it; reading its records is audited."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, READ.name, report_id=report_id)
        report = load_case(session, staff, report_id, read_only=True, what="records")
        track = session.get(ClueTrack, report.id)
        names = {s.id: s.display_name for s in session.scalars(select(Staff))}
        units = {u.id: u.name for u in session.scalars(select(Unit))}
        assignments = [AssignmentView(units.get(a.unit_id, ""), names.get(a.handler_id, ""),
                                      names.get(a.assigned_by, ""), a.at)
                       for a in session.scalars(select(Assignment).where(Assignment.report_id == report.id)
                                                .order_by(Assignment.id))]
        handlers = sorted((s.unit_id, units.get(s.unit_id, ""), s.id, s.display_name)
                          for s in session.scalars(select(Staff).where(Staff.active.is_(True),
                                                                       Staff.role.in_(HANDLING_ROLES),
                                                                       Staff.unit_id.is_not(None)))
                          if s.unit_id is not None)
        today = local_today(rt.config)
        records = read_records(rt, session, report.id)
        trail.record(session, staff.username, "clue.records_viewed", report.id, records=len(records))
        view = CaseWorkflow(
            report_id=report.id, state=report.state, acts=allowed_acts(staff, report, track), track=track,
            due_status=due_status(track.due_on, today) if track and track.due_on else None,
            assignments=assignments, records=records, transfers=list_transfers(session, report.id),
            survey=survey_of(session, report.id), authorities=[], handlers=handlers, today=today,
        )
    authorities = list_authorities(rt) if {"transfer", "transfer_shielding"} & set(view.acts) else []
    return CaseWorkflow(**{**vars(view), "authorities": authorities})
