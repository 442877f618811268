"""Fixtures of the unsealing area: an officer, a confidential clue with a canary identity."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from models.protection import unseal
from models.reporting import intake
from models.store.runtime import Runtime
from tests.conftest import StaffUser, submission

CANARY = "CANARY-举报人-5e1d"
IDENTITY = {"name": CANARY, "phone": "13912345678", "id_number": "110101199001011234",
            "address": "某市某区某路1号", "contact": "canary@example.org"}


@dataclass(frozen=True)
class Clue:
    report_id: str
    registry_no: str
    code: str


@pytest.fixture
def officer(make_staff) -> StaffUser:  # type: ignore[no-untyped-def]
    return make_staff("officer", "protection_officer")


@pytest.fixture
def clue(public_rt: Runtime, custodians: dict[str, str]) -> Clue:
    """A confidential clue whose identity carries the canary."""
    receipt = intake.submit_report(public_rt, submission(identity=dict(IDENTITY)))
    return Clue(receipt.report_id, receipt.registry_no, receipt.code)


@pytest.fixture
def anonymous_clue(public_rt: Runtime) -> Clue:
    receipt = intake.submit_report(public_rt, submission())
    return Clue(receipt.report_id, receipt.registry_no, receipt.code)


@pytest.fixture
def keepers(staff_rt: Runtime, custodians: dict[str, str]) -> dict[str, int]:
    """Custodian username -> staff id."""
    from models.staff.accounts import find_staff

    return {name: find_staff(staff_rt, name).id for name in custodians}


def file_request(rt: Runtime, officer: StaffUser, clue: Clue) -> str:
    return unseal.request_unseal(rt, officer.id, clue.report_id, "评估报复风险，安排保护。", "reporter_at_risk")


def approve_by(rt: Runtime, keepers: dict[str, int], custodians: dict[str, str], request_id: str,
               *names: str) -> str:
    state = ""
    for name in names:
        state = unseal.approve_unseal(rt, keepers[name], request_id, custodians[name], "同意")
    return state


@pytest.fixture
def custodian_users(staff_rt: Runtime, custodians: dict[str, str]) -> dict[str, StaffUser]:
    """The custodians' staff accounts as StaffUser, to sign in with."""
    from models.staff.accounts import find_staff
    from models.staff.secrets import open_totp
    from tests.conftest import PASSWORD

    users = {}
    for name in custodians:
        staff = find_staff(staff_rt, name)
        seed = open_totp(staff_rt, staff.id, staff.totp_secret)
        users[name] = StaffUser(staff.id, name, staff.role, PASSWORD, seed)
    return users
