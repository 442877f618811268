"""The one CSV writer for every export (CSV formula injection, OWASP).

A spreadsheet opening a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may run it as a formula (``=HYPERLINK(...)``, DDE). A unit name, a user name or a reason
typed by staff reaches these files, so every text cell that begins with one of them gets a single
quote in front (OWASP's rule): the reader sees the text, the spreadsheet runs nothing. Numbers
are written as they are. Every ``csv.writer`` of ours is this one (tests/test_architecture.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading single quote if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])


def writer(out: TextIO) -> SafeWriter:
    return SafeWriter(out)
