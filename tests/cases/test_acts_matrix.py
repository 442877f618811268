"""Who may do what in the cases domain (R13–R18, R27), role × act against a table written here.

The clue's own acts (state × act) are ``test_matrix.py``; this table holds every act the domain
declares in ``models.staff.acting`` — the clue's acts and the doors of its pages, the authorities,
deadlines, escalations, redaction, statistics and transfer packages.
"""

from __future__ import annotations

import pytest

from models.cases.tables import Escalation
from models.staff import acting
from models.staff.tables import Staff
from models.store.errors import NotAllowed
from tests.acts_matrix import declared, matrix_tests

H, U = {"intake", "unit_head"}, {"unit_head"}
C = {"intake", "unit_head", "protection_officer"}
TABLE: dict[str, set[str]] = {
    "clue.register": H, "clue.reassign": U, "clue.start_check": H, "clue.add_check_note": H,
    "clue.conclude": H, "clue.approve": U, "clue.return_conclusion": U, "clue.transfer": H,
    "clue.set_handling_deadline": H, "clue.record_feedback": H, "clue.close": H, "clue.archive": U,
    "clue.merge": H, "clue.not_accept": H, "clue.transfer_shielding": H, "clue.approve_shielding": U,
    "clue.read": C, "clue.reply": C, "clue.handle": H, "clue.record": H,
    "authority.add": {"unit_head", "admin"}, "authority.retire": {"unit_head", "admin"},
    "authority.list": {"intake", "unit_head", "admin"},
    "deadline.board": H, "deadline.read": C,
    "escalation.decide": U, "escalation.list": H,
    "redaction.mark": C, "redaction.mark_redaction": C, "redaction.remove_redaction": C,
    "redaction.redaction_marks": C, "redaction.redacted_clue": C,
    "statistics.view": U,
    "transfer.package": H,
}
PREFIXES = ("clue", "authority", "deadline", "escalation", "redaction", "statistics", "transfer")


@pytest.mark.parametrize(("unit", "allowed"), [(1, True), (2, False)])
def test_an_escalation_is_decided_by_a_head_of_its_own_unit(unit: int, allowed: bool) -> None:
    declared(PREFIXES)
    head = Staff(id=1, username="h", role="unit_head", unit_id=unit, active=True)
    escalation = Escalation(id=1, report_id="r", unit_id=1)
    try:
        acting.check(acting.ACTS["escalation.decide"], None, head, escalation)  # type: ignore[arg-type]
    except NotAllowed:
        assert not allowed
    else:
        assert allowed


test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, PREFIXES, "cases"))


def test_managing_authorities_audits_a_refusal_now(staff_rt, make_staff) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: adding and retiring authorities refused without a trace before the act runner."""
    from models.cases import transfer
    from tests.acts_matrix import refusals

    clerk = make_staff("auth_clerk", "intake")
    head = make_staff("auth_head", "unit_head")
    authority = transfer.add_authority(staff_rt, head.id, "某公安分局", "police")
    with pytest.raises(NotAllowed):
        transfer.add_authority(staff_rt, clerk.id, "某检察院", "procuratorate")
    with pytest.raises(NotAllowed):
        transfer.retire_authority(staff_rt, clerk.id, authority)
    assert [(e.event, e.detail["act"], e.detail["reason"]) for e in refusals(staff_rt, "auth_clerk")] == [
        ("authority.refused", "add", "role"), ("authority.refused", "retire", "role")]
