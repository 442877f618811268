"""Who may do what in the protection domain (R9–R11, R20): role × act against a table written here."""

from __future__ import annotations

import pytest

from models.protection.unseal_tables import UnsealRequest
from models.staff import acting
from models.staff.tables import Staff
from tests.acts_matrix import declared, matrix_tests

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


# --- the targets: a request's requester and state, for each act on it ------------------------------

def _staff(role: str, id_: int = 7) -> Staff:
    return Staff(id=id_, username=f"u{id_}", role=role, unit_id=1, active=True)


def _request(state: str = "pending", requester: int = 5, notice: str = "due") -> UnsealRequest:
    return UnsealRequest(id="r", report_id="c", requester_id=requester, requester="u5", state=state, notice=notice)


# (case, act, actor, request, allowed): written from R9 and R10, not from the checks.
REQUEST_CASES = [
    ("a custodian answers a waiting request", "unseal.approve", _staff(K), _request(), True),
    ("a custodian denies a waiting request", "unseal.deny", _staff(K), _request(), True),
    ("the requester, holding custodian keys", "unseal.approve", _staff(K, 5), _request(), False),
    ("the requester denies his own", "unseal.deny", _staff(K, 5), _request(), False),
    ("an expired request", "unseal.approve", _staff(K), _request("expired"), False),
    ("an approved request", "unseal.deny", _staff(K), _request("approved"), False),
    ("a denied request", "unseal.approve", _staff(K), _request("denied"), False),
    ("the requester sees his request", "unseal.view", _staff(OF, 5), _request(), True),
    ("another officer's request", "unseal.view", _staff(OF), _request(), False),
    ("a custodian sees any request", "unseal.view", _staff(K), _request(), True),
    ("the requester opens an approved one", "unseal.open", _staff(OF, 5), _request("approved"), True),
    ("another officer opens", "unseal.open", _staff(OF), _request("approved"), False),
    ("opened before approval", "unseal.open", _staff(OF, 5), _request(), False),
    ("opened after the window", "unseal.open", _staff(OF, 5), _request("closed"), False),
    ("opened once denied", "unseal.open", _staff(OF, 5), _request("denied"), False),
    ("a head withholds a due notice", "unseal.withhold", _staff(U), _request("approved"), True),
    ("a notice already sent", "unseal.withhold", _staff(U), _request("approved", notice="sent"), False),
    ("a request no longer open", "unseal.withhold", _staff(U), _request("closed"), False),
]


@pytest.mark.parametrize(("act", "actor", "req", "allowed"), [pytest.param(*c[1:], id=c[0]) for c in REQUEST_CASES])
def test_each_act_on_a_request(act: str, actor: Staff, req: UnsealRequest, allowed: bool) -> None:
    declared(PREFIXES)
    assert acting.may(act, None, actor, req) == allowed  # type: ignore[arg-type]
