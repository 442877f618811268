"""No single person takes over another's account, whatever its role (R29, issue #22 item 1).

The administrator tries, for an account of every role, to obtain its enrollment code: creating or
resetting it through the pages, the JSON API and the console (past bootstrap). The code goes to
the approver only (another administrator, or the unit head for a content role); the person
enrolls with it; the audit names who asked and who approved.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from models.administration import approvals, staff_admin
from models.audit.tables import AuditEvent
from models.staff import accounts
from models.staff.tables import Enrollment
from tests.administration.conftest import UNIT
from tests.conftest import StaffUser, enroll

ROLES = ("auditor", "custodian", "admin", "intake", "unit_head", "protection_officer")
CODE = re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}")
NEW = "the person's own password"


@pytest.fixture
def site(staff_rt, make_staff, admin) -> dict[str, StaffUser]:  # type: ignore[no-untyped-def]
    """Past bootstrap: two administrators, two heads of 第一科, and an account of every role."""
    people = {"root": admin, "root2": make_staff("root2", "admin", unit=None),
              "head": make_staff("head", "unit_head"), "head2": make_staff("head2", "unit_head")}
    for role in ROLES:
        people[role] = make_staff(f"the_{role}", role, unit=UNIT if role in accounts.CONTENT_ROLES else None)
    for user in people.values():
        accounts.accept_pledge(staff_rt, user.id)
    return people


def _approver(site: dict[str, StaffUser], role: str) -> StaffUser:
    """Who decides for an account of ``role``: another administrator, or its unit's (other) head."""
    if role in accounts.CONTENT_ROLES:
        return site["head2"] if role == "unit_head" else site["head"]
    return site["root2"]


def _codes(rt, **where: Any) -> list[Enrollment]:
    with rt.stores.case() as session:
        query = select(Enrollment)
        for name, value in where.items():
            query = query.where(getattr(Enrollment, name) == value)
        return list(session.scalars(query))


def _events(rt, name: str) -> list[AuditEvent]:
    with rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_give_the_administrator_no_code(sign_in, staff_rt, site, role) -> None:
    client = sign_in(site["root"])
    target = site[role]
    pages = [
        client.post("/admin/staff/new", {"username": f"new_{role}", "role": role,
                                         "unit": UNIT if role in accounts.CONTENT_ROLES else ""}),
        client.post(f"/admin/staff/{target.id}/reset", {"confirmed": "1"}, page="/admin/staff"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="pending"' in html
        assert 'id="enrollment-code"' not in html and not CODE.search(html)
    # Nor on the overview of what waits: his own requests carry no button and no code.
    overview = client.get("/admin/account-changes").get_data(as_text=True)
    assert f"new_{role}" in overview and not CODE.search(overview) and "/approve" not in overview
    assert _codes(staff_rt) == []  # nothing issued at all until someone else approves
    # The reset waits: the account's own credentials still work.
    assert accounts.authenticate(staff_rt, target.username, target.password, target.totp(), address="a").id == target.id


def _api_calls(staff_app, headers: dict[str, str], target_id: int) -> list[str]:
    """Every staff API route, every method, with the target's id for each integer argument."""
    bodies = []
    client = staff_app.test_client()
    for rule in staff_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule == "/api/v1/session":
            continue
        args = {name: target_id if isinstance(conv, NumberConverter) else "x"
                for name, conv in rule._converters.items()}
        with staff_app.test_request_context():
            url = staff_app.url_for(rule.endpoint, **args)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers=headers,
                                   json={"username": "mole", "role": "auditor", "staff_id": target_id})
            bodies.append(response.get_data(as_text=True))
    return bodies


@pytest.mark.parametrize("role", ROLES)
def test_the_json_api_gives_the_administrator_no_code(staff_app, api_token, staff_rt, site, role) -> None:
    bodies = _api_calls(staff_app, api_token(site["root"]), site[role].id)
    assert bodies and not any(CODE.search(body) for body in bodies)
    assert _codes(staff_rt) == []


@pytest.fixture
def cli(config, stores):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str, stdin: str = "") -> Any:
        from web.cli.main import main

        return runner.invoke(main, list(args), input=stdin, obj=config, catch_exceptions=False)

    return run


@pytest.mark.parametrize("role", ROLES)
def test_the_console_past_bootstrap_gives_no_code(cli, staff_rt, site, role) -> None:
    unit = ["--unit", UNIT] if role in accounts.CONTENT_ROLES else []
    added = cli("staff", "add", f"new_{role}", "--role", role, *unit)
    reset = cli("staff", "reset-password", site[role].username)
    for result in (added, reset):
        assert result.exit_code == 0, result.output
        assert "enrollment-code" not in result.output and not CODE.search(result.output)
        assert "awaiting approval by" in result.output
    assert _codes(staff_rt) == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("act", ["create", "reset"])
def test_the_approver_gets_the_code_and_the_person_enrolls(staff_rt, site, role, act) -> None:
    root, approver = site["root"], _approver(site, role)
    if act == "create":
        outcome = staff_admin.add_staff_account(staff_rt, root.id, "fresh", role,
                                                UNIT if role in accounts.CONTENT_ROLES else None)
    else:
        outcome = staff_admin.reset_password(staff_rt, root.id, site[role].id)
    assert outcome.code is None and outcome.pending_change_id
    assert outcome.by_administrators == (role not in accounts.CONTENT_ROLES)
    change = outcome.pending_change_id
    # Neither the requester nor anyone but the approver may decide it.
    # Neither the requester, nor the auditor, nor the other kind of approver, nor the account itself.
    wrong = ["root", "auditor", "root2" if role in accounts.CONTENT_ROLES else "head"]
    if act == "reset" and role in {"admin", "unit_head"}:
        wrong.append(role)
    for who in wrong:
        with pytest.raises(approvals.NotTheApprover):
            approvals.approve_change(staff_rt, site[who].id, change)
    assert [c.id for c in approvals.pending_for(staff_rt, approver.id)] == [change]
    assert approvals.pending_for(staff_rt, root.id) == []
    code = approvals.approve_change(staff_rt, approver.id, change).code
    assert code
    issued = _codes(staff_rt)
    assert [(e.issued_to, e.used_at) for e in issued] == [(approver.username, None)]
    name = "fresh" if act == "create" else site[role].username
    person = enroll(staff_rt, name, code, NEW)
    staff = accounts.authenticate(staff_rt, name, NEW, person.totp(), address="b")
    assert staff.role == role
    if act == "reset":  # the old credentials died with the reset
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(staff_rt, name, site[role].password, site[role].totp(), address="c")
    asked = _events(staff_rt, "staff.change_requested")[-1]
    assert (asked.actor, asked.detail["staff"], asked.detail["kind"]) == ("root", name,
                                                                         "role" if act == "create" else "reset")
    shown = _events(staff_rt, "staff.enrollment_issued")[-1]
    assert (shown.actor, shown.detail["staff"], shown.detail["requested_by"]) == (approver.username, name, "root")
    assert "bootstrap" not in shown.detail and code not in str(shown.detail)
    assert _events(staff_rt, "staff.enrolled")[-1].actor == name


def test_no_administrator_approves_his_own_request_or_account(staff_rt, site) -> None:
    root, root2 = site["root"], site["root2"]
    own = staff_admin.reset_password(staff_rt, root.id, root.id).pending_change_id or 0
    with pytest.raises(approvals.NotTheOtherAdministrator):
        approvals.approve_change(staff_rt, root.id, own)
    about_root2 = staff_admin.reset_password(staff_rt, root.id, root2.id).pending_change_id or 0
    with pytest.raises(approvals.NotTheOtherAdministrator):
        approvals.approve_change(staff_rt, root2.id, about_root2)
    refused = _events(staff_rt, "staff.change_refused")
    assert [(e.actor, e.detail["reason"]) for e in refused] == [("root", "NotTheOtherAdministrator"),
                                                                ("root2", "NotTheOtherAdministrator")]
    # With a third administrator it is decided, and he, not the requester, is shown the code.
    approvals.deny_change(staff_rt, root2.id, own)
    assert _codes(staff_rt) == []


def test_granting_an_auditor_custodian_or_admin_role_waits_too(staff_rt, site) -> None:
    """The detour: give a clerk (or oneself) the auditor's role directly."""
    root, clerk = site["root"], site["intake"]
    for who in (root, clerk):
        outcome = staff_admin.change_role(staff_rt, root.id, who.id, "auditor")
        assert outcome.pending_change_id and outcome.by_administrators
    assert accounts.get_staff(staff_rt, root.id).role == "admin"
    # The clerk's content role ends at once (it only narrows); the auditor's waits.
    assert accounts.get_staff(staff_rt, clerk.id).role == accounts.NO_ROLE


def test_the_console_bootstrap_is_audited_as_such(cli, staff_rt) -> None:
    assert cli("init").exit_code == 0
    first = cli("staff", "add", "first_admin", "--role", "admin")
    assert "enrollment-code: " in first.output  # nobody could approve yet
    shown = _events(staff_rt, "staff.enrollment_issued")[-1]
    assert (shown.actor, shown.detail["bootstrap"], shown.detail["requested_by"]) == ("cli", True, "cli")
    code = CODE.search(first.output)
    assert code and cli("staff", "enroll", "first_admin", "--stdin",
                        stdin=f"{code.group(0)}\na long enough password\n").exit_code == 0
    second = cli("staff", "add", "auditor1", "--role", "auditor")
    assert "awaiting approval by another administrator" in second.output and not CODE.search(second.output)


def test_what_nobody_can_approve_is_shown_to_the_administrator(sign_in, staff_rt, make_staff, admin) -> None:
    """A unit without a head (issue #27 item 6), a site with one administrator: the item is seen."""
    from models.administration import units

    units.add_unit(staff_rt, None, "第三科")
    staff_admin.add_staff_account(staff_rt, admin.id, "newbie", "intake", "第三科")
    staff_admin.add_staff_account(staff_rt, admin.id, "aud", "auditor", None)
    html = sign_in(admin).get("/admin/account-changes").get_data(as_text=True)
    assert "newbie" in html and "须经第三科负责人批准" in html
    assert "aud" in html and "须经另一名管理员批准" in html
    assert html.count('class="nobody"') == 2
    rows = approvals.pending_changes(staff_rt, admin.id)
    assert [(r.username, r.approver_unit, r.decidable, r.mine) for r in rows] == [
        ("newbie", "第三科", False, False), ("aud", "", False, False)]


def test_credentials_the_requester_was_shown_never_carry_a_granted_role(cli, staff_rt, site) -> None:
    """The console enrolled "keeper" at bootstrap (its code went to ``cli``); when the console later
    asks for the administrator's role on it, the approval clears those credentials and the new
    code goes to the approver."""
    from models.staff.tables import Staff

    with staff_rt.stores.case() as session:  # as if ``cli`` had been shown keeper's code and used it
        keeper = session.get(Staff, site["custodian"].id)
        session.add(Enrollment(staff_id=keeper.id, code_hash="0" * 64, purpose="new", issued_to="cli",
                               expires_at=keeper.created_at, used_at=keeper.created_at))
    asked = cli("staff", "change", "the_custodian", "--role", "admin")
    assert "awaiting approval by another administrator" in asked.output
    change = approvals.pending_for(staff_rt, site["root2"].id)[0].id
    code = approvals.approve_change(staff_rt, site["root2"].id, change).code
    assert code and accounts.get_staff(staff_rt, site["custodian"].id).password_hash == ""
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(staff_rt, "the_custodian", site["custodian"].password, site["custodian"].totp())
    assert [e.issued_to for e in _codes(staff_rt, used_at=None)] == ["root2"]
