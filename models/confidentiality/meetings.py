"""Meeting records (R25): minutes of the joint meetings (联席会议) that decide on key clues.

Minutes carry the date, kind, attendees, the clues discussed and the decisions. Attendees and
decisions are sealed under the meeting's own data key (sealed to the intake key). A meeting is
classified at least as high as the highest clue it discusses. It is listed with each of those
clues, but read only by the office director (a unit head of the intake office) or under a grant
the director approves, like a borrowing; every read is audited.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.confidentiality.borrowing import clean_days, clean_reason
from models.confidentiality.classification import LEVELS, MAX_YEARS, RANK, highest
from models.confidentiality.need_to_know import can_handle_case, in_intake_office
from models.confidentiality.tables import Meeting, MeetingClue, MeetingGrant
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

KINDS = {"joint": N_("Joint meeting (联席会议)"), "special": N_("Special meeting on one matter"),
         "other": N_("Other meeting")}
MAX_TEXT = 20_000


class NoMinutesGrant(NotAllowed):
    message = N_("Reading these minutes needs the office director's approval.")


def is_office_director(staff: Staff) -> bool:
    """The office director (扫黑办主任): a unit head of the intake office."""
    return staff.active and staff.role == "unit_head" and in_intake_office(staff)


def _in_intake_office(session: Session, staff: Staff, target: object) -> None:
    if not in_intake_office(staff):
        raise NotAllowed(N_("Minutes are recorded by the intake office."))


def _director_not_requester(session: Session, staff: Staff, target: object) -> None:
    if not is_office_director(staff) or cast(MeetingGrant, target).requester_id == staff.id:
        raise NotAllowed(N_("Only the office director may decide this."))


RECORD = acting.declare("meeting.record", CONTENT_ROLES, refused="meeting.refused", check=_in_intake_office,
                        event="meeting.recorded")
REQUEST = acting.declare("meeting.request", CONTENT_ROLES, refused="meeting.refused",
                         event="meeting.read_requested")
APPROVE = acting.declare("meeting.approve", {"unit_head"}, refused="meeting.refused", check=_director_not_requester)
REFUSE = acting.declare("meeting.refuse", {"unit_head"}, refused="meeting.refused", check=_director_not_requester)
# Reading minutes: the director, or a running grant (checked in ``read_minutes``, audited there).
READ = acting.declare("meeting.read", CONTENT_ROLES, refused="meeting.read_refused", event="meeting.read")
LIST = acting.declare("meeting.list", CONTENT_ROLES, refused="meeting.refused")


def _context(meeting_id: str) -> str:
    return f"meeting/{meeting_id}"


def record_meeting(rt: Runtime, staff_id: int, held_on: date | str, kind: str, attendees: str,
                   decisions: str, report_ids: list[str], level: str = "secret") -> str:
    """Record the minutes of a meeting on clues (of any unit); only the intake office's staff."""
    errors = {}
    on = held_on if isinstance(held_on, date) else None
    if isinstance(held_on, str):
        try:
            on = date.fromisoformat(held_on.strip())
        except ValueError:
            errors["held_on"] = N_("Give the date as YYYY-MM-DD.")
    if kind not in KINDS:
        errors["kind"] = N_("Choose a kind of meeting.")
    if level not in LEVELS:
        errors["level"] = N_("Choose a level.")
    attendees, decisions = (attendees or "").strip(), (decisions or "").strip()
    if not attendees:
        errors["attendees"] = N_("List the attendees.")
    if not decisions:
        errors["decisions"] = N_("Write down the decisions.")
    if len(attendees) > MAX_TEXT or len(decisions) > MAX_TEXT:
        errors["decisions"] = N_("The text is too long.")
    if not report_ids:
        errors["clues"] = N_("Name at least one clue discussed.")
    if errors or on is None:
        raise InvalidInput(errors or {"held_on": N_("Give the date as YYYY-MM-DD.")})
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, RECORD.name)
        found = [session.get(Report, rid) for rid in dict.fromkeys(report_ids)]
        reports = [r for r in found if r is not None and r.state != "destroyed"]
        if len(reports) != len(found):
            raise InvalidInput({"clues": N_("Unknown registry number.")})
        # The intake office (扫黑办) keeps the minutes of joint meetings on any unit's clues: linking a
        # registry number to a meeting reads nothing of the clue.
        top = highest(session, rt.config, [r.id for r in reports])
        if top is not None and top.rank > RANK[level]:
            level = top.level
        years = max(MAX_YEARS[level], top.years if top else 0)
        meeting_id = str(uuid.uuid4())
        key = vault.new_data_key(rt.intake_public, _context(meeting_id))
        body = json.dumps({"attendees": attendees, "decisions": decisions}, ensure_ascii=False).encode()
        session.add(Meeting(id=meeting_id, held_on=on, kind=kind, level=level, years=years,
                            sealed_key=key.sealed, minutes=vault.encrypt_blob(key.key, body, _context(meeting_id)),
                            recorded_by=staff.id))
        session.flush()
        for r in reports:
            session.add(MeetingClue(meeting_id=meeting_id, report_id=r.id))
        acting.done(session, staff, RECORD.name, meeting=meeting_id, clues=len(reports), level=level)
        return meeting_id


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    held_on: date
    kind: str
    level: str
    years: int
    registry_nos: list[str]


def _info(session: Session, m: Meeting) -> MeetingInfo:
    nos = list(session.scalars(select(Report.registry_no).join(MeetingClue, MeetingClue.report_id == Report.id)
                               .where(MeetingClue.meeting_id == m.id).order_by(Report.registry_no)))
    return MeetingInfo(m.id, m.held_on, m.kind, m.level, m.years, nos)


def meetings_of_clue(session: Session, report_id: str) -> list[MeetingInfo]:
    """The meetings that discussed a clue (listed with it; their minutes need a grant)."""
    return [_info(session, m) for m in session.scalars(
        select(Meeting).join(MeetingClue, MeetingClue.meeting_id == Meeting.id)
        .where(MeetingClue.report_id == report_id).order_by(Meeting.held_on.desc()))]


def list_meetings(rt: Runtime, staff_id: int) -> list[MeetingInfo]:
    """Meetings on clues this staff member handles (all of them for the office director)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        out = []
        for m in session.scalars(select(Meeting).order_by(Meeting.held_on.desc())):
            if not is_office_director(staff):
                ids = session.scalars(select(MeetingClue.report_id).where(MeetingClue.meeting_id == m.id))
                reports = [session.get(Report, i) for i in ids]
                if not any(r is not None and can_handle_case(session, staff, r) for r in reports):
                    continue
            out.append(_info(session, m))
        return out


def request_minutes(rt: Runtime, staff_id: int, meeting_id: str, reason: str, days: object) -> str:
    """Ask the office director for read access to a meeting's minutes; returns the grant's id."""
    reason, n_days = clean_reason(reason), clean_days(days)
    with rt.stores.case() as session:
        if session.get(Meeting, meeting_id) is None:
            raise NotFound
        staff = acting.perform(session, staff_id, REQUEST.name, meeting=meeting_id)
        row = MeetingGrant(id=str(uuid.uuid4()), meeting_id=meeting_id, requester_id=staff.id,
                           reason=reason, days=n_days)
        session.add(row)
        acting.done(session, staff, REQUEST.name, meeting=meeting_id, grant=row.id)
        return row.id


def decide_minutes(rt: Runtime, staff_id: int, grant_id: str, approve: bool) -> None:
    """The office director approves or refuses a request to read minutes (not their own)."""
    with rt.stores.case() as session:
        row = session.get(MeetingGrant, grant_id)
        if row is None:
            raise NotFound
        staff = acting.perform(session, staff_id, (APPROVE if approve else REFUSE).name, row, grant=grant_id)
        if row.status != "pending":
            raise WrongState(N_("This request has been decided already."))
        now = utcnow()
        row.status = "approved" if approve else "refused"
        row.decided_by, row.decided_at = staff.id, now
        if approve:
            row.ends_at = now + timedelta(days=row.days)
        trail.record(session, staff.username, f"meeting.read_{row.status}", None, meeting=row.meeting_id,
                     grant=row.id)


@dataclass(frozen=True)
class Minutes:
    info: MeetingInfo
    attendees: str
    decisions: str
    recorded_at: datetime


def read_minutes(rt: Runtime, staff_id: int, meeting_id: str) -> Minutes:
    """The minutes, for the office director or a holder of a running grant; the read is audited."""
    with rt.stores.case() as session:
        m = session.get(Meeting, meeting_id)
        if m is None:
            raise NotFound
        staff = acting.perform(session, staff_id, READ.name, meeting=m.id)
        grant = None
        if not is_office_director(staff):
            grant = session.scalar(select(MeetingGrant).where(
                MeetingGrant.meeting_id == m.id, MeetingGrant.requester_id == staff.id,
                MeetingGrant.status == "approved", MeetingGrant.ends_at > utcnow()).limit(1))
            if grant is None:
                raise acting.refuse(session, staff, READ.name, NoMinutesGrant(), meeting=m.id)
        key = vault.open_data_key(m.sealed_key, rt.require_private(), _context(m.id))
        body: dict[str, Any] = json.loads(vault.decrypt_blob(key, m.minutes, _context(m.id)))
        acting.done(session, staff, READ.name, meeting=m.id, grant=grant.id if grant else None)
        return Minutes(_info(session, m), body["attendees"], body["decisions"], m.recorded_at)


@dataclass(frozen=True)
class GrantView:
    id: str
    meeting_id: str
    requester: str
    reason: str
    days: int
    status: str
    ends_at: datetime | None


def minutes_requests(rt: Runtime, staff_id: int) -> list[GrantView]:
    """Pending requests (for the office director) and one's own requests."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        query = select(MeetingGrant, Staff.display_name).join(Staff, Staff.id == MeetingGrant.requester_id)
        if not is_office_director(staff):
            query = query.where(MeetingGrant.requester_id == staff.id)
        return [GrantView(g.id, g.meeting_id, name, g.reason, g.days, g.status, g.ends_at)
                for g, name in session.execute(query.order_by(MeetingGrant.requested_at.desc()))]


def is_director(rt: Runtime, staff_id: int) -> bool:
    """Whether this staff member is the office director (for showing the right forms)."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        return staff is not None and is_office_director(staff)
