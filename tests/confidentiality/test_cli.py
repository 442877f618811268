"""``clueguard confidentiality``: recall list, review list, destruction register as CSV."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from models.confidentiality import copies, destruction
from tests.confidentiality.conftest import Office, archived
from web.cli.main import main

CANARY = "登记簿金丝雀"


def _csv(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_the_three_lists(office: Office) -> None:
    runner = CliRunner()
    report_id = office.registered()
    export = copies.request_export(office.rt, office.clerk.id, report_id, 2, "审阅")
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    result = runner.invoke(main, ["confidentiality", "recall-list"], obj=office.rt.config)
    assert result.exit_code == 0, result.output
    rows = [(r["copy"], r["of"], r["holder"]) for r in _csv(result.output)]
    assert rows == [("1", "2", "clerk"), ("2", "2", "clerk")]

    gone = archived(office, description=f"有人收保护费。{CANARY}")
    request = destruction.request_destruction(office.rt, office.clerk.id, gone, "retention_expired")
    destruction.approve_destruction(office.rt, office.head.id, request)
    destruction.execute_destruction(office.rt, office.clerk.id, request, "auditor")
    result = runner.invoke(main, ["confidentiality", "destruction-register"], obj=office.rt.config)
    assert result.exit_code == 0, result.output
    rows = _csv(result.output)
    assert [(r["requester"], r["approver"], r["executor"], r["witness"], r["reason"]) for r in rows] == [
        ("clerk", "head", "clerk", "auditor", "retention_expired")]
    assert CANARY not in result.output

    result = runner.invoke(main, ["confidentiality", "review-list"], obj=office.rt.config)
    assert result.exit_code == 0 and result.output.startswith("registry_no,state,level")


def test_set_intake_office(office: Office) -> None:
    result = CliRunner().invoke(main, ["confidentiality", "set-intake-office", "第二科"], obj=office.rt.config)
    assert result.exit_code == 0 and "第二科" in result.output


def test_the_destruction_register_carries_no_live_formula(office: Office, make_staff) -> None:
    # A witness's user name and a note are typed by staff: a spreadsheet must not run them (issue #21).
    make_staff("=1+1", "intake")
    gone = archived(office)
    request = destruction.request_destruction(office.rt, office.clerk.id, gone, "retention_expired",
                                              note="@SUM(1+1)*cmd|' /C calc'!A0")
    destruction.approve_destruction(office.rt, office.head.id, request)
    destruction.execute_destruction(office.rt, office.clerk.id, request, "=1+1")
    result = CliRunner().invoke(main, ["confidentiality", "destruction-register"], obj=office.rt.config)
    assert result.exit_code == 0, result.output
    [row] = _csv(result.output)
    assert (row["witness"], row["note"]) == ("'=1+1", "'@SUM(1+1)*cmd|' /C calc'!A0")
