"""Submissions go up, statuses and replies come down, the intake node forgets what it handed on."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from models.cases import casework
from models.cases.workflow import register_clue
from models.identities.tables import SealedIdentityRow
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.staff.accounts import get_or_create_unit
from tests.conftest import jpeg_with_gps, submission


def test_a_submission_on_the_intake_node_appears_on_the_internal_node(nodes) -> None:
    nodes.sync()  # the first sync brings the keys intake seals to
    public = nodes.public()
    receipt = intake.submit_report(public, submission(
        identity={"name": "王五", "phone": "13800000000"},
        files=[Upload("photo.jpg", jpeg_with_gps())]))
    assert receipt.registry_no[5] == "W"  # the intake node's own series
    rounds = nodes.sync()
    assert sum(r.received_items for r in rounds) == 1
    staff = nodes.staff()
    case = casework.open_case(staff, nodes.clerk_id, receipt.report_id)
    assert case.clue["description"] == "村里有人强占集体土地，殴打村民。"
    assert case.report.registry_no == receipt.registry_no
    assert len(case.files) == 1
    identity = json.loads(nodes.open_identity(receipt.report_id))
    assert identity["name"] == "王五"


def test_after_acknowledgement_intake_keeps_only_what_follow_up_needs(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    receipt = intake.submit_report(public, submission(identity={"name": "王五"},
                                                      files=[Upload("photo.jpg", jpeg_with_gps())]))
    intake.add_follow_up(public, receipt.code, "补充：还有一个人。")
    nodes.sync()
    with public.stores.case() as session:
        report = session.get(Report, receipt.report_id)
        assert report.content == b"" and report.identity_id is None
        assert report.receipt_lookup is not None and report.reporter_public_key is not None
        assert session.scalar(select(func.count()).select_from(DataKey)) == 0
        # The reporter's sealed list of their files stays; the bytes and the staff's name go.
        assert [(a.blob, a.meta) for a in session.scalars(select(Attachment))] == [(b"", None)]
        assert all(m.staff_box == b"" for m in session.scalars(select(Message)))
    with public.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(SealedIdentityRow)) == 0
    # The reporter still reads their own message and can add more.
    status = intake.reporter_status(public, receipt.code)
    assert [m.text for m in status.messages] == ["补充：还有一个人。"]
    intake.add_follow_up(public, receipt.code, "再补充一点。")
    nodes.sync()
    case = casework.open_case(nodes.staff(), nodes.clerk_id, receipt.report_id)
    assert [m.text for m in case.messages] == ["补充：还有一个人。", "再补充一点。"]


def test_replies_and_statuses_come_back_and_the_reporter_reads_them(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    receipt = intake.submit_report(public, submission())
    nodes.sync()
    staff = nodes.staff()
    casework.reply_to_reporter(staff, nodes.clerk_id, receipt.report_id, "已收到，正在核实。")
    unit = get_or_create_unit(staff, "第一科")
    register_clue(staff, nodes.clerk_id, receipt.report_id, unit, nodes.clerk_id)
    assert intake.reporter_status(public, receipt.code).status == "received"
    nodes.sync()
    status = intake.reporter_status(public, receipt.code)
    assert status.status == "handling"
    assert [(m.sender, m.text) for m in status.messages] == [("staff", "已收到，正在核实。")]
    nodes.sync()  # nothing new: nothing duplicated
    assert len(intake.reporter_status(public, receipt.code).messages) == 1


def test_staff_numbers_and_intake_numbers_never_collide(nodes) -> None:
    nodes.sync()
    on_intake = intake.submit_report(nodes.public(), submission())
    on_internal = intake.submit_report(nodes.staff(), submission(channel="phone", source="phone"))
    nodes.sync()
    assert on_intake.registry_no != on_internal.registry_no
    with nodes.internal_sync.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 2


def test_a_new_custodian_set_reaches_the_intake_node(nodes) -> None:
    from models.identities.sealing import active_custodians, vault_threshold

    nodes.sync()
    intake_custodians = active_custodians(nodes.intake_sync.stores)
    assert intake_custodians == active_custodians(nodes.internal_sync.stores)
    assert vault_threshold(nodes.intake_sync.stores) == 2
    nodes.sync()  # unchanged: not sent again
    with nodes.internal_sync.stores.case() as session:
        from models.sync.tables import SyncBatch

        assert session.scalar(select(func.count()).select_from(SyncBatch).where(SyncBatch.stream == "down")) == 1
