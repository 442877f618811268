"""Each act of the clue's life, allowed and refused by state, role and unit (R13–R15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit import trail
from models.audit.tables import AuditEvent
from models.cases import transfer, workflow
from models.cases.tables import Assignment, CaseRecord
from models.reporting.tables import Report
from models.store.errors import InvalidInput, NotAllowed, WrongState


def _events(office, report_id: str) -> list[str]:
    with office.rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent.event).where(AuditEvent.report_id == report_id)
                                    .order_by(AuditEvent.id)))


def test_the_whole_line_from_received_to_archived(office) -> None:
    rt = office.rt
    report_id = office.submit()
    assert office.state(report_id) == "received"
    assert workflow.register_clue(rt, office.clerk.id, report_id, office.unit_a, office.clerk.id) == "registered"
    assert workflow.start_check(rt, office.clerk.id, report_id) == "checking"
    workflow.add_check_note(rt, office.clerk.id, report_id, "走访村民三人。")
    assert workflow.conclude_check(rt, office.clerk.id, report_id, "涉黑，需移送。", gang_related=True,
                                   shielding_official=False, transfer=True) == "concluded"
    assert workflow.approve_conclusion(rt, office.head.id, report_id) == "concluded"
    assert transfer.transfer_clue(rt, office.clerk.id, report_id, office.authority, ["笔录"]) == "transferred"
    assert transfer.record_feedback(rt, office.clerk.id, report_id, "已立案侦查。") == "feedback_received"
    assert workflow.close_clue(rt, office.clerk.id, report_id) == "closed"
    assert workflow.archive_clue(rt, office.head.id, report_id) == "archived"
    events = _events(office, report_id)
    for event in ("clue.registered", "clue.check_started", "clue.check_note_added", "clue.concluded",
                  "clue.conclusion_approved", "clue.transferred", "clue.feedback_recorded", "clue.closed",
                  "clue.archived"):
        assert event in events
    track = office.track(report_id)
    assert track.registered_by == office.clerk.id and track.approved_by == office.head.id
    assert track.archived_at is not None
    with rt.stores.case() as session:
        assert trail.verify(session) == []


def test_a_clue_needing_no_transfer_closes_after_its_conclusion(office) -> None:
    report_id = office.concluded(gang=False, transfer=False)
    assert office.track(report_id).mandatory_kinds == []
    assert workflow.close_clue(office.rt, office.clerk.id, report_id) == "closed"


# (act, the state the clue is in, call) — every act refused outside the states it belongs to.
def _acts(office):
    rt, c = office.rt, office.clerk.id
    return {
        "register": lambda r: workflow.register_clue(rt, c, r, office.unit_a, c),
        "start_check": lambda r: workflow.start_check(rt, c, r),
        "add_check_note": lambda r: workflow.add_check_note(rt, c, r, "note"),
        "conclude": lambda r: workflow.conclude_check(rt, c, r, "x", gang_related=False, shielding_official=False,
                                                      transfer=False),
        "approve": lambda r: workflow.approve_conclusion(rt, office.head.id, r),
        "transfer": lambda r: transfer.transfer_clue(rt, c, r, office.authority, ["e"]),
        "record_feedback": lambda r: transfer.record_feedback(rt, c, r, "fb"),
        "close": lambda r: workflow.close_clue(rt, c, r),
        "archive": lambda r: workflow.archive_clue(rt, office.head.id, r),
        "not_accept": lambda r: workflow.not_accept_clue(rt, c, r, "no_facts"),
    }


def _clue_in(office, state: str) -> str:
    make = {
        "received": office.submit,
        "registered": office.registered,
        "checking": office.checking,
        "concluded": lambda: office.concluded(gang=True),
        "transferred": office.transferred,
    }
    if state in make:
        return make[state]()
    report_id = office.transferred()
    transfer.record_feedback(office.rt, office.clerk.id, report_id, "fb")
    if state in {"closed", "archived"}:
        workflow.close_clue(office.rt, office.clerk.id, report_id)
    if state == "archived":
        workflow.archive_clue(office.rt, office.head.id, report_id)
    return report_id


@pytest.mark.parametrize(("act", "state"), [
    ("register", "registered"), ("register", "closed"),
    ("start_check", "received"), ("start_check", "checking"),
    ("add_check_note", "registered"), ("add_check_note", "concluded"),
    ("conclude", "registered"), ("conclude", "transferred"),
    ("approve", "checking"),
    ("transfer", "checking"), ("transfer", "feedback_received"),
    ("record_feedback", "concluded"), ("record_feedback", "feedback_received"),
    ("close", "checking"), ("close", "transferred"), ("close", "archived"),
    ("archive", "feedback_received"), ("archive", "archived"),
    ("not_accept", "concluded"), ("not_accept", "closed"),
])
def test_acts_are_refused_in_the_wrong_state(office, act: str, state: str) -> None:
    report_id = _clue_in(office, state)
    with pytest.raises(WrongState):
        _acts(office)[act](report_id)
    assert office.state(report_id) == state
    assert "clue.act_refused" in _events(office, report_id)


@pytest.mark.parametrize(("who", "act", "state"), [
    ("officer", "register", "received"),
    ("auditor", "register", "received"),
    ("other", "start_check", "registered"),       # another unit's intake clerk
    ("officer", "add_check_note", "checking"),
    ("clerk", "approve", "concluded"),            # approving is for unit heads
    ("other_head", "approve", "concluded"),       # ... of the clue's own unit
    ("other", "transfer", "concluded"),
    ("officer", "record_feedback", "transferred"),
    ("clerk", "archive", "closed"),
    ("other_head", "archive", "closed"),
])
def test_acts_are_refused_to_the_wrong_role_or_unit(office, who: str, act: str, state: str) -> None:
    report_id = _clue_in(office, state if act != "approve" else "checking")
    if act == "approve":
        workflow.conclude_check(office.rt, office.clerk.id, report_id, "x", gang_related=True,
                                shielding_official=False, transfer=True)
    actor = getattr(office, who).id
    rt = office.rt
    calls = {
        "register": lambda: workflow.register_clue(rt, actor, report_id, office.unit_a, office.clerk.id),
        "start_check": lambda: workflow.start_check(rt, actor, report_id),
        "add_check_note": lambda: workflow.add_check_note(rt, actor, report_id, "x"),
        "approve": lambda: workflow.approve_conclusion(rt, actor, report_id),
        "transfer": lambda: transfer.transfer_clue(rt, actor, report_id, office.authority, ["e"]),
        "record_feedback": lambda: transfer.record_feedback(rt, actor, report_id, "x"),
        "archive": lambda: workflow.archive_clue(rt, actor, report_id),
    }
    before = office.state(report_id)
    with pytest.raises(NotAllowed):
        calls[act]()
    assert office.state(report_id) == before


def test_register_needs_a_handler_of_the_chosen_unit(office) -> None:
    report_id = office.submit()
    with pytest.raises(InvalidInput) as info:
        workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.other.id)
    assert "handler_id" in info.value.errors
    with pytest.raises(InvalidInput):
        workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.officer.id)
    assert office.state(report_id) == "received"


def test_reassignment_is_recorded_and_moves_need_to_know(office) -> None:
    report_id = office.checking()
    with pytest.raises(NotAllowed):
        workflow.reassign_clue(office.rt, office.clerk.id, report_id, office.unit_b, office.other.id)
    workflow.reassign_clue(office.rt, office.head.id, report_id, office.unit_b, office.other.id, "工作调整")
    with office.rt.stores.case() as session:
        report = session.get(Report, report_id)
        assert (report.unit_id, report.handler_id) == (office.unit_b, office.other.id)
        rows = session.scalars(select(Assignment).where(Assignment.report_id == report_id)
                               .order_by(Assignment.id)).all()
        assert [(a.unit_id, a.handler_id) for a in rows] == [(office.unit_a, office.clerk.id),
                                                           (office.unit_b, office.other.id)]
        assert rows[1].assigned_by == office.head.id
    assert "clue.reassigned" in _events(office, report_id)
    # The old unit's clerk can no longer act on it; the new one can.
    with pytest.raises(NotAllowed):
        workflow.add_check_note(office.rt, office.clerk.id, report_id, "x")
    workflow.add_check_note(office.rt, office.other.id, report_id, "接手")


def test_merge_and_not_accepted_are_side_exits(office) -> None:
    original, duplicate, refused = office.registered(), office.registered(), office.submit()
    assert workflow.merge_clue(office.rt, office.clerk.id, duplicate, original) == "merged"
    assert office.track(duplicate).merged_into == original
    with pytest.raises(InvalidInput):
        workflow.merge_clue(office.rt, office.clerk.id, original, original)
    with pytest.raises(InvalidInput):
        workflow.not_accept_clue(office.rt, office.clerk.id, refused, "made-up reason")
    with pytest.raises(InvalidInput):
        workflow.not_accept_clue(office.rt, office.clerk.id, refused, "other")  # "other" needs a note
    assert workflow.not_accept_clue(office.rt, office.clerk.id, refused, "other", "重复举报") == "not_accepted"
    assert office.track(refused).not_accepted_reason == "other"


def test_a_returned_conclusion_goes_back_to_checking(office) -> None:
    report_id = office.concluded(gang=True, approve=False)
    assert office.track(report_id).due_kind == "transfer"
    workflow.return_conclusion(office.rt, office.head.id, report_id, "证据不足，补充核查")
    assert office.state(report_id) == "checking"
    assert office.track(report_id).due_on is None


def test_check_notes_and_conclusions_are_never_plaintext_in_the_store(office) -> None:
    report_id = office.checking()
    workflow.add_check_note(office.rt, office.clerk.id, report_id, "CANARY-核查-笔记")
    with office.rt.stores.case() as session:
        bodies = session.scalars(select(CaseRecord.body).where(CaseRecord.report_id == report_id)).all()
    assert bodies and all(b"CANARY" not in b and "核查".encode() not in b for b in bodies)
