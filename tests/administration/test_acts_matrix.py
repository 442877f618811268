"""Who may do what in administration and audit (R23, R24, R29): role × act against a table written here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.administration import approvals
from models.staff import acting, auditing
from models.staff.tables import AccountChange, Staff
from models.store.db import utcnow
from models.store.runtime import Runtime
from tests.acts_matrix import declared, matrix_tests, refusals

TABLE: dict[str, set[str]] = {
    "staff.manage": {"admin"}, "staff.decide_change": {"unit_head", "admin"}, "unit.manage": {"admin"},
    "audit.read": {"auditor"}, "audit.sign": {"auditor"},
}
PREFIXES = ("staff", "unit", "audit")


test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, PREFIXES, "adm"))


# --- the targets: who decides which account change, and the auditor's undertaking ------------------

NOW = utcnow()


def _staff(role: str, unit: int | None = 1, *, id_: int = 7, name: str = "decider", enrolled: bool = True,
           pledged_days_ago: int = 10) -> Staff:
    return Staff(id=id_, username=name, role=role, unit_id=unit, active=True, password_hash="h" if enrolled else "",
                 pledge_accepted_at=NOW - timedelta(days=pledged_days_ago))


def _change(approver_unit: int | None = 1, *, about: int = 99, by: str = "root",
            state: str = "pending") -> AccountChange:
    return AccountChange(id=1, staff_id=about, kind="role", approver_unit_id=approver_unit, requested_by=by,
                         state=state)


# (case, the decider, the change, may decide): written from R29, not from the check.
DECIDE_CASES = [
    ("the unit's head", _staff("unit_head"), _change(), True),
    ("another unit's head", _staff("unit_head", unit=2), _change(), False),
    ("the head, about himself", _staff("unit_head"), _change(about=7), False),
    ("the head, on his own request", _staff("unit_head"), _change(by="decider"), False),
    ("a head whose undertaking lapsed", _staff("unit_head", pledged_days_ago=400), _change(), False),
    ("a head not yet enrolled", _staff("unit_head", enrolled=False), _change(), False),
    ("an administrator, on a content role", _staff("admin", unit=None), _change(), False),
    ("another administrator, on a privileged account", _staff("admin", unit=None), _change(None), True),
    ("a unit head, on a privileged account", _staff("unit_head"), _change(None), False),
    ("the administrator who asked", _staff("admin", unit=None, name="root"), _change(None), False),
    ("the administrator it is about", _staff("admin", unit=None), _change(None, about=7), False),
    ("a change already decided", _staff("unit_head"), _change(state="approved"), False),
]


@pytest.mark.parametrize(("decider", "change", "allowed"), [pytest.param(*c[1:], id=c[0]) for c in DECIDE_CASES])
def test_who_decides_an_account_change(decider: Staff, change: AccountChange, allowed: bool) -> None:
    declared(PREFIXES)
    assert acting.may("staff.decide_change", None, decider, change) == allowed  # type: ignore[arg-type]


@pytest.mark.parametrize("act", ["audit.read", "audit.sign"])
@pytest.mark.parametrize(("days", "allowed"), [(10, True), (364, True), (366, False)])
def test_an_auditor_acts_only_within_a_year_of_the_undertaking(act: str, days: int, allowed: bool) -> None:
    declared(PREFIXES)
    auditor = _staff("auditor", unit=None, pledged_days_ago=days)
    assert acting.may(act, None, auditor, None) == allowed  # type: ignore[arg-type]


def test_target_refusals_are_audited_with_their_reason(staff_rt: Runtime, make_staff: Any) -> None:
    head = make_staff("adm_head", "unit_head")
    stale = make_staff("adm_stale", "auditor", unit=None)
    with staff_rt.stores.case() as session:
        session.get(Staff, stale.id).pledge_accepted_at = NOW - timedelta(days=400)
    with staff_rt.stores.case() as session, pytest.raises(approvals.NotTheApprover):
        acting.perform(session, head.id, "staff.decide_change", _change(approver_unit=None), change=1)
    with staff_rt.stores.case() as session, pytest.raises(auditing.AuditorOnly):
        acting.perform_by_name(session, "adm_stale", "audit.read", step="read")
    assert [(e.event, e.detail["act"], e.detail["reason"]) for e in refusals(staff_rt, "adm_head")] == [
        ("staff.change_refused", "decide_change", "NotTheOtherAdministrator")]
    assert [(e.event, e.detail["reason"], e.detail["step"]) for e in refusals(staff_rt, "adm_stale")] == [
        ("audit.refused", "pledge", "read")]
