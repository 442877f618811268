"""Behind TLS (CLUEGUARD_SECURE_COOKIES=1), forms work without a Referer header.

The pages tell browsers to send no Referer (``Referrer-Policy: no-referrer``, R8), so Flask-WTF's
HTTPS-only referrer check refused every form a real browser posted in production (issue 21).
"""

from __future__ import annotations

import pytest

from tests.public.conftest import CSRF_RE

HTTPS = "https://report.example.org"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_form_posted_over_https_without_a_referer_is_accepted(make_app) -> None:
    app = make_app(secure_cookies=True, proxy_hops=1)
    client = app.test_client()
    page = client.get("/status", base_url=HTTPS)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    found = CSRF_RE.search(page.text)
    assert found
    answer = client.post("/status", base_url=HTTPS, data={"receipt": "1234 5678 9012 3456",
                                                         "csrf_token": found.group(1)})
    # The look-up ran (no such receipt), rather than "the form has expired" (400).
    assert answer.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
def test_over_https_a_form_without_its_token_is_still_refused(make_app) -> None:
    client = make_app(secure_cookies=True, proxy_hops=1).test_client()
    client.get("/status", base_url=HTTPS)
    assert client.post("/status", base_url=HTTPS, data={"receipt": "1234 5678 9012 3456"}).status_code == 400
