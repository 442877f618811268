"""Crash tests: the process is killed (SIGKILL) inside intake, a follow-up, a workflow transition
and an unseal approval, on SQLite and PostgreSQL. Afterwards everything acknowledged is there,
nothing is half-written, the audit chain verifies, and ``clueguard doctor`` reports and removes
what a crash between the two stores leaves (a sealed identity no report points to)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from models.audit import trail
from models.cases import workflow
from models.identities.tables import SealedIdentityRow
from models.protection import unseal
from models.protection.unseal_tables import ResealedShare, UnsealAnswer
from models.reporting import intake
from models.reporting.tables import Attachment, DataKey, Message, RegistryCounter, Report
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.runtime import Runtime
from tests.conftest import submission
from web.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def crash(rt: Runtime, scenario: str, **args: Any) -> dict[str, str]:
    """Run the child until it kills itself; return what it acknowledged before dying."""
    cfg = rt.config
    payload = json.dumps({"data_dir": str(cfg.data_dir), "database_url": cfg.database_url,
                          "vault_url": cfg.vault_url, **args})
    done = subprocess.run([sys.executable, "-m", "tests.crash.child", scenario, payload], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[0])


def counts(rt: Runtime) -> dict[str, int]:
    with rt.stores.case() as cs:
        case = {t.__name__: cs.scalar(select(func.count()).select_from(t)) or 0
                for t in (Report, DataKey, Attachment, Message)}
        case["registry"] = sum(cs.scalars(select(RegistryCounter.last)).all())
        assert trail.verify(cs) == []
    with rt.stores.vault() as vs:
        vault_rows = {t.__name__: vs.scalar(select(func.count()).select_from(t)) or 0
                      for t in (SealedIdentityRow, UnsealAnswer, ResealedShare)}
    return {**case, **vault_rows}


def acknowledged_is_there(rt: Runtime, acked: dict[str, str]) -> None:
    status = intake.reporter_status(rt, acked["code"])
    assert status.registry_no == acked["registry_no"]


def doctor(rt: Runtime, *args: str) -> str:
    result = CliRunner().invoke(main, ["doctor", *args], obj=rt.config, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("point", ["intake_between_stores", "intake_in_case_store"])
def test_killed_inside_intake(staff_rt, custodians, point) -> None:
    before = counts(staff_rt)
    acked = crash(staff_rt, point)
    after = counts(staff_rt)
    acknowledged_is_there(staff_rt, acked)
    # Only the acknowledged report is stored: no report, data key or registry number of the
    # killed one; its sealed identity is the one harmless orphan the design allows.
    assert after["Report"] == before["Report"] + 1 and after["DataKey"] == before["DataKey"] + 1
    assert after["registry"] == before["registry"] + 1
    assert after["SealedIdentityRow"] == before["SealedIdentityRow"] + 1
    assert "0 orphaned" in doctor(staff_rt)  # it may still be an intake in flight
    with staff_rt.stores.vault() as vs:
        vs.execute(update(SealedIdentityRow).values(created_at=utcnow() - timedelta(minutes=11)))
    assert "1 orphaned" in doctor(staff_rt)
    assert "removed 1" in doctor(staff_rt, "--fix")
    assert counts(staff_rt)["SealedIdentityRow"] == before["SealedIdentityRow"]
    # The next intake carries on with the next number, no gap.
    receipt = intake.submit_report(staff_rt, submission())
    assert int(receipt.registry_no[-6:]) == after["registry"] + 1


def test_killed_inside_a_follow_up(staff_rt) -> None:
    first = intake.submit_report(staff_rt, submission())
    before = counts(staff_rt)
    acked = crash(staff_rt, "follow_up", code=first.code)
    after = counts(staff_rt)
    acknowledged_is_there(staff_rt, acked)
    assert after["Message"] == before["Message"]
    assert after["DataKey"] == before["DataKey"] + 1  # the acknowledged report's only
    assert intake.reporter_status(staff_rt, first.code).messages == []
    intake.add_follow_up(staff_rt, first.code, "再次补充")
    assert len(intake.reporter_status(staff_rt, first.code).messages) == 1


def test_killed_inside_a_workflow_transition(staff_rt, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    with staff_rt.stores.case() as cs:
        unit_id = cs.get(Staff, clerk.id).unit_id
    report_id = intake.submit_report(staff_rt, submission()).report_id
    acked = crash(staff_rt, "transition", staff_id=clerk.id, report_id=report_id, unit_id=unit_id)
    acknowledged_is_there(staff_rt, acked)
    counts(staff_rt)  # the audit chain verifies
    with staff_rt.stores.case() as cs:
        report = cs.get(Report, report_id)
        assert (report.state, report.unit_id, report.handler_id) == ("received", None, None)
    assert workflow.register_clue(staff_rt, clerk.id, report_id, unit_id, clerk.id) == "registered"


@pytest.mark.parametrize("point", ["unseal_in_audit", "unseal_between_stores"])
def test_killed_inside_an_unseal_approval(staff_rt, make_staff, custodians, point) -> None:
    from models.staff.accounts import find_staff

    officer = make_staff("officer", "protection_officer")
    clue = intake.submit_report(staff_rt, submission(identity={"name": "某人"}))
    request_id = unseal.request_unseal(staff_rt, officer.id, clue.report_id, "评估报复风险。", "reporter_at_risk")
    keeper = find_staff(staff_rt, "keeper1")
    before = counts(staff_rt)
    acked = crash(staff_rt, point, keeper_id=keeper.id, request_id=request_id,
                  passphrase=custodians["keeper1"])
    after = counts(staff_rt)
    acknowledged_is_there(staff_rt, acked)
    # The answer and the re-sealed share are written together or not at all. (Known gap, for the
    # unsealing code: approve_unseal commits its audit event before the vault, so a kill between
    # the two leaves "unseal.approval_given" in the trail for an answer that was never stored.)
    assert (after["UnsealAnswer"], after["ResealedShare"]) == (before["UnsealAnswer"], before["ResealedShare"])
    assert unseal.get_unseal_request(staff_rt, officer.id, request_id).state == "pending"
    # The custodian simply answers again.
    assert unseal.approve_unseal(staff_rt, keeper.id, request_id, custodians["keeper1"], "同意") == "pending"
    assert counts(staff_rt)["ResealedShare"] == before["ResealedShare"] + 1
