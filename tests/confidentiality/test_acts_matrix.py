"""Who may do what in the confidentiality domain (R19–R22, R25): role × act and the four-eyes
check × who asked, against a table written here (not read from the declarations)."""

from __future__ import annotations

import pytest

from models.reporting.tables import Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.errors import NotAllowed
from tests.acts_matrix import declared, matrix_tests

H, U = {"intake", "unit_head"}, {"unit_head"}
C = {"intake", "unit_head", "protection_officer"}
TABLE: dict[str, set[str]] = {
    "borrow.request": C, "borrow.approve": U, "borrow.refuse": U, "borrow.return": C, "borrow.list": C,
    "classification.propose": C, "classification.approve": U, "classification.refuse": U,
    "classification.list": C,
    "export.request": C, "export.approve": U, "export.refuse": U, "export.close": U, "export.list": C,
    "export.print": C,
    "destruction.request": H, "destruction.approve": U, "destruction.refuse": U, "destruction.execute": H,
    "destruction.list": C, "destruction.register": {"unit_head", "auditor"},
    "meeting.record": C, "meeting.request": C, "meeting.approve": U, "meeting.refuse": U, "meeting.read": C,
    "meeting.list": C,
}
PREFIXES = ("borrow", "classification", "export", "destruction", "meeting")
# The four-eyes decisions (R19–R22): a unit head of the clue's unit who did not ask.
DECISIONS = sorted(a for a in TABLE if a.split(".")[1] in {"approve", "refuse"} and not a.startswith("meeting"))
# (the decider's unit, whether the decider asked) -> may decide
FOUR_EYES = {(1, False): True, (1, True): False, (2, False): False, (2, True): False}


@pytest.mark.parametrize(("unit", "asked"), sorted(FOUR_EYES))
@pytest.mark.parametrize("act", DECISIONS)
def test_every_decision_takes_a_second_person_of_the_clues_unit(act: str, unit: int, asked: bool) -> None:
    declared(PREFIXES)
    head = Staff(id=7, username="h", role="unit_head", unit_id=unit, active=True,
                 unit=Unit(id=unit, name=f"unit {unit}", intake_office=False))
    report = Report(id="r", unit_id=1, state="archived")
    try:
        acting.check(acting.ACTS[act], None, head, (report, 7 if asked else 8))  # type: ignore[arg-type]
    except NotAllowed:
        assert not FOUR_EYES[(unit, asked)]
    else:
        assert FOUR_EYES[(unit, asked)]


test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, PREFIXES, "conf"))
