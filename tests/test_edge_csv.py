"""CSV formula injection (issue #21, finding 6): one helper neutralises every cell of every export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from models.store import csvfile

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1:A2)",
                                  "\t=1+1", "\r=1+1"])
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(cell: str) -> None:
    out = io.StringIO()
    csvfile.writer(out).writerow([cell, 5, -3])
    first = next(csv.reader(io.StringIO(out.getvalue())))
    assert first == ["'" + cell, "5", "-3"]  # numbers are numbers, not formulas


@pytest.mark.parametrize("cell", ["第一科", "a=b", "", "'=quoted already", "1-2"])
def test_other_cells_are_written_as_they_are(cell: str) -> None:
    assert csvfile.neutralise(cell) == cell


def test_every_csv_writer_is_the_safe_one() -> None:
    raw = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [str(path.relative_to(ROOT)) for folder in ("bot", "web", "models", "vault")
                 for path in (ROOT / folder).rglob("*.py")
                 if path.name != "csvfile.py" and raw.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
