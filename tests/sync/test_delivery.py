"""At-least-once delivery with dedup: a lost answer or a crash half-way loses and repeats nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.cases import casework
from models.identities.tables import SealedIdentityRow
from models.reporting import intake
from models.reporting.tables import Message, Report
from models.sync import internal_side
from models.sync.exchange import sync_round
from models.sync.packets import SyncRefused
from tests.conftest import submission


class Lost(Exception):
    """The connection broke."""


def _counts(rt) -> tuple[int, int]:
    with rt.stores.case() as session:
        return (session.scalar(select(func.count()).select_from(Report)) or 0,
                session.scalar(select(func.count()).select_from(Message)) or 0)


def test_an_answer_lost_on_the_way_back_is_fetched_again(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    receipt = intake.submit_report(public, submission())
    intake.add_follow_up(public, receipt.code, "补充")

    def lose_answer(data: bytes) -> bytes:
        nodes.send(data)
        raise Lost

    for _ in range(3):
        with pytest.raises(Lost):
            sync_round(nodes.internal_sync, lose_answer)
    nodes.sync()
    assert _counts(nodes.internal_sync) == (1, 1)


def test_a_down_batch_delivered_twice_is_applied_once(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    receipt = intake.submit_report(public, submission())
    nodes.sync()
    casework.reply_to_reporter(nodes.staff(), nodes.clerk_id, receipt.report_id, "答复")

    def lose_answer(data: bytes) -> bytes:
        nodes.send(data)
        raise Lost

    with pytest.raises(Lost):
        sync_round(nodes.internal_sync, lose_answer)  # intake applied the reply; we never heard
    nodes.sync()  # the same down batch again: refused as a duplicate, acknowledged
    assert [m.text for m in intake.reporter_status(public, receipt.code).messages] == ["答复"]


def test_a_crash_between_the_vault_and_the_case_store_is_repaired(nodes, monkeypatch) -> None:
    nodes.sync()
    receipt = intake.submit_report(nodes.public(), submission(identity={"name": "王五"}))

    def crash(*_args: object) -> int:
        raise Lost  # the process dies after the vault store committed, before the case store

    monkeypatch.setattr(internal_side, "apply_up_items", crash)
    with pytest.raises(Lost):
        nodes.sync()
    monkeypatch.undo()
    with nodes.internal_sync.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(SealedIdentityRow)) == 1  # an orphan, for now
    nodes.sync()
    assert _counts(nodes.internal_sync) == (1, 0)
    with nodes.internal_sync.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(SealedIdentityRow)) == 1
    assert nodes.open_identity(receipt.report_id)


def test_an_internal_node_restored_from_an_old_backup_is_told_so(nodes) -> None:
    nodes.sync()
    intake.submit_report(nodes.public(), submission())
    nodes.sync()
    from models.sync.streams import stream_row

    with nodes.internal_sync.stores.case() as session:  # what a restore of an older backup does
        row = stream_row(session, "up")
        row.applied_seq, row.applied_hash = 0, ""
    with pytest.raises(SyncRefused, match="restored from a backup"):
        nodes.sync()


def test_many_submissions_travel_in_several_batches_in_order(nodes, monkeypatch) -> None:
    from models.sync import intake_side

    nodes.sync()
    monkeypatch.setattr(intake_side, "BATCH_ITEMS", 2)
    public = nodes.public()
    receipts = [intake.submit_report(public, submission()) for _ in range(5)]
    intake.add_follow_up(public, receipts[0].code, "补充")
    rounds = nodes.sync()
    assert [r.received_items for r in rounds if r.received_batch] == [2, 2, 2]
    assert _counts(nodes.internal_sync) == (5, 1)


def test_a_crash_before_the_intake_vault_purge_leaves_only_an_orphan(nodes, monkeypatch) -> None:
    from datetime import timedelta

    from models.reporting.orphans import find_orphans, remove_orphans
    from models.sync import exchange

    nodes.sync()
    intake.submit_report(nodes.public(), submission(identity={"name": "王五"}))
    def die(_rt: object, identity_ids: list[str]) -> None:
        if identity_ids:
            raise Lost  # the intake process dies after the purge committed, before the vault's turn

    monkeypatch.setattr(exchange.intake_side, "delete_identities", die)
    with pytest.raises(SyncRefused, match="internal error"):
        nodes.sync()
    monkeypatch.undo()
    nodes.sync()
    assert _counts(nodes.internal_sync) == (1, 0)
    assert len(find_orphans(nodes.intake_sync.stores, timedelta(0))) == 1
    assert remove_orphans(nodes.intake_sync.stores, timedelta(0)) == 1
