"""Separation of duties (R29): an administrator tries every account path to read a clue, and fails
without the unit head's approval; nobody approves their own request or account."""

from __future__ import annotations

import pytest

from models.administration import approvals, staff_admin
from models.audit.tables import AuditEvent
from models.cases import casework, workflow
from models.reporting import intake
from models.staff import accounts
from models.store.errors import ClueGuardError
from tests.administration.conftest import UNIT
from tests.conftest import StaffUser, enroll, submission

NEW = "the admin's chosen password"


@pytest.fixture
def office(staff_rt, make_staff, admin):  # type: ignore[no-untyped-def]
    """A unit with a head and a clerk, one clue registered to it, a second unit's clerk and a
    second administrator."""
    head = make_staff("head", "unit_head")
    clerk = make_staff("clerk", "intake")
    other = make_staff("other", "intake", unit="第二科")
    second = make_staff("root2", "admin", unit=None)
    for user in (head, clerk, other, admin, second):
        accounts.accept_pledge(staff_rt, user.id)
    report_id = intake.submit_report(staff_rt, submission()).report_id
    unit_id = accounts.get_staff(staff_rt, clerk.id).unit_id
    workflow.register_clue(staff_rt, clerk.id, report_id, unit_id, clerk.id)
    return {"head": head, "clerk": clerk, "other": other, "admin": admin, "report": report_id}


def _cannot_read(rt, staff_id: int, report_id: str) -> None:
    with pytest.raises(ClueGuardError):
        casework.open_case(rt, staff_id, report_id)


def _codes_shown_to(rt, who: str) -> list[AuditEvent]:
    with rt.stores.case() as session:
        return [e for e in session.query(AuditEvent).filter_by(event="staff.enrollment_issued") if e.actor == who]


def _admins_own_account(rt, admin: StaffUser, name: str) -> StaffUser:
    """The insider's shortcut: a non-content account that a second administrator approved and whose
    code he then handed to the first (two administrators colluding, or one fooled)."""
    outcome = staff_admin.add_staff_account(rt, admin.id, name, "custodian", UNIT)
    assert outcome.code is None and outcome.pending_change_id
    second = accounts.find_staff(rt, "root2")
    code = approvals.approve_change(rt, second.id, outcome.pending_change_id).code
    assert code
    user = enroll(rt, name, code, NEW)
    accounts.accept_pledge(rt, user.id)
    return user


def test_create_an_intake_account(staff_rt, office) -> None:
    admin = office["admin"]
    outcome = staff_admin.add_staff_account(staff_rt, admin.id, "mole", "intake", UNIT)
    assert outcome.code is None and outcome.pending_change_id
    assert _codes_shown_to(staff_rt, "root") == []
    mole = accounts.find_staff(staff_rt, "mole")
    assert mole.role == accounts.NO_ROLE and mole.password_hash == ""
    _cannot_read(staff_rt, mole.id, office["report"])


def test_reset_a_clerk(staff_rt, office) -> None:
    admin, clerk = office["admin"], office["clerk"]
    outcome = staff_admin.reset_password(staff_rt, admin.id, clerk.id)
    assert outcome.code is None and outcome.pending_change_id
    assert _codes_shown_to(staff_rt, "root") == []
    # Nothing changed yet: the clerk's own credentials still work, the admin has none.
    assert accounts.authenticate(staff_rt, "clerk", clerk.password, clerk.totp(), address="x").id == clerk.id


def test_give_an_own_account_a_content_role(staff_rt, office) -> None:
    admin = office["admin"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    outcome = staff_admin.change_role(staff_rt, admin.id, mine.id, "intake")
    assert outcome.pending_change_id and accounts.get_staff(staff_rt, mine.id).role == "custodian"
    _cannot_read(staff_rt, mine.id, office["report"])
    # ... and the admin's own account (no unit) cannot be given one at all.
    with pytest.raises(approvals.NeedsUnit):
        staff_admin.change_role(staff_rt, admin.id, admin.id, "unit_head")
    assert accounts.get_staff(staff_rt, admin.id).role == "admin"


def test_move_an_account_into_the_unit(staff_rt, office) -> None:
    admin, other = office["admin"], office["other"]
    outcome = staff_admin.change_unit(staff_rt, admin.id, other.id, UNIT)
    assert outcome.pending_change_id and outcome.approver_unit == UNIT
    _cannot_read(staff_rt, other.id, office["report"])


def test_move_an_own_account_with_a_pending_role(staff_rt, office) -> None:
    admin = office["admin"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    staff_admin.change_role(staff_rt, admin.id, mine.id, "intake")
    staff_admin.change_unit(staff_rt, admin.id, mine.id, "第二科")
    assert accounts.get_staff(staff_rt, mine.id).unit.name == UNIT  # the move waits too
    _cannot_read(staff_rt, mine.id, office["report"])


@pytest.mark.parametrize("approver", ["admin", "other_head", "clerk", "stale_head"])
def test_only_the_units_current_head_approves(staff_rt, make_staff, office, approver) -> None:
    from datetime import timedelta

    from models.staff.tables import Staff
    from models.store.db import utcnow

    admin = office["admin"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    change = staff_admin.change_role(staff_rt, admin.id, mine.id, "intake").pending_change_id
    assert change is not None
    people = {"admin": admin, "clerk": office["clerk"], "stale_head": office["head"],
              "other_head": make_staff("head2", "unit_head", unit="第二科")}
    accounts.accept_pledge(staff_rt, people["other_head"].id)
    with staff_rt.stores.case() as session:
        session.get(Staff, office["head"].id).pledge_accepted_at = utcnow() - timedelta(days=366)
    with pytest.raises(approvals.NotTheApprover):
        approvals.approve_change(staff_rt, people[approver].id, change)
    with staff_rt.stores.case() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    # A clerk's role may decide nothing; the others are the wrong head, or an administrator, for this change.
    reason = "role" if approver == "clerk" else "NotTheApprover"
    assert (last.event, last.detail["reason"]) == ("staff.change_refused", reason)
    _cannot_read(staff_rt, mine.id, office["report"])


def test_nobody_approves_a_change_of_their_own_account(staff_rt, office) -> None:
    head = office["head"]
    change = staff_admin.change_unit(staff_rt, office["admin"].id, head.id, UNIT).pending_change_id
    assert change is not None
    with pytest.raises(approvals.NotTheApprover):
        approvals.approve_change(staff_rt, head.id, change)
    assert approvals.pending_for(staff_rt, head.id) == []


def test_with_the_heads_approval_the_new_clerk_reads_and_the_code_went_to_the_head(staff_rt, office) -> None:
    admin, head = office["admin"], office["head"]
    outcome = staff_admin.add_staff_account(staff_rt, admin.id, "newbie", "intake", UNIT)
    assert [c.id for c in approvals.pending_for(staff_rt, head.id)] == [outcome.pending_change_id]
    code = approvals.approve_change(staff_rt, head.id, outcome.pending_change_id or 0).code
    assert code and [e.detail["staff"] for e in _codes_shown_to(staff_rt, "head")] == ["newbie"]
    newbie = enroll(staff_rt, "newbie", code)
    assert casework.open_case(staff_rt, newbie.id, office["report"]).report.id == office["report"]
    with pytest.raises(approvals.AlreadyDecided):
        approvals.approve_change(staff_rt, head.id, outcome.pending_change_id or 0)


def test_a_grant_to_an_account_the_admin_enrolled_starts_from_fresh_credentials(staff_rt, office) -> None:
    """Reset while non-content (the code goes to the admin), then ask for a content role back."""
    admin, head = office["admin"], office["head"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    change = staff_admin.change_role(staff_rt, admin.id, mine.id, "intake").pending_change_id or 0
    code = approvals.approve_change(staff_rt, head.id, change).code
    assert code and [e.detail["staff"] for e in _codes_shown_to(staff_rt, "head")] == ["sock"]
    with pytest.raises(accounts.SignInFailed):  # the admin's password and seed are gone with the grant
        accounts.authenticate(staff_rt, "sock", NEW, mine.totp(), address="x")
    assert accounts.get_staff(staff_rt, mine.id).password_hash == ""


def test_a_denied_grant_changes_nothing(staff_rt, office) -> None:
    admin, head = office["admin"], office["head"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    change = staff_admin.change_role(staff_rt, admin.id, mine.id, "intake").pending_change_id or 0
    approvals.deny_change(staff_rt, head.id, change)
    assert accounts.get_staff(staff_rt, mine.id).role == "custodian"
    with pytest.raises(approvals.AlreadyDecided):
        approvals.approve_change(staff_rt, head.id, change)


def test_the_admin_pages_offer_no_shortcut(sign_in, staff_rt, office) -> None:
    """Through the pages: create, reset, role and unit change; the admin never sees a code for them."""
    admin, clerk, other = office["admin"], office["clerk"], office["other"]
    mine = _admins_own_account(staff_rt, admin, "sock")
    client = sign_in(admin)
    # A reset asks first (irreversible); the question itself gives nothing away either.
    asked = client.post(f"/admin/staff/{clerk.id}/reset", page="/admin/staff").get_data(as_text=True)
    assert 'id="consequence"' in asked and "enrollment-code" not in asked and 'id="pending"' not in asked
    pages = [
        client.post("/admin/staff/new", {"username": "mole", "role": "intake", "unit": UNIT}),
        client.post(f"/admin/staff/{clerk.id}/reset", {"confirmed": "1"}, page="/admin/staff"),
        client.post(f"/admin/staff/{mine.id}/change/role", {"value": "intake"}, page="/admin/staff"),
        client.post(f"/admin/staff/{other.id}/change/unit", {"value": UNIT}, page="/admin/staff"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="pending"' in html and "enrollment-code" not in html
    assert client.get(f"/cases/{office['report']}").status_code in (403, 404)
    assert _codes_shown_to(staff_rt, "root") == []
    assert [e.detail["staff"] for e in _codes_shown_to(staff_rt, "root2")] == ["sock"]  # the custodian only
    _cannot_read(staff_rt, mine.id, office["report"])
