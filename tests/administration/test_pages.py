"""The administration pages and the own-password page, through a signed-in browser session."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine

from models.administration import staff_admin
from models.cases import workflow
from models.protection import disclosure, unseal
from models.reporting import intake
from models.staff import accounts
from models.store.db import utcnow
from tests.conftest import PASSWORD, StaffUser, _sign_in_form, submission
from tests.protection.conftest import IDENTITY, approve_by

NEW = "a fresh password 42"


def _shown(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert found, element_id
    return found.group(1)


@pytest.mark.parametrize("path", ["/admin/staff", "/admin/staff/new"])
@pytest.mark.parametrize("role", ["intake", "unit_head", "protection_officer", "custodian", "auditor"])
def test_admin_pages_are_refused_to_other_roles(sign_in, make_staff, admin, role, path) -> None:
    client = sign_in(make_staff("someone", role))
    assert client.get(path).status_code == 403
    target = make_staff("target", "intake")
    response = client.post(f"/admin/staff/{target.id}/deactivate", page="/account/password")
    assert response.status_code == 403


def test_the_list_shows_accounts_and_the_nav_links_to_it(sign_in, make_staff, admin) -> None:
    make_staff("clerk", "intake")
    client = sign_in(admin)
    assert 'href="/admin/staff"' in client.get("/").get_data(as_text=True)
    html = client.get("/admin/staff").get_data(as_text=True)
    assert 'id="staff-clerk"' in html and "第一科" in html and "启用" in html
    clerk_page = sign_in(make_staff("clerk2", "intake"))
    assert 'href="/admin/staff"' not in clerk_page.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in clerk_page.get("/").get_data(as_text=True)


def test_deactivating_signs_the_account_out_and_stops_its_api_token(sign_in, make_staff, admin, api_token,
                                                                    staff_app) -> None:
    clerk = make_staff("clerk", "intake")
    headers = api_token(clerk)
    their_session = sign_in(clerk)
    api = staff_app.test_client()
    assert api.get("/api/v1/reports", headers=headers).status_code == 200
    client = sign_in(admin)
    response = client.post(f"/admin/staff/{clerk.id}/deactivate", {"confirmed": "1"}, page="/admin/staff")
    assert response.status_code == 302
    assert "停用" in client.get("/admin/staff").get_data(as_text=True)
    assert api.get("/api/v1/reports", headers=headers).status_code == 401
    assert their_session.get("/").status_code == 302
    assert _sign_in_form(staff_app.test_client(), clerk).status_code == 401


def test_a_handler_with_open_clues_is_refused_with_the_count(sign_in, make_staff, admin, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    report_id = intake.submit_report(staff_rt, submission()).report_id
    unit_id = accounts.get_staff(staff_rt, clerk.id).unit_id
    workflow.register_clue(staff_rt, clerk.id, report_id, unit_id, clerk.id)
    client = sign_in(admin)
    client.post(f"/admin/staff/{clerk.id}/deactivate", {"confirmed": "1"}, page="/admin/staff")
    html = client.get("/admin/staff").get_data(as_text=True)
    assert "1" in html and "重新分配" in html
    assert accounts.get_staff(staff_rt, clerk.id).active


def test_an_admin_cannot_deactivate_themselves_on_the_page(sign_in, admin, staff_rt) -> None:
    client = sign_in(admin)
    client.post(f"/admin/staff/{admin.id}/deactivate", {"confirmed": "1"}, page="/admin/staff")
    assert accounts.get_staff(staff_rt, admin.id).active
    assert client.get("/admin/staff").status_code == 200


def test_a_form_without_csrf_token_is_refused(sign_in, make_staff, admin, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    client = sign_in(admin)
    client.client.post(f"/admin/staff/{clerk.id}/deactivate", data={"confirmed": "1"})
    assert accounts.get_staff(staff_rt, clerk.id).active


def _head(make_staff, staff_rt) -> StaffUser:  # type: ignore[no-untyped-def]
    head = make_staff("head", "unit_head")
    accounts.accept_pledge(staff_rt, head.id)
    return head


def test_reset_waits_for_the_unit_head_whose_page_shows_the_code_once(sign_in, make_staff, admin, staff_app,
                                                                        staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    head = _head(make_staff, staff_rt)
    response = sign_in(admin).post(f"/admin/staff/{clerk.id}/reset", {"confirmed": "1"}, page="/admin/staff")
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="pending"' in html and 'id="enrollment-code"' not in html
    head_page = sign_in(head)
    listing = head_page.get("/account-changes").get_data(as_text=True)
    change_id = int(re.search(r'id="change-(\d+)"', listing).group(1))
    done = head_page.post(f"/account-changes/{change_id}/approve", page="/account-changes")
    assert done.status_code == 200 and "no-store" in done.headers["Cache-Control"]
    code = _shown(done.get_data(as_text=True), "enrollment-code")
    # Issue #27 item 5: the page says where to enroll, and the sign-in page links it.
    assert 'id="enroll-address">开户页面： <a href="/enroll">http://localhost/enroll</a>' in done.get_data(as_text=True)
    assert '<a href="/enroll">凭开户码开户</a>' in staff_app.test_client().get("/login").get_data(as_text=True)
    assert _sign_in_form(staff_app.test_client(), clerk).status_code == 401
    page = staff_app.test_client()
    start = page.get("/enroll").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', start).group(1)
    shown = page.post("/enroll", data={"csrf_token": token, "username": "clerk", "code": code})
    secret = _shown(shown.get_data(as_text=True), "totp-secret")
    assert '<figure class="totp-qr"' in shown.get_data(as_text=True)  # the QR code, drawn by the server
    with time_machine.travel(utcnow() - timedelta(seconds=60), tick=False):
        finished = page.post("/enroll/complete", data={
            "csrf_token": token, "username": "clerk", "code": code, "password": NEW, "repeat": NEW,
            "totp": pyotp.TOTP(secret).now()})
    assert finished.status_code == 302
    fresh = StaffUser(clerk.id, "clerk", "intake", NEW, secret)
    assert _sign_in_form(staff_app.test_client(), fresh).status_code == 302


def test_unlock_on_the_page(sign_in, make_staff, admin, staff_rt, staff_app) -> None:
    clerk = make_staff("clerk", "intake")
    wrong = StaffUser(clerk.id, "clerk", "intake", "wrong password!", clerk.totp_secret)
    for _ in range(staff_rt.config.lockout_failures):
        _sign_in_form(staff_app.test_client(), wrong)
    client = sign_in(admin)
    assert "锁定" in client.get("/admin/staff").get_data(as_text=True)  # shown as slowed down
    client.post(f"/admin/staff/{clerk.id}/unlock", page="/admin/staff")
    # The clerk's throttle from this address is forgotten: they sign in at once.
    assert _sign_in_form(staff_app.test_client(), clerk).status_code == 302


def test_adding_an_account_shows_the_code_to_the_second_administrator_only(sign_in, admin, make_staff,
                                                                            staff_app, staff_rt) -> None:
    from models.administration import units

    units.add_unit(staff_rt, None, "第二科")
    second = make_staff("root2", "admin", unit=None)
    client = sign_in(admin)
    response = client.post("/admin/staff/new", {"username": "keeper9", "display_name": "新保管人",
                                                "role": "custodian", "unit": ""})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert 'id="pending"' in html and "另一名管理员" in html
    assert 'id="enrollment-code"' not in html and 'id="new-password"' not in html and 'id="totp-secret"' not in html
    change = re.search(r'id="change-(\d+)"', client.get("/admin/account-changes").get_data(as_text=True))
    assert change  # the requester sees it waiting, with no button of his own
    assert client.post(f"/admin/account-changes/{change.group(1)}/approve",
                       page="/admin/account-changes").status_code == 302
    approved = sign_in(second).post(f"/admin/account-changes/{change.group(1)}/approve",
                                    page="/admin/account-changes")
    assert approved.status_code == 200 and "no-store" in approved.headers["Cache-Control"]
    assert _shown(approved.get_data(as_text=True), "enrollment-code")
    content = client.post("/admin/staff/new", {"username": "newbie", "role": "intake", "unit": "第二科"})
    assert content.status_code == 200 and 'id="enrollment-code"' not in content.get_data(as_text=True)
    again = client.post("/admin/staff/new", {"username": "newbie", "role": "intake"})
    assert again.status_code == 400 and "已被使用" in again.get_data(as_text=True)


def test_the_start_page_counts_the_account_changes_waiting_for_me(sign_in, admin, make_staff, staff_rt) -> None:
    """The second administrator and the unit head find what waits for them from their start page."""
    second, head = make_staff("root2", "admin", unit=None), make_staff("head", "unit_head")
    staff_admin.add_staff_account(staff_rt, admin.id, "auditor9", "auditor", None)
    staff_admin.add_staff_account(staff_rt, admin.id, "clerk9", "intake", "第一科")
    start = sign_in(second).get("/").get_data(as_text=True)
    assert re.search(r'<li><a href="/admin/account-changes">账户审批</a> <span class="count">1</span></li>', start)
    inbox = sign_in(head).get("/cases").get_data(as_text=True)
    assert re.search(r'<a href="/account-changes">账户审批 <span class="count" data-count="1">', inbox)
    # The one who asked decides neither, so nothing waits for him.
    assert 'class="count"' not in sign_in(admin).get("/").get_data(as_text=True)


def test_everyone_changes_their_own_password(sign_in, make_staff, staff_app, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    client = sign_in(clerk)
    differ = client.post("/account/password", {"old": PASSWORD, "new": NEW, "repeat": NEW + "x"})
    assert differ.status_code == 400
    wrong = client.post("/account/password", {"old": "not my password", "new": NEW, "repeat": NEW})
    assert wrong.status_code == 400
    done = client.post("/account/password", {"old": PASSWORD, "new": NEW, "repeat": NEW})
    assert done.status_code == 302
    with time_machine.travel(utcnow() + timedelta(seconds=60)):
        fresh = StaffUser(clerk.id, "clerk", "intake", NEW, clerk.totp_secret)
        assert _sign_in_form(staff_app.test_client(), fresh).status_code == 302


def test_resetting_an_officer_with_an_approved_request_asks_to_confirm(sign_in, make_staff, admin, staff_rt,
                                                                      public_rt, custodians) -> None:
    officer = make_staff("officer", "protection_officer")
    report_id = intake.submit_report(public_rt, submission(identity=dict(IDENTITY))).report_id
    keepers = {n: accounts.find_staff(staff_rt, n).id for n in custodians}
    rid = unseal.request_unseal(staff_rt, officer.id, report_id, "评估报复风险，安排保护。", "reporter_at_risk")
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    client = sign_in(admin)
    asked = client.post(f"/admin/staff/{officer.id}/reset", {"confirmed": "1"}, page="/admin/staff")
    assert asked.status_code == 409 and "无法再打开" in asked.get_data(as_text=True)
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password).fields == IDENTITY
    done = client.post(f"/admin/staff/{officer.id}/reset", {"confirm": "y", "confirmed": "1"}, page="/admin/staff")
    assert done.status_code == 200 and "1 个未结束的解封申请已无法再打开" in done.get_data(as_text=True)


def test_each_row_has_one_primary_action_a_marked_deactivate_and_a_unit_list(sign_in, make_staff, admin) -> None:
    """Issue #27 item 12: one primary button per row; deactivate red and asking first; 调动 a labelled select."""
    import re as _re

    clerk = make_staff("clerk", "intake")
    client = sign_in(admin)
    html = client.get("/admin/staff").get_data(as_text=True)
    row = html.split('id="staff-clerk"', 1)[1].split("</tr>", 1)[0]
    classes = _re.findall(r'<button type="submit" id="[^"]*" class="([^"]*)"', row)
    assert classes.count("") == 1 and classes.count("danger") == 1  # reset (primary), deactivate (danger)
    assert 'id="deactivate-clerk" class="danger"' in row
    assert f'<label for="unit-{clerk.id}">调往单位</label>' in row
    assert '<details class="change">' in row and "<summary>变更角色或调动单位</summary>" in row  # folded: one line
    unit_select = row.split(f'<select name="value" id="unit-{clerk.id}">', 1)[1].split("</select>", 1)[0]
    assert '<option value="第一科" selected>' in unit_select and 'type="text"' not in row
    asked = client.post(f"/admin/staff/{clerk.id}/deactivate", {}, page="/admin/staff")
    assert asked.status_code == 200 and 'id="consequence"' in asked.get_data(as_text=True)
