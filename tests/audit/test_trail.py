"""The audit trail (R23): append-only in the database, hash-chained, and checkpointed under a
signature that the server cannot make alone. Every kind of tampering by someone who can write the
database is caught once a checkpoint covers it. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from models.audit import checkpoint, trail
from models.audit.tables import AuditCheckpoint, AuditEvent, AuditHead, AuditorKey
from models.reporting import intake
from models.staff import accounts, auditing
from tests.conftest import AUDITOR_PASSPHRASE as PASSPHRASE
from tests.conftest import as_forger, submission
from web.cli.main import main


@pytest.fixture
def chain(public_rt):
    for _ in range(3):
        intake.submit_report(public_rt, submission())
    with public_rt.stores.case() as session:
        trail.record(session, "tester", "test.event", None, note="plain")
    return public_rt


def _problems(rt, trusted: frozenset[str] = frozenset()) -> list[str]:
    with rt.stores.case() as session:
        return auditing.verify_everything(session, trusted).problems


def test_an_untouched_trail_verifies(chain) -> None:
    with chain.stores.case() as session:
        assert trail.verify(session) == []
        assert session.query(AuditEvent).count() == 4


# --- the database refuses ------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone else"),
    delete(AuditEvent).where(AuditEvent.id == 2),
    delete(AuditEvent),
    update(AuditHead).values(last_id=1),
    delete(AuditHead),
])
def test_the_database_refuses_to_rewrite_the_trail(chain, statement) -> None:
    with pytest.raises(DBAPIError, match="append-only|only moves forward"), chain.stores.case() as session:
        session.execute(statement)
    assert _problems(chain) == []


def test_the_database_refuses_to_edit_keys_and_checkpoints(chain, staff_rt, auditor) -> None:
    auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    for statement in (update(AuditorKey).values(public_key=b"x" * 32), delete(AuditCheckpoint),
                      update(AuditCheckpoint).values(last_id=1)):
        with pytest.raises(DBAPIError, match="append-only"), chain.stores.case() as session:
            session.execute(statement)


def test_postgres_refuses_truncate(chain, backend) -> None:
    if backend != "postgres":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), chain.stores.case() as session:
        session.execute(text("TRUNCATE audit_events"))


# --- the chain alone ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone else"), "event altered"),
        (update(AuditEvent).where(AuditEvent.id == 1).values(detail={"files": 9}), "event altered"),
        (delete(AuditEvent).where(AuditEvent.id == 2), "missing event"),
        (delete(AuditEvent).where(AuditEvent.id == 4), "events removed from the end"),
    ],
)
def test_naive_tampering_breaks_the_chain(chain, tamper, reason) -> None:
    as_forger(chain.stores, tamper)
    with chain.stores.case() as session:
        assert reason in {p.reason for p in trail.verify(session)}


# --- a forger who re-chains: only a checkpoint catches it -----------------------------------

def _rechain(rt, rows: list[dict[str, object]]) -> None:
    """Rewrite the whole log from ``rows`` with the project's own digest and move the head: the
    chain verifies again, as the issue showed."""
    prev, statements = trail.GENESIS, [delete(AuditEvent)]
    for i, row in enumerate(rows, start=1):
        digest = trail._digest(prev, i, trail._normalise(row["at"]), row["actor"], row["event"],  # type: ignore[arg-type]
                               row["report_id"], row["detail"], row["writer"])  # type: ignore[arg-type]
        statements.append(AuditEvent.__table__.insert().values(
            id=i, at=row["at"], actor=row["actor"], event=row["event"], report_id=row["report_id"],
            detail=row["detail"], prev_hash=prev, hash=digest, writer=row["writer"]))
        prev = digest
    statements.append(update(AuditHead).values(last_id=len(rows), last_hash=prev))
    as_forger(rt.stores, *statements)


def _rows(rt) -> list[dict[str, object]]:
    with rt.stores.case() as session:
        return [{"at": e.at, "actor": e.actor, "event": e.event, "report_id": e.report_id,
                 "detail": dict(e.detail or {}), "writer": e.writer}
                for e in session.query(AuditEvent).order_by(AuditEvent.id)]


def _edit(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    rows[1] = {**rows[1], "actor": "forger"}
    return rows


def _delete_middle(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return rows[:1] + rows[2:]


def _swap(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    rows[1], rows[2] = rows[2], rows[1]
    return rows


def _truncate(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return rows[:3]


@pytest.mark.parametrize("forge", [_edit, _delete_middle, _swap, _truncate], ids=["edit", "delete-middle",
                                                                                   "swap", "truncate+head"])
def test_rechained_tampering_is_caught_by_the_checkpoint(chain, staff_rt, auditor, forge) -> None:
    cp = auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    assert _problems(chain) == []
    _rechain(chain, forge(_rows(chain)))
    with chain.stores.case() as session:
        assert trail.verify(session) == []  # the chain alone is fooled
    problems = _problems(chain)
    assert problems and problems[0].startswith(f"checkpoint {cp.id} (event {cp.last_id}):")


def test_tampering_after_the_last_checkpoint_is_caught_by_the_next(chain, staff_rt, auditor) -> None:
    auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    with chain.stores.case() as session:
        trail.record(session, "tester", "test.later", None)
    second = auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    rows = _rows(chain)
    _rechain(chain, rows[:-2])  # drop the newest events, including the second checkpoint's
    assert any(p.startswith(f"checkpoint {second.id} ") for p in _problems(chain))


def test_a_checkpoint_refuses_a_broken_chain_and_says_where(chain, staff_rt, auditor) -> None:
    as_forger(chain.stores, update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone else"))
    with pytest.raises(checkpoint.ChainBroken) as refused:
        auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    assert refused.value.params["where"] == "event 2: event altered"
    result = CliRunner().invoke(main, ["audit", "checkpoint", "--auditor", "auditor", "--passphrase-stdin"],
                                input=PASSPHRASE + "\n", obj=staff_rt.config)
    assert result.exit_code != 0
    assert "nothing was signed. First problem: event 2: event altered" in result.output
    with chain.stores.case() as session:
        assert session.query(AuditCheckpoint).count() == 0
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert (last.event, last.detail["reason"]) == ("audit.checkpoint_refused", "ChainBroken")


def test_a_forged_checkpoint_needs_the_auditors_passphrase(chain, staff_rt, auditor) -> None:
    with pytest.raises(checkpoint.WrongPassphrase):
        auditing.checkpoint_trail(staff_rt, "auditor", "a guessed passphrase")
    with chain.stores.case() as session:
        assert session.query(AuditCheckpoint).count() == 0
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert (last.event, last.detail["reason"]) == ("audit.checkpoint_refused", "WrongPassphrase")


def test_a_rewritten_checkpoint_or_key_is_caught(chain, staff_rt, auditor) -> None:
    cp = auditing.checkpoint_trail(staff_rt, "auditor", PASSPHRASE)
    as_forger(chain.stores, update(AuditCheckpoint).values(last_id=1))
    assert any("signature invalid" in p for p in _problems(chain))
    as_forger(chain.stores, update(AuditCheckpoint).values(last_id=cp.last_id),
              update(AuditorKey).values(public_key=b"\x01" * 32))
    assert any("signing key unknown" in p for p in _problems(chain))


def test_a_key_the_forger_added_is_not_trusted(chain, staff_rt, auditor, make_staff) -> None:
    real = auditing.my_key(staff_rt, "auditor")
    forger = make_staff("mallory", "auditor", unit=None)
    accounts.accept_pledge(staff_rt, forger.id)
    auditing.create_auditor_key(staff_rt, "mallory", "mallory's passphrase")
    auditing.checkpoint_trail(staff_rt, "mallory", "mallory's passphrase")
    assert real is not None
    assert any("not trusted" in p for p in _problems(chain, frozenset({real.fingerprint})))


@pytest.mark.parametrize("who", ["clerk", "stale_auditor", "nobody"])
def test_only_a_current_auditor_signs(chain, staff_rt, make_staff, who) -> None:
    from datetime import timedelta

    from models.staff.tables import Staff
    from models.store.db import utcnow

    make_staff("clerk", "intake")
    stale = make_staff("stale_auditor", "auditor", unit=None)
    with staff_rt.stores.case() as session:
        session.get(Staff, stale.id).pledge_accepted_at = utcnow() - timedelta(days=366)
    with pytest.raises(auditing.AuditorOnly):
        auditing.create_auditor_key(staff_rt, who, PASSPHRASE)


def test_events_carry_no_content(chain) -> None:
    with chain.stores.case() as session:
        text_ = " ".join(f"{e.actor} {e.event} {e.detail}" for e in session.query(AuditEvent))
    assert "强占" not in text_ and "张某" not in text_


# Distinctive strings in every part of a clue (issue #22, item 5a): none may reach the trail.
CLUE_CANARIES = {
    "description": "描述金丝雀甲乙丙",
    "location": "地点金丝雀甲乙丙",
    "reported_name": "被举报人金丝雀", "reported_unit": "被举报单位金丝雀", "reported_position": "被举报职务金丝雀",
    "reported_place": "被举报地点金丝雀",
    "shielding_name": "保护伞金丝雀", "shielding_unit": "保护伞单位金丝雀", "shielding_position": "保护伞职务金丝雀",
    "file_name": "文件名金丝雀", "follow_up_file": "补充文件金丝雀",
    "identity_name": "实名金丝雀", "identity_phone": "13800991177", "identity_id": "110101198808081234",
    "identity_address": "住址金丝雀", "identity_contact": "canary-contact@example.org",
    "follow_up": "补充金丝雀甲乙丙", "reply": "回复金丝雀甲乙丙", "redaction": "删节金丝雀",
}


def test_no_audit_row_carries_any_part_of_a_clue(staff_rt, public_rt, make_staff, custodians) -> None:
    from models.cases import casework, redaction, workflow
    from models.reporting.files import Upload
    from models.reporting.intake import Person
    from tests.conftest import jpeg_with_gps

    c = CLUE_CANARIES
    receipt = intake.submit_report(public_rt, submission(
        description=f"村里有人强占集体土地。{c['description']}。{c['redaction']}。", location=c["location"],
        reported=[Person(name=c["reported_name"], unit=c["reported_unit"], position=c["reported_position"],
                         place=c["reported_place"])],
        shielding=[Person(name=c["shielding_name"], unit=c["shielding_unit"], position=c["shielding_position"])],
        identity={"name": c["identity_name"], "phone": c["identity_phone"], "id_number": c["identity_id"],
                  "address": c["identity_address"], "contact": c["identity_contact"]},
        files=[Upload(f"{c['file_name']}.jpg", jpeg_with_gps())]))
    intake.add_follow_up(public_rt, receipt.code, c["follow_up"], [Upload(f"{c['follow_up_file']}.jpg",
                                                                          jpeg_with_gps())])
    clerk = make_staff("clerk", "intake")
    accounts.accept_pledge(staff_rt, clerk.id)
    view = casework.open_case(staff_rt, clerk.id, receipt.report_id)
    unit_id = accounts.get_staff(staff_rt, clerk.id).unit_id
    workflow.register_clue(staff_rt, clerk.id, receipt.report_id, unit_id, clerk.id)
    casework.reply_to_reporter(staff_rt, clerk.id, receipt.report_id, c["reply"])
    redaction.mark_redaction(staff_rt, clerk.id, receipt.report_id, "description", phrase=c["redaction"])
    assert len(view.files) == 2
    for info in view.files:
        casework.open_attachment(staff_rt, clerk.id, info.id)
    with staff_rt.stores.case() as session:
        rows = session.query(AuditEvent).all()
        assert "report.submitted" in {r.event for r in rows} and len(rows) > 8
        trail_text = "\n".join(repr([getattr(r, col.key) for col in AuditEvent.__table__.columns]) for r in rows)
    # Only the names of the parts found are printed, never the trail's text.
    assert [part for part, canary in c.items() if canary in trail_text] == []
