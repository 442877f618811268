"""Who may do what in administration and audit (R23, R24, R29): role × act against a table written here."""

from __future__ import annotations

from tests.acts_matrix import matrix_tests

TABLE: dict[str, set[str]] = {
    "staff.manage": {"admin"}, "staff.decide_change": {"unit_head"}, "unit.manage": {"admin"},
    "audit.read": {"auditor"}, "audit.sign": {"auditor"},
}
PREFIXES = ("staff", "unit", "audit")


test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, PREFIXES, "adm"))
