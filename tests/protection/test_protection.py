"""Protection (R11) and redaction (R12) workflow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.cases import redaction
from models.cases.tables import RedactionMark
from models.protection import measures
from models.protection.tables import ProtectionCase, ProtectionMeasure
from models.reporting.intake import submit_report
from models.store.errors import InvalidInput, NotAllowed
from tests.conftest import submission
from tests.protection.conftest import CANARY


def test_risk_and_measures_are_kept_encrypted_and_shown_to_officers(staff_rt, make_staff, officer, clue) -> None:
    measures.set_risk(staff_rt, officer.id, clue.report_id, "high", "对方扬言报复")
    measures.record_measure(staff_rt, officer.id, clue.report_id, "联系属地派出所", date(2026, 11, 1))
    head = make_staff("head", "unit_head")
    view = measures.protection_view(staff_rt, head.id, clue.report_id)
    assert (view.level, view.reasons) == ("high", "对方扬言报复")
    assert [(m.what, m.taken_on, m.recorded_by) for m in view.measures] == [
        ("联系属地派出所", date(2026, 11, 1), "officer")]
    with staff_rt.stores.case() as session:
        stored = session.get(ProtectionCase, clue.report_id).reasons + b"".join(
            m.what for m in session.scalars(select(ProtectionMeasure)))
        events = [(e.event, e.detail) for e in session.scalars(select(AuditEvent))]
    assert "报复".encode() not in stored and "派出所".encode() not in stored
    assert ("protection.risk_set", {"level": "high"}) in events
    assert "报复" not in repr(events)


@pytest.mark.parametrize(("role", "act"), [
    ("intake", "set_risk"), ("custodian", "set_risk"), ("unit_head", "record_measure"), ("auditor", "view"),
])
def test_protection_acts_refuse_other_roles(staff_rt, make_staff, clue, role, act) -> None:
    someone = make_staff("someone", role)
    calls = {
        "set_risk": lambda: measures.set_risk(staff_rt, someone.id, clue.report_id, "low", "x"),
        "record_measure": lambda: measures.record_measure(staff_rt, someone.id, clue.report_id, "x"),
        "view": lambda: measures.protection_view(staff_rt, someone.id, clue.report_id),
    }
    with pytest.raises(NotAllowed):
        calls[act]()
    with staff_rt.stores.case() as session:
        refusals = [(e.actor, e.report_id, e.detail.get("act")) for e in session.scalars(select(AuditEvent))
                    if e.event == "protection.refused"]
    assert refusals == [("someone", clue.report_id, {"view": "protection_view"}.get(act, act))]


def test_redaction_refuses_roles_that_may_not_mark_and_audits_it(staff_rt, make_staff, clue) -> None:
    from models.cases import redaction

    keeper = make_staff("keeper", "custodian")
    with pytest.raises(NotAllowed):
        redaction.mark_redaction(staff_rt, keeper.id, clue.report_id, "description", phrase="村")
    with staff_rt.stores.case() as session:
        events = [(e.event, e.actor, e.report_id) for e in session.scalars(select(AuditEvent))]
    assert ("redaction.refused", "keeper", clue.report_id) in events


@pytest.mark.parametrize(("level", "reasons", "field"), [("severe", "x", "level"), ("high", " ", "reasons")])
def test_risk_needs_a_known_level_and_reasons(staff_rt, officer, clue, level, reasons, field) -> None:
    with pytest.raises(InvalidInput) as info:
        measures.set_risk(staff_rt, officer.id, clue.report_id, level, reasons)
    assert field in info.value.errors


def test_a_measure_cannot_be_dated_in_the_future(staff_rt, officer, clue) -> None:
    with pytest.raises(InvalidInput):
        measures.record_measure(staff_rt, officer.id, clue.report_id, "x", date.today() + timedelta(days=2))


def test_board_sorts_by_risk_then_age_and_inbox_flags(staff_rt, public_rt, officer, clue) -> None:
    with time_machine.travel("2026-11-01 08:00 +0000", tick=False) as traveller:
        older = submit_report(public_rt, submission()).report_id
        newer = submit_report(public_rt, submission()).report_id
        measures.set_risk(staff_rt, officer.id, older, "high", "a")
        traveller.shift(3600)
        measures.set_risk(staff_rt, officer.id, newer, "high", "b")
        measures.set_risk(staff_rt, officer.id, clue.report_id, "imminent", "c")
        low = submit_report(public_rt, submission()).report_id
        measures.set_risk(staff_rt, officer.id, low, "low", "d")
    board = measures.protection_board(staff_rt, officer.id)
    assert [r.report_id for r in board] == [clue.report_id, older, newer, low]
    levels = measures.risk_levels(staff_rt, [older, low, "unknown"])
    assert levels == {older: "high", low: "low"}
    with staff_rt.stores.case() as session:
        assert measures.risk_levels(session, [clue.report_id]) == {clue.report_id: "imminent"}


def test_redaction_marks_ranges_and_renders_without_identity(staff_rt, make_staff, public_rt, custodians) -> None:
    receipt = submit_report(public_rt, submission(identity={"name": CANARY}))
    clerk = make_staff("clerk", "intake")
    rid = receipt.report_id
    ids = redaction.mark_redaction(staff_rt, clerk.id, rid, "description", phrase="殴打村民")
    assert len(ids) == 1
    redaction.mark_redaction(staff_rt, clerk.id, rid, "reported.0.name", start=0, end=2)
    redaction.mark_redaction(staff_rt, clerk.id, rid, "location", start=0, end=2)
    out = redaction.redacted_clue(staff_rt, clerk.id, rid)
    assert out["description"] == "村里有人强占集体土地，■■■。"
    assert out["reported"][0]["name"] == "■■■"
    assert out["location"] == "■■■某村"
    assert out["shielding"][0]["name"] == "李某"
    assert set(out) == {"category", "description", "location", "occurred_on", "reported", "shielding"}
    assert CANARY not in repr(out)
    with staff_rt.stores.case() as session:
        marks = session.scalars(select(RedactionMark)).all()
    assert {(m.field, m.start, m.end) for m in marks} >= {("description", 11, 15)}
    redaction.remove_redaction(staff_rt, clerk.id, ids[0])
    assert "殴打村民" in redaction.redacted_clue(staff_rt, clerk.id, rid)["description"]


@pytest.mark.parametrize("kwargs", [
    {"field": "description", "phrase": "不存在的话"},
    {"field": "identity.name", "phrase": "x"},
    {"field": "description", "start": 5, "end": 500},
    {"field": "description"},
])
def test_bad_redaction_marks_are_refused(staff_rt, make_staff, clue, kwargs) -> None:
    clerk = make_staff("clerk", "intake")
    kwargs = dict(kwargs)
    field = kwargs.pop("field")
    with pytest.raises(InvalidInput):
        redaction.mark_redaction(staff_rt, clerk.id, clue.report_id, field, **kwargs)


def test_overlapping_marks_merge() -> None:
    marks = [redaction.Mark("a", "description", 0, 3, 1, None), redaction.Mark("b", "description", 2, 5, 1, None)]
    assert redaction.apply_redactions({"description": "0123456789"}, marks)["description"] == "■■■56789"
