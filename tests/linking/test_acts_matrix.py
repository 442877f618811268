"""Who may search across clues and see a clue's links (issue 24): the content roles only, from
SPEC.md R20 (need-to-know then narrows the hits), against a table written here."""

from __future__ import annotations

from tests.acts_matrix import matrix_tests

C = {"intake", "unit_head", "protection_officer"}
TABLE: dict[str, set[str]] = {"link.search": C, "link.links": C, "link.overview": {"unit_head"},
                              "link.borrow": {"unit_head"}}

test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited = (
    matrix_tests(TABLE, ("link",), "link"))
