"""``clueguard deadlines [--escalate]`` and ``clueguard survey``."""

from __future__ import annotations

import time_machine
from click.testing import CliRunner

from models.cases import deadlines
from tests.cases.test_deadlines import DAY0
from web.cli.main import main


def test_deadlines_prints_the_board_and_escalates(office) -> None:
    runner = CliRunner()
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        clock.shift(8 * 86400)
        result = runner.invoke(main, ["deadlines"], obj=office.rt.config)
        assert result.exit_code == 0, result.output
        assert "第一科 / clerk" in result.output and "overdue" in result.output and "2026-03-08" in result.output
        assert deadlines.open_escalations(office.rt, office.head.id) == 0
        result = runner.invoke(main, ["deadlines", "--escalate"], obj=office.rt.config)
        assert "escalated 1 overdue item(s)" in result.output
        assert deadlines.open_escalations(office.rt, office.head.id) == 1
        assert report_id


def test_survey_command_runs_once_a_month(office) -> None:
    from models.cases import workflow

    workflow.close_clue(office.rt, office.clerk.id, office.concluded(gang=False, transfer=False))
    runner = CliRunner()
    result = runner.invoke(main, ["survey", "--month", "2026-04", "--size", "5"], obj=office.rt.config)
    assert result.exit_code == 0 and "sent for 1 closed clue(s)" in result.output
    again = runner.invoke(main, ["survey", "--month", "2026-04"], obj=office.rt.config)
    assert again.exit_code != 0 and "already been sent" in again.output
