"""The unsealing and protection pages and the staff JSON API, end to end."""

from __future__ import annotations

import re

from flask import render_template_string

from models.reporting import intake
from tests.protection.conftest import CANARY, IDENTITY


def _request_id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def test_pages_happy_path(staff_app, public_rt, sign_in, officer, clue, custodians, custodian_users) -> None:
    po = sign_in(officer)
    page = f"/cases/{clue.report_id}/unseal"
    assert po.get(page).status_code == 200
    bad = po.post(page, {"purpose": "", "legal_basis": "reporter_at_risk"})
    assert bad.status_code == 400
    filed = po.post(page, {"purpose": "安排保护", "legal_basis": "reporter_at_risk"})
    assert filed.status_code == 302
    rid = _request_id(filed.headers["Location"])
    detail = f"/unseal/{rid}"

    keeper1 = sign_in(custodian_users["keeper1"])
    assert "安排保护" in keeper1.get(detail).get_data(as_text=True)
    keeper1.post(f"{detail}/approve", {"passphrase": custodians["keeper1"], "note": ""}, page=detail)
    keeper2 = sign_in(custodian_users["keeper2"])
    # The list marks the requests waiting for this custodian's answer (walks, issue #27).
    assert "待您审批" not in keeper1.get("/unseal").get_data(as_text=True)
    assert "待您审批" in keeper2.get("/unseal").get_data(as_text=True)
    assert "待您审批" not in po.get("/unseal").get_data(as_text=True)
    wrong = keeper2.post(f"{detail}/approve", {"passphrase": "wrong"}, page=detail, follow_redirects=True)
    assert "口令或密码错误" in wrong.get_data(as_text=True)
    keeper2.post(f"{detail}/approve", {"passphrase": custodians["keeper2"]}, page=detail)

    # The approved request waits for its officer: a count beside the link, gone once it is opened.
    waiting = re.compile(r'href="/unseal"[^>]*>[^<]*<span class="count" data-count="(\d+)"')
    assert waiting.search(po.get("/").get_data(as_text=True)).group(1) == "1"  # type: ignore[union-attr]
    shown = po.post(f"{detail}/open", {"password": officer.password}, page=detail)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert CANARY in html and IDENTITY["phone"] in html
    assert "no-store" in shown.headers["Cache-Control"]
    assert 'class="watermark"' in html and "officer" in html
    assert f'<a href="{detail}">' in html  # and a way back to the request
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", html)
    assert len(intake.reporter_status(public_rt, clue.code).messages) == 1
    assert not waiting.search(po.get("/").get_data(as_text=True))


def test_api_happy_path(staff_app, api_token, officer, clue, custodians, custodian_users) -> None:
    client = staff_app.test_client()
    po = api_token(officer)
    made = client.post(f"/api/v1/reports/{clue.registry_no}/unseal-requests",
                       json={"purpose": "安排保护", "legal_basis": "judicial_request"}, headers=po)
    assert made.status_code == 201
    rid = made.get_json()["id"]
    assert client.post(f"/api/v1/reports/{clue.registry_no}/unseal-requests",
                       json={"purpose": "x", "legal_basis": "nonsense"}, headers=po).status_code in (400, 409)
    k1, k2 = (api_token(custodian_users[n]) for n in ("keeper1", "keeper2"))
    assert client.post(f"/api/v1/unseal-requests/{rid}/approve", json={"passphrase": custodians["keeper1"]},
                       headers=po).status_code == 403  # the requester is not a custodian
    early = client.post(f"/api/v1/unseal-requests/{rid}/open", json={"passphrase": officer.password}, headers=po)
    assert early.status_code == 409
    one = client.post(f"/api/v1/unseal-requests/{rid}/approve", json={"passphrase": custodians["keeper1"],
                                                                     "note": "同意"}, headers=k1)
    assert one.get_json() == {"id": rid, "state": "pending"}
    again = client.post(f"/api/v1/unseal-requests/{rid}/approve", json={"passphrase": custodians["keeper1"]},
                        headers=k1)
    assert again.status_code == 409
    two = client.post(f"/api/v1/unseal-requests/{rid}/approve", json={"passphrase": custodians["keeper2"]},
                      headers=k2)
    assert two.get_json()["state"] == "approved"
    got = client.get(f"/api/v1/unseal-requests/{rid}", headers=k1).get_json()
    assert (got["state"], got["approvals"], got["legal_basis"]) == ("approved", 2, "judicial_request")
    assert CANARY not in str(got)
    wrong = client.post(f"/api/v1/unseal-requests/{rid}/open", json={"passphrase": "nope"}, headers=po)
    assert wrong.status_code == 403 and CANARY not in wrong.get_data(as_text=True)
    opened = client.post(f"/api/v1/unseal-requests/{rid}/open", json={"passphrase": officer.password}, headers=po)
    assert opened.status_code == 200
    assert opened.get_json()["identity"] == IDENTITY
    assert "no-store" in opened.headers["Cache-Control"]
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/reports/{registry_no}/unseal-requests", "/unseal-requests/{id}", "/unseal-requests/{id}/approve",
                 "/unseal-requests/{id}/deny", "/unseal-requests/{id}/open"):
        assert path in doc["paths"]


def test_api_refuses_the_wrong_role(staff_app, api_token, make_staff, clue) -> None:
    clerk = api_token(make_staff("clerk", "intake"))
    response = staff_app.test_client().post(f"/api/v1/reports/{clue.registry_no}/unseal-requests",
                                            json={"purpose": "x", "legal_basis": "other"}, headers=clerk)
    assert response.status_code == 403


def test_protection_pages(staff_app, staff_rt, sign_in, officer, clue) -> None:
    po = sign_in(officer)
    page = f"/cases/{clue.report_id}/protection"
    assert po.get(page).status_code == 200
    po.post(f"{page}/risk", {"level": "high", "reasons": "被举报人已打听举报人住址"}, page=page)
    po.post(f"{page}/measures", {"what": "安排民警巡逻", "taken_on": "2026-11-01"}, page=page)
    po.post(f"/cases/{clue.report_id}/redactions", {"field": "description", "phrase": "殴打村民"}, page=page)
    html = po.get(page).get_data(as_text=True)
    assert "被举报人已打听举报人住址" in html and "安排民警巡逻" in html
    preview = html.split('id="redacted-preview"')[1]
    assert "殴打村民" not in preview and "■■■" in preview
    board = po.get("/protection").get_data(as_text=True)
    assert clue.registry_no in board and "risk-high" in board
    with staff_app.test_request_context():
        from flask_login import login_user

        from models.cases.casework import open_case
        from models.staff.accounts import get_staff
        from web.staff.auth import SignedIn

        login_user(SignedIn(get_staff(staff_rt, officer.id)))
        case = open_case(staff_rt, officer.id, clue.report_id)
        partial = render_template_string('{% include "staff/_case_protection.html" %}', case=case,
                                         report=case.report)
    assert "risk-high" in partial and f"/cases/{clue.report_id}/unseal" in partial


def test_inbox_flags_high_risk(staff_app, staff_rt, public_rt, sign_in, officer, clue) -> None:
    from models.protection import measures
    from tests.conftest import submission

    calm = intake.submit_report(public_rt, submission())
    measures.set_risk(staff_rt, officer.id, clue.report_id, "imminent", "对方扬言报复")
    measures.set_risk(staff_rt, officer.id, calm.report_id, "low", "暂无迹象")
    rows = sign_in(officer).get("/cases").get_data(as_text=True).split("<tr")
    [danger] = [r for r in rows if clue.registry_no in r]
    [quiet] = [r for r in rows if calm.registry_no in r]
    assert 'class="risk risk-imminent"' in danger and "危险迫近" in danger
    assert "risk-" not in quiet


def _rename(rt, names: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from models.staff.tables import Staff

    with rt.stores.case() as session:
        for username, display in names.items():
            session.execute(update(Staff).where(Staff.username == username).values(display_name=display))


def test_the_pages_name_requester_and_custodians_by_their_display_names(staff_app, staff_rt, public_rt, sign_in,
                                                                        officer, clue, custodians,
                                                                        custodian_users) -> None:
    """#27 item 4: "王警官 (officer)", never the bare user name, on the request, the list and the case."""
    _rename(staff_rt, {"officer": "王警官", "keeper1": "保管人甲"})
    po = sign_in(officer)
    rid = _request_id(po.post(f"/cases/{clue.report_id}/unseal",
                              {"purpose": "安排保护", "legal_basis": "reporter_at_risk"}).headers["Location"])
    detail = f"/unseal/{rid}"
    sign_in(custodian_users["keeper1"]).post(f"{detail}/approve", {"passphrase": custodians["keeper1"], "note": ""},
                                             page=detail)
    html = po.get(detail).get_data(as_text=True)
    requester = html.split('id="requester">', 1)[1].split("</td>", 1)[0]
    assert requester.startswith("王警官") and "(officer)" in requester
    assert "保管人甲 · " in html and "<li>keeper1 · " not in html
    listed = sign_in(custodian_users["keeper2"]).get("/unseal").get_data(as_text=True)
    assert "<td>王警官</td>" in listed and "<td>officer</td>" not in listed
