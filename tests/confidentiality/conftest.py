"""Fixtures of the confidentiality tests: the workflow tests' small office (第一科 is the intake
office, 第二科 another unit) and a clue taken all the way to the archive."""

from __future__ import annotations

import pytest

from models.cases import workflow
from tests.cases.conftest import UNIT_A, UNIT_B, Office, office  # noqa: F401  (fixture re-used)

__all__ = ["UNIT_A", "UNIT_B", "Office", "archived"]


def archived(office: Office, **changes: object) -> str:  # noqa: F811
    """A clue registered to 第一科, concluded without transfer, closed and archived."""
    report_id = office.concluded(**changes)
    workflow.close_clue(office.rt, office.clerk.id, report_id)
    workflow.archive_clue(office.rt, office.head.id, report_id)
    return report_id


@pytest.fixture
def registered(office: Office) -> str:  # noqa: F811
    return office.registered()
