"""What the confidentiality page of one clue shows: its marking, proposals, copies, destruction
requests and meetings, and which acts the signed-in staff member may do there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models.confidentiality.classification import ChangeView, Level, level_of, pending_changes
from models.confidentiality.copies import CopyView, list_copies
from models.confidentiality.destruction import DESTROYABLE, REQUESTERS, RequestView, destruction_requests
from models.confidentiality.meetings import MeetingInfo, meetings_of_clue
from models.confidentiality.need_to_know import can_handle_case, can_read_case, is_head_for
from models.confidentiality.tables import ExportRequest
from models.reporting.tables import Report
from models.staff.tables import Staff
from models.store.errors import NotAllowed, NotFound
from models.store.runtime import Runtime


@dataclass(frozen=True)
class ExportView:
    id: str
    copies: int
    reason: str
    status: str
    requester_id: int


@dataclass(frozen=True)
class Panel:
    report: Report
    level: Level
    handles: bool
    head: bool
    changes: list[ChangeView]
    exports: list[ExportView]
    copies: list[CopyView]
    destruction: list[RequestView]
    meetings: list[MeetingInfo]
    may_request_destruction: bool


def confidentiality_panel(rt: Runtime, staff_id: int, report_id: str) -> Panel:
    """The panel for a staff member who may read the clue (a borrower sees it but acts on nothing)."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        report = session.get(Report, report_id)
        if report is None or staff is None:
            raise NotFound
        if not can_read_case(session, staff, report):
            raise NotAllowed
        handles = can_handle_case(session, staff, report)
        head = is_head_for(session, staff, report)
        level = level_of(session, rt.config, report.id)
        exports = [ExportView(e.id, e.copies, e.reason, e.status, e.requester_id) for e in session.scalars(
            select(ExportRequest).where(ExportRequest.report_id == report.id).order_by(ExportRequest.requested_at))]
        copies = list_copies(session, ExportRequest.report_id == report.id) if handles else []
        meetings = meetings_of_clue(session, report.id)
    changes = pending_changes(rt, staff_id, report_id) if handles else []
    requests = [r for r in destruction_requests(rt, staff_id) if r.report_id == report_id] if handles else []
    return Panel(report, level, handles, head, changes, exports if handles else [], copies, requests, meetings,
                 handles and staff.role in REQUESTERS and report.state in DESTROYABLE
                 and not any(r.status in ("pending", "approved") for r in requests))
