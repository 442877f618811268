"""The unsealing workflow at the level every front end calls (R9, R10, R23)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from models.audit import trail
from models.audit.tables import AuditEvent
from models.protection import custodian_lifecycle, disclosure, unseal
from models.protection.unseal_tables import ResealedShare, UnsealRequest
from models.reporting import intake
from models.staff import acting
from models.staff.tables import Staff
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed
from tests.protection.conftest import CANARY, IDENTITY, approve_by, file_request

START = "2026-11-28 08:00:00 +0000"


def _events(rt, request_id: str | None = None) -> list[AuditEvent]:
    with rt.stores.case() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [r for r in rows if request_id is None or (r.detail or {}).get("request") == request_id]


def test_happy_path_k_approvals_then_the_requester_opens(staff_rt, officer, clue, keepers, custodians) -> None:
    rid = file_request(staff_rt, officer, clue)
    assert unseal.get_unseal_request(staff_rt, officer.id, rid).state == "pending"
    assert approve_by(staff_rt, keepers, custodians, rid, "keeper1") == "pending"
    assert approve_by(staff_rt, keepers, custodians, rid, "keeper2") == "approved"
    opened = disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert opened.fields == IDENTITY
    assert opened.viewer == "officer"
    assert opened.window_ends_at - opened.viewed_at <= timedelta(hours=staff_rt.config.unseal_window_hours)
    # A second look within the window works and is audited again.
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    events = [e.event for e in _events(staff_rt, rid)]
    assert events == ["unseal.requested", "unseal.approval_given", "unseal.approval_given", "unseal.approved",
                      "unseal.identity_viewed", "unseal.notice_sent", "unseal.identity_viewed"]
    with staff_rt.stores.case() as session:
        assert trail.verify(session) == []


def test_every_step_is_audited_with_who_when_which_request_and_never_the_identity(
        staff_rt, officer, clue, keepers, custodians) -> None:
    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1")
    with pytest.raises(unseal.AlreadyAnswered):
        unseal.deny_unseal(staff_rt, keepers["keeper1"], rid, "改变主意")
    approve_by(staff_rt, keepers, custodians, rid, "keeper2")
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    events = _events(staff_rt, rid)
    actors = {e.event: e.actor for e in events}
    assert actors["unseal.requested"] == "officer"
    assert actors["unseal.approved"] == "keeper2"
    assert actors["unseal.refused"] == "keeper1"
    assert actors["unseal.identity_viewed"] == "officer"
    assert all(e.at is not None and e.report_id == clue.report_id for e in events)
    with staff_rt.stores.case() as session:
        dump = repr([(e.actor, e.event, e.detail) for e in session.scalars(select(AuditEvent))])
    for secret in [CANARY, *IDENTITY.values(), "评估报复风险", "同意", "改变主意"]:
        assert secret not in dump


def test_the_reporter_is_told_on_the_status_page(public_rt, staff_rt, officer, clue, keepers, custodians) -> None:
    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    assert intake.reporter_status(public_rt, clue.code).messages == []
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    [notice] = intake.reporter_status(public_rt, clue.code).messages
    assert notice.sender == "staff"
    assert "身份" in notice.text and "保护" in notice.text and "举报人面临危险" in notice.text
    # Issue #27 item 1: no trailing English paragraph; a next step and the emergency number.
    assert "Notice" not in notice.text and "identity" not in notice.text
    assert "在本页" in notice.text and "110" in notice.text
    assert CANARY not in notice.text
    # Told once, not on every view.
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert len(intake.reporter_status(public_rt, clue.code).messages) == 1


def test_a_unit_head_can_withhold_the_notice_with_a_reason(public_rt, staff_rt, make_staff, officer, clue,
                                                           keepers, custodians) -> None:
    head = make_staff("head", "unit_head")
    rid = file_request(staff_rt, officer, clue)
    with pytest.raises(InvalidInput):
        disclosure.withhold_disclosure_notice(staff_rt, head.id, rid, "  ")
    with pytest.raises(NotAllowed):
        disclosure.withhold_disclosure_notice(staff_rt, officer.id, rid, "不告知")
    disclosure.withhold_disclosure_notice(staff_rt, head.id, rid, "告知将危及侦查")
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert intake.reporter_status(public_rt, clue.code).messages == []
    view = unseal.get_unseal_request(staff_rt, head.id, rid)
    assert (view.notice, view.notice_reason) == ("withheld", "告知将危及侦查")


def test_denied_as_soon_as_k_cannot_be_reached(staff_rt, officer, clue, keepers, custodians) -> None:
    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1")
    assert unseal.deny_unseal(staff_rt, keepers["keeper2"], rid, "理由不足") == "pending"
    assert unseal.deny_unseal(staff_rt, keepers["keeper3"], rid, "理由不足") == "denied"
    with staff_rt.stores.vault() as session:
        assert session.scalars(select(ResealedShare).where(ResealedShare.request_id == rid)).all() == []
    with pytest.raises(unseal.RequestDenied):
        disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)


def test_deny_needs_a_note(staff_rt, officer, clue, keepers) -> None:
    rid = file_request(staff_rt, officer, clue)
    with pytest.raises(InvalidInput):
        unseal.deny_unseal(staff_rt, keepers["keeper1"], rid, "")


@pytest.mark.parametrize(("changes", "field"), [
    ({"purpose": " "}, "purpose"),
    ({"purpose": "x" * 2001}, "purpose"),
    ({"legal_basis": "because"}, "legal_basis"),
    ({"legal_basis": "other", "legal_basis_other": ""}, "legal_basis_other"),
])
def test_a_request_needs_purpose_and_legal_basis(staff_rt, officer, clue, changes, field) -> None:
    args = {"purpose": "保护举报人", "legal_basis": "reporter_at_risk", "legal_basis_other": ""} | changes
    with pytest.raises(InvalidInput) as info:
        unseal.request_unseal(staff_rt, officer.id, clue.report_id, **args)
    assert field in info.value.errors


# --- every refusal: a named error, and an "unseal.refused" audit event ----------------------

def _k_minus_one(ctx) -> Callable[[], object]:
    approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1")
    return lambda: disclosure.open_unsealed_identity(ctx.rt, ctx.officer.id, ctx.rid, ctx.officer.password)


def _requester_approves(ctx) -> Callable[[], object]:
    return lambda: unseal.approve_unseal(ctx.rt, ctx.officer.id, ctx.rid, ctx.officer.password)


def _requester_holding_custodian_keys(ctx) -> Callable[[], object]:
    # keeper1 becomes a protection officer (of the intake office, which the unregistered clue
    # belongs to), asks, then is a custodian again and tries to approve.
    _set_role(ctx.rt, "keeper1", "protection_officer")
    with ctx.rt.stores.case() as session:
        keeper = session.scalars(select(Staff).where(Staff.username == "keeper1")).one()
        keeper.unit_id = session.scalars(select(Staff.unit_id).where(Staff.id == ctx.officer.id)).one()
    from models.staff.officer_keys import ensure_officer_key

    ensure_officer_key(ctx.rt, ctx.keepers["keeper1"], "keeper1", "correct horse battery")
    rid = unseal.request_unseal(ctx.rt, ctx.keepers["keeper1"], ctx.clue.report_id, "自己申请", "reporter_consent")
    _set_role(ctx.rt, "keeper1", "custodian")
    ctx.rid = rid
    return lambda: unseal.approve_unseal(ctx.rt, ctx.keepers["keeper1"], rid, ctx.custodians["keeper1"])


def _second_answer(ctx) -> Callable[[], object]:
    approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1")
    return lambda: approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1")


def _wrong_role_requests(ctx) -> Callable[[], object]:
    clerk = ctx.make_staff("clerk", "intake")
    return lambda: unseal.request_unseal(ctx.rt, clerk.id, ctx.clue.report_id, "想看", "other", "好奇")


def _wrong_role_approves(ctx) -> Callable[[], object]:
    head = ctx.make_staff("head", "unit_head")
    return lambda: unseal.approve_unseal(ctx.rt, head.id, ctx.rid, "whatever passphrase")


def _someone_else_opens(ctx) -> Callable[[], object]:
    other = ctx.make_staff("officer2", "protection_officer")
    approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1", "keeper2")
    return lambda: disclosure.open_unsealed_identity(ctx.rt, other.id, ctx.rid, other.password)


def _expired_request(ctx) -> Callable[[], object]:
    ctx.traveller.shift(timedelta(hours=ctx.rt.config.unseal_request_hours, seconds=1))
    return lambda: approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1")


def _expired_window(ctx) -> Callable[[], object]:
    approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1", "keeper2")
    ctx.traveller.shift(timedelta(hours=ctx.rt.config.unseal_window_hours, seconds=1))
    return lambda: disclosure.open_unsealed_identity(ctx.rt, ctx.officer.id, ctx.rid, ctx.officer.password)


def _wrong_passphrase(ctx) -> Callable[[], object]:
    return lambda: unseal.approve_unseal(ctx.rt, ctx.keepers["keeper1"], ctx.rid, "not-the-passphrase")


def _wrong_password(ctx) -> Callable[[], object]:
    approve_by(ctx.rt, ctx.keepers, ctx.custodians, ctx.rid, "keeper1", "keeper2")
    return lambda: disclosure.open_unsealed_identity(ctx.rt, ctx.officer.id, ctx.rid, "wrong password!!")


def _retired_custodian(ctx) -> Callable[[], object]:
    # Re-dealing waits for open requests: settle this one first, then retire keeper3.
    unseal.deny_unseal(ctx.rt, ctx.keepers["keeper1"], ctx.rid, "不同意")
    unseal.deny_unseal(ctx.rt, ctx.keepers["keeper2"], ctx.rid, "不同意")
    custodian_lifecycle.retire_custodian(ctx.rt, "admin", "keeper3", {
        "keeper1": ctx.custodians["keeper1"], "keeper2": ctx.custodians["keeper2"]})
    rid = file_request(ctx.rt, ctx.officer, ctx.clue)
    ctx.rid = rid
    return lambda: approve_by(ctx.rt, ctx.keepers, ctx.custodians, rid, "keeper3")


def _no_identity(ctx) -> Callable[[], object]:
    return lambda: file_request(ctx.rt, ctx.officer, ctx.anonymous)


def _set_role(rt, username: str, role: str) -> None:
    with rt.stores.case() as session:
        session.scalars(select(Staff).where(Staff.username == username)).one().role = role


REFUSALS = {
    "k-1 approvals": (_k_minus_one, unseal.NotApproved),
    "requester approves": (_requester_approves, unseal.NotACustodian),  # an officer's role answers nothing
    "requester holding custodian keys": (_requester_holding_custodian_keys, unseal.RequesterCannotApprove),
    "second answer": (_second_answer, unseal.AlreadyAnswered),
    "wrong role requests": (_wrong_role_requests, NotAllowed),
    "wrong role approves": (_wrong_role_approves, NotAllowed),
    "someone else opens": (_someone_else_opens, disclosure.OnlyRequester),
    "expired request": (_expired_request, unseal.RequestExpired),
    "expired window": (_expired_window, disclosure.WindowClosed),
    "wrong passphrase": (_wrong_passphrase, unseal.WrongPassphrase),
    "wrong password": (_wrong_password, unseal.WrongPassphrase),
    "retired custodian": (_retired_custodian, unseal.NotACustodian),
    "no identity": (_no_identity, unseal.NoIdentity),
}


class Ctx:
    pass


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_is_a_clear_error_and_audited(case, staff_rt, public_rt, officer, clue, keepers,
                                                    custodians, make_staff) -> None:
    setup, error = REFUSALS[case]
    with time_machine.travel(START, tick=False) as traveller:
        ctx = Ctx()
        ctx.rt, ctx.officer, ctx.clue, ctx.keepers, ctx.custodians = staff_rt, officer, clue, keepers, custodians
        ctx.make_staff, ctx.traveller = make_staff, traveller
        ctx.anonymous = type(clue)(*(lambda r: (r.report_id, r.registry_no, r.code))(
            intake.submit_report(public_rt, __import__("tests.conftest").conftest.submission())))
        ctx.rid = file_request(staff_rt, officer, clue)
        act = setup(ctx)
        before = len(_events(staff_rt))
        with pytest.raises(error) as info:
            act()
    assert isinstance(info.value, ClueGuardError)
    assert info.value.message  # a translatable sentence, shown to the user
    refused = [e for e in _events(staff_rt)[before:] if e.event == "unseal.refused"]
    assert len(refused) == 1
    assert refused[0].detail["reason"] == acting.reason_of(info.value)  # "role", or the error's name


def test_expiry_and_window_cleanup_destroy_reseal_shares(staff_rt, officer, clue, keepers, custodians) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        waiting = file_request(staff_rt, officer, clue)
        approve_by(staff_rt, keepers, custodians, waiting, "keeper1")
        traveller.shift(timedelta(hours=staff_rt.config.unseal_request_hours + 1))
        assert unseal.expire_unseal_requests(staff_rt).expired == 1
        opened = file_request(staff_rt, officer, clue)
        approve_by(staff_rt, keepers, custodians, opened, "keeper1", "keeper2")
        traveller.shift(timedelta(hours=staff_rt.config.unseal_window_hours + 1))
        assert unseal.expire_unseal_requests(staff_rt).destroyed == 1
    with staff_rt.stores.vault() as session:
        assert session.scalars(select(ResealedShare)).all() == []
        states = {r.id: r.state for r in session.scalars(select(UnsealRequest))}
    assert states == {waiting: "expired", opened: "closed"}


def test_a_password_change_rewraps_the_officer_key(staff_rt, officer, clue, keepers, custodians) -> None:
    from models.staff.accounts import change_password

    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    change_password(staff_rt, officer.id, officer.password, "a brand new password")
    with pytest.raises(unseal.WrongPassphrase):
        disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, "a brand new password").fields == IDENTITY


def test_a_foreign_unit_head_cannot_withhold_the_notice(public_rt, staff_rt, make_staff, officer, clue,
                                                        keepers, custodians) -> None:
    """R10 (issue #22 item 5c): only a head of the clue's unit (here the intake office) may."""
    foreign = make_staff("foreign_head", "unit_head", unit="第二科")
    rid = file_request(staff_rt, officer, clue)
    with pytest.raises(NotAllowed):
        disclosure.withhold_disclosure_notice(staff_rt, foreign.id, rid, "告知将危及侦查")
    assert unseal.get_unseal_request(staff_rt, officer.id, rid).notice == "due"
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password)
    assert len(intake.reporter_status(public_rt, clue.code).messages) == 1  # the reporter was told
