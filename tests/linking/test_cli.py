"""``clueguard index rebuild`` (issue 24): indexes every clue, resumes, starts over with --fresh."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from models.linking.tables import ClueIndexed
from models.reporting.intake import Person
from tests.linking.conftest import Office
from web.cli.main import main


def test_rebuild_indexes_every_clue_and_resumes(office: Office) -> None:
    for i in range(3):
        office.submit(shielding=[Person(name=f"官员{i}")])
    result = CliRunner().invoke(main, ["index", "rebuild"], obj=office.rt.config)
    assert result.exit_code == 0, result.output
    assert "indexed 3 clue(s)" in result.output
    with office.rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ClueIndexed)) == 3
    again = CliRunner().invoke(main, ["index", "rebuild"], obj=office.rt.config)
    assert "indexed 0 clue(s)" in again.output
    fresh = CliRunner().invoke(main, ["index", "rebuild", "--fresh"], obj=office.rt.config)
    assert "indexed 3 clue(s)" in fresh.output
    assert "官员" not in result.output + again.output + fresh.output
