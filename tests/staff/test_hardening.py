"""Staff app hardening: sign-in checked on POST routes too, no page cached, bad text refused cleanly."""

from __future__ import annotations

import html
import re

import pyotp
import pytest

from models.reporting.files import Upload
from models.store.i18n import translate
from tests.conftest import _CSRF, _sign_in_form
from web.staff.auth import API_BLUEPRINTS

UNREADABLE = "This text contains characters that could not be read. Please type it again."


# POST pages reachable without signing in: the sign-in form, and enrollment, whose one-time code
# is its credential (R29). Anything else that answers an anonymous POST without the sign-in
# redirect fails the test below.
ANONYMOUS_POST = {"auth.login", "enroll.start", "enroll.complete"}


def _path(rule: str) -> str:
    # A placeholder each converter accepts (an int id is "1"), so the request reaches the guards
    # instead of stopping at a routing 404; any other part gets an unknown word ("xdecision").
    return re.sub(r"<(?:([^:>(]+)(?:\([^>]*\))?:)?([^>]+)>",
                  lambda m: "1" if m.group(1) == "int" else f"x{m.group(2)}", rule)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    # Signed in, a page (or the pledge) opens; not signed in, the sign-in page is the answer.
    response = client.get("/")
    return not (response.status_code == 302 and response.headers["Location"].startswith("/login"))


def test_every_post_route_checks_sign_in_with_a_valid_csrf_token(staff_app) -> None:
    # Without a token CSRF answers 400 before the sign-in guard runs, so the guard would never
    # be tested on POST routes: take a real token from the sign-in page first.
    client = staff_app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    checked, anonymous = 0, set()
    for rule in staff_app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint == "auth.login" \
                or rule.endpoint.split(".", 1)[0] in API_BLUEPRINTS:
            continue
        response = client.post(_path(rule.rule), data={"csrf_token": token.group(1)})
        if rule.endpoint in ANONYMOUS_POST:
            # Reached without sign-in, but without a code it does nothing and signs nobody in.
            assert response.status_code == 400 and "Location" not in response.headers, rule.rule
            assert not _signed_in(client), rule.rule
            anonymous.add(rule.endpoint)
            continue
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule
        checked += 1
    assert checked > 10
    assert anonymous == ANONYMOUS_POST - {"auth.login"}  # no stale entry widens the list


def test_enrollment_refuses_a_wrong_code_and_signs_nobody_in(staff_app, staff_rt, make_staff) -> None:
    from models.staff import enrollment
    from models.staff.tables import Staff

    clerk = make_staff("clerk", "intake")
    with staff_rt.stores.case() as session:
        code = enrollment.issue_code(session, session.get(Staff, clerk.id), "reset", "admin")
    seed = enrollment.start_enrollment(staff_rt, "clerk", code)  # a real enrollment under way
    client = staff_app.test_client()
    token = _CSRF.search(client.get("/enroll").get_data(as_text=True))
    assert token
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    for path, extra in [("/enroll", {}), ("/enroll/complete", {"password": "a fresh password 42",
                                                             "repeat": "a fresh password 42",
                                                             "totp": pyotp.TOTP(seed).now()})]:
        response = client.post(path, data={"csrf_token": token.group(1), "username": "clerk", "code": wrong,
                                           **extra})
        assert response.status_code == 400 and "Location" not in response.headers, path
        assert 'id="totp-secret"' not in response.get_data(as_text=True), path
        assert not _signed_in(client), path
    # Nothing changed: the old password still signs in, and the real code still opens enrollment.
    assert _sign_in_form(staff_app.test_client(), clerk).status_code == 302
    assert enrollment.start_enrollment(staff_rt, "clerk", code)


def test_every_api_route_needs_a_token(staff_app) -> None:
    # The token is checked before anything the path names is looked at: "xdecision" is no
    # decision and "xrequest_id" no request, yet the answer is 401, not 404.
    client = staff_app.test_client()
    for rule in staff_app.url_map.iter_rules():
        if (rule.endpoint.split(".", 1)[0] not in API_BLUEPRINTS
                or rule.endpoint in {"api.create_session", "api.openapi"}):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(_path(rule.rule), method=method, json={})
            assert response.status_code == 401, (method, rule.rule)
            assert response.is_json, rule.rule


def test_no_staff_page_is_cached(staff_app, make_staff, sign_in) -> None:
    browser = sign_in(make_staff("head", "unit_head"))
    seen = 0
    for rule in staff_app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.arguments or rule.endpoint in {"static", "auth.logout"}:
            continue
        response = browser.get(rule.rule)
        assert "no-store" in response.headers.get("Cache-Control", ""), rule.rule
        seen += 1
    assert seen > 5
    assert "no-store" in staff_app.test_client().get("/login").headers["Cache-Control"]


@pytest.mark.parametrize("username", ["clerk\x00", "cl\x00erk"])
def test_a_nul_in_the_sign_in_user_name_is_a_clean_400(staff_app, make_staff, username) -> None:
    make_staff("clerk", "intake")
    client = staff_app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login", data={"csrf_token": token.group(1), "username": username,
                                           "password": "x", "totp": "123456"})
    assert response.status_code == 400
    assert translate("zh", UNREADABLE) in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("username", ["\ud800", "a\x00b", "ok"])
def test_bad_text_in_the_api_user_name_is_a_400_or_401_never_500(staff_app, username) -> None:
    response = staff_app.test_client().post("/api/v1/session", json={"username": username, "password": "x",
                                                                      "totp": "1"})
    assert response.status_code == (401 if username == "ok" else 400)
    assert response.is_json


@pytest.mark.parametrize("path", ["/api/v1/reports/2026-%00", "/cases/%00", "/cases?q=%00",
                                  "/api/v1/reports?category=%ED%A0%80"])
def test_a_nul_or_surrogate_in_a_path_or_query_is_a_400(staff_app, make_staff, sign_in, api_token,
                                                         path) -> None:
    clerk = make_staff("clerk", "intake")
    if path.startswith("/api/"):
        response = staff_app.test_client().get(path, headers=api_token(clerk))
        assert response.is_json
    else:
        response = sign_in(clerk).get(path)
    assert response.status_code == 400, path


def test_deep_json_is_a_400(staff_app) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = staff_app.test_client().post("/api/v1/session", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json


def test_a_file_name_with_controls_is_cleaned_and_downloads(make_staff, sign_in, clues, staff_rt) -> None:
    from models.cases import casework

    [receipt] = clues(1, files=[Upload("a\x00b\u202e\r\n.txt", b"plain evidence")])
    clerk = make_staff("clerk", "intake")
    [info] = casework.open_case(staff_rt, clerk.id, receipt.report_id).files
    response = sign_in(clerk).get(f"/cases/{receipt.report_id}/files/{info.id}")
    assert response.status_code == 200
    assert 'filename=ab.txt' in response.headers["Content-Disposition"]


def test_an_id_beyond_the_database_integer_is_a_404_not_a_500(staff_app, make_staff, sign_in,
                                                              api_token) -> None:
    # PostgreSQL refuses an INTEGER above 2**31 - 1 with an error; found by the OpenAPI fuzzer.
    head = make_staff("head", "unit_head")
    api, browser = staff_app.test_client(), sign_in(head)
    for n in (2**31, 137445198604):
        response = api.post(f"/api/v1/classification-changes/{n}/approve", headers=api_token(head), json={})
        assert response.status_code == 404 and response.is_json, n
        assert browser.post(f"/cases/x/classification/{n}", page="/").status_code == 404, n
    # The largest id still reaches the view, which looks it up and says it is unknown in its own words.
    largest = api.post("/api/v1/classification-changes/2147483647/approve", headers=api_token(head), json={})
    assert largest.status_code == 404 and largest.get_json()["error"] != response.get_json()["error"]
