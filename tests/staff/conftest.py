"""Fixtures of the staff pages' tests: clues in the case store, a second unit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update

from models.reporting import intake
from models.reporting.tables import Report
from models.staff.accounts import get_or_create_unit
from models.store.runtime import Runtime
from tests.conftest import submission


@pytest.fixture
def clues(public_rt: Runtime) -> Callable[..., list[intake.Receipt]]:
    """clues(n, **changes) -> receipts of n clues submitted through the public workflow."""

    def make(n: int = 1, **changes: object) -> list[intake.Receipt]:
        return [intake.submit_report(public_rt, submission(**changes)) for _ in range(n)]

    return make


@pytest.fixture
def give_to_unit(staff_rt: Runtime) -> Callable[[str, str], None]:
    """give_to_unit(report_id, unit_name): the case belongs to that unit from now on (R20)."""

    def give(report_id: str, unit: str) -> None:
        unit_id = get_or_create_unit(staff_rt, unit)
        with staff_rt.stores.case() as session:
            session.execute(update(Report).where(Report.id == report_id).values(unit_id=unit_id))

    return give
