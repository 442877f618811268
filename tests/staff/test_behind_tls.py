"""Over HTTPS a browser sends the staff app no Referer (the pages ask for none): sign-in works."""

from __future__ import annotations

import re

import pytest

HTTPS = "https://clueguard-staff.internal"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sign_in_over_https_without_a_referer(staff_app, make_staff) -> None:

    user = make_staff("tlsclerk", "intake")
    client = staff_app.test_client()
    page = client.get("/login", base_url=HTTPS)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token and page.headers["Referrer-Policy"] == "no-referrer"
    answer = client.post("/login", base_url=HTTPS, data={"csrf_token": token.group(1), "username": user.username,
                                                        "password": user.password, "totp": user.totp()})
    assert answer.status_code == 302
