"""Staff sign-in (R29), the pledge (R30) and the deny-by-default staff app (R26)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine

from models.audit.tables import AuditEvent
from models.staff import accounts
from models.staff.tables import Staff
from models.store.db import utcnow
from tests.conftest import _sign_in_form
from web.staff.auth import API_BLUEPRINTS


def test_every_page_without_a_session_redirects_to_sign_in(staff_app) -> None:
    client = staff_app.test_client()
    for rule in staff_app.url_map.iter_rules():
        if rule.endpoint in {"static", "auth.login", "enroll.start", "enroll.complete"} or \
                rule.endpoint.split(".", 1)[0] in API_BLUEPRINTS or \
                rule.endpoint.startswith("monitoring."):  # monitoring: tests/test_monitoring.py
            continue
        path = rule.rule.replace("<", "").replace(">", "")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method)
        assert response.status_code in (302, 400), rule.rule
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), rule.rule


def test_every_staff_page_names_its_icon_and_the_icon_loads(staff_app) -> None:
    """Browsers ask for an icon on every page; without one each staff page logged a 404."""
    client = staff_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.ico"' in page
    with client.get("/static/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file

def test_sign_in_with_password_and_totp_then_pledge(staff_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    assert _sign_in_form(client, clerk).status_code == 302
    assert client.get("/").headers["Location"] == "/pledge"
    page = client.get("/pledge").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/pledge", data={"csrf_token": token, "accept": "yes"}).status_code == 302
    assert client.get("/").status_code == 200
    with staff_rt.stores.case() as session:
        events = [e.event for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "signin.succeeded" in events and "staff.pledge_accepted" in events


@pytest.mark.parametrize("wrong", ["password", "totp", "user"])
def test_sign_in_failures_get_one_message(staff_app, make_staff, wrong) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": token, "username": "clerk", "password": clerk.password, "totp": clerk.totp()}
    data[{"password": "password", "totp": "totp", "user": "username"}[wrong]] = "000000x"
    response = client.post("/login", data=data)
    assert response.status_code == 401
    assert "登录失败" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_totp_code_cannot_be_replayed(staff_app, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    # Both sign-ins inside one 30-second TOTP step, however slow the machine: the same code twice.
    now = utcnow()
    with time_machine.travel(now.replace(second=10 if now.second < 30 else 40, microsecond=0), tick=False):
        assert _sign_in_form(staff_app.test_client(), clerk).status_code == 302
        replay = _sign_in_form(staff_app.test_client(), clerk)
    assert replay.status_code == 401


def test_repeated_failures_slow_down_that_address_without_a_distinct_answer(staff_app, make_staff,
                                                                             staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    bad = type(clerk)(clerk.id, clerk.username, clerk.role, "wrong password!", clerk.totp_secret)
    for _ in range(staff_rt.config.lockout_failures):
        assert _sign_in_form(staff_app.test_client(), bad).status_code == 401
    throttled = _sign_in_form(staff_app.test_client(), clerk)
    assert throttled.status_code == 401
    assert "登录失败" in throttled.get_data(as_text=True) and "锁定" not in throttled.get_data(as_text=True)
    with staff_rt.stores.case() as session:
        reasons = [e.detail.get("reason") for e in session.query(AuditEvent).filter_by(event="signin.failed")]
        assert session.query(Staff).filter_by(username="clerk").one().locked_until is None
    assert reasons == ["password"] * staff_rt.config.lockout_failures + ["throttled"]
    # The delay passes: the owner signs in again (no lock-out that a stranger can extend at will).
    with time_machine.travel(utcnow() + timedelta(seconds=5)):
        assert _sign_in_form(staff_app.test_client(), clerk).status_code == 302


@pytest.mark.parametrize("wrong", ["unknown", "inactive", "password", "totp", "not_enrolled"])
def test_every_sign_in_failure_is_audited_and_committed(staff_rt, make_staff, wrong) -> None:
    from models.administration import staff_admin

    clerk = make_staff("clerk", "intake")
    root = make_staff("root", "admin", unit=None)
    name, password, code = "clerk", clerk.password, clerk.totp()
    if wrong == "unknown":
        name = "nobody"
    elif wrong == "inactive":
        staff_admin.deactivate_staff(staff_rt, root.id, clerk.id)
    elif wrong == "password":
        password = "wrong password!"
    elif wrong == "totp":
        code = "000000" if code != "000000" else "111111"
    else:
        staff_admin.add_staff_account(staff_rt, root.id, "keeper", "custodian", None)
        name = "keeper"
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(staff_rt, name, password, code, address="192.0.2.1")
    with staff_rt.stores.case() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert last.event == "signin.failed" and "wrong password" not in str(last.detail)


def test_session_times_out(staff_app, make_staff, sign_in, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    with time_machine.travel("2026-11-28 10:00:00 +0000", tick=False) as traveller:
        browser = sign_in(clerk)
        assert browser.get("/").status_code == 200
        traveller.shift(staff_rt.config.session_minutes * 60 + 5)
        assert browser.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(staff_app, make_staff, sign_in) -> None:
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    response = browser.client.post("/logout", data={})
    assert response.status_code == 400


def test_api_session_and_token(staff_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    bad = client.post("/api/v1/session", json={"username": "clerk", "password": "nope", "totp": "1"})
    assert bad.status_code == 401
    good = client.post("/api/v1/session", json={"username": "clerk", "password": clerk.password,
                                                "totp": pyotp.TOTP(clerk.totp_secret).now()})
    assert good.status_code == 201
    assert good.get_json()["token"]
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and "/session" in doc["paths"]
