"""Sessions that end, tokens that carry nothing, safe redirects and the yearly pledge (R29, R30)."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from models.staff import accounts
from models.staff.tables import Staff, WebSession
from models.store.db import utcnow
from models.store.i18n import translate
from models.store.text import UNREADABLE
from tests.conftest import _CSRF, PASSWORD, _sign_in_form
from web.cli.main import main
from web.staff.auth import safe_next

NEW = "a fresh password 42"


def _copy_cookie(browser, staff_app):  # type: ignore[no-untyped-def]
    """A second browser holding a copy of the first one's session cookie."""
    cookie = browser.client.get_cookie("cg_staff")
    thief = staff_app.test_client()
    thief.set_cookie("cg_staff", cookie.value)
    return thief


def test_a_cookie_and_a_token_copied_before_sign_out_are_refused_after_it(staff_app, make_staff, sign_in,
                                                                            api_token) -> None:
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    headers = api_token(clerk)
    thief = _copy_cookie(browser, staff_app)
    api = staff_app.test_client()
    assert thief.get("/").status_code == 200 and api.get("/api/v1/reports", headers=headers).status_code == 200
    assert browser.post("/logout", page="/").status_code == 302
    assert thief.get("/").status_code == 302
    assert api.get("/api/v1/reports", headers=headers).status_code == 401


def test_api_sign_out_ends_the_token_and_the_web_session(staff_app, make_staff, sign_in, api_token) -> None:
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    headers = api_token(clerk)
    api = staff_app.test_client()
    assert api.delete("/api/v1/session", headers=headers).status_code == 204
    assert api.get("/api/v1/reports", headers=headers).status_code == 401
    assert browser.get("/").status_code == 302


def test_a_password_change_ends_every_other_session(staff_app, make_staff, sign_in, api_token) -> None:
    clerk = make_staff("clerk", "intake")
    other_desk = sign_in(clerk)
    headers = api_token(clerk)
    from models.administration import staff_admin

    staff_admin.change_own_password(_rt(staff_app), clerk.id, PASSWORD, NEW)
    assert other_desk.get("/").status_code == 302
    assert staff_app.test_client().get("/api/v1/reports", headers=headers).status_code == 401


def _rt(app):  # type: ignore[no-untyped-def]
    from web.shared import RUNTIME_KEY

    return app.extensions[RUNTIME_KEY]


def test_the_session_lives_on_the_server_and_the_cookie_holds_only_an_id(staff_app, make_staff, sign_in,
                                                                           staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    cookie = browser.client.get_cookie("cg_staff").value
    assert "." not in cookie and "clerk" not in cookie and str(clerk.id) not in cookie.split("_")
    with staff_rt.stores.case() as session:
        assert session.scalar(select(WebSession.store_id).where(WebSession.store_id.endswith(cookie)))


def test_sign_in_gives_a_fresh_session_id(staff_app, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    client.get("/login")
    planted = client.get_cookie("cg_staff").value
    assert _sign_in_form(client, clerk).status_code == 302
    assert client.get_cookie("cg_staff").value != planted
    fixated = staff_app.test_client()
    fixated.set_cookie("cg_staff", planted)
    assert fixated.get("/").status_code == 302


def test_sessions_in_redis_when_configured(config, staff_rt, make_staff) -> None:
    url = os.environ.get("CLUEGUARD_TEST_REDIS_URL")
    if not url:
        pytest.skip("CLUEGUARD_TEST_REDIS_URL is not set")
    from redis import Redis

    from web.staff import create_staff_app
    from web.staff.sessions import KEY_PREFIX

    app = create_staff_app(config.with_changes(redis_url=url), staff_rt)
    app.config["TESTING"] = True
    clerk = make_staff("clerk", "intake")
    accounts.accept_pledge(staff_rt, clerk.id)
    client = app.test_client()
    assert _sign_in_form(client, clerk).status_code == 302
    sid = client.get_cookie("cg_staff").value
    redis = Redis.from_url(url)
    assert redis.exists(KEY_PREFIX + sid)
    assert client.get("/").status_code == 200
    token = _CSRF.search(client.get("/").get_data(as_text=True))
    assert token
    client.post("/logout", data={"csrf_token": token.group(1)})
    assert not redis.exists(KEY_PREFIX + sid)
    redis.close()


def test_a_token_carries_nothing_of_the_password(staff_app, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    token = client.post("/api/v1/session", json={"username": "clerk", "password": clerk.password,
                                                  "totp": clerk.totp()}).get_json()["token"]
    stored = accounts.get_staff(staff_rt, clerk.id).password_hash
    padded = token + "=" * (-len(token) % 4)
    decoded = base64.urlsafe_b64decode(padded)
    assert stored[-16:] not in token and stored[-16:].encode() not in decoded


def test_totp_seeds_are_stored_sealed(staff_rt, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    stored = accounts.get_staff(staff_rt, clerk.id).totp_secret
    assert clerk.totp_secret not in stored and stored.startswith("v1:")


def test_a_seed_copied_to_another_account_does_not_open(staff_rt, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    other = make_staff("other", "intake")
    with staff_rt.stores.case() as session:
        seed = session.get(Staff, clerk.id).totp_secret
        session.get(Staff, other.id).totp_secret = seed
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(staff_rt, "other", PASSWORD, clerk.totp())


# --- next= only same-site paths ------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0d/evil.example", "/%0a/evil.example", "/%5C/evil.example", "/%5Cevil.example",
    "//evil.example", "///evil.example", "https://evil.example/", "javascript:alert(1)", "http:/evil.example",
    "%2F%2Fevil.example", "/%2F/evil.example", "evil.example", " /x",
])
def test_next_never_leaves_the_site(staff_app, make_staff, staff_rt, target) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/login?next={target}", data={"csrf_token": token, "username": "clerk",
                                                           "password": clerk.password, "totp": clerk.totp()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/x%00y", "%00//evil.example", "/%00/evil.example"])
def test_unreadable_text_in_next_is_a_clean_400_that_signs_nobody_in(staff_app, make_staff, target) -> None:
    # The shared request guard (web.shared) refuses a NUL (or a lone surrogate) anywhere in the query
    # before any view runs (bad input: a clear message, no 500): no redirect at all, so none off-site,
    # and the sign-in is not done.
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/login?next={target}", data={"csrf_token": token, "username": "clerk",
                                                           "password": clerk.password, "totp": clerk.totp()})
    assert response.status_code == 400 and "Location" not in response.headers
    assert translate("zh", UNREADABLE) in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("target", ["/x\x00y", "/\x00/evil.example", "/x\x7fy", "/\u0085/evil.example"])
def test_safe_next_refuses_control_characters_itself(target) -> None:
    # Not only the guard: the redirect check stands on its own should the guard ever let one by.
    assert safe_next(target) is None
    assert safe_next("/x/y") == "/x/y"


def test_next_keeps_a_local_path(staff_app, make_staff) -> None:
    clerk = make_staff("clerk", "intake")
    client = staff_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login?next=/deadlines%3Funit%3D1", data={
        "csrf_token": token, "username": "clerk", "password": clerk.password, "totp": clerk.totp()})
    assert response.headers["Location"] == "/deadlines?unit=1"


# --- the pledge within the year, on every path (R30) ----------------------------------------

def _age_pledge(rt, staff_id: int, days: int) -> None:
    with rt.stores.case() as session:
        session.execute(update(Staff).where(Staff.id == staff_id)
                        .values(pledge_accepted_at=utcnow() - timedelta(days=days)))


def test_a_366_day_old_pledge_is_refused_on_the_pages(staff_app, make_staff, sign_in, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    _age_pledge(staff_rt, clerk.id, 366)
    assert browser.get("/").headers["Location"] == "/pledge"
    _age_pledge(staff_rt, clerk.id, 364)
    assert browser.get("/").status_code == 200


def test_a_366_day_old_pledge_is_refused_by_the_api(staff_app, make_staff, api_token, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    headers = api_token(clerk)
    _age_pledge(staff_rt, clerk.id, 366)
    assert staff_app.test_client().get("/api/v1/reports", headers=headers).status_code == 403
    _age_pledge(staff_rt, clerk.id, 364)
    assert staff_app.test_client().get("/api/v1/reports", headers=headers).status_code == 200


def test_a_366_day_old_pledge_is_refused_at_the_console(config, staff_rt, make_staff) -> None:
    auditor = make_staff("auditor", "auditor", unit=None)
    _age_pledge(staff_rt, auditor.id, 366)
    runner = CliRunner()
    refused = runner.invoke(main, ["audit", "key", "--auditor", "auditor", "--passphrase-stdin"],
                            input="a long passphrase\n", obj=config)
    assert refused.exit_code != 0 and "undertaking" in refused.output
    _age_pledge(staff_rt, auditor.id, 364)
    made = runner.invoke(main, ["audit", "key", "--auditor", "auditor", "--passphrase-stdin"],
                         input="a long passphrase\n", obj=config)
    assert made.exit_code == 0, made.output
    _age_pledge(staff_rt, auditor.id, 366)
    cp = runner.invoke(main, ["audit", "checkpoint", "--auditor", "auditor", "--passphrase-stdin"],
                       input="a long passphrase\n", obj=config)
    assert cp.exit_code != 0
