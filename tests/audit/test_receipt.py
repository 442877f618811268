"""Erasing tamper evidence is caught (R23, #22): the auditor's receipt, kept outside the database.

Someone who can write the database deletes checkpoints, keys, or the tail of the log, or
re-chains it, and puts the triggers back: the chain and what is left of the checkpoints verify,
but the receipt the auditor took away at their last checkpoint does not match. SQLite and
PostgreSQL, through the commands the auditor runs.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update

from models.audit import receipt, trail
from models.audit.tables import AuditCheckpoint, AuditEvent, AuditHead, AuditorKey
from models.staff import auditing
from tests.audit.test_trail import PASSPHRASE, _rechain, _rows, chain  # noqa: F401 (fixture)
from tests.conftest import as_forger
from web.cli.main import main


def _cli(rt, *args: str, stdin: str = "") -> object:
    return CliRunner().invoke(main, list(args), input=stdin, obj=rt.config)


@pytest.fixture
def kept(chain, staff_rt, auditor, tmp_path: Path) -> Path:  # noqa: F811
    """Two checkpoints with the receipt updated each time, then a few events after the last."""
    path = tmp_path / "receipt.json"
    assert path == _receipt_of(staff_rt)
    for _ in range(2):
        made = _cli(staff_rt, "audit", "checkpoint", "--auditor", "auditor", "--passphrase-stdin",
                    "--receipt", str(path), stdin=PASSPHRASE + "\n")
        assert made.exit_code == 0, made.output
        with staff_rt.stores.case() as session:
            trail.record(session, "tester", "test.after", None)
    return path


def _receipt_of(rt) -> Path:
    return rt.config.data_dir.parent / "receipt.json"  # where ``kept`` writes it


def _verify(rt, path: Path, *trust: str) -> object:
    args = ["audit", "verify", "--receipt", str(path)]
    for fingerprint in trust:
        args += ["--trust", fingerprint]
    return _cli(rt, *args)


def test_the_receipt_is_signed_private_and_matches_an_untouched_store(kept, staff_rt) -> None:
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    body = json.loads(kept.read_text())
    assert body["checkpoints"] == 2 and body["head_id"] > body["checkpoint_last_id"]
    result = _verify(staff_rt, kept, body["fingerprint"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_a_receipt_edited_by_hand_is_refused(kept, staff_rt) -> None:
    body = json.loads(kept.read_text())
    body["checkpoints"] = 1
    kept.write_text(json.dumps(body))
    result = _verify(staff_rt, kept)
    assert result.exit_code != 0
    assert "not a valid audit receipt" in result.output


def _erase_checkpoints(rt) -> None:
    as_forger(rt.stores, delete(AuditCheckpoint))


def _erase_newest_checkpoint(rt) -> None:
    with rt.stores.case() as session:
        newest = max(c.id for c in session.query(AuditCheckpoint))
    as_forger(rt.stores, delete(AuditCheckpoint).where(AuditCheckpoint.id == newest))


def _erase_keys(rt) -> None:
    as_forger(rt.stores, delete(AuditorKey))


def _truncate_tail(rt) -> None:
    """Cut the log back to before the last checkpoint's own event and move the head: the chain
    that is left is whole, and the checkpoint still in the store covers none of the cut."""
    rows = _rows(rt)
    body_cut = json.loads(_receipt_of(rt).read_text())["checkpoint_last_id"]
    with rt.stores.case() as session:
        cut = session.get(AuditEvent, body_cut)
        assert cut is not None
        digest = cut.hash
    as_forger(rt.stores, delete(AuditEvent).where(AuditEvent.id > body_cut),
              update(AuditHead).values(last_id=body_cut, last_hash=digest))
    assert len(rows) > body_cut


def _rechain_and_erase_everything(rt) -> None:
    """The issue's attack: re-chain an edited log, delete every checkpoint and key."""
    rows = _rows(rt)
    rows[1] = {**rows[1], "actor": "forger"}
    _rechain(rt, rows)
    as_forger(rt.stores, delete(AuditCheckpoint), delete(AuditorKey))


@pytest.mark.parametrize(("erase", "expected"), [
    (_erase_checkpoints, "checkpoint(s) erased"),
    (_erase_newest_checkpoint, "erased"),
    (_erase_keys, "signing key"),
    (_truncate_tail, "the log was cut short"),
    (_rechain_and_erase_everything, "the log was re-chained"),
], ids=["checkpoints", "newest-checkpoint", "keys", "tail", "rechained"])
def test_each_erasure_fails_verification_against_the_receipt(kept, staff_rt, erase, expected) -> None:
    erase(staff_rt)
    with staff_rt.stores.case() as session:
        kept_receipt = receipt.loads(kept.read_text())
        problems = auditing.verify_everything(session, (), kept_receipt).problems
    assert any(expected in p for p in problems), problems
    result = _verify(staff_rt, kept)
    assert result.exit_code == 1
    assert expected in result.output
    # And the next checkpoint refuses to sign over it.
    again = _cli(staff_rt, "audit", "checkpoint", "--auditor", "auditor", "--passphrase-stdin",
                 "--receipt", str(kept), stdin=PASSPHRASE + "\n")
    assert again.exit_code != 0


def test_without_the_receipt_the_trusted_key_still_exposes_total_erasure(kept, staff_rt) -> None:
    """The issue's exact case: `verify --trust FP` used to say "intact, 0 checkpoints"."""
    fingerprint = json.loads(kept.read_text())["fingerprint"]
    _rechain_and_erase_everything(staff_rt)
    with staff_rt.stores.case() as session:
        assert trail.verify(session) == []  # the chain alone is fooled
    result = _cli(staff_rt, "audit", "verify", "--trust", fingerprint)
    assert result.exit_code == 1
    assert f"trusted key {fingerprint}: not in the store" in result.output
    assert "no checkpoint signed by a trusted key" in result.output
