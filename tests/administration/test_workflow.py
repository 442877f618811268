"""Account administration acts (R29) and the handover rule (R24), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.administration import approvals, staff_admin
from models.cases import workflow
from models.protection import disclosure, unseal
from models.protection.custodian_lifecycle import HoldsShares, retire_custodian
from models.reporting import intake
from models.staff import accounts, enrollment
from models.staff.accounts import SignInFailed
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput
from tests.administration.conftest import UNIT
from tests.conftest import PASSWORD, StaffUser, enroll, submission
from tests.protection.conftest import IDENTITY, approve_by

NEW = "a fresh password 42"


def _set(rt, staff_id: int, **values: object) -> None:
    with rt.stores.case() as session:
        row = session.get(Staff, staff_id)
        for name, value in values.items():
            setattr(row, name, value)


def _handled_clue(rt, clerk: StaffUser, unit_id: int) -> str:
    report_id = intake.submit_report(rt, submission()).report_id
    workflow.register_clue(rt, clerk.id, report_id, unit_id, clerk.id)
    return report_id


# --- who may act ---------------------------------------------------------------------------

ACTS = {
    "list": lambda rt, actor, target: staff_admin.list_staff(rt, actor),
    "add": lambda rt, actor, target: staff_admin.add_staff_account(rt, actor, "newbie", "intake", UNIT),
    "deactivate": lambda rt, actor, target: staff_admin.deactivate_staff(rt, actor, target),
    "reactivate": lambda rt, actor, target: staff_admin.reactivate_staff(rt, actor, target),
    "unlock": lambda rt, actor, target: staff_admin.unlock_staff(rt, actor, target),
    "reset": lambda rt, actor, target: staff_admin.reset_password(rt, actor, target),
    "role": lambda rt, actor, target: staff_admin.change_role(rt, actor, target, "unit_head"),
    "unit": lambda rt, actor, target: staff_admin.change_unit(rt, actor, target, "第二科"),
}


@pytest.mark.parametrize("role", ["intake", "unit_head", "protection_officer", "custodian", "auditor"])
@pytest.mark.parametrize("act", sorted(ACTS))
def test_only_administrators_may_manage_accounts(staff_rt, make_staff, events, role, act) -> None:
    actor = make_staff("someone", role)
    target = make_staff("target", "intake")
    with pytest.raises(staff_admin.AdminOnly):
        ACTS[act](staff_rt, actor.id, target.id)
    assert accounts.get_staff(staff_rt, target.id).active
    last = events()[-1]
    assert (last.event, last.actor, last.detail["reason"]) == ("staff.admin_refused", "someone", "role")


def test_a_deactivated_administrator_may_not_act(staff_rt, make_staff, admin) -> None:
    other = make_staff("root2", "admin", unit=None)
    staff_admin.deactivate_staff(staff_rt, other.id, admin.id)
    with pytest.raises(staff_admin.AdminOnly):
        staff_admin.list_staff(staff_rt, admin.id)


def test_an_administrator_cannot_deactivate_themselves(staff_rt, admin, events) -> None:
    with pytest.raises(staff_admin.SelfDeactivation):
        staff_admin.deactivate_staff(staff_rt, admin.id, admin.id)
    assert accounts.get_staff(staff_rt, admin.id).active
    assert events()[-1].event == "staff.deactivation_refused"


def test_the_list_shows_accounts_and_no_secrets(staff_rt, make_staff, admin) -> None:
    clerk = make_staff("clerk", "intake")
    accounts.accept_pledge(staff_rt, clerk.id)
    _set(staff_rt, clerk.id, locked_until=utcnow() + timedelta(minutes=5))
    rows = {r.username: r for r in staff_admin.list_staff(staff_rt, admin.id)}
    assert set(rows) == {"root", "clerk"}
    row = rows["clerk"]
    assert (row.role, row.unit, row.active, row.locked) == ("intake", UNIT, True, True)
    assert row.pledge_accepted_at is not None and rows["root"].pledge_accepted_at is None
    assert not hasattr(row, "password_hash") and not hasattr(row, "totp_secret")


# --- handover (R24) ------------------------------------------------------------------------


def test_a_handler_with_open_clues_is_kept_until_they_are_reassigned(staff_rt, make_staff, admin, unit_id,
                                                                       events) -> None:
    clerk = make_staff("clerk", "intake")
    head = make_staff("head", "unit_head")
    successor = make_staff("successor", "intake")
    clues = [_handled_clue(staff_rt, clerk, unit_id) for _ in range(2)]
    with pytest.raises(staff_admin.HandlesOpenCases) as refused:
        staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    assert refused.value.params == {"count": 2}
    assert accounts.get_staff(staff_rt, clerk.id).active
    last = events()[-1]
    assert (last.event, last.detail["reason"], last.detail["staff"]) == (
        "staff.deactivation_refused", "HandlesOpenCases", "clerk")

    workflow.reassign_clue(staff_rt, head.id, clues[0], unit_id, successor.id)
    with pytest.raises(staff_admin.HandlesOpenCases) as refused:
        staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    assert refused.value.params == {"count": 1}
    workflow.reassign_clue(staff_rt, head.id, clues[1], unit_id, successor.id)
    staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    assert not accounts.get_staff(staff_rt, clerk.id).active
    assert (events()[-1].event, events()[-1].actor) == ("staff.deactivated", "root")


@pytest.mark.parametrize("state", ["closed", "archived", "merged", "not_accepted", "destroyed"])
def test_settled_clues_do_not_block_deactivation(staff_rt, make_staff, admin, unit_id, state) -> None:
    clerk = make_staff("clerk", "intake")
    report_id = _handled_clue(staff_rt, clerk, unit_id)
    from models.reporting.tables import Report

    with staff_rt.stores.case() as session:
        session.get(Report, report_id).state = state
    staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    assert not accounts.get_staff(staff_rt, clerk.id).active


def test_a_custodian_holding_shares_is_kept_until_re_dealt(staff_rt, public_rt, admin, custodians,
                                                           events) -> None:
    intake.submit_report(public_rt, submission(identity=dict(IDENTITY)))
    keeper = accounts.find_staff(staff_rt, "keeper3")
    with pytest.raises(HoldsShares):
        staff_admin.deactivate_staff(staff_rt, admin.id, keeper.id)
    assert accounts.get_staff(staff_rt, keeper.id).active
    assert events()[-1].event == "staff.deactivation_refused"
    # The handover: the two others re-deal every identity without keeper3 (2 of 2).
    retire_custodian(staff_rt, "root", "keeper3", {n: custodians[n] for n in ("keeper1", "keeper2")})
    staff_admin.deactivate_staff(staff_rt, admin.id, keeper.id)
    assert not accounts.get_staff(staff_rt, keeper.id).active
    assert events()[-1].event == "staff.deactivated"


# --- what deactivation, unlocking and resetting do ------------------------------------------


def test_a_deactivated_account_cannot_sign_in_and_comes_back_when_reactivated(staff_rt, make_staff,
                                                                                admin) -> None:
    clerk = make_staff("clerk", "intake")
    staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    with pytest.raises(SignInFailed):
        accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp())
    staff_admin.reactivate_staff(staff_rt, admin.id, clerk.id)
    assert accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp()).id == clerk.id


def test_throttling_slows_one_address_and_unlock_clears_it(staff_rt, make_staff, admin, events) -> None:
    """Wrong passwords from one address delay that address only; the owner elsewhere signs in."""
    clerk = make_staff("clerk", "intake")
    for _ in range(staff_rt.config.lockout_failures):
        with pytest.raises(SignInFailed):
            accounts.authenticate(staff_rt, "clerk", "wrong password!", clerk.totp(), address="10.0.0.66")
    with pytest.raises(SignInFailed):  # the right password, too early: refused with the same answer
        accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp(), address="10.0.0.66")
    assert events()[-1].detail["reason"] == "throttled"
    assert accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp(), address="10.0.0.7").id == clerk.id
    staff_admin.unlock_staff(staff_rt, admin.id, clerk.id)
    assert events()[-1].event == "staff.unlocked"


@pytest.fixture
def head(staff_rt, make_staff) -> StaffUser:  # type: ignore[no-untyped-def]
    """The unit head of UNIT, pledge accepted: the one who approves account changes there."""
    user = make_staff("head", "unit_head")
    accounts.accept_pledge(staff_rt, user.id)
    return user


def _approve(rt, head: StaffUser, outcome: approvals.AccountOutcome) -> approvals.AccountOutcome:
    assert outcome.code is None and outcome.pending_change_id is not None
    return approvals.approve_change(rt, head.id, outcome.pending_change_id)


def test_reset_takes_effect_at_approval_and_the_person_enrolls_anew(staff_rt, make_staff, admin, head,
                                                                     events) -> None:
    clerk = make_staff("clerk", "intake")
    pending = staff_admin.reset_password(staff_rt, admin.id, clerk.id)
    # Until the unit head approves, nothing changes: the clerk still signs in.
    assert accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp(), address="a").id == clerk.id
    done = _approve(staff_rt, head, pending)
    assert done.code
    issued = [e for e in events() if e.event == "staff.enrollment_issued"][-1]
    assert (issued.actor, issued.detail["staff"]) == ("head", "clerk") and done.code not in str(issued.detail)
    with pytest.raises(SignInFailed):
        accounts.authenticate(staff_rt, "clerk", PASSWORD, clerk.totp(), address="b")
    fresh = enroll(staff_rt, "clerk", done.code, NEW)
    assert fresh.totp_secret != clerk.totp_secret
    assert accounts.authenticate(staff_rt, "clerk", NEW, fresh.totp(), address="c").id == clerk.id


def test_enrollment_refuses_a_short_password_and_a_used_code(staff_rt) -> None:
    outcome = staff_admin.add_staff_account(staff_rt, None, "keeper9", "custodian", None)  # bootstrap
    assert outcome.code
    enrollment.start_enrollment(staff_rt, "keeper9", outcome.code)
    with pytest.raises(InvalidInput):
        enrollment.complete_enrollment(staff_rt, "keeper9", outcome.code, "short", "000000")
    enroll(staff_rt, "keeper9", outcome.code, NEW)
    with pytest.raises(enrollment.EnrollmentFailed):
        enrollment.start_enrollment(staff_rt, "keeper9", outcome.code)


def test_added_accounts_get_an_enrollment_code_and_no_password(staff_rt, admin, head, events) -> None:
    pending = staff_admin.add_staff_account(staff_rt, admin.id, "newbie", "unit_head", UNIT, "新同事")
    assert accounts.find_staff(staff_rt, "newbie").role == accounts.NO_ROLE
    code = _approve(staff_rt, head, pending).code
    assert code
    user = enroll(staff_rt, "newbie", code, NEW)
    staff = accounts.authenticate(staff_rt, "newbie", NEW, user.totp())
    assert (staff.role, staff.display_name, staff.unit.name) == ("unit_head", "新同事", UNIT)
    created = [e for e in events() if e.event == "staff.created"][-1]
    assert created.actor == "root" and code not in str(created.detail)


# --- protection officers' keys ---------------------------------------------------------------


@pytest.fixture
def approved(staff_rt, public_rt, make_staff, custodians):  # type: ignore[no-untyped-def]
    """An officer with an approved unseal request: (officer, request id)."""
    officer = make_staff("officer", "protection_officer")
    report_id = intake.submit_report(public_rt, submission(identity=dict(IDENTITY))).report_id
    keepers = {n: accounts.find_staff(staff_rt, n).id for n in custodians}
    rid = unseal.request_unseal(staff_rt, officer.id, report_id, "评估报复风险，安排保护。", "reporter_at_risk")
    assert approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2") == "approved"
    return officer, rid


def test_changing_ones_own_password_rewraps_the_officer_key(staff_rt, approved, events) -> None:
    officer, rid = approved
    staff_admin.change_own_password(staff_rt, officer.id, officer.password, NEW)
    assert events()[-1].event == "staff.password_changed"
    with pytest.raises(unseal.WrongPassphrase):
        disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, NEW).fields == IDENTITY


@pytest.mark.parametrize("old", ["not my password", ""])
def test_changing_ones_password_needs_the_old_one(staff_rt, approved, events, old) -> None:
    officer, rid = approved
    with pytest.raises(SignInFailed):
        staff_admin.change_own_password(staff_rt, officer.id, old, NEW)
    assert events()[-1].event == "staff.password_change_refused"
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password).fields == IDENTITY


def test_a_deactivated_account_cannot_change_its_password(staff_rt, make_staff, admin) -> None:
    clerk = make_staff("clerk", "intake")
    staff_admin.deactivate_staff(staff_rt, admin.id, clerk.id)
    with pytest.raises(staff_admin.AccountInactive):
        staff_admin.change_own_password(staff_rt, clerk.id, PASSWORD, NEW)


def test_resetting_an_officer_with_open_requests_needs_confirmation(staff_rt, admin, head, approved,
                                                                     events) -> None:
    officer, rid = approved
    with pytest.raises(staff_admin.OfficerRequestsOpen) as refused:
        staff_admin.reset_password(staff_rt, admin.id, officer.id)
    assert refused.value.params == {"count": 1}
    assert events()[-1].event == "staff.password_reset_refused"
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password).fields == IDENTITY

    pending = staff_admin.reset_password(staff_rt, admin.id, officer.id, accept_lost_requests=True)
    assert pending.unopenable_requests == 1
    code = _approve(staff_rt, head, pending).code
    enroll(staff_rt, "officer", code or "", NEW)
    # The approved request is lost: shares were re-sealed to the old key pair.
    with pytest.raises(disclosure.CannotOpen):
        disclosure.open_unsealed_identity(staff_rt, officer.id, rid, NEW)


def test_after_a_reset_new_requests_open_with_the_new_password(staff_rt, public_rt, make_staff, admin, head,
                                                               custodians) -> None:
    officer = make_staff("officer", "protection_officer")
    code = _approve(staff_rt, head, staff_admin.reset_password(staff_rt, admin.id, officer.id)).code
    enroll(staff_rt, "officer", code or "", NEW)
    report_id = intake.submit_report(public_rt, submission(identity=dict(IDENTITY))).report_id
    keepers = {n: accounts.find_staff(staff_rt, n).id for n in custodians}
    rid = unseal.request_unseal(staff_rt, officer.id, report_id, "评估报复风险，安排保护。", "reporter_at_risk")
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper3")
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, NEW).fields == IDENTITY
