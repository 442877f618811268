"""Transfer packages (R12, R16) and the reporter's coarse view of the clue's life (R5)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models.cases import transfer, workflow
from models.cases.tables import Transfer
from models.reporting import intake
from models.store.errors import InvalidInput, NotAllowed
from tests.conftest import submission

CANARY = "CANARY-身份-4411"


def test_the_package_carries_clue_conclusion_and_evidence_but_never_identity(office, custodians) -> None:
    report_id = intake.submit_report(office.rt, submission(identity={"name": CANARY, "phone": "13900000000"})).report_id
    workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.clerk.id)
    workflow.start_check(office.rt, office.clerk.id, report_id)
    workflow.add_check_note(office.rt, office.clerk.id, report_id, "note")
    workflow.conclude_check(office.rt, office.clerk.id, report_id, "经初查，涉嫌黑社会性质组织。",
                            gang_related=True, shielding_official=False, transfer=True)
    workflow.approve_conclusion(office.rt, office.head.id, report_id)
    transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["询问笔录", "现场照片"])
    with office.rt.stores.case() as session:
        row = session.scalars(select(Transfer).where(Transfer.report_id == report_id)).one()
        assert "询问笔录".encode() not in row.package  # encrypted in the register
        assert row.due_on is not None
    package = transfer.transfer_package(office.rt, office.clerk.id, row.id)
    assert package["authority"] == "某县公安局"
    assert package["evidence"] == ["询问笔录", "现场照片"]
    assert package["conclusion"] == "经初查，涉嫌黑社会性质组织。"
    assert package["clue"]["description"].startswith("村里有人")
    dumped = json.dumps(package, ensure_ascii=False)
    assert CANARY not in dumped and "13900000000" not in dumped
    with pytest.raises(NotAllowed):
        transfer.transfer_package(office.rt, office.other.id, row.id)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"evidence": []}, "evidence"),
    ({"evidence": ["  "]}, "evidence"),
    ({"authority_id": 9999}, "authority_id"),
    ({"attachment_ids": ["not-a-file"]}, "attachments"),
])
def test_a_transfer_needs_an_authority_from_the_list_and_an_evidence_list(office, kwargs, field) -> None:
    report_id = office.concluded(gang=True)
    args = {"authority_id": office.authority, "evidence": ["笔录"], **kwargs}
    with pytest.raises(InvalidInput) as info:
        transfer.transfer_clue(office.rt, office.clerk.id, report_id, **args)
    assert field in info.value.errors
    assert office.state(report_id) == "concluded"


def test_a_retired_authority_cannot_receive_new_transfers(office) -> None:
    transfer.retire_authority(office.rt, office.head.id, office.authority)
    report_id = office.concluded(gang=True)
    with pytest.raises(InvalidInput):
        transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["笔录"])
    with pytest.raises(NotAllowed):
        transfer.add_authority(office.rt, office.clerk.id, "某检察院", "procuratorate")


def test_the_reporter_sees_only_a_coarse_status_and_no_internal_notes(office) -> None:
    rt = office.rt
    receipt = intake.submit_report(rt, submission())
    report_id = receipt.report_id

    def seen() -> tuple[str, str]:
        status = intake.reporter_status(rt, receipt.code)
        return status.status, " ".join(m.text for m in status.messages)

    assert seen()[0] == "received"
    workflow.register_clue(rt, office.clerk.id, report_id, office.unit_a, office.clerk.id)
    workflow.start_check(rt, office.clerk.id, report_id)
    workflow.add_check_note(rt, office.clerk.id, report_id, "INTERNAL-核查笔记")
    assert seen()[0] == "handling"
    workflow.conclude_check(rt, office.clerk.id, report_id, "INTERNAL-结论", gang_related=True,
                            shielding_official=False, transfer=True)
    workflow.approve_conclusion(rt, office.head.id, report_id)
    assert seen()[0] == "handling"
    transfer.transfer_clue(rt, office.clerk.id, report_id, office.authority, ["INTERNAL-证据"])
    assert seen()[0] == "handed_on"
    transfer.record_feedback(rt, office.clerk.id, report_id, "INTERNAL-反馈")
    assert seen()[0] == "handed_on"
    workflow.close_clue(rt, office.clerk.id, report_id)
    status, texts = seen()
    assert status == "closed"
    assert "INTERNAL" not in texts and "公安局" not in texts and "第一科" not in texts


@pytest.mark.parametrize("exit_state", ["merged", "not_accepted"])
def test_side_exits_look_closed_to_the_reporter(office, exit_state) -> None:
    receipt = intake.submit_report(office.rt, submission())
    if exit_state == "merged":
        workflow.merge_clue(office.rt, office.clerk.id, receipt.report_id, office.registered())
    else:
        workflow.not_accept_clue(office.rt, office.clerk.id, receipt.report_id, "no_facts")
    assert intake.reporter_status(office.rt, receipt.code).status == "closed"


def test_a_clue_registered_by_staff_from_a_phone_call_flows_through_the_states(office) -> None:
    receipt = intake.submit_report(office.rt, submission(channel="phone", source="phone"),
                                   actor=office.clerk.username)
    workflow.register_clue(office.rt, office.clerk.id, receipt.report_id, office.unit_a, office.clerk.id)
    workflow.start_check(office.rt, office.clerk.id, receipt.report_id)
    workflow.add_check_note(office.rt, office.clerk.id, receipt.report_id, "note")
    workflow.conclude_check(office.rt, office.clerk.id, receipt.report_id, "不属实", gang_related=False,
                            shielding_official=False, transfer=False)
    assert workflow.close_clue(office.rt, office.clerk.id, receipt.report_id) == "closed"


def test_the_package_carries_the_redacted_rendering(office) -> None:
    """R12: passages staff marked for redaction do not leave in a transfer package."""
    from models.cases import redaction

    report_id = office.concluded(gang=True)
    redaction.mark_redaction(office.rt, office.clerk.id, report_id, "description", phrase="强占集体土地")
    redaction.mark_redaction(office.rt, office.clerk.id, report_id, "reported.0.name", phrase="张某")
    transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["询问笔录"])
    with office.rt.stores.case() as session:
        row = session.scalars(select(Transfer).where(Transfer.report_id == report_id)).one()
    package = transfer.transfer_package(office.rt, office.clerk.id, row.id)
    dumped = json.dumps(package, ensure_ascii=False)
    assert package["redacted"] is True
    assert "强占集体土地" not in dumped and "张某" not in dumped
    assert "■■■" in package["clue"]["description"]
    assert package["clue"]["description"].startswith("村里有人")
