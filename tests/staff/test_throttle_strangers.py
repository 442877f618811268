"""Sign-in throttling that no stranger can turn into a lock-out (R29, issue #21 finding 3).

The staff app behind one proxy hop (as deploy/nginx puts it): every colleague arrives from the
proxy's address unless the app reads X-Forwarded-For. Strangers flood from the same address as a
real user; the real user with the right password and code still signs in, with a known-device
cookie or without one, and a stranger's guesses stay few per hour.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from models.audit.tables import AuditEvent
from models.staff import accounts, throttle
from models.store.db import utcnow
from models.store.runtime import Runtime
from tests.conftest import StaffUser, _sign_in_form
from web.staff.devices import COOKIE, known_device

OFFICE = "203.0.113.9"  # the office NAT every colleague and the stranger share
FLOOD = 60


@pytest.fixture
def proxied_app(config, staff_rt: Runtime) -> Flask:  # type: ignore[no-untyped-def]
    from web.staff import create_staff_app

    app = create_staff_app(replace(config, proxy_hops=1), staff_rt)
    app.config["TESTING"] = True
    return app


def _from(app: Flask, address: str) -> FlaskClient:
    """A browser whose requests reach the app through the proxy, from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def _stranger_flood(app: Flask, user: StaffUser | None = None, count: int = FLOOD) -> None:
    """``count`` failed sign-ins from the office: made-up names, or wrong passwords for ``user``."""
    for i in range(count):
        name = user.username if user else f"nobody{i}"
        wrong = StaffUser(0, name, "intake", f"guess number {i}", user.totp_secret if user else "A" * 32)
        assert _sign_in_form(_from(app, OFFICE), wrong).status_code == 401


def _next_step() -> time_machine.travel:
    # A fresh TOTP step: the same code is never accepted twice (replay protection).
    return time_machine.travel(utcnow() + timedelta(seconds=31), tick=False)


def test_the_staff_app_reads_the_client_address_through_the_proxy(proxied_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    wrong = StaffUser(clerk.id, "clerk", "intake", "wrong password!", clerk.totp_secret)
    assert _sign_in_form(_from(proxied_app, OFFICE), wrong).status_code == 401
    with staff_rt.stores.case() as session:
        last = session.query(AuditEvent).filter_by(event="signin.failed").one()
    assert last.detail["address"] == OFFICE


@pytest.mark.parametrize("known_device", [False, True])
def test_a_flood_of_made_up_names_from_the_same_address_does_not_keep_a_real_user_out(
        proxied_app, make_staff, staff_rt, known_device) -> None:
    clerk = make_staff("clerk", "intake")
    browser = _from(proxied_app, OFFICE)
    if known_device:
        assert _sign_in_form(browser, clerk).status_code == 302
        assert browser.get_cookie(COOKIE) is not None
    _stranger_flood(proxied_app)
    with _next_step():
        assert _sign_in_form(browser, clerk).status_code == 302
    with staff_rt.stores.case() as session:
        reasons = [e.detail.get("reason") for e in session.query(AuditEvent).filter_by(event="signin.failed")]
    assert reasons == ["unknown_or_inactive"] * FLOOD


def _patient_stranger(app: Flask, staff_rt: Runtime, clock: time_machine.Coordinates, user: StaffUser,
                      browser: FlaskClient | None = None) -> None:
    """Wrong passwords for ``user`` from the office, each sent as soon as it counts: the name from
    there ends at the longest delay (a flood at full speed only gets "throttled" answers, uncounted).
    With ``browser``, from that browser (its device cookie, if it has one)."""
    cfg = staff_rt.config
    wrong = StaffUser(user.id, user.username, user.role, "wrong password!", user.totp_secret)
    device = None
    if browser is not None and (cookie := browser.get_cookie(COOKIE)) is not None:
        with app.test_request_context(headers={"Cookie": f"{COOKIE}={cookie.value}"}):
            device = known_device(user.username)

    def wait() -> timedelta:
        with staff_rt.stores.case() as session:
            return throttle.wait_left(session, user.username, OFFICE, cfg.lockout_failures,
                                      cfg.lockout_minutes * 60, device)

    for _ in range(15):
        clock.shift(wait() + timedelta(milliseconds=1))
        assert _sign_in_form(browser or _from(app, OFFICE), wrong).status_code == 401
    assert wait() > timedelta(minutes=14)


def test_a_stranger_against_the_users_own_name_does_not_keep_their_known_device_out(
        proxied_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    with time_machine.travel(utcnow(), tick=False) as clock:
        browser = _from(proxied_app, OFFICE)
        assert _sign_in_form(browser, clerk).status_code == 302
        _patient_stranger(proxied_app, staff_rt, clock, clerk)
        clock.shift(31)
        assert _sign_in_form(browser, clerk).status_code == 302
        clock.shift(31)
        # A new browser in the same office is an untrusted client: that name from there is slowed.
        assert _sign_in_form(_from(proxied_app, OFFICE), clerk).status_code == 401


def test_a_device_cookie_counts_only_for_its_own_user_and_cannot_be_forged(proxied_app, make_staff,
                                                                           staff_rt) -> None:
    clerk, other = make_staff("clerk", "intake"), make_staff("other", "intake")
    with time_machine.travel(utcnow(), tick=False) as clock:
        browser = _from(proxied_app, OFFICE)
        assert _sign_in_form(browser, other).status_code == 302
        _patient_stranger(proxied_app, staff_rt, clock, clerk)
        clock.shift(31)
        # other's device cookie is no pass for clerk's name, and a forged one is ignored.
        assert _sign_in_form(browser, clerk).status_code == 401
        browser.set_cookie(COOKIE, "eyJ1IjoiY2xlcmsiLCJkIjoieCJ9.forged.signature")
        assert _sign_in_form(browser, clerk).status_code == 401


def test_failures_on_a_known_device_slow_that_device_only(proxied_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    with time_machine.travel(utcnow(), tick=False) as clock:
        browser = _from(proxied_app, OFFICE)
        assert _sign_in_form(browser, clerk).status_code == 302
        _patient_stranger(proxied_app, staff_rt, clock, clerk, browser)
        clock.shift(31)
        assert _sign_in_form(browser, clerk).status_code == 401  # this device must wait
        # The same person from another browser in the office is not slowed by that device.
        assert _sign_in_form(_from(proxied_app, OFFICE), clerk).status_code == 302


def _guesses_in_an_hour(staff_rt: Runtime, name: str, device: str | None = None) -> int:
    """A stranger trying one name from the office as fast as the throttle lets an attempt count."""
    cfg, checked, start = staff_rt.config, 0, utcnow()
    with time_machine.travel(start, tick=False) as clock:
        while utcnow() - start < timedelta(hours=1):
            with staff_rt.stores.case() as session:
                wait = throttle.wait_left(session, name, OFFICE, cfg.lockout_failures,
                                          cfg.lockout_minutes * 60, device)
            clock.shift(wait + timedelta(milliseconds=1))
            if utcnow() - start >= timedelta(hours=1):
                break
            with pytest.raises(accounts.SignInFailed):
                accounts.authenticate(staff_rt, name, f"guess {checked}", "000000", address=OFFICE, device=device)
            checked += 1
    with staff_rt.stores.case() as session:
        throttled = session.query(AuditEvent).filter(AuditEvent.event == "signin.failed").all()
    assert all(e.detail.get("reason") != "throttled" for e in throttled)  # each attempt was waited for
    return checked


@pytest.mark.parametrize("device", [None, "a-stolen-device-id"])
def test_a_stranger_gets_few_guesses_an_hour(staff_rt, make_staff, device) -> None:
    make_staff("clerk", "intake")
    guesses = _guesses_in_an_hour(staff_rt, "clerk", device)
    # 5 free, then 1 s, 2 s … 512 s (10 more in 1023 s), then one every 15 minutes: 17 in the first hour.
    assert guesses == 17


def test_behind_a_busy_address_each_name_gets_one_free_guess(staff_rt, make_staff) -> None:
    make_staff("clerk", "intake")
    for i in range(throttle.ADDRESS_FACTOR * staff_rt.config.lockout_failures):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(staff_rt, f"nobody{i}", "guess", "000000", address=OFFICE)
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(staff_rt, "clerk", "guess", "000000", address=OFFICE)
    with staff_rt.stores.case() as session:
        wait = throttle.wait_left(session, "clerk", OFFICE, staff_rt.config.lockout_failures, 900)
    assert wait > timedelta(0)  # a sprayer's second guess at a real name waits


def test_the_first_ever_sign_in_after_enrolling_is_a_known_devices(proxied_app, make_staff, staff_rt) -> None:
    import re

    import pyotp

    from models.administration import approvals, staff_admin
    from models.staff import accounts

    root = make_staff("root", "admin", unit=None)
    second = make_staff("root2", "admin", unit=None)
    accounts.accept_pledge(staff_rt, second.id)
    asked = staff_admin.add_staff_account(staff_rt, root.id, "keeper", "custodian", None)
    # A custodian's account needs a second administrator, who gets the code (R29).
    code = approvals.approve_change(staff_rt, second.id, asked.pending_change_id).code
    browser = _from(proxied_app, OFFICE)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/enroll").text).group(1)
    shown = browser.post("/enroll", data={"csrf_token": token, "username": "keeper", "code": code}).text
    secret = re.search(r'id="totp-secret"[^>]*>([^<]+)<', shown).group(1).strip()
    password = "a new password of mine"
    with time_machine.travel(utcnow(), tick=False) as clock:
        finished = browser.post("/enroll/complete", data={
            "csrf_token": token, "username": "keeper", "code": code, "password": password, "repeat": password,
            "totp": pyotp.TOTP(secret).now()})
        assert finished.status_code == 302 and browser.get_cookie(COOKIE) is not None
        keeper = StaffUser(0, "keeper", "custodian", password, secret)
        _patient_stranger(proxied_app, staff_rt, clock, keeper)
        clock.shift(31)
        assert _sign_in_form(browser, keeper).status_code == 302
