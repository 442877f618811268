"""Meeting records (R25): classified like their clues, read only with the office director's grant."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from models.confidentiality import classification as cls
from models.confidentiality import meetings
from models.confidentiality.tables import Meeting
from models.store.errors import InvalidInput, NotAllowed
from tests.confidentiality.conftest import Office

DECISION_CANARY = "会议决定金丝雀"


def _minutes(office: Office) -> tuple[str, str]:
    report_id = office.registered()
    change = cls.propose_classification(office.rt, office.clerk.id, report_id, "confidential", 15)
    cls.decide_classification(office.rt, office.head.id, change, approve=True)
    meeting = meetings.record_meeting(office.rt, office.clerk.id, "2026-03-31", "joint", "公安、检察、扫黑办",
                                      f"移送公安机关。{DECISION_CANARY}", [report_id], level="secret")
    return report_id, meeting


def test_minutes_are_unreadable_without_the_directors_grant(office: Office) -> None:
    with time_machine.travel("2026-04-01 09:00 +0800", tick=False) as clock:
        report_id, meeting = _minutes(office)
        with pytest.raises(meetings.NoMinutesGrant):
            meetings.read_minutes(office.rt, office.clerk.id, meeting)  # even the one who wrote them
        grant = meetings.request_minutes(office.rt, office.clerk.id, meeting, "准备移送材料", 2)
        with pytest.raises(NotAllowed):  # another unit's head is not the office director
            meetings.decide_minutes(office.rt, office.other_head.id, grant, approve=True)
        meetings.decide_minutes(office.rt, office.head.id, grant, approve=True)
        assert DECISION_CANARY in meetings.read_minutes(office.rt, office.clerk.id, meeting).decisions
        clock.shift(timedelta(days=2, seconds=1))
        with pytest.raises(meetings.NoMinutesGrant):
            meetings.read_minutes(office.rt, office.clerk.id, meeting)
        assert meetings.read_minutes(office.rt, office.head.id, meeting).attendees == "公安、检察、扫黑办"


def test_minutes_are_classified_at_least_like_their_clues_and_sealed(office: Office) -> None:
    report_id, meeting = _minutes(office)
    with office.rt.stores.case() as session:
        row = session.get(Meeting, meeting)
        assert row is not None and (row.level, row.years) == ("confidential", 20)
        assert DECISION_CANARY.encode() not in row.minutes
        listed = meetings.meetings_of_clue(session, report_id)
        assert [m.id for m in listed] == [meeting]
        assert session.scalars(select(Meeting)).all()


def test_only_the_intake_office_records_minutes(office: Office) -> None:
    report_id = office.registered()
    with pytest.raises(NotAllowed):
        meetings.record_meeting(office.rt, office.other.id, "2026-03-31", "joint", "x", "y", [report_id])
    with pytest.raises(InvalidInput):
        meetings.record_meeting(office.rt, office.clerk.id, "31/03/2026", "joint", "x", "y", [report_id])
    theirs = office.submit()
    from models.cases import workflow

    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    assert meetings.record_meeting(office.rt, office.clerk.id, "2026-03-31", "joint", "x", "y", [theirs])


def test_another_units_head_reads_no_minutes_without_a_grant(office: Office) -> None:
    """R25 (issue #22 item 5b): a unit head, but not of the intake office, is not the director."""
    from models.audit.tables import AuditEvent

    _report_id, meeting = _minutes(office)
    with pytest.raises(meetings.NoMinutesGrant):
        meetings.read_minutes(office.rt, office.other_head.id, meeting)
    with office.rt.stores.case() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert last is not None and (last.event, last.actor) == ("meeting.read_refused", "otherhead")
        assert session.query(AuditEvent).filter_by(event="meeting.read").count() == 0
    # With the director's grant he reads them; the director (not he) decides it.
    grant = meetings.request_minutes(office.rt, office.other_head.id, meeting, "研判关联线索", 1)
    with pytest.raises(NotAllowed):
        meetings.decide_minutes(office.rt, office.other_head.id, grant, approve=True)
    meetings.decide_minutes(office.rt, office.head.id, grant, approve=True)
    assert DECISION_CANARY in meetings.read_minutes(office.rt, office.other_head.id, meeting).decisions
