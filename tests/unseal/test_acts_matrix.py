"""Who may do what in the protection domain (R9–R11, R20): role × act against a table written here."""

from __future__ import annotations

from tests.acts_matrix import matrix_tests

OF, K, U = "protection_officer", "custodian", "unit_head"
TABLE: dict[str, set[str]] = {
    "protection.assign": {U}, "protection.set_risk": {OF}, "protection.record_measure": {OF},
    "protection.protection_view": {OF, U}, "protection.protection_board": {OF, U},
    "unseal.request": {OF}, "unseal.approve": {K}, "unseal.deny": {K}, "unseal.view": {OF, K, U},
    "unseal.open": {OF}, "unseal.withhold": {U},
    "custodian.passphrase": {K}, "custodian.redeal": {"admin"},
}
PREFIXES = ("protection", "unseal", "custodian")


test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, PREFIXES, "prot"))
