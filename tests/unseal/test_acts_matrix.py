"""Who may do what in the protection domain (R9–R11, R20): role × act against a table written here."""

from __future__ import annotations

import pytest

from tests.acts_matrix import ROLES, assert_refusals_audited, declared, passes_role, role_cases

OF, K, U = "protection_officer", "custodian", "unit_head"
TABLE: dict[str, set[str]] = {
    "protection.assign": {U}, "protection.set_risk": {OF}, "protection.record_measure": {OF},
    "protection.protection_view": {OF, U}, "protection.protection_board": {OF, U},
    "unseal.request": {OF}, "unseal.approve": {K}, "unseal.deny": {K}, "unseal.view": {OF, K, U},
    "unseal.open": {OF}, "unseal.withhold": {U},
    "custodian.passphrase": {K}, "custodian.redeal": {"admin"},
}
PREFIXES = ("protection", "unseal", "custodian")


def test_the_table_is_every_act_of_the_domain() -> None:
    assert set(declared(PREFIXES)) == set(TABLE)


@pytest.mark.parametrize(("act", "role"), role_cases(TABLE))
def test_every_act_for_every_role(act: str, role: str) -> None:
    declared(PREFIXES)
    assert passes_role(act, role) == (role in TABLE[act])
    assert not passes_role(act, role, active=False)


def test_refusals_are_audited(staff_rt, make_staff) -> None:  # type: ignore[no-untyped-def]
    people = {role: make_staff(f"prot_{role}", role, unit=None if role in {"custodian", "auditor", "admin"}
                               else "第一科") for role in ROLES}
    assert_refusals_audited(staff_rt, TABLE, {r: p.id for r, p in people.items()},
                            {r: p.username for r, p in people.items()})
