"""Destruction (R22): approved, witnessed, crypto-shredded; the register keeps no content."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from models.cases import casework
from models.confidentiality import destruction
from models.confidentiality.tables import DestructionEntry
from models.datadir.backup import backup
from models.identities.tables import IdentityShare, SealedIdentityRow
from models.reporting.files import Upload
from models.reporting.notifications import ReplySubscription
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.store.config import Config
from models.store.db import Stores
from models.store.errors import NotAllowed, NotFound, WrongState
from models.store.keys import load_intake_private
from tests.confidentiality.conftest import Office, archived
from tests.conftest import jpeg_with_gps

CONTENT_CANARY = "销毁金丝雀内容七七七"
NAME_CANARY = "销毁金丝雀姓名"
ADDRESS_CANARY = b"sealed-telegram-address-canary"


def _full_clue(office: Office) -> str:
    """An archived confidential clue with a photo, a staff reply and a check record."""
    report_id = archived(office, description=f"有人收保护费。{CONTENT_CANARY}",
                         identity={"name": NAME_CANARY, "phone": "13700001111"},
                         files=[Upload("现场.jpg", jpeg_with_gps())])
    casework.reply_to_reporter(office.rt, office.clerk.id, report_id, f"已归档。{CONTENT_CANARY}")
    with office.rt.stores.case() as session:  # as if the bot had subscribed before the archiving
        session.add(ReplySubscription(id=str(uuid.uuid4()), report_id=report_id, channel="telegram",
                                      sealed_address=ADDRESS_CANARY, staff_seen=0))
    return report_id


def _secrets(office: Office, report_id: str) -> list[bytes]:
    """Every sealed key and identity ciphertext of the clue, as the stores hold them now."""
    with office.rt.stores.case() as session:
        found = [k.sealed for k in session.scalars(select(DataKey).where(DataKey.report_id == report_id))]
        found.append(ADDRESS_CANARY)
    with office.rt.stores.vault() as session:
        for row in session.scalars(select(SealedIdentityRow).where(SealedIdentityRow.report_id == report_id)):
            found.append(row.ciphertext)
            found += [s.sealed_share for s in session.scalars(
                select(IdentityShare).where(IdentityShare.identity_id == row.id))]
    return found


def _destroy(office: Office, report_id: str) -> int:
    request = destruction.request_destruction(office.rt, office.clerk.id, report_id, "retention_expired")
    destruction.approve_destruction(office.rt, office.head.id, request)
    return destruction.execute_destruction(office.rt, office.clerk.id, request, witness="auditor")


def test_each_step_has_its_rule(office: Office, custodians: dict[str, str]) -> None:
    report_id = _full_clue(office)
    with pytest.raises(WrongState):  # not archived yet
        destruction.request_destruction(office.rt, office.clerk.id, office.registered(), "retention_expired")
    with pytest.raises(NotAllowed):  # another unit's clerk
        destruction.request_destruction(office.rt, office.other.id, report_id, "retention_expired")
    request = destruction.request_destruction(office.rt, office.head.id, report_id, "retention_expired")
    with pytest.raises(destruction.SelfApprovedDestruction):
        destruction.approve_destruction(office.rt, office.head.id, request)
    with pytest.raises(NotAllowed):
        destruction.execute_destruction(office.rt, office.clerk.id, request, witness="auditor")
    with pytest.raises(NotAllowed):  # another unit's head
        destruction.approve_destruction(office.rt, office.other_head.id, request)
    destruction.approve_destruction(office.rt, office.deputy.id, request)
    with pytest.raises(destruction.InvalidInput):  # the executor cannot witness themselves
        destruction.execute_destruction(office.rt, office.clerk.id, request, witness="clerk")
    destruction.execute_destruction(office.rt, office.clerk.id, request, witness="auditor")
    with pytest.raises(NotFound):
        casework.open_case(office.rt, office.clerk.id, report_id)
    with pytest.raises(NotFound):
        destruction.execute_destruction(office.rt, office.clerk.id, request, witness="auditor")
    assert report_id not in {r.id for r in casework.list_inbox(office.rt, office.clerk.id).reports}


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_a_destroyed_clue_is_unreadable_from_a_copy_taken_afterwards(office: Office, custodians: dict[str, str],
                                                                     config: Config, stores: Stores,
                                                                     tmp_path: Path) -> None:
    report_id = _full_clue(office)
    secrets = _secrets(office, report_id)
    assert len(secrets) >= 4  # clue key, file, message and record keys; identity and its shares
    _destroy(office, report_id)
    copy = tmp_path / "copy-after"
    backup(config, stores, copy)
    files = _files_under(copy)
    if config.database_url.startswith("sqlite"):
        # The live SQLite files themselves, WAL included, as a thief would copy them.
        files += [p for p in config.data_dir.iterdir() if p.is_file()]
    for f in files:
        data = f.read_bytes()
        assert not any(s in data for s in secrets), f"a destroyed key survives in {f.name}"
    # With the key files of the copy, nothing of the clue can be opened.
    copied = Stores(f"sqlite:///{copy / 'case.sqlite'}", f"sqlite:///{copy / 'vault.sqlite'}")
    try:
        private = load_intake_private(config.with_changes(data_dir=copy))
        with copied.case() as session:
            report = session.get(Report, report_id)
            assert report is not None and report.state == "destroyed" and report.content == b""
            assert session.scalars(select(DataKey).where(DataKey.report_id == report_id)).all() == []
            assert session.scalars(select(Attachment).where(Attachment.report_id == report_id)).all() == []
            assert session.scalars(select(Message).where(Message.report_id == report_id)).all() == []
            subscriptions = select(ReplySubscription).where(ReplySubscription.report_id == report_id)
            assert session.scalars(subscriptions).all() == []
        with copied.vault() as session:
            assert session.scalars(select(SealedIdentityRow)).all() == []
        # The intake private key is in the copy, but there is no sealed key left for it to open.
        assert len(private) == 4 + 64 + 32  # a hybrid private key (R32)
    finally:
        copied.dispose()


def test_the_register_holds_no_content(office: Office, custodians: dict[str, str], config: Config,
                                       tmp_path: Path) -> None:
    report_id = _full_clue(office)
    entry_id = _destroy(office, report_id)
    with office.rt.stores.case() as session:
        entry = session.get(DestructionEntry, entry_id)
        assert entry is not None
        facts = " ".join(str(getattr(entry, c.key)) for c in DestructionEntry.__table__.columns)
    assert entry.registry_no and entry.category == "village_bully" and entry.witness == "auditor"
    assert (entry.requester, entry.approver, entry.executor) == ("clerk", "head", "clerk")
    for canary in (CONTENT_CANARY, NAME_CANARY, "13700001111", "现场.jpg"):
        assert canary not in facts
