"""Who may do what in administration and audit (R23, R24, R29): role × act against a table written here."""

from __future__ import annotations

import pytest

from tests.acts_matrix import ROLES, assert_refusals_audited, declared, passes_role, role_cases

TABLE: dict[str, set[str]] = {
    "staff.manage": {"admin"}, "staff.decide_change": {"unit_head"}, "unit.manage": {"admin"},
    "audit.read": {"auditor"}, "audit.sign": {"auditor"},
}
PREFIXES = ("staff", "unit", "audit")


def test_the_table_is_every_act_of_the_domain() -> None:
    assert set(declared(PREFIXES)) == set(TABLE)


@pytest.mark.parametrize(("act", "role"), role_cases(TABLE))
def test_every_act_for_every_role(act: str, role: str) -> None:
    declared(PREFIXES)
    assert passes_role(act, role) == (role in TABLE[act])
    assert not passes_role(act, role, active=False)


def test_refusals_are_audited(staff_rt, make_staff) -> None:  # type: ignore[no-untyped-def]
    people = {role: make_staff(f"adm_{role}", role, unit=None if role in {"custodian", "auditor", "admin"}
                               else "第一科") for role in ROLES}
    assert_refusals_audited(staff_rt, TABLE, {r: p.id for r, p in people.items()},
                            {r: p.username for r, p in people.items()})
