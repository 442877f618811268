"""A copy of the intake node's data and keys opens no clue, message, identity or staff account."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

import vault
from models.cases import casework
from models.identities.tables import Custodian, IdentityShare
from models.reporting import intake
from models.reporting.sealed import data_key_context
from models.reporting.tables import DataKey, Message, Report
from models.staff.tables import Staff
from tests.conftest import submission

CLUE = "CANARY-线索-51d2"
NAME = "CANARY-姓名-9e0a"
FOLLOW_UP = "CANARY-补充-33b7"
REPLY = "CANARY-答复-c4f1"


def _candidates(keys: Path) -> list[bytes]:
    """Every 32-byte window at the start or end of every key file, and every window the size of a
    hybrid private key (R32): anything that could be a key."""
    out = []
    hybrid = 4 + 64 + 32
    for path in keys.iterdir():
        data = path.read_bytes()
        out += [data[:32], data[-32:], data[4:36], data[:hybrid], data[-hybrid:], data[4:4 + hybrid]]
    return [c for c in out if len(c) in (32, hybrid)]


def test_a_copy_of_the_intake_node_opens_nothing(nodes, backend, tmp_path: Path) -> None:
    nodes.sync()
    public = nodes.public()
    handled = intake.submit_report(public, submission(description=CLUE, identity={"name": NAME}))
    intake.add_follow_up(public, handled.code, FOLLOW_UP)
    nodes.sync()
    casework.reply_to_reporter(nodes.staff(), nodes.clerk_id, handled.report_id, REPLY)
    nodes.sync()
    # A second clue not yet pulled: its content and sealed identity are still on the intake node.
    waiting = intake.submit_report(public, submission(description=CLUE, identity={"name": NAME}))

    copy = tmp_path / "stolen"
    shutil.copytree(nodes.intake.data_dir, copy)
    candidates = _candidates(copy / "keys")
    assert not (copy / "keys" / "intake.key").exists()
    with public.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == 0
        keys = session.scalars(select(DataKey)).all()
        assert keys, "the unsynced clue's data key is still there to try"
        for key in keys:
            for candidate in candidates:
                with pytest.raises(vault.VaultError):
                    vault.open_data_key(key.sealed, candidate, data_key_context(key.report_id, key.id))
        for message in session.scalars(select(Message)).all():
            for candidate in candidates:
                with pytest.raises(vault.VaultError):
                    vault.open_as_reporter(candidate, message.reporter_box,
                                           f"message/{message.report_id}/{message.id}")
        assert session.get(Report, waiting.report_id).content != b""
    with public.stores.vault() as vs:
        assert vs.scalar(select(func.count()).select_from(IdentityShare)) == 3
        # Custodians' public keys only: no wrapped private key, no staff user name.
        for custodian in vs.scalars(select(Custodian)).all():
            assert custodian.wrapped_key == b"" and custodian.username == custodian.id
    if backend == "sqlite":
        for path in copy.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for canary in (CLUE, NAME, FOLLOW_UP, REPLY, "clerk", "keeper1"):
                    assert canary.encode() not in data, f"{canary} in {path.name}"
